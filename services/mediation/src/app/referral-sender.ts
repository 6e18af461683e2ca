import { PeriodicWork, type Logger, type ServiceKit } from "@jinlian/chassis";
import { legalServicesV1 } from "@jinlian/proto";
import { decideReferralUpdate, type Case } from "../domain/case";
import type { OrgRef } from "../domain/common";
import { caseStore } from "../persistence/stores";

/** legal-services' arbitration-referral intake as mediation calls it (gRPC, through the client SDK). */
export interface ArbitrationIntake {
  submit(request: {
    referralId: string;
    disputeId: string;
    caseReference: string;
    commissionCreditCode: string;
    parties: OrgRef[];
    summary: string;
    mediationEndTime: Date | undefined;
    reason: string;
    /** The parties' written arbitration agreement (legal-services' contract field). */
    arbitrationAgreement: { form: number; content: string; concludeTime: Date | undefined };
  }): Promise<{ commission: OrgRef | undefined }>;
}

/** A refusal that sending again will not change (the commission unknown, the referral malformed). */
export type SendOutcome = { ok: true; commission: OrgRef | undefined } | { ok: false; permanent: boolean; message: string };

/**
 * Sends the referrals the use case recorded (status PENDING) to legal-services, at least once:
 * its intake is idempotent by referral id. Taken in, the referral is RECEIVED (the event on
 * legal-services' referrals stream says the same later and changes nothing); a permanent refusal
 * marks it DECLINED with legal-services' reason, so the case may be referred again; a transient
 * failure is retried at the next interval.
 */
export class ReferralSender {
  private readonly work: PeriodicWork;

  constructor(
    private readonly kit: ServiceKit,
    private readonly intake: (() => ArbitrationIntake) | undefined,
    private readonly send: (intake: ArbitrationIntake, c: Case) => Promise<SendOutcome>,
    intervalMs: number,
    logger: Logger,
  ) {
    this.work = new PeriodicWork({ name: "arbitration referrals", intervalMs, logger, run: () => this.run() });
  }

  start(): void {
    if (this.intake) this.work.start();
  }

  stop(): Promise<void> {
    return this.work.stop();
  }

  /** One pass: every pending referral; returns how many were settled (taken in or refused). */
  async run(): Promise<number> {
    if (!this.intake) return 0;
    const intake = this.intake();
    const rows = (await this.kit.db("cases").where("referral_status", "PENDING").orderBy("case_id").limit(100).select("case_id")) as {
      case_id: string;
    }[];
    let settled = 0;
    for (const { case_id } of rows) {
      const c = await this.kit.snapshot((s) => caseStore.load(s, case_id));
      if (!c?.referral || c.referral.status !== "PENDING") continue;
      const outcome = await this.send(intake, c);
      if (!outcome.ok && !outcome.permanent) {
        this.kit.logger.warn(
          { case_id, referral_id: c.referral.referralId, err: outcome.message },
          "arbitration referral not sent; retried",
        );
        continue;
      }
      await this.kit.db.transaction(async (trx) => {
        const before = await caseStore.load(trx, case_id, true);
        if (!before?.referral || before.referral.referralId !== c.referral!.referralId) return;
        const now = this.kit.now();
        const d = outcome.ok
          ? decideReferralUpdate(
              before,
              { referralId: c.referral!.referralId, status: "RECEIVED", commission: outcome.commission, answerNote: "", answerAt: null },
              "ArbitrationReferralSent",
            )
          : decideReferralUpdate(
              before,
              {
                referralId: c.referral!.referralId,
                status: "DECLINED",
                answerNote: `refused by legal-services: ${outcome.message}`.slice(0, 2000),
                answerAt: now,
              },
              "ArbitrationReferralRefused",
            );
        if (d)
          await this.kit.apply(
            trx,
            caseStore,
            before,
            d,
            { actor: { subject: "mediation:referral-sender", requestId: "" }, reason: "" },
            0,
            now,
          );
      });
      settled += 1;
    }
    return settled;
  }
}

/** The request a case's referral makes: organisations only, with the parties' arbitration agreement. */
export function referralRequest(c: Case): Parameters<ArbitrationIntake["submit"]>[0] {
  const r = c.referral!;
  const L = legalServicesV1.ArbitrationAgreementForm;
  return {
    referralId: r.referralId,
    disputeId: c.disputeId,
    caseReference: c.caseId,
    commissionCreditCode: r.commission.creditCode,
    parties: c.parties.flatMap((p) => (p.organisation ? [p.organisation] : [])),
    summary: r.summary,
    arbitrationAgreement: {
      form: r.agreement.form === "CONTRACT_CLAUSE" ? L.ARBITRATION_AGREEMENT_FORM_CONTRACT_CLAUSE : L.ARBITRATION_AGREEMENT_FORM_SEPARATE,
      content: r.agreement.content,
      concludeTime: r.agreement.concludeAt ?? undefined,
    },
    mediationEndTime: c.failure?.failAt,
    reason: "mediation failed (人民调解法 art. 26); referred to arbitration (seed art. 18)",
  };
}
