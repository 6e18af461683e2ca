import {
  actorOf,
  implement,
  MECHANISM,
  own,
  Violations,
  type AccessRules,
  type HandlerOptions,
  type RegisteredService,
} from "@jinlian/chassis";
import { legalServicesV1 } from "@jinlian/proto";
import type { ArbitrationReferralApp } from "../../app/referral-app";
import { arbitrationAgreementFormCodec, arbitrationReferralToProto, referralStatusCodec } from "../../domain/arbitration-referral";
import { optionalEnum } from "./codecs";

const P = legalServicesV1;

/**
 * A referral is a failed mediation case's contents (parties, summary, arbitration agreement):
 * own jurisdiction only. Mediation submits it for the case's committee, which the two sides guide
 * (art. 17-18); commissions have no role, so the sides record a commission's answer and read the
 * referrals. The committee learns the answer from the referrals stream.
 */
const access = {
  submitArbitrationReferral: own("MEDIATION_COMMITTEE", ...MECHANISM),
  answerArbitrationReferral: own(...MECHANISM),
  getArbitrationReferral: own(...MECHANISM),
  listArbitrationReferrals: own(...MECHANISM),
} satisfies AccessRules<typeof P.ArbitrationReferralServiceService>;

/** jinlian.legal_services.v1.ArbitrationReferralService. */
export function referralGrpcService(app: ArbitrationReferralApp, grpc: HandlerOptions): RegisteredService {
  const implementation = implement(
    P.ArbitrationReferralServiceService,
    {
      async submitArbitrationReferral(req, call) {
        const r = await app.submit(
          {
            referralId: req.referralId,
            disputeId: req.disputeId,
            caseReference: req.caseReference,
            commissionCreditCode: req.commissionCreditCode,
            parties: req.parties.map((p) => ({ creditCode: p.creditCode, name: p.name })),
            summary: req.summary,
            mediationEndedAt: req.mediationEndTime,
            arbitrationAgreement: req.arbitrationAgreement && {
              form: arbitrationAgreementFormCodec.fromProto(req.arbitrationAgreement.form),
              content: req.arbitrationAgreement.content,
              concludedAt: req.arbitrationAgreement.concludeTime,
            },
          },
          req.reason,
          actorOf(call),
        );
        return { referral: arbitrationReferralToProto(r) };
      },
      async answerArbitrationReferral(req, call) {
        const r = await app.answer(
          req.referralId.trim().toLowerCase(),
          req.expectedRevision,
          req.accept,
          req.answerNote,
          req.reason,
          actorOf(call),
        );
        return { referral: arbitrationReferralToProto(r) };
      },
      async getArbitrationReferral(req) {
        return { referral: arbitrationReferralToProto(await app.get(req.referralId.trim())) };
      },
      async listArbitrationReferrals(req) {
        const v = new Violations();
        const status = optionalEnum(v, "filter.status", req.filter?.status ?? 0, referralStatusCodec);
        v.throwIfAny();
        const page = await app.list(
          { status, commissionCreditCode: req.filter?.commissionCreditCode ?? "" },
          req.page?.pageSize ?? 0,
          req.page?.pageToken ?? "",
        );
        return {
          referrals: page.items.map(arbitrationReferralToProto),
          page: { nextPageToken: page.nextPageToken, totalSize: page.totalSize },
        };
      },
    },
    { ...grpc, access },
  );
  return { name: "jinlian.legal_services.v1.ArbitrationReferralService", definition: P.ArbitrationReferralServiceService, implementation };
}
