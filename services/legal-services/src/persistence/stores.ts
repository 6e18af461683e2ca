/** The aggregate stores of legal-services and the reads their use cases need. */
import type { Knex } from "knex";
import type { ArbitrationReferral } from "../domain/arbitration-referral";
import { referralFingerprint } from "../domain/arbitration-referral";
import type { HealthCheckCampaign } from "../domain/health-check";
import type { OpenMatter } from "../domain/matching";
import type { Pair, PairingProgramme } from "../domain/pairing";
import type { Provider, RegistryOrganisation } from "../domain/provider";
import { currentProviderId, offerDeadline, type LegalServiceRequest } from "../domain/request";
import type { Training } from "../domain/training";
import { docStore, revive, type Db } from "@jinlian/chassis";

export const providerStore = docStore<Provider>({
  table: "providers",
  type: "provider",
  idColumn: "provider_id",
  id: (p) => p.providerId,
  columns: (p) => ({
    kind: p.kind,
    identity_key: p.identityKey,
    name: p.name,
    district_code: p.profile.districtCode,
    status: p.status,
    credit_code: p.organisation?.creditCode ?? p.chamber?.creditCode ?? null,
    firm_credit_code: p.firm?.creditCode ?? null,
    licence_number: p.licenceNumber || null,
  }),
});

export const requestStore = docStore<LegalServiceRequest>({
  table: "requests",
  type: "request",
  idColumn: "request_id",
  id: (r) => r.requestId,
  columns: (r) => ({
    status: r.status,
    type: r.type,
    district_code: r.districtCode,
    requester_credit_code: r.requester.creditCode,
    provider_id: currentProviderId(r) || null,
    offer_deadline_at: offerDeadline(r),
    submitted_at: r.submittedAt,
    assigned_at: r.assignedAt,
  }),
});

function pairRow(p: Pair, received: boolean) {
  return {
    pair_id: p.pairId,
    programme_id: p.programmeId,
    received,
    chamber_credit_code: p.chamber.creditCode,
    firm_credit_code: p.firm.creditCode,
    chamber_district: p.chamberDistrict,
    firm_district: p.firmDistrict,
    status: p.status,
    round: p.round,
    doc: JSON.stringify(p),
  };
}

/** Writes pairs that are new or changed (by their JSON), in chunks. */
async function upsertPairs(trx: Knex.Transaction, pairs: readonly Pair[], received: boolean): Promise<void> {
  for (let i = 0; i < pairs.length; i += 500)
    await trx("pairs")
      .insert(pairs.slice(i, i + 500).map((p) => pairRow(p, received)))
      .onConflict("pair_id")
      .merge();
}

/** A programme: its document without pairs, and each pair as a row (lists and districts read them). */
export const programmeStore = docStore<PairingProgramme>({
  table: "pairing_programmes",
  type: "pairing_programme",
  idColumn: "programme_id",
  id: (p) => p.programmeId,
  columns: (p) => ({ year: p.year, status: p.status, created_at: p.createdAt }),
  doc: (p) => ({ ...p, pairs: undefined }),
  async read(db, doc) {
    const rows = (await db("pairs").where({ programme_id: doc.programmeId, received: false }).select("doc")) as { doc: unknown }[];
    return inMakingOrder({ ...doc, pairs: rows.map((r) => revive<Pair>(r.doc)) });
  },
  async extra(trx, after, before) {
    const held = new Map((before?.pairs ?? []).map((p) => [p.pairId, JSON.stringify(p)]));
    const changed = after.pairs.filter((p) => held.get(p.pairId) !== JSON.stringify(p));
    const gone = (before?.pairs ?? []).filter((p) => !after.pairs.some((x) => x.pairId === p.pairId)).map((p) => p.pairId);
    if (gone.length > 0) await trx("pairs").whereIn("pair_id", gone).delete();
    await upsertPairs(trx, changed, false);
  },
});

/** A programme with its pairs in making order: by round, then in the programme's order of chambers. */
export function inMakingOrder(p: PairingProgramme): PairingProgramme {
  const order = new Map(p.chambers.map((c, i) => [c.chamber.creditCode, i]));
  const pairs = [...p.pairs].sort(
    (a, b) => a.round - b.round || (order.get(a.chamber.creditCode) ?? 0) - (order.get(b.chamber.creditCode) ?? 0),
  );
  return { ...p, pairs };
}

/** Pairs received at a district: the latest state of each (events of one programme arrive in order). */
export async function saveReceivedPairs(trx: Knex.Transaction, pairs: readonly Pair[]): Promise<void> {
  await upsertPairs(trx, pairs, true);
}

export const campaignStore = docStore<HealthCheckCampaign>({
  table: "health_check_campaigns",
  type: "health_check_campaign",
  idColumn: "campaign_id",
  id: (c) => c.campaignId,
  columns: (c) => ({ district_code: c.districtCode, status: c.status, created_at: c.createdAt }),
  async extra(trx, after) {
    if (after.followUps.length === 0) return;
    await trx("health_check_follow_ups")
      .insert(
        after.followUps.map((f) => ({
          follow_up_id: f.followUpId,
          campaign_id: after.campaignId,
          due_at: f.dueAt,
          done: f.doneAt !== null,
        })),
      )
      .onConflict("follow_up_id")
      .merge(["due_at", "done"]);
  },
});

