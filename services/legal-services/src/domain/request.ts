/**
 * Legal-service requests (art. 9-13): pure rules, no I/O. A request is offered to one candidate
 * at a time, best first, with a response deadline set by its urgency; a decline (with a reason)
 * or a deadline passing moves it to the next candidate of a fresh match; when nobody is left, or
 * the allowed number of offers ran out, it goes to the legal-service centre. Every one of these
 * steps is an event, so an unassigned request always says where it stands.
 */
import { isDistrictCode } from "@jinlian/kernel";
import {
  type AuditMetadata,
  checkExpectedRevision,
  FailedPreconditionError,
  InvalidArgumentError,
  Violations,
  type DecisionWithRevision,
  type EventToEmit,
  type PreconditionViolation,
} from "@jinlian/chassis";
import {
  creditCodeField,
  isIndustrySection,
  isLanguage,
  isOpaqueId,
  jurisdictionField,
  type DecisionContext,
  type OrgRef,
  type RequestStatus,
  type RequestType,
  type Specialty,
  type Urgency,
} from "./common";
import type { Exclusion, Shortlist } from "./matching";
import type { Provider, RegistryOrganisation } from "./provider";
import {
  cityPoolAnswered,
  cityPoolRequestClosed,
  requestAssigned,
  requestClosed,
  requestEscalated,
  requestOffered,
  requestOfferDeclined,
  requestOfferedToCityPool,
  requestSubmitted,
  disputeReferred,
} from "./request-events";

export type OfferOutcome = "PENDING" | "ACCEPTED" | "DECLINED" | "EXPIRED" | "LAPSED";
export type EscalationCause = "NO_CANDIDATE" | "OFFERS_EXHAUSTED" | "CITY_POOL_NO_MATCH";
export type ConsentForm = "WRITTEN" | "ORAL_RECORDED";

export interface Offer {
  providerId: string;
  providerName: string;
  rank: number;
  score: number;
  fromCityPool: boolean;
  offeredAt: Date;
  deadlineAt: Date;
  outcome: OfferOutcome;
  answeredAt: Date | null;
  declineReason: string;
}

export interface Escalation {
  cause: EscalationCause;
  explanation: string;
  escalatedAt: Date;
  centreProviderId: string;
}

/** A district's request offered to the city's pool on the municipal node, and the city's answer. */
export interface CityPoolReferral {
  reason: string;
  offeredAt: Date;
  outcome: "PENDING" | "ASSIGNED" | "NO_MATCH";
  providerId: string;
  providerName: string;
  explanation: string;
  answeredAt: Date | null;
}

export interface PartyConsent {
  creditCode: string;
  consentAt: Date;
  form: ConsentForm;
}

export interface MediationReferral {
  referralId: string;
  disputeId: string;
  committee: OrgRef;
  chamber: OrgRef;
  consents: PartyConsent[];
  referredAt: Date;
}

export interface LegalServiceRequest {
  requestId: string;
  requester: OrgRef;
  type: RequestType;
  specialty: Specialty | null;
  districtCode: string;
  industrySection: string;
  language: string;
  urgency: Urgency;
  counterparties: OrgRef[];
  summary: string;
  disputeId: string;
  freeOfCharge: boolean;
  status: RequestStatus;
  offers: Offer[];
  assignedProviderId: string;
  assignedProviderName: string;
  escalation: Escalation | null;
  referral: MediationReferral | null;
  outcomeNote: string;
  submittedAt: Date;
  assignedAt: Date | null;
  closedAt: Date | null;
  revision: number;
  shortlist: Shortlist | null;
  /** At a district: set once offered to the city's pool (documents written before it lack it). */
  cityPool?: CityPoolReferral | null;
  /** At the city: the district a pool request came from; "" (or absent) for the city's own. */
  fromDistrict?: string;
}

/** How offers run: the answer window per urgency and how many offers before escalation. */
export interface OfferPolicy {
  windowSeconds: Record<Urgency, number>;
  maxOffers: number;
}

