/**
 * People's mediation committees of chambers (seed art. 17; 人民调解法 art. 8-9, 34) and their
 * mediators (art. 13-14). Pure rules.
 *
 * Composition (art. 8): 委员三至九人, 设主任一人 (vice-chairs as needed), 应当有妇女成员. Term
 * (art. 9): 三年. A chamber's committee is set up "参照" the law (art. 34), so the same rules apply.
 */
import {
  AlreadyExistsError,
  checkExpectedRevision,
  FailedPreconditionError,
  textField,
  Violations,
  type DecisionWithRevision,
} from "@jinlian/chassis";
import { creditCodeField, isLicenceNumber, requiredReason, type DecisionContext, type OrgRef, type RegistryOrganisation } from "./common";

export type Gender = "FEMALE" | "MALE";
export type MemberRole = "CHAIR" | "VICE_CHAIR" | "MEMBER";

export interface CommitteeMember {
  name: string;
  gender: Gender;
  role: MemberRole;
}

export interface Committee {
  committeeId: string;
  committee: OrgRef;
  chamber: OrgRef;
  justiceBureau: OrgRef;
  members: CommitteeMember[];
  termStartAt: Date;
  termEndAt: Date;
  registeredAt: Date;
  updatedAt: Date;
  revision: number;
}

/** The composition rules, as policy (the law's figures are the defaults). */
export interface CompositionPolicy {
  minMembers: number;
  maxMembers: number;
  termYears: number;
}

export const DEFAULT_COMPOSITION: CompositionPolicy = { minMembers: 3, maxMembers: 9, termYears: 3 };

export interface MemberInput {
  name: string;
  gender: Gender | undefined;
  role: MemberRole | undefined;
}

/** Checks a composition: a violation per rule broken, named by the request's fields. */
export function checkMembers(v: Violations, members: readonly MemberInput[], policy: CompositionPolicy): CommitteeMember[] {
  if (members.length < policy.minMembers || members.length > policy.maxMembers)
    v.add("members", `a committee has ${policy.minMembers}-${policy.maxMembers} members (人民调解法 art. 8), not ${members.length}`);
  const out = members.slice(0, 50).map((m, i) => {
    const name = textField(v, `members[${i}].name`, m.name, { required: true, max: 100 });
    if (!m.gender) v.add(`members[${i}].gender`, "is required");
    if (!m.role) v.add(`members[${i}].role`, "is required");
    return { name, gender: m.gender ?? "MALE", role: m.role ?? "MEMBER" };
  });
  const chairs = members.filter((m) => m.role === "CHAIR").length;
  if (members.length > 0 && chairs !== 1) v.add("members", `a committee has exactly one chair (主任), not ${chairs}`);
  if (members.length > 0 && !members.some((m) => m.gender === "FEMALE"))
    v.add("members", "a committee must have a woman among its members (人民调解法 art. 8)");
  const names = new Set<string>();
  out.forEach((m, i) => {
    if (m.name && names.has(m.name)) v.add(`members[${i}].name`, "is listed twice");
    names.add(m.name);
  });
  return out;
}

export function termEnd(start: Date, years: number): Date {
  const end = new Date(start);
  end.setUTCFullYear(end.getUTCFullYear() + years);
  return end;
}

export const termExpired = (c: Committee, now: Date): boolean => now.getTime() >= c.termEndAt.getTime();

export interface RegisterCommitteeInput {
  committeeCreditCode: string;
  justiceBureauCreditCode: string;
  members: MemberInput[];
  termStartAt: Date | undefined;
}

const ref = (o: OrgRef): OrgRef => ({ creditCode: o.creditCode, jurisdictionCode: o.jurisdictionCode, name: o.name });

const deactivated = (field: string, o: OrgRef) => ({
  type: "ORGANISATION_DEACTIVATED",
  subject: `organisation/${o.creditCode}`,
  description: `${field}: ${o.name} (${o.creditCode}) is deactivated in the liaison registry and takes nothing new`,
});

function termStart(v: Violations, at: Date | undefined, now: Date): Date {
  if (!at) return now;
  if (Number.isNaN(at.getTime())) v.add("term_start_time", "must be a valid time");
  else if (at.getTime() > now.getTime() + 366 * 24 * 3600 * 1000) v.add("term_start_time", "must be within a year from now");
  return at;
}

/**
 * Registers a committee with the justice bureau of its jurisdiction: the committee must be a
 * MEDIATION_COMMITTEE of this node's registry linked to its chamber, the bureau a JUSTICE_BUREAU of
 * the same jurisdiction; both active.
 */
