/** The legislation service's part of the stream catalogue (art. 5-6). */
import { legislationEventsV1 } from "@jinlian/proto";
import { defineEvent, defineServiceCatalogue } from "./model";

const E = legislationEventsV1;

export const legislationEvents = Object.freeze({
  roundOpened: defineEvent({
    type: "jinlian.legislation.round.opened.v1",
    service: "legislation",
    message: "jinlian.legislation.events.v1.RoundOpened",
    codec: E.RoundOpened,
    key: "round_id",
    summary: "The city opened an opinion solicitation round (征求意见) addressed to this district node: the consulted text and its window.",
  }),
  roundExtended: defineEvent({
    type: "jinlian.legislation.round.extended.v1",
    service: "legislation",
    message: "jinlian.legislation.events.v1.RoundExtended",
    codec: E.RoundExtended,
    key: "round_id",
    summary: "An open round's window was extended; the new window in force.",
  }),
  roundReopened: defineEvent({
    type: "jinlian.legislation.round.reopened.v1",
    service: "legislation",
    message: "jinlian.legislation.events.v1.RoundReopened",
    codec: E.RoundReopened,
    key: "round_id",
    summary: "A closed round was reopened with a new window counted from the reopening.",
  }),
  roundClosed: defineEvent({
    type: "jinlian.legislation.round.closed.v1",
    service: "legislation",
    message: "jinlian.legislation.events.v1.RoundClosed",
    codec: E.RoundClosed,
    key: "round_id",
    summary: "The round's window passed: no more opinions or replies.",
  }),
  districtReplySent: defineEvent({
    type: "jinlian.legislation.district-reply.sent.v1",
    service: "legislation",
    message: "jinlian.legislation.events.v1.DistrictReplySent",
    codec: E.DistrictReplySent,
    key: "round_id",
    summary: "A district node's one consolidated reply to a city round: each organisation's opinions, or 无意见.",
  }),
  feedbackPublished: defineEvent({
    type: "jinlian.legislation.feedback.published.v1",
    service: "legislation",
    message: "jinlian.legislation.events.v1.FeedbackPublished",
    codec: E.FeedbackPublished,
    key: "round_id",
    summary: "A batch of adoption feedback (采纳情况): each decision with the opinions and supporters it answers.",
  }),
  draftRegistered: defineEvent({
    type: "jinlian.legislation.draft.registered.v1",
    service: "legislation",
    message: "jinlian.legislation.events.v1.DraftRegistered",
    codec: E.DraftRegistered,
    key: "draft_id",
    summary: "A draft exists at this node under this id (other services validate draft ids they are given against these).",
  }),
  planItemListed: defineEvent({
    type: "jinlian.legislation.plan-item.listed.v1",
    service: "legislation",
    message: "jinlian.legislation.events.v1.PlanItemListed",
    codec: E.PlanItemListed,
    key: "plan_item_id",
    summary: "An item of the annual legislative plan exists under this id.",
  }),
  studyFeedbackPublished: defineEvent({
    type: "jinlian.legislation.study-feedback.published.v1",
    service: "legislation",
    message: "jinlian.legislation.events.v1.StudyFeedbackPublished",
    codec: E.StudyFeedbackPublished,
    key: "study_id",
    summary: "A batch of answers (采纳情况) to the findings of a symposium or survey on a draft (art. 6).",
  }),
});

export const legislationCatalogue = defineServiceCatalogue({
  service: "legislation",
  events: legislationEvents,
  streams: [
    {
      name: "deliveries",
      kind: "delivery",
      summary:
        "City rounds down to each addressed district node (opened, extended, reopened, closed) and feedback batches down to the nodes of supporters; district replies up. A district node that joins late replays from the start, so nothing expires.",
      events: {
        down: [
          legislationEvents.roundOpened,
          legislationEvents.roundExtended,
          legislationEvents.roundReopened,
          legislationEvents.roundClosed,
          legislationEvents.feedbackPublished,
        ],
        up: [legislationEvents.districtReplySent],
      },
      partitions: 3,
      retentionMs: -1,
      consumer: "deliveries",
      // At the city, bulletins compiles work briefings (工作简报) from what the districts send up.
      subscribers: [{ service: "bulletins", consumer: "briefing-legislation", travelling: "up" }],
    },
    {
      name: "register",
      kind: "local",
      summary:
        "The drafts and plan items that exist at this node, one event per id (compacted), so other services of the node can validate ids they are given (liaison's research outcomes, art. 4).",
      events: { down: [], up: [], local: [legislationEvents.draftRegistered, legislationEvents.planItemListed] },
      partitions: 3,
      retentionMs: -1,
      cleanupPolicy: "compact",
      subscribers: [{ service: "liaison", consumer: "legislation-register" }],
    },
    {
      name: "feedback",
      kind: "local",
      summary:
        "Adoption feedback batches published at this node, for the supporting organisations of this node: answers to opinions of a round, and to findings of a symposium or survey.",
      events: { down: [], up: [], local: [legislationEvents.feedbackPublished, legislationEvents.studyFeedbackPublished] },
      partitions: 3,
      retentionMs: -1,
    },
    {
      name: "dead-letters",
      kind: "dead-letter",
      summary: "What this node's legislation consumers could not handle, with jinlian_dlq_* headers giving the reason.",
      events: { down: [], up: [] },
      partitions: 1,
      retentionMs: 30 * 24 * 3600 * 1000,
    },
  ],
});
