import {
  DistrictReports,
  InvalidArgumentError,
  revive,
  Violations,
  type Actor,
  type Db,
  type ReceivedEvent,
  type ReportPeriod,
  type ServiceKit,
} from "@jinlian/chassis";
import { CITY_JURISDICTION } from "@jinlian/kernel";
import type { mediationEventsV1 } from "@jinlian/proto";
import type { Knex } from "knex";
import type { Case } from "../domain/case";
import type { Committee, Mediator } from "../domain/committee";
import { optionalReason } from "../domain/common";
import { computeStatistics, rollUp, statisticsFromProto, statisticsReported, type Statistics } from "../domain/statistics";

type Range = { startTime?: Date | undefined; endTime?: Date | undefined } | undefined;

/** Statistics per node, reported up by districts and rolled up at the city: counts only. */
export class StatisticsApp {
  private readonly reports: DistrictReports<Statistics>;

  constructor(private readonly kit: ServiceKit) {
    this.reports = new DistrictReports(kit, {
      reportsTo: CITY_JURISDICTION,
      compute: (db, period) => this.compute(db, period),
      reported: statisticsReported,
    });
  }

  async compute(db: Db, period: ReportPeriod): Promise<Statistics> {
    const docs = async <T>(table: string, q?: (b: Knex.QueryBuilder) => void): Promise<T[]> => {
      const b = db(table).select("doc");
      q?.(b);
      return ((await b) as { doc: unknown }[]).map((r) => revive<T>(r.doc));
    };
    const committees = await docs<Committee>("committees");
    const mediators = await docs<Mediator>("mediators");
    const cases = await docs<Case>("cases", (b) => b.where("opened_at", ">=", period.startAt).where("opened_at", "<", period.endAt));
    return computeStatistics(this.kit.here, period, committees, mediators, cases, this.kit.now());
  }

  get(range: Range): Promise<Statistics> {
    return this.reports.figures(range);
  }

  /** A district reports its figures for a period up to the city (a new sequence number each time). */
  report(range: Range, reason: string, actor: Actor): Promise<Statistics> {
    const v = new Violations();
    const why = optionalReason(v, reason);
    v.throwIfAny();
    return this.reports.report(range, why, actor);
  }

  /** At the city: a district's report, kept when its sequence is higher than the one held. */
  async onStatisticsReported(event: ReceivedEvent<mediationEventsV1.StatisticsReported>, trx: Knex.Transaction): Promise<void> {
    const d = event.data;
    const s = d.statistics && statisticsFromProto(d.statistics, d.jurisdictionCode);
    if (!s || d.reportSeq < 1)
      throw new InvalidArgumentError([{ field: "data.statistics", description: "must carry a period, the reporting district and counts" }]);
    await this.reports.keep(trx, s, d.reportSeq, d.reportTime ?? event.time);
  }

  async rollUp(range: Range) {
    const { period, reports } = await this.reports.received(range);
    return rollUp(reports, period, this.kit.now());
  }
}
