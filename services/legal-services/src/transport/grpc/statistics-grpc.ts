import {
  actorOf,
  FailedPreconditionError,
  implement,
  MECHANISM,
  own,
  ownOrCity,
  type AccessRules,
  type HandlerOptions,
  type RegisteredService,
  type ServiceKit,
} from "@jinlian/chassis";
import { CITY_JURISDICTION } from "@jinlian/kernel";
import { legalServicesV1 } from "@jinlian/proto";
import type { StatisticsApp } from "../../app/statistics-app";
import { statisticsToProto } from "../../domain/statistics";

const P = legalServicesV1;

/**
 * Statistics are aggregates without personal data: the city, which oversees the districts, reads
 * them; reporting up is the district's own act.
 */
const access = {
  getStatistics: ownOrCity(...MECHANISM),
  reportStatistics: own(...MECHANISM),
  getStatisticsRollUp: ownOrCity(...MECHANISM),
} satisfies AccessRules<typeof P.StatisticsServiceService>;

/** jinlian.legal_services.v1.StatisticsService. */
export function statisticsGrpcService(app: StatisticsApp, kit: ServiceKit, grpc: HandlerOptions): RegisteredService {
  const implementation = implement(
    P.StatisticsServiceService,
    {
      async getStatistics(req) {
        return { statistics: statisticsToProto(await app.get(req.period)) };
      },
      async reportStatistics(req, call) {
        return { statistics: statisticsToProto(await app.report(req.period, req.reason, actorOf(call))) };
      },
      async getStatisticsRollUp(req) {
        if (kit.here !== CITY_JURISDICTION)
          throw new FailedPreconditionError([
            { type: "ROLL_UP_AT_CITY", subject: `node/${kit.here}`, description: "the city rolls up the districts' reports" },
          ]);
        const r = await app.rollUp(req.period);
        return { districts: r.districts.map(statisticsToProto), totals: statisticsToProto(r.totals), districtsMissing: r.missing };
      },
    },
    { ...grpc, access },
  );
  return { name: "jinlian.legal_services.v1.StatisticsService", definition: P.StatisticsServiceService, implementation };
}
