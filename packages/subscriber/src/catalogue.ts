/**
 * The stream catalogue: every CloudEvents type Jinlian emits, with its protobuf payload and key,
 * and every family of topics, with direction, retention and consumers. Services create topics,
 * emit and consume events from these definitions; the AsyncAPI documents are generated from them
 * too, so code and documentation cannot drift apart.
 */
import { bulletinsEventsV1, liaisonEventsV1 } from "@jinlian/proto";
import { CITY_JURISDICTION, peersOf } from "./jurisdictions";
import { consumerGroupId, deadLetterTopic, deliveryTopic, localTopic, type TopicSpec } from "./topics";

export interface PayloadCodec<T> {
  encode(message: T): { finish(): Uint8Array };
  decode(input: Uint8Array): T;
  toJSON(message: T): unknown;
}

export interface EventDescriptor<T = unknown> {
  /** CloudEvents type: jinlian.<service>.<entity>.<past-verb>.v1 */
  readonly type: string;
  readonly service: string;
  /** Fully-qualified protobuf message of the data. */
  readonly message: string;
  readonly codec: PayloadCodec<T>;
  /** The payload field that is the Kafka key (the aggregate id). */
  readonly key: string;
  readonly summary: string;
}

function defineEvent<T>(d: EventDescriptor<T>): EventDescriptor<T> {
  if (!/^jinlian\.[a-z-]+\.[a-z-]+\.[a-z-]+\.v\d+$/.test(d.type))
    throw new Error(`event type ${d.type} does not follow jinlian.<service>.<entity>.<past-verb>.v<n>`);
  return Object.freeze(d);
}

export const bulletinsEvents = Object.freeze({
  published: defineEvent({
    type: "jinlian.bulletins.bulletin.published.v1",
    service: "bulletins",
    message: "jinlian.bulletins.events.v1.BulletinPublished",
    codec: bulletinsEventsV1.BulletinPublished,
    key: "bulletin_id",
    summary: "A bulletin was published with its issue number, content, audience and acknowledgement deadline.",
  }),
  corrected: defineEvent({
    type: "jinlian.bulletins.bulletin.corrected.v1",
    service: "bulletins",
    message: "jinlian.bulletins.events.v1.BulletinCorrected",
    codec: bulletinsEventsV1.BulletinCorrected,
    key: "bulletin_id",
    summary: "A correction (更正) replaced the content as a new version; earlier read receipts no longer count.",
  }),
  recalled: defineEvent({
    type: "jinlian.bulletins.bulletin.recalled.v1",
    service: "bulletins",
    message: "jinlian.bulletins.events.v1.BulletinRecalled",
    codec: bulletinsEventsV1.BulletinRecalled,
    key: "bulletin_id",
    summary: "The bulletin was recalled (撤回) as a new version; nothing is left to acknowledge.",
  }),
  acknowledged: defineEvent({
    type: "jinlian.bulletins.bulletin.acknowledged.v1",
    service: "bulletins",
    message: "jinlian.bulletins.events.v1.BulletinAcknowledged",
    codec: bulletinsEventsV1.BulletinAcknowledged,
    key: "bulletin_id",
    summary: "A recipient held at the sending node read a version of the bulletin (a read receipt).",
  }),
});

