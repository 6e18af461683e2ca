/**
 * Legal-publicity campaigns (art. 7-8): calendar nodes and their periods, planning rules, the
 * campaign lifecycle, activity reports and the issuer's roll-up. Pure rules: no I/O, time is
 * passed in.
 */
import {
  CITY_JURISDICTION,
  DISTRICT_CODES,
  FailedPreconditionError,
  InvalidArgumentError,
  isDistrictCode,
  jurisdictionName,
  textField,
  Violations,
} from "@jinlian/chassis";

/** Calendar nodes of legal publicity: 12·4 国家宪法日, 宪法宣传周, 民法典宣传月. */
export const CALENDAR_NODES = ["NATIONAL_CONSTITUTION_DAY", "CONSTITUTION_WEEK", "CIVIL_CODE_MONTH"] as const;
export type CalendarNode = (typeof CALENDAR_NODES)[number];
export type CampaignStatus = "PLANNED" | "LAUNCHED" | "CLOSED";
/** ISSUED: planned at this node. RECEIVED: pushed to this district by the city. */
export type CampaignOrigin = "ISSUED" | "RECEIVED";

export const CAMPAIGN_LIMITS = Object.freeze({
  titleChars: 200,
  themeChars: 500,
  reasonChars: 500,
  minYear: 2000,
  maxYear: 2999,
  /** A single reported activity bundles at most this many events (keeps every sum within int32). */
  maxEventsHeld: 10_000,
  maxAudienceReached: 1_000_000_000,
});

/** A campaign's period: [start, end) in absolute time. */
export interface Period {
  start: Date;
  end: Date;
}

// China Standard Time is UTC+8 all year (no daylight saving), so local midnight is 16:00 UTC the day before.
const CST_OFFSET_MS = 8 * 3600 * 1000;

function cstMidnight(year: number, month: number, day: number): Date {
  return new Date(Date.UTC(year, month - 1, day) - CST_OFFSET_MS);
}

/** The period of a calendar node in a year, from China Standard Time midnight to midnight. */
export function campaignPeriod(node: CalendarNode, year: number): Period {
  switch (node) {
    case "NATIONAL_CONSTITUTION_DAY": // 12月4日
      return { start: cstMidnight(year, 12, 4), end: cstMidnight(year, 12, 5) };
    case "CONSTITUTION_WEEK": // 12月1日至7日, the week around December 4
      return { start: cstMidnight(year, 12, 1), end: cstMidnight(year, 12, 8) };
    case "CIVIL_CODE_MONTH": // 五月
      return { start: cstMidnight(year, 5, 1), end: cstMidnight(year, 6, 1) };
  }
}

export function isWithin(period: Period, at: Date): boolean {
  const t = at.getTime();
  return t >= period.start.getTime() && t < period.end.getTime();
}

// ---- planning ----

export interface PlanRequest {
  calendarNode: CalendarNode | undefined;
  year: number;
  title: string;
  theme: string;
  targetJurisdictionCodes: readonly string[];
  reason: string;
}

export interface CampaignPlan {
  calendarNode: CalendarNode;
  year: number;
  title: string;
  theme: string;
  /** The districts it is pushed to, in code order; empty for a district's own campaign. */
  targets: string[];
  reason: string;
  period: Period;
}

/**
 * Checks a plan at a node. The city pushes its campaigns to districts (empty = all 16); a
 * district's campaign stays at the district, so it names no targets.
 */
export function validatePlan(r: PlanRequest, here: string, v = new Violations()): CampaignPlan {
  if (!r.calendarNode) v.add("calendar_node", `must be one of ${CALENDAR_NODES.join(", ")}`);
  if (!Number.isInteger(r.year) || r.year < CAMPAIGN_LIMITS.minYear || r.year > CAMPAIGN_LIMITS.maxYear)
    v.add("year", `must be a year between ${CAMPAIGN_LIMITS.minYear} and ${CAMPAIGN_LIMITS.maxYear}`);
  const title = textField(v, "title", r.title, { required: true, max: CAMPAIGN_LIMITS.titleChars });
  const theme = textField(v, "theme", r.theme, { required: false, max: CAMPAIGN_LIMITS.themeChars });
  const reason = textField(v, "reason", r.reason, { required: false, max: CAMPAIGN_LIMITS.reasonChars });
  let targets: string[] = [];
  if (here === CITY_JURISDICTION) {
    if (r.targetJurisdictionCodes.length === 0) targets = [...DISTRICT_CODES];
    else {
      const seen = new Map<string, number>();
      r.targetJurisdictionCodes.forEach((raw, i) => {
        const code = raw.trim();
        const field = `target_jurisdiction_codes[${i}]`;
        if (!isDistrictCode(code)) v.add(field, `"${raw}" is not one of the 16 district codes of Tianjin`);
        else if (seen.has(code)) v.add(field, `duplicate of target_jurisdiction_codes[${seen.get(code)}]`);
        else seen.set(code, i);
      });
      targets = [...seen.keys()].sort();
    }
  } else if (r.targetJurisdictionCodes.length > 0) {
    v.add("target_jurisdiction_codes", "must be empty at a district node: only the city pushes campaigns to districts");
  }
  v.throwIfAny();
  const calendarNode = r.calendarNode!;
  return { calendarNode, year: r.year, title, theme, targets, reason, period: campaignPeriod(calendarNode, r.year) };
}

