/** Contract ↔ domain mapping of mediation: enums and the aggregates as the contract shows them. */
import { enumCodec } from "@jinlian/chassis";
import { mediationV1 } from "@jinlian/proto";
import { dueAt, type Case } from "../../domain/case";
import { termExpired, type Committee, type Mediator } from "../../domain/committee";
import { orgToProto } from "../../domain/common";

const P = mediationV1;

export const genderCodec = enumCodec(P.Gender, "GENDER_", ["FEMALE", "MALE"] as const);
export const memberRoleCodec = enumCodec(P.MemberRole, "MEMBER_ROLE_", ["CHAIR", "VICE_CHAIR", "MEMBER"] as const);
export const poolCodec = enumCodec(P.MediatorPool, "MEDIATOR_POOL_", ["PEOPLES", "COMMERCIAL", "BOTH"] as const);
export const mediatorStatusCodec = enumCodec(P.MediatorStatus, "MEDIATOR_STATUS_", ["ACTIVE", "SUSPENDED", "RETIRED"] as const);
export const caseKindCodec = enumCodec(P.CaseKind, "CASE_KIND_", ["PEOPLES", "COMMERCIAL"] as const);
export const caseStatusCodec = enumCodec(P.CaseStatus, "CASE_STATUS_", [
  "AWAITING_CONSENT",
  "IN_MEDIATION",
  "PAUSED",
  "AGREEMENT_SIGNING",
  "AGREED",
  "REFUSED",
  "ENDED_BY_PARTY",
  "FAILED",
] as const);
export const partyRoleCodec = enumCodec(P.PartyRole, "PARTY_ROLE_", ["APPLICANT", "RESPONDENT"] as const);
export const consentCodec = enumCodec(P.ConsentState, "CONSENT_STATE_", ["PENDING", "GIVEN", "REFUSED"] as const);
export const designatedByCodec = enumCodec(P.DesignatedBy, "DESIGNATED_BY_", ["COMMITTEE", "PARTIES"] as const);
export const agreementFormCodec = enumCodec(P.AgreementForm, "AGREEMENT_FORM_", ["WRITTEN", "ORAL"] as const);
export const signatureKindCodec = enumCodec(P.SignatureKind, "SIGNATURE_KIND_", [
  "PARTY_SIGNATURE",
  "PARTY_SEAL",
  "PARTY_FINGERPRINT",
  "MEDIATOR",
  "COMMITTEE_SEAL",
] as const);
export const performanceCodec = enumCodec(P.PerformanceStatus, "PERFORMANCE_STATUS_", [
  "PERFORMED",
  "PARTLY_PERFORMED",
  "NOT_PERFORMED",
] as const);
export const routeCodec = enumCodec(P.Route, "ROUTE_", ["ARBITRATION", "ADMINISTRATIVE", "JUDICIAL"] as const);
export const referralStatusCodec = enumCodec(P.ReferralStatus, "REFERRAL_STATUS_", [
  "PENDING",
  "RECEIVED",
  "ACCEPTED",
  "DECLINED",
] as const);
export const arbitrationAgreementFormCodec = enumCodec(P.ArbitrationAgreementForm, "ARBITRATION_AGREEMENT_FORM_", [
  "CONTRACT_CLAUSE",
  "SEPARATE",
] as const);

/**
 * Reads an optional enum filter: 0 means no filter, a number the contract does not define is a
 * violation naming the field.
 */
export function optionalEnum<D>(
  v: { add(field: string, description: string): unknown },
  field: string,
  value: number,
  codec: { fromProto(n: number): D | undefined },
): D | undefined {
  if (value === 0) return undefined;
  const d = codec.fromProto(value);
  if (d === undefined) v.add(field, `unknown value ${value}`);
  return d;
}

const duration = (seconds: number) => ({ seconds: String(Math.floor(seconds)), nanos: 0 });

export function committeeToProto(c: Committee, now: Date): mediationV1.Committee {
  return {
    committeeId: c.committeeId,
    committee: orgToProto(c.committee),
    chamber: orgToProto(c.chamber),
    justiceBureau: orgToProto(c.justiceBureau),
    members: c.members.map((m) => ({ name: m.name, gender: genderCodec.toProto(m.gender), role: memberRoleCodec.toProto(m.role) })),
    termStartTime: c.termStartAt,
    termEndTime: c.termEndAt,
    termExpired: termExpired(c, now),
    revision: c.revision,
    registerTime: c.registeredAt,
    updateTime: c.updatedAt,
  };
}

export function mediatorToProto(m: Mediator): mediationV1.Mediator {
  return {
    mediatorId: m.mediatorId,
    committeeId: m.committeeId,
    name: m.name,
    gender: genderCodec.toProto(m.gender),
    licenceNumber: m.licenceNumber,
    qualifications: m.qualifications,
    trainings: m.trainings.map((t) => ({ trainingId: t.trainingId, title: t.title, hours: t.hours, completeTime: t.completeAt })),
    pool: poolCodec.toProto(m.pool),
    declaredInterestCreditCodes: m.declaredInterests,
    status: mediatorStatusCodec.toProto(m.status),
    revision: m.revision,
    createTime: m.createdAt,
    updateTime: m.updatedAt,
  };
}

