import { AlreadyExistsError, containsPattern } from "@jinlian/chassis";
import type { Knex } from "knex";
import type { InvitationStatus, OutcomeLink, ResearchState, ResearchStatus, TransformationKind } from "../domain/research";

export interface ResearchRow {
  research_id: string;
  topic: string;
  lead_organisation_id: string;
  description: string;
  status: ResearchStatus;
  revision: number;
  created_at: Date;
  updated_at: Date;
}

export interface InvitationRow {
  invitation_id: string;
  research_id: string;
  organisation_id: string;
  invited_by_organisation_id: string;
  status: InvitationStatus;
  position: number;
  invited_at: Date;
  responded_at: Date | null;
}

export interface FindingRow {
  finding_id: string;
  research_id: string;
  text: string;
  position: number;
  actor: string;
  reason: string;
  request_id: string;
  jurisdiction: string;
  recorded_at: Date;
}

export interface OutcomeRow {
  outcome_id: string;
  research_id: string;
  summary: string;
  position: number;
  recorded_at: Date;
  recorded_by: string;
  recorded_reason: string;
  recorded_request_id: string;
  recorded_jurisdiction: string;
  link_kind: TransformationKind | null;
  link_target_id: string | null;
  linked_by: string | null;
  linked_reason: string | null;
  linked_request_id: string | null;
  linked_jurisdiction: string | null;
  linked_at: Date | null;
}

/** Who linked an outcome, why and when, for OutcomeLink.audit. */
export interface LinkAudit {
  actor: string;
  reason: string;
  requestId: string;
  jurisdiction: string;
  at: Date;
}

/** A project with everything that belongs to it, in the order things were added. */
export interface ResearchRecord {
  row: ResearchRow;
  invitations: InvitationRow[];
  findings: FindingRow[];
  outcomes: OutcomeRow[];
}

export interface ResearchListFilter {
  status?: ResearchStatus;
  leadOrganisationId?: string;
  linkedKind?: TransformationKind;
  linkedTargetId?: string;
  text?: string;
}

export function researchStateOf(record: Pick<ResearchRecord, "row" | "invitations">): ResearchState {
  return {
    researchId: record.row.research_id,
    status: record.row.status,
    leadOrganisationId: record.row.lead_organisation_id,
    invitations: record.invitations.map((i) => ({
      invitationId: i.invitation_id,
      organisationId: i.organisation_id,
      invitedByOrganisationId: i.invited_by_organisation_id,
      status: i.status,
    })),
  };
}

export function linkOf(row: OutcomeRow): OutcomeLink | undefined {
  return row.link_kind && row.link_target_id !== null ? { kind: row.link_kind, targetId: row.link_target_id } : undefined;
}

const LINK_TARGET_INDEX = "research_outcomes_link_target";

/** A concurrent link of the same artefact from another outcome loses on the unique index. */
function rethrowDuplicateLink(err: unknown, link: OutcomeLink): never {
  const e = err as { code?: string; constraint?: string };
  if (e.code === "23505" && e.constraint === LINK_TARGET_INDEX)
    throw new AlreadyExistsError(
      "research outcome link",
      `${link.kind}/${link.targetId}`,
      `${link.kind} ${link.targetId} is already linked from another research outcome`,
    );
  throw err;
}

function nextPosition(db: Knex | Knex.Transaction, table: string, researchId: string): Promise<number> {
  return db(table)
    .where({ research_id: researchId })
    .max<{ max: number | null }>({ max: "position" })
    .first()
    .then((r) => (r?.max ?? 0) + 1);
}

