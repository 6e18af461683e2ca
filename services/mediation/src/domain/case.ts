/**
 * Mediation cases (人民调解法; seed art. 17-18). Pure rules: every decide…() returns the case after
 * the change, the audit action and the events.
 *
 * - Voluntary: mediation starts when every party consented; a refusal ends the case (art. 17);
 *   a party may end it at any time (art. 23).
 * - Mediators are designated by the committee or chosen by the parties (art. 19), never with a
 *   conflict of interest; a party may object to one, who leaves the case.
 * - The time limit (policy; the one month commonly cited comes from 司法部《人民调解工作若干规定》
 *   2002) starts when the case is accepted (every party consented) and stops while paused.
 * - Agreements: written (art. 29: the product requires all three parts it lists) and effective
 *   once every party signed, sealed or fingerprinted it, a mediator signed and the committee
 *   sealed it; or oral, recorded by the mediator and effective when reached (art. 28). The joint
 *   application for judicial confirmation is due within 30 days of the effective date (art. 33;
 *   民事诉讼法 art. 205); performance is followed up (art. 31).
 * - A failed mediation records the routes the parties were told (art. 26) and may be referred to
 *   an arbitration commission (seed art. 18) with the parties' arbitration agreement.
 */
import {
  checkExpectedRevision,
  emit,
  FailedPreconditionError,
  InvalidArgumentError,
  mediationEvents,
  PermissionDeniedError,
  textField,
  toLocal,
  Violations,
  type DecisionWithRevision,
  type EventToEmit,
  type PreconditionViolation,
} from "@jinlian/chassis";
import type { Committee, Mediator } from "./committee";
import { assertInTerm, servesKind } from "./committee";
import { creditCodeField, isIdentityNumber, pastTime, requiredReason, type DecisionContext, type OrgRef } from "./common";
import type { Conflict } from "./conflicts";

export type CaseKind = "PEOPLES" | "COMMERCIAL";
export type CaseStatus =
  "AWAITING_CONSENT" | "IN_MEDIATION" | "PAUSED" | "AGREEMENT_SIGNING" | "AGREED" | "REFUSED" | "ENDED_BY_PARTY" | "FAILED";
export const FINAL_STATUSES: readonly CaseStatus[] = ["AGREED", "REFUSED", "ENDED_BY_PARTY", "FAILED"];
export type PartyRole = "APPLICANT" | "RESPONDENT";
export type Consent = "PENDING" | "GIVEN" | "REFUSED";
export type DesignatedBy = "COMMITTEE" | "PARTIES";
export type AgreementForm = "WRITTEN" | "ORAL";
export type SignatureKind = "PARTY_SIGNATURE" | "PARTY_SEAL" | "PARTY_FINGERPRINT" | "MEDIATOR" | "COMMITTEE_SEAL";
export type PerformanceStatus = "PERFORMED" | "PARTLY_PERFORMED" | "NOT_PERFORMED";
export type Route = "ARBITRATION" | "ADMINISTRATIVE" | "JUDICIAL";
export type ReferralStatus = "PENDING" | "RECEIVED" | "ACCEPTED" | "DECLINED";
export type ArbitrationAgreementForm = "CONTRACT_CLAUSE" | "SEPARATE";

export interface Person {
  name: string;
  identityNumber: string;
  phone: string;
}

export interface Party {
  partyId: string;
  role: PartyRole;
  organisation: OrgRef | null;
  person: Person | null;
  consent: Consent;
  consentAt: Date | null;
}

export interface Assignment {
  mediatorId: string;
  name: string;
  licenceNumber: string;
  designatedBy: DesignatedBy;
  assignedAt: Date;
  active: boolean;
  endedAt: Date | null;
  objectingPartyId: string;
  objection: string;
}

export interface Session {
  sessionId: string;
  heldAt: Date;
  place: string;
  record: string;
  attendingPartyIds: string[];
  mediatorIds: string[];
  /** A cross-district partner committee's session: its district; absent for the committee's own. */
  partnerJurisdictionCode?: string;
}

export interface TimeLimit {
  /** When the case was accepted (every party consented); null before. */
  startAt: Date | null;
  limitSeconds: number;
  pausedSinceAt: Date | null;
  pausedSeconds: number;
  warnedBefore: number[];
  expired: boolean;
}

export interface AgreementContent {
  form: AgreementForm;
  partyDetails: string;
  facts: string;
  issuesInDispute: string;
  responsibilities: string;
  terms: string;
  performanceManner: string;
  performanceDeadlineAt: Date | null;
  oralRecord: string;
}

export interface Signature {
  kind: SignatureKind;
  partyId: string;
  mediatorId: string;
  signAt: Date;
}

export interface PerformanceCheck {
  status: PerformanceStatus;
  note: string;
  checkAt: Date;
}

export interface Agreement {
  content: AgreementContent;
  recordAt: Date;
  signatures: Signature[];
  effectiveAt: Date | null;
  confirmationDeadlineAt: Date | null;
  remindedBefore: number[];
  confirmationAppliedAt: Date | null;
  confirmationCourt: string;
  performance: PerformanceCheck[];
  performanceOverdueAlerted: boolean;
  /** The confirmation window closed without an application (the scanner stops watching it). */
  confirmationLapsed: boolean;
}

export interface ArbitrationAgreement {
  form: ArbitrationAgreementForm;
  content: string;
  concludeAt: Date | null;
}

export interface Referral {
  referralId: string;
  commission: OrgRef;
  agreement: ArbitrationAgreement;
  summary: string;
  status: ReferralStatus;
  answerNote: string;
  referAt: Date;
  answerAt: Date | null;
  lastSendError: string;
}

