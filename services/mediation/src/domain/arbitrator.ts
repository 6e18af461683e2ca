/**
 * Arbitrator recommendations (seed art. 18): the federation recommends professionals of its
 * organisations and of private enterprises to an arbitration commission. Pure rules.
 *
 * 仲裁法 (2017 text, art. 13) — a commission appoints arbitrators from people who are fair and
 * upright (公道正派) and meet one of: (1) the legal professional qualification and eight years of
 * arbitration work; (2) eight years as a lawyer; (3) eight years as a judge; (4) legal research or
 * teaching with a senior title; (5) legal knowledge and economic, trade or similar professional
 * work with a senior title or an equivalent professional level. The revision adopted 2025-09-12
 * is in force from 2026-03-01 and renumbers the law; the docs cite the requirement, and the eight
 * years are policy (MEDIATION_ARBITRATOR_MIN_YEARS).
 */
import {
  AlreadyExistsError,
  checkExpectedRevision,
  FailedPreconditionError,
  textField,
  Violations,
  type DecisionWithRevision,
  type PreconditionViolation,
} from "@jinlian/chassis";
import type { Gender } from "./committee";
import { creditCodeField, requiredReason, type DecisionContext, type OrgRef } from "./common";
import type { LegalProviderFact } from "./conflicts";

export type ExperienceKind = "ARBITRATION_WORK" | "LAWYER" | "JUDGE";
export type SeniorTitleField = "LEGAL_RESEARCH_TEACHING" | "ECONOMIC_TRADE";
export type QualificationRoute = "ARBITRATION_WORK" | "LAWYER" | "JUDGE" | "LEGAL_RESEARCH" | "ECONOMIC_TRADE";
export type RecommendationStatus = "RECOMMENDED" | "APPOINTED" | "NOT_APPOINTED";

export interface CandidateInput {
  name: string;
  gender: Gender | undefined;
  employerCreditCode: string;
  legalProfessionalQualification: boolean;
  experiences: { kind: ExperienceKind | undefined; years: number }[];
  seniorTitleField: SeniorTitleField | undefined;
  seniorTitle: string;
  equivalentProfessionalLevel: boolean;
  legalKnowledge: boolean;
  fairAndUpright: boolean;
  specialties: string[];
  phone: string;
}

export interface Candidate extends Omit<CandidateInput, "gender" | "experiences" | "seniorTitleField"> {
  gender: Gender;
  experiences: { kind: ExperienceKind; years: number }[];
  seniorTitleField: SeniorTitleField | null;
}

export interface RouteAssessment {
  route: QualificationRoute;
  met: boolean;
  explanation: string;
}

export interface ArbitratorRecommendation {
  recommendationId: string;
  federation: OrgRef;
  commission: OrgRef;
  candidate: Candidate;
  employer: OrgRef;
  routes: RouteAssessment[];
  status: RecommendationStatus;
  outcomeNote: string;
  recommendedAt: Date;
  decidedAt: Date | null;
  revision: number;
}

export interface ArbitratorPolicy {
  /** 仲裁法: 满八年. */
  minYears: number;
}

export const DEFAULT_ARBITRATOR_POLICY: ArbitratorPolicy = { minYears: 8 };

const BASIS = "仲裁法 (2017 text) art. 13";

/** Checks the candidate's fields (INVALID_ARGUMENT), named under "candidate.". */
export function checkCandidate(input: CandidateInput): Candidate {
  const v = new Violations();
  const name = textField(v, "candidate.name", input.name, { required: true, max: 100 });
  if (!input.gender) v.add("candidate.gender", "is required");
  const employerCreditCode = creditCodeField(v, "candidate.employer_credit_code", input.employerCreditCode);
  const kinds = new Set<string>();
  input.experiences.forEach((e, i) => {
    if (!e.kind) v.add(`candidate.experiences[${i}].kind`, "is required: ARBITRATION_WORK, LAWYER or JUDGE");
    else if (kinds.has(e.kind)) v.add(`candidate.experiences[${i}].kind`, "is listed twice");
    else kinds.add(e.kind);
    if (!Number.isInteger(e.years) || e.years < 0 || e.years > 70) v.add(`candidate.experiences[${i}].years`, "must be 0-70");
  });
  const seniorTitle = textField(v, "candidate.senior_title", input.seniorTitle, { max: 100 });
  if (seniorTitle && !input.seniorTitleField) v.add("candidate.senior_title_field", "is required with a senior title");
  if (input.specialties.length > 20) v.add("candidate.specialties", "at most 20");
  const specialties = input.specialties
    .slice(0, 20)
    .map((s, i) => textField(v, `candidate.specialties[${i}]`, s, { required: true, max: 100 }));
  if ([...input.phone.trim()].length > 30) v.add("candidate.phone", "must be at most 30 characters");
  v.throwIfAny();
  return {
    ...input,
    name,
    gender: input.gender!,
    employerCreditCode,
    experiences: input.experiences.map((e) => ({ kind: e.kind!, years: e.years })),
    seniorTitleField: input.seniorTitleField ?? null,
    seniorTitle,
    specialties,
    phone: input.phone.trim(),
  };
}

