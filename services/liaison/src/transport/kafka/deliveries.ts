import { inboxHandler, liaisonEvents, violationsOf, type InboxBinding } from "@jinlian/chassis";
import type { ActionItemApp } from "../../app/action-item-app";
import type { CampaignApp } from "../../app/campaign-app";
import type { ConsultationApp } from "../../app/consultation-app";
import type { MechanismApp } from "../../app/mechanism-app";
import type { RegistryApp } from "../../app/registry-app";
import { validateProgress } from "../../domain/action-item";
import { actionItemStatusCodec } from "../../domain/action-item-events";
import { revisedActivityViolations, validateActivity } from "../../domain/campaign";

/**
 * The liaison deliveries a node applies: which use case takes each event type, and what the
 * chassis checks before the inbox (the sender a payload reports for, the domain's own rules).
 */
export function liaisonDeliveries(apps: {
  mechanisms: MechanismApp;
  actionItems: ActionItemApp;
  campaigns: CampaignApp;
  registry: RegistryApp;
  consultations: ConsultationApp;
}): InboxBinding[] {
  const { mechanisms, actionItems, campaigns, registry, consultations } = apps;
  return [
    // An organisation moved here from the other node's registry; it must come from the node it left.
    inboxHandler(liaisonEvents.organisationMoved, (e, trx) => registry.onOrganisationMoved(e, trx), {
      reportsFor: (d) => d.fromRegistryJurisdictionCode,
    }),
    // Checked by the chassis before the inbox: the source is the topic's sender, and a
    // payload reporting for a jurisdiction reports for that sender only.
    inboxHandler(liaisonEvents.mechanismStatusReported, (e, trx) => mechanisms.onMechanismStatusReported(e, trx), {
      reportsFor: (d) => d.jurisdictionCode,
    }),
    inboxHandler(liaisonEvents.actionItemAssigned, (e, trx) => actionItems.onAssigned(e, trx)),
    inboxHandler(liaisonEvents.actionItemProgressReported, (e, trx) => actionItems.onProgressReported(e, trx), {
      reportsFor: (d) => d.reportingJurisdictionCode,
      // The rules a progress update meets over gRPC (the owner is a reference here, not ids).
      validate: (d) =>
        violationsOf(
          () => validateProgress({ status: actionItemStatusCodec.fromProto(d.status), note: d.note, owner: undefined }),
          "data.",
        ),
    }),
    inboxHandler(liaisonEvents.actionItemCancelled, (e, trx) => actionItems.onCancelled(e, trx)),
    // Consultations and action items: agendas down to the districts concerned, actions raised up
    // to the city, and due-date extensions to the node holding the item.
    inboxHandler(liaisonEvents.consultationAgendaSent, (e, trx) => consultations.onAgendaSent(e, trx)),
    inboxHandler(liaisonEvents.actionItemRaised, (e, trx) => actionItems.onRaised(e, trx), {
      reportsFor: (d) => d.raisingJurisdictionCode,
    }),
    inboxHandler(liaisonEvents.actionItemDueDateExtended, (e, trx) => actionItems.onDueDateExtended(e, trx)),
    inboxHandler(liaisonEvents.campaignLaunched, (e, trx) => campaigns.onCampaignLaunched(e, trx), {
      reportsFor: (d) => d.campaign?.issuingJurisdictionCode,
    }),
    inboxHandler(liaisonEvents.campaignClosed, (e, trx) => campaigns.onCampaignClosed(e, trx)),
    inboxHandler(liaisonEvents.campaignActivityReported, (e, trx) => campaigns.onCampaignActivityReported(e, trx), {
      reportsFor: (d) => d.activity?.jurisdictionCode,
      // The rules an activity report meets over gRPC.
      validate: ({ activity: a }) =>
        a
          ? violationsOf(
              () =>
                validateActivity({
                  title: a.title,
                  heldTime: a.heldTime,
                  eventsHeld: a.eventsHeld,
                  audienceReached: a.audienceReached,
                  reason: a.audit?.reason ?? "",
                }),
              "data.activity.",
            )
          : [{ field: "data.activity", description: "is required" }],
    }),
    // Corrections and withdrawals of a district's reports: the rules a correction meets over gRPC.
    inboxHandler(liaisonEvents.campaignActivityCorrected, (e, trx) => campaigns.onCampaignActivityCorrected(e, trx), {
      reportsFor: (d) => d.activity?.jurisdictionCode,
      validate: ({ activity }) => revisedActivityViolations(activity),
    }),
    inboxHandler(liaisonEvents.campaignActivityWithdrawn, (e, trx) => campaigns.onCampaignActivityWithdrawn(e, trx), {
      reportsFor: (d) => d.activity?.jurisdictionCode,
      validate: ({ activity }) => revisedActivityViolations(activity),
    }),
  ];
}
