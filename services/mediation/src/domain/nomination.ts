/**
 * Nominations (seed art. 19): the federation recommends people's assessors (人民陪审员) and
 * people's supervisors (人民监督员). Pure rules.
 *
 * Eligibility, one finding per bar:
 * - 人民陪审员法 art. 5: supports the Constitution, 28 or older, law-abiding and of good conduct,
 *   fit for the duty, generally (一般) high school or above — a lower level needs its reason.
 * - art. 6: members of standing committees of people's congresses, staff of supervisory
 *   commissions, courts, procuratorates, public and state security and justice administration
 *   (6(1)); lawyers, notaries, arbitrators, grassroots legal workers (6(2)).
 * - art. 7: criminal punishment, dismissal from public office, a revoked lawyer's or notary's
 *   licence, the 失信被执行人 list, removal as an assessor by discipline, other serious violations.
 * - Supervisors (《人民监督员选任管理办法》): 23 or older and high school or above without
 *   exception; the same offices and art. 7-like bars, and serving assessors take no part. The
 *   product applies the assessors' occupational bars (lawyers, notaries, arbitrators, grassroots
 *   legal workers) to supervisors too, as a stated policy.
 * - What legal-services knows (its providers stream): a lawyer by the licence number given, and
 *   any active lawyer or arbitrator with the nominee's name unless the officer cleared it as
 *   another person.
 * The federation route (人民团体推荐, 人民陪审员法 art. 11) takes at most one fifth of the
 * selecting body's quota.
 */
import {
  AlreadyExistsError,
  checkExpectedRevision,
  FailedPreconditionError,
  InvalidArgumentError,
  isUuid,
  textField,
  Violations,
  type DecisionWithRevision,
  type PreconditionViolation,
} from "@jinlian/chassis";
import type { Gender } from "./committee";
import {
  creditCodeField,
  isIdentityNumber,
  isLicenceNumber,
  requiredReason,
  type DecisionContext,
  type OrgRef,
  type RegistryOrganisation,
} from "./common";
import type { LegalProviderFact } from "./conflicts";

export type NominationKind = "PEOPLES_ASSESSOR" | "PEOPLES_SUPERVISOR";
export type EducationLevel = "PRIMARY" | "JUNIOR_HIGH" | "HIGH_SCHOOL" | "JUNIOR_COLLEGE" | "BACHELOR" | "POSTGRADUATE";
export const EDUCATION_LEVELS: readonly EducationLevel[] = [
  "PRIMARY",
  "JUNIOR_HIGH",
  "HIGH_SCHOOL",
  "JUNIOR_COLLEGE",
  "BACHELOR",
  "POSTGRADUATE",
];
export const OCCUPATIONS = [
  "ENTERPRISE_STAFF",
  "CHAMBER_STAFF",
  "FEDERATION_STAFF",
  "OTHER",
  "PEOPLES_CONGRESS_STANDING_COMMITTEE",
  "SUPERVISORY_COMMISSION",
  "COURT",
  "PROCURATORATE",
  "PUBLIC_SECURITY",
  "STATE_SECURITY",
  "JUSTICE_ADMINISTRATION",
  "LAWYER",
  "NOTARY",
  "ARBITRATOR",
  "GRASSROOTS_LEGAL_WORKER",
  "PEOPLES_ASSESSOR",
] as const;
export type Occupation = (typeof OCCUPATIONS)[number];
export const ELIGIBILITY_BARS = [
  "AGE",
  "EDUCATION",
  "CONSTITUTION",
  "CONDUCT",
  "FITNESS",
  "OCCUPATION",
  "KNOWN_TO_LEGAL_SERVICES",
  "CRIMINAL_PUNISHMENT",
  "DISMISSED_FROM_PUBLIC_OFFICE",
  "LICENCE_REVOKED",
  "REMOVED_AS_ASSESSOR",
  "SERIOUS_VIOLATION",
  "DEFAULTER",
] as const;
export type EligibilityBar = (typeof ELIGIBILITY_BARS)[number];
export type NominationBatchStatus = "OPEN" | "SUBMITTED" | "DECIDED";
export type NomineeStatus = "NOMINATED" | "SELECTED" | "REJECTED";

