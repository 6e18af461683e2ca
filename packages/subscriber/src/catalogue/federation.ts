/**
 * The node's own part of the stream catalogue: heartbeats over each federation link. It belongs to
 * no service module; every node sends and reads it whatever services it runs (see
 * packages/node/src/federation-heartbeat.ts). It is declared like a service's part, under the
 * name "federation", so its topics, events and consumer group follow the same rules and
 * MirrorMaker carries it with the services' deliveries.
 */
import { federationEventsV1 } from "@jinlian/proto";
import { defineEvent, defineServiceCatalogue } from "./model";

/** The name topics, event sources and consumer groups give the node's federation part. */
export const FEDERATION = "federation";

export const federationEvents = Object.freeze({
  heartbeatSent: defineEvent({
    type: "jinlian.federation.heartbeat.sent.v1",
    service: FEDERATION,
    message: "jinlian.federation.events.v1.HeartbeatSent",
    codec: federationEventsV1.HeartbeatSent,
    key: "from_jurisdiction_code",
    summary:
      "A node is alive and its link to the receiving node carries messages: sender, receiver, send time, the sending process and its sequence on the link, and its interval.",
  }),
});

export const federationCatalogue = defineServiceCatalogue({
  service: FEDERATION,
  events: federationEvents,
  streams: [
    {
      name: "heartbeats",
      kind: "delivery",
      summary:
        "Heartbeats from one node to a peer at a fixed interval (JINLIAN_FEDERATION_HEARTBEAT_MS), sent directly, not through an outbox: each side knows when it last heard from the other. They state liveness, not facts, so they are kept one day only.",
      events: { down: [federationEvents.heartbeatSent], up: [federationEvents.heartbeatSent] },
      // A few messages a minute per link: one partition reads them in the order sent.
      partitions: 1,
      retentionMs: 24 * 3600 * 1000,
      consumer: "heartbeats",
    },
  ],
});
