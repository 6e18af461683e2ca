/** The mediation service's part of the stream catalogue (art. 17-19). */
import { mediationEventsV1 } from "@jinlian/proto";
import { defineEvent, defineServiceCatalogue } from "./model";

const SERVICE = "mediation";
const E = mediationEventsV1;

export const mediationEvents = Object.freeze({
  mediatorAssigned: defineEvent({
    type: "jinlian.mediation.case.mediator-assigned.v1",
    service: SERVICE,
    message: "jinlian.mediation.events.v1.MediatorAssigned",
    codec: E.MediatorAssigned,
    key: "case_id",
    summary:
      "A mediator was put on a case (designated or chosen): the dispute id and the mediator's name and lawyer's licence number, for legal-services to exclude a lawyer who mediated the same dispute.",
  }),
  timeLimitApproaching: defineEvent({
    type: "jinlian.mediation.case.time-limit-approaching.v1",
    service: SERVICE,
    message: "jinlian.mediation.events.v1.CaseTimeLimitApproaching",
    codec: E.CaseTimeLimitApproaching,
    key: "case_id",
    summary: "A case's time limit runs out soon; once per configured warning offset. Ids and times only.",
  }),
  timeLimitExpired: defineEvent({
    type: "jinlian.mediation.case.time-limit-expired.v1",
    service: SERVICE,
    message: "jinlian.mediation.events.v1.CaseTimeLimitExpired",
    codec: E.CaseTimeLimitExpired,
    key: "case_id",
    summary: "A case's time limit ran out while it was still being mediated; once.",
  }),
  confirmationWindowClosing: defineEvent({
    type: "jinlian.mediation.agreement.confirmation-window-closing.v1",
    service: SERVICE,
    message: "jinlian.mediation.events.v1.ConfirmationWindowClosing",
    codec: E.ConfirmationWindowClosing,
    key: "case_id",
    summary:
      "The 30 days for a joint application for judicial confirmation of an agreement (人民调解法 art. 33) end soon; once per configured reminder offset.",
  }),
  performanceOverdue: defineEvent({
    type: "jinlian.mediation.agreement.performance-overdue.v1",
    service: SERVICE,
    message: "jinlian.mediation.events.v1.PerformanceOverdue",
    codec: E.PerformanceOverdue,
    key: "case_id",
    summary: "An agreement's performance deadline passed without a check finding it performed (art. 31); once.",
  }),
  statisticsReported: defineEvent({
    type: "jinlian.mediation.statistics.reported.v1",
    service: SERVICE,
    message: "jinlian.mediation.events.v1.StatisticsReported",
    codec: E.StatisticsReported,
    key: "jurisdiction_code",
    summary: "A district's mediation statistics for a period: counts only, no party, mediator, actor or reason.",
  }),
  cooperationRequested: defineEvent({
    type: "jinlian.mediation.cooperation.requested.v1",
    service: SERVICE,
    message: "jinlian.mediation.events.v1.CooperationRequested",
    codec: E.CooperationRequested,
    key: "cooperation_id",
    summary:
      "A district's committee asks a committee of another district to cooperate on a case; up to the city, which passes it down to the partner. Organisation parties, a count of persons and the summary written for the partner only.",
  }),
  cooperationAnswered: defineEvent({
    type: "jinlian.mediation.cooperation.answered.v1",
    service: SERVICE,
    message: "jinlian.mediation.events.v1.CooperationAnswered",
    codec: E.CooperationAnswered,
    key: "cooperation_id",
    summary: "The partner district accepted or declined a cooperation; up to the city, which passes it down to the owner.",
  }),
  cooperationSessionReported: defineEvent({
    type: "jinlian.mediation.cooperation.session-reported.v1",
    service: SERVICE,
    message: "jinlian.mediation.events.v1.CooperationSessionReported",
    codec: E.CooperationSessionReported,
    key: "cooperation_id",
    summary: "A session the partner committee held, for the owner's case file (人民调解法 art. 27); through the city to the owner.",
  }),
  cooperationClosed: defineEvent({
    type: "jinlian.mediation.cooperation.closed.v1",
    service: SERVICE,
    message: "jinlian.mediation.events.v1.CooperationClosed",
    codec: E.CooperationClosed,
    key: "cooperation_id",
    summary: "The owner's case reached a final status, which ends the cooperation; through the city to the partner.",
  }),
});

// Cross-district cooperation travels district → city → district: each of its events goes up from
// the district that sends it and down from the city that passes it on.
const COOPERATION = [
  mediationEvents.cooperationRequested,
  mediationEvents.cooperationAnswered,
  mediationEvents.cooperationSessionReported,
  mediationEvents.cooperationClosed,
];

export const mediationCatalogue = defineServiceCatalogue({
  service: SERVICE,
  events: mediationEvents,
  streams: [
    {
      name: "cases",
      kind: "local",
      summary:
        "Facts about cases other services of the node need: who mediated which dispute (legal-services excludes that lawyer from the dispute). Node-local: names never leave the node. Kept forever, so a late consumer replays every fact.",
      events: { down: [], up: [], local: [mediationEvents.mediatorAssigned] },
      partitions: 3,
      retentionMs: -1,
      subscribers: [{ service: "legal-services", consumer: "mediation" }],
    },
    {
      name: "alerts",
      kind: "local",
      summary:
        "Time limits running out or expired, judicial-confirmation windows closing, performance overdue: reminders for committees and supervision by the justice bureau. Ids and times only.",
      events: {
        down: [],
        up: [],
        local: [
          mediationEvents.timeLimitApproaching,
          mediationEvents.timeLimitExpired,
          mediationEvents.confirmationWindowClosing,
          mediationEvents.performanceOverdue,
        ],
      },
      partitions: 3,
      retentionMs: 90 * 24 * 3600 * 1000,
    },
    {
      name: "deliveries",
      kind: "delivery",
      summary:
        "Up: each district's mediation statistics for a period, as counts without personal data. Both ways: cross-district cooperation on a case, from a district up to the city and from the city down to the other district (organisation parties and the text written for the partner; persons' and mediators' details never travel). A late-joining node replays from the start, so nothing expires.",
      events: { down: [...COOPERATION], up: [mediationEvents.statisticsReported, ...COOPERATION] },
      partitions: 3,
      retentionMs: -1,
      consumer: "deliveries",
      // At the city, bulletins compiles work briefings (工作简报) from what the districts send up.
      subscribers: [{ service: "bulletins", consumer: "briefing-mediation", travelling: "up" }],
    },
    {
      name: "dead-letters",
      kind: "dead-letter",
      summary: "What this node's mediation consumers could not handle, with jinlian_dlq_* headers giving the reason.",
      events: { down: [], up: [] },
      partitions: 1,
      retentionMs: 30 * 24 * 3600 * 1000,
    },
  ],
});