/** A new committee under `committeeId`, drawn by the caller so a retried request finds it. */
export function decideRegisterCommittee(
  committeeId: string,
  input: RegisterCommitteeInput,
  registry: ReadonlyMap<string, RegistryOrganisation>,
  alreadyRegistered: boolean,
  policy: CompositionPolicy,
  ctx: DecisionContext,
): DecisionWithRevision<Committee> {
  const v = new Violations();
  const code = creditCodeField(v, "committee_credit_code", input.committeeCreditCode);
  const bureauCode = creditCodeField(v, "justice_bureau_credit_code", input.justiceBureauCreditCode);
  const members = checkMembers(v, input.members, policy);
  const start = termStart(v, input.termStartAt, ctx.now);
  v.throwIfAny();
  const committee = registry.get(code);
  const bureau = registry.get(bureauCode);
  if (!committee) v.add("committee_credit_code", "is not an organisation of this node's liaison registry");
  else if (committee.type !== "MEDIATION_COMMITTEE") v.add("committee_credit_code", `must be a MEDIATION_COMMITTEE, not ${committee.type}`);
  else if (!committee.chamberCreditCode)
    v.add("committee_credit_code", "the registry links this committee to no chamber: correct the registry first");
  const chamber = committee?.chamberCreditCode ? registry.get(committee.chamberCreditCode) : undefined;
  if (committee?.chamberCreditCode && !chamber)
    v.add("committee_credit_code", `its chamber ${committee.chamberCreditCode} is not in this node's registry`);
  if (!bureau) v.add("justice_bureau_credit_code", "is not an organisation of this node's liaison registry");
  else if (bureau.type !== "JUSTICE_BUREAU") v.add("justice_bureau_credit_code", `must be a JUSTICE_BUREAU, not ${bureau.type}`);
  else if (committee && bureau.jurisdictionCode !== committee.jurisdictionCode)
    v.add(
      "justice_bureau_credit_code",
      `the committee registers with the justice bureau of its own jurisdiction ${committee.jurisdictionCode}, not ${bureau.jurisdictionCode}`,
    );
  v.throwIfAny();
  const inactive = [
    ...(committee!.active ? [] : [deactivated("committee_credit_code", committee!)]),
    ...(chamber!.active ? [] : [deactivated("committee_credit_code (chamber)", chamber!)]),
    ...(bureau!.active ? [] : [deactivated("justice_bureau_credit_code", bureau!)]),
  ];
  if (inactive.length > 0) throw new FailedPreconditionError(inactive);
  if (alreadyRegistered) throw new AlreadyExistsError("committee", code, `committee ${code} is registered already`);
  const state: Committee = {
    committeeId,
    committee: ref(committee!),
    chamber: ref(chamber!),
    justiceBureau: ref(bureau!),
    members,
    termStartAt: start,
    termEndAt: termEnd(start, policy.termYears),
    registeredAt: ctx.now,
    updatedAt: ctx.now,
    revision: 1,
  };
  return { state, action: "RegisterCommittee", events: [] };
}

/** A new composition and a new term (换届); the same rules. */
export function decideReelect(
  c: Committee,
  members: readonly MemberInput[],
  termStartAt: Date | undefined,
  expectedRevision: number,
  policy: CompositionPolicy,
  ctx: DecisionContext,
): DecisionWithRevision<Committee> {
  const v = new Violations();
  const checked = checkMembers(v, members, policy);
  const start = termStart(v, termStartAt, ctx.now);
  v.throwIfAny();
  checkExpectedRevision("committee", c.committeeId, c.revision, expectedRevision);
  return {
    state: { ...c, members: checked, termStartAt: start, termEndAt: termEnd(start, policy.termYears), updatedAt: ctx.now },
    action: "ReelectCommittee",
    events: [],
  };
}

/** A committee takes new cases only within its term. */
export function assertInTerm(c: Committee, now: Date): void {
  if (termExpired(c, now))
    throw new FailedPreconditionError([
      {
        type: "COMMITTEE_TERM_EXPIRED",
        subject: `committee/${c.committeeId}`,
        description: `the committee's term ended on ${c.termEndAt.toISOString().slice(0, 10)}: re-elect it (ReelectCommittee) before it takes cases`,
      },
    ]);
}

// ---- mediators ----

export type MediatorPool = "PEOPLES" | "COMMERCIAL" | "BOTH";
export type MediatorStatus = "ACTIVE" | "SUSPENDED" | "RETIRED";

export interface MediatorTraining {
  trainingId: string;
  title: string;
  hours: number;
  completeAt: Date;
}

export interface Mediator {
  mediatorId: string;
  committeeId: string;
  name: string;
  gender: Gender;
  licenceNumber: string;
  qualifications: string[];
  trainings: MediatorTraining[];
  pool: MediatorPool;
  declaredInterests: string[];
  status: MediatorStatus;
  createdAt: Date;
  updatedAt: Date;
  revision: number;
}