export const REQUEST_LIMITS = Object.freeze({ summary: 2000, counterparties: 20, note: 2000 });

export interface SubmissionInput {
  requesterCreditCode: string;
  type: RequestType | undefined;
  specialty: Specialty | undefined;
  districtCode: string;
  industrySection: string;
  language: string;
  urgency: Urgency | undefined;
  counterparties: { creditCode: string; name: string }[];
  summary: string;
  disputeId: string;
}

export type CheckedSubmission = Omit<SubmissionInput, "type" | "specialty" | "urgency" | "counterparties"> & {
  type: RequestType;
  specialty: Specialty | null;
  urgency: Urgency;
  counterparties: { creditCode: string; name: string }[];
};

/** Checks a submission's fields; INVALID_ARGUMENT naming each bad one. */
export function checkSubmission(input: SubmissionInput): CheckedSubmission {
  const v = new Violations();
  const requesterCreditCode = creditCodeField(v, "requester_credit_code", input.requesterCreditCode);
  if (!input.type) v.add("type", "is required");
  if (input.type && input.type !== "STAFF_DISPATCH" && !input.specialty)
    v.add("specialty", "is required (the specialty the request needs)");
  const districtCode = jurisdictionField(v, "district_code", input.districtCode);
  const industrySection = input.industrySection.trim().toUpperCase();
  if (industrySection && !isIndustrySection(industrySection)) v.add("industry_section", "must be a GB/T 4754 section letter, A to T");
  const language = input.language.trim().toLowerCase() || "zh";
  if (!isLanguage(language)) v.add("language", "must be an ISO 639 code such as zh, en, ja");
  if (input.counterparties.length > REQUEST_LIMITS.counterparties)
    v.add("counterparties", `must list at most ${REQUEST_LIMITS.counterparties}`);
  const counterparties = input.counterparties.map((c, i) => ({
    creditCode: creditCodeField(v, `counterparties[${i}].credit_code`, c.creditCode),
    name: c.name.trim(),
  }));
  counterparties.forEach((c, i) => {
    if (c.creditCode && c.creditCode === requesterCreditCode) v.add(`counterparties[${i}].credit_code`, "is the requester itself");
    if ([...c.name].length > 200) v.add(`counterparties[${i}].name`, "must be at most 200 characters");
  });
  const summary = input.summary.trim();
  if (summary.length === 0) v.add("summary", "is required");
  else if ([...summary].length > REQUEST_LIMITS.summary) v.add("summary", `must be at most ${REQUEST_LIMITS.summary} characters`);
  const disputeId = input.disputeId.trim();
  if (disputeId && !isOpaqueId(disputeId)) v.add("dispute_id", "must be 1-64 characters from A-Z a-z 0-9 . _ : -");
  v.throwIfAny();
  return {
    requesterCreditCode,
    type: input.type!,
    specialty: input.type === "STAFF_DISPATCH" ? null : input.specialty!,
    districtCode,
    industrySection,
    language,
    urgency: input.urgency ?? "ROUTINE",
    counterparties: [...new Map(counterparties.map((c) => [c.creditCode, c])).values()],
    summary,
    disputeId,
  };
}

