/**
 * Mediation statistics: counts only, so nothing about a party or a mediator leaves the node.
 * Pure: the figures from the node's records, the event a district reports them up with, the
 * city's roll-up.
 */
import { emit, mediationEvents, toNode, type EventToEmit } from "@jinlian/chassis";
import { CITY_JURISDICTION, DISTRICT_CODES } from "@jinlian/kernel";
import type { mediationV1 } from "@jinlian/proto";
import type { Case } from "./case";
import type { Committee, Mediator } from "./committee";

export const COUNTS = [
  "committees",
  "committeeMembers",
  "womenMembers",
  "committeesTermExpired",
  "mediatorsActive",
  "trainingHours",
  "casesOpened",
  "commercialCasesOpened",
  "casesRefused",
  "casesEndedByParty",
  "casesInProgress",
  "agreementsWritten",
  "agreementsOral",
  "casesFailed",
  "referredToArbitration",
  "arbitrationAccepted",
  "judicialConfirmationsApplied",
  "agreementsPerformed",
  "timeLimitsExpired",
  "casesFromReferrals",
] as const;
export type Count = (typeof COUNTS)[number];

export type Statistics = { jurisdictionCode: string; periodStartAt: Date; periodEndAt: Date; computedAt: Date } & Record<Count, number>;

const inPeriod = (t: Date, p: { startAt: Date; endAt: Date }) => t.getTime() >= p.startAt.getTime() && t.getTime() < p.endAt.getTime();

/** A node's figures: committees and mediators as they stand now; cases opened in the period, as they stand now. */
export function computeStatistics(
  here: string,
  period: { startAt: Date; endAt: Date },
  committees: readonly Committee[],
  mediators: readonly Mediator[],
  cases: readonly Case[],
  now: Date,
): Statistics {
  const opened = cases.filter((c) => inPeriod(c.openedAt, period));
  const n = (pred: (c: Case) => boolean) => opened.filter(pred).length;
  return {
    jurisdictionCode: here,
    periodStartAt: period.startAt,
    periodEndAt: period.endAt,
    computedAt: now,
    committees: committees.length,
    committeeMembers: committees.reduce((s, c) => s + c.members.length, 0),
    womenMembers: committees.reduce((s, c) => s + c.members.filter((m) => m.gender === "FEMALE").length, 0),
    committeesTermExpired: committees.filter((c) => c.termEndAt.getTime() <= now.getTime()).length,
    mediatorsActive: mediators.filter((m) => m.status === "ACTIVE").length,
    trainingHours: mediators.reduce(
      (s, m) => s + m.trainings.filter((t) => inPeriod(t.completeAt, period)).reduce((h, t) => h + t.hours, 0),
      0,
    ),
    casesOpened: opened.length,
    commercialCasesOpened: n((c) => c.kind === "COMMERCIAL"),
    casesRefused: n((c) => c.status === "REFUSED"),
    casesEndedByParty: n((c) => c.status === "ENDED_BY_PARTY"),
    casesInProgress: n((c) => ["AWAITING_CONSENT", "IN_MEDIATION", "PAUSED", "AGREEMENT_SIGNING"].includes(c.status)),
    agreementsWritten: n((c) => c.status === "AGREED" && c.agreement?.content.form === "WRITTEN"),
    agreementsOral: n((c) => c.status === "AGREED" && c.agreement?.content.form === "ORAL"),
    casesFailed: n((c) => c.status === "FAILED"),
    referredToArbitration: n((c) => c.referral !== null),
    arbitrationAccepted: n((c) => c.referral?.status === "ACCEPTED"),
    judicialConfirmationsApplied: n((c) => !!c.agreement?.confirmationAppliedAt),
    agreementsPerformed: n((c) => !!c.agreement?.performance.some((p) => p.status === "PERFORMED")),
    timeLimitsExpired: n((c) => c.timeLimit.expired),
    casesFromReferrals: n((c) => c.sourceReferralId !== ""),
  };
}

export function statisticsToProto(s: Statistics): mediationV1.MediationStatistics {
  return {
    jurisdictionCode: s.jurisdictionCode,
    period: { startTime: s.periodStartAt, endTime: s.periodEndAt },
    ...(Object.fromEntries(COUNTS.map((k) => [k, s[k]])) as Record<Count, number>),
    computeTime: s.computedAt,
  };
}

/** A report as it arrived, or undefined when it lacks a period or a count is not a count. */
export function statisticsFromProto(p: mediationV1.MediationStatistics, jurisdictionCode: string): Statistics | undefined {
  const start = p.period?.startTime;
  const end = p.period?.endTime;
  if (!start || !end || p.jurisdictionCode !== jurisdictionCode) return undefined;
  if (COUNTS.some((k) => !Number.isInteger(p[k]) || p[k] < 0)) return undefined;
  return {
    jurisdictionCode,
    periodStartAt: start,
    periodEndAt: end,
    computedAt: p.computeTime ?? end,
    ...(Object.fromEntries(COUNTS.map((k) => [k, p[k]])) as Record<Count, number>),
  };
}

/** The event a district reports its figures up with: counts only. */
export function statisticsReported(s: Statistics, seq: number, at: Date): EventToEmit {
  return emit(
    mediationEvents.statisticsReported,
    s.jurisdictionCode,
    { jurisdictionCode: s.jurisdictionCode, statistics: statisticsToProto(s), reportSeq: seq, reportTime: at },
    [toNode(CITY_JURISDICTION)],
  );
}

/** The city's roll-up: each district's latest report, the sums, and who has not reported. */
export function rollUp(reports: readonly Statistics[], period: { startAt: Date; endAt: Date }, now: Date) {
  const totals = {
    jurisdictionCode: CITY_JURISDICTION,
    periodStartAt: period.startAt,
    periodEndAt: period.endAt,
    computedAt: now,
    ...(Object.fromEntries(COUNTS.map((k) => [k, reports.reduce((s, r) => s + r[k], 0)])) as Record<Count, number>),
  };
  const reported = new Set(reports.map((r) => r.jurisdictionCode));
  return {
    districts: [...reports].sort((a, b) => a.jurisdictionCode.localeCompare(b.jurisdictionCode)),
    totals,
    missing: DISTRICT_CODES.filter((d) => !reported.has(d)),
  };
}
