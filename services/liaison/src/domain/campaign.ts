/**
 * Legal-publicity campaigns (art. 7-8): calendar nodes and their periods, planning rules, the
 * campaign lifecycle, activity reports and the issuer's roll-up. Pure rules and decisions: no
 * I/O, time is passed in.
 */
import { CITY_JURISDICTION, DISTRICT_CODES, isDistrictCode, jurisdictionName } from "@jinlian/kernel";
import {
  FailedPreconditionError,
  InvalidArgumentError,
  isUuid,
  textField,
  Violations,
  violationsOf,
  type AuditMetadata,
  type FieldViolation,
  type Decision,
  type DecisionWithRevision,
  type EventToEmit,
} from "@jinlian/chassis";
import type { liaisonEventsV1 } from "@jinlian/proto";
import { BUILT_IN_CALENDAR_NODES, DEFAULT_CALENDAR, isBuiltInCalendarNode, type CampaignCalendar, type Period } from "./campaign-calendar";
import {
  audienceKindCodec,
  calendarNodeCodec,
  campaignActivityCorrected,
  campaignActivityReported,
  campaignActivityWithdrawn,
  campaignClosed,
  campaignLaunched,
} from "./campaign-events";

/** The built-in calendar nodes (the contract's CalendarNode enum); a node's calendar may hold more. */
export const CALENDAR_NODES = BUILT_IN_CALENDAR_NODES;
/** A calendar node's code in the node's calendar, e.g. "CONSTITUTION_WEEK". */
export type CalendarNode = string;
export type CampaignStatus = "PLANNED" | "LAUNCHED" | "CLOSED";
/** ISSUED: planned at this node. RECEIVED: pushed to this district by the city. */
export type CampaignOrigin = "ISSUED" | "RECEIVED";
/** Whom a campaign addresses. */
export const AUDIENCE_KINDS = ["ENTERPRISES", "CHAMBERS_OF_COMMERCE", "ENTREPRENEURS", "STAFF", "GENERAL_PUBLIC"] as const;
export type AudienceKind = (typeof AUDIENCE_KINDS)[number];

export const CAMPAIGN_LIMITS = Object.freeze({
  titleChars: 200,
  themeChars: 500,
  reasonChars: 500,
  minYear: 2000,
  maxYear: 2999,
  /** A single reported activity bundles at most this many events (keeps every sum within int32). */
  maxEventsHeld: 10_000,
  maxAudienceReached: 1_000_000_000,
  maxTopicTags: 20,
  topicTagChars: 50,
  maxCoOrganisers: 20,
});

export type { Period };

/** The period of a calendar node in a year, from China Standard Time midnight to midnight. */
export function campaignPeriod(node: CalendarNode, year: number, calendar: CampaignCalendar = DEFAULT_CALENDAR): Period {
  return calendar.period(node, year);
}

export function isWithin(period: Period, at: Date): boolean {
  const t = at.getTime();
  return t >= period.start.getTime() && t < period.end.getTime();
}

// ---- planning ----

export interface PlanRequest {
  /** A built-in node from the contract's enum (undefined: unspecified or unknown). */
  calendarNode: CalendarNode | undefined;
  /** A node of the calendar by code ("" when not given). */
  calendarNodeCode?: string;
  year: number;
  title: string;
  theme: string;
  targetJurisdictionCodes: readonly string[];
  reason: string;
  topicTags?: readonly string[];
  /** undefined where the contract's value was unspecified or unknown. */
  audienceKinds?: readonly (AudienceKind | undefined)[];
}

export interface CampaignPlan {
  calendarNode: CalendarNode;
  calendarNodeName: string;
  year: number;
  title: string;
  theme: string;
  /** The districts it is pushed to, in code order; empty for a district's own campaign. */
  targets: string[];
  reason: string;
  period: Period;
  topicTags: string[];
  audienceKinds: AudienceKind[];
}