/** The requester must be an active enterprise or chamber; a staff dispatch needs the chamber's service point. */
export function checkRequester(
  code: string,
  requester: RegistryOrganisation | undefined,
  type: RequestType,
  servicePoint: Provider | undefined,
): OrgRef {
  if (!requester)
    throw new InvalidArgumentError([
      { field: "requester_credit_code", description: "is not an organisation of this node's liaison registry" },
    ]);
  if (requester.type !== "ENTERPRISE" && requester.type !== "CHAMBER_OF_COMMERCE")
    throw new InvalidArgumentError([
      { field: "requester_credit_code", description: `must be an ENTERPRISE or CHAMBER_OF_COMMERCE, not ${requester.type}` },
    ]);
  if (type === "STAFF_DISPATCH" && requester.type !== "CHAMBER_OF_COMMERCE")
    throw new InvalidArgumentError([
      { field: "type", description: "a staff dispatch (应邀派员) is asked by a chamber's rights-protection service point" },
    ]);
  const problems: PreconditionViolation[] = [];
  if (!requester.active)
    problems.push({
      type: "ORGANISATION_DEACTIVATED",
      subject: `organisation/${code}`,
      description: `${requester.name} is deactivated in the liaison registry`,
    });
  if (type === "STAFF_DISPATCH" && servicePoint?.status !== "ACTIVE")
    problems.push({
      type: "NO_SERVICE_POINT",
      subject: `organisation/${code}`,
      description: `${requester.name} has no active rights-protection service point (art. 12) to ask for staff`,
    });
  if (problems.length > 0) throw new FailedPreconditionError(problems);
  return { creditCode: requester.creditCode, jurisdictionCode: requester.jurisdictionCode, name: requester.name };
}

const failedOffers = (r: LegalServiceRequest) => r.offers.filter((o) => o.outcome === "DECLINED" || o.outcome === "EXPIRED").length;

function summariseExclusions(s: Shortlist): string {
  if (s.exclusionsTotal === 0) return "no provider of the kinds this request needs";
  const byReason = new Map<string, number>();
  for (const e of s.exclusions) byReason.set(e.reason, (byReason.get(e.reason) ?? 0) + 1);
  const listed = [...byReason].map(([r, n]) => `${n} ${r.toLowerCase().replace(/_/g, " ")}`).join(", ");
  return `all ${s.exclusionsTotal} providers excluded (${listed}${s.exclusionsTotal > s.exclusions.length ? ", …" : ""})`;
}

/**
 * The next step of an unassigned request: the next offer (best remaining candidate), or, when
 * nobody is left, where it goes instead — at a district node, up to the city's pool once (cross-node
 * fallback, with the reason); at the city, a district's pool request goes back to its district
 * (no match); otherwise the node's legal-service centre, with the cause.
 */
function nextStep(
  r: LegalServiceRequest,
  shortlist: Shortlist,
  policy: OfferPolicy,
  centre: Provider | undefined,
  ctx: DecisionContext,
): { state: LegalServiceRequest; escalated: boolean } {
  const base = { ...r, shortlist };
  const escalate = (cause: EscalationCause, explanation: string) =>
    r.fromDistrict
      ? // A district's request the city's pool cannot place goes back: the district's centre takes it.
        {
          state: {
            ...base,
            status: "RETURNED_TO_DISTRICT" as const,
            escalation: { cause, explanation, escalatedAt: ctx.now, centreProviderId: "" },
            closedAt: ctx.now,
          },
          escalated: true,
        }
      : {
          state: {
            ...base,
            status: "ESCALATED" as const,
            escalation: { cause, explanation, escalatedAt: ctx.now, centreProviderId: centre?.providerId ?? "" },
          },
          escalated: true,
        };
  const failed = failedOffers(r);
  if (failed >= policy.maxOffers)
    return escalate(
      "OFFERS_EXHAUSTED",
      `${failed} offers declined or expired (at most ${policy.maxOffers} before the legal-service centre takes over)`,
    );
  const best = shortlist.candidates[0];
  if (!best) {
    const why = `no provider can be offered it: ${summariseExclusions(shortlist)}`;
    // A district with no free match offers it to the city's pool, once.
    if (isDistrictCode(ctx.here) && !r.cityPool)
      return {
        state: {
          ...base,
          status: "OFFERED_TO_CITY",
          escalation: null,
          cityPool: {
            reason: `no free match in district ${ctx.here}: ${why}`,
            offeredAt: ctx.now,
            outcome: "PENDING",
            providerId: "",
            providerName: "",
            explanation: "",
            answeredAt: null,
          },
        },
        escalated: false,
      };
    return escalate("NO_CANDIDATE", why);
  }
  const offer: Offer = {
    providerId: best.providerId,
    providerName: best.name,
    rank: best.rank,
    score: best.score,
    fromCityPool: best.fromCityPool,
    offeredAt: ctx.now,
    deadlineAt: new Date(ctx.now.getTime() + policy.windowSeconds[r.urgency] * 1000),
    outcome: "PENDING",
    answeredAt: null,
    declineReason: "",
  };
  return { state: { ...base, status: "OFFERED", offers: [...r.offers, offer], escalation: null }, escalated: false };
}

