import { attributionFromEvent, InvalidArgumentError, type ReceivedEvent, type ServiceKit } from "@jinlian/chassis";
import { legalServicesV1, type legalServicesEventsV1 } from "@jinlian/proto";
import type { Knex } from "knex";
import { decideOpenFromReferral, decideReferralUpdate, type CasePolicy, type PartyRole, type ReferralStatus } from "../domain/case";
import type { OrgRef } from "../domain/common";
import type { LegalProviderFact } from "../domain/conflicts";
import { caseStore, committeeStore } from "../persistence/stores";

const P = legalServicesV1;
const enumName = (e: Record<number, string>, n: number, prefix: string): string => (e[n] ?? "").replace(prefix, "");
const org = (o: { creditCode: string; jurisdictionCode: string; name: string } | undefined): OrgRef =>
  o ? { creditCode: o.creditCode, jurisdictionCode: o.jurisdictionCode, name: o.name } : { creditCode: "", jurisdictionCode: "", name: "" };

/** What mediation takes from legal-services' streams at this node. */
export class LegalServicesInbound {
  constructor(
    private readonly kit: ServiceKit,
    private readonly policy: CasePolicy,
  ) {}

  /** A provider's latest state (compacted stream, whole provider per event); older revisions are ignored. */
  async onProvider(
    event: ReceivedEvent<{ providerId: string; provider?: legalServicesV1.Provider | undefined }>,
    trx: Knex.Transaction,
  ): Promise<void> {
    const p = event.data.provider;
    if (!p || p.providerId !== event.data.providerId)
      throw new InvalidArgumentError([{ field: "data.provider", description: "is required and must carry data.provider_id" }]);
    const now = this.kit.now();
    const fact: LegalProviderFact = {
      providerId: p.providerId,
      kind: enumName(P.ProviderKind, p.kind, "PROVIDER_KIND_"),
      lawyerKind: enumName(P.LawyerKind, p.lawyerKind, "LAWYER_KIND_"),
      licenceNumber: p.licenceNumber,
      name: p.name,
      status: enumName(P.ProviderStatus, p.status, "PROVIDER_STATUS_"),
      creditCode: p.organisation?.creditCode ?? "",
      firmCreditCode: p.firm?.creditCode ?? "",
      employerCreditCode: p.employer?.creditCode ?? "",
      commissionCreditCode: p.commission?.creditCode ?? "",
      rosterNumber: p.rosterNumber,
      // A retired or suspended provider acts for nobody new, but its open matters still bind it.
      clientCreditCodes: p.clientsInOpenMatters.map((c) => c.creditCode),
      adviserChamberCreditCodes: p.adviserAppointments
        .filter((a) => !a.endedTime && (!a.endTime || a.endTime.getTime() > now.getTime()))
        .flatMap((a) => (a.chamber ? [a.chamber.creditCode] : [])),
    };
    await trx("legal_providers")
      .insert({
        provider_id: fact.providerId,
        kind: fact.kind,
        licence_number: fact.licenceNumber || null,
        name: fact.name,
        status: fact.status,
        credit_code: fact.creditCode || null,
        provider_revision: p.revision,
        doc: JSON.stringify(fact),
        updated_at: now,
      })
      .onConflict("provider_id")
      .merge()
      .where("legal_providers.provider_revision", "<", p.revision);
  }

  /** A dispute referred with every party's consent: a case at the committee, accepted at once. */
  async onDisputeReferred(event: ReceivedEvent<legalServicesEventsV1.DisputeReferred>, trx: Knex.Transaction): Promise<void> {
    const d = event.data;
    if (await trx("cases").where("source_referral_id", d.referralId).first("case_id")) return; // applied already
    const code = d.committee?.creditCode ?? "";
    const row = (await trx("committees").where("credit_code", code).first("committee_id")) as { committee_id: string } | undefined;
    if (!row)
      throw new InvalidArgumentError([
        { field: "data.committee.credit_code", description: `${code} is not a committee registered with mediation at this node` },
      ]);
    const committee = (await committeeStore.load(trx, row.committee_id))!;
    const consentAt = new Map(d.consents.map((c) => [c.creditCode, c.consentTime ?? null]));
    const parties = d.parties.map((p) => ({
      organisation: org(p.organisation),
      role: (p.role === "REQUESTER" ? "APPLICANT" : "RESPONDENT") as PartyRole,
      consentAt: consentAt.get(p.organisation?.creditCode ?? "") ?? null,
    }));
    const missing = parties.filter((p) => !consentAt.has(p.organisation.creditCode));
    if (missing.length > 0)
      throw new InvalidArgumentError([{ field: "data.consents", description: "every party's consent is required (人民调解法 art. 17)" }]);
    const by = attributionFromEvent(d.audit, this.kit.here);
    const now = this.kit.now();
    const ctx = { here: this.kit.here, now, newId: () => this.kit.newId(), audit: this.kit.auditMetadata(by, now) };
    const decision = decideOpenFromReferral(
      committee,
      { referralId: d.referralId, disputeId: d.disputeId, parties, summary: d.summary },
      this.policy,
      ctx,
    );
    await this.kit.apply(trx, caseStore, undefined, decision, by, 0, now);
  }

  /** legal-services took a referral in, or the commission answered it. */
  async onArbitrationReferral(
    event: ReceivedEvent<legalServicesEventsV1.ArbitrationReferralReceived | legalServicesEventsV1.ArbitrationReferralAnswered>,
    answered: boolean,
    trx: Knex.Transaction,
  ): Promise<void> {
    const r = event.data.referral;
    if (!r) throw new InvalidArgumentError([{ field: "data.referral", description: "is required" }]);
    const row = (await trx("cases").where("referral_id", event.data.referralId).first("case_id")) as { case_id: string } | undefined;
    if (!row) return; // a referral of another referrer
    const before = (await caseStore.load(trx, row.case_id, true))!;
    const status: ReferralStatus = !answered
      ? "RECEIVED"
      : r.status === P.ArbitrationReferralStatus.ARBITRATION_REFERRAL_STATUS_ACCEPTED
        ? "ACCEPTED"
        : "DECLINED";
    const d = decideReferralUpdate(
      before,
      { referralId: r.referralId, status, commission: org(r.commission), answerNote: r.answerNote, answerAt: r.answerTime ?? null },
      answered ? "ArbitrationReferralAnswered" : "ArbitrationReferralReceived",
    );
    if (!d) return;
    const by = attributionFromEvent(event.data.audit, this.kit.here);
    await this.kit.apply(trx, caseStore, before, d, by, 0, this.kit.now());
  }
}
