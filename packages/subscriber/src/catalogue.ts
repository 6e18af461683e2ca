/**
 * The stream catalogue: every CloudEvents type Jinlian emits, with its protobuf payload and key,
 * and every family of topics, with direction, retention and consumers. Services create topics,
 * emit and consume events from these definitions; the AsyncAPI documents are generated from them
 * too, so code and documentation cannot drift apart.
 */
import { bulletinsEventsV1 } from "@jinlian/proto";
import { CITY_JURISDICTION, peersOf } from "./jurisdictions";
import { consumerGroupId, deadLetterTopic, deliveryTopic, type TopicSpec } from "./topics";

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

/** Every event type, by type. */
export const EVENT_CATALOGUE: ReadonlyMap<string, EventDescriptor> = new Map(
  [...Object.values(bulletinsEvents)].map((e) => [e.type, e as EventDescriptor]),
);

export type Direction = "local" | "mirrored-down" | "mirrored-up";

/** A family of topics of one service. */
export interface StreamDefinition {
  readonly service: string;
  /** "deliveries" or "dead-letters". */
  readonly name: string;
  readonly kind: "delivery" | "dead-letter";
  readonly summary: string;
  /** Types that may travel on it, by direction of travel (down: city to district; up: district to city). */
  readonly events: { readonly down: readonly EventDescriptor[]; readonly up: readonly EventDescriptor[] };
  readonly partitions: number;
  /** -1 keeps messages forever. */
  readonly retentionMs: number;
  /** The consumer (and inbox) name of the reading service. */
  readonly consumer?: string;
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
    summary: "What this node's bulletins consumer could not handle, with jinlian_dlq_* headers giving the reason.",
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
  for (const stream of STREAMS.filter((s) => s.service === service)) {
    if (stream.kind === "dead-letter") {
      out.push({ topic: deadLetterTopic(namespace, node, service), stream, role: "publish", direction: "local", from: node, events: [] });
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
    configs: { "retention.ms": String(c.stream.retentionMs), "cleanup.policy": "delete" },
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
  if (parts.length >= 4 && parts[parts.length - 1] === "dlq") {
    const [node, service] = parts.slice(-3) as [string, string];
    const stream = STREAMS.find((s) => s.service === service && s.kind === "dead-letter");
    return stream ? { stream, from: node } : undefined;
  }
  return undefined;
}

/** Event types the catalogue allows on a topic (by its direction of travel). */
export function typesAllowedOn(topic: string): readonly string[] {
  const found = streamOfTopic(topic);
  if (!found) return [];
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
