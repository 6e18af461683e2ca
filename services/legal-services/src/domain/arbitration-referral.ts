/**
 * Arbitration referrals (seed art. 18; 人民调解法 art. 26): a dispute whose mediation failed,
 * referred by the mediation service to an arbitration commission known here. Pure rules. The
 * intake is idempotent by the referring service's id; the commission's answer is an event the
 * mediation service consumes.
 */
import {
  checkExpectedRevision,
  emit,
  enumCodec,
  FailedPreconditionError,
  InvalidArgumentError,
  isUuid,
  legalServicesEvents,
  toLocal,
  Violations,
  type AuditMetadata,
  type DecisionWithRevision,
  type EventToEmit,
} from "@jinlian/chassis";
import { legalServicesV1 } from "@jinlian/proto";
import { creditCodeField, isOpaqueId, orgToProto, type DecisionContext, type OrgRef } from "./common";
import type { Provider } from "./provider";

export const referralStatusCodec = enumCodec(legalServicesV1.ArbitrationReferralStatus, "ARBITRATION_REFERRAL_STATUS_", [
  "RECEIVED",
  "ACCEPTED",
  "DECLINED",
] as const);

export const arbitrationAgreementFormCodec = enumCodec(legalServicesV1.ArbitrationAgreementForm, "ARBITRATION_AGREEMENT_FORM_", [
  "CONTRACT_CLAUSE",
  "SEPARATE",
] as const);

/** The parties' written arbitration agreement (仲裁协议) a referral rests on. */
export interface ArbitrationAgreement {
  form: "CONTRACT_CLAUSE" | "SEPARATE";
  content: string;
  concludedAt: Date | null;
}

export interface ArbitrationReferral {
  referralId: string;
  disputeId: string;
  caseReference: string;
  commission: OrgRef;
  commissionProviderId: string;
  parties: OrgRef[];
  summary: string;
  mediationEndedAt: Date | null;
  status: "RECEIVED" | "ACCEPTED" | "DECLINED";
  answerNote: string;
  receivedAt: Date;
  answeredAt: Date | null;
  /** Absent in referrals taken in before the field existed (the agreement was in the summary). */
  arbitrationAgreement?: ArbitrationAgreement | null;
  revision: number;
}

export interface ReferralInput {
  referralId: string;
  disputeId: string;
  caseReference: string;
  commissionCreditCode: string;
  parties: { creditCode: string; name: string }[];
  summary: string;
  mediationEndedAt: Date | undefined;
  arbitrationAgreement?: { form: ArbitrationAgreement["form"] | undefined; content: string; concludedAt: Date | undefined } | undefined;
}

export function checkReferral(input: ReferralInput): ReferralInput {
  const v = new Violations();
  const referralId = input.referralId.trim().toLowerCase();
  if (!isUuid(referralId)) v.add("referral_id", referralId ? "must be a UUID" : "is required");
  const disputeId = input.disputeId.trim();
  if (!isOpaqueId(disputeId)) v.add("dispute_id", disputeId ? "must be 1-64 characters from A-Z a-z 0-9 . _ : -" : "is required");
  const caseReference = input.caseReference.trim();
  if ([...caseReference].length > 100) v.add("case_reference", "must be at most 100 characters");
  const commissionCreditCode = creditCodeField(v, "commission_credit_code", input.commissionCreditCode);
  if (input.parties.length < 2 || input.parties.length > 20) v.add("parties", "must list 2-20 parties");
  const parties = input.parties.map((p, i) => {
    const name = p.name.trim();
    if ([...name].length > 200) v.add(`parties[${i}].name`, "must be at most 200 characters");
    return { creditCode: creditCodeField(v, `parties[${i}].credit_code`, p.creditCode), name };
  });
  const summary = input.summary.trim();
  if (!summary) v.add("summary", "is required");
  else if ([...summary].length > 2000) v.add("summary", "must be at most 2000 characters");
  if (input.mediationEndedAt && Number.isNaN(input.mediationEndedAt.getTime())) v.add("mediation_end_time", "must be a valid time");
  const a = input.arbitrationAgreement;
  let arbitrationAgreement: ReferralInput["arbitrationAgreement"];
  if (a) {
    if (!a.form) v.add("arbitration_agreement.form", "is required: CONTRACT_CLAUSE or SEPARATE");
    const content = a.content.trim();
    if (!content) v.add("arbitration_agreement.content", "is required: the clause or agreement as written");
    else if ([...content].length > 2000) v.add("arbitration_agreement.content", "must be at most 2000 characters");
    if (a.concludedAt && Number.isNaN(a.concludedAt.getTime())) v.add("arbitration_agreement.conclude_time", "must be a valid time");
    arbitrationAgreement = { form: a.form, content, concludedAt: a.concludedAt };
  }
  v.throwIfAny();
  return { ...input, referralId, disputeId, caseReference, commissionCreditCode, parties, summary, arbitrationAgreement };
}

