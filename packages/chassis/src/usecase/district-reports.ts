import type { Knex } from "knex";
import { FailedPreconditionError, Violations } from "../common/errors";
import { periodField } from "../common/fields";
import type { Actor } from "../grpc/handlers";
import { revive, type Db } from "../persistence/documents";
import type { EventToEmit } from "./decision";
import type { ServiceKit } from "./kit";

/** A whole period, [startAt, endAt). */
export interface ReportPeriod {
  readonly startAt: Date;
  readonly endAt: Date;
}

type TimeRange = { startTime?: Date | undefined; endTime?: Date | undefined } | undefined;

/** A period from a `jinlian.common.v1.TimeRange` both of whose ends are required. */
export function requiredPeriod(range: TimeRange, field = "period"): ReportPeriod {
  const v = new Violations();
  const p = periodField(v, field, range);
  if (!range?.startTime) v.add(`${field}.start_time`, "is required");
  if (!range?.endTime) v.add(`${field}.end_time`, "is required");
  v.throwIfAny();
  return { startAt: p.from!, endAt: p.until! };
}

/** Figures of one jurisdiction over one period, as a node computes and reports them. */
export interface ReportedFigures {
  readonly jurisdictionCode: string;
  readonly periodStartAt: Date;
  readonly periodEndAt: Date;
  readonly computedAt: Date;
}

export interface DistrictReportsOptions<S extends ReportedFigures> {
  /** The node the districts report to. It rolls their reports up and reports nothing itself. */
  readonly reportsTo: string;
  /** This node's figures for a period, computed from its own tables. */
  compute(db: Db, period: ReportPeriod): Promise<S>;
  /** The event that carries a report to `reportsTo`, with its sequence number. */
  reported(figures: S, seq: number, at: Date): EventToEmit;
}

/**
 * Figures a district node reports up for a period, and the reports the node above keeps: the
 * latest per jurisdiction and period, in the service's `statistics_reports` table. Each report of
 * the same period gets the next sequence number, so the receiving node keeps the newest whatever
 * order reports arrive in.
 */
export class DistrictReports<S extends ReportedFigures> {
  constructor(
    private readonly kit: ServiceKit,
    private readonly options: DistrictReportsOptions<S>,
  ) {}

  /** This node's figures for a period, computed now. */
  figures(range: TimeRange): Promise<S> {
    return this.options.compute(this.kit.db, requiredPeriod(range));
  }

  /**
   * Computes this node's figures for a period and reports them up, at most once per request id
   * (a repeat answers with the figures as they are now). `reason` is already checked.
   */
  report(range: TimeRange, reason: string, actor: Actor): Promise<S> {
    const period = requiredPeriod(range);
    if (this.kit.here === this.options.reportsTo)
      throw new FailedPreconditionError([
        {
          type: "REPORTED_BY_DISTRICTS",
          subject: `node/${this.kit.here}`,
          description: "districts report statistics up; the city rolls them up",
        },
      ]);
    const reportId = this.kit.newId();
    return this.kit.creation(
      `ReportStatistics:${period.startAt.toISOString()}:${period.endAt.toISOString()}`,
      actor,
      reportId,
      async (trx) => {
        const figures = await this.options.compute(trx, period);
        const seq = await this.upsert(trx, figures, figures.computedAt, "next");
        await this.kit.record(
          trx,
          { type: "statistics_report", id: reportId, revision: seq },
          "ReportStatistics",
          { actor, reason },
          [this.options.reported(figures, seq, figures.computedAt)],
          figures.computedAt,
        );
        return figures;
      },
      (_id, trx) => this.options.compute(trx, period),
    );
  }

  /** At the node reported to: a report received, kept when its sequence is higher than the one held. */
  async keep(trx: Knex.Transaction, figures: S, seq: number, reportedAt: Date): Promise<void> {
    await this.upsert(trx, figures, reportedAt, seq);
  }

  /** At the node reported to: the latest report of every other jurisdiction for exactly this period. */
  async received(range: TimeRange): Promise<{ period: ReportPeriod; reports: S[] }> {
    const period = requiredPeriod(range);
    const rows = (await this.kit
      .db("statistics_reports")
      .where({ period_start: period.startAt, period_end: period.endAt })
      .whereNot("jurisdiction_code", this.kit.here)
      .select("statistics")) as { statistics: unknown }[];
    return { period, reports: rows.map((r) => revive<S>(r.statistics)) };
  }

  /**
   * Writes a jurisdiction's report of a period: `"next"` numbers a report made here after the
   * last; a received one carries its number and replaces only an older one. Returns the number
   * written (for a received report, whether or not it replaced the one held).
   */
  private async upsert(trx: Knex.Transaction, s: S, reportedAt: Date, seq: number | "next"): Promise<number> {
    const row = {
      jurisdiction_code: s.jurisdictionCode,
      period_start: s.periodStartAt,
      period_end: s.periodEndAt,
      report_seq: seq === "next" ? 1 : seq,
      statistics: JSON.stringify(s),
      reported_at: reportedAt,
    };
    const upsert = trx("statistics_reports").insert(row).onConflict(["jurisdiction_code", "period_start", "period_end"]);
    if (seq !== "next") {
      await upsert.merge().where("statistics_reports.report_seq", "<", seq);
      return seq;
    }
    const [written] = (await upsert
      .merge({ report_seq: trx.raw("statistics_reports.report_seq + 1"), statistics: row.statistics, reported_at: reportedAt })
      .returning("report_seq")) as { report_seq: number }[];
    return written!.report_seq;
  }
}
