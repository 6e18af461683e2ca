import { inboxHandler, legalServicesEvents, mediationEvents, type ConsumerDeclaration, type InboxBinding } from "@jinlian/chassis";
import { CITY_JURISDICTION } from "@jinlian/kernel";
import type { CooperationApp } from "../../app/cooperation-app";
import type { LegalServicesInbound } from "../../app/inbound";
import type { StatisticsApp } from "../../app/statistics-app";
import { SERVICE } from "../../domain/common";
import { cooperationViolations } from "../../domain/cooperation";
import type { mediationEventsV1 } from "@jinlian/proto";

/**
 * The mediation deliveries a node applies: statistics come up from the district they report for
 * only; cross-district cooperation comes up from the district that sends it (checked at the city)
 * and down from the city, which passes it on (a district checks it is addressed to it).
 */
export function mediationDeliveries(apps: { statistics: StatisticsApp; cooperation: CooperationApp }, here: string): InboxBinding[] {
  const atCity = here === CITY_JURISDICTION;
  const from = <T extends { ownerJurisdictionCode: string; partnerJurisdictionCode: string }>(side: "owner" | "partner") => ({
    reportsFor: atCity ? (d: T) => (side === "owner" ? d.ownerJurisdictionCode : d.partnerJurisdictionCode) : undefined,
    validate: (d: T) => cooperationViolations(d as T & { cooperationId: string }),
  });
  return [
    inboxHandler(
      mediationEvents.cooperationRequested,
      (e, trx) => apps.cooperation.onMessage({ type: "requested", data: e.data }, e, trx),
      from<mediationEventsV1.CooperationRequested>("owner"),
    ),
    inboxHandler(
      mediationEvents.cooperationAnswered,
      (e, trx) => apps.cooperation.onMessage({ type: "answered", data: e.data }, e, trx),
      from<mediationEventsV1.CooperationAnswered>("partner"),
    ),
    inboxHandler(
      mediationEvents.cooperationSessionReported,
      (e, trx) => apps.cooperation.onMessage({ type: "session", data: e.data }, e, trx),
      from<mediationEventsV1.CooperationSessionReported>("partner"),
    ),
    inboxHandler(
      mediationEvents.cooperationClosed,
      (e, trx) => apps.cooperation.onMessage({ type: "closed", data: e.data }, e, trx),
      from<mediationEventsV1.CooperationClosed>("owner"),
    ),
    inboxHandler(mediationEvents.statisticsReported, (e, trx) => apps.statistics.onStatisticsReported(e, trx), {
      reportsFor: (d) => d.jurisdictionCode,
      validate: (d) =>
        d.statistics?.period?.startTime && d.statistics.period.endTime
          ? []
          : [{ field: "data.statistics.period", description: "is required" }],
    }),
  ];
}

/**
 * What mediation reads from legal-services at the same node: its providers (compacted: who is a
 * lawyer, whom it acts for or advises) and its referrals (disputes to open cases for; the answers
 * to arbitration referrals). Each under its own consumer group, so each replays from the start.
 */
export function legalServicesConsumers(inbound: LegalServicesInbound): ConsumerDeclaration[] {
  return [
    {
      stream: { service: "legal-services", stream: "providers" },
      handlers: [
        inboxHandler(legalServicesEvents.providerRegistered, (e, trx) => inbound.onProvider(e, trx)),
        inboxHandler(legalServicesEvents.providerUpdated, (e, trx) => inbound.onProvider(e, trx)),
        inboxHandler(legalServicesEvents.providerStatusChanged, (e, trx) => inbound.onProvider(e, trx)),
      ],
    },
    {
      stream: { service: "legal-services", stream: "referrals" },
      handlers: [
        inboxHandler(legalServicesEvents.disputeReferred, (e, trx) => inbound.onDisputeReferred(e, trx)),
        inboxHandler(legalServicesEvents.arbitrationReferralReceived, (e, trx) => inbound.onArbitrationReferral(e, false, trx)),
        inboxHandler(legalServicesEvents.arbitrationReferralAnswered, (e, trx) => inbound.onArbitrationReferral(e, true, trx)),
      ],
    },
  ];
}

export const DELIVERIES = { service: SERVICE, stream: "deliveries" } as const;
