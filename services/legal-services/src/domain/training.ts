/**
 * Trainings and conferences (art. 8, 9, 11, 16): pure rules, no I/O. Planned → held, or
 * cancelled; attendance by organisation as counts (no personal data). The id is a UUID, which
 * liaison's research outcomes name as TRANSFORMATION_KIND_TRAINING.
 */
import {
  checkExpectedRevision,
  emit,
  enumCodec,
  legalServicesEvents,
  toLocal,
  FailedPreconditionError,
  InvalidArgumentError,
  Violations,
  type DecisionWithRevision,
  type PreconditionViolation,
} from "@jinlian/chassis";
import { legalServicesV1 } from "@jinlian/proto";
import { creditCodeField, jurisdictionField, orgToProto, type DecisionContext, type OrgRef } from "./common";
import type { RegistryOrganisation } from "./provider";

const P = legalServicesV1;
export const TRAINING_KINDS = [
  "JOINT_CONFERENCE",
  "NON_PUBLIC_LEGAL_TRAINING",
  "SEMINAR",
  "COMPANY_LAWYER_TRAINING",
  "LAWYER_TEAM_BUILDING",
] as const;
export type TrainingKind = (typeof TRAINING_KINDS)[number];
export const trainingKindCodec = enumCodec(P.TrainingKind, "TRAINING_KIND_", TRAINING_KINDS);
export const AUDIENCES = [
  "ENTREPRENEURS",
  "ENTERPRISE_LEGAL_STAFF",
  "COMPANY_LAWYERS",
  "PUBLIC_SECTOR_LAWYERS",
  "CHAMBER_STAFF",
  "LAWYERS",
] as const;
export type Audience = (typeof AUDIENCES)[number];
export const audienceCodec = enumCodec(P.TrainingAudience, "TRAINING_AUDIENCE_", AUDIENCES);
export const trainingStatusCodec = enumCodec(P.TrainingStatus, "TRAINING_STATUS_", ["PLANNED", "HELD", "CANCELLED"] as const);

export interface Training {
  trainingId: string;
  kind: TrainingKind;
  title: string;
  organisers: OrgRef[];
  audiences: Audience[];
  startAt: Date;
  venue: string;
  districtCode: string;
  status: "PLANNED" | "HELD" | "CANCELLED";
  attendance: { organisation: OrgRef; attendees: number }[];
  heldAt: Date | null;
  revision: number;
}

export const TRAINING_LIMITS = Object.freeze({ organisers: 10, attendance: 500, attendees: 10000 });

export interface TrainingInput {
  kind: TrainingKind | undefined;
  title: string;
  organiserCreditCodes: string[];
  audiences: (Audience | undefined)[];
  startAt: Date | undefined;
  venue: string;
  districtCode: string;
}

/** A new training under `trainingId`, drawn by the caller so a retried request finds it. */
export function decidePlan(
  trainingId: string,
  input: TrainingInput,
  registry: ReadonlyMap<string, RegistryOrganisation>,
  ctx: DecisionContext,
): DecisionWithRevision<Training> {
  const v = new Violations();
  if (!input.kind) v.add("kind", "is required");
  const title = input.title.trim();
  if (!title) v.add("title", "is required");
  else if ([...title].length > 200) v.add("title", "must be at most 200 characters");
  if (input.organiserCreditCodes.length === 0 || input.organiserCreditCodes.length > TRAINING_LIMITS.organisers)
    v.add("organiser_credit_codes", `must list 1-${TRAINING_LIMITS.organisers} organisations`);
  const codes = input.organiserCreditCodes.map((c, i) => creditCodeField(v, `organiser_credit_codes[${i}]`, c));
  if (input.audiences.length === 0) v.add("audiences", "must list at least one audience");
  input.audiences.forEach((a, i) => {
    if (!a) v.add(`audiences[${i}]`, "is not a known audience");
  });
  if (!input.startAt || Number.isNaN(input.startAt.getTime())) v.add("start_time", "is required");
  const venue = input.venue.trim();
  if ([...venue].length > 200) v.add("venue", "must be at most 200 characters");
  const districtCode = jurisdictionField(v, "district_code", input.districtCode);
  const inactive: PreconditionViolation[] = [];
  const organisers: OrgRef[] = [];
  codes.forEach((code, i) => {
    if (!code) return;
    const o = registry.get(code);
    if (!o) v.add(`organiser_credit_codes[${i}]`, "is not an organisation of this node's liaison registry");
    else {
      if (!o.active)
        inactive.push({ type: "ORGANISATION_DEACTIVATED", subject: `organisation/${code}`, description: `${o.name} is deactivated` });
      organisers.push({ creditCode: o.creditCode, jurisdictionCode: o.jurisdictionCode, name: o.name });
    }
  });
  v.throwIfAny();
  if (inactive.length > 0) throw new FailedPreconditionError(inactive);
  const training: Training = {
    trainingId,
    kind: input.kind!,
    title,
    organisers,
    audiences: [...new Set(input.audiences as Audience[])],
    startAt: input.startAt!,
    venue,
    districtCode,
    status: "PLANNED",
    attendance: [],
    heldAt: null,
    revision: 1,
  };
  // The node's other services learn that this id exists (liaison validates research outcomes linked to it).
  const registered = emit(
    legalServicesEvents.trainingRegistered,
    training.trainingId,
    {
      trainingId: training.trainingId,
      kind: trainingKindCodec.toProto(training.kind),
      title: training.title,
      districtCode: training.districtCode,
      startTime: training.startAt,
      audit: ctx.audit,
    },
    [toLocal("trainings")],
  );
  return { state: training, action: "PlanTraining", events: [registered] };
}

