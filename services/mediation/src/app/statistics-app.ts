import {
  FailedPreconditionError,
  InvalidArgumentError,
  periodField,
  Violations,
  type Actor,
  type ReceivedEvent,
  type ServiceKit,
} from "@jinlian/chassis";
import { CITY_JURISDICTION } from "@jinlian/kernel";
import type { mediationEventsV1 } from "@jinlian/proto";
import type { Knex } from "knex";
import type { Case } from "../domain/case";
import type { Committee, Mediator } from "../domain/committee";
import { optionalReason } from "../domain/common";
import { computeStatistics, rollUp, statisticsFromProto, statisticsReported, type Statistics } from "../domain/statistics";
import { revive, type Db } from "@jinlian/chassis";

type Range = { startTime?: Date | undefined; endTime?: Date | undefined } | undefined;

/** Statistics per node, reported up by districts and rolled up at the city: counts only. */
export class StatisticsApp {
  constructor(private readonly kit: ServiceKit) {}

  private period(range: Range): { startAt: Date; endAt: Date } {
    const v = new Violations();
    const p = periodField(v, "period", range);
    if (!range?.startTime) v.add("period.start_time", "is required");
    if (!range?.endTime) v.add("period.end_time", "is required");
    v.throwIfAny();
    return { startAt: p.from!, endAt: p.until! };
  }

  async compute(db: Db, period: { startAt: Date; endAt: Date }): Promise<Statistics> {
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

  async get(range: Range): Promise<Statistics> {
    return this.compute(this.kit.db, this.period(range));
  }

  /** A district reports its figures for a period up to the city (a new sequence number each time). */
  report(range: Range, reason: string, actor: Actor): Promise<Statistics> {
    const period = this.period(range);
    const v = new Violations();
    const why = optionalReason(v, reason);
    v.throwIfAny();
    if (this.kit.here === CITY_JURISDICTION)
      throw new FailedPreconditionError([
        {
          type: "REPORTED_BY_DISTRICTS",
          subject: `node/${this.kit.here}`,
          description: "districts report statistics up; the city rolls them up",
        },
      ]);
    let computed: Statistics | undefined;
    return this.kit.mutation(
      `ReportStatistics:${period.startAt.toISOString()}:${period.endAt.toISOString()}`,
      actor,
      async (trx) => {
        const s = await this.compute(trx, period);
        computed = s;
        const [{ seq }] = (await trx("statistics_reports")
          .insert({
            jurisdiction_code: s.jurisdictionCode,
            period_start: period.startAt,
            period_end: period.endAt,
            report_seq: 1,
            statistics: JSON.stringify(s),
            reported_at: s.computedAt,
          })
          .onConflict(["jurisdiction_code", "period_start", "period_end"])
          .merge({ report_seq: trx.raw("statistics_reports.report_seq + 1"), statistics: JSON.stringify(s), reported_at: s.computedAt })
          .returning("report_seq as seq")) as { seq: number }[];
        await this.kit.record(
          trx,
          { type: "statistics_report", id: this.kit.newId(), revision: seq },
          "ReportStatistics",
          { actor, reason: why },
          [statisticsReported(s, seq, s.computedAt)],
          s.computedAt,
        );
        return "";
      },
      async () => computed ?? (await this.compute(this.kit.db, period)),
    );
  }

  /** At the city: a district's report, kept when its sequence is higher than the one held. */
  async onStatisticsReported(event: ReceivedEvent<mediationEventsV1.StatisticsReported>, trx: Knex.Transaction): Promise<void> {
    const d = event.data;
    const s = d.statistics && statisticsFromProto(d.statistics, d.jurisdictionCode);
    if (!s || d.reportSeq < 1)
      throw new InvalidArgumentError([{ field: "data.statistics", description: "must carry a period, the reporting district and counts" }]);
    await trx("statistics_reports")
      .insert({
        jurisdiction_code: d.jurisdictionCode,
        period_start: s.periodStartAt,
        period_end: s.periodEndAt,
        report_seq: d.reportSeq,
        statistics: JSON.stringify(s),
        reported_at: d.reportTime ?? event.time,
      })
      .onConflict(["jurisdiction_code", "period_start", "period_end"])
      .merge()
      .where("statistics_reports.report_seq", "<", d.reportSeq);
  }

  async rollUp(range: Range) {
    const period = this.period(range);
    const rows = (await this.kit
      .db("statistics_reports")
      .where({ period_start: period.startAt, period_end: period.endAt })
      .whereNot("jurisdiction_code", this.kit.here)
      .select("statistics")) as { statistics: unknown }[];
    return rollUp(
      rows.map((r) => revive<Statistics>(r.statistics)),
      period,
      this.kit.now(),
    );
  }
}
