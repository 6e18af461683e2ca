import type { Knex } from "knex";
import { keysetPage, pageOf, type PageRequestOf, type Period } from "@jinlian/chassis";
import type { Draft, DraftOrigin, DraftStatus } from "../domain/draft";
import type { DraftKind } from "../domain/kinds";
import type { Plan, PlanStatus } from "../domain/plan";
import type { Round } from "../domain/round";
import type { Study, StudyKind, StudyMode, StudyStatus } from "../domain/study";
import { documentStore, fromDocument } from "./documents";

export const planStore = documentStore<Plan>({
  type: "plan",
  table: "plans",
  key: "plan_id",
  id: (p) => p.planId,
  columns: (p) => ({ year: p.year, status: p.status, created_at: p.createdAt }),
});

const draftDocuments = documentStore<Draft>({
  type: "draft",
  table: "drafts",
  key: "draft_id",
  id: (d) => d.draftId,
  columns: (d) => ({
    kind: d.kind,
    status: d.status,
    title: d.title,
    concerns_private_economy: d.concernsPrivateEconomy,
    plan_item_id: d.planItemId,
    created_at: d.createdAt,
  }),
});

/** Drafts as documents, read with their origins (research outcomes linked to them or their plan item). */
export const draftStore: typeof draftDocuments = {
  ...draftDocuments,
  // Origins are liaison's, kept in research_origins: not written into the draft's document.
  save: (trx, after, before) => draftDocuments.save(trx, { ...after, origins: [] }, before),
  async load(db, id, forUpdate = false) {
    const d = await draftDocuments.load(db, id, forUpdate);
    return d && (await origins.attach(db, [d]))[0];
  },
};

interface OriginRow {
  outcome_id: string;
  research_id: string;
  target_id: string;
  topic: string;
  summary: string;
  linked_at: Date;
}

/** Research outcomes linked to drafts and plan items of this node (from liaison's research-links stream). */
export const origins = {
  /** Records a link, or its corrected summary; a link withdrawn is final. */
  async upsert(trx: Knex.Transaction, o: DraftOrigin & { targetId: string }): Promise<void> {
    await trx("research_origins")
      .insert({
        outcome_id: o.outcomeId,
        research_id: o.researchId,
        target_id: o.targetId,
        topic: o.topic ?? "",
        summary: o.summary,
        linked_at: o.linkedAt,
      })
      .onConflict("outcome_id")
      .merge(["target_id", "topic", "summary", "linked_at"]);
  },
  /** The outcome was withdrawn: its target no longer comes from it. Returns its target, if it was recorded. */
  async withdraw(trx: Knex.Transaction, outcomeId: string, at: Date): Promise<string | undefined> {
    const rows = (await trx("research_origins")
      .where({ outcome_id: outcomeId })
      .whereNull("withdrawn_at")
      .update({ withdrawn_at: at })
      .returning("target_id")) as { target_id: string }[];
    return rows[0]?.target_id;
  },
  /** The drafts with their origins: those linked to each draft or to its plan item, oldest first. */
  async attach(db: Db, list: readonly Draft[]): Promise<Draft[]> {
    const targets = [...new Set(list.flatMap((d) => [d.draftId, ...(d.planItemId ? [d.planItemId] : [])]))];
    if (targets.length === 0) return [...list];
    const rows = (await db("research_origins")
      .whereIn("target_id", targets)
      .whereNull("withdrawn_at")
      .orderBy([{ column: "linked_at" }, { column: "outcome_id" }])
      .select("outcome_id", "research_id", "target_id", "topic", "summary", "linked_at")) as OriginRow[];
    return list.map((d) => ({
      ...d,
      origins: rows
        .filter((r) => r.target_id === d.draftId || (d.planItemId !== "" && r.target_id === d.planItemId))
        .map((r) => ({
          researchId: r.research_id,
          outcomeId: r.outcome_id,
          summary: r.summary,
          linkedAt: r.linked_at,
          topic: r.topic,
          targetId: r.target_id,
        })),
    }));
  },
};

