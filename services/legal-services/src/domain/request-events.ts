/** Requests and shortlists as the contract shows them, and the request and referral events. */
import { CITY_JURISDICTION } from "@jinlian/kernel";
import { emit, enumCodec, legalServicesEvents, toLocal, toNode, type AuditMetadata, type EventToEmit } from "@jinlian/chassis";
import { legalServicesV1 } from "@jinlian/proto";
import { orgToProto, providerKindCodec, requestStatusCodec, requestTypeCodec, specialtyCodec, urgencyCodec } from "./common";
import type { Shortlist } from "./matching";
import type { LegalServiceRequest, MediationReferral, Offer } from "./request";

const P = legalServicesV1;
export const offerOutcomeCodec = enumCodec(P.OfferOutcome, "OFFER_OUTCOME_", [
  "PENDING",
  "ACCEPTED",
  "DECLINED",
  "EXPIRED",
  "LAPSED",
] as const);
export const matchFactorCodec = enumCodec(P.MatchFactor, "MATCH_FACTOR_", ["SPECIALTY", "DISTRICT", "LANGUAGE", "LOAD", "RATING"] as const);
export const exclusionReasonCodec = enumCodec(P.ExclusionReason, "EXCLUSION_REASON_", [
  "CONFLICT_OF_INTEREST",
  "AT_CAPACITY",
  "OWN_EMPLOYER_ONLY",
  "MEDIATED_SAME_DISPUTE",
  "ALREADY_ASKED",
  "NOT_ACTIVE",
] as const);
export const escalationCauseCodec = enumCodec(P.EscalationCause, "ESCALATION_CAUSE_", [
  "NO_CANDIDATE",
  "OFFERS_EXHAUSTED",
  "CITY_POOL_NO_MATCH",
] as const);
export const cityPoolOutcomeCodec = enumCodec(P.CityPoolOutcome, "CITY_POOL_OUTCOME_", ["PENDING", "ASSIGNED", "NO_MATCH"] as const);
export const consentFormCodec = enumCodec(P.ConsentForm, "CONSENT_FORM_", ["WRITTEN", "ORAL_RECORDED"] as const);

export function shortlistToProto(s: Shortlist): legalServicesV1.Shortlist {
  return {
    candidates: s.candidates.map((c) => ({
      providerId: c.providerId,
      name: c.name,
      kind: providerKindCodec.toProto(c.kind),
      districtCode: c.districtCode,
      rank: c.rank,
      score: c.score,
      components: c.components.map((x) => ({
        factor: matchFactorCodec.toProto(x.factor),
        weight: x.weight,
        value: x.value,
        contribution: x.contribution,
        explanation: x.explanation,
      })),
      fromCityPool: c.fromCityPool,
    })),
    exclusions: s.exclusions.map((e) => ({
      providerId: e.providerId,
      name: e.name,
      reason: exclusionReasonCodec.toProto(e.reason),
      explanation: e.explanation,
    })),
    weights: { ...s.weights },
    fallbackReason: s.fallbackReason,
    computeTime: s.computedAt,
    exclusionsTotal: s.exclusionsTotal,
  };
}

export function offerToProto(o: Offer): legalServicesV1.Offer {
  return {
    providerId: o.providerId,
    providerName: o.providerName,
    rank: o.rank,
    score: o.score,
    fromCityPool: o.fromCityPool,
    offerTime: o.offeredAt,
    deadlineTime: o.deadlineAt,
    outcome: offerOutcomeCodec.toProto(o.outcome),
    answerTime: o.answeredAt ?? undefined,
    declineReason: o.declineReason,
  };
}

export function referralToProto(m: MediationReferral): legalServicesV1.MediationReferral {
  return {
    referralId: m.referralId,
    disputeId: m.disputeId,
    committee: orgToProto(m.committee),
    chamber: orgToProto(m.chamber),
    consents: m.consents.map((c) => ({ creditCode: c.creditCode, consentTime: c.consentAt, form: consentFormCodec.toProto(c.form) })),
    referTime: m.referredAt,
  };
}

export function requestToProto(r: LegalServiceRequest): legalServicesV1.LegalServiceRequest {
  return {
    requestId: r.requestId,
    requester: orgToProto(r.requester),
    type: requestTypeCodec.toProto(r.type),
    specialty: r.specialty ? specialtyCodec.toProto(r.specialty) : 0,
    districtCode: r.districtCode,
    industrySection: r.industrySection,
    language: r.language,
    urgency: urgencyCodec.toProto(r.urgency),
    counterparties: r.counterparties.map((c) => orgToProto(c)!),
    summary: r.summary,
    disputeId: r.disputeId,
    freeOfCharge: r.freeOfCharge,
    status: requestStatusCodec.toProto(r.status),
    offers: r.offers.map(offerToProto),
    assignedProviderId: r.assignedProviderId,
    assignedProviderName: r.assignedProviderName,
    escalation: r.escalation
      ? {
          cause: escalationCauseCodec.toProto(r.escalation.cause),
          explanation: r.escalation.explanation,
          escalateTime: r.escalation.escalatedAt,
          legalServiceCenterProviderId: r.escalation.centreProviderId,
        }
      : undefined,
    mediationReferral: r.referral ? referralToProto(r.referral) : undefined,
    outcomeNote: r.outcomeNote,
    submitTime: r.submittedAt,
    assignTime: r.assignedAt ?? undefined,
    closeTime: r.closedAt ?? undefined,
    revision: r.revision,
    shortlist: r.shortlist ? shortlistToProto(r.shortlist) : undefined,
    cityPool: r.cityPool
      ? {
          reason: r.cityPool.reason,
          offerTime: r.cityPool.offeredAt,
          outcome: cityPoolOutcomeCodec.toProto(r.cityPool.outcome),
          providerId: r.cityPool.providerId,
          providerName: r.cityPool.providerName,
          explanation: r.cityPool.explanation,
          answerTime: r.cityPool.answeredAt ?? undefined,
        }
      : undefined,
    fromJurisdictionCode: r.fromDistrict ?? "",
  };
}

