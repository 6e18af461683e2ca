import { AlreadyExistsError, containsPattern, keysetPage, type AggregateStore } from "@jinlian/chassis";
import type { Knex } from "knex";
import type {
  Finding,
  InvitationRecord,
  InvitationStatus,
  JointResearch,
  Outcome,
  OutcomeLink,
  PartyName,
  ResearchStatus,
  Revisable,
  Stamp,
  TextVersion,
  TransformationKind,
} from "../domain/research";

interface ResearchRow {
  research_id: string;
  topic: string;
  lead_organisation_id: string;
  description: string;
  status: ResearchStatus;
  revision: number;
  created_at: Date;
  updated_at: Date;
}

interface InvitationRow {
  invitation_id: string;
  research_id: string;
  organisation_id: string;
  invited_by_organisation_id: string;
  status: InvitationStatus;
  position: number;
  invited_at: Date;
  responded_at: Date | null;
}

interface FindingRow extends RevisionColumns {
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

/** Columns of a finding or outcome that say which version it is at and who revised it. */
interface RevisionColumns {
  version: number;
  withdrawn: boolean;
  revised_by: string | null;
  revised_reason: string | null;
  revised_request_id: string | null;
  revised_jurisdiction: string | null;
  revised_at: Date | null;
}

interface TextVersionRow {
  item_id: string;
  research_id: string;
  version: number;
  text: string;
  actor: string;
  reason: string;
  request_id: string;
  jurisdiction: string;
  made_at: Date;
}

interface OutcomeRow extends RevisionColumns {
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

export interface ResearchListFilter {
  status?: ResearchStatus;
  leadOrganisationId?: string;
  /** The lead or an organisation that accepted an invitation. */
  participantOrganisationId?: string;
  linkedKind?: TransformationKind;
  linkedTargetId?: string;
  text?: string;
}

// ---- rows -> domain ----

function invitationOf(r: InvitationRow): InvitationRecord {
  return {
    invitationId: r.invitation_id,
    organisationId: r.organisation_id,
    invitedByOrganisationId: r.invited_by_organisation_id,
    status: r.status,
    invitedAt: r.invited_at,
    respondedAt: r.responded_at ?? undefined,
  };
}

type Histories = ReadonlyMap<string, TextVersion[]>;

function revisionOf(r: RevisionColumns, itemId: string, histories: Histories): Revisable {
  return {
    version: r.version,
    withdrawn: r.withdrawn,
    revised:
      r.revised_at !== null
        ? {
            actor: r.revised_by ?? "",
            reason: r.revised_reason ?? "",
            requestId: r.revised_request_id ?? "",
            occurTime: r.revised_at,
            jurisdictionCode: r.revised_jurisdiction ?? "",
          }
        : undefined,
    history: histories.get(itemId) ?? [],
  };
}

function revisionColumns(item: Revisable): RevisionColumns {
  return {
    version: item.version,
    withdrawn: item.withdrawn,
    revised_by: item.revised?.actor ?? null,
    revised_reason: item.revised?.reason ?? null,
    revised_request_id: item.revised?.requestId ?? null,
    revised_jurisdiction: item.revised?.jurisdictionCode ?? null,
    revised_at: item.revised?.occurTime ?? null,
  };
}

function findingOf(r: FindingRow, histories: Histories): Finding {
  return {
    findingId: r.finding_id,
    text: r.text,
    recorded: { actor: r.actor, reason: r.reason, requestId: r.request_id, occurTime: r.recorded_at, jurisdictionCode: r.jurisdiction },
    ...revisionOf(r, r.finding_id, histories),
  };
}

function outcomeOf(r: OutcomeRow, histories: Histories): Outcome {
  return {
    ...revisionOf(r, r.outcome_id, histories),
    outcomeId: r.outcome_id,
    summary: r.summary,
    recorded: {
      actor: r.recorded_by,
      reason: r.recorded_reason,
      requestId: r.recorded_request_id,
      occurTime: r.recorded_at,
      jurisdictionCode: r.recorded_jurisdiction,
    },
    link:
      r.link_kind && r.link_target_id !== null
        ? {
            kind: r.link_kind,
            targetId: r.link_target_id,
            linked: {
              actor: r.linked_by ?? "",
              reason: r.linked_reason ?? "",
              requestId: r.linked_request_id ?? "",
              // A link always has its time; the fallback only satisfies the nullable column.
              occurTime: r.linked_at ?? r.recorded_at,
              jurisdictionCode: r.linked_jurisdiction ?? "",
            },
          }
        : undefined,
  };
}

/** How the registry names each party, for the answers (credit code, jurisdiction, name). */
async function partyNames(db: Knex | Knex.Transaction, ids: ReadonlySet<string>): Promise<Map<string, PartyName>> {
  const rows = (await db("organisations")
    .whereIn("organisation_id", [...ids])
    .select("organisation_id", "credit_code", "jurisdiction_code", "name")) as {
    organisation_id: string;
    credit_code: string;
    jurisdiction_code: string;
    name: string;
  }[];
  return new Map(rows.map((o) => [o.organisation_id, { creditCode: o.credit_code, jurisdictionCode: o.jurisdiction_code, name: o.name }]));
}

async function assemble(db: Knex | Knex.Transaction, rows: readonly ResearchRow[]): Promise<JointResearch[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.research_id);
  // One after another: the executor may be a transaction (one connection).
  const invitations: InvitationRow[] = await db<InvitationRow>("research_invitations").whereIn("research_id", ids).orderBy("position");
  const findings: FindingRow[] = await db<FindingRow>("research_findings").whereIn("research_id", ids).orderBy("position");
  const outcomes: OutcomeRow[] = await db<OutcomeRow>("research_outcomes").whereIn("research_id", ids).orderBy("position");
  const versions: TextVersionRow[] = await db<TextVersionRow>("research_text_versions")
    .whereIn("research_id", ids)
    .orderBy(["item_id", "version"]);
  const histories = new Map<string, TextVersion[]>();
  for (const v of versions)
    histories.set(v.item_id, [
      ...(histories.get(v.item_id) ?? []),
      {
        version: v.version,
        text: v.text,
        made: { actor: v.actor, reason: v.reason, requestId: v.request_id, occurTime: v.made_at, jurisdictionCode: v.jurisdiction },
      },
    ]);
  const partyIds = new Set<string>(rows.map((r) => r.lead_organisation_id));
  for (const i of invitations) partyIds.add(i.organisation_id).add(i.invited_by_organisation_id);
  const names = await partyNames(db, partyIds);
  return rows.map((r) => ({
    names,
    researchId: r.research_id,
    topic: r.topic,
    leadOrganisationId: r.lead_organisation_id,
    description: r.description,
    status: r.status,
    revision: r.revision,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    invitations: invitations.filter((x) => x.research_id === r.research_id).map(invitationOf),
    findings: findings.filter((x) => x.research_id === r.research_id).map((x) => findingOf(x, histories)),
    outcomes: outcomes.filter((x) => x.research_id === r.research_id).map((x) => outcomeOf(x, histories)),
  }));
}

// ---- domain -> rows ----

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

function nextPosition(trx: Knex.Transaction, table: string, researchId: string): Promise<number> {
  return trx(table)
    .where({ research_id: researchId })
    .max<{ max: number | null }>({ max: "position" })
    .first()
    .then((r) => (r?.max ?? 0) + 1);
}

function linkColumns(link: OutcomeLink, by: Stamp) {
  return {
    link_kind: link.kind,
    link_target_id: link.targetId,
    linked_by: by.actor,
    linked_reason: by.reason,
    linked_request_id: by.requestId,
    linked_jurisdiction: by.jurisdictionCode,
    linked_at: by.occurTime,
  };
}

/** The version a revision replaced (the last of its history) goes to research_text_versions. */
async function saveReplacedVersion(trx: Knex.Transaction, researchId: string, itemId: string, item: Revisable): Promise<void> {
  const v = item.history.at(-1)!;
  await trx("research_text_versions").insert({
    item_id: itemId,
    research_id: researchId,
    version: v.version,
    text: v.text,
    actor: v.made.actor,
    reason: v.made.reason,
    request_id: v.made.requestId,
    jurisdiction: v.made.jurisdictionCode,
    made_at: v.made.occurTime,
  });
}

/** Child rows are added, answered, linked, corrected or withdrawn: the ones `after` adds or changes are written. */
async function saveChildren(trx: Knex.Transaction, after: JointResearch, before: JointResearch | undefined): Promise<void> {
  const id = after.researchId;
  for (const i of after.invitations) {
    const was = before?.invitations.find((x) => x.invitationId === i.invitationId);
    if (!was)
      await trx("research_invitations").insert({
        invitation_id: i.invitationId,
        research_id: id,
        organisation_id: i.organisationId,
        invited_by_organisation_id: i.invitedByOrganisationId,
        status: i.status,
        position: await nextPosition(trx, "research_invitations", id),
        invited_at: i.invitedAt,
        responded_at: i.respondedAt ?? null,
      });
    else if (was.status !== i.status)
      await trx("research_invitations")
        .where({ invitation_id: i.invitationId, status: "PENDING" })
        .update({ status: i.status, responded_at: i.respondedAt ?? null });
  }
  for (const f of after.findings) {
    const was = before?.findings.find((x) => x.findingId === f.findingId);
    if (was) {
      if (was.version !== f.version) {
        await saveReplacedVersion(trx, id, f.findingId, f);
        await trx("research_findings")
          .where({ finding_id: f.findingId, version: was.version })
          .update({ text: f.text, ...revisionColumns(f) });
      }
      continue;
    }
    await trx("research_findings").insert({
      finding_id: f.findingId,
      research_id: id,
      text: f.text,
      position: await nextPosition(trx, "research_findings", id),
      actor: f.recorded.actor,
      reason: f.recorded.reason,
      request_id: f.recorded.requestId,
      jurisdiction: f.recorded.jurisdictionCode,
      recorded_at: f.recorded.occurTime,
    });
  }
  for (const o of after.outcomes) {
    const was = before?.outcomes.find((x) => x.outcomeId === o.outcomeId);
    try {
      if (!was)
        await trx("research_outcomes").insert({
          outcome_id: o.outcomeId,
          research_id: id,
          summary: o.summary,
          position: await nextPosition(trx, "research_outcomes", id),
          recorded_at: o.recorded.occurTime,
          recorded_by: o.recorded.actor,
          recorded_reason: o.recorded.reason,
          recorded_request_id: o.recorded.requestId,
          recorded_jurisdiction: o.recorded.jurisdictionCode,
          ...(o.link ? linkColumns(o.link, o.link.linked) : {}),
        });
      else if (o.link && !was.link)
        await trx("research_outcomes").where({ outcome_id: o.outcomeId }).whereNull("link_kind").update(linkColumns(o.link, o.link.linked));
      else if (was.version !== o.version) {
        await saveReplacedVersion(trx, id, o.outcomeId, o);
        await trx("research_outcomes")
          .where({ outcome_id: o.outcomeId, version: was.version })
          .update({ summary: o.summary, ...revisionColumns(o) });
      }
    } catch (err) {
      if (o.link) rethrowDuplicateLink(err, o.link);
      throw err;
    }
  }
}

/** How the kit writes a project: the project row, then what was added to it. */
export const researchStore: AggregateStore<JointResearch> = {
  type: "research",
  id: (s) => s.researchId,
  async save(trx, after, before) {
    if (!before)
      await trx("research_projects").insert({
        research_id: after.researchId,
        topic: after.topic,
        lead_organisation_id: after.leadOrganisationId,
        description: after.description,
        status: after.status,
        revision: after.revision,
        created_at: after.createdAt,
        updated_at: after.updatedAt,
      });
    else
      await trx("research_projects")
        .where({ research_id: after.researchId })
        .update({ status: after.status, revision: after.revision, updated_at: after.updatedAt });
    await saveChildren(trx, after, before);
  },
};

/** Knex queries over the research tables; callers pass the transaction of the use case. */
export const researchRepository = {
  /** A project as a change saved it, with its parties named as a read names them (one query). */
  async named(db: Knex | Knex.Transaction, r: JointResearch): Promise<JointResearch> {
    const ids = new Set<string>([r.leadOrganisationId]);
    for (const i of r.invitations) ids.add(i.organisationId).add(i.invitedByOrganisationId);
    return { ...r, names: await partyNames(db, ids) };
  },

  /** A project with its invitations, findings and outcomes; `forUpdate` locks the project row. */
  async load(db: Knex | Knex.Transaction, id: string, forUpdate = false): Promise<JointResearch | undefined> {
    const q = db<ResearchRow>("research_projects").where({ research_id: id }).first();
    const row = await (forUpdate ? q.forUpdate() : q);
    return row && (await assemble(db, [row]))[0];
  },

  /** The outcome (of any project here) already linked to this artefact, if any. */
  async outcomeLinkedTo(db: Knex | Knex.Transaction, link: OutcomeLink): Promise<string | undefined> {
    const row = await db<OutcomeRow>("research_outcomes")
      .where({ link_kind: link.kind, link_target_id: link.targetId, withdrawn: false })
      .first("outcome_id");
    return row?.outcome_id;
  },

  /**
   * Projects newest first after the cursor, at most `limit` of them, and how many match the
   * filter; the caller pages them.
   */
  async list(
    db: Knex,
    filter: ResearchListFilter,
    after: { key: string; id: string } | undefined,
    limit: number,
  ): Promise<{ projects: JointResearch[]; total: number }> {
    const filtered = () => {
      const q = db<ResearchRow>("research_projects as r");
      if (filter.status) q.where("r.status", filter.status);
      if (filter.leadOrganisationId) q.where("r.lead_organisation_id", filter.leadOrganisationId);
      if (filter.participantOrganisationId) {
        const who = filter.participantOrganisationId;
        q.where((w) =>
          w
            .where("r.lead_organisation_id", who)
            .orWhereExists(
              db("research_invitations as i")
                .whereRaw("i.research_id = r.research_id")
                .where({ "i.organisation_id": who, "i.status": "ACCEPTED" }),
            ),
        );
      }
      if (filter.text) q.whereILike("r.topic", containsPattern(filter.text));
      if (filter.linkedKind || filter.linkedTargetId) {
        // Kind and id must hold for the same outcome: "the project this artefact came from".
        // A withdrawn outcome's link no longer counts.
        const linked = db("research_outcomes as o")
          .whereRaw("o.research_id = r.research_id")
          .whereNotNull("o.link_kind")
          .where("o.withdrawn", false);
        if (filter.linkedKind) linked.where("o.link_kind", filter.linkedKind);
        if (filter.linkedTargetId) linked.where("o.link_target_id", filter.linkedTargetId);
        q.whereExists(linked);
      }
      return q;
    };
    const [{ n }] = await filtered().count<{ n: string }[]>({ n: "*" });
    const q = filtered().select("r.*");
    keysetPage(q, { key: "r.created_at", keyType: "timestamptz", id: "r.research_id", direction: "desc" }, after);
    const rows = (await q.limit(limit)) as ResearchRow[];
    return { projects: await assemble(db, rows), total: Number(n) };
  },
};
