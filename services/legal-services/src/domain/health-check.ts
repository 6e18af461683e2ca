/**
 * 法治体检 legal health checks (art. 13): pure rules, no I/O. A campaign targets enterprises with a
 * checklist; findings carry a risk level; follow-ups have due dates and raise an alert once per
 * due date when still open past it. Always free of charge (公益法律服务).
 */
import {
  checkExpectedRevision,
  emit,
  enumCodec,
  FailedPreconditionError,
  InvalidArgumentError,
  legalServicesEvents,
  toLocal,
  Violations,
  type DecisionWithRevision,
  type EventToEmit,
  type PreconditionViolation,
} from "@jinlian/chassis";
import { legalServicesV1 } from "@jinlian/proto";
import { creditCodeField, jurisdictionField, orgToProto, type DecisionContext, type OrgRef } from "./common";
import type { RegistryOrganisation } from "./provider";

export type RiskLevel = "LOW" | "MEDIUM" | "HIGH";
export const riskLevelCodec = enumCodec(legalServicesV1.RiskLevel, "RISK_LEVEL_", ["LOW", "MEDIUM", "HIGH"] as const);
export const campaignStatusCodec = enumCodec(legalServicesV1.HealthCheckCampaignStatus, "HEALTH_CHECK_CAMPAIGN_STATUS_", [
  "OPEN",
  "CLOSED",
] as const);

export interface ChecklistItem {
  itemId: string;
  text: string;
}
export interface Finding {
  findingId: string;
  enterprise: OrgRef;
  itemId: string;
  riskLevel: RiskLevel;
  description: string;
  recordedAt: Date;
}
export interface FollowUp {
  followUpId: string;
  findingId: string;
  action: string;
  dueAt: Date;
  doneAt: Date | null;
  note: string;
}
export interface HealthCheckCampaign {
  campaignId: string;
  title: string;
  districtCode: string;
  organiser: OrgRef;
  targets: OrgRef[];
  checklist: ChecklistItem[];
  findings: Finding[];
  followUps: FollowUp[];
  status: "OPEN" | "CLOSED";
  revision: number;
  createdAt: Date;
  closedAt: Date | null;
}

export const HEALTH_CHECK_LIMITS = Object.freeze({ targets: 500, checklist: 100, itemText: 200, findings: 5000, text: 2000 });
const ORGANISERS = ["JUSTICE_BUREAU", "FEDERATION", "CHAMBER_OF_COMMERCE", "LEGAL_SERVICE_CENTER"];

export interface CampaignInput {
  title: string;
  districtCode: string;
  organiserCreditCode: string;
  targetCreditCodes: string[];
  checklist: string[];
}

export function checkCampaign(input: CampaignInput): CampaignInput {
  const v = new Violations();
  const title = input.title.trim();
  if (!title) v.add("title", "is required");
  else if ([...title].length > 200) v.add("title", "must be at most 200 characters");
  const districtCode = jurisdictionField(v, "district_code", input.districtCode);
  const organiserCreditCode = creditCodeField(v, "organiser_credit_code", input.organiserCreditCode);
  if (input.targetCreditCodes.length === 0) v.add("target_credit_codes", "must list at least one enterprise");
  if (input.targetCreditCodes.length > HEALTH_CHECK_LIMITS.targets)
    v.add("target_credit_codes", `must list at most ${HEALTH_CHECK_LIMITS.targets}`);
  const targetCreditCodes = input.targetCreditCodes.map((c, i) => creditCodeField(v, `target_credit_codes[${i}]`, c));
  if (input.checklist.length === 0) v.add("checklist", "must list at least one item");
  if (input.checklist.length > HEALTH_CHECK_LIMITS.checklist) v.add("checklist", `must list at most ${HEALTH_CHECK_LIMITS.checklist}`);
  const checklist = input.checklist.map((t, i) => {
    const text = t.trim();
    if (!text) v.add(`checklist[${i}]`, "is required");
    else if ([...text].length > HEALTH_CHECK_LIMITS.itemText)
      v.add(`checklist[${i}]`, `must be at most ${HEALTH_CHECK_LIMITS.itemText} characters`);
    return text;
  });
  v.throwIfAny();
  return { title, districtCode, organiserCreditCode, targetCreditCodes: [...new Set(targetCreditCodes)], checklist };
}

const refOf = (o: RegistryOrganisation): OrgRef => ({ creditCode: o.creditCode, jurisdictionCode: o.jurisdictionCode, name: o.name });