const refuse = (t: Training, description: string) =>
  new FailedPreconditionError([{ type: "STATE", subject: `training/${t.trainingId}`, description }]);

/** Attendance by organisation: each entry replaces what was recorded for it; 0 removes it. */
export function decideAttendance(
  t: Training,
  entries: { creditCode: string; attendees: number }[],
  registry: ReadonlyMap<string, RegistryOrganisation>,
  expectedRevision: number,
): DecisionWithRevision<Training> {
  const v = new Violations();
  if (entries.length === 0 || entries.length > TRAINING_LIMITS.attendance)
    v.add("attendance", `must list 1-${TRAINING_LIMITS.attendance} organisations`);
  const checked = entries.map((e, i) => {
    const code = creditCodeField(v, `attendance[${i}].credit_code`, e.creditCode);
    if (!Number.isInteger(e.attendees) || e.attendees < 0 || e.attendees > TRAINING_LIMITS.attendees)
      v.add(`attendance[${i}].attendees`, `must be 0-${TRAINING_LIMITS.attendees}`);
    const o = code ? registry.get(code) : undefined;
    if (code && !o) v.add(`attendance[${i}].credit_code`, "is not an organisation of this node's liaison registry");
    return {
      organisation: o ? { creditCode: o.creditCode, jurisdictionCode: o.jurisdictionCode, name: o.name } : undefined,
      attendees: e.attendees,
    };
  });
  v.throwIfAny();
  checkExpectedRevision("training", t.trainingId, t.revision, expectedRevision);
  if (t.status === "CANCELLED") throw refuse(t, "the training was cancelled");
  const byCode = new Map(t.attendance.map((a) => [a.organisation.creditCode, a]));
  for (const e of checked) {
    if (e.attendees === 0) byCode.delete(e.organisation!.creditCode);
    else byCode.set(e.organisation!.creditCode, { organisation: e.organisation!, attendees: e.attendees });
  }
  return { state: { ...t, attendance: [...byCode.values()] }, action: "RecordTrainingAttendance", events: [] };
}

export function decideHeld(
  t: Training,
  heldAt: Date | undefined,
  expectedRevision: number,
  ctx: DecisionContext,
): DecisionWithRevision<Training> {
  if (heldAt && (Number.isNaN(heldAt.getTime()) || heldAt > ctx.now))
    throw new InvalidArgumentError([{ field: "held_time", description: "must be a valid time, not in the future" }]);
  checkExpectedRevision("training", t.trainingId, t.revision, expectedRevision);
  if (t.status !== "PLANNED") throw refuse(t, `only a planned training is held: it is ${t.status.toLowerCase()}`);
  return { state: { ...t, status: "HELD", heldAt: heldAt ?? ctx.now }, action: "MarkTrainingHeld", events: [] };
}

export function decideCancel(t: Training, expectedRevision: number): DecisionWithRevision<Training> {
  checkExpectedRevision("training", t.trainingId, t.revision, expectedRevision);
  if (t.status !== "PLANNED") throw refuse(t, `only a planned training is cancelled: it is ${t.status.toLowerCase()}`);
  return { state: { ...t, status: "CANCELLED" }, action: "CancelTraining", events: [] };
}

export function trainingToProto(t: Training): legalServicesV1.Training {
  return {
    trainingId: t.trainingId,
    kind: trainingKindCodec.toProto(t.kind),
    title: t.title,
    organisers: t.organisers.map((o) => orgToProto(o)!),
    audiences: t.audiences.map((a) => audienceCodec.toProto(a)),
    startTime: t.startAt,
    venue: t.venue,
    districtCode: t.districtCode,
    status: trainingStatusCodec.toProto(t.status),
    attendance: t.attendance.map((a) => ({ organisation: orgToProto(a.organisation), attendees: a.attendees })),
    totalAttendees: t.attendance.reduce((s, a) => s + a.attendees, 0),
    heldTime: t.heldAt ?? undefined,
    revision: t.revision,
  };
}
