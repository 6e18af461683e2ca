import {
  inboxHandler,
  legalServicesEvents,
  legislationEvents,
  liaisonEvents,
  mediationEvents,
  type ConsumerDeclaration,
} from "@jinlian/chassis";
import type { Briefings } from "../../app/briefings";

const required = (ok: boolean, field: string) => (ok ? [] : [{ field, description: "is required" }]);
const period = (s: { period?: { startTime?: Date; endTime?: Date } | undefined } | undefined) =>
  required(!!s?.period?.startTime && !!s.period.endTime, "data.statistics.period");

/**
 * At the city: the statistics the districts' liaison, legislation, legal-services and mediation
 * services send up, read from their delivery topics under bulletins' own consumer groups (the
 * stream catalogue lists bulletins among each stream's subscribers). Each payload reports for the
 * district that sent it. Other types on those topics are not bulletins' and are skipped.
 */
export function briefingConsumers(briefings: Briefings): ConsumerDeclaration[] {
  return [
    {
      stream: { service: "liaison", stream: "deliveries" },
      handlers: [
        inboxHandler(liaisonEvents.mechanismStatusReported, (e, trx) => briefings.onMechanism(e, trx), {
          reportsFor: (d) => d.jurisdictionCode,
          validate: (d) => required(!!d.mechanism, "data.mechanism"),
        }),
        ...[liaisonEvents.campaignActivityReported, liaisonEvents.campaignActivityCorrected, liaisonEvents.campaignActivityWithdrawn].map(
          (d) =>
            inboxHandler(d, (e, trx) => briefings.onActivity(e, trx), {
              reportsFor: (x) => x.activity?.jurisdictionCode,
              validate: (x) => required(!!x.activity?.activityId, "data.activity"),
            }),
        ),
      ],
    },
    {
      stream: { service: "legislation", stream: "deliveries" },
      handlers: [
        inboxHandler(legislationEvents.districtReplySent, (e, trx) => briefings.onReply(e, trx), {
          reportsFor: (d) => d.jurisdictionCode,
          validate: (d) => required(!!d.roundId, "data.round_id"),
        }),
      ],
    },
    {
      stream: { service: "legal-services", stream: "deliveries" },
      handlers: [
        inboxHandler(legalServicesEvents.statisticsReported, (e, trx) => briefings.onLegalServices(e, trx), {
          reportsFor: (d) => d.jurisdictionCode,
          validate: (d) => period(d.statistics),
        }),
      ],
    },
    {
      stream: { service: "mediation", stream: "deliveries" },
      handlers: [
        inboxHandler(mediationEvents.statisticsReported, (e, trx) => briefings.onMediation(e, trx), {
          reportsFor: (d) => d.jurisdictionCode,
          validate: (d) => period(d.statistics),
        }),
      ],
    },
  ];
}
