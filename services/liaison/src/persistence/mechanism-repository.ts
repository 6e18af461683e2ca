import { keysetPage, type AggregateStore } from "@jinlian/chassis";
import type { Knex } from "knex";
import {
  mechanismAlreadyExists,
  type Mechanism,
  type MechanismParty,
  type MechanismStatus,
  type MechanismTransition,
  type RollUpEntry,
} from "../domain/mechanism";

type Db = Knex | Knex.Transaction;

interface MechanismRow {
  mechanism_id: string;
  jurisdiction_code: string;
  justice_bureau_organisation_id: string;
  justice_bureau_department_id: string;
  justice_bureau_name: string;
  justice_bureau_credit_code: string;
  justice_bureau_jurisdiction_code: string;
  justice_bureau_department_name: string;
  federation_organisation_id: string;
  federation_department_id: string;
  federation_name: string;
  federation_credit_code: string;
  federation_jurisdiction_code: string;
  federation_department_name: string;
  status: MechanismStatus;
  status_since: Date;
  first_established_at: Date | null;
  revision: number;
  created_at: Date;
  updated_at: Date;
}

interface TransitionRow {
  mechanism_id: string;
  seq: number;
  status: MechanismStatus;
  actor: string;
  reason: string;
  request_id: string;
  jurisdiction: string;
  occurred_at: Date;
}

interface RollUpDbRow {
  jurisdiction_code: string;
  mechanism_id: string;
  status: MechanismStatus;
  status_since: Date;
  first_established_at: Date | null;
  revision: number;
  justice_bureau: MechanismParty;
  federation: MechanismParty;
  reported_at: Date;
}

function partyColumns(prefix: "justice_bureau" | "federation", p: MechanismParty) {
  return {
    [`${prefix}_organisation_id`]: p.organisationId,
    [`${prefix}_department_id`]: p.departmentId,
    [`${prefix}_name`]: p.organisation.name,
    [`${prefix}_credit_code`]: p.organisation.creditCode,
    [`${prefix}_jurisdiction_code`]: p.organisation.jurisdictionCode,
    [`${prefix}_department_name`]: p.departmentName,
  };
}

function partyOf(row: MechanismRow, prefix: "justice_bureau" | "federation"): MechanismParty {
  const r = row as unknown as Record<string, string>;
  return {
    organisationId: r[`${prefix}_organisation_id`]!,
    departmentId: r[`${prefix}_department_id`]!,
    organisation: {
      name: r[`${prefix}_name`]!,
      creditCode: r[`${prefix}_credit_code`]!,
      jurisdictionCode: r[`${prefix}_jurisdiction_code`]!,
    },
    departmentName: r[`${prefix}_department_name`]!,
  };
}

function mechanismOf(row: MechanismRow, history: TransitionRow[]): Mechanism {
  return {
    mechanismId: row.mechanism_id,
    jurisdictionCode: row.jurisdiction_code,
    justiceBureau: partyOf(row, "justice_bureau"),
    federation: partyOf(row, "federation"),
    status: row.status,
    statusSince: row.status_since,
    firstEstablishedAt: row.first_established_at,
    revision: row.revision,
    history: history.map((t) => ({
      status: t.status,
      actor: t.actor,
      reason: t.reason,
      requestId: t.request_id,
      jurisdictionCode: t.jurisdiction,
      at: t.occurred_at,
    })),
  };
}

async function historyOf(db: Db, ids: readonly string[]): Promise<Map<string, TransitionRow[]>> {
  const out = new Map<string, TransitionRow[]>();
  if (ids.length === 0) return out;
  const rows = (await db("mechanism_transitions").whereIn("mechanism_id", ids).orderBy(["mechanism_id", "seq"])) as TransitionRow[];
  for (const r of rows) out.set(r.mechanism_id, [...(out.get(r.mechanism_id) ?? []), r]);
  return out;
}

async function insertTransitions(
  trx: Knex.Transaction,
  id: string,
  transitions: readonly MechanismTransition[],
  seqBefore: number,
): Promise<void> {
  if (transitions.length === 0) return;
  await trx("mechanism_transitions").insert(
    transitions.map((t, i) => ({
      mechanism_id: id,
      seq: seqBefore + i + 1,
      status: t.status,
      actor: t.actor,
      reason: t.reason,
      request_id: t.requestId,
      jurisdiction: t.jurisdictionCode,
      occurred_at: t.at,
    })),
  );
}

/**
 * Writes a mechanism and appends the transitions not yet stored; the audit trail knows it as
 * "mechanism". Every change is a transition, so the row is updated when its status changed.
 */