// ---- lifecycle ----

/** The parts of a campaign that lifecycle decisions depend on. */
export interface CampaignState {
  campaignId: string;
  origin: CampaignOrigin;
  status: CampaignStatus;
  issuingJurisdictionCode: string;
}

function refuse(type: string, state: CampaignState, description: string): never {
  throw new FailedPreconditionError([{ type, subject: `campaign/${state.campaignId}`, description }]);
}

function assertIssuedHere(state: CampaignState, action: string): void {
  if (state.origin === "RECEIVED")
    refuse(
      "CAMPAIGN_RECEIVED",
      state,
      `cannot ${action}: the campaign was issued by ${state.issuingJurisdictionCode}, which alone can ${action} it`,
    );
}

/** PLANNED -> LAUNCHED, at the issuing node only. */
export function decideLaunch(state: CampaignState): CampaignStatus {
  assertIssuedHere(state, "launch");
  if (state.status !== "PLANNED")
    refuse("CAMPAIGN_NOT_PLANNED", state, `cannot launch: the campaign is already ${state.status.toLowerCase()}`);
  return "LAUNCHED";
}

/** LAUNCHED -> CLOSED, at the issuing node only. */
export function decideClose(state: CampaignState): CampaignStatus {
  assertIssuedHere(state, "close");
  if (state.status !== "LAUNCHED")
    refuse(
      "CAMPAIGN_NOT_LAUNCHED",
      state,
      state.status === "PLANNED" ? "cannot close: the campaign was never launched" : "cannot close: the campaign is already closed",
    );
  return "CLOSED";
}

/** Activities are reported only while the campaign runs. */
export function assertTakesReports(state: CampaignState): void {
  if (state.status !== "LAUNCHED")
    refuse(
      "CAMPAIGN_NOT_LAUNCHED",
      state,
      state.status === "PLANNED" ? "the campaign has not been launched yet" : "the campaign is closed; no more activity reports are taken",
    );
}

/** The roll-up is kept by the issuer; a district holding a city campaign sees only its own activities. */
export function assertKeepsRollUp(state: CampaignState): void {
  if (state.origin === "RECEIVED")
    refuse("CAMPAIGN_RECEIVED", state, `the roll-up of this campaign is kept by the issuing node ${state.issuingJurisdictionCode}`);
}

// ---- activities ----

export interface ActivityRequest {
  title: string;
  heldTime: Date | undefined;
  eventsHeld: number;
  /** int64 on the wire, a decimal string. */
  audienceReached: string;
  reason: string;
}

export interface ActivityReport {
  title: string;
  heldTime: Date;
  eventsHeld: number;
  audienceReached: number;
  reason: string;
}

const DIGITS = /^[0-9]{1,10}$/;

/** The audience of an activity: a whole number from 0 to 10^9, or undefined. */
export function parseAudience(value: string): number | undefined {
  const t = value.trim();
  if (!DIGITS.test(t)) return undefined;
  const n = Number(t);
  return n <= CAMPAIGN_LIMITS.maxAudienceReached ? n : undefined;
}

function checkActivityFields(
  v: Violations,
  prefix: string,
  a: { title: string; heldTime?: Date | undefined; eventsHeld: number; audienceReached: string },
): { title: string; audience: number | undefined } {
  const title = textField(v, `${prefix}title`, a.title, { required: true, max: CAMPAIGN_LIMITS.titleChars });
  if (!a.heldTime || Number.isNaN(a.heldTime.getTime())) v.add(`${prefix}held_time`, "is required");
  if (!Number.isInteger(a.eventsHeld) || a.eventsHeld < 1 || a.eventsHeld > CAMPAIGN_LIMITS.maxEventsHeld)
    v.add(`${prefix}events_held`, `must be between 1 and ${CAMPAIGN_LIMITS.maxEventsHeld}`);
  const audience = parseAudience(a.audienceReached);
  if (audience === undefined)
    v.add(`${prefix}audience_reached`, `must be a whole number between 0 and ${CAMPAIGN_LIMITS.maxAudienceReached}`);
  return { title, audience };
}

