import { actorOf, implement, type HandlerOptions, type RegisteredService } from "@jinlian/chassis";
import { mediationV1 } from "@jinlian/proto";
import type { StatisticsApp } from "../../app/statistics-app";
import { statisticsToProto } from "../../domain/statistics";

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
    grpc,
  );
  return { name: "jinlian.mediation.v1.StatisticsService", definition: mediationV1.StatisticsServiceService, implementation };
}