export const trainingStore = docStore<Training>({
  table: "trainings",
  type: "training",
  idColumn: "training_id",
  id: (t) => t.trainingId,
  columns: (t) => ({ kind: t.kind, status: t.status, start_at: t.startAt }),
});

export const referralStore = docStore<ArbitrationReferral>({
  table: "arbitration_referrals",
  type: "arbitration_referral",
  idColumn: "referral_id",
  id: (r) => r.referralId,
  columns: (r) => ({
    status: r.status,
    commission_credit_code: r.commission.creditCode,
    fingerprint: referralFingerprint(r),
    received_at: r.receivedAt,
  }),
});

interface KnownRow {
  credit_code: string;
  name: string;
  type: RegistryOrganisation["type"];
  jurisdiction_code: string;
  active: boolean;
  industry_section: string | null;
  chamber_credit_code: string;
}

/** The node's registry projection by credit code (organisations held here; an active record wins). */
export async function registryByCodes(db: Db, codes: readonly string[]): Promise<Map<string, RegistryOrganisation>> {
  const wanted = [...new Set(codes.filter(Boolean))];
  const out = new Map<string, RegistryOrganisation>();
  if (wanted.length === 0) return out;
  const rows = (await db("known_organisations").whereIn("credit_code", wanted).where("held_here", true)) as KnownRow[];
  for (const r of rows) {
    const held = out.get(r.credit_code);
    if (held?.active) continue;
    out.set(r.credit_code, {
      creditCode: r.credit_code,
      jurisdictionCode: r.jurisdiction_code,
      name: r.name,
      type: r.type,
      active: r.active,
      industrySection: r.industry_section ?? "",
      chamberCreditCode: r.chamber_credit_code,
    });
  }
  return out;
}

const providersOf = (rows: { doc: unknown; revision: number }[]) => rows.map((r) => ({ ...revive<Provider>(r.doc), revision: r.revision }));

/** Providers whose organisation (or service point's chamber) has one of these credit codes. */
export async function providersByCreditCodes(db: Db, codes: readonly string[]): Promise<Provider[]> {
  if (codes.length === 0) return [];
  return providersOf(
    await db("providers")
      .whereIn("credit_code", [...new Set(codes)])
      .select("doc", "revision"),
  );
}

export async function providerIdByIdentity(db: Db, identityKey: string): Promise<string | undefined> {
  const row = (await db("providers").where({ identity_key: identityKey }).first("provider_id")) as { provider_id: string } | undefined;
  return row?.provider_id;
}

/** Every provider of the kinds given (all kinds when none). */
export async function providersOfKinds(db: Db, kinds: readonly string[] = []): Promise<Provider[]> {
  const q = db("providers").select("doc", "revision");
  if (kinds.length > 0) q.whereIn("kind", kinds);
  return providersOf(await q);
}

/** Open matters and pending offers per provider. */
export async function loads(db: Db, providerIds?: readonly string[]): Promise<Map<string, number>> {
  const q = db("requests")
    .whereIn("status", ["OFFERED", "ASSIGNED"])
    .whereNotNull("provider_id")
    .groupBy("provider_id")
    .select("provider_id")
    .count({ n: "*" });
  if (providerIds) q.whereIn("provider_id", [...providerIds]);
  const rows = (await q) as { provider_id: string; n: string }[];
  return new Map(rows.map((r) => [r.provider_id, Number(r.n)]));
}

/** Assigned requests whose requester is one of these organisations: who acts for them now. */
export async function openMattersFor(db: Db, clientCodes: readonly string[]): Promise<OpenMatter[]> {
  if (clientCodes.length === 0) return [];
  const rows = (await db("requests")
    .where("status", "ASSIGNED")
    .whereIn("requester_credit_code", [...clientCodes])
    .select("provider_id", "requester_credit_code", "request_id")) as {
    provider_id: string;
    requester_credit_code: string;
    request_id: string;
  }[];
  return rows.map((r) => ({ providerId: r.provider_id, clientCreditCode: r.requester_credit_code, requestId: r.request_id }));
}

/** Licence numbers of lawyers who mediated a dispute. */
export async function mediatorsOf(db: Db, disputeId: string): Promise<Set<string>> {
  if (!disputeId) return new Set();
  const rows = (await db("mediated_by").where({ dispute_id: disputeId }).select("licence_number")) as { licence_number: string }[];
  return new Set(rows.map((r) => r.licence_number));
}

/** The node's active legal-service centre, where escalated requests go. */
export async function legalServiceCentre(db: Db): Promise<Provider | undefined> {
  const rows = await db("providers")
    .where({ kind: "LEGAL_SERVICE_CENTER", status: "ACTIVE" })
    .orderBy("name")
    .limit(1)
    .select("doc", "revision");
  return providersOf(rows)[0];
}