/** A new campaign under `campaignId`, drawn by the caller so a retried request finds it. */
export function decideCampaign(
  campaignId: string,
  c: CampaignInput,
  registry: ReadonlyMap<string, RegistryOrganisation>,
  ctx: DecisionContext,
): DecisionWithRevision<HealthCheckCampaign> {
  const v = new Violations();
  const inactive: PreconditionViolation[] = [];
  const known = (field: string, code: string, types: string[]): RegistryOrganisation | undefined => {
    const o = registry.get(code);
    if (!o) v.add(field, "is not an organisation of this node's liaison registry");
    else if (!types.includes(o.type)) v.add(field, `must be a ${types.join(" or ")}, not ${o.type}`);
    else if (!o.active)
      inactive.push({
        type: "ORGANISATION_DEACTIVATED",
        subject: `organisation/${code}`,
        description: `${field}: ${o.name} is deactivated`,
      });
    return o;
  };
  const organiser = known("organiser_credit_code", c.organiserCreditCode, ORGANISERS);
  const targets = c.targetCreditCodes.map((code, i) => known(`target_credit_codes[${i}]`, code, ["ENTERPRISE"]));
  v.throwIfAny();
  if (inactive.length > 0) throw new FailedPreconditionError(inactive);
  const campaign: HealthCheckCampaign = {
    campaignId,
    title: c.title,
    districtCode: c.districtCode,
    organiser: refOf(organiser!),
    targets: targets.map((t) => refOf(t!)),
    checklist: c.checklist.map((text) => ({ itemId: ctx.newId(), text })),
    findings: [],
    followUps: [],
    status: "OPEN",
    revision: 1,
    createdAt: ctx.now,
    closedAt: null,
  };
  return { state: campaign, action: "CreateHealthCheckCampaign", events: [] };
}

const refuse = (c: HealthCheckCampaign, description: string) =>
  new FailedPreconditionError([{ type: "STATE", subject: `health_check_campaign/${c.campaignId}`, description }]);

function text(v: Violations, field: string, value: string, max: number): string {
  const t = value.trim();
  if (!t) v.add(field, "is required");
  else if ([...t].length > max) v.add(field, `must be at most ${max} characters`);
  return t;
}

export function decideFinding(
  c: HealthCheckCampaign,
  f: { enterpriseCreditCode: string; itemId: string; riskLevel: RiskLevel | undefined; description: string },
  expectedRevision: number,
  ctx: DecisionContext,
): { decision: DecisionWithRevision<HealthCheckCampaign>; findingId: string } {
  const v = new Violations();
  const code = creditCodeField(v, "enterprise_credit_code", f.enterpriseCreditCode);
  const enterprise = c.targets.find((t) => t.creditCode === code);
  if (code && !enterprise) v.add("enterprise_credit_code", "is not a target of the campaign");
  if (!c.checklist.some((i) => i.itemId === f.itemId)) v.add("item_id", "is not an item of the campaign's checklist");
  if (!f.riskLevel) v.add("risk_level", "is required: RISK_LEVEL_LOW, RISK_LEVEL_MEDIUM or RISK_LEVEL_HIGH");
  const description = text(v, "description", f.description, HEALTH_CHECK_LIMITS.text);
  v.throwIfAny();
  checkExpectedRevision("health_check_campaign", c.campaignId, c.revision, expectedRevision);
  if (c.status !== "OPEN") throw refuse(c, "the campaign is closed: it takes no new findings");
  if (c.findings.length >= HEALTH_CHECK_LIMITS.findings) throw refuse(c, `at most ${HEALTH_CHECK_LIMITS.findings} findings per campaign`);
  const findingId = ctx.newId();
  const next = {
    ...c,
    findings: [
      ...c.findings,
      { findingId, enterprise: enterprise!, itemId: f.itemId, riskLevel: f.riskLevel!, description, recordedAt: ctx.now },
    ],
  };
  return { decision: { state: next, action: "RecordHealthCheckFinding", events: [] }, findingId };
}