export const liaisonEvents = Object.freeze({
  organisationRegistered: defineEvent({
    type: "jinlian.liaison.organisation.registered.v1",
    service: "liaison",
    message: "jinlian.liaison.events.v1.OrganisationRegistered",
    codec: liaisonEventsV1.OrganisationRegistered,
    key: "organisation_id",
    summary: "An organisation entered the registry of parties; carries the whole organisation.",
  }),
  organisationUpdated: defineEvent({
    type: "jinlian.liaison.organisation.updated.v1",
    service: "liaison",
    message: "jinlian.liaison.events.v1.OrganisationUpdated",
    codec: liaisonEventsV1.OrganisationUpdated,
    key: "organisation_id",
    summary: "An organisation's details, departments or liaison contacts changed; carries the whole organisation after the change.",
  }),
  organisationDeactivated: defineEvent({
    type: "jinlian.liaison.organisation.deactivated.v1",
    service: "liaison",
    message: "jinlian.liaison.events.v1.OrganisationDeactivated",
    codec: liaisonEventsV1.OrganisationDeactivated,
    key: "organisation_id",
    summary: "An organisation was deactivated: kept on record, but it takes no new roles.",
  }),
  mechanismStatusReported: defineEvent({
    type: "jinlian.liaison.mechanism.reported.v1",
    service: "liaison",
    message: "jinlian.liaison.events.v1.MechanismStatusReported",
    codec: liaisonEventsV1.MechanismStatusReported,
    key: "jurisdiction_code",
    summary: "A district's liaison mechanism was proposed, established or suspended; the city keeps the latest revision.",
  }),
  actionItemAssigned: defineEvent({
    type: "jinlian.liaison.action-item.assigned.v1",
    service: "liaison",
    message: "jinlian.liaison.events.v1.ActionItemAssigned",
    codec: liaisonEventsV1.ActionItemAssigned,
    key: "action_item_id",
    summary: "A municipal consultation decided an action for a district node, which tracks it under the same id.",
  }),
  actionItemProgressReported: defineEvent({
    type: "jinlian.liaison.action-item.progressed.v1",
    service: "liaison",
    message: "jinlian.liaison.events.v1.ActionItemProgressReported",
    codec: liaisonEventsV1.ActionItemProgressReported,
    key: "action_item_id",
    summary: "A district reported progress on an action the city assigned to it; stale or repeated reports change nothing.",
  }),
  actionItemCancelled: defineEvent({
    type: "jinlian.liaison.action-item.cancelled.v1",
    service: "liaison",
    message: "jinlian.liaison.events.v1.ActionItemCancelled",
    codec: liaisonEventsV1.ActionItemCancelled,
    key: "action_item_id",
    summary: "The city cancelled an action it had assigned to a district; the district's copy becomes final.",
  }),
  actionItemOverdue: defineEvent({
    type: "jinlian.liaison.action-item.overdue.v1",
    service: "liaison",
    message: "jinlian.liaison.events.v1.ActionItemOverdue",
    codec: liaisonEventsV1.ActionItemOverdue,
    key: "action_item_id",
    summary: "An action item passed its due date unfinished; raised once per item and due date.",
  }),
  campaignLaunched: defineEvent({
    type: "jinlian.liaison.campaign.launched.v1",
    service: "liaison",
    message: "jinlian.liaison.events.v1.CampaignLaunched",
    codec: liaisonEventsV1.CampaignLaunched,
    key: "campaign_id",
    summary: "The city launched a legal-publicity campaign and pushed it to the target districts.",
  }),
  campaignClosed: defineEvent({
    type: "jinlian.liaison.campaign.closed.v1",
    service: "liaison",
    message: "jinlian.liaison.events.v1.CampaignClosed",
    codec: liaisonEventsV1.CampaignClosed,
    key: "campaign_id",
    summary: "The city closed a campaign; districts take no more activity reports for it.",
  }),
  campaignActivityReported: defineEvent({
    type: "jinlian.liaison.campaign.activity-reported.v1",
    service: "liaison",
    message: "jinlian.liaison.events.v1.CampaignActivityReported",
    codec: liaisonEventsV1.CampaignActivityReported,
    key: "campaign_id",
    summary: "A district reported an activity (events held, audience reached) under a municipal campaign.",
  }),
});

/** Every event type, by type. */
export const EVENT_CATALOGUE: ReadonlyMap<string, EventDescriptor> = new Map(
  [...Object.values(bulletinsEvents), ...Object.values(liaisonEvents)].map((e) => [e.type, e as EventDescriptor]),
);

export type Direction = "local" | "mirrored-down" | "mirrored-up";

/** A service at the same node that reads a local stream, under its own consumer (and inbox) name. */
export interface LocalSubscriber {
  readonly service: string;
  readonly consumer: string;
}