export const roundStore = documentStore<Round>({
  type: "round",
  table: "rounds",
  key: "round_id",
  id: (r) => r.roundId,
  columns: (r) => ({
    draft_id: r.draftId,
    origin: r.origin,
    closed: r.closed,
    close_time: r.window.closeTime,
    opened_at: r.opened.occurTime,
  }),
});

export const studyStore = documentStore<Study>({
  type: "study",
  table: "studies",
  key: "study_id",
  id: (s) => s.studyId,
  columns: (s) => ({
    draft_id: s.draftId,
    kind: s.kind,
    mode: s.mode,
    status: s.status,
    start_time: s.schedule.startTime,
    created_at: s.createdAt,
  }),
});

type Db = Knex | Knex.Transaction;
interface DocRow {
  doc: unknown;
  revision: number;
}
const revive = <S>(rows: readonly DocRow[]): S[] => rows.map((r) => ({ ...fromDocument<S>(r.doc), revision: r.revision }));

async function page<S>(
  q: Knex.QueryBuilder,
  request: PageRequestOf,
  sortColumn: string,
  key: string,
  cursor: (s: S) => { key: string; id: string },
): Promise<{ items: S[]; nextPageToken: string; totalSize: number }> {
  const [{ n }] = (await q.clone().clearSelect().count({ n: "*" })) as { n: string }[];
  const paged = keysetPage(q.clone(), { key: sortColumn, keyType: "timestamptz", id: key, direction: "desc" }, request.after);
  const rows = (await paged.select("doc", "revision").limit(request.size + 1)) as DocRow[];
  const { items, nextPageToken } = pageOf(revive<S>(rows), request, cursor);
  return { items, nextPageToken, totalSize: Number(n) };
}

export const plans = {
  async byYear(db: Db, year: number): Promise<Plan | undefined> {
    const rows = (await db("plans").where({ year }).select("doc", "revision")) as DocRow[];
    return revive<Plan>(rows)[0];
  },
  /** Whether a plan item with this id exists at this node. */
  async itemExists(db: Db, planItemId: string): Promise<boolean> {
    const rows = await db("plans")
      .whereRaw("doc -> 'items' @> ?::jsonb", [JSON.stringify([{ planItemId }])])
      .select(db.raw("1"))
      .limit(1);
    return rows.length > 0;
  },
  /** The plan holding a plan item, if any at this node. */
  async ofItem(db: Db, planItemId: string): Promise<Plan | undefined> {
    const rows = (await db("plans")
      .whereRaw("doc -> 'items' @> ?::jsonb", [JSON.stringify([{ planItemId }])])
      .select("doc", "revision")
      .limit(1)) as DocRow[];
    return revive<Plan>(rows)[0];
  },
  async list(db: Db, filter: { status?: PlanStatus; year?: number }, request: PageRequestOf) {
    const q = db("plans");
    if (filter.status) q.where("status", filter.status);
    if (filter.year) q.where("year", filter.year);
    return page<Plan>(q, request, "created_at", "plan_id", (p) => ({ key: p.createdAt.toISOString(), id: p.planId }));
  },
};