export function decideFollowUp(
  c: HealthCheckCampaign,
  f: { findingId: string; action: string; dueAt: Date | undefined },
  expectedRevision: number,
  ctx: DecisionContext,
): { decision: DecisionWithRevision<HealthCheckCampaign>; followUpId: string } {
  const v = new Violations();
  if (!c.findings.some((x) => x.findingId === f.findingId)) v.add("finding_id", "is not a finding of the campaign");
  const action = text(v, "action", f.action, 500);
  if (!f.dueAt || Number.isNaN(f.dueAt.getTime())) v.add("due_time", "is required");
  v.throwIfAny();
  checkExpectedRevision("health_check_campaign", c.campaignId, c.revision, expectedRevision);
  if (c.status !== "OPEN") throw refuse(c, "the campaign is closed: it takes no new follow-ups");
  const followUpId = ctx.newId();
  const next = {
    ...c,
    followUps: [...c.followUps, { followUpId, findingId: f.findingId, action, dueAt: f.dueAt!, doneAt: null, note: "" }],
  };
  return { decision: { state: next, action: "AddHealthCheckFollowUp", events: [] }, followUpId };
}

export function decideFollowUpDone(
  c: HealthCheckCampaign,
  followUpId: string,
  note: string,
  expectedRevision: number,
  ctx: DecisionContext,
): DecisionWithRevision<HealthCheckCampaign> {
  const f = c.followUps.find((x) => x.followUpId === followUpId);
  if (!f) throw new InvalidArgumentError([{ field: "follow_up_id", description: "is not a follow-up of the campaign" }]);
  if ([...note].length > HEALTH_CHECK_LIMITS.text)
    throw new InvalidArgumentError([{ field: "note", description: `must be at most ${HEALTH_CHECK_LIMITS.text} characters` }]);
  checkExpectedRevision("health_check_campaign", c.campaignId, c.revision, expectedRevision);
  if (f.doneAt) throw refuse(c, `the follow-up was done on ${f.doneAt.toISOString()}`);
  const next = { ...c, followUps: c.followUps.map((x) => (x === f ? { ...x, doneAt: ctx.now, note: note.trim() } : x)) };
  return { state: next, action: "CompleteHealthCheckFollowUp", events: [] };
}

export function decideClose(
  c: HealthCheckCampaign,
  expectedRevision: number,
  ctx: DecisionContext,
): DecisionWithRevision<HealthCheckCampaign> {
  checkExpectedRevision("health_check_campaign", c.campaignId, c.revision, expectedRevision);
  if (c.status !== "OPEN") throw refuse(c, "the campaign is already closed");
  return { state: { ...c, status: "CLOSED", closedAt: ctx.now }, action: "CloseHealthCheckCampaign", events: [] };
}

export const isOverdue = (f: FollowUp, now: Date): boolean => !f.doneAt && f.dueAt <= now;

export function campaignToProto(c: HealthCheckCampaign, now: Date): legalServicesV1.HealthCheckCampaign {
  return {
    campaignId: c.campaignId,
    title: c.title,
    districtCode: c.districtCode,
    organiser: orgToProto(c.organiser),
    targets: c.targets.map((t) => orgToProto(t)!),
    checklist: c.checklist.map((i) => ({ itemId: i.itemId, text: i.text })),
    findings: c.findings.map((f) => ({
      findingId: f.findingId,
      enterprise: orgToProto(f.enterprise),
      itemId: f.itemId,
      riskLevel: riskLevelCodec.toProto(f.riskLevel),
      description: f.description,
      recordTime: f.recordedAt,
    })),
    followUps: c.followUps.map((f) => ({
      followUpId: f.followUpId,
      findingId: f.findingId,
      action: f.action,
      dueTime: f.dueAt,
      done: f.doneAt !== null,
      doneTime: f.doneAt ?? undefined,
      note: f.note,
      overdue: isOverdue(f, now),
    })),
    freeOfCharge: true,
    status: campaignStatusCodec.toProto(c.status),
    revision: c.revision,
    createTime: c.createdAt,
    closeTime: c.closedAt ?? undefined,
  };
}

/** The alert of a follow-up open past its due date. */
export function followUpOverdue(c: HealthCheckCampaign, f: FollowUp, now: Date): EventToEmit {
  const finding = c.findings.find((x) => x.findingId === f.findingId);
  return emit(
    legalServicesEvents.followUpOverdue,
    c.campaignId,
    {
      campaignId: c.campaignId,
      followUpId: f.followUpId,
      findingId: f.findingId,
      enterprise: orgToProto(finding?.enterprise),
      action: f.action,
      dueTime: f.dueAt,
      districtCode: c.districtCode,
      detectTime: now,
    },
    [toLocal("alerts")],
  );
}