/** The fields that make two submissions the same referral (a retry is answered with the one held). */
export const referralFingerprint = (
  r: Pick<ArbitrationReferral, "disputeId" | "commission" | "parties" | "summary" | "arbitrationAgreement">,
): string => {
  const base = [r.disputeId, r.commission.creditCode, r.parties.map((p) => p.creditCode).sort(), r.summary];
  // Appended only when present, so referrals held from before the field keep their fingerprint.
  const a = r.arbitrationAgreement;
  return JSON.stringify(a ? [...base, [a.form, a.content, a.concludedAt?.toISOString() ?? ""]] : base);
};

export function decideIntake(
  c: ReferralInput,
  commission: Provider | undefined,
  ctx: DecisionContext,
): DecisionWithRevision<ArbitrationReferral> {
  if (!commission || commission.kind !== "ARBITRATION_COMMISSION" || !commission.organisation)
    throw new InvalidArgumentError([
      { field: "commission_credit_code", description: "is not a registered ARBITRATION_COMMISSION provider here" },
    ]);
  if (commission.status !== "ACTIVE")
    throw new FailedPreconditionError([
      {
        type: "PROVIDER_NOT_ACTIVE",
        subject: `provider/${commission.providerId}`,
        description: `${commission.name} is ${commission.status.toLowerCase()}`,
      },
    ]);
  const referral: ArbitrationReferral = {
    referralId: c.referralId,
    disputeId: c.disputeId,
    caseReference: c.caseReference,
    commission: commission.organisation,
    commissionProviderId: commission.providerId,
    parties: c.parties.map((p) => ({ creditCode: p.creditCode, jurisdictionCode: "", name: p.name })),
    summary: c.summary,
    mediationEndedAt: c.mediationEndedAt ?? null,
    status: "RECEIVED",
    answerNote: "",
    receivedAt: ctx.now,
    answeredAt: null,
    arbitrationAgreement: c.arbitrationAgreement
      ? {
          form: c.arbitrationAgreement.form!,
          content: c.arbitrationAgreement.content,
          concludedAt: c.arbitrationAgreement.concludedAt ?? null,
        }
      : null,
    revision: 1,
  };
  return { state: referral, action: "SubmitArbitrationReferral", events: (after) => [referralEvent("received", after, ctx.audit)] };
}

export function decideAnswer(
  r: ArbitrationReferral,
  accept: boolean,
  note: string,
  expectedRevision: number,
  ctx: DecisionContext,
): DecisionWithRevision<ArbitrationReferral> {
  const t = note.trim();
  if (!accept && !t) throw new InvalidArgumentError([{ field: "answer_note", description: "is required when declining: why" }]);
  if ([...t].length > 2000) throw new InvalidArgumentError([{ field: "answer_note", description: "must be at most 2000 characters" }]);
  checkExpectedRevision("arbitration_referral", r.referralId, r.revision, expectedRevision);
  if (r.status !== "RECEIVED")
    throw new FailedPreconditionError([
      { type: "STATE", subject: `arbitration_referral/${r.referralId}`, description: `the referral was already ${r.status.toLowerCase()}` },
    ]);
  const next: ArbitrationReferral = { ...r, status: accept ? "ACCEPTED" : "DECLINED", answerNote: t, answeredAt: ctx.now };
  return { state: next, action: "AnswerArbitrationReferral", events: (after) => [referralEvent("answered", after, ctx.audit)] };
}

export function arbitrationReferralToProto(r: ArbitrationReferral): legalServicesV1.ArbitrationReferral {
  return {
    referralId: r.referralId,
    disputeId: r.disputeId,
    caseReference: r.caseReference,
    commission: orgToProto(r.commission),
    commissionProviderId: r.commissionProviderId,
    parties: r.parties.map((p) => orgToProto(p)!),
    summary: r.summary,
    mediationEndTime: r.mediationEndedAt ?? undefined,
    status: referralStatusCodec.toProto(r.status),
    answerNote: r.answerNote,
    receiveTime: r.receivedAt,
    answerTime: r.answeredAt ?? undefined,
    revision: r.revision,
    arbitrationAgreement: r.arbitrationAgreement
      ? {
          form: arbitrationAgreementFormCodec.toProto(r.arbitrationAgreement.form),
          content: r.arbitrationAgreement.content,
          concludeTime: r.arbitrationAgreement.concludedAt ?? undefined,
        }
      : undefined,
  };
}

function referralEvent(kind: "received" | "answered", r: ArbitrationReferral, audit: AuditMetadata): EventToEmit {
  const d = kind === "received" ? legalServicesEvents.arbitrationReferralReceived : legalServicesEvents.arbitrationReferralAnswered;
  return emit(d, r.referralId, { referralId: r.referralId, referral: arbitrationReferralToProto(r), audit }, [toLocal("referrals")]);
}
