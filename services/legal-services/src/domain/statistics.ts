/**
 * Statistics of legal services (counts and durations only, never names, credit codes or
 * actors): what a node computes for a period, what a district reports up, and the city's
 * roll-up. Pure.
 */
import { DISTRICT_CODES } from "@jinlian/kernel";
import { emit, legalServicesEvents, toNode, type EventToEmit } from "@jinlian/chassis";
import type { legalServicesV1 } from "@jinlian/proto";
import { requestStatusCodec, requestTypeCodec, type RequestStatus, type RequestType } from "./common";

export interface Statistics {
  jurisdictionCode: string;
  periodStartAt: Date;
  periodEndAt: Date;
  requests: { type: RequestType; status: RequestStatus; count: number }[];
  submitted: number;
  assigned: number;
  medianResponseSeconds: number;
  p90ResponseSeconds: number;
  offersDeclined: number;
  offersExpired: number;
  escalated: number;
  referredToMediation: number;
  activePairs: number;
  campaigns: number;
  enterprisesChecked: number;
  findingsHigh: number;
  findingsMedium: number;
  findingsLow: number;
  followUpsOverdue: number;
  trainingsHeld: number;
  trainingAttendees: number;
  computedAt: Date;
}

/** The q-quantile (nearest rank) of durations in seconds; 0 for none. */
export function quantile(sortedSeconds: readonly number[], q: number): number {
  if (sortedSeconds.length === 0) return 0;
  const rank = Math.max(1, Math.ceil(q * sortedSeconds.length));
  return Math.round(sortedSeconds[rank - 1]!);
}

const COUNTS = [
  "submitted",
  "assigned",
  "offersDeclined",
  "offersExpired",
  "escalated",
  "referredToMediation",
  "activePairs",
  "campaigns",
  "enterprisesChecked",
  "findingsHigh",
  "findingsMedium",
  "findingsLow",
  "followUpsOverdue",
  "trainingsHeld",
  "trainingAttendees",
] as const;

/** The city's roll-up: sums over the districts; medians and p90s are the largest district's (an upper bound). */
export function rollUp(reports: readonly Statistics[], period: { startAt: Date; endAt: Date }, now: Date) {
  const totals: Statistics = {
    jurisdictionCode: "120000",
    periodStartAt: period.startAt,
    periodEndAt: period.endAt,
    requests: [],
    submitted: 0,
    assigned: 0,
    medianResponseSeconds: 0,
    p90ResponseSeconds: 0,
    offersDeclined: 0,
    offersExpired: 0,
    escalated: 0,
    referredToMediation: 0,
    activePairs: 0,
    campaigns: 0,
    enterprisesChecked: 0,
    findingsHigh: 0,
    findingsMedium: 0,
    findingsLow: 0,
    followUpsOverdue: 0,
    trainingsHeld: 0,
    trainingAttendees: 0,
    computedAt: now,
  };
  const byKey = new Map<string, { type: RequestType; status: RequestStatus; count: number }>();
  for (const r of reports) {
    for (const k of COUNTS) totals[k] += r[k];
    totals.medianResponseSeconds = Math.max(totals.medianResponseSeconds, r.medianResponseSeconds);
    totals.p90ResponseSeconds = Math.max(totals.p90ResponseSeconds, r.p90ResponseSeconds);
    for (const c of r.requests) {
      const key = `${c.type}/${c.status}`;
      const held = byKey.get(key);
      if (held) held.count += c.count;
      else byKey.set(key, { ...c });
    }
  }
  totals.requests = [...byKey.values()].sort((a, b) => a.type.localeCompare(b.type) || a.status.localeCompare(b.status));
  const reported = new Set(reports.map((r) => r.jurisdictionCode));
  return {
    districts: [...reports].sort((a, b) => a.jurisdictionCode.localeCompare(b.jurisdictionCode)),
    totals,
    missing: DISTRICT_CODES.filter((d) => !reported.has(d)),
  };
}

export function statisticsToProto(s: Statistics): legalServicesV1.LegalServiceStatistics {
  return {
    jurisdictionCode: s.jurisdictionCode,
    period: { startTime: s.periodStartAt, endTime: s.periodEndAt },
    requests: s.requests.map((r) => ({
      type: requestTypeCodec.toProto(r.type),
      status: requestStatusCodec.toProto(r.status),
      count: r.count,
    })),
    requestsSubmitted: s.submitted,
    requestsAssigned: s.assigned,
    medianResponseSeconds: String(s.medianResponseSeconds),
    p90ResponseSeconds: String(s.p90ResponseSeconds),
    offersDeclined: s.offersDeclined,
    offersExpired: s.offersExpired,
    requestsEscalated: s.escalated,
    referredToMediation: s.referredToMediation,
    activePairs: s.activePairs,
    healthCheckCampaigns: s.campaigns,
    enterprisesChecked: s.enterprisesChecked,
    findingsHighRisk: s.findingsHigh,
    findingsMediumRisk: s.findingsMedium,
    findingsLowRisk: s.findingsLow,
    followUpsOverdue: s.followUpsOverdue,
    trainingsHeld: s.trainingsHeld,
    trainingAttendees: s.trainingAttendees,
    computeTime: s.computedAt,
  };
}

/** Reads a reported LegalServiceStatistics back; undefined fields count as zero. */
export function statisticsFromProto(p: legalServicesV1.LegalServiceStatistics, jurisdictionCode: string): Statistics | undefined {
  if (!p.period?.startTime || !p.period.endTime) return undefined;
  const requests: Statistics["requests"] = [];
  for (const r of p.requests) {
    const type = requestTypeCodec.fromProto(r.type);
    const status = requestStatusCodec.fromProto(r.status);
    if (!type || !status || r.count < 0) return undefined;
    requests.push({ type, status, count: r.count });
  }
  return {
    jurisdictionCode,
    periodStartAt: p.period.startTime,
    periodEndAt: p.period.endTime,
    requests,
    submitted: p.requestsSubmitted,
    assigned: p.requestsAssigned,
    medianResponseSeconds: Number(p.medianResponseSeconds),
    p90ResponseSeconds: Number(p.p90ResponseSeconds),
    offersDeclined: p.offersDeclined,
    offersExpired: p.offersExpired,
    escalated: p.requestsEscalated,
    referredToMediation: p.referredToMediation,
    activePairs: p.activePairs,
    campaigns: p.healthCheckCampaigns,
    enterprisesChecked: p.enterprisesChecked,
    findingsHigh: p.findingsHighRisk,
    findingsMedium: p.findingsMediumRisk,
    findingsLow: p.findingsLowRisk,
    followUpsOverdue: p.followUpsOverdue,
    trainingsHeld: p.trainingsHeld,
    trainingAttendees: p.trainingAttendees,
    computedAt: p.computeTime ?? new Date(0),
  };
}

/** A district's report up to the city: counts only — no actor, reason or request id travels with it. */
export function statisticsReported(s: Statistics, seq: number, now: Date): EventToEmit {
  return emit(
    legalServicesEvents.statisticsReported,
    s.jurisdictionCode,
    { jurisdictionCode: s.jurisdictionCode, statistics: statisticsToProto(s), reportSeq: seq, reportTime: now },
    [toNode("120000")],
  );
}
