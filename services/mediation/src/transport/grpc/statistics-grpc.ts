import {
  actorOf,
  implement,
  MECHANISM,
  own,
  ownOrCity,
  type AccessRules,
  type HandlerOptions,
  type RegisteredService,
} from "@jinlian/chassis";
import { mediationV1 } from "@jinlian/proto";
import type { StatisticsApp } from "../../app/statistics-app";
import { statisticsToProto } from "../../domain/statistics";

/**
 * Both sides guide chamber mediation (seed art. 17; the bureau keeps its statistics, 人民调解法
 * art. 5). Counts only, no party data: the city may read them; sending a report up is the
 * district's own act.
 */
const access = {
  getStatistics: ownOrCity(...MECHANISM),
  reportStatistics: own(...MECHANISM),
  getStatisticsRollUp: ownOrCity(...MECHANISM),
} satisfies AccessRules<typeof mediationV1.StatisticsServiceService>;

/** jinlian.mediation.v1.StatisticsService. */
export function statisticsGrpcService(app: StatisticsApp, grpc: HandlerOptions): RegisteredService {
  const implementation = implement(
    mediationV1.StatisticsServiceService,
    {
      async getStatistics(req) {
        return { statistics: statisticsToProto(await app.get(req.period)) };
      },
      async reportStatistics(req, call) {
        return { statistics: statisticsToProto(await app.report(req.period, req.reason, actorOf(call))) };
      },
      async getStatisticsRollUp(req) {
        const r = await app.rollUp(req.period);
        return { districts: r.districts.map(statisticsToProto), totals: statisticsToProto(r.totals), districtsMissing: r.missing };
      },
    },
    { ...grpc, access },
  );
  return { name: "jinlian.mediation.v1.StatisticsService", definition: mediationV1.StatisticsServiceService, implementation };
}