export interface Failure {
  routes: Route[];
  note: string;
  failAt: Date;
}

/**
 * A committee acts only on its own cases: where the caller's credentials name its organisation
 * (the access rule admits committees only to case changes), it must be the committee keeping it.
 */
export function assertKeptBy(committee: OrgRef, actingFor: string | undefined, what: string): void {
  if (actingFor && actingFor !== committee.creditCode)
    throw new PermissionDeniedError(`${what} is kept by committee ${committee.creditCode}; the caller acts for ${actingFor}`);
}

export interface Case {
  caseId: string;
  disputeId: string;
  committeeId: string;
  committee: OrgRef;
  kind: CaseKind;
  status: CaseStatus;
  parties: Party[];
  summary: string;
  commercial: { feeFen: number; feeNote: string } | null;
  mediators: Assignment[];
  sessions: Session[];
  timeLimit: TimeLimit;
  agreement: Agreement | null;
  failure: Failure | null;
  referral: Referral | null;
  sourceReferralId: string;
  endReason: string;
  endingPartyId: string;
  openedAt: Date;
  closedAt: Date | null;
  revision: number;
}

/** The case rules that are policy, with the cited figures as defaults. */
export interface CasePolicy {
  /** The time limit (default one month: 30 days). */
  timeLimitSeconds: number;
  /** How long before the due time warnings are raised. */
  warningOffsetsSeconds: number[];
  /** The judicial-confirmation window from the effective date (art. 33: 30 days). */
  confirmationWindowSeconds: number;
  /** How long before the window closes reminders are raised. */
  reminderOffsetsSeconds: number[];
}

export const DEFAULT_CASE_POLICY: CasePolicy = {
  timeLimitSeconds: 30 * 24 * 3600,
  warningOffsetsSeconds: [7 * 24 * 3600, 3 * 24 * 3600, 24 * 3600],
  confirmationWindowSeconds: 30 * 24 * 3600,
  reminderOffsetsSeconds: [7 * 24 * 3600, 24 * 3600],
};

// ---- helpers ----

const precondition = (c: Case, type: string, description: string): FailedPreconditionError =>
  new FailedPreconditionError([{ type, subject: `case/${c.caseId}`, description }]);

function assertStatus(c: Case, allowed: readonly CaseStatus[], what: string): void {
  if (!allowed.includes(c.status))
    throw precondition(c, "CASE_STATE", `cannot ${what}: the case is ${c.status.toLowerCase().replace(/_/g, " ")}`);
}

function partyOf(c: Case, partyId: string, field = "party_id"): Party {
  const p = c.parties.find((x) => x.partyId === partyId.trim().toLowerCase());
  if (!p) throw new InvalidArgumentError([{ field, description: "is not a party of this case" }]);
  return p;
}

export const activeMediators = (c: Case): Assignment[] => c.mediators.filter((m) => m.active);

function assertMediatorOnCase(c: Case, what: string): void {
  if (activeMediators(c).length === 0) throw precondition(c, "NO_MEDIATOR", `cannot ${what}: no mediator is on the case`);
}

/** The due time of the time limit (as if resumed now while paused); null before acceptance. */
export function dueAt(t: TimeLimit, now: Date): Date | null {
  if (!t.startAt) return null;
  const pausedNow = t.pausedSinceAt ? Math.max(0, now.getTime() - t.pausedSinceAt.getTime()) : 0;
  return new Date(t.startAt.getTime() + (t.limitSeconds + t.pausedSeconds) * 1000 + pausedNow);
}

const accepted = (t: TimeLimit, now: Date): TimeLimit => ({ ...t, startAt: now });

function close(c: Case, status: CaseStatus, now: Date): Case {
  // Leaving mediation stops the clock for good; paused time so far counts as paused.
  const t = c.timeLimit;
  const pausedSeconds = t.pausedSinceAt
    ? t.pausedSeconds + Math.floor((now.getTime() - t.pausedSinceAt.getTime()) / 1000)
    : t.pausedSeconds;
  return {
    ...c,
    status,
    closedAt: FINAL_STATUSES.includes(status) ? now : c.closedAt,
    timeLimit: { ...t, pausedSinceAt: null, pausedSeconds },
  };
}

// ---- intake ----

export interface PartyInput {
  role: PartyRole | undefined;
  organisationCreditCode: string;
  person: Person | undefined;
  consented: boolean;
}

export interface OpenCaseInput {
  kind: CaseKind | undefined;
  parties: PartyInput[];
  summary: string;
  commercial: { feeFen: number; feeNote: string } | undefined;
}

/** Checks intake: a violation per problem, named by the request's fields. */
export function checkParties(v: Violations, parties: readonly PartyInput[]): void {
  if (parties.length < 2 || parties.length > 20) v.add("parties", "must list 2-20 parties");
  const seen = new Set<string>();
  parties.slice(0, 20).forEach((p, i) => {
    const f = `parties[${i}]`;
    if (!p.role) v.add(`${f}.role`, "is required: APPLICANT or RESPONDENT");
    const code = p.organisationCreditCode.trim();
    const person = p.person && (p.person.name.trim() || p.person.identityNumber.trim() || p.person.phone.trim()) ? p.person : undefined;
    if (code && person) v.add(f, "names either an organisation or a person, not both");
    else if (!code && !person) v.add(f, "names an organisation (organisation_credit_code) or a person");
    let key = "";
    if (code) key = `org:${creditCodeField(v, `${f}.organisation_credit_code`, code)}`;
    if (person && !code) {
      textField(v, `${f}.person.name`, person.name, { required: true, max: 100 });
      const id = person.identityNumber.trim().toUpperCase();
      if (id && !isIdentityNumber(id)) v.add(`${f}.person.identity_number`, "is not a valid 居民身份证号码 (GB 11643)");
      if ([...person.phone.trim()].length > 30) v.add(`${f}.person.phone`, "must be at most 30 characters");
      key = id ? `id:${id}` : `name:${person.name.trim()}`;
    }
    if (key && seen.has(key)) v.add(f, "names a party listed already");
    seen.add(key);
  });
  if (parties.length >= 2 && (!parties.some((p) => p.role === "APPLICANT") || !parties.some((p) => p.role === "RESPONDENT")))
    v.add("parties", "must list at least one applicant and one respondent");
}