export const mechanismStore: AggregateStore<Mechanism> = {
  type: "mechanism",
  id: (m) => m.mechanismId,
  async save(trx, after, before) {
    if (!before) {
      const inserted = await trx("mechanisms")
        .insert({
          mechanism_id: after.mechanismId,
          jurisdiction_code: after.jurisdictionCode,
          ...partyColumns("justice_bureau", after.justiceBureau),
          ...partyColumns("federation", after.federation),
          status: after.status,
          status_since: after.statusSince,
          first_established_at: after.firstEstablishedAt,
          revision: after.revision,
          created_at: after.statusSince,
          updated_at: after.statusSince,
        })
        .onConflict("jurisdiction_code")
        .ignore()
        .returning("mechanism_id");
      // The unique jurisdiction serialises two concurrent proposals: the second finds the first.
      if (inserted.length === 0)
        throw mechanismAlreadyExists(after.jurisdictionCode, (await mechanismRepository.idAt(trx, after.jurisdictionCode)) ?? "");
    } else {
      await trx("mechanisms").where({ mechanism_id: after.mechanismId }).update({
        status: after.status,
        status_since: after.statusSince,
        first_established_at: after.firstEstablishedAt,
        revision: after.revision,
        updated_at: after.statusSince,
      });
    }
    const stored = before?.history.length ?? 0;
    await insertTransitions(trx, after.mechanismId, after.history.slice(stored), stored);
  },
};

export interface MechanismPage {
  /** Each mechanism with its sort key (the jurisdiction), for the page token. */
  items: { mechanism: Mechanism; key: string }[];
  total: number;
}

/** Knex queries over the mechanism tables; callers pass a transaction where one is needed. */
export const mechanismRepository = {
  /** One mechanism with its history; `forUpdate` locks the row for the caller's transaction. */
  async load(db: Db, id: string, forUpdate = false): Promise<Mechanism | undefined> {
    const q = db<MechanismRow>("mechanisms").where({ mechanism_id: id }).first();
    if (forUpdate) q.forUpdate();
    const row = (await q) as MechanismRow | undefined;
    if (!row) return undefined;
    return mechanismOf(row, (await historyOf(db, [id])).get(id) ?? []);
  },

  async idAt(db: Db, jurisdictionCode: string): Promise<string | undefined> {
    const row = (await db("mechanisms").where({ jurisdiction_code: jurisdictionCode }).first("mechanism_id")) as
      { mechanism_id: string } | undefined;
    return row?.mechanism_id;
  },

  /** Up to `limit` mechanisms by (jurisdiction, id) after a cursor, with the total under the filter. */
  async list(db: Knex, filter: { status?: MechanismStatus }, limit: number, after?: { key: string; id: string }): Promise<MechanismPage> {
    const filtered = () => {
      const q = db<MechanismRow>("mechanisms");
      if (filter.status) q.where("status", filter.status);
      return q;
    };
    const [{ n }] = await filtered().count<{ n: string }[]>({ n: "*" });
    const q = filtered();
    keysetPage(q, { key: "jurisdiction_code", id: "mechanism_id", direction: "asc" }, after);
    const rows = (await q.limit(limit)) as MechanismRow[];
    const history = await historyOf(
      db,
      rows.map((r) => r.mechanism_id),
    );
    return {
      items: rows.map((r) => ({ mechanism: mechanismOf(r, history.get(r.mechanism_id) ?? []), key: r.jurisdiction_code })),
      total: Number(n),
    };
  },

  /**
   * Records a jurisdiction's mechanism in the roll-up if it is newer (a higher revision) than
   * what is held; returns whether it was recorded.
   */
  async upsertRollUp(trx: Knex.Transaction, e: RollUpEntry): Promise<boolean> {
    const { rows } = await trx.raw<{ rows: unknown[] }>(
      `insert into mechanism_roll_up
         (jurisdiction_code, mechanism_id, status, status_since, first_established_at, revision, justice_bureau, federation, reported_at)
       values (?, ?, ?, ?, ?, ?, ?::jsonb, ?::jsonb, ?)
       on conflict (jurisdiction_code) do update set
         mechanism_id = excluded.mechanism_id, status = excluded.status, status_since = excluded.status_since,
         first_established_at = excluded.first_established_at, revision = excluded.revision,
         justice_bureau = excluded.justice_bureau, federation = excluded.federation, reported_at = excluded.reported_at
       where mechanism_roll_up.revision < excluded.revision
       returning jurisdiction_code`,
      [
        e.jurisdictionCode,
        e.mechanismId,
        e.status,
        e.statusSince,
        e.firstEstablishedAt,
        e.revision,
        JSON.stringify(e.justiceBureau),
        JSON.stringify(e.federation),
        e.reportedAt,
      ],
    );
    return rows.length > 0;
  },

  /** The revision the roll-up holds for a jurisdiction, locked until the caller's transaction ends. */
  async heldRollUp(trx: Knex.Transaction, jurisdictionCode: string): Promise<{ revision: number } | undefined> {
    return (await trx("mechanism_roll_up").where({ jurisdiction_code: jurisdictionCode }).forUpdate().first("revision")) as
      { revision: number } | undefined;
  },

  async rollUpEntries(db: Db): Promise<RollUpEntry[]> {
    const rows = (await db("mechanism_roll_up").orderBy("jurisdiction_code")) as RollUpDbRow[];
    return rows.map((r) => ({
      jurisdictionCode: r.jurisdiction_code,
      mechanismId: r.mechanism_id,
      status: r.status,
      statusSince: r.status_since,
      firstEstablishedAt: r.first_established_at,
      revision: r.revision,
      justiceBureau: r.justice_bureau,
      federation: r.federation,
      reportedAt: r.reported_at,
    }));
  },
};
