/** The liaison service's part of the stream catalogue (art. 1-4, 7-8). */
import { liaisonEventsV1 } from "@jinlian/proto";
import { defineEvent, defineServiceCatalogue } from "./model";

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
  organisationCorrected: defineEvent({
    type: "jinlian.liaison.organisation.corrected.v1",
    service: "liaison",
    message: "jinlian.liaison.events.v1.OrganisationCorrected",
    codec: liaisonEventsV1.OrganisationCorrected,
    key: "organisation_id",
    summary:
      "What was registered wrongly (type, name, credit code, jurisdiction, chamber) was corrected; names each field before and after.",
  }),
  organisationReactivated: defineEvent({
    type: "jinlian.liaison.organisation.reactivated.v1",
    service: "liaison",
    message: "jinlian.liaison.events.v1.OrganisationReactivated",
    codec: liaisonEventsV1.OrganisationReactivated,
    key: "organisation_id",
    summary: "A deactivated organisation was reactivated and takes roles again.",
  }),
  organisationMoved: defineEvent({
    type: "jinlian.liaison.organisation.moved.v1",
    service: "liaison",
    message: "jinlian.liaison.events.v1.OrganisationMoved",
    codec: liaisonEventsV1.OrganisationMoved,
    key: "organisation_id",
    summary:
      "An organisation moved between the city's and a district's registry under the same id: on both nodes' registry streams, and delivered from the old node to the new.",
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
  actionItemDueDateExtended: defineEvent({
    type: "jinlian.liaison.action-item.due-date-extended.v1",
    service: "liaison",
    message: "jinlian.liaison.events.v1.ActionItemDueDateExtended",
    codec: liaisonEventsV1.ActionItemDueDateExtended,
    key: "action_item_id",
    summary:
      "The deciding node extended an action item's due date (申请延期); the node holding it follows, stale or repeated extensions change nothing.",
  }),
  actionItemRaised: defineEvent({
    type: "jinlian.liaison.action-item.raised.v1",
    service: "liaison",
    message: "jinlian.liaison.events.v1.ActionItemRaised",
    codec: liaisonEventsV1.ActionItemRaised,
    key: "action_item_id",
    summary: "A district consultation raised an action to the city (提请市级), which tracks it under the same id.",
  }),
  consultationAgendaSent: defineEvent({
    type: "jinlian.liaison.consultation.agenda-sent.v1",
    service: "liaison",
    message: "jinlian.liaison.events.v1.ConsultationAgendaSent",
    codec: liaisonEventsV1.ConsultationAgendaSent,
    key: "consultation_id",
    summary: "The agenda of a municipal consultation as it stands after scheduling, a change or cancellation, for each district concerned.",
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
  campaignActivityCorrected: defineEvent({
    type: "jinlian.liaison.campaign.activity-corrected.v1",
    service: "liaison",
    message: "jinlian.liaison.events.v1.CampaignActivityCorrected",
    codec: liaisonEventsV1.CampaignActivityCorrected,
    key: "campaign_id",
    summary: "A district corrected an activity it reported under a municipal campaign; the city keeps the highest revision.",
  }),
  campaignActivityWithdrawn: defineEvent({
    type: "jinlian.liaison.campaign.activity-withdrawn.v1",
    service: "liaison",
    message: "jinlian.liaison.events.v1.CampaignActivityWithdrawn",
    codec: liaisonEventsV1.CampaignActivityWithdrawn,
    key: "campaign_id",
    summary: "A district withdrew an activity it reported under a municipal campaign; it leaves the city's roll-up.",
  }),
  researchOutcomeLinked: defineEvent({
    type: "jinlian.liaison.research-outcome.linked.v1",
    service: "liaison",
    message: "jinlian.liaison.events.v1.ResearchOutcomeLinked",
    codec: liaisonEventsV1.ResearchOutcomeLinked,
    key: "outcome_id",
    summary:
      "A joint-research outcome was linked to what it became (a legislation proposal, a training, a bulletin), or its summary corrected while linked (art. 4).",
  }),
  researchOutcomeLinkWithdrawn: defineEvent({
    type: "jinlian.liaison.research-outcome.link-withdrawn.v1",
    service: "liaison",
    message: "jinlian.liaison.events.v1.ResearchOutcomeLinkWithdrawn",
    codec: liaisonEventsV1.ResearchOutcomeLinkWithdrawn,
    key: "outcome_id",
    summary: "A linked research outcome was withdrawn: the artefact no longer comes from it.",
  }),
});

export const liaisonCatalogue = defineServiceCatalogue({
  service: "liaison",
  events: liaisonEvents,
  streams: [
    {
      name: "registry",
      kind: "local",
      summary:
        "Every change to the node's registry of parties, each event carrying the whole organisation. Compacted by organisation id, so a service that starts late replays the latest state of every organisation.",
      events: {
        down: [],
        up: [],
        local: [
          liaisonEvents.organisationRegistered,
          liaisonEvents.organisationUpdated,
          liaisonEvents.organisationDeactivated,
          liaisonEvents.organisationCorrected,
          liaisonEvents.organisationReactivated,
          // Published by both nodes of a move: the one it left and the one it joined.
          liaisonEvents.organisationMoved,
        ],
      },
      partitions: 3,
      retentionMs: -1,
      cleanupPolicy: "compact",
      subscribers: [
        { service: "bulletins", consumer: "organisations" },
        { service: "legal-services", consumer: "organisations" },
        { service: "legislation", consumer: "organisations" },
        { service: "mediation", consumer: "organisations" },
      ],
    },
    {
      name: "research-links",
      kind: "local",
      summary:
        "What each joint-research outcome became (成果转化), compacted by outcome id: the service owning the artefact shows where it came from (legislation: a draft's origins).",
      events: { down: [], up: [], local: [liaisonEvents.researchOutcomeLinked, liaisonEvents.researchOutcomeLinkWithdrawn] },
      partitions: 3,
      retentionMs: -1,
      cleanupPolicy: "compact",
      subscribers: [{ service: "legislation", consumer: "research-links" }],
    },
    {
      name: "alerts",
      kind: "local",
      summary: "Action items found overdue at this node, for notification and supervision.",
      events: { down: [], up: [], local: [liaisonEvents.actionItemOverdue] },
      partitions: 3,
      retentionMs: 90 * 24 * 3600 * 1000,
    },
    {
      name: "deliveries",
      kind: "delivery",
      summary:
        "Down: actions assigned to a district by a municipal decision (their cancellation and due-date extensions), progress on actions a district raised, consultation agendas for the districts concerned, and municipal publicity campaigns. Up: each district's liaison-mechanism status, progress on assigned actions, actions raised to the city (their cancellation and extensions), and campaign activities. A late-joining node replays from the start, so nothing expires.",
      events: {
        down: [
          liaisonEvents.actionItemAssigned,
          liaisonEvents.actionItemCancelled,
          // Consultations and action items: agendas to the districts concerned; extensions of
          // assigned items; progress on items a district raised to the city.
          liaisonEvents.consultationAgendaSent,
          liaisonEvents.actionItemDueDateExtended,
          liaisonEvents.actionItemProgressReported,
          liaisonEvents.campaignLaunched,
          liaisonEvents.campaignClosed,
          // An organisation the city's registry moved to the district's.
          liaisonEvents.organisationMoved,
        ],
        up: [
          liaisonEvents.mechanismStatusReported,
          liaisonEvents.actionItemProgressReported,
          liaisonEvents.campaignActivityReported,
          // Corrections and withdrawals of a district's activity reports, for the city's roll-up.
          liaisonEvents.campaignActivityCorrected,
          liaisonEvents.campaignActivityWithdrawn,
          // An organisation a district's registry moved to the city's.
          liaisonEvents.organisationMoved,
          // Items a district raises to the city, their extensions and cancellation by the district.
          liaisonEvents.actionItemRaised,
          liaisonEvents.actionItemDueDateExtended,
          liaisonEvents.actionItemCancelled,
        ],
      },
      partitions: 3,
      retentionMs: -1,
      consumer: "deliveries",
      // At the city, bulletins compiles work briefings (工作简报) from what the districts send up.
      subscribers: [{ service: "bulletins", consumer: "briefing-liaison", travelling: "up" }],
    },
    {
      name: "dead-letters",
      kind: "dead-letter",
      summary: "What this node's liaison consumer could not handle, with jinlian_dlq_* headers giving the reason.",
      events: { down: [], up: [] },
      partitions: 1,
      retentionMs: 30 * 24 * 3600 * 1000,
    },
  ],
});