export interface MediatorInput {
  name: string;
  gender: Gender | undefined;
  licenceNumber: string;
  qualifications: string[];
  pool: MediatorPool | undefined;
  declaredInterests: string[];
}

/** A new mediator under `mediatorId`, drawn by the caller so a retried request finds it. */
export function decideRegisterMediator(
  mediatorId: string,
  committee: Committee,
  input: MediatorInput,
  ctx: DecisionContext,
): DecisionWithRevision<Mediator> {
  const v = new Violations();
  const name = textField(v, "name", input.name, { required: true, max: 100 });
  if (!input.gender) v.add("gender", "is required");
  const licence = input.licenceNumber.trim();
  if (licence && !isLicenceNumber(licence)) v.add("licence_number", "must be a lawyer's licence number of 17 digits");
  if (input.qualifications.length > 20) v.add("qualifications", "at most 20");
  const qualifications = input.qualifications
    .slice(0, 20)
    .map((q, i) => textField(v, `qualifications[${i}]`, q, { required: true, max: 100 }));
  if (!input.pool) v.add("pool", "is required: PEOPLES, COMMERCIAL or BOTH");
  if (input.declaredInterests.length > 50) v.add("declared_interest_credit_codes", "at most 50");
  const interests = [
    ...new Set(input.declaredInterests.slice(0, 50).map((c, i) => creditCodeField(v, `declared_interest_credit_codes[${i}]`, c))),
  ];
  v.throwIfAny();
  const m: Mediator = {
    mediatorId,
    committeeId: committee.committeeId,
    name,
    gender: input.gender!,
    licenceNumber: licence,
    qualifications,
    trainings: [],
    pool: input.pool!,
    declaredInterests: interests,
    status: "ACTIVE",
    createdAt: ctx.now,
    updatedAt: ctx.now,
    revision: 1,
  };
  return { state: m, action: "RegisterMediator", events: [] };
}

export function decideTraining(
  m: Mediator,
  input: { title: string; hours: number; completeAt: Date | undefined },
  expectedRevision: number,
  ctx: DecisionContext,
): DecisionWithRevision<Mediator> {
  const v = new Violations();
  const title = textField(v, "title", input.title, { required: true, max: 200 });
  if (!Number.isInteger(input.hours) || input.hours < 1 || input.hours > 200) v.add("hours", "must be 1-200");
  if (!input.completeAt) v.add("complete_time", "is required");
  else if (Number.isNaN(input.completeAt.getTime())) v.add("complete_time", "must be a valid time");
  else if (input.completeAt.getTime() > ctx.now.getTime()) v.add("complete_time", "must not be in the future");
  if (m.trainings.length >= 500) v.add("", "a mediator's record holds at most 500 trainings");
  v.throwIfAny();
  checkExpectedRevision("mediator", m.mediatorId, m.revision, expectedRevision);
  assertNotRetired(m);
  const training = { trainingId: ctx.newId(), title, hours: input.hours, completeAt: input.completeAt! };
  return { state: { ...m, trainings: [...m.trainings, training], updatedAt: ctx.now }, action: "RecordMediatorTraining", events: [] };
}

function assertNotRetired(m: Mediator): void {
  if (m.status === "RETIRED")
    throw new FailedPreconditionError([
      { type: "MEDIATOR_RETIRED", subject: `mediator/${m.mediatorId}`, description: `${m.name} is retired` },
    ]);
}

export function decideMediatorStatus(
  m: Mediator,
  status: MediatorStatus | undefined,
  reason: string,
  expectedRevision: number,
  ctx: DecisionContext,
): DecisionWithRevision<Mediator> {
  const v = new Violations();
  if (!status) v.add("status", "is required: ACTIVE, SUSPENDED or RETIRED");
  requiredReason(v, "reason", reason);
  v.throwIfAny();
  checkExpectedRevision("mediator", m.mediatorId, m.revision, expectedRevision);
  assertNotRetired(m);
  if (m.status === status)
    throw new FailedPreconditionError([
      { type: "STATE", subject: `mediator/${m.mediatorId}`, description: `the mediator is ${status.toLowerCase()} already` },
    ]);
  return { state: { ...m, status: status!, updatedAt: ctx.now }, action: "ChangeMediatorStatus", events: [] };
}

/** Whether a mediator serves a kind of case: commercial cases draw on the commercial pool only. */
export const servesKind = (m: Pick<Mediator, "pool">, kind: "PEOPLES" | "COMMERCIAL"): boolean => m.pool === "BOTH" || m.pool === kind;