export const drafts = {
  async list(
    db: Db,
    filter: {
      kind?: DraftKind;
      status?: DraftStatus;
      concernsPrivateEconomyOnly: boolean;
      planItemId?: string;
      text?: string;
      created: Period;
    },
    request: PageRequestOf,
  ) {
    const q = db("drafts");
    if (filter.kind) q.where("kind", filter.kind);
    if (filter.status) q.where("status", filter.status);
    if (filter.concernsPrivateEconomyOnly) q.where("concerns_private_economy", true);
    if (filter.planItemId) q.where("plan_item_id", filter.planItemId);
    if (filter.text) q.whereILike("title", `%${filter.text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    if (filter.created.from) q.where("created_at", ">=", filter.created.from);
    if (filter.created.until) q.where("created_at", "<", filter.created.until);
    const found = await page<Draft>(q, request, "created_at", "draft_id", (d) => ({ key: d.createdAt.toISOString(), id: d.draftId }));
    return { ...found, items: await origins.attach(db, found.items) };
  },
  /** Ids of the drafts implementing a plan item. */
  async ofPlanItem(db: Db, planItemId: string): Promise<string[]> {
    return ((await db("drafts").where({ plan_item_id: planItemId }).select("draft_id")) as { draft_id: string }[]).map((r) => r.draft_id);
  },
};

export const rounds = {
  /** Rounds on a draft opened at this node, for the review gate. */
  async ofDraft(db: Db, draftId: string): Promise<Round[]> {
    return revive<Round>((await db("rounds").where({ draft_id: draftId, origin: "LOCAL" }).select("doc", "revision")) as DocRow[]);
  },
  async openOnDraft(db: Db, draftId: string, now: Date): Promise<boolean> {
    const rows = await db("rounds")
      .where({ draft_id: draftId, origin: "LOCAL", closed: false })
      .where("close_time", ">", now)
      .select("round_id")
      .limit(1);
    return rows.length > 0;
  },
  /** Rounds opened here whose window passed and whose closing is not recorded yet. */
  async dueToClose(db: Db, now: Date, limit: number): Promise<string[]> {
    const rows = (await db("rounds")
      .where({ closed: false, origin: "LOCAL" })
      .where("close_time", "<=", now)
      .orderBy("close_time")
      .limit(limit)
      .select("round_id")) as { round_id: string }[];
    return rows.map((r) => r.round_id);
  },
  async list(
    db: Db,
    filter: { draftId?: string; status?: "OPEN" | "CLOSED"; origin?: "LOCAL" | "CITY"; opened: Period; now: Date },
    request: PageRequestOf,
  ) {
    const q = db("rounds");
    if (filter.draftId) q.where("draft_id", filter.draftId);
    if (filter.origin) q.where("origin", filter.origin);
    if (filter.status === "OPEN") q.where("closed", false).where("close_time", ">", filter.now);
    if (filter.status === "CLOSED") q.where((w) => w.where("closed", true).orWhere("close_time", "<=", filter.now));
    if (filter.opened.from) q.where("opened_at", ">=", filter.opened.from);
    if (filter.opened.until) q.where("opened_at", "<", filter.opened.until);
    return page<Round>(q, request, "opened_at", "round_id", (r) => ({ key: r.opened.occurTime.toISOString(), id: r.roundId }));
  },
};

/** What this node's registry projection knows of a credit code (its record held here). */
export interface RegisteredOrganisation {
  creditCode: string;
  name: string;
  type: string;
  jurisdictionCode: string;
  active: boolean;
}

export async function registeredOrganisations(db: Db, codes: readonly string[]): Promise<RegisteredOrganisation[]> {
  if (codes.length === 0) return [];
  const rows = (await db("known_organisations")
    .whereIn("credit_code", [...new Set(codes)])
    .where("held_here", true)
    .select("credit_code", "name", "type", "jurisdiction_code", "active")) as {
    credit_code: string;
    name: string;
    type: string;
    jurisdiction_code: string;
    active: boolean;
  }[];
  return rows.map((r) => ({
    creditCode: r.credit_code,
    name: r.name,
    type: r.type,
    jurisdictionCode: r.jurisdiction_code,
    active: r.active,
  }));
}

export const studies = {
  /** Studies on a draft, for the review gate. */
  async ofDraft(db: Db, draftId: string): Promise<Study[]> {
    return revive<Study>((await db("studies").where({ draft_id: draftId }).select("doc", "revision")) as DocRow[]);
  },
  async list(
    db: Db,
    filter: { draftId?: string; kind?: StudyKind; mode?: StudyMode; status?: StudyStatus; start: Period },
    request: PageRequestOf,
  ) {
    const q = db("studies");
    if (filter.draftId) q.where("draft_id", filter.draftId);
    if (filter.kind) q.where("kind", filter.kind);
    if (filter.mode) q.where("mode", filter.mode);
    if (filter.status) q.where("status", filter.status);
    if (filter.start.from) q.where("start_time", ">=", filter.start.from);
    if (filter.start.until) q.where("start_time", "<", filter.start.until);
    return page<Study>(q, request, "created_at", "study_id", (s) => ({ key: s.createdAt.toISOString(), id: s.studyId }));
  },
};