export interface Declarations {
  supportsConstitution: boolean;
  goodConduct: boolean;
  fitForDuty: boolean;
  criminalPunishment: boolean;
  dismissedFromPublicOffice: boolean;
  licenceRevoked: boolean;
  removedAsAssessor: boolean;
  seriousViolation: boolean;
}

export const NO_DECLARATIONS: Declarations = {
  supportsConstitution: false,
  goodConduct: false,
  fitForDuty: false,
  criminalPunishment: false,
  dismissedFromPublicOffice: false,
  licenceRevoked: false,
  removedAsAssessor: false,
  seriousViolation: false,
};

export interface NomineeInput {
  name: string;
  gender: Gender | undefined;
  identityNumber: string;
  education: EducationLevel | undefined;
  educationException: string;
  occupations: (Occupation | undefined)[];
  employerCreditCode: string;
  lawyerLicenceNumber: string;
  declarations: Declarations | undefined;
  clearedProviderIds: string[];
  phone: string;
}

export interface Nominee {
  nomineeId: string;
  name: string;
  gender: Gender;
  identityNumber: string;
  birthDate: string;
  ageAtReference: number;
  education: EducationLevel;
  educationException: string;
  occupations: Occupation[];
  employer: OrgRef;
  lawyerLicenceNumber: string;
  declarations: Declarations;
  clearedProviderIds: string[];
  phone: string;
  status: NomineeStatus;
  outcomeNote: string;
  nominatedAt: Date;
  decidedAt: Date | null;
}

export interface NominationBatch {
  batchId: string;
  kind: NominationKind;
  federation: OrgRef;
  selectingBody: string;
  quota: number;
  referenceAt: Date;
  status: NominationBatchStatus;
  nominees: Nominee[];
  createdAt: Date;
  submittedAt: Date | null;
  decidedAt: Date | null;
  revision: number;
}

/** The figures that are policy, with the cited law's as defaults. */
export interface NominationPolicy {
  assessorMinAge: number;
  supervisorMinAge: number;
  /** The federation route takes at most quota / this (人民陪审员法 art. 11: 五分之一). */
  federationShareDivisor: number;
}

export const DEFAULT_NOMINATION_POLICY: NominationPolicy = { assessorMinAge: 28, supervisorMinAge: 23, federationShareDivisor: 5 };

export interface Finding {
  bar: EligibilityBar;
  basis: string;
  explanation: string;
}

export const federationCap = (quota: number, policy: NominationPolicy): number => Math.floor(quota / policy.federationShareDivisor);

const ASSESSOR_LAW = "人民陪审员法";
const SUPERVISOR_RULES = "人民监督员选任管理办法";

/** Offices barred by 人民陪审员法 art. 6(1) (and, for supervisors, the same offices in their rules). */
const OFFICES: readonly Occupation[] = [
  "PEOPLES_CONGRESS_STANDING_COMMITTEE",
  "SUPERVISORY_COMMISSION",
  "COURT",
  "PROCURATORATE",
  "PUBLIC_SECURITY",
  "STATE_SECURITY",
  "JUSTICE_ADMINISTRATION",
];
/** Legal professions barred by 人民陪审员法 art. 6(2); applied to supervisors as policy. */
const LEGAL_PROFESSIONS: readonly Occupation[] = ["LAWYER", "NOTARY", "ARBITRATOR", "GRASSROOTS_LEGAL_WORKER"];