export function caseToProto(c: Case, now: Date): mediationV1.Case {
  const t = c.timeLimit;
  const a = c.agreement;
  const r = c.referral;
  const pausedNow = t.pausedSinceAt ? Math.max(0, (now.getTime() - t.pausedSinceAt.getTime()) / 1000) : 0;
  return {
    caseId: c.caseId,
    disputeId: c.disputeId,
    committeeId: c.committeeId,
    committee: orgToProto(c.committee),
    kind: caseKindCodec.toProto(c.kind),
    status: caseStatusCodec.toProto(c.status),
    parties: c.parties.map((p) => ({
      partyId: p.partyId,
      role: partyRoleCodec.toProto(p.role),
      organisation: orgToProto(p.organisation),
      person: p.person ?? undefined,
      consent: consentCodec.toProto(p.consent),
      consentTime: p.consentAt ?? undefined,
    })),
    summary: c.summary,
    commercial: c.commercial ? { feeFen: String(c.commercial.feeFen), feeNote: c.commercial.feeNote } : undefined,
    mediators: c.mediators.map((m) => ({
      mediatorId: m.mediatorId,
      name: m.name,
      designatedBy: designatedByCodec.toProto(m.designatedBy),
      assignTime: m.assignedAt,
      active: m.active,
      endTime: m.endedAt ?? undefined,
      objectingPartyId: m.objectingPartyId,
      objection: m.objection,
    })),
    sessions: c.sessions.map((s) => ({
      sessionId: s.sessionId,
      heldTime: s.heldAt,
      place: s.place,
      record: s.record,
      attendingPartyIds: s.attendingPartyIds,
      mediatorIds: s.mediatorIds,
      partnerJurisdictionCode: s.partnerJurisdictionCode ?? "",
    })),
    timeLimit: {
      startTime: t.startAt ?? undefined,
      limit: duration(t.limitSeconds),
      dueTime: dueAt(t, now) ?? undefined,
      paused: t.pausedSinceAt !== null,
      pausedSinceTime: t.pausedSinceAt ?? undefined,
      pausedTotal: duration(t.pausedSeconds + pausedNow),
      warnedBeforeSeconds: t.warnedBefore.map(String),
      expired: t.expired,
    },
    agreement: a
      ? {
          content: {
            form: agreementFormCodec.toProto(a.content.form),
            partyDetails: a.content.partyDetails,
            facts: a.content.facts,
            issuesInDispute: a.content.issuesInDispute,
            responsibilities: a.content.responsibilities,
            terms: a.content.terms,
            performanceManner: a.content.performanceManner,
            performanceDeadlineTime: a.content.performanceDeadlineAt ?? undefined,
            oralRecord: a.content.oralRecord,
          },
          recordTime: a.recordAt,
          signatures: a.signatures.map((s) => ({
            kind: signatureKindCodec.toProto(s.kind),
            partyId: s.partyId,
            mediatorId: s.mediatorId,
            signTime: s.signAt,
          })),
          effectiveTime: a.effectiveAt ?? undefined,
          confirmationDeadlineTime: a.confirmationDeadlineAt ?? undefined,
          remindedBeforeSeconds: a.remindedBefore.map(String),
          confirmationApplyTime: a.confirmationAppliedAt ?? undefined,
          confirmationCourt: a.confirmationCourt,
          performance: a.performance.map((p) => ({ status: performanceCodec.toProto(p.status), note: p.note, checkTime: p.checkAt })),
          performanceOverdueAlerted: a.performanceOverdueAlerted,
        }
      : undefined,
    failure: c.failure
      ? { routes: c.failure.routes.map((x) => routeCodec.toProto(x)), note: c.failure.note, failTime: c.failure.failAt }
      : undefined,
    arbitrationReferral: r
      ? {
          referralId: r.referralId,
          commission: orgToProto(r.commission),
          agreement: {
            form: arbitrationAgreementFormCodec.toProto(r.agreement.form),
            content: r.agreement.content,
            concludeTime: r.agreement.concludeAt ?? undefined,
          },
          summary: r.summary,
          status: referralStatusCodec.toProto(r.status),
          answerNote: r.answerNote,
          referTime: r.referAt,
          answerTime: r.answerAt ?? undefined,
          lastSendError: r.lastSendError,
        }
      : undefined,
    sourceReferralId: c.sourceReferralId,
    endReason: c.endReason,
    endingPartyId: c.endingPartyId,
    openTime: c.openedAt,
    closeTime: c.closedAt ?? undefined,
    revision: c.revision,
  };
}