/** A family of topics of one service. */
export interface StreamDefinition {
  readonly service: string;
  /** "deliveries", "dead-letters", or a local stream's name (the last part of its topic). */
  readonly name: string;
  /**
   * delivery: one topic per pair of peer nodes, mirrored between clusters;
   * dead-letter: one topic per node and service;
   * local: one topic per node, read by other services of the same node, never mirrored.
   */
  readonly kind: "delivery" | "dead-letter" | "local";
  readonly summary: string;
  /**
   * Types that may travel on it: by direction of travel for delivery streams (down: city to
   * district; up: district to city), and under `local` for local streams.
   */
  readonly events: {
    readonly down: readonly EventDescriptor[];
    readonly up: readonly EventDescriptor[];
    readonly local?: readonly EventDescriptor[];
  };
  readonly partitions: number;
  /** -1 keeps messages forever. */
  readonly retentionMs: number;
  /** "compact" keeps the latest event per key (streams whose events carry whole state). Default "delete". */
  readonly cleanupPolicy?: "delete" | "compact";
  /** The consumer (and inbox) name of the reading service (delivery streams). */
  readonly consumer?: string;
  /** Services of the same node reading a local stream. */
  readonly subscribers?: readonly LocalSubscriber[];
}

export const STREAMS: readonly StreamDefinition[] = Object.freeze([
  {
    service: "bulletins",
    name: "deliveries",
    kind: "delivery",
    summary:
      "Bulletins from the issuing node to each recipient node, and read receipts back to the issuer. A late-joining node replays from the start, so nothing expires.",
    events: {
      down: [bulletinsEvents.published, bulletinsEvents.corrected, bulletinsEvents.recalled],
      up: [bulletinsEvents.acknowledged],
    },
    partitions: 3,
    retentionMs: -1,
    consumer: "deliveries",
  },
  {
    service: "bulletins",
    name: "dead-letters",
    kind: "dead-letter",
    summary: "What this node's bulletins consumers could not handle, with jinlian_dlq_* headers giving the reason.",
    events: { down: [], up: [] },
    partitions: 1,
    retentionMs: 30 * 24 * 3600 * 1000,
  },
  {
    service: "liaison",
    name: "registry",
    kind: "local",
    summary:
      "Every change to the node's registry of parties, each event carrying the whole organisation. Compacted by organisation id, so a service that starts late replays the latest state of every organisation.",
    events: {
      down: [],
      up: [],
      local: [liaisonEvents.organisationRegistered, liaisonEvents.organisationUpdated, liaisonEvents.organisationDeactivated],
    },
    partitions: 3,
    retentionMs: -1,
    cleanupPolicy: "compact",
    subscribers: [{ service: "bulletins", consumer: "organisations" }],
  },
  {
    service: "liaison",
    name: "alerts",
    kind: "local",
    summary: "Action items found overdue at this node, for notification and supervision.",
    events: { down: [], up: [], local: [liaisonEvents.actionItemOverdue] },
    partitions: 3,
    retentionMs: 90 * 24 * 3600 * 1000,
  },
  {
    service: "liaison",
    name: "deliveries",
    kind: "delivery",
    summary:
      "Down: actions assigned to a district by a municipal decision (and their cancellation), and municipal publicity campaigns. Up: each district's liaison-mechanism status, progress on assigned actions, and campaign activities. A late-joining node replays from the start, so nothing expires.",
    events: {
      down: [
        liaisonEvents.actionItemAssigned,
        liaisonEvents.actionItemCancelled,
        liaisonEvents.campaignLaunched,
        liaisonEvents.campaignClosed,
      ],
      up: [liaisonEvents.mechanismStatusReported, liaisonEvents.actionItemProgressReported, liaisonEvents.campaignActivityReported],
    },
    partitions: 3,
    retentionMs: -1,
    consumer: "deliveries",
  },
  {
    service: "liaison",
    name: "dead-letters",
    kind: "dead-letter",
    summary: "What this node's liaison consumer could not handle, with jinlian_dlq_* headers giving the reason.",
    events: { down: [], up: [] },
    partitions: 1,
    retentionMs: 30 * 24 * 3600 * 1000,
  },
]);

/** One concrete topic at one node. */
export interface Channel {
  readonly topic: string;
  readonly stream: StreamDefinition;
  /** What this node does with the topic. */
  readonly role: "publish" | "subscribe";
  readonly direction: Direction;
  readonly from: string;
  readonly to?: string;
  /** Types this node publishes to or consumes from the topic. */
  readonly events: readonly EventDescriptor[];
  /** Consumer group reading the topic (at the receiving node). */
  readonly consumerGroup?: string;
}