/** Laws or topics: trimmed, non-empty, at most 20 of at most 50 characters, no duplicates. */
function checkTopicTags(v: Violations, tags: readonly string[]): string[] {
  if (tags.length > CAMPAIGN_LIMITS.maxTopicTags) v.add("topic_tags", `must be at most ${CAMPAIGN_LIMITS.maxTopicTags} tags`);
  const seen = new Map<string, number>();
  tags.forEach((raw, i) => {
    const tag = textField(v, `topic_tags[${i}]`, raw, { required: true, max: CAMPAIGN_LIMITS.topicTagChars });
    if (tag && seen.has(tag)) v.add(`topic_tags[${i}]`, `duplicate of topic_tags[${seen.get(tag)}]`);
    else if (tag) seen.set(tag, i);
  });
  return [...seen.keys()];
}

function checkAudienceKinds(v: Violations, kinds: readonly (AudienceKind | undefined)[]): AudienceKind[] {
  const seen = new Map<AudienceKind, number>();
  kinds.forEach((k, i) => {
    if (!k) v.add(`audience_kinds[${i}]`, `must be one of ${AUDIENCE_KINDS.join(", ")}`);
    else if (seen.has(k)) v.add(`audience_kinds[${i}]`, `duplicate of audience_kinds[${seen.get(k)}]`);
    else seen.set(k, i);
  });
  return [...seen.keys()];
}

/** The calendar node a plan names: by enum or by code (both must agree), from the node's calendar. */
function checkCalendarNode(v: Violations, r: PlanRequest, calendar: CampaignCalendar): CalendarNode | undefined {
  const code = (r.calendarNodeCode ?? "").trim();
  if (code === "") {
    if (!r.calendarNode) v.add("calendar_node", `must be one of ${CALENDAR_NODES.join(", ")}, or give calendar_node_code`);
    else if (calendar.node(r.calendarNode)) return r.calendarNode;
    return undefined;
  }
  if (!calendar.node(code)) {
    v.add("calendar_node_code", `is not a node of this calendar (${calendar.nodes.map((n) => n.code).join(", ")})`);
    return undefined;
  }
  if (r.calendarNode && r.calendarNode !== code) {
    v.add("calendar_node_code", `names another calendar node than calendar_node (${r.calendarNode})`);
    return undefined;
  }
  return code;
}

/**
 * Checks a plan at a node. The city pushes its campaigns to districts (empty = all 16); a
 * district's campaign stays at the district, so it names no targets.
 */
export function validatePlan(
  r: PlanRequest,
  here: string,
  v = new Violations(),
  calendar: CampaignCalendar = DEFAULT_CALENDAR,
): CampaignPlan {
  const calendarNode = checkCalendarNode(v, r, calendar);
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
  const topicTags = checkTopicTags(v, r.topicTags ?? []);
  const audienceKinds = checkAudienceKinds(v, r.audienceKinds ?? []);
  v.throwIfAny();
  return {
    calendarNode: calendarNode!,
    calendarNodeName: calendar.node(calendarNode!)!.name,
    year: r.year,
    title,
    theme,
    targets,
    reason,
    period: calendar.period(calendarNode!, r.year),
    topicTags,
    audienceKinds,
  };
}