function commercialTerms(v: Violations, kind: CaseKind | undefined, terms: OpenCaseInput["commercial"]) {
  const fee = terms?.feeFen ?? 0;
  const note = textField(v, "commercial.fee_note", terms?.feeNote ?? "", { max: 500 });
  if (!Number.isSafeInteger(fee) || fee < 0) v.add("commercial.fee_fen", "must be 0 or more");
  if (kind === "PEOPLES" && (fee > 0 || note))
    v.add("commercial", "people's mediation is free of charge (人民调解法 art. 4): fees only in commercial cases");
  return kind === "COMMERCIAL" ? { feeFen: fee, feeNote: note } : null;
}

/**
 * Opens a case at a committee in its term. Organisations are named by credit code (their name
 * from the registry when it knows them); persons by name and optional identity number. The
 * case's id is drawn by the caller, so a retried request finds the case it opened.
 */
export function decideOpen(
  caseId: string,
  committee: Committee,
  input: OpenCaseInput,
  names: ReadonlyMap<string, OrgRef>,
  policy: CasePolicy,
  ctx: DecisionContext,
): DecisionWithRevision<Case> {
  const v = new Violations();
  if (!input.kind) v.add("kind", "is required: PEOPLES or COMMERCIAL");
  checkParties(v, input.parties);
  const summary = textField(v, "summary", input.summary, { required: true, max: 2000 });
  const commercial = commercialTerms(v, input.kind, input.commercial);
  v.throwIfAny();
  assertInTerm(committee, ctx.now);
  const parties: Party[] = input.parties.map((p) => {
    const code = p.organisationCreditCode.trim().toUpperCase();
    return {
      partyId: ctx.newId(),
      role: p.role!,
      organisation: code ? (names.get(code) ?? { creditCode: code, jurisdictionCode: "", name: "" }) : null,
      person: code
        ? null
        : { name: p.person!.name.trim(), identityNumber: p.person!.identityNumber.trim().toUpperCase(), phone: p.person!.phone.trim() },
      consent: p.consented ? "GIVEN" : "PENDING",
      consentAt: p.consented ? ctx.now : null,
    };
  });
  const all = parties.every((p) => p.consent === "GIVEN");
  const timeLimit: TimeLimit = {
    startAt: null,
    limitSeconds: policy.timeLimitSeconds,
    pausedSinceAt: null,
    pausedSeconds: 0,
    warnedBefore: [],
    expired: false,
  };
  const state: Case = {
    caseId,
    disputeId: caseId,
    committeeId: committee.committeeId,
    committee: committee.committee,
    kind: input.kind!,
    status: all ? "IN_MEDIATION" : "AWAITING_CONSENT",
    parties,
    summary,
    commercial,
    mediators: [],
    sessions: [],
    timeLimit: all ? accepted(timeLimit, ctx.now) : timeLimit,
    agreement: null,
    failure: null,
    referral: null,
    sourceReferralId: "",
    endReason: "",
    endingPartyId: "",
    openedAt: ctx.now,
    closedAt: null,
    revision: 1,
  };
  return { state, action: "OpenCase", events: [] };
}

/** A dispute legal-services referred with every party's consent: accepted at once. */
export function decideOpenFromReferral(
  committee: Committee,
  referral: {
    referralId: string;
    disputeId: string;
    parties: { organisation: OrgRef; role: PartyRole; consentAt: Date | null }[];
    summary: string;
  },
  policy: CasePolicy,
  ctx: DecisionContext,
): DecisionWithRevision<Case> {
  const base = decideOpen(
    ctx.newId(),
    committee,
    {
      kind: "PEOPLES",
      parties: referral.parties.map((p) => ({
        role: p.role,
        organisationCreditCode: p.organisation.creditCode,
        person: undefined,
        consented: true,
      })),
      summary: referral.summary || "legal-services referral",
      commercial: undefined,
    },
    new Map(referral.parties.map((p) => [p.organisation.creditCode, p.organisation])),
    policy,
    ctx,
  );
  const parties = base.state.parties.map((p, i) => ({ ...p, consentAt: referral.parties[i]?.consentAt ?? ctx.now }));
  return {
    ...base,
    state: { ...base.state, parties, disputeId: referral.disputeId || base.state.caseId, sourceReferralId: referral.referralId },
    action: "DisputeReferred",
  };
}

// ---- consent ----