/** Field rules of an activity report that do not depend on the campaign. */
export function validateActivity(r: ActivityRequest, v = new Violations()): ActivityReport {
  const { title, audience } = checkActivityFields(v, "", r);
  const reason = textField(v, "reason", r.reason, { required: false, max: CAMPAIGN_LIMITS.reasonChars });
  v.throwIfAny();
  return { title, heldTime: r.heldTime!, eventsHeld: r.eventsHeld, audienceReached: audience!, reason };
}

/** An activity counts for a campaign only if it was held within the campaign's period. */
export function assertHeldWithin(period: Period, heldTime: Date, field = "held_time"): void {
  if (!isWithin(period, heldTime))
    throw new InvalidArgumentError([
      {
        field,
        description: `must lie within the campaign period ${period.start.toISOString()} to ${period.end.toISOString()} (end exclusive)`,
      },
    ]);
}

/** The issuing node's view of a campaign, to check an activity reported up from a district. */
export interface IssuedCampaign extends CampaignState {
  targets: readonly string[];
  period: Period;
}

export interface ReportedActivity {
  activityId: string;
  jurisdictionCode: string;
  title: string;
  heldTime?: Date | undefined;
  eventsHeld: number;
  audienceReached: string;
}

/**
 * Checks an activity a district reported up: the campaign must have been issued and launched
 * here, the reporting node must be the activity's jurisdiction and one of the targets, and the
 * activity must be well formed and held within the period. A report that arrives after the
 * campaign closed still counts when the activity was held within the period.
 */
export function checkReportedActivity(campaign: IssuedCampaign | undefined, here: string, fromNode: string, a: ReportedActivity): number {
  const fail = (field: string, description: string): never => {
    throw new InvalidArgumentError([{ field, description }], `refused activity report from ${fromNode}: ${field} ${description}`);
  };
  if (!campaign || campaign.origin !== "ISSUED" || campaign.issuingJurisdictionCode !== here)
    fail("data.campaign_id", `is not a campaign issued at ${here}`);
  if (campaign!.status === "PLANNED") fail("data.campaign_id", "names a campaign that has not been launched");
  if (a.jurisdictionCode !== fromNode) fail("data.activity.jurisdiction_code", `must be the reporting node ${fromNode}`);
  if (!campaign!.targets.includes(fromNode)) fail("data.activity.jurisdiction_code", `${fromNode} is not a target of this campaign`);
  const v = new Violations();
  const { audience } = checkActivityFields(v, "data.activity.", a);
  v.throwIfAny();
  if (!isWithin(campaign!.period, a.heldTime!)) fail("data.activity.held_time", "is outside the campaign period");
  return audience!;
}

// ---- roll-up ----

/** What one jurisdiction has reported under a campaign. */
export interface ReportedTotals {
  jurisdictionCode: string;
  activities: number;
  eventsHeld: number;
  audienceReached: bigint;
  lastReportTime: Date;
}

export interface JurisdictionTotals {
  jurisdictionCode: string;
  jurisdictionName: string;
  activities: number;
  eventsHeld: number;
  audienceReached: bigint;
  lastReportTime: Date | undefined;
}

export interface CampaignRollUp {
  /** The issuing node's own activities first, then each target district in code order. */
  jurisdictions: JurisdictionTotals[];
  /** Over every jurisdiction; named after the issuing node, whose whole area it covers. */
  total: JurisdictionTotals;
  /** Target districts that have reported nothing. */
  silentJurisdictionCodes: string[];
}

/** Totals per jurisdiction and overall; a jurisdiction that reported nothing counts zero. */
export function rollUp(issuing: string, targets: readonly string[], reported: readonly ReportedTotals[]): CampaignRollUp {
  const byCode = new Map(reported.map((r) => [r.jurisdictionCode, r]));
  const row = (code: string): JurisdictionTotals => {
    const r = byCode.get(code);
    return {
      jurisdictionCode: code,
      jurisdictionName: jurisdictionName(code),
      activities: r?.activities ?? 0,
      eventsHeld: r?.eventsHeld ?? 0,
      audienceReached: r?.audienceReached ?? 0n,
      lastReportTime: r?.lastReportTime,
    };
  };
  const districts = [...new Set(targets)].filter((c) => c !== issuing).sort();
  const jurisdictions = [row(issuing), ...districts.map(row)];
  const total: JurisdictionTotals = {
    jurisdictionCode: issuing,
    jurisdictionName: jurisdictionName(issuing),
    activities: 0,
    eventsHeld: 0,
    audienceReached: 0n,
    lastReportTime: undefined,
  };
  for (const j of jurisdictions) {
    total.activities += j.activities;
    total.eventsHeld += j.eventsHeld;
    total.audienceReached += j.audienceReached;
    if (j.lastReportTime && (!total.lastReportTime || j.lastReportTime > total.lastReportTime)) total.lastReportTime = j.lastReportTime;
  }
  return { jurisdictions, total, silentJurisdictionCodes: districts.filter((c) => !byCode.get(c)?.activities) };
}
