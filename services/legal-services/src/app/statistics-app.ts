import {
  DistrictReports,
  InvalidArgumentError,
  Violations,
  type Actor,
  type Db,
  type ReceivedEvent,
  type ReportPeriod,
  type ServiceKit,
} from "@jinlian/chassis";
import { CITY_JURISDICTION } from "@jinlian/kernel";
import type { legalServicesEventsV1 } from "@jinlian/proto";
import type { Knex } from "knex";
import { optionalReason, type RequestStatus, type RequestType } from "../domain/common";
import { quantile, rollUp, statisticsFromProto, statisticsReported, type Statistics } from "../domain/statistics";

type Range = { startTime?: Date | undefined; endTime?: Date | undefined } | undefined;

/** Statistics per node, reported up by districts and rolled up at the city: aggregates only. */
export class StatisticsApp {
  private readonly reports: DistrictReports<Statistics>;

  constructor(private readonly kit: ServiceKit) {
    this.reports = new DistrictReports(kit, {
      reportsTo: CITY_JURISDICTION,
      compute: (db, period) => this.compute(db, period),
      reported: statisticsReported,
    });
  }

  /** This node's statistics for a period, computed now. */
  async compute(db: Db, period: ReportPeriod): Promise<Statistics> {
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

  get(range: Range): Promise<Statistics> {
    return this.reports.figures(range);
  }

  /** A district reports its statistics for a period up to the city (a new sequence number each time). */
  report(range: Range, reason: string, actor: Actor): Promise<Statistics> {
    const v = new Violations();
    const why = optionalReason(v, reason);
    v.throwIfAny();
    return this.reports.report(range, why, actor);
  }

  /** At the city: a district's report, kept when its sequence is higher than the one held. */
  async onStatisticsReported(event: ReceivedEvent<legalServicesEventsV1.StatisticsReported>, trx: Knex.Transaction): Promise<void> {
    const d = event.data;
    const s = d.statistics && statisticsFromProto(d.statistics, d.jurisdictionCode);
    if (!s || d.reportSeq < 1)
      throw new InvalidArgumentError([
        { field: "data.statistics", description: "must carry a period and known request types and statuses" },
      ]);
    await this.reports.keep(trx, s, d.reportSeq, d.reportTime ?? event.time);
  }

  async rollUp(range: Range) {
    const { period, reports } = await this.reports.received(range);
    return rollUp(reports, period, this.kit.now());
  }
}