export function decideConsent(
  c: Case,
  partyId: string,
  consent: boolean,
  reason: string,
  expectedRevision: number,
  ctx: DecisionContext,
): DecisionWithRevision<Case> {
  const party = partyOf(c, partyId);
  checkExpectedRevision("case", c.caseId, c.revision, expectedRevision);
  assertStatus(c, ["AWAITING_CONSENT"], "record consent");
  if (party.consent !== "PENDING")
    throw precondition(c, "CONSENT_RECORDED", `the party's consent is recorded already (${party.consent.toLowerCase()})`);
  const parties = c.parties.map((p) =>
    p.partyId === party.partyId ? { ...p, consent: (consent ? "GIVEN" : "REFUSED") as Consent, consentAt: ctx.now } : p,
  );
  if (!consent) {
    // Art. 17: no mediation against a party's refusal.
    const refused = close({ ...c, parties, endReason: reason, endingPartyId: party.partyId }, "REFUSED", ctx.now);
    return { state: refused, action: "RecordConsent", events: [] };
  }
  const all = parties.every((p) => p.consent === "GIVEN");
  return {
    state: { ...c, parties, status: all ? "IN_MEDIATION" : c.status, timeLimit: all ? accepted(c.timeLimit, ctx.now) : c.timeLimit },
    action: "RecordConsent",
    events: [],
  };
}

// ---- mediators ----

export function conflictViolations(m: Pick<Mediator, "mediatorId" | "name">, conflicts: readonly Conflict[]): PreconditionViolation[] {
  return conflicts.map((x) => ({
    type: "CONFLICT_OF_INTEREST",
    subject: `mediator/${m.mediatorId}`,
    description: `${x.reason}: ${x.explanation}`,
  }));
}

export function decideDesignate(
  c: Case,
  m: Mediator,
  designatedBy: DesignatedBy | undefined,
  conflicts: readonly Conflict[],
  expectedRevision: number,
  ctx: DecisionContext,
): DecisionWithRevision<Case> {
  if (!designatedBy) throw new InvalidArgumentError([{ field: "designated_by", description: "is required: COMMITTEE or PARTIES" }]);
  checkExpectedRevision("case", c.caseId, c.revision, expectedRevision);
  assertStatus(c, ["IN_MEDIATION", "PAUSED"], "put a mediator on the case");
  if (m.committeeId !== c.committeeId)
    throw new InvalidArgumentError([{ field: "mediator_id", description: "is not a mediator of the case's committee" }]);
  const problems: PreconditionViolation[] = [];
  if (m.status !== "ACTIVE")
    problems.push({
      type: "MEDIATOR_NOT_ACTIVE",
      subject: `mediator/${m.mediatorId}`,
      description: `${m.name} is ${m.status.toLowerCase()}`,
    });
  if (!servesKind(m, c.kind))
    problems.push({
      type: "MEDIATOR_POOL",
      subject: `mediator/${m.mediatorId}`,
      description: `${m.name} serves the ${m.pool.toLowerCase()} pool, not ${c.kind === "COMMERCIAL" ? "commercial cases (商事调解)" : "people's mediation"}`,
    });
  const before = c.mediators.find((a) => a.mediatorId === m.mediatorId);
  if (before?.active)
    problems.push({ type: "ALREADY_ON_CASE", subject: `mediator/${m.mediatorId}`, description: `${m.name} is on the case already` });
  else if (before?.objectingPartyId)
    problems.push({
      type: "MEDIATOR_OBJECTED",
      subject: `mediator/${m.mediatorId}`,
      description: `a party objected to ${m.name} on this case`,
    });
  problems.push(...conflictViolations(m, conflicts));
  if (problems.length > 0) throw new FailedPreconditionError(problems);
  const assignment: Assignment = {
    mediatorId: m.mediatorId,
    name: m.name,
    licenceNumber: m.licenceNumber,
    designatedBy,
    assignedAt: ctx.now,
    active: true,
    endedAt: null,
    objectingPartyId: "",
    objection: "",
  };
  const state = { ...c, mediators: [...c.mediators, assignment] };
  return {
    state,
    action: "DesignateMediator",
    events: [
      emit(
        mediationEvents.mediatorAssigned,
        c.caseId,
        {
          caseId: c.caseId,
          disputeId: c.disputeId,
          mediator: { mediatorId: m.mediatorId, name: m.name, licenceNumber: m.licenceNumber },
          audit: ctx.audit,
        },
        [toLocal("cases")],
      ),
    ],
  };
}

export function decideObjection(
  c: Case,
  mediatorId: string,
  partyId: string,
  objection: string,
  expectedRevision: number,
  ctx: DecisionContext,
): DecisionWithRevision<Case> {
  const v = new Violations();
  const text = requiredReason(v, "objection", objection);
  v.throwIfAny();
  const party = partyOf(c, partyId);
  checkExpectedRevision("case", c.caseId, c.revision, expectedRevision);
  assertStatus(c, ["IN_MEDIATION", "PAUSED"], "object to a mediator");
  const a = c.mediators.find((x) => x.mediatorId === mediatorId.trim().toLowerCase() && x.active);
  if (!a) throw new InvalidArgumentError([{ field: "mediator_id", description: "is not a mediator on this case" }]);
  const mediators = c.mediators.map((x) =>
    x === a ? { ...x, active: false, endedAt: ctx.now, objectingPartyId: party.partyId, objection: text } : x,
  );
  return { state: { ...c, mediators }, action: "ObjectToMediator", events: [] };
}

// ---- sessions and the clock ----