/** The events of the step taken by nextStep. */
function stepEvents(after: LegalServiceRequest, ctx: DecisionContext): EventToEmit[] {
  switch (after.status) {
    case "ESCALATED":
      return [requestEscalated(after, ctx.audit)];
    case "OFFERED_TO_CITY":
      return [requestOfferedToCityPool(after, ctx.audit)];
    case "RETURNED_TO_DISTRICT":
      return [
        requestClosed(after, ctx.audit),
        cityPoolAnswered(after, { outcome: "NO_MATCH", explanation: after.escalation?.explanation ?? "" }, ctx.audit),
      ];
    default:
      return [requestOffered(after, after.offers[after.offers.length - 1]!, ctx.audit)];
  }
}

/** A new request, offered at once to its best candidate or escalated. */
export function decideSubmission(
  requestId: string,
  c: CheckedSubmission,
  requester: OrgRef,
  industrySection: string,
  shortlist: Shortlist,
  policy: OfferPolicy,
  centre: Provider | undefined,
  ctx: DecisionContext,
): DecisionWithRevision<LegalServiceRequest> {
  const submitted: LegalServiceRequest = {
    requestId,
    requester,
    type: c.type,
    specialty: c.specialty,
    districtCode: c.districtCode,
    industrySection,
    language: c.language,
    urgency: c.urgency,
    counterparties: c.counterparties.map((x) => ({ creditCode: x.creditCode, jurisdictionCode: "", name: x.name })),
    summary: c.summary,
    disputeId: c.disputeId,
    // Art. 13: 法治体检 is a public-interest service, never charged.
    freeOfCharge: c.type === "HEALTH_CHECK",
    status: "OFFERED",
    offers: [],
    assignedProviderId: "",
    assignedProviderName: "",
    escalation: null,
    referral: null,
    outcomeNote: "",
    submittedAt: ctx.now,
    assignedAt: null,
    closedAt: null,
    revision: 1,
    shortlist: null,
  };
  const { state } = nextStep(submitted, shortlist, policy, centre, ctx);
  return { state, action: "SubmitRequest", events: (after) => [requestSubmitted(after, ctx.audit), ...stepEvents(after, ctx)] };
}

/** A provider took the request; a district's pool request is answered down to its district. */
function assignedEvents(after: LegalServiceRequest, audit: AuditMetadata): EventToEmit[] {
  return [
    requestAssigned(after, audit),
    ...(after.fromDistrict ? [cityPoolAnswered(after, { outcome: "ASSIGNED", explanation: "" }, audit)] : []),
  ];
}

/** A request the district offered to the city's pool (pending there or taken by a city provider): its closing goes up. */
const heldAtCity = (r: LegalServiceRequest): boolean =>
  r.status === "OFFERED_TO_CITY" || (r.status === "ASSIGNED" && r.cityPool?.outcome === "ASSIGNED");

/** At the city, a district's pool request is closed by its district, never here. */
function assertNotPoolCopy(r: LegalServiceRequest, what: string): void {
  if (r.fromDistrict)
    throw new FailedPreconditionError([
      {
        type: "HELD_BY_DISTRICT",
        subject: `request/${r.requestId}`,
        description: `district ${r.fromDistrict} offered this request to the city's pool; it is ${what} there`,
      },
    ]);
}

