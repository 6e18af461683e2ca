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
import type { legalServicesEventsV1 } from "@jinlian/proto";
import type { Knex } from "knex";
import { optionalReason, type RequestStatus, type RequestType } from "../domain/common";
import { quantile, rollUp, statisticsFromProto, statisticsReported, type Statistics } from "../domain/statistics";
import { revive, type Db } from "@jinlian/chassis";

type Range = { startTime?: Date | undefined; endTime?: Date | undefined } | undefined;

/** Statistics per node, reported up by districts and rolled up at the city: aggregates only. */
export class StatisticsApp {
  constructor(private readonly kit: ServiceKit) {}

  private period(range: Range, field = "period"): { startAt: Date; endAt: Date } {
    const v = new Violations();
    const p = periodField(v, field, range);
    if (!range?.startTime) v.add(`${field}.start_time`, "is required");
    if (!range?.endTime) v.add(`${field}.end_time`, "is required");
    v.throwIfAny();
    return { startAt: p.from!, endAt: p.until! };
  }

  /** This node's statistics for a period, computed now. */
  async compute(db: Db, period: { startAt: Date; endAt: Date }): Promise<Statistics> {
    const now = this.kit.now();
    const inPeriod = (q: Knex.QueryBuilder, column: string) => q.where(column, ">=", period.startAt).where(column, "<", period.endAt);
    const byTypeStatus = (await inPeriod(db("requests"), "submitted_at")
      .groupBy("type", "status")
      .select("type", "status")
      .count({ n: "*" })) as {
      type: RequestType;
      status: RequestStatus;
      n: string;
    }[];
    const responses = (await inPeriod(db("requests"), "submitted_at")
      .whereNotNull("assigned_at")
      .select(db.raw("extract(epoch from (assigned_at - submitted_at)) as s"))) as { s: string }[];
    const seconds = responses.map((r) => Number(r.s)).sort((a, b) => a - b);
    const [offers] = (await inPeriod(db("requests"), "submitted_at").select(
      db.raw(`coalesce(sum((select count(*) from jsonb_array_elements(doc->'offers') o where o->>'outcome' = 'DECLINED')), 0) as declined`),
      db.raw(`coalesce(sum((select count(*) from jsonb_array_elements(doc->'offers') o where o->>'outcome' = 'EXPIRED')), 0) as expired`),
      db.raw(`count(*) filter (where doc->'escalation' is not null and doc->>'escalation' <> 'null') as escalated`),
    )) as { declined: string; expired: string; escalated: string }[];
    const here = this.kit.here;
    const pairsQ = db("pairs").where("status", "ACTIVE");
    if (here !== CITY_JURISDICTION) pairsQ.where((w) => w.where("chamber_district", here).orWhere("firm_district", here));
    const [{ n: activePairs }] = (await pairsQ.count({ n: "*" })) as { n: string }[];
    const campaigns = (await inPeriod(db("health_check_campaigns"), "created_at").select("doc")) as {
      doc: { findings: { riskLevel: string; enterprise: { creditCode: string } }[] };
    }[];
    const findings = campaigns.flatMap((c) => c.doc.findings);
    const [{ n: overdue }] = (await db("health_check_follow_ups").where("done", false).where("due_at", "<=", now).count({ n: "*" })) as {
      n: string;
    }[];
    const trainings = (await inPeriod(db("trainings"), "start_at").where("status", "HELD").select("doc")) as {
      doc: { attendance: { attendees: number }[] };
    }[];
    const requests = byTypeStatus
      .map((r) => ({ type: r.type, status: r.status, count: Number(r.n) }))
      .sort((a, b) => a.type.localeCompare(b.type) || a.status.localeCompare(b.status));
    return {
      jurisdictionCode: here,
      periodStartAt: period.startAt,
      periodEndAt: period.endAt,
      requests,
      submitted: requests.reduce((s, r) => s + r.count, 0),
      assigned: seconds.length,
      medianResponseSeconds: quantile(seconds, 0.5),
      p90ResponseSeconds: quantile(seconds, 0.9),
      offersDeclined: Number(offers?.declined ?? 0),
      offersExpired: Number(offers?.expired ?? 0),
      escalated: Number(offers?.escalated ?? 0),
      referredToMediation: requests.filter((r) => r.status === "REFERRED_TO_MEDIATION").reduce((s, r) => s + r.count, 0),
      activePairs: Number(activePairs),
      campaigns: campaigns.length,
      enterprisesChecked: new Set(findings.map((f) => f.enterprise.creditCode)).size,
      findingsHigh: findings.filter((f) => f.riskLevel === "HIGH").length,
      findingsMedium: findings.filter((f) => f.riskLevel === "MEDIUM").length,
      findingsLow: findings.filter((f) => f.riskLevel === "LOW").length,
      followUpsOverdue: Number(overdue),
      trainingsHeld: trainings.length,
      trainingAttendees: trainings.reduce((s, t) => s + t.doc.attendance.reduce((a, x) => a + x.attendees, 0), 0),
      computedAt: now,
    };
  }

  async get(range: Range): Promise<Statistics> {
    return this.compute(this.kit.db, this.period(range));
  }

  /** A district reports its statistics for a period up to the city (a new sequence number each time). */
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
          .merge({
            report_seq: trx.raw("statistics_reports.report_seq + 1"),
            statistics: JSON.stringify(s),
            reported_at: s.computedAt,
          })
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
  async onStatisticsReported(event: ReceivedEvent<legalServicesEventsV1.StatisticsReported>, trx: Knex.Transaction): Promise<void> {
    const d = event.data;
    const s = d.statistics && statisticsFromProto(d.statistics, d.jurisdictionCode);
    if (!s || d.reportSeq < 1)
      throw new InvalidArgumentError([
        { field: "data.statistics", description: "must carry a period and known request types and statuses" },
      ]);
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