export function decideSession(
  c: Case,
  input: { heldAt: Date | undefined; place: string; record: string; attendingPartyIds: string[] },
  expectedRevision: number,
  ctx: DecisionContext,
): DecisionWithRevision<Case> {
  const v = new Violations();
  const heldAt = pastTime(v, "held_time", input.heldAt, ctx.now);
  const place = textField(v, "place", input.place, { max: 200 });
  const record = textField(v, "record", input.record, { required: true, max: 10_000 });
  if (input.attendingPartyIds.length > 20) v.add("attending_party_ids", "at most 20");
  const attending = [...new Set(input.attendingPartyIds.slice(0, 20).map((id) => id.trim().toLowerCase()))];
  attending.forEach((id, i) => {
    if (!c.parties.some((p) => p.partyId === id)) v.add(`attending_party_ids[${i}]`, "is not a party of this case");
  });
  v.throwIfAny();
  checkExpectedRevision("case", c.caseId, c.revision, expectedRevision);
  assertStatus(c, ["IN_MEDIATION", "PAUSED"], "record a session");
  assertMediatorOnCase(c, "record a session");
  if (c.sessions.length >= 200) throw precondition(c, "CASE_FILE_FULL", "a case file holds at most 200 sessions");
  const session: Session = {
    sessionId: ctx.newId(),
    heldAt,
    place,
    record,
    attendingPartyIds: attending,
    mediatorIds: activeMediators(c).map((m) => m.mediatorId),
  };
  return { state: { ...c, sessions: [...c.sessions, session] }, action: "RecordSession", events: [] };
}

/**
 * A session the partner committee of a cross-district case held joins the case file (art. 27),
 * whatever the case's status (a record reported late still belongs to it); once per session id.
 */
export function decidePartnerSession(
  c: Case,
  s: { sessionId: string; heldAt: Date; place: string; record: string },
  partnerJurisdictionCode: string,
): DecisionWithRevision<Case> | undefined {
  if (c.sessions.some((x) => x.sessionId === s.sessionId)) return undefined;
  const session: Session = { ...s, attendingPartyIds: [], mediatorIds: [], partnerJurisdictionCode };
  return { state: { ...c, sessions: [...c.sessions, session] }, action: "CooperationSessionReported", events: [] };
}

export function decidePause(c: Case, reason: string, expectedRevision: number, ctx: DecisionContext): DecisionWithRevision<Case> {
  const v = new Violations();
  requiredReason(v, "reason", reason);
  v.throwIfAny();
  checkExpectedRevision("case", c.caseId, c.revision, expectedRevision);
  assertStatus(c, ["IN_MEDIATION"], "pause the time limit");
  return { state: { ...c, status: "PAUSED", timeLimit: { ...c.timeLimit, pausedSinceAt: ctx.now } }, action: "PauseTimeLimit", events: [] };
}

export function decideResume(c: Case, expectedRevision: number, ctx: DecisionContext): DecisionWithRevision<Case> {
  checkExpectedRevision("case", c.caseId, c.revision, expectedRevision);
  assertStatus(c, ["PAUSED"], "resume the time limit");
  const t = c.timeLimit;
  const paused = Math.floor((ctx.now.getTime() - (t.pausedSinceAt ?? ctx.now).getTime()) / 1000);
  return {
    state: { ...c, status: "IN_MEDIATION", timeLimit: { ...t, pausedSinceAt: null, pausedSeconds: t.pausedSeconds + Math.max(0, paused) } },
    action: "ResumeTimeLimit",
    events: [],
  };
}

export function decideEndByParty(
  c: Case,
  partyId: string,
  reason: string,
  expectedRevision: number,
  ctx: DecisionContext,
): DecisionWithRevision<Case> {
  const v = new Violations();
  const why = requiredReason(v, "reason", reason);
  v.throwIfAny();
  const party = partyOf(c, partyId);
  checkExpectedRevision("case", c.caseId, c.revision, expectedRevision);
  assertStatus(c, ["IN_MEDIATION", "PAUSED", "AGREEMENT_SIGNING"], "end the mediation");
  // Art. 23: a party may ask to end mediation at any time.
  return {
    state: close({ ...c, endReason: why, endingPartyId: party.partyId }, "ENDED_BY_PARTY", ctx.now),
    action: "EndMediationByParty",
    events: [],
  };
}

// ---- agreements ----

export interface AgreementInput {
  form: AgreementForm | undefined;
  partyDetails: string;
  facts: string;
  issuesInDispute: string;
  responsibilities: string;
  terms: string;
  performanceManner: string;
  performanceDeadlineAt: Date | undefined;
  oralRecord: string;
}

/**
 * The completeness policy for a written agreement: the three parts art. 29 lists are required,
 * and a missing part is one violation naming its first missing field and everything it lacks.
 */
export function checkAgreement(v: Violations, a: AgreementInput, now: Date): AgreementContent {
  const f = (name: string) => `agreement.${name}`;
  const t = (name: string, value: string, max: number) => textField(v, f(name), value, { max });
  const content: AgreementContent = {
    form: a.form ?? "WRITTEN",
    partyDetails: t("party_details", a.partyDetails, 4000),
    facts: t("facts", a.facts, 4000),
    issuesInDispute: t("issues_in_dispute", a.issuesInDispute, 4000),
    responsibilities: t("responsibilities", a.responsibilities, 4000),
    terms: t("terms", a.terms, 4000),
    performanceManner: t("performance_manner", a.performanceManner, 1000),
    performanceDeadlineAt: a.performanceDeadlineAt ?? null,
    oralRecord: t("oral_record", a.oralRecord, 4000),
  };
  if (a.performanceDeadlineAt && Number.isNaN(a.performanceDeadlineAt.getTime()))
    v.add(f("performance_deadline_time"), "must be a valid time");
  else if (a.performanceDeadlineAt && a.performanceDeadlineAt.getTime() <= now.getTime())
    v.add(f("performance_deadline_time"), "must be after the agreement is recorded");
  if (!a.form) {
    v.add(f("form"), "is required: WRITTEN or ORAL");
    return content;
  }
  if (a.form === "ORAL") {
    if (!content.oralRecord) v.add(f("oral_record"), "is required: the mediator records an oral agreement's content (人民调解法 art. 28)");
    return content;
  }
  const parts: { part: string; fields: [string, boolean][] }[] = [
    { part: "part 1 (the parties' details)", fields: [["party_details", !!content.partyDetails]] },
    {
      part: "part 2 (the main facts, the issues in dispute and each side's responsibility)",
      fields: [
        ["facts", !!content.facts],
        ["issues_in_dispute", !!content.issuesInDispute],
        ["responsibilities", !!content.responsibilities],
      ],
    },
    {
      part: "part 3 (the agreed terms, the manner and deadline of performance)",
      fields: [
        ["terms", !!content.terms],
        ["performance_manner", !!content.performanceManner],
        ["performance_deadline_time", !!content.performanceDeadlineAt],
      ],
    },
  ];
  for (const p of parts) {
    const missing = p.fields.filter(([, present]) => !present).map(([name]) => name);
    if (missing.length > 0)
      v.add(
        f(missing[0]!),
        `a written agreement states ${p.part} (人民调解法 art. 29, required by policy); missing: ${missing.join(", ")}`,
      );
  }
  return content;
}

