/** The legal-services service's part of the stream catalogue (art. 8-16). */
import { legalServicesEventsV1 } from "@jinlian/proto";
import { defineEvent, defineServiceCatalogue } from "./model";

const SERVICE = "legal-services";
const E = legalServicesEventsV1;

export const legalServicesEvents = Object.freeze({
  providerRegistered: defineEvent({
    type: "jinlian.legal-services.provider.registered.v1",
    service: SERVICE,
    message: "jinlian.legal_services.events.v1.ProviderRegistered",
    codec: E.ProviderRegistered,
    key: "provider_id",
    summary: "A provider of legal services was registered; carries the whole provider (kind, lawyer kind, licence or roster number).",
  }),
  providerUpdated: defineEvent({
    type: "jinlian.legal-services.provider.updated.v1",
    service: SERVICE,
    message: "jinlian.legal_services.events.v1.ProviderUpdated",
    codec: E.ProviderUpdated,
    key: "provider_id",
    summary: "A provider's profile or adviser appointments changed; carries the whole provider after the change.",
  }),
  providerStatusChanged: defineEvent({
    type: "jinlian.legal-services.provider.status-changed.v1",
    service: SERVICE,
    message: "jinlian.legal_services.events.v1.ProviderStatusChanged",
    codec: E.ProviderStatusChanged,
    key: "provider_id",
    summary: "A provider was suspended, reactivated or retired; carries the whole provider and the status before.",
  }),
  requestSubmitted: defineEvent({
    type: "jinlian.legal-services.request.submitted.v1",
    service: SERVICE,
    message: "jinlian.legal_services.events.v1.RequestSubmitted",
    codec: E.RequestSubmitted,
    key: "request_id",
    summary: "An enterprise or chamber submitted a legal-service request; an offer or an escalation follows in the same change.",
  }),
  requestOffered: defineEvent({
    type: "jinlian.legal-services.request.offered.v1",
    service: SERVICE,
    message: "jinlian.legal_services.events.v1.RequestOffered",
    codec: E.RequestOffered,
    key: "request_id",
    summary: "A request was offered to the best remaining candidate, with the answer deadline and the candidate's rank and score.",
  }),
  requestOfferDeclined: defineEvent({
    type: "jinlian.legal-services.request.offer-declined.v1",
    service: SERVICE,
    message: "jinlian.legal_services.events.v1.RequestOfferDeclined",
    codec: E.RequestOfferDeclined,
    key: "request_id",
    summary:
      "The offered provider declined with a reason, or let the deadline pass (outcome EXPIRED); the next offer or an escalation follows.",
  }),
  requestAssigned: defineEvent({
    type: "jinlian.legal-services.request.assigned.v1",
    service: SERVICE,
    message: "jinlian.legal_services.events.v1.RequestAssigned",
    codec: E.RequestAssigned,
    key: "request_id",
    summary: "A provider took the request (accepted its offer, or was assigned by the legal-service centre): an open matter.",
  }),
  requestEscalated: defineEvent({
    type: "jinlian.legal-services.request.escalated.v1",
    service: SERVICE,
    message: "jinlian.legal_services.events.v1.RequestEscalated",
    codec: E.RequestEscalated,
    key: "request_id",
    summary: "Nobody could be offered the request, or its offers ran out: it went to the legal-service centre, with the cause.",
  }),
  requestClosed: defineEvent({
    type: "jinlian.legal-services.request.closed.v1",
    service: SERVICE,
    message: "jinlian.legal_services.events.v1.RequestClosed",
    codec: E.RequestClosed,
    key: "request_id",
    summary: "A request ended: completed, withdrawn, or referred to mediation.",
  }),
  disputeReferred: defineEvent({
    type: "jinlian.legal-services.dispute.referred.v1",
    service: SERVICE,
    message: "jinlian.legal_services.events.v1.DisputeReferred",
    codec: E.DisputeReferred,
    key: "referral_id",
    summary:
      "A request that is really a dispute was referred to a chamber's people's mediation committee with every party's consent; the mediation service opens a case from it.",
  }),
  arbitrationReferralReceived: defineEvent({
    type: "jinlian.legal-services.arbitration-referral.received.v1",
    service: SERVICE,
    message: "jinlian.legal_services.events.v1.ArbitrationReferralReceived",
    codec: E.ArbitrationReferralReceived,
    key: "referral_id",
    summary: "A dispute referred to an arbitration commission (after a failed mediation) was taken in.",
  }),
  arbitrationReferralAnswered: defineEvent({
    type: "jinlian.legal-services.arbitration-referral.answered.v1",
    service: SERVICE,
    message: "jinlian.legal_services.events.v1.ArbitrationReferralAnswered",
    codec: E.ArbitrationReferralAnswered,
    key: "referral_id",
    summary: "The arbitration commission accepted (受理) or declined a referred dispute, with its note.",
  }),
  followUpOverdue: defineEvent({
    type: "jinlian.legal-services.health-check.follow-up-overdue.v1",
    service: SERVICE,
    message: "jinlian.legal_services.events.v1.HealthCheckFollowUpOverdue",
    codec: E.HealthCheckFollowUpOverdue,
    key: "campaign_id",
    summary: "A legal health check's follow-up is still open past its due date; raised once per follow-up and due date.",
  }),
  pairsAssigned: defineEvent({
    type: "jinlian.legal-services.pairing.pairs-assigned.v1",
    service: SERVICE,
    message: "jinlian.legal_services.events.v1.PairsAssigned",
    codec: E.PairsAssigned,
    key: "programme_id",
    summary:
      "万所联万会: the pairs of a programme whose chamber or firm is of the receiving district, as the latest round leaves them (ended ones included).",
  }),
  statisticsReported: defineEvent({
    type: "jinlian.legal-services.statistics.reported.v1",
    service: SERVICE,
    message: "jinlian.legal_services.events.v1.StatisticsReported",
    codec: E.StatisticsReported,
    key: "jurisdiction_code",
    summary: "A district's legal-service statistics for a period: counts and durations only, no names, no actor.",
  }),
  requestOfferedToCityPool: defineEvent({
    type: "jinlian.legal-services.request.offered-to-city-pool.v1",
    service: SERVICE,
    message: "jinlian.legal_services.events.v1.RequestOfferedToCityPool",
    codec: E.RequestOfferedToCityPool,
    key: "request_id",
    summary:
      "No free match in the district: the request goes up to the city's pool on the municipal node, with the district's reason (also on the district's requests stream).",
  }),
  cityPoolAnswered: defineEvent({
    type: "jinlian.legal-services.request.city-pool-answered.v1",
    service: SERVICE,
    message: "jinlian.legal_services.events.v1.CityPoolAnswered",
    codec: E.CityPoolAnswered,
    key: "request_id",
    summary: "The city's answer to a district's request offered to its pool: the provider that took it, or no match with why.",
  }),
  cityPoolRequestClosed: defineEvent({
    type: "jinlian.legal-services.request.city-pool-closed.v1",
    service: SERVICE,
    message: "jinlian.legal_services.events.v1.CityPoolRequestClosed",
    codec: E.CityPoolRequestClosed,
    key: "request_id",
    summary: "A district closed a request it had offered to the city's pool (completed, withdrawn, referred): the city closes its copy.",
  }),
  trainingRegistered: defineEvent({
    type: "jinlian.legal-services.training.registered.v1",
    service: SERVICE,
    message: "jinlian.legal_services.events.v1.TrainingRegistered",
    codec: E.TrainingRegistered,
    key: "training_id",
    summary:
      "A training or conference exists at this node under this id (liaison validates research outcomes linked to trainings with it).",
  }),
});