const stateError = (r: LegalServiceRequest, description: string) =>
  new FailedPreconditionError([{ type: "STATE", subject: `request/${r.requestId}`, description }]);

function pendingOffer(r: LegalServiceRequest): Offer | undefined {
  const last = r.offers[r.offers.length - 1];
  return r.status === "OFFERED" && last?.outcome === "PENDING" ? last : undefined;
}

/** The pending offer's deadline (the scanner's index), or null. */
export const offerDeadline = (r: LegalServiceRequest): Date | null => pendingOffer(r)?.deadlineAt ?? null;

/** The provider holding the request: the assigned one, or the one with the pending offer. */
export const currentProviderId = (r: LegalServiceRequest): string =>
  r.status === "ASSIGNED" ? r.assignedProviderId : (pendingOffer(r)?.providerId ?? "");

function answered(r: LegalServiceRequest, outcome: OfferOutcome, at: Date, declineReason = ""): LegalServiceRequest {
  const offers = r.offers.map((o, i) =>
    i === r.offers.length - 1 && o.outcome === "PENDING" ? { ...o, outcome, answeredAt: at, declineReason } : o,
  );
  return { ...r, offers };
}

/**
 * The offered provider answers. Accepting assigns the request; declining (a reason is required)
 * offers it to the next candidate of `next` (a fresh match without those already asked) or
 * escalates it. FAILED_PRECONDITION when no offer to that provider is pending.
 */
export function decideAnswer(
  r: LegalServiceRequest,
  answer: { providerId: string; accept: boolean; declineReason: string },
  expectedRevision: number,
  next: () => { shortlist: Shortlist; centre: Provider | undefined },
  policy: OfferPolicy,
  ctx: DecisionContext,
): DecisionWithRevision<LegalServiceRequest> {
  checkExpectedRevision("request", r.requestId, r.revision, expectedRevision);
  const offer = pendingOffer(r);
  if (!offer || offer.providerId !== answer.providerId)
    throw stateError(
      r,
      offer
        ? `the pending offer is to ${offer.providerName}, not provider ${answer.providerId}`
        : `no offer is pending: the request is ${r.status.toLowerCase()}`,
    );
  if (answer.accept) {
    const state: LegalServiceRequest = {
      ...answered(r, "ACCEPTED", ctx.now),
      status: "ASSIGNED",
      assignedProviderId: offer.providerId,
      assignedProviderName: offer.providerName,
      assignedAt: ctx.now,
    };
    return { state, action: "AnswerOffer", events: (after) => assignedEvents(after, ctx.audit) };
  }
  const declined = answered(r, "DECLINED", ctx.now, answer.declineReason);
  const { shortlist, centre } = next();
  const { state } = nextStep(declined, shortlist, policy, centre, ctx);
  return {
    state,
    action: "AnswerOffer",
    events: (after) => [requestOfferDeclined(after, after.offers[r.offers.length - 1]!, ctx.audit), ...stepEvents(after, ctx)],
  };
}

/** The pending offer's deadline passed: it expires and the next candidate is offered, or the request escalated. */
export function decideExpiry(
  r: LegalServiceRequest,
  next: () => { shortlist: Shortlist; centre: Provider | undefined },
  policy: OfferPolicy,
  ctx: DecisionContext,
): DecisionWithRevision<LegalServiceRequest> | undefined {
  const offer = pendingOffer(r);
  if (!offer || offer.deadlineAt > ctx.now) return undefined;
  const expired = answered(r, "EXPIRED", ctx.now, `no answer by ${offer.deadlineAt.toISOString()}`);
  const { shortlist, centre } = next();
  const { state } = nextStep(expired, shortlist, policy, centre, ctx);
  return {
    state,
    action: "OfferExpired",
    events: (after) => [requestOfferDeclined(after, after.offers[r.offers.length - 1]!, ctx.audit), ...stepEvents(after, ctx)],
  };
}

