import { CITY_JURISDICTION } from "@jinlian/kernel";
import { inboxHandler, legalServicesEvents, mediationEvents, type ConsumerDeclaration, type InboxBinding } from "@jinlian/chassis";
import type { PairingApp } from "../../app/pairing-app";
import type { RequestApp } from "../../app/request-app";
import type { StatisticsApp } from "../../app/statistics-app";

/**
 * The legal-services deliveries a node applies. Pairs and the city pool's answers come down from
 * the city only; statistics and requests offered to the city's pool come up from the district they
 * report for only (the chassis refuses any other sender).
 */
export function legalServicesDeliveries(apps: { pairing: PairingApp; statistics: StatisticsApp; requests: RequestApp }): InboxBinding[] {
  return [
    // The city's pool (cross-node fallback): requests up from the district they come from, answers down from the city.
    inboxHandler(legalServicesEvents.requestOfferedToCityPool, (e, trx) => apps.requests.onOfferedToCityPool(e, trx), {
      reportsFor: (d) => d.fromJurisdictionCode,
    }),
    inboxHandler(legalServicesEvents.cityPoolRequestClosed, (e, trx) => apps.requests.onCityPoolRequestClosed(e, trx), {
      reportsFor: (d) => d.fromJurisdictionCode,
    }),
    inboxHandler(legalServicesEvents.cityPoolAnswered, (e, trx) => apps.requests.onCityPoolAnswered(e, trx), {
      reportsFor: () => CITY_JURISDICTION,
    }),
    inboxHandler(legalServicesEvents.pairsAssigned, (e, trx) => apps.pairing.onPairsAssigned(e, trx), {
      reportsFor: () => CITY_JURISDICTION,
    }),
    inboxHandler(legalServicesEvents.statisticsReported, (e, trx) => apps.statistics.onStatisticsReported(e, trx), {
      reportsFor: (d) => d.jurisdictionCode,
      // Counts only: a report carrying anything but aggregates is refused (see statisticsFromProto).
      validate: (d) =>
        d.statistics?.period?.startTime && d.statistics.period.endTime
          ? []
          : [{ field: "data.statistics.period", description: "is required" }],
    }),
  ];
}

/**
 * The node's mediation service says who mediated which dispute (its local "cases" stream): a
 * lawyer who did is excluded from matching requests of that dispute (MEDIATED_SAME_DISPUTE).
 * Mediators who are not lawyers carry no licence number and are not recorded.
 */
export function mediationFacts(requests: RequestApp): ConsumerDeclaration {
  return {
    stream: { service: "mediation", stream: "cases" },
    handlers: [
      inboxHandler(mediationEvents.mediatorAssigned, async (e, trx) => {
        const m = e.data.mediator;
        if (!m?.licenceNumber || !e.data.disputeId) return;
        await requests.recordMediatedBy(trx, {
          disputeId: e.data.disputeId,
          licenceNumber: m.licenceNumber,
          mediatorName: m.name,
          source: `mediation:${e.data.caseId}`,
        });
      }),
    ],
  };
}