/** The birth date a 居民身份证号码 carries (characters 7-14), or undefined when it is no date. */
export function birthDateOf(identityNumber: string): { y: number; m: number; d: number } | undefined {
  const digits = /^\d{6}(\d{4})(\d{2})(\d{2})/.exec(identityNumber);
  if (!digits) return undefined;
  const [y, m, d] = [Number(digits[1]), Number(digits[2]), Number(digits[3])];
  const date = new Date(Date.UTC(y, m - 1, d));
  if (y < 1900 || date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return undefined;
  return { y, m, d };
}

/** Full years at a reference time, counted on the calendar date in China (UTC+8). */
export function ageAt(birth: { y: number; m: number; d: number }, reference: Date): number {
  const local = new Date(reference.getTime() + 8 * 3600_000);
  const [y, m, d] = [local.getUTCFullYear(), local.getUTCMonth() + 1, local.getUTCDate()];
  return y - birth.y - (m < birth.m || (m === birth.m && d < birth.d) ? 1 : 0);
}

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

/** Checks a nominee's fields (INVALID_ARGUMENT), named under `prefix` (e.g. "nominee."). */
export function checkNomineeInput(v: Violations, input: NomineeInput, prefix: string): void {
  textField(v, `${prefix}name`, input.name, { required: true, max: 100 });
  if (!input.gender) v.add(`${prefix}gender`, "is required");
  const id = input.identityNumber.trim().toUpperCase();
  if (!id) v.add(`${prefix}identity_number`, "is required: the birth date and the 失信被执行人 list are read from it");
  else if (!isIdentityNumber(id) || !birthDateOf(id)) v.add(`${prefix}identity_number`, "is not a valid 居民身份证号码 (GB 11643)");
  if (!input.education) v.add(`${prefix}education`, "is required");
  textField(v, `${prefix}education_exception`, input.educationException, { max: 500 });
  if (input.occupations.length === 0) v.add(`${prefix}occupations`, "name at least one occupation or office");
  if (input.occupations.length > 10) v.add(`${prefix}occupations`, "at most 10");
  input.occupations.forEach((o, i) => {
    if (!o) v.add(`${prefix}occupations[${i}]`, "is not a known occupation");
  });
  creditCodeField(v, `${prefix}employer_credit_code`, input.employerCreditCode);
  const licence = input.lawyerLicenceNumber.trim();
  if (licence && !isLicenceNumber(licence)) v.add(`${prefix}lawyer_licence_number`, "must be a lawyer's licence number of 17 digits");
  if (input.clearedProviderIds.length > 20) v.add(`${prefix}cleared_provider_ids`, "at most 20");
  input.clearedProviderIds.forEach((p, i) => {
    if (!isUuid(p.trim().toLowerCase())) v.add(`${prefix}cleared_provider_ids[${i}]`, "must be a provider id (UUID)");
  });
  if ([...input.phone.trim()].length > 30) v.add(`${prefix}phone`, "must be at most 30 characters");
}

/**
 * The employer a nominee or candidate works at: a federation organisation, a chamber or an
 * enterprise of this node's registry (seed art. 19: 工商联组织、商会组织和民营企业人员), active.
 */
export function employerOf(field: string, code: string, registry: ReadonlyMap<string, RegistryOrganisation>): OrgRef {
  const o = registry.get(code.trim().toUpperCase());
  if (!o) throw new InvalidArgumentError([{ field, description: "is not an organisation of this node's liaison registry" }]);
  if (!["FEDERATION", "CHAMBER_OF_COMMERCE", "ENTERPRISE"].includes(o.type))
    throw new InvalidArgumentError([{ field, description: `must be a FEDERATION, CHAMBER_OF_COMMERCE or ENTERPRISE, not ${o.type}` }]);
  if (!o.active)
    throw new FailedPreconditionError([
      {
        type: "ORGANISATION_DEACTIVATED",
        subject: `organisation/${o.creditCode}`,
        description: `${field}: ${o.name} (${o.creditCode}) is deactivated in the liaison registry`,
      },
    ]);
  return { creditCode: o.creditCode, jurisdictionCode: o.jurisdictionCode, name: o.name };
}

/** What the node knows of the person besides what the nomination says. */
export interface EligibilityFacts {
  /** legal-services' providers with the licence number given or the nominee's name. */
  providers: readonly LegalProviderFact[];
  /** The active 失信被执行人 entry with the nominee's identity number, if any. */
  defaulter: { entryId: string; source: string } | undefined;
}

/** Every bar the person meets for a batch of this kind at its reference date; empty: eligible. */
export function eligibilityFindings(
  kind: NominationKind,
  referenceAt: Date,
  input: NomineeInput,
  facts: EligibilityFacts,
  policy: NominationPolicy,
): { findings: Finding[]; age: number } {
  const assessor = kind === "PEOPLES_ASSESSOR";
  const law = assessor ? ASSESSOR_LAW : SUPERVISOR_RULES;
  const art = (a: string) => (assessor ? `${ASSESSOR_LAW} art. ${a}` : SUPERVISOR_RULES);
  const out: Finding[] = [];
  const add = (bar: EligibilityBar, basis: string, explanation: string) => out.push({ bar, basis, explanation });
  const id = input.identityNumber.trim().toUpperCase();
  const birth = birthDateOf(id)!;
  const age = ageAt(birth, referenceAt);
  const minAge = assessor ? policy.assessorMinAge : policy.supervisorMinAge;
  const refDate = new Date(referenceAt.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
  if (age < minAge)
    add("AGE", art("5(2)"), `born ${birth.y}-${pad(birth.m)}-${pad(birth.d)}: ${age} at the reference date ${refDate}, under ${minAge}`);
  const education = input.education!;
  if (EDUCATION_LEVELS.indexOf(education) < EDUCATION_LEVELS.indexOf("HIGH_SCHOOL")) {
    // Assessors: 一般应当具有高中以上文化程度 — an explained exception is allowed; supervisors: none.
    if (!assessor) add("EDUCATION", law, `${education.toLowerCase()} education: supervisors need high school or above`);
    else if (!input.educationException.trim())
      add("EDUCATION", art("5(4)"), `${education.toLowerCase()} education, below high school, and no reason for an exception given`);
  }
  const d = input.declarations ?? NO_DECLARATIONS;
  if (!d.supportsConstitution) add("CONSTITUTION", art("5(1)"), "support for the Constitution is not declared");
  if (!d.goodConduct) add("CONDUCT", art("5(3)"), "law-abiding, good conduct and fairness (遵纪守法、品行良好、公道正派) are not declared");
  if (!d.fitForDuty) add("FITNESS", art("5(4)"), "the physical fitness to perform the duty is not declared");
  const occupations = new Set(input.occupations.filter((o): o is Occupation => !!o));
  for (const o of OFFICES)
    if (occupations.has(o)) add("OCCUPATION", art("6(1)"), `${o.toLowerCase().replace(/_/g, " ")}: this office bars the nomination`);
  for (const o of LEGAL_PROFESSIONS)
    if (occupations.has(o))
      add(
        "OCCUPATION",
        assessor ? art("6(2)") : `${SUPERVISOR_RULES}; ${ASSESSOR_LAW} art. 6(2) applied as policy`,
        `${o.toLowerCase().replace(/_/g, " ")}: this profession bars the nomination`,
      );
  if (!assessor && occupations.has("PEOPLES_ASSESSOR"))
    add("OCCUPATION", law, "a serving people's assessor takes no part in the supervisors' selection");
  const licence = input.lawyerLicenceNumber.trim();
  const cleared = new Set(input.clearedProviderIds.map((p) => p.trim().toLowerCase()));
  const name = input.name.trim();
  for (const p of facts.providers) {
    if (p.status === "RETIRED") continue; // no longer practising or on a roster
    const byLicence = licence !== "" && p.kind === "LAWYER" && p.licenceNumber === licence;
    const byName = (p.kind === "LAWYER" || p.kind === "ARBITRATOR") && p.name === name && !cleared.has(p.providerId);
    if (!byLicence && !byName) continue;
    const what =
      p.kind === "LAWYER"
        ? `a ${p.lawyerKind ? `${p.lawyerKind.toLowerCase().replace(/_/g, "-")} ` : ""}lawyer (licence ${p.licenceNumber})`
        : `an arbitrator (commission ${p.commissionCreditCode}, roster ${p.rosterNumber})`;
    add(
      "KNOWN_TO_LEGAL_SERVICES",
      assessor ? art("6(2)") : `${SUPERVISOR_RULES}; ${ASSESSOR_LAW} art. 6(2) applied as policy`,
      byLicence
        ? `legal-services knows licence ${licence} as ${what}, ${p.status.toLowerCase()}`
        : `legal-services knows ${p.name} as ${what}, ${p.status.toLowerCase()} (provider ${p.providerId}); if this is another person, name the provider in cleared_provider_ids`,
    );
  }
  if (d.criminalPunishment) add("CRIMINAL_PUNISHMENT", art("7(1)"), "declared: has received a criminal punishment");
  if (d.dismissedFromPublicOffice) add("DISMISSED_FROM_PUBLIC_OFFICE", art("7(2)"), "declared: dismissed from public office");
  if (d.licenceRevoked) add("LICENCE_REVOKED", art("7(3)"), "declared: a lawyer's or notary's licence was revoked");
  if (d.removedAsAssessor) add("REMOVED_AS_ASSESSOR", art("7(5)"), "declared: removed as a people's assessor by discipline");
  if (d.seriousViolation) add("SERIOUS_VIOLATION", art("7(6)"), "declared: another serious violation that may affect judicial credibility");
  if (facts.defaulter)
    add(
      "DEFAULTER",
      art("7(4)"),
      `on the 失信被执行人 list kept at this node (entry ${facts.defaulter.entryId}: ${facts.defaulter.source})`,
    );
  return { findings: out, age };
}

// ---- batches ----

export interface CreateBatchInput {
  kind: NominationKind | undefined;
  federationCreditCode: string;
  selectingBody: string;
  quota: number;
  referenceAt: Date | undefined;
}

/** A federation of this node's registry and jurisdiction, active: the recommender. */
export function federationOf(code: string, registry: ReadonlyMap<string, RegistryOrganisation>, here: string): OrgRef {
  const f = registry.get(code);
  if (!f)
    throw new InvalidArgumentError([
      { field: "federation_credit_code", description: "is not an organisation of this node's liaison registry" },
    ]);
  if (f.type !== "FEDERATION")
    throw new InvalidArgumentError([{ field: "federation_credit_code", description: `must be a FEDERATION, not ${f.type}` }]);
  if (f.jurisdictionCode !== here)
    throw new InvalidArgumentError([
      { field: "federation_credit_code", description: `must be the federation of this node's jurisdiction ${here}` },
    ]);
  if (!f.active)
    throw new FailedPreconditionError([
      {
        type: "ORGANISATION_DEACTIVATED",
        subject: `organisation/${f.creditCode}`,
        description: `${f.name} is deactivated in the liaison registry`,
      },
    ]);
  return { creditCode: f.creditCode, jurisdictionCode: f.jurisdictionCode, name: f.name };
}

export function checkCreateBatch(input: CreateBatchInput): { federationCode: string; selectingBody: string } {
  const v = new Violations();
  if (!input.kind) v.add("kind", "is required: PEOPLES_ASSESSOR or PEOPLES_SUPERVISOR");
  const federationCode = creditCodeField(v, "federation_credit_code", input.federationCreditCode);
  const selectingBody = textField(v, "selecting_body", input.selectingBody, { required: true, max: 200 });
  if (!Number.isInteger(input.quota) || input.quota < 1 || input.quota > 10_000) v.add("quota", "must be 1-10000");
  if (!input.referenceAt) v.add("reference_time", "is required: the fixed date ages are counted at");
  else if (Number.isNaN(input.referenceAt.getTime())) v.add("reference_time", "must be a valid time");
  v.throwIfAny();
  return { federationCode, selectingBody };
}

/** A new batch under `batchId`, drawn by the caller so a retried request finds it. */
export function decideCreateBatch(
  batchId: string,
  input: CreateBatchInput,
  federation: OrgRef,
  selectingBody: string,
  exists: boolean,
  ctx: DecisionContext,
): DecisionWithRevision<NominationBatch> {
  if (exists)
    throw new AlreadyExistsError(
      "nomination_batch",
      selectingBody,
      `a ${input.kind!.toLowerCase().replace(/_/g, " ")} batch for ${selectingBody} at this reference date exists already`,
    );
  const state: NominationBatch = {
    batchId,
    kind: input.kind!,
    federation,
    selectingBody,
    quota: input.quota,
    referenceAt: input.referenceAt!,
    status: "OPEN",
    nominees: [],
    createdAt: ctx.now,
    submittedAt: null,
    decidedAt: null,
    revision: 1,
  };
  return { state, action: "CreateNominationBatch", events: [] };
}

const batchPrecondition = (b: NominationBatch, type: string, description: string) =>
  new FailedPreconditionError([{ type, subject: `nomination_batch/${b.batchId}`, description }]);

/**
 * Adds a nominee: the input valid, the batch open, the person not in it yet, within the
 * federation's cap, and no bar met (one violation per bar).
 */
export function decideAddNominee(
  b: NominationBatch,
  input: NomineeInput,
  registry: ReadonlyMap<string, RegistryOrganisation>,
  facts: EligibilityFacts,
  expectedRevision: number,
  policy: NominationPolicy,
  ctx: DecisionContext,
): DecisionWithRevision<NominationBatch> {
  checkExpectedRevision("nomination_batch", b.batchId, b.revision, expectedRevision);
  const employer = employerOf("nominee.employer_credit_code", input.employerCreditCode, registry);
  if (b.status !== "OPEN")
    throw batchPrecondition(b, "BATCH_STATE", `the batch is ${b.status.toLowerCase()}: nominees are added while it is open`);
  const id = input.identityNumber.trim().toUpperCase();
  if (b.nominees.some((n) => n.identityNumber === id))
    throw new AlreadyExistsError("nominee", id.slice(0, 6), "this person is nominated in the batch already");
  const cap = federationCap(b.quota, policy);
  if (b.nominees.length >= cap)
    throw batchPrecondition(
      b,
      "FEDERATION_CAP_REACHED",
      `the federation route takes at most one fifth of the quota of ${b.quota} (人民陪审员法 art. 11): ${cap} nominee(s), all taken`,
    );
  const { findings, age } = eligibilityFindings(b.kind, b.referenceAt, input, facts, policy);
  if (findings.length > 0)
    throw new FailedPreconditionError(
      findings.map((f): PreconditionViolation => ({
        type: "NOMINEE_INELIGIBLE",
        subject: `bar/${f.bar}`,
        description: `${f.basis}: ${f.explanation}`,
      })),
    );
  const birth = birthDateOf(id)!;
  const nominee: Nominee = {
    nomineeId: ctx.newId(),
    name: input.name.trim(),
    gender: input.gender!,
    identityNumber: id,
    birthDate: `${birth.y}-${pad(birth.m)}-${pad(birth.d)}`,
    ageAtReference: age,
    education: input.education!,
    educationException: input.educationException.trim(),
    occupations: [...new Set(input.occupations as Occupation[])],
    employer,
    lawyerLicenceNumber: input.lawyerLicenceNumber.trim(),
    declarations: { ...(input.declarations ?? NO_DECLARATIONS) },
    clearedProviderIds: [...new Set(input.clearedProviderIds.map((p) => p.trim().toLowerCase()))],
    phone: input.phone.trim(),
    status: "NOMINATED",
    outcomeNote: "",
    nominatedAt: ctx.now,
    decidedAt: null,
  };
  return { state: { ...b, nominees: [...b.nominees, nominee] }, action: "AddNominee", events: [] };
}

export function decideSubmitBatch(
  b: NominationBatch,
  expectedRevision: number,
  ctx: DecisionContext,
): DecisionWithRevision<NominationBatch> {
  checkExpectedRevision("nomination_batch", b.batchId, b.revision, expectedRevision);
  if (b.status !== "OPEN") throw batchPrecondition(b, "BATCH_STATE", `the batch is ${b.status.toLowerCase()} already`);
  if (b.nominees.length === 0) throw batchPrecondition(b, "BATCH_EMPTY", "a batch is submitted with at least one nominee");
  return { state: { ...b, status: "SUBMITTED", submittedAt: ctx.now }, action: "SubmitNominationBatch", events: [] };
}

export function decideSelectionOutcome(
  b: NominationBatch,
  input: { nomineeId: string; selected: boolean; outcomeNote: string },
  expectedRevision: number,
  ctx: DecisionContext,
): DecisionWithRevision<NominationBatch> {
  const v = new Violations();
  const nomineeId = input.nomineeId.trim().toLowerCase();
  if (!isUuid(nomineeId)) v.add("nominee_id", nomineeId ? "must be a UUID" : "is required");
  const note = input.selected
    ? textField(v, "outcome_note", input.outcomeNote, { max: 500 })
    : requiredReason(v, "outcome_note", input.outcomeNote);
  v.throwIfAny();
  const nominee = b.nominees.find((n) => n.nomineeId === nomineeId);
  if (!nominee) throw new InvalidArgumentError([{ field: "nominee_id", description: "is not a nominee of this batch" }]);
  checkExpectedRevision("nomination_batch", b.batchId, b.revision, expectedRevision);
  if (b.status !== "SUBMITTED")
    throw batchPrecondition(b, "BATCH_STATE", `outcomes are recorded once the batch is submitted; it is ${b.status.toLowerCase()}`);
  if (nominee.status !== "NOMINATED")
    throw batchPrecondition(b, "OUTCOME_RECORDED", `the nominee was ${nominee.status.toLowerCase()} already`);
  const nominees = b.nominees.map((n) =>
    n.nomineeId === nomineeId
      ? { ...n, status: (input.selected ? "SELECTED" : "REJECTED") as NomineeStatus, outcomeNote: note, decidedAt: ctx.now }
      : n,
  );
  const decided = nominees.every((n) => n.status !== "NOMINATED");
  return {
    state: { ...b, nominees, status: decided ? "DECIDED" : b.status, decidedAt: decided ? ctx.now : null },
    action: "RecordSelectionOutcome",
    events: [],
  };
}

// ---- the 失信被执行人 list ----

export interface Defaulter {
  entryId: string;
  identityNumber: string;
  name: string;
  source: string;
  active: boolean;
  addedAt: Date;
  removedAt: Date | null;
  removeReason: string;
  revision: number;
}

/** A new entry under `entryId`, drawn by the caller so a retried request finds it. */
export function decideAddDefaulter(
  entryId: string,
  input: { identityNumber: string; name: string; source: string },
  activeExists: boolean,
  ctx: DecisionContext,
): DecisionWithRevision<Defaulter> {
  const v = new Violations();
  const id = input.identityNumber.trim().toUpperCase();
  if (!id) v.add("identity_number", "is required");
  else if (!isIdentityNumber(id)) v.add("identity_number", "is not a valid 居民身份证号码 (GB 11643)");
  const name = textField(v, "name", input.name, { required: true, max: 100 });
  const source = textField(v, "source", input.source, { required: true, max: 200 });
  v.throwIfAny();
  if (activeExists) throw new AlreadyExistsError("defaulter", id.slice(0, 6), "this identity number is on the list already");
  return {
    state: {
      entryId,
      identityNumber: id,
      name,
      source,
      active: true,
      addedAt: ctx.now,
      removedAt: null,
      removeReason: "",
      revision: 1,
    },
    action: "AddDefaulter",
    events: [],
  };
}

export function decideRemoveDefaulter(
  d: Defaulter,
  reason: string,
  expectedRevision: number,
  ctx: DecisionContext,
): DecisionWithRevision<Defaulter> {
  const v = new Violations();
  const why = requiredReason(v, "reason", reason);
  v.throwIfAny();
  checkExpectedRevision("defaulter", d.entryId, d.revision, expectedRevision);
  if (!d.active)
    throw new FailedPreconditionError([
      { type: "DEFAULTER_REMOVED", subject: `defaulter/${d.entryId}`, description: "the entry is removed already" },
    ]);
  return { state: { ...d, active: false, removedAt: ctx.now, removeReason: why }, action: "RemoveDefaulter", events: [] };
}