/**
 * The legal-service centre assigns an unassigned request (escalated, or with an offer pending,
 * which lapses) to a provider matching does not exclude — except for having been asked before:
 * the centre may settle with a provider that declined.
 */
export function decideAssignment(
  r: LegalServiceRequest,
  provider: Provider,
  exclusion: Exclusion | undefined,
  eligible: boolean,
  expectedRevision: number,
  ctx: DecisionContext,
): DecisionWithRevision<LegalServiceRequest> {
  checkExpectedRevision("request", r.requestId, r.revision, expectedRevision);
  if (r.status !== "ESCALATED" && r.status !== "OFFERED")
    throw stateError(r, `only an unassigned request can be assigned: it is ${r.status.toLowerCase()}`);
  if (!eligible)
    throw new InvalidArgumentError([{ field: "provider_id", description: `a ${provider.kind} does not take ${r.type} requests` }]);
  if (exclusion && exclusion.reason !== "ALREADY_ASKED")
    throw new FailedPreconditionError([
      { type: exclusion.reason, subject: `provider/${provider.providerId}`, description: `${provider.name}: ${exclusion.explanation}` },
    ]);
  const state: LegalServiceRequest = {
    ...answered(r, "LAPSED", ctx.now),
    status: "ASSIGNED",
    assignedProviderId: provider.providerId,
    assignedProviderName: provider.name,
    assignedAt: ctx.now,
  };
  return { state, action: "AssignRequest", events: (after) => assignedEvents(after, ctx.audit) };
}

export function decideCompletion(
  r: LegalServiceRequest,
  note: string,
  expectedRevision: number,
  ctx: DecisionContext,
): DecisionWithRevision<LegalServiceRequest> {
  checkExpectedRevision("request", r.requestId, r.revision, expectedRevision);
  assertNotPoolCopy(r, "completed");
  if (r.status !== "ASSIGNED") throw stateError(r, `only an assigned request can be completed: it is ${r.status.toLowerCase()}`);
  const state: LegalServiceRequest = { ...r, status: "COMPLETED", outcomeNote: note, closedAt: ctx.now };
  return { state, action: "CompleteRequest", events: (after) => closedEvents(r, after, ctx.audit) };
}

const OPEN: readonly RequestStatus[] = ["OFFERED", "ASSIGNED", "ESCALATED", "OFFERED_TO_CITY"];

/** The closing, and, for a request the city's pool holds or placed, its closing sent up. */
function closedEvents(before: LegalServiceRequest, after: LegalServiceRequest, audit: AuditMetadata): EventToEmit[] {
  return [requestClosed(after, audit), ...(heldAtCity(before) ? [cityPoolRequestClosed(after, audit)] : [])];
}

export function decideWithdrawal(
  r: LegalServiceRequest,
  reason: string,
  expectedRevision: number,
  ctx: DecisionContext,
): DecisionWithRevision<LegalServiceRequest> {
  checkExpectedRevision("request", r.requestId, r.revision, expectedRevision);
  assertNotPoolCopy(r, "withdrawn");
  if (!OPEN.includes(r.status)) throw stateError(r, `the request is already ${r.status.toLowerCase().replace(/_/g, " ")}`);
  const state: LegalServiceRequest = { ...answered(r, "LAPSED", ctx.now), status: "WITHDRAWN", outcomeNote: reason, closedAt: ctx.now };
  return { state, action: "WithdrawRequest", events: (after) => closedEvents(r, after, ctx.audit) };
}

export interface ConsentInput {
  creditCode: string;
  consentAt: Date | undefined;
  form: ConsentForm | undefined;
}

