/** The aggregate stores of mediation and the reads their use cases need. */
import type { ArbitratorRecommendation } from "../domain/arbitrator";
import type { Case } from "../domain/case";
import { watched } from "../domain/case";
import type { Committee, Mediator } from "../domain/committee";
import type { RegistryOrganisation } from "../domain/common";
import type { LegalProviderFact } from "../domain/conflicts";
import type { Cooperation } from "../domain/cooperation";
import type { Defaulter, NominationBatch } from "../domain/nomination";
import { docStore, personalDataKeyring, revive, type Db } from "@jinlian/chassis";

/** Fields of parties' personal data, wherever they sit in a document. */
export const PERSONAL_DATA = ["identityNumber", "phone"];

export const committeeStore = docStore<Committee>({
  table: "committees",
  type: "committee",
  idColumn: "committee_id",
  id: (c) => c.committeeId,
  columns: (c) => ({
    credit_code: c.committee.creditCode,
    chamber_credit_code: c.chamber.creditCode,
    name: c.committee.name,
    term_end_at: c.termEndAt,
  }),
});

export const mediatorStore = docStore<Mediator>({
  table: "mediators",
  type: "mediator",
  idColumn: "mediator_id",
  id: (m) => m.mediatorId,
  columns: (m) => ({ committee_id: m.committeeId, name: m.name, status: m.status, pool: m.pool, licence_number: m.licenceNumber || null }),
});

export const caseStore = docStore<Case>({
  table: "cases",
  type: "case",
  // Parties' personal data is sealed at rest (docs/security.md).
  personalData: PERSONAL_DATA,
  idColumn: "case_id",
  id: (c) => c.caseId,
  columns: (c) => ({
    committee_id: c.committeeId,
    status: c.status,
    kind: c.kind,
    dispute_id: c.disputeId,
    source_referral_id: c.sourceReferralId || null,
    referral_id: c.referral?.referralId ?? null,
    referral_status: c.referral?.status ?? null,
    watched: watched(c),
    opened_at: c.openedAt,
    closed_at: c.closedAt,
  }),
});

interface KnownRow {
  credit_code: string;
  name: string;
  type: RegistryOrganisation["type"];
  jurisdiction_code: string;
  active: boolean;
  chamber_credit_code: string;
}

/** The node's registry projection by credit code (organisations held here; an active record wins). */
export async function registryByCodes(db: Db, codes: readonly string[]): Promise<Map<string, RegistryOrganisation>> {
  const wanted = [...new Set(codes.filter(Boolean))];
  const out = new Map<string, RegistryOrganisation>();
  if (wanted.length === 0) return out;
  const rows = (await db("known_organisations").whereIn("credit_code", wanted).where("held_here", true)) as KnownRow[];
  for (const r of rows) {
    if (out.get(r.credit_code)?.active) continue;
    out.set(r.credit_code, {
      creditCode: r.credit_code,
      jurisdictionCode: r.jurisdiction_code,
      name: r.name,
      type: r.type,
      active: r.active,
      chamberCreditCode: r.chamber_credit_code,
    });
  }
  return out;
}

/** legal-services' provider with this lawyer's licence number, and its firm's provider. */
export async function lawyerFacts(db: Db, licenceNumber: string): Promise<{ lawyer?: LegalProviderFact; firm?: LegalProviderFact }> {
  if (!licenceNumber) return {};
  const row = (await db("legal_providers").where({ licence_number: licenceNumber, kind: "LAWYER" }).first("doc")) as
    { doc: unknown } | undefined;
  if (!row) return {};
  const lawyer = revive<LegalProviderFact>(row.doc);
  if (!lawyer.firmCreditCode) return { lawyer };
  const firmRow = (await db("legal_providers").where({ credit_code: lawyer.firmCreditCode, kind: "LAW_FIRM" }).first("doc")) as
    { doc: unknown } | undefined;
  return { lawyer, firm: firmRow ? revive<LegalProviderFact>(firmRow.doc) : undefined };
}

export const nominationBatchStore = docStore<NominationBatch>({
  table: "nomination_batches",
  type: "nomination_batch",
  // Parties' personal data is sealed at rest (docs/security.md).
  personalData: PERSONAL_DATA,
  idColumn: "batch_id",
  id: (b) => b.batchId,
  columns: (b) => ({
    kind: b.kind,
    selecting_body: b.selectingBody,
    reference_at: b.referenceAt,
    status: b.status,
    created_at: b.createdAt,
  }),
});

export const defaulterStore = docStore<Defaulter>({
  table: "defaulters",
  type: "defaulter",
  // Parties' personal data is sealed at rest (docs/security.md).
  personalData: PERSONAL_DATA,
  idColumn: "entry_id",
  id: (d) => d.entryId,
  // The list is looked up by identity number through its keyed index, never the number itself.
  columns: (d) => ({ identity_number: personalDataKeyring().index(d.identityNumber), active: d.active, added_at: d.addedAt }),
});

export const recommendationStore = docStore<ArbitratorRecommendation>({
  table: "arbitrator_recommendations",
  type: "arbitrator_recommendation",
  // Parties' personal data is sealed at rest (docs/security.md).
  personalData: PERSONAL_DATA,
  idColumn: "recommendation_id",
  id: (r) => r.recommendationId,
  columns: (r) => ({
    commission_credit_code: r.commission.creditCode,
    candidate_name: r.candidate.name,
    employer_credit_code: r.employer.creditCode,
    status: r.status,
    recommended_at: r.recommendedAt,
  }),
});

export const cooperationStore = docStore<Cooperation>({
  table: "cooperations",
  type: "cooperation",
  idColumn: "cooperation_id",
  id: (c) => c.cooperationId,
  columns: (c) => ({ role: c.role, case_id: c.caseId, status: c.status, requested_at: c.requestedAt }),
});

/** legal-services' providers that are lawyers with this licence number, or lawyers and arbitrators with this name. */
export async function providersNamed(db: Db, name: string, licenceNumber: string): Promise<LegalProviderFact[]> {
  const rows = (await db("legal_providers")
    .where((w) => {
      w.where((n) => n.where("name", name.trim()).whereIn("kind", ["LAWYER", "ARBITRATOR"]));
      if (licenceNumber.trim()) w.orWhere((l) => l.where({ licence_number: licenceNumber.trim(), kind: "LAWYER" }));
    })
    .orderBy("provider_id")
    .select("doc")) as { doc: unknown }[];
  return rows.map((r) => revive<LegalProviderFact>(r.doc));
}