/** What a list of campaigns may be narrowed to (unset: any). */
export interface CampaignListFilter {
  calendarNode?: CalendarNode;
  year?: number;
  status?: CampaignStatus;
  origin?: CampaignOrigin;
  /** Campaigns concerning this district (one of their targets). */
  targetJurisdictionCode?: string;
  topicTag?: string;
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

/** Reports are corrected or withdrawn while the campaign runs and after it closed (a figure found wrong later). */
export function assertTakesCorrections(state: CampaignState): void {
  if (state.status === "PLANNED") refuse("CAMPAIGN_NOT_LAUNCHED", state, "the campaign has not been launched yet");
}

/** The roll-up is kept by the issuer; a district holding a city campaign sees only its own activities. */
export function assertKeepsRollUp(state: CampaignState): void {
  if (state.origin === "RECEIVED")
    refuse("CAMPAIGN_RECEIVED", state, `the roll-up of this campaign is kept by the issuing node ${state.issuingJurisdictionCode}`);
}

// ---- activities ----

export interface ActivityRequest {
  title: string;
  heldTime?: Date | undefined;
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

/** Field rules of an activity report (or correction: the reason is required) that do not depend on the campaign. */
export function validateActivity(r: ActivityRequest, v = new Violations(), reasonRequired = false): ActivityReport {
  const { title, audience } = checkActivityFields(v, "", r);
  const reason = textField(v, "reason", r.reason, { required: reasonRequired, max: CAMPAIGN_LIMITS.reasonChars });
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

/**
 * What each jurisdiction has reported, from the activities as they stand: the current revision of
 * every activity that is not withdrawn. The roll-up is a function of the current reports, so a
 * mistyped figure, once corrected or withdrawn, leaves no trace in it.
 */
export function totalsOf(activities: readonly Activity[]): ReportedTotals[] {
  const by = new Map<string, ReportedTotals>();
  for (const a of activities) {
    if (a.withdrawn) continue;
    const t = by.get(a.jurisdictionCode) ?? {
      jurisdictionCode: a.jurisdictionCode,
      activities: 0,
      eventsHeld: 0,
      audienceReached: 0n,
      lastReportTime: new Date(0),
    };
    t.activities += 1;
    t.eventsHeld += a.eventsHeld;
    t.audienceReached += BigInt(a.audienceReached);
    const at = lastChange(a);
    if (at > t.lastReportTime) t.lastReportTime = at;
    by.set(a.jurisdictionCode, t);
  }
  return [...by.values()];
}

/** When an activity's current revision was made: the report, or its latest correction. */
export function lastChange(a: Activity): Date {
  return (a.revised ?? a.reported).occurTime;
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

// ---- the aggregate and its decisions ----

/** A campaign as held at this node. Activities are kept apart: reporting one does not change it. */
export interface Campaign extends IssuedCampaign {
  calendarNode: CalendarNode;
  calendarNodeName: string;
  year: number;
  title: string;
  theme: string;
  topicTags: readonly string[];
  audienceKinds: readonly AudienceKind[];
  /** Co-organisers (协办单位); the ids only at the issuing node. */
  coOrganisers: readonly OrganiserRef[];
  revision: number;
  createdAt: Date;
  updatedAt: Date;
}

/** The organisation that held an activity, as the contract names it (the id only at its own node). */
export interface OrganiserRef {
  organisationId?: string | undefined;
  creditCode: string;
  jurisdictionCode: string;
  name: string;
}

/** The figures of an activity, as reported or corrected. */
export interface ActivityFigures {
  title: string;
  heldTime: Date;
  eventsHeld: number;
  audienceReached: number;
  organiser?: OrganiserRef | undefined;
}

/** An earlier revision of an activity, as it stood, and who made it. */
export interface ActivityVersion extends ActivityFigures {
  revision: number;
  made: AuditMetadata;
}

/**
 * An activity held under a campaign at its current revision; `reported` is who reported it, why,
 * when and where, `revised` who made the latest correction or withdrawal; `history` the earlier
 * revisions, oldest first.
 */
export interface Activity extends ActivityFigures {
  activityId: string;
  campaignId: string;
  jurisdictionCode: string;
  reported: AuditMetadata;
  revision: number;
  withdrawn: boolean;
  revised?: AuditMetadata | undefined;
  history: readonly ActivityVersion[];
}

/** A decision that records an activity: the campaign itself keeps its revision. */
export interface ActivityDecision {
  readonly activity: Activity;
  readonly action: string;
  readonly events: readonly EventToEmit[];
}

/** An organisation of the registry, as a report's organiser. */
export interface Organiser extends OrganiserRef {
  organisationId: string;
  status: "ACTIVE" | "DEACTIVATED";
}

/** What every decision made here is given besides the command: who acts, why, when and where. */
export interface CampaignContext {
  by: AuditMetadata;
}

/** A registered organisation taking a role must be active: a deactivated one takes no new roles. */
function assertActive(o: Organiser): void {
  if (o.status !== "ACTIVE")
    throw new FailedPreconditionError([
      { type: "ORGANISATION_DEACTIVATED", subject: `organisation/${o.organisationId}`, description: `${o.name} is deactivated` },
    ]);
}

const refOf = (o: Organiser): OrganiserRef => ({
  organisationId: o.organisationId,
  creditCode: o.creditCode,
  jurisdictionCode: o.jurisdictionCode,
  name: o.name,
});

/**
 * A new campaign, PLANNED at this node. Several campaigns may share a calendar node and year
 * (the city's and a chamber-focused one, say). Co-organisers (resolved by the registry, in the
 * order given) must be active.
 */
export function decidePlan(
  plan: CampaignPlan,
  coOrganisers: readonly Organiser[],
  ctx: CampaignContext & { campaignId: string },
): Decision<Campaign> {
  const here = ctx.by.jurisdictionCode;
  coOrganisers.forEach(assertActive);
  const at = ctx.by.occurTime;
  return {
    state: {
      campaignId: ctx.campaignId,
      calendarNode: plan.calendarNode,
      calendarNodeName: plan.calendarNodeName,
      year: plan.year,
      title: plan.title,
      theme: plan.theme,
      topicTags: plan.topicTags,
      audienceKinds: plan.audienceKinds,
      coOrganisers: coOrganisers.map(refOf),
      period: plan.period,
      status: "PLANNED",
      origin: "ISSUED",
      issuingJurisdictionCode: here,
      targets: plan.targets,
      revision: 0,
      createdAt: at,
      updatedAt: at,
    },
    action: "PlanCampaign",
    events: [],
  };
}

/** PLANNED -> LAUNCHED (rules: decideLaunch); the event carries the campaign at its new revision. */
export function decideLaunchCampaign(campaign: Campaign, ctx: CampaignContext): DecisionWithRevision<Campaign> {
  const status = decideLaunch(campaign);
  return {
    state: { ...campaign, status, updatedAt: ctx.by.occurTime },
    action: "LaunchCampaign",
    events: (after) => [campaignLaunched(after, ctx.by)],
  };
}

/** LAUNCHED -> CLOSED (rules: decideClose); the target districts stop taking reports. */
export function decideCloseCampaign(campaign: Campaign, ctx: CampaignContext): Decision<Campaign> {
  const status = decideClose(campaign);
  const state = { ...campaign, status, updatedAt: ctx.by.occurTime };
  return { state, action: "CloseCampaign", events: [campaignClosed(state, ctx.by)] };
}

/**
 * Records an activity held here under a launched campaign, within its period, by an active
 * registered organiser when one is named (`organiser` = the registry's answer, undefined when
 * not registered). At a district, an activity under a campaign received from the city is also
 * reported up to the city, which keeps the roll-up.
 */
export function decideReport(
  campaign: Campaign,
  report: ActivityReport,
  organiserId: string,
  organiser: Organiser | undefined,
  ctx: CampaignContext & { activityId: string },
): ActivityDecision {
  assertTakesReports(campaign);
  assertHeldWithin(campaign.period, report.heldTime);
  const activity: Activity = {
    activityId: ctx.activityId,
    campaignId: campaign.campaignId,
    jurisdictionCode: ctx.by.jurisdictionCode,
    ...figuresOf(report, organiserId, organiser),
    reported: ctx.by,
    revision: 1,
    withdrawn: false,
    history: [],
  };
  const events = campaign.origin === "RECEIVED" ? [campaignActivityReported(campaign, activity)] : [];
  return { activity, action: "ReportCampaignActivity", events };
}

/** The figures of a report or correction, with its organiser (registered: INVALID_ARGUMENT; active: FAILED_PRECONDITION). */
function figuresOf(report: ActivityReport, organiserId: string, organiser: Organiser | undefined): ActivityFigures {
  if (organiserId && !organiser)
    throw new InvalidArgumentError([{ field: "organiser_organisation_id", description: "is not a registered organisation" }]);
  if (organiser) assertActive(organiser);
  return {
    title: report.title,
    heldTime: report.heldTime,
    eventsHeld: report.eventsHeld,
    audienceReached: report.audienceReached,
    organiser: organiser && refOf(organiser),
  };
}

/**
 * What may be revised: an activity reported at this node (the reporting node alone knows the
 * right figures), not withdrawn (a withdrawal is final), of a launched or closed campaign.
 */
function assertRevisable(campaign: Campaign, activity: Activity, here: string): void {
  const subject = `campaign/${campaign.campaignId}/activities/${activity.activityId}`;
  if (activity.jurisdictionCode !== here)
    throw new FailedPreconditionError([
      {
        type: "ACTIVITY_REPORTED_ELSEWHERE",
        subject,
        description: `the activity was reported by ${activity.jurisdictionCode}, which alone can correct or withdraw it`,
      },
    ]);
  if (activity.withdrawn)
    throw new FailedPreconditionError([{ type: "ACTIVITY_WITHDRAWN", subject, description: "the activity was withdrawn; that is final" }]);
  assertTakesCorrections(campaign);
}

/** The activity's current revision, as history. */
function versionOf(a: Activity): ActivityVersion {
  return {
    revision: a.revision,
    title: a.title,
    heldTime: a.heldTime,
    eventsHeld: a.eventsHeld,
    audienceReached: a.audienceReached,
    organiser: a.organiser,
    made: a.revised ?? a.reported,
  };
}

/**
 * Corrects an activity reported here: the corrected report replaces every figure at the next
 * revision, the earlier revision is kept as history. At a district, a correction under a campaign
 * received from the city goes up, and the city's roll-up follows.
 */
export function decideCorrectActivity(
  campaign: Campaign,
  activity: Activity,
  report: ActivityReport,
  organiserId: string,
  organiser: Organiser | undefined,
  ctx: CampaignContext,
): ActivityDecision {
  assertRevisable(campaign, activity, ctx.by.jurisdictionCode);
  assertHeldWithin(campaign.period, report.heldTime);
  const corrected: Activity = {
    ...activity,
    ...figuresOf(report, organiserId, organiser),
    revision: activity.revision + 1,
    revised: ctx.by,
    history: [...activity.history, versionOf(activity)],
  };
  const events = campaign.origin === "RECEIVED" ? [campaignActivityCorrected(campaign, corrected)] : [];
  return { activity: corrected, action: "CorrectCampaignActivity", events };
}

/** Withdraws an activity reported here: kept on record, it counts in no roll-up; at a district it goes up. */
export function decideWithdrawActivity(campaign: Campaign, activity: Activity, ctx: CampaignContext): ActivityDecision {
  assertRevisable(campaign, activity, ctx.by.jurisdictionCode);
  const withdrawn: Activity = {
    ...activity,
    withdrawn: true,
    revision: activity.revision + 1,
    revised: ctx.by,
    history: [...activity.history, versionOf(activity)],
  };
  const events = campaign.origin === "RECEIVED" ? [campaignActivityWithdrawn(campaign, withdrawn)] : [];
  return { activity: withdrawn, action: "WithdrawCampaignActivity", events };
}

// ---- deliveries from other nodes (malformed ones are refused and dead-lettered) ----

/** An event delivered from another node, as the decisions about it need it. */
export interface Delivery<T> {
  type: string;
  id: string;
  /** The event's source, and the sending node named by it. */
  source: string;
  from: string;
  time: Date;
  data: T;
}

export function malformed(event: { type: string; id: string }, field: string, description: string): InvalidArgumentError {
  return new InvalidArgumentError([{ field, description }], `refused ${event.type} ${event.id}: ${field} ${description}`);
}

/** The campaign id a delivery names must be a UUID (it is looked up by it). */
export function checkDeliveredCampaignId(d: Delivery<{ campaignId: string }>): void {
  if (!isUuid(d.data.campaignId)) throw malformed(d, "data.campaign_id", "must be a UUID");
}

/**
 * The municipal campaign a district received at launch, checked, as the district holds it:
 * RECEIVED, LAUNCHED, at revision 1 (set by the kit), created when the city launched it.
 */
export function receivedCampaign(d: Delivery<liaisonEventsV1.CampaignLaunched>, here: string, now: Date): Campaign {
  const e = d.data;
  const c = e.campaign;
  checkDeliveredCampaignId(d);
  if (!c || c.campaignId !== e.campaignId) throw malformed(d, "data.campaign", "must be the campaign named by campaign_id");
  if (d.from !== CITY_JURISDICTION || c.issuingJurisdictionCode !== d.from)
    throw malformed(d, "data.campaign.issuing_jurisdiction_code", `must be the city ${CITY_JURISDICTION}, which sent it`);
  // The code names the node in the city's calendar, which this node's may not hold; the enum alone
  // comes from events of before configurable calendars.
  const calendarNode = c.calendarNodeCode || calendarNodeCodec.fromProto(c.calendarNode);
  if (!calendarNode || !/^[A-Z][A-Z0-9_]{1,63}$/.test(calendarNode))
    throw malformed(d, "data.campaign.calendar_node_code", `unknown calendar node ${c.calendarNodeCode || c.calendarNode}`);
  if (!Number.isInteger(c.year) || c.year < CAMPAIGN_LIMITS.minYear || c.year > CAMPAIGN_LIMITS.maxYear)
    throw malformed(d, "data.campaign.year", "must be a year between 2000 and 2999");
  if (c.title.trim() === "") throw malformed(d, "data.campaign.title", "is required");
  if (!c.targetJurisdictionCodes.every(isDistrictCode))
    throw malformed(d, "data.campaign.target_jurisdiction_codes", "must all be district codes");
  if (!c.targetJurisdictionCodes.includes(here))
    throw malformed(d, "data.campaign.target_jurisdiction_codes", `does not include this node ${here}`);
  // The period is the city's (its calendar may set dates this node's does not know).
  if (!c.startTime || !c.endTime || !(c.startTime < c.endTime))
    throw malformed(d, "data.campaign.end_time", "must be after start_time, both set");
  const audienceKinds = c.audienceKinds.map((k) => audienceKindCodec.fromProto(k));
  if (audienceKinds.some((k) => k === undefined)) throw malformed(d, "data.campaign.audience_kinds", "holds an unknown value");
  return {
    campaignId: e.campaignId,
    calendarNode,
    calendarNodeName:
      c.calendarNodeName || (isBuiltInCalendarNode(calendarNode) ? DEFAULT_CALENDAR.node(calendarNode)!.name : calendarNode),
    year: c.year,
    title: c.title,
    theme: c.theme,
    topicTags: [...c.topicTags],
    audienceKinds: audienceKinds as AudienceKind[],
    coOrganisers: c.coOrganisers.map((o) => ({ creditCode: o.creditCode, jurisdictionCode: o.jurisdictionCode, name: o.name })),
    period: { start: c.startTime, end: c.endTime },
    status: "LAUNCHED",
    origin: "RECEIVED",
    issuingJurisdictionCode: d.from,
    targets: [...new Set(c.targetJurisdictionCodes)].sort(),
    revision: 0,
    createdAt: e.audit?.occurTime ?? d.time,
    updatedAt: now,
  };
}

/**
 * Takes a received campaign (`existing`: one with its id held here already). A repeat changes
 * nothing (undefined); an id of a campaign issued here is malformed.
 */
export function decideReceiveCampaign(
  existing: Campaign | undefined,
  received: Campaign,
  d: Delivery<unknown>,
): Decision<Campaign> | undefined {
  if (existing) {
    if (existing.origin === "RECEIVED") return undefined;
    throw malformed(d, "data.campaign_id", "names a campaign issued at this node");
  }
  return { state: received, action: "CampaignLaunched", events: [] };
}

/** The city closed a campaign this district received: no more reports are taken here. A repeat changes nothing. */
export function decideReceivedClose(
  campaign: Campaign | undefined,
  d: Delivery<liaisonEventsV1.CampaignClosed>,
  now: Date,
): Decision<Campaign> | undefined {
  if (!campaign || campaign.origin !== "RECEIVED" || campaign.issuingJurisdictionCode !== d.from)
    throw malformed(d, "data.campaign_id", `is not a campaign this node received from ${d.from}`);
  if (campaign.status === "CLOSED") return undefined;
  return { state: { ...campaign, status: "CLOSED", updatedAt: now }, action: "CampaignClosed", events: [] };
}

/**
 * The rules a corrected or withdrawn activity delivered from a district meets (those of a
 * correction over gRPC: the reason is required), as field violations under `data.activity.`.
 */
export function revisedActivityViolations(a: liaisonEventsV1.CampaignActivityCorrected["activity"]): FieldViolation[] {
  if (!a) return [{ field: "data.activity", description: "is required" }];
  return violationsOf(
    () =>
      validateActivity(
        {
          title: a.title,
          heldTime: a.heldTime,
          eventsHeld: a.eventsHeld,
          audienceReached: a.audienceReached,
          reason: a.revisionAudit?.reason ?? "",
        },
        new Violations(),
        true,
      ),
    "data.activity.",
  );
}

/** The activity id of a reported activity must be a UUID (a repeat is recognised by it). */
export function checkDeliveredActivity(d: Delivery<liaisonEventsV1.CampaignActivityReported>): ReportedActivity & { activityId: string } {
  checkDeliveredCampaignId(d);
  const a = d.data.activity;
  if (!a || !isUuid(a.activityId)) throw malformed(d, "data.activity.activity_id", "must be a UUID");
  return a;
}

/**
 * The issuing city takes an activity a target district reported (rules: checkReportedActivity),
 * as reported: who, why and when come from the district; the organiser's id is the district
 * registry's own, so only its reference is kept.
 */
export function decideReceivedActivity(
  campaign: Campaign | undefined,
  here: string,
  d: Delivery<liaisonEventsV1.CampaignActivityReported>,
): ActivityDecision {
  const a = checkDeliveredActivity(d);
  const audience = checkReportedActivity(campaign, here, d.from, a);
  const audit = d.data.activity?.audit;
  const organiser = d.data.activity?.organiser;
  const activity: Activity = {
    activityId: a.activityId,
    campaignId: d.data.campaignId,
    jurisdictionCode: a.jurisdictionCode,
    title: a.title.trim(),
    heldTime: a.heldTime!,
    eventsHeld: a.eventsHeld,
    audienceReached: audience,
    organiser: organiser && { creditCode: organiser.creditCode, jurisdictionCode: organiser.jurisdictionCode, name: organiser.name },
    reported: stampOf(audit, d),
    revision: 1,
    withdrawn: false,
    history: [],
  };
  return { activity, action: "CampaignActivityReported", events: [] };
}

/** Who did something at the sending node, from an event's audit (or the event itself). */
function stampOf(audit: Partial<AuditMetadata> | undefined, d: Delivery<unknown>): AuditMetadata {
  return {
    actor: audit?.actor || d.source,
    reason: audit?.reason ?? "",
    requestId: audit?.requestId ?? "",
    occurTime: audit?.occurTime ?? d.time,
    jurisdictionCode: audit?.jurisdictionCode || d.from,
  };
}

/**
 * The issuing city takes a correction or withdrawal a target district made of an activity it
 * reported (`held`: the activity as the city holds it, if at all). The event carries the activity
 * at its new revision; the city keeps the highest revision it has seen, so a repeat or a stale
 * event changes nothing (undefined), and one that overtakes the original report still counts.
 * The revision the city held goes to history. A withdrawal must say so, a correction must not.
 */
export function decideReceivedRevision(
  campaign: Campaign | undefined,
  held: Activity | undefined,
  here: string,
  d: Delivery<liaisonEventsV1.CampaignActivityCorrected | liaisonEventsV1.CampaignActivityWithdrawn>,
  withdrawal: boolean,
): ActivityDecision | undefined {
  const a = checkDeliveredActivity(d);
  const audience = checkReportedActivity(campaign, here, d.from, a);
  const e = d.data.activity!;
  if (!Number.isInteger(e.revision) || e.revision < 2)
    throw malformed(d, "data.activity.revision", "must be 2 or more: a revision of a report");
  if (e.withdrawn !== withdrawal) throw malformed(d, "data.activity.withdrawn", withdrawal ? "must be true" : "must be false");
  if (held && (held.jurisdictionCode !== a.jurisdictionCode || held.campaignId !== d.data.campaignId))
    throw malformed(d, "data.activity.activity_id", `names an activity of another campaign or jurisdiction`);
  if (held && held.revision >= e.revision) return undefined;
  const reported = held?.reported ?? stampOf(e.audit, d);
  const activity: Activity = {
    activityId: a.activityId,
    campaignId: d.data.campaignId,
    jurisdictionCode: a.jurisdictionCode,
    title: a.title.trim(),
    heldTime: a.heldTime!,
    eventsHeld: a.eventsHeld,
    audienceReached: audience,
    organiser: e.organiser && {
      creditCode: e.organiser.creditCode,
      jurisdictionCode: e.organiser.jurisdictionCode,
      name: e.organiser.name,
    },
    reported,
    revision: e.revision,
    withdrawn: withdrawal,
    revised: stampOf(e.revisionAudit, d),
    history: held ? [...held.history, versionOf(held)] : [],
  };
  return { activity, action: withdrawal ? "CampaignActivityWithdrawn" : "CampaignActivityCorrected", events: [] };
}
