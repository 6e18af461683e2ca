/**
 * What the stream catalogue is made of: event descriptors and topic families (streams), and the
 * checks every service's catalogue file passes through when it is loaded.
 */

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

export function defineEvent<T>(d: EventDescriptor<T>): EventDescriptor<T> {
  if (!/^jinlian\.[a-z-]+\.[a-z-]+\.[a-z-]+\.v\d+$/.test(d.type))
    throw new Error(`event type ${d.type} does not follow jinlian.<service>.<entity>.<past-verb>.v<n>`);
  return Object.freeze(d);
}

export type Direction = "local" | "mirrored-down" | "mirrored-up";

/**
 * A service at the same node that reads another service's stream, under its own consumer (and
 * inbox) name: a local stream, or the deliveries arriving at the node (e.g. bulletins at the city
 * reading the statistics the districts' services send up).
 */
export interface LocalSubscriber {
  readonly service: string;
  readonly consumer: string;
  /** Delivery streams only: which deliveries it reads, those going up (at the city; default) or down (at the districts). */
  readonly travelling?: "up" | "down";
}

/** A family of topics of one service. */
export interface StreamDefinition {
  readonly service: string;
  /**
   * "deliveries" (a service's delivery stream), "dead-letters", or a local stream's name (the last
   * part of its topic); the node's federation part names its delivery stream "heartbeats".
   */
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
  /** Services of the same node reading a local stream, or the deliveries arriving at the node. */
  readonly subscribers?: readonly LocalSubscriber[];
}

/** One service's part of the catalogue: the events it emits and its topic families. */
export interface ServiceCatalogue {
  readonly service: string;
  readonly events: readonly EventDescriptor[];
  readonly streams: readonly StreamDefinition[];
}

/**
 * A service's catalogue, checked when its file loads: its events and streams belong to it, and a
 * stream carries only events the service declares, so a definition pasted into the wrong
 * service's file fails at start-up rather than surfacing as a foreign topic.
 */
export function defineServiceCatalogue(catalogue: {
  readonly service: string;
  readonly events: Readonly<Record<string, EventDescriptor>>;
  readonly streams: readonly Omit<StreamDefinition, "service">[];
}): ServiceCatalogue {
  const { service } = catalogue;
  const events = Object.values(catalogue.events);
  for (const e of events)
    if (e.service !== service || !e.type.startsWith(`jinlian.${service}.`))
      throw new Error(`event ${e.type} (service ${e.service}) is declared in the catalogue of ${service}`);
  const streams = catalogue.streams.map((s): StreamDefinition => Object.freeze({ service, ...s }));
  for (const s of streams)
    for (const e of [...s.events.down, ...s.events.up, ...(s.events.local ?? [])])
      if (!events.includes(e)) throw new Error(`${service} stream ${s.name} carries ${e.type}, which ${service} does not declare`);
  return Object.freeze({ service, events: Object.freeze(events), streams: Object.freeze(streams) });
}