/** Knex queries over the research tables; callers pass the transaction of the use case. */
export const researchRepository = {
  async find(db: Knex | Knex.Transaction, id: string, forUpdate = false): Promise<ResearchRow | undefined> {
    const q = db<ResearchRow>("research_projects").where({ research_id: id }).first();
    return forUpdate ? q.forUpdate() : q;
  },

  async insert(trx: Knex.Transaction, row: ResearchRow): Promise<void> {
    await trx("research_projects").insert(row);
  },

  async update(trx: Knex.Transaction, id: string, patch: Partial<Pick<ResearchRow, "status" | "revision" | "updated_at">>): Promise<void> {
    await trx("research_projects").where({ research_id: id }).update(patch);
  },

  async invitations(db: Knex | Knex.Transaction, ids: readonly string[]): Promise<InvitationRow[]> {
    if (ids.length === 0) return [];
    return db<InvitationRow>("research_invitations").whereIn("research_id", ids).orderBy("position");
  },

  async insertInvitation(trx: Knex.Transaction, row: Omit<InvitationRow, "position">): Promise<void> {
    await trx("research_invitations").insert({ ...row, position: await nextPosition(trx, "research_invitations", row.research_id) });
  },

  async answerInvitation(trx: Knex.Transaction, invitationId: string, status: InvitationStatus, at: Date): Promise<void> {
    await trx("research_invitations").where({ invitation_id: invitationId, status: "PENDING" }).update({ status, responded_at: at });
  },

  async findings(db: Knex | Knex.Transaction, ids: readonly string[]): Promise<FindingRow[]> {
    if (ids.length === 0) return [];
    return db<FindingRow>("research_findings").whereIn("research_id", ids).orderBy("position");
  },

  async insertFinding(trx: Knex.Transaction, row: Omit<FindingRow, "position">): Promise<void> {
    await trx("research_findings").insert({ ...row, position: await nextPosition(trx, "research_findings", row.research_id) });
  },

  async outcomes(db: Knex | Knex.Transaction, ids: readonly string[]): Promise<OutcomeRow[]> {
    if (ids.length === 0) return [];
    return db<OutcomeRow>("research_outcomes").whereIn("research_id", ids).orderBy("position");
  },

  async insertOutcome(
    trx: Knex.Transaction,
    row: { outcome_id: string; research_id: string; summary: string; recorded_at: Date },
    link: OutcomeLink | undefined,
    /** Who records it (and, with a link, who links it). */
    audit: LinkAudit,
  ): Promise<void> {
    const position = await nextPosition(trx, "research_outcomes", row.research_id);
    const recorded = {
      recorded_by: audit.actor,
      recorded_reason: audit.reason,
      recorded_request_id: audit.requestId,
      recorded_jurisdiction: audit.jurisdiction,
    };
    try {
      await trx("research_outcomes").insert({ ...row, ...recorded, position, ...(link ? linkColumns(link, audit) : {}) });
    } catch (err) {
      if (link) rethrowDuplicateLink(err, link);
      throw err;
    }
  },

  async linkOutcome(trx: Knex.Transaction, outcomeId: string, link: OutcomeLink, audit: LinkAudit): Promise<void> {
    try {
      await trx("research_outcomes").where({ outcome_id: outcomeId }).whereNull("link_kind").update(linkColumns(link, audit));
    } catch (err) {
      rethrowDuplicateLink(err, link);
    }
  },

  /** The outcome (of any project here) already linked to this artefact, if any. */
  async outcomeLinkedTo(db: Knex | Knex.Transaction, link: OutcomeLink): Promise<string | undefined> {
    const row = await db<OutcomeRow>("research_outcomes")
      .where({ link_kind: link.kind, link_target_id: link.targetId })
      .first("outcome_id");
    return row?.outcome_id;
  },

  /** A page of projects, newest first, and how many match the filter. */
  async list(
    db: Knex,
    filter: ResearchListFilter,
    page: { size: number; after?: { key: string; id: string } },
  ): Promise<{ rows: ResearchRow[]; total: number }> {
    const filtered = () => {
      const q = db<ResearchRow>("research_projects as r");
      if (filter.status) q.where("r.status", filter.status);
      if (filter.leadOrganisationId) q.where("r.lead_organisation_id", filter.leadOrganisationId);
      if (filter.text) q.whereILike("r.topic", containsPattern(filter.text));
      if (filter.linkedKind || filter.linkedTargetId) {
        // Kind and id must hold for the same outcome: "the project this artefact came from".
        const linked = db("research_outcomes as o").whereRaw("o.research_id = r.research_id").whereNotNull("o.link_kind");
        if (filter.linkedKind) linked.where("o.link_kind", filter.linkedKind);
        if (filter.linkedTargetId) linked.where("o.link_target_id", filter.linkedTargetId);
        q.whereExists(linked);
      }
      return q;
    };
    const [{ n }] = await filtered().count<{ n: string }[]>({ n: "*" });
    const q = filtered().select("r.*");
    if (page.after) q.whereRaw("(r.created_at, r.research_id) < (?::timestamptz, ?::uuid)", [page.after.key, page.after.id]);
    const rows = (await q
      .orderBy([
        { column: "r.created_at", order: "desc" },
        { column: "r.research_id", order: "desc" },
      ])
      .limit(page.size + 1)) as ResearchRow[];
    return { rows, total: Number(n) };
  },
};

function linkColumns(link: OutcomeLink, audit: LinkAudit) {
  return {
    link_kind: link.kind,
    link_target_id: link.targetId,
    linked_by: audit.actor,
    linked_reason: audit.reason,
    linked_request_id: audit.requestId,
    linked_jurisdiction: audit.jurisdiction,
    linked_at: audit.at,
  };
}