/** Every route of 仲裁法 to the roster, met or not, with its reason. */
export function assessRoutes(c: Candidate, policy: ArbitratorPolicy): RouteAssessment[] {
  const years = (k: ExperienceKind) => c.experiences.find((e) => e.kind === k)?.years ?? 0;
  const n = policy.minYears;
  const experience = (route: QualificationRoute, k: ExperienceKind, what: string, clause: string): RouteAssessment => {
    const y = years(k);
    return {
      route,
      met: y >= n,
      explanation: `${BASIS}(${clause}): ${y} year(s) ${what}${y >= n ? `, at least ${n}` : `, fewer than ${n}`}`,
    };
  };
  const arbitration = experience("ARBITRATION_WORK", "ARBITRATION_WORK", "of arbitration work", "1");
  const withQualification: RouteAssessment = c.legalProfessionalQualification
    ? arbitration
    : { ...arbitration, met: false, explanation: `${arbitration.explanation}; and no legal professional qualification (法律职业资格)` };
  const title = c.seniorTitle ? `senior title ${c.seniorTitle}` : "no senior title";
  const research: RouteAssessment =
    c.seniorTitleField === "LEGAL_RESEARCH_TEACHING" && c.seniorTitle
      ? { route: "LEGAL_RESEARCH", met: true, explanation: `${BASIS}(4): legal research or teaching with the ${title}` }
      : { route: "LEGAL_RESEARCH", met: false, explanation: `${BASIS}(4): no senior title in legal research or teaching (${title})` };
  const economicLevel = (c.seniorTitleField === "ECONOMIC_TRADE" && !!c.seniorTitle) || c.equivalentProfessionalLevel;
  const economic: RouteAssessment = {
    route: "ECONOMIC_TRADE",
    met: economicLevel && c.legalKnowledge,
    explanation: `${BASIS}(5): ${
      economicLevel
        ? c.seniorTitleField === "ECONOMIC_TRADE" && c.seniorTitle
          ? `economic or trade work with the ${title}`
          : "an equivalent professional level in economic or trade work"
        : "no senior title or equivalent level in economic, trade or similar work"
    }; legal knowledge ${c.legalKnowledge ? "declared" : "not declared"}`,
  };
  return [
    withQualification,
    experience("LAWYER", "LAWYER", "as a lawyer", "2"),
    experience("JUDGE", "JUDGE", "as a judge", "3"),
    research,
    economic,
  ];
}

/**
 * Recommends a candidate to a commission: fair and upright and at least one route met (else one
 * violation per route), not on the commission's roster already (as legal-services knows it), not
 * recommended to it already while that recommendation is pending. The id is drawn by the caller,
 * so a retried request finds the recommendation it made.
 */
export function decideRecommend(
  recommendationId: string,
  input: { federation: OrgRef; commission: OrgRef; employer: OrgRef; candidate: Candidate },
  onRoster: LegalProviderFact | undefined,
  pendingExists: boolean,
  policy: ArbitratorPolicy,
  ctx: DecisionContext,
): DecisionWithRevision<ArbitratorRecommendation> {
  const c = input.candidate;
  const routes = assessRoutes(c, policy);
  const problems: PreconditionViolation[] = [];
  if (!c.fairAndUpright)
    problems.push({
      type: "ARBITRATOR_UNQUALIFIED",
      subject: "condition/FAIR_AND_UPRIGHT",
      description: `${BASIS}: a commission appoints arbitrators from fair and upright people (公道正派); it is not declared`,
    });
  if (!routes.some((r) => r.met))
    for (const r of routes) problems.push({ type: "ARBITRATOR_UNQUALIFIED", subject: `route/${r.route}`, description: r.explanation });
  if (onRoster)
    problems.push({
      type: "ALREADY_ON_ROSTER",
      subject: `provider/${onRoster.providerId}`,
      description: `legal-services lists ${onRoster.name} on the roster of ${input.commission.name} (number ${onRoster.rosterNumber})`,
    });
  if (problems.length > 0) throw new FailedPreconditionError(problems);
  if (pendingExists)
    throw new AlreadyExistsError(
      "arbitrator_recommendation",
      c.name,
      `${c.name} of ${input.employer.name} is recommended to ${input.commission.name} already, awaiting its decision`,
    );
  const state: ArbitratorRecommendation = {
    recommendationId,
    federation: input.federation,
    commission: input.commission,
    candidate: c,
    employer: input.employer,
    routes,
    status: "RECOMMENDED",
    outcomeNote: "",
    recommendedAt: ctx.now,
    decidedAt: null,
    revision: 1,
  };
  return { state, action: "RecommendArbitrator", events: [] };
}

export function decideAppointmentOutcome(
  r: ArbitratorRecommendation,
  input: { appointed: boolean; outcomeNote: string },
  expectedRevision: number,
  ctx: DecisionContext,
): DecisionWithRevision<ArbitratorRecommendation> {
  const v = new Violations();
  const note = input.appointed
    ? textField(v, "outcome_note", input.outcomeNote, { max: 500 })
    : requiredReason(v, "outcome_note", input.outcomeNote);
  v.throwIfAny();
  checkExpectedRevision("arbitrator_recommendation", r.recommendationId, r.revision, expectedRevision);
  if (r.status !== "RECOMMENDED")
    throw new FailedPreconditionError([
      {
        type: "OUTCOME_RECORDED",
        subject: `arbitrator_recommendation/${r.recommendationId}`,
        description: `the commission's decision is recorded already (${r.status.toLowerCase().replace(/_/g, " ")})`,
      },
    ]);
  return {
    state: { ...r, status: input.appointed ? "APPOINTED" : "NOT_APPOINTED", outcomeNote: note, decidedAt: ctx.now },
    action: "RecordAppointmentOutcome",
    events: [],
  };
}