const confirmationDeadline = (effective: Date, policy: CasePolicy) =>
  new Date(effective.getTime() + policy.confirmationWindowSeconds * 1000);

export function decideAgreement(
  c: Case,
  input: AgreementInput,
  expectedRevision: number,
  policy: CasePolicy,
  ctx: DecisionContext,
): DecisionWithRevision<Case> {
  const v = new Violations();
  const content = checkAgreement(v, input, ctx.now);
  v.throwIfAny();
  checkExpectedRevision("case", c.caseId, c.revision, expectedRevision);
  assertStatus(c, ["IN_MEDIATION"], "record an agreement");
  assertMediatorOnCase(c, "record an agreement");
  const base: Agreement = {
    content,
    recordAt: ctx.now,
    signatures: [],
    effectiveAt: null,
    confirmationDeadlineAt: null,
    remindedBefore: [],
    confirmationAppliedAt: null,
    confirmationCourt: "",
    performance: [],
    performanceOverdueAlerted: false,
    confirmationLapsed: false,
  };
  if (content.form === "ORAL") {
    // Art. 28: an oral agreement takes effect when the parties reach it.
    const agreement = { ...base, effectiveAt: ctx.now, confirmationDeadlineAt: confirmationDeadline(ctx.now, policy) };
    return { state: close({ ...c, agreement }, "AGREED", ctx.now), action: "RecordAgreement", events: [] };
  }
  return { state: { ...c, status: "AGREEMENT_SIGNING", agreement: base }, action: "RecordAgreement", events: [] };
}

const PARTY_KINDS: readonly SignatureKind[] = ["PARTY_SIGNATURE", "PARTY_SEAL", "PARTY_FINGERPRINT"];

/** Whether a written agreement has what makes it effective (art. 29). */
export function signedInFull(c: Case, signatures: readonly Signature[]): boolean {
  const parties = c.parties.every((p) => signatures.some((s) => PARTY_KINDS.includes(s.kind) && s.partyId === p.partyId));
  return parties && signatures.some((s) => s.kind === "MEDIATOR") && signatures.some((s) => s.kind === "COMMITTEE_SEAL");
}

export function decideSignature(
  c: Case,
  input: { kind: SignatureKind | undefined; partyId: string; mediatorId: string; signAt: Date | undefined },
  expectedRevision: number,
  policy: CasePolicy,
  ctx: DecisionContext,
): DecisionWithRevision<Case> {
  const v = new Violations();
  if (!input.kind) v.add("kind", "is required");
  const signAt = pastTime(v, "sign_time", input.signAt, ctx.now);
  v.throwIfAny();
  const kind = input.kind!;
  let partyId = "";
  let mediatorId = "";
  if (PARTY_KINDS.includes(kind)) partyId = partyOf(c, input.partyId).partyId;
  else if (kind === "MEDIATOR") {
    mediatorId = input.mediatorId.trim().toLowerCase();
    if (!c.mediators.some((m) => m.active && m.mediatorId === mediatorId))
      throw new InvalidArgumentError([{ field: "mediator_id", description: "is not a mediator on this case" }]);
  }
  checkExpectedRevision("case", c.caseId, c.revision, expectedRevision);
  assertStatus(c, ["AGREEMENT_SIGNING"], "sign the agreement");
  const a = c.agreement!;
  if (signAt.getTime() < a.recordAt.getTime())
    throw new InvalidArgumentError([{ field: "sign_time", description: "must not be before the agreement was recorded" }]);
  const dup = a.signatures.some(
    (s) =>
      (partyId && PARTY_KINDS.includes(s.kind) && s.partyId === partyId) ||
      (mediatorId && s.kind === "MEDIATOR" && s.mediatorId === mediatorId) ||
      (kind === "COMMITTEE_SEAL" && s.kind === "COMMITTEE_SEAL"),
  );
  if (dup) throw precondition(c, "SIGNED_ALREADY", "this signature or seal is on the agreement already");
  const signatures = [...a.signatures, { kind, partyId, mediatorId, signAt }];
  if (!signedInFull(c, signatures)) return { state: { ...c, agreement: { ...a, signatures } }, action: "SignAgreement", events: [] };
  // Effective once the last of the parties, a mediator and the committee's seal is on it.
  const effectiveAt = new Date(Math.max(...signatures.map((s) => s.signAt.getTime())));
  const agreement = { ...a, signatures, effectiveAt, confirmationDeadlineAt: confirmationDeadline(effectiveAt, policy) };
  return { state: close({ ...c, agreement }, "AGREED", ctx.now), action: "SignAgreement", events: [] };
}

