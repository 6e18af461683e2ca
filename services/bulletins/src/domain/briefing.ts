/**
 * Work briefings (工作简报, art. 20) compiled from events: at the city, what the districts'
 * services sent up — liaison's mechanism status and campaign activities, legislation's replies
 * to consultation rounds, legal-services' and mediation's statistics — kept as facts, and summed
 * for a period into the title and body of a draft an officer edits and publishes. Pure.
 */

/** Where a fact comes from. */
export type BriefingSource =
  "liaison.mechanism" | "liaison.campaign-activity" | "legislation.district-reply" | "legal-services.statistics" | "mediation.statistics";

/**
 * One fact as the city keeps it: the latest of its key wins (higher `seq`). `at` is when it
 * happened (a reply sent, an activity held, a mechanism's status since); statistics reports have
 * their period instead.
 */
export interface BriefingFact {
  source: BriefingSource;
  key: string;
  jurisdictionCode: string;
  at: Date;
  periodEnd: Date | null;
  seq: number;
  figures: Record<string, number>;
}

export interface BriefingFigures {
  mechanismsEstablished: number;
  campaignActivities: number;
  campaignEvents: number;
  audienceReached: number;
  districtReplies: number;
  opinions: number;
  legalServiceRequests: number;
  legalServiceRequestsAssigned: number;
  referredToMediation: number;
  enterprisesChecked: number;
  mediationCasesOpened: number;
  mediationAgreements: number;
  mediationFailed: number;
  referredToArbitration: number;
  districtsReporting: string[];
}

/** Whether a fact belongs to the period [from, until): statistics by their whole period, the rest by when they happened. */
export function inPeriod(f: BriefingFact, from: Date, until: Date): boolean {
  if (f.periodEnd) return f.at.getTime() >= from.getTime() && f.periodEnd.getTime() <= until.getTime();
  // A mechanism's status counts as it stood at the end of the period.
  if (f.source === "liaison.mechanism") return f.at.getTime() < until.getTime();
  return f.at.getTime() >= from.getTime() && f.at.getTime() < until.getTime();
}

export function sumFigures(facts: readonly BriefingFact[], from: Date, until: Date): BriefingFigures {
  const within = facts.filter((f) => inPeriod(f, from, until));
  const sum = (source: BriefingSource, field: string) =>
    within.filter((f) => f.source === source).reduce((acc, f) => acc + (f.figures[field] ?? 0), 0);
  return {
    mechanismsEstablished: sum("liaison.mechanism", "established"),
    campaignActivities: sum("liaison.campaign-activity", "activities"),
    campaignEvents: sum("liaison.campaign-activity", "events"),
    audienceReached: sum("liaison.campaign-activity", "audience"),
    districtReplies: sum("legislation.district-reply", "replies"),
    opinions: sum("legislation.district-reply", "opinions"),
    legalServiceRequests: sum("legal-services.statistics", "requests"),
    legalServiceRequestsAssigned: sum("legal-services.statistics", "assigned"),
    referredToMediation: sum("legal-services.statistics", "referredToMediation"),
    enterprisesChecked: sum("legal-services.statistics", "enterprisesChecked"),
    mediationCasesOpened: sum("mediation.statistics", "casesOpened"),
    mediationAgreements: sum("mediation.statistics", "agreements"),
    mediationFailed: sum("mediation.statistics", "failed"),
    referredToArbitration: sum("mediation.statistics", "referredToArbitration"),
    // A mechanism reported before the period says nothing about the period itself.
    districtsReporting: [
      ...new Set(within.filter((f) => f.source !== "liaison.mechanism" || f.at.getTime() >= from.getTime()).map((f) => f.jurisdictionCode)),
    ].sort(),
  };
}

const day = (d: Date) => new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 10);

/** The draft's title and body: the period's figures in the briefing's usual order, for an officer to edit. */
export function compileBriefing(
  period: { from: Date; until: Date },
  f: BriefingFigures,
  districtName: (code: string) => string,
): { title: string; body: string } {
  const last = new Date(period.until.getTime() - 1);
  const span = `${day(period.from)}至${day(last)}`;
  const lines = [
    `统计期间：${span}（据各区上报数据汇总，发布前请核对、补充）。`,
    "",
    "一、联络机制",
    `已建立司法行政机关与工商联联络机制的区：${f.mechanismsEstablished}个。`,
    "",
    "二、法治宣传",
    `各区开展普法宣传活动${f.campaignActivities}项、${f.campaignEvents}场，覆盖${f.audienceReached}人次。`,
    "",
    "三、立法征求意见",
    `各区反馈立法征求意见${f.districtReplies}份，提出意见${f.opinions}条。`,
    "",
    "四、法律服务",
    `受理民营企业法律服务需求${f.legalServiceRequests}件，已对接${f.legalServiceRequestsAssigned}件；转人民调解${f.referredToMediation}件；开展法治体检企业${f.enterprisesChecked}家。`,
    "",
    "五、商会人民调解",
    `新受理调解案件${f.mediationCasesOpened}件，达成调解协议${f.mediationAgreements}件，调解不成${f.mediationFailed}件，引导申请仲裁${f.referredToArbitration}件。`,
    "",
    `上报区：${f.districtsReporting.length > 0 ? f.districtsReporting.map(districtName).join("、") : "无"}。`,
  ];
  return { title: `工作简报（${span}）`, body: lines.join("\n") };
}
