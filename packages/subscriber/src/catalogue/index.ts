/**
 * The stream catalogue: every CloudEvents type Jinlian emits, with its protobuf payload and key,
 * and every family of topics, with direction, retention and consumers. Services create topics,
 * emit and consume events from these definitions; the AsyncAPI documents are generated from them
 * too, so code and documentation cannot drift apart.
 *
 * Each service declares its events and topic families in its own file (bulletins.ts,
 * liaison.ts, …), and the node its own (federation.ts: heartbeats over each federation link);
 * this index joins them and derives the concrete topics of a node.
 */
import { CITY_JURISDICTION, peersOf } from "@jinlian/kernel";
import { consumerGroupId, deadLetterTopic, deliveryTopic, localTopic, parseDeliveryTopic, type TopicSpec } from "../topics";
import { bulletinsCatalogue, bulletinsEvents } from "./bulletins";
import { FEDERATION, federationCatalogue, federationEvents } from "./federation";
import { legalServicesCatalogue, legalServicesEvents } from "./legal-services";
import { legislationCatalogue, legislationEvents } from "./legislation";
import { liaisonCatalogue, liaisonEvents } from "./liaison";
import { mediationCatalogue, mediationEvents } from "./mediation";
import type { Direction, EventDescriptor, ServiceCatalogue, StreamDefinition } from "./model";
import { remembered } from "../remembered";

export type { Direction, EventDescriptor, LocalSubscriber, PayloadCodec, StreamDefinition } from "./model";
export { bulletinsEvents, federationEvents, legalServicesEvents, legislationEvents, liaisonEvents, mediationEvents, FEDERATION };

/**
 * Parts of the catalogue that belong to the node itself, not to a service module: every node
 * creates, writes and reads their topics whatever services it runs.
 */
export const NODE_PARTS: readonly string[] = [FEDERATION];

/**
 * Every service's catalogue, then the node's own parts; their order is the order of the streams
 * in the AsyncAPI documents.
 */
const SERVICES: readonly ServiceCatalogue[] = [
  bulletinsCatalogue,
  liaisonCatalogue,
  legislationCatalogue,
  legalServicesCatalogue,
  mediationCatalogue,
  federationCatalogue,
];

function uniqueBy<T>(items: readonly T[], id: (item: T) => string, what: string): readonly T[] {
  const seen = new Set<string>();
  for (const item of items) {
    if (seen.has(id(item))) throw new Error(`the stream catalogue declares ${what} ${id(item)} twice`);
    seen.add(id(item));
  }
  return Object.freeze([...items]);
}

/** Every event type, by type. */
export const EVENT_CATALOGUE: ReadonlyMap<string, EventDescriptor> = new Map(
  uniqueBy(
    SERVICES.flatMap((s) => s.events),
    (e) => e.type,
    "event type",
  ).map((e) => [e.type, e]),
);

export const STREAMS: readonly StreamDefinition[] = uniqueBy(
  SERVICES.flatMap((s) => s.streams),
  (s) => `${s.service} ${s.name}`,
  "stream",
);

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
  /** The catalogue's name of the consumer in that group (e.g. "deliveries"), set with consumerGroup. */
  readonly consumer?: string;
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
      consumer: subscriber.consumer,
    });
  }
  // Deliveries of other services that this service reads where they arrive (e.g. bulletins at the
  // city reading the statistics the districts send up), under its own consumer group.
  for (const stream of STREAMS.filter((s) => s.kind === "delivery" && s.service !== service)) {
    const subscriber = stream.subscribers?.find((x) => x.service === service);
    const atCity = node === CITY_JURISDICTION;
    if (!subscriber || atCity !== ((subscriber.travelling ?? "up") === "up")) continue;
    for (const peer of peersOf(node))
      out.push({
        topic: deliveryTopic(namespace, stream.service, peer, node),
        stream,
        role: "subscribe",
        direction: atCity ? "mirrored-up" : "mirrored-down",
        from: peer,
        to: node,
        events: atCity ? stream.events.up : stream.events.down,
        consumerGroup: consumerGroupId(namespace, node, service, subscriber.consumer),
        consumer: subscriber.consumer,
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
        consumer: stream.consumer,
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
        consumer: stream.consumer,
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
  const delivery = parseDeliveryTopic(topic);
  if (delivery) {
    const stream = STREAMS.find((s) => s.service === delivery.service && s.kind === "delivery");
    return stream ? { stream, from: delivery.from, to: delivery.to } : undefined;
  }
  const parts = topic.split(".");
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
  return allowedTypes(topic);
}

// Looked up for every event consumed and appended: the catalogue does not change.
const allowedTypes = remembered((topic) => Object.freeze(typesDeclaredOn(topic)));

function typesDeclaredOn(topic: string): readonly string[] {
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