export function decideConfirmation(
  c: Case,
  input: { applyAt: Date | undefined; court: string },
  expectedRevision: number,
  ctx: DecisionContext,
): DecisionWithRevision<Case> {
  const v = new Violations();
  const applyAt = pastTime(v, "apply_time", input.applyAt, ctx.now);
  const court = textField(v, "court", input.court, { required: true, max: 200 });
  v.throwIfAny();
  checkExpectedRevision("case", c.caseId, c.revision, expectedRevision);
  assertStatus(c, ["AGREED"], "record a judicial confirmation application");
  const a = c.agreement!;
  if (a.confirmationAppliedAt) throw precondition(c, "CONFIRMATION_RECORDED", "the joint application is recorded already");
  if (applyAt.getTime() < a.effectiveAt!.getTime())
    throw new InvalidArgumentError([{ field: "apply_time", description: "must not be before the agreement took effect" }]);
  if (applyAt.getTime() > a.confirmationDeadlineAt!.getTime())
    throw precondition(
      c,
      "CONFIRMATION_WINDOW_CLOSED",
      `the joint application was due by ${a.confirmationDeadlineAt!.toISOString()} (30 days from the effective date, 人民调解法 art. 33)`,
    );
  return {
    state: { ...c, agreement: { ...a, confirmationAppliedAt: applyAt, confirmationCourt: court } },
    action: "RecordJudicialConfirmation",
    events: [],
  };
}

export function decidePerformance(
  c: Case,
  input: { status: PerformanceStatus | undefined; note: string },
  expectedRevision: number,
  ctx: DecisionContext,
): DecisionWithRevision<Case> {
  const v = new Violations();
  if (!input.status) v.add("status", "is required");
  const note = textField(v, "note", input.note, { max: 2000 });
  v.throwIfAny();
  checkExpectedRevision("case", c.caseId, c.revision, expectedRevision);
  assertStatus(c, ["AGREED"], "record performance");
  const a = c.agreement!;
  if (a.performance.some((p) => p.status === "PERFORMED")) throw precondition(c, "PERFORMED", "the agreement is performed already");
  if (a.performance.length >= 100) throw precondition(c, "CASE_FILE_FULL", "at most 100 performance checks");
  return {
    state: { ...c, agreement: { ...a, performance: [...a.performance, { status: input.status!, note, checkAt: ctx.now }] } },
    action: "RecordPerformance",
    events: [],
  };
}

// ---- failure and arbitration ----

export function decideFailure(
  c: Case,
  routes: (Route | undefined)[],
  note: string,
  expectedRevision: number,
  ctx: DecisionContext,
): DecisionWithRevision<Case> {
  const v = new Violations();
  if (routes.length === 0 || routes.length > 3) v.add("routes", "name 1-3 routes the parties were told of (人民调解法 art. 26)");
  routes.forEach((r, i) => {
    if (!r) v.add(`routes[${i}]`, "must be ARBITRATION, ADMINISTRATIVE or JUDICIAL");
  });
  const text = textField(v, "note", note, { max: 2000 });
  v.throwIfAny();
  checkExpectedRevision("case", c.caseId, c.revision, expectedRevision);
  assertStatus(c, ["IN_MEDIATION", "PAUSED", "AGREEMENT_SIGNING"], "end the mediation as failed");
  const failure: Failure = { routes: [...new Set(routes as Route[])], note: text, failAt: ctx.now };
  return { state: close({ ...c, failure }, "FAILED", ctx.now), action: "FailMediation", events: [] };
}

export interface ReferralInput {
  commissionCreditCode: string;
  agreement: { form: ArbitrationAgreementForm | undefined; content: string; concludeAt: Date | undefined } | undefined;
  summary: string;
}

/**
 * Refers a failed case to an arbitration commission. 仲裁法 accepts a case only under the
 * parties' written arbitration agreement (a contract clause or a separate agreement); legal-services
 * takes organisations as parties, so every party must be one.
 */
export function decideReferral(c: Case, input: ReferralInput, expectedRevision: number, ctx: DecisionContext): DecisionWithRevision<Case> {
  const v = new Violations();
  const commission = creditCodeField(v, "commission_credit_code", input.commissionCreditCode);
  const summary = textField(v, "summary", input.summary, { required: true, max: 2000 });
  const a = input.agreement;
  if (!a) v.add("agreement", "is required: arbitration needs the parties' written arbitration agreement (仲裁法)");
  else {
    if (!a.form) v.add("agreement.form", "is required: CONTRACT_CLAUSE or SEPARATE");
    textField(v, "agreement.content", a.content, { required: true, max: 2000 });
    if (a.concludeAt) pastTime(v, "agreement.conclude_time", a.concludeAt, ctx.now);
  }
  v.throwIfAny();
  checkExpectedRevision("case", c.caseId, c.revision, expectedRevision);
  assertStatus(c, ["FAILED"], "refer to arbitration");
  const problems: PreconditionViolation[] = [];
  if (!c.failure!.routes.includes("ARBITRATION"))
    problems.push({
      type: "ROUTE_NOT_OPEN",
      subject: `case/${c.caseId}`,
      description: "the parties were not told of arbitration as a route (FailMediation routes)",
    });
  if (c.referral && c.referral.status !== "DECLINED")
    problems.push({
      type: "REFERRED_ALREADY",
      subject: `case/${c.caseId}`,
      description: `the case is referred already (${c.referral.status.toLowerCase()})`,
    });
  const persons = c.parties.filter((p) => !p.organisation);
  if (persons.length > 0)
    problems.push({
      type: "PARTIES_NOT_ORGANISATIONS",
      subject: `case/${c.caseId}`,
      description: "legal-services takes referrals between organisations only; a person's details never leave mediation",
    });
  if (problems.length > 0) throw new FailedPreconditionError(problems);
  const referral: Referral = {
    referralId: ctx.newId(),
    commission: { creditCode: commission, jurisdictionCode: "", name: "" },
    agreement: { form: a!.form!, content: a!.content.trim(), concludeAt: a!.concludeAt ?? null },
    summary,
    status: "PENDING",
    answerNote: "",
    referAt: ctx.now,
    answerAt: null,
    lastSendError: "",
  };
  return { state: { ...c, referral }, action: "ReferToArbitration", events: [] };
}