/** Checks consents' shape; violations under consents[i]. */
export function checkConsents(v: Violations, consents: readonly ConsentInput[], now: Date): PartyConsent[] {
  if (consents.length > REQUEST_LIMITS.counterparties + 1) v.add("consents", `must list at most ${REQUEST_LIMITS.counterparties + 1}`);
  return consents.map((c, i) => {
    const creditCode = creditCodeField(v, `consents[${i}].credit_code`, c.creditCode);
    if (!c.consentAt || Number.isNaN(c.consentAt.getTime())) v.add(`consents[${i}].consent_time`, "is required");
    else if (c.consentAt > now) v.add(`consents[${i}].consent_time`, "must not be in the future");
    if (!c.form) v.add(`consents[${i}].form`, "is required: CONSENT_FORM_WRITTEN or CONSENT_FORM_ORAL_RECORDED");
    return { creditCode, consentAt: c.consentAt ?? now, form: c.form ?? "WRITTEN" };
  });
}

/**
 * Refers a request that is really a dispute to a chamber's people's mediation committee. Every
 * party must have consented (人民调解法 art. 17: no mediation against a party's will): otherwise
 * FAILED_PRECONDITION (CONSENT_MISSING) naming each party without consent. A pending offer lapses,
 * an assigned matter closes.
 */
export function decideReferral(
  r: LegalServiceRequest,
  committee: RegistryOrganisation & { chamberCreditCode: string },
  chamber: OrgRef,
  consents: PartyConsent[],
  expectedRevision: number,
  ctx: DecisionContext,
): DecisionWithRevision<LegalServiceRequest> {
  checkExpectedRevision("request", r.requestId, r.revision, expectedRevision);
  assertNotPoolCopy(r, "referred to mediation");
  if (!OPEN.includes(r.status)) throw stateError(r, `the request is already ${r.status.toLowerCase().replace(/_/g, " ")}`);
  const parties = [r.requester, ...r.counterparties];
  const partyCodes = new Set(parties.map((p) => p.creditCode));
  const strangers = consents.map((c, i) => [c, i] as const).filter(([c]) => !partyCodes.has(c.creditCode));
  if (strangers.length > 0)
    throw new InvalidArgumentError(
      strangers.map(([, i]) => ({ field: `consents[${i}].credit_code`, description: "is not a party of the request" })),
    );
  const problems: PreconditionViolation[] = [];
  for (const p of parties)
    if (!consents.some((c) => c.creditCode === p.creditCode))
      problems.push({
        type: "CONSENT_MISSING",
        subject: `organisation/${p.creditCode}`,
        description: `${p.name || p.creditCode} has not consented to mediation (人民调解法 art. 17)`,
      });
  if (!committee.active)
    problems.push({
      type: "ORGANISATION_DEACTIVATED",
      subject: `organisation/${committee.creditCode}`,
      description: `${committee.name} is deactivated`,
    });
  if (problems.length > 0) throw new FailedPreconditionError(problems);
  const referralId = ctx.newId();
  const referral: MediationReferral = {
    referralId,
    disputeId: r.disputeId || referralId,
    committee: { creditCode: committee.creditCode, jurisdictionCode: committee.jurisdictionCode, name: committee.name },
    chamber,
    consents,
    referredAt: ctx.now,
  };
  const state: LegalServiceRequest = { ...answered(r, "LAPSED", ctx.now), status: "REFERRED_TO_MEDIATION", referral, closedAt: ctx.now };
  return {
    state,
    action: "ReferRequestToMediation",
    events: (after) => [disputeReferred(after, referral, ctx.audit), ...closedEvents(r, after, ctx.audit)],
  };
}

// ---- the city's pool: a district's request with no free match, across nodes ----

/** A district's request as it arrives at the city (RequestOfferedToCityPool), already mapped from the contract. */
export type PoolRequest = Pick<
  LegalServiceRequest,
  | "requestId"
  | "requester"
  | "type"
  | "specialty"
  | "districtCode"
  | "industrySection"
  | "language"
  | "urgency"
  | "counterparties"
  | "summary"
  | "disputeId"
  | "freeOfCharge"
>;