const REQUESTS = [toLocal("requests")];

export const requestSubmitted = (r: LegalServiceRequest, audit: AuditMetadata): EventToEmit =>
  emit(legalServicesEvents.requestSubmitted, r.requestId, { requestId: r.requestId, request: requestToProto(r), audit }, REQUESTS);

export const requestOffered = (r: LegalServiceRequest, offer: Offer, audit: AuditMetadata): EventToEmit =>
  emit(
    legalServicesEvents.requestOffered,
    r.requestId,
    { requestId: r.requestId, offer: offerToProto(offer), request: requestToProto(r), audit },
    REQUESTS,
  );

export const requestOfferDeclined = (r: LegalServiceRequest, offer: Offer, audit: AuditMetadata): EventToEmit =>
  emit(
    legalServicesEvents.requestOfferDeclined,
    r.requestId,
    { requestId: r.requestId, offer: offerToProto(offer), request: requestToProto(r), audit },
    REQUESTS,
  );

export const requestAssigned = (r: LegalServiceRequest, audit: AuditMetadata): EventToEmit =>
  emit(
    legalServicesEvents.requestAssigned,
    r.requestId,
    { requestId: r.requestId, providerId: r.assignedProviderId, request: requestToProto(r), audit },
    REQUESTS,
  );

export const requestEscalated = (r: LegalServiceRequest, audit: AuditMetadata): EventToEmit =>
  emit(
    legalServicesEvents.requestEscalated,
    r.requestId,
    { requestId: r.requestId, escalation: requestToProto(r).escalation, request: requestToProto(r), audit },
    REQUESTS,
  );

export const requestClosed = (r: LegalServiceRequest, audit: AuditMetadata): EventToEmit =>
  emit(
    legalServicesEvents.requestClosed,
    r.requestId,
    { requestId: r.requestId, status: requestStatusCodec.toProto(r.status), request: requestToProto(r), audit },
    REQUESTS,
  );

/** The referral the mediation service opens a case from: organisations and consents, no persons. */
export function disputeReferred(r: LegalServiceRequest, m: MediationReferral, audit: AuditMetadata): EventToEmit {
  return emit(
    legalServicesEvents.disputeReferred,
    m.referralId,
    {
      referralId: m.referralId,
      disputeId: m.disputeId,
      requestId: r.requestId,
      requestType: requestTypeCodec.toProto(r.type),
      districtCode: r.districtCode,
      committee: orgToProto(m.committee),
      chamber: orgToProto(m.chamber),
      parties: [
        { organisation: orgToProto(r.requester), role: "REQUESTER" },
        ...r.counterparties.map((c) => ({ organisation: orgToProto(c), role: "COUNTERPARTY" })),
      ],
      summary: r.summary,
      consents: referralToProto(m).consents,
      audit,
    },
    [toLocal("referrals")],
  );
}

// ---- the city's pool (cross-node fallback) ----

/** Up to the city (and on the district's requests stream): no free match here, offered to the city's pool. */
export const requestOfferedToCityPool = (r: LegalServiceRequest, audit: AuditMetadata): EventToEmit =>
  emit(
    legalServicesEvents.requestOfferedToCityPool,
    r.requestId,
    { requestId: r.requestId, fromJurisdictionCode: audit.jurisdictionCode, request: requestToProto(r), reason: r.cityPool!.reason, audit },
    [...REQUESTS, toNode(CITY_JURISDICTION)],
  );

/** Down to the district a pool request came from: who took it, or no match. */
export function cityPoolAnswered(
  r: LegalServiceRequest,
  answer: { outcome: "ASSIGNED" | "NO_MATCH"; explanation: string },
  audit: AuditMetadata,
): EventToEmit {
  return emit(
    legalServicesEvents.cityPoolAnswered,
    r.requestId,
    {
      requestId: r.requestId,
      districtCode: r.fromDistrict!,
      outcome: cityPoolOutcomeCodec.toProto(answer.outcome),
      providerId: answer.outcome === "ASSIGNED" ? r.assignedProviderId : "",
      providerName: answer.outcome === "ASSIGNED" ? r.assignedProviderName : "",
      explanation: answer.explanation,
      audit,
    },
    [toNode(r.fromDistrict!)],
  );
}

/** Up to the city: a request offered to its pool was closed at the district. */
export const cityPoolRequestClosed = (r: LegalServiceRequest, audit: AuditMetadata): EventToEmit =>
  emit(
    legalServicesEvents.cityPoolRequestClosed,
    r.requestId,
    {
      requestId: r.requestId,
      fromJurisdictionCode: audit.jurisdictionCode,
      status: requestStatusCodec.toProto(r.status),
      note: r.outcomeNote,
      audit,
    },
    [toNode(CITY_JURISDICTION)],
  );