export const legalServicesCatalogue = defineServiceCatalogue({
  service: SERVICE,
  events: legalServicesEvents,
  streams: [
    {
      name: "providers",
      kind: "local",
      summary:
        "Every change to the node's providers, each event carrying the whole provider. Compacted by provider id, so a service that starts late (mediation: who is a practising lawyer or an arbitrator) replays the latest state of each.",
      events: {
        down: [],
        up: [],
        local: [legalServicesEvents.providerRegistered, legalServicesEvents.providerUpdated, legalServicesEvents.providerStatusChanged],
      },
      partitions: 3,
      retentionMs: -1,
      cleanupPolicy: "compact",
      subscribers: [{ service: "mediation", consumer: "providers" }],
    },
    {
      name: "requests",
      kind: "local",
      summary:
        "Every change of a legal-service request (submitted, offered, declined or expired, assigned, escalated, closed), with the request after it: notifications and supervision. An unassigned request always has its latest event here.",
      events: {
        down: [],
        up: [],
        local: [
          legalServicesEvents.requestSubmitted,
          legalServicesEvents.requestOffered,
          legalServicesEvents.requestOfferDeclined,
          legalServicesEvents.requestAssigned,
          legalServicesEvents.requestEscalated,
          legalServicesEvents.requestClosed,
          // A district's request offered to the city's pool: where it stands until the city answers.
          legalServicesEvents.requestOfferedToCityPool,
        ],
      },
      partitions: 3,
      retentionMs: 365 * 24 * 3600 * 1000,
    },
    {
      name: "referrals",
      kind: "local",
      summary:
        "Disputes referred to a chamber's mediation committee with the parties' consent, and the answers to arbitration referrals: the mediation service of the same node reads it. Nothing expires, so a late consumer replays every referral.",
      events: {
        down: [],
        up: [],
        local: [
          legalServicesEvents.disputeReferred,
          legalServicesEvents.arbitrationReferralReceived,
          legalServicesEvents.arbitrationReferralAnswered,
        ],
      },
      partitions: 3,
      retentionMs: -1,
      subscribers: [{ service: "mediation", consumer: "referrals" }],
    },
    {
      name: "trainings",
      kind: "local",
      summary:
        "The trainings and conferences that exist at this node, one event per id (compacted), so liaison can validate the training ids research outcomes link to (art. 4, 8).",
      events: { down: [], up: [], local: [legalServicesEvents.trainingRegistered] },
      partitions: 3,
      retentionMs: -1,
      cleanupPolicy: "compact",
      subscribers: [{ service: "liaison", consumer: "trainings" }],
    },
    {
      name: "alerts",
      kind: "local",
      summary: "Legal health-check follow-ups found open past their due date, once per due date, for reminders and supervision.",
      events: { down: [], up: [], local: [legalServicesEvents.followUpOverdue] },
      partitions: 3,
      retentionMs: 90 * 24 * 3600 * 1000,
    },
    {
      name: "deliveries",
      kind: "delivery",
      summary:
        "Down: 万所联万会 pairs to the districts of their chambers and firms; the city pool's answers to district requests. Up: each district's statistics for a period, as aggregates without personal data; requests with no free match in the district, offered to the city's pool, and their closing. A late-joining node replays from the start, so nothing expires.",
      events: {
        down: [legalServicesEvents.pairsAssigned, legalServicesEvents.cityPoolAnswered],
        up: [
          legalServicesEvents.statisticsReported,
          legalServicesEvents.requestOfferedToCityPool,
          legalServicesEvents.cityPoolRequestClosed,
        ],
      },
      partitions: 3,
      retentionMs: -1,
      consumer: "deliveries",
      // At the city, bulletins compiles work briefings (工作简报) from what the districts send up.
      subscribers: [{ service: "bulletins", consumer: "briefing-legal-services", travelling: "up" }],
    },
    {
      name: "dead-letters",
      kind: "dead-letter",
      summary: "What this node's legal-services consumers could not handle, with jinlian_dlq_* headers giving the reason.",
      events: { down: [], up: [] },
      partitions: 1,
      retentionMs: 30 * 24 * 3600 * 1000,
    },
  ],
});
