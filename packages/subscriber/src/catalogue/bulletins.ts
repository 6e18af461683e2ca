/** The bulletins service's part of the stream catalogue (art. 20). */
import { bulletinsEventsV1 } from "@jinlian/proto";
import { defineEvent, defineServiceCatalogue } from "./model";

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
  supplied: defineEvent({
    type: "jinlian.bulletins.bulletin.supplied.v1",
    service: "bulletins",
    message: "jinlian.bulletins.events.v1.BulletinSupplied",
    codec: bulletinsEventsV1.BulletinSupplied,
    key: "bulletin_id",
    summary: "补发: a correction added recipients at a node that did not hold the bulletin; the whole bulletin at the current version.",
  }),
  withdrawn: defineEvent({
    type: "jinlian.bulletins.bulletin.withdrawn.v1",
    service: "bulletins",
    message: "jinlian.bulletins.events.v1.BulletinWithdrawn",
    codec: bulletinsEventsV1.BulletinWithdrawn,
    key: "bulletin_id",
    summary: "A correction removed every recipient the receiving node held: the bulletin is withdrawn there.",
  }),
  forwarded: defineEvent({
    type: "jinlian.bulletins.bulletin.forwarded.v1",
    service: "bulletins",
    message: "jinlian.bulletins.events.v1.BulletinForwarded",
    codec: bulletinsEventsV1.BulletinForwarded,
    key: "bulletin_id",
    summary:
      "转发: a receiving node forwarded the bulletin to organisations of its own; the issuer tracks them, their receipts come from that node.",
  }),
  acknowledgementOverdue: defineEvent({
    type: "jinlian.bulletins.acknowledgement.overdue.v1",
    service: "bulletins",
    message: "jinlian.bulletins.events.v1.BulletinAcknowledgementOverdue",
    codec: bulletinsEventsV1.BulletinAcknowledgementOverdue,
    key: "bulletin_id",
    summary:
      "A recipient held at this node (or one party of a node recipient) passed the acknowledgement deadline of the current version; raised once per version.",
  }),
});

// A bulletin goes from its issuing node to the recipient nodes and its receipts and forwardings
// come back: the city issues down and a district reports up (报送), so every delivery event travels
// both ways. Districts exchange nothing directly (topics join the city and each district).
const BOTH_WAYS = [
  bulletinsEvents.published,
  bulletinsEvents.corrected,
  bulletinsEvents.recalled,
  bulletinsEvents.acknowledged,
  bulletinsEvents.forwarded,
];

export const bulletinsCatalogue = defineServiceCatalogue({
  service: "bulletins",
  events: bulletinsEvents,
  streams: [
    {
      name: "deliveries",
      kind: "delivery",
      summary:
        "Bulletins from the issuing node to each recipient node (the city's down, a district's up to the city), and read receipts and forwardings back to the issuer. A late-joining node replays from the start, so nothing expires.",
      events: {
        down: [...BOTH_WAYS, bulletinsEvents.supplied, bulletinsEvents.withdrawn],
        up: [...BOTH_WAYS, bulletinsEvents.supplied, bulletinsEvents.withdrawn],
      },
      partitions: 3,
      retentionMs: -1,
      consumer: "deliveries",
    },
    {
      name: "alerts",
      kind: "local",
      summary: "Recipients held at this node found past the acknowledgement deadline, once per version, for reminders and supervision.",
      events: { down: [], up: [], local: [bulletinsEvents.acknowledgementOverdue] },
      partitions: 3,
      retentionMs: 90 * 24 * 3600 * 1000,
    },
    {
      name: "dead-letters",
      kind: "dead-letter",
      summary: "What this node's bulletins consumers could not handle, with jinlian_dlq_* headers giving the reason.",
      events: { down: [], up: [] },
      partitions: 1,
      retentionMs: 30 * 24 * 3600 * 1000,
    },
  ],
});