/** The topics a service writes and reads at a node, derived from the stream definitions. */
export function channelsOf(namespace: string, node: string, service: string): Channel[] {
  const out: Channel[] = [];
  // Local streams of other services that this service reads at the same node.
  for (const stream of STREAMS.filter((s) => s.kind === "local" && s.service !== service)) {
    const subscriber = stream.subscribers?.find((x) => x.service === service);
    if (!subscriber) continue;
    out.push({
      topic: localTopic(namespace, node, stream.service, stream.name),
      stream,
      role: "subscribe",
      direction: "local",
      from: node,
      events: stream.events.local ?? [],
      consumerGroup: consumerGroupId(namespace, node, service, subscriber.consumer),
    });
  }
  for (const stream of STREAMS.filter((s) => s.service === service)) {
    if (stream.kind === "dead-letter") {
      out.push({ topic: deadLetterTopic(namespace, node, service), stream, role: "publish", direction: "local", from: node, events: [] });
      continue;
    }
    if (stream.kind === "local") {
      out.push({
        topic: localTopic(namespace, node, service, stream.name),
        stream,
        role: "publish",
        direction: "local",
        from: node,
        events: stream.events.local ?? [],
      });
      continue;
    }
    for (const peer of peersOf(node)) {
      const sendingDown = node === CITY_JURISDICTION;
      out.push({
        topic: deliveryTopic(namespace, service, node, peer),
        stream,
        role: "publish",
        direction: sendingDown ? "mirrored-down" : "mirrored-up",
        from: node,
        to: peer,
        events: sendingDown ? stream.events.down : stream.events.up,
        consumerGroup: stream.consumer ? consumerGroupId(namespace, peer, service, stream.consumer) : undefined,
      });
      out.push({
        topic: deliveryTopic(namespace, service, peer, node),
        stream,
        role: "subscribe",
        direction: sendingDown ? "mirrored-up" : "mirrored-down",
        from: peer,
        to: node,
        events: sendingDown ? stream.events.up : stream.events.down,
        consumerGroup: stream.consumer ? consumerGroupId(namespace, node, service, stream.consumer) : undefined,
      });
    }
  }
  return out;
}

/** Topic specs (partitions, retention) for channels, for explicit creation at start-up. */
export function topicSpecs(channels: readonly Channel[]): TopicSpec[] {
  return channels.map((c) => ({
    topic: c.topic,
    partitions: c.stream.partitions,
    configs: { "retention.ms": String(c.stream.retentionMs), "cleanup.policy": c.stream.cleanupPolicy ?? "delete" },
  }));
}

/** The stream a topic name belongs to, read from its parts, or undefined for a foreign topic. */
export function streamOfTopic(topic: string): { stream: StreamDefinition; from: string; to?: string } | undefined {
  const parts = topic.split(".");
  if (parts.length >= 5 && parts[parts.length - 2] === "to") {
    const [from, service, , to] = parts.slice(-4) as [string, string, string, string];
    const stream = STREAMS.find((s) => s.service === service && s.kind === "delivery");
    return stream ? { stream, from, to } : undefined;
  }
  if (parts.length >= 4) {
    const [node, service, suffix] = parts.slice(-3) as [string, string, string];
    const stream =
      suffix === "dlq"
        ? STREAMS.find((s) => s.service === service && s.kind === "dead-letter")
        : STREAMS.find((s) => s.service === service && s.kind === "local" && s.name === suffix);
    return stream ? { stream, from: node } : undefined;
  }
  return undefined;
}

/** Event types the catalogue allows on a topic (by its direction of travel). */
export function typesAllowedOn(topic: string): readonly string[] {
  const found = streamOfTopic(topic);
  if (!found) return [];
  if (found.stream.kind === "local") return (found.stream.events.local ?? []).map((e) => e.type);
  const events = found.from === CITY_JURISDICTION ? found.stream.events.down : found.stream.events.up;
  return events.map((e) => e.type);
}

/**
 * Refuses an event type on a topic that the catalogue does not declare for it, so code cannot
 * emit or consume what the AsyncAPI documents do not show.
 */
export function assertDeclared(topic: string, type: string): void {
  if (!typesAllowedOn(topic).includes(type)) throw new Error(`${type} is not declared for topic ${topic} in the stream catalogue`);
}

/** Topics carrying a service's events from one named node to another, e.g. from 120000 to 120101. */
export function topicsFrom(namespace: string, service: string, from: string, to: string): string[] {
  return channelsOf(namespace, to, service)
    .filter((c) => c.role === "subscribe" && c.from === from)
    .map((c) => c.topic);
}