/** What legal-services' referral says, applied to the case (receipt or the commission's answer). */
export function decideReferralUpdate(
  c: Case,
  update: { referralId: string; status: ReferralStatus; commission?: OrgRef; answerNote: string; answerAt: Date | null },
  action: string,
): DecisionWithRevision<Case> | undefined {
  const r = c.referral;
  if (!r || r.referralId !== update.referralId) return undefined;
  const rank: Record<ReferralStatus, number> = { PENDING: 0, RECEIVED: 1, ACCEPTED: 2, DECLINED: 2 };
  if (rank[update.status] <= rank[r.status]) return undefined; // older or repeated news
  const referral: Referral = {
    ...r,
    status: update.status,
    commission: update.commission?.name ? update.commission : r.commission,
    answerNote: update.answerNote || r.answerNote,
    answerAt: update.answerAt ?? r.answerAt,
    lastSendError: "",
  };
  return { state: { ...c, referral }, action, events: [] };
}

// ---- deadlines ----

/** Alerts due for a case at `now`: time-limit warnings and expiry, confirmation reminders, performance. */
export function decideDeadlines(c: Case, now: Date, policy: CasePolicy): DecisionWithRevision<Case> | undefined {
  const events: EventToEmit[] = [];
  let next = c;
  const detectTime = now;
  if (c.status === "IN_MEDIATION" && c.timeLimit.startAt && !c.timeLimit.expired) {
    const due = dueAt(c.timeLimit, now)!;
    const left = (due.getTime() - now.getTime()) / 1000;
    if (left <= 0) {
      next = { ...next, timeLimit: { ...next.timeLimit, expired: true } };
      events.push(
        emit(mediationEvents.timeLimitExpired, c.caseId, { caseId: c.caseId, committeeId: c.committeeId, dueTime: due, detectTime }, [
          toLocal("alerts"),
        ]),
      );
    } else {
      // Only the nearest offset reached is raised; the farther ones it passed are marked too.
      const reached = policy.warningOffsetsSeconds.filter((o) => left <= o && !c.timeLimit.warnedBefore.includes(o));
      if (reached.length > 0) {
        const nearest = Math.min(...reached);
        next = { ...next, timeLimit: { ...next.timeLimit, warnedBefore: [...next.timeLimit.warnedBefore, ...reached] } };
        events.push(
          emit(
            mediationEvents.timeLimitApproaching,
            c.caseId,
            { caseId: c.caseId, committeeId: c.committeeId, dueTime: due, warnedBeforeSeconds: String(nearest), detectTime },
            [toLocal("alerts")],
          ),
        );
      }
    }
  }
  const a = c.agreement;
  if (c.status === "AGREED" && a?.confirmationDeadlineAt && !a.confirmationAppliedAt && !a.confirmationLapsed) {
    const left = (a.confirmationDeadlineAt.getTime() - now.getTime()) / 1000;
    if (left <= 0) next = { ...next, agreement: { ...next.agreement!, confirmationLapsed: true } };
    const reached = policy.reminderOffsetsSeconds.filter((o) => left > 0 && left <= o && !a.remindedBefore.includes(o));
    if (reached.length > 0) {
      next = { ...next, agreement: { ...next.agreement!, remindedBefore: [...next.agreement!.remindedBefore, ...reached] } };
      events.push(
        emit(
          mediationEvents.confirmationWindowClosing,
          c.caseId,
          {
            caseId: c.caseId,
            committeeId: c.committeeId,
            effectiveTime: a.effectiveAt!,
            deadlineTime: a.confirmationDeadlineAt,
            remindedBeforeSeconds: String(Math.min(...reached)),
            detectTime,
          },
          [toLocal("alerts")],
        ),
      );
    }
  }
  const deadline = a?.content.performanceDeadlineAt;
  if (c.status === "AGREED" && a && deadline && !a.performanceOverdueAlerted && deadline.getTime() <= now.getTime()) {
    if (!a.performance.some((p) => p.status === "PERFORMED")) {
      next = { ...next, agreement: { ...next.agreement!, performanceOverdueAlerted: true } };
      events.push(
        emit(
          mediationEvents.performanceOverdue,
          c.caseId,
          { caseId: c.caseId, committeeId: c.committeeId, performanceDeadlineTime: deadline, detectTime },
          [toLocal("alerts")],
        ),
      );
    }
  }
  return next !== c ? { state: next, action: "ScanDeadlines", events } : undefined;
}

/** Whether the deadline scanner still has something to watch on the case. */
export function watched(c: Case): boolean {
  if (c.status === "IN_MEDIATION") return c.timeLimit.startAt !== null && !c.timeLimit.expired;
  const a = c.agreement;
  if (c.status !== "AGREED" || !a) return false;
  const confirmation = a.confirmationDeadlineAt !== null && a.confirmationAppliedAt === null && !a.confirmationLapsed;
  const performance =
    a.content.performanceDeadlineAt !== null && !a.performanceOverdueAlerted && !a.performance.some((p) => p.status === "PERFORMED");
  return confirmation || performance;
}