/**
 * At the city: a district offered a request to the city's pool. The city holds it under the same
 * id (`fromDistrict`), matches it against its own providers and offers it as its own; whoever
 * takes it is answered down, and if nobody can, it goes back (RETURNED_TO_DISTRICT, answered
 * NO_MATCH). A repeat (the request is held here) changes nothing.
 */
export function decideCityPoolRequest(
  existing: LegalServiceRequest | undefined,
  p: PoolRequest,
  fromDistrict: string,
  shortlist: Shortlist,
  policy: OfferPolicy,
  ctx: DecisionContext,
): DecisionWithRevision<LegalServiceRequest> | undefined {
  if (existing) return undefined;
  const held: LegalServiceRequest = {
    ...p,
    status: "OFFERED",
    offers: [],
    assignedProviderId: "",
    assignedProviderName: "",
    escalation: null,
    referral: null,
    outcomeNote: "",
    submittedAt: ctx.now,
    assignedAt: null,
    closedAt: null,
    revision: 1,
    shortlist: null,
    cityPool: null,
    fromDistrict,
  };
  const { state } = nextStep(held, shortlist, policy, undefined, ctx);
  return { state, action: "RequestOfferedToCityPool", events: (after) => [requestSubmitted(after, ctx.audit), ...stepEvents(after, ctx)] };
}

/**
 * At the district: the city answered a request offered to its pool. ASSIGNED: the city's provider
 * holds it (an open matter there). NO_MATCH: the district's legal-service centre takes it
 * (CITY_POOL_NO_MATCH, with both reasons). An answer to a request no longer waiting for it (a
 * repeat, or one the district closed meanwhile) changes nothing.
 */
export function decideCityPoolAnswer(
  r: LegalServiceRequest,
  answer: { outcome: "ASSIGNED" | "NO_MATCH"; providerId: string; providerName: string; explanation: string },
  centre: Provider | undefined,
  ctx: DecisionContext,
): DecisionWithRevision<LegalServiceRequest> | undefined {
  if (r.status !== "OFFERED_TO_CITY" || !r.cityPool) return undefined;
  const cityPool: CityPoolReferral = { ...r.cityPool, ...answer, answeredAt: ctx.now };
  if (answer.outcome === "ASSIGNED") {
    const state: LegalServiceRequest = {
      ...r,
      cityPool,
      status: "ASSIGNED",
      assignedProviderId: answer.providerId,
      assignedProviderName: answer.providerName,
      assignedAt: ctx.now,
    };
    return { state, action: "CityPoolAnswered", events: (after) => [requestAssigned(after, ctx.audit)] };
  }
  const state: LegalServiceRequest = {
    ...r,
    cityPool,
    status: "ESCALATED",
    escalation: {
      cause: "CITY_POOL_NO_MATCH",
      explanation: `${r.cityPool.reason}; the city's pool: ${answer.explanation || "no match"}`,
      escalatedAt: ctx.now,
      centreProviderId: centre?.providerId ?? "",
    },
  };
  return { state, action: "CityPoolAnswered", events: (after) => [requestEscalated(after, ctx.audit)] };
}

/**
 * At the city: the district closed a request it had offered to the pool; the city's copy closes
 * too (a pending offer lapses, the provider's place frees up). Already closed here: nothing changes.
 */
export function decideCityPoolClosed(
  r: LegalServiceRequest,
  closing: { status: "COMPLETED" | "WITHDRAWN" | "REFERRED_TO_MEDIATION"; note: string },
  ctx: DecisionContext,
): DecisionWithRevision<LegalServiceRequest> | undefined {
  if (!OPEN.includes(r.status)) return undefined;
  const state: LegalServiceRequest = {
    ...answered(r, "LAPSED", ctx.now),
    status: closing.status,
    outcomeNote: closing.note,
    closedAt: ctx.now,
  };
  return { state, action: "CityPoolRequestClosed", events: (after) => [requestClosed(after, ctx.audit)] };
}
