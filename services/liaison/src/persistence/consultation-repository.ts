import { containsPattern, keysetPage, pageOf, type AggregateStore, type PageRequestOf } from "@jinlian/chassis";
import type { Knex } from "knex";
import type {
  ActionItem,
  ActionItemListFilter,
  ActionItemOrigin,
  ActionItemStatus,
  ActionOwner,
  DueDateExtension,
  OrganisationRef,
  ProgressReport,
} from "../domain/action-item";
import type { OverdueItem } from "../domain/action-item-events";
import type {
  AgendaItem,
  Attendee,
  Consultation,
  ConsultationKind,
  ConsultationListFilter,
  ConsultationStatus,
  ItemInSeries,
  MechanismFacts,
  Outcome,
  OutcomeCorrection,
  OutcomeType,
  SeriesMember,
} from "../domain/consultation";
import type { ReceivedAgenda, ReceivedAgendaFilter } from "../domain/consultation-events";

type Db = Knex | Knex.Transaction;

interface ConsultationRow {
  consultation_id: string;
  kind: ConsultationKind;
  series_id: string;
  title: string;
  mechanism_id: string | null;
  scheduled_time: Date;
  location: string;
  status: ConsultationStatus;
  minutes: string;
  revision: number;
  created_at: Date;
  updated_at: Date;
  start_time: Date | null;
  end_time: Date | null;
  concerned_jurisdiction_codes: string[];
}

interface AgendaItemRow {
  agenda_item_id: string;
  consultation_id: string;
  position: number;
  topic: string;
  presenter: string;
  presenter_organisation_id: string | null;
  duration_minutes: number;
}

interface AttendeeRow {
  attendee_id: string;
  consultation_id: string;
  position: number;
  name: string;
  organisation_id: string;
  title: string;
}

interface OutcomeRow {
  outcome_id: string;
  consultation_id: string;
  position: number;
  type: OutcomeType;
  text: string;
  agenda_item_id: string | null;
  action_item_id: string | null;
  actor: string;
  reason: string;
  request_id: string;
  jurisdiction: string;
  occurred_at: Date;
}

interface CorrectionRow {
  outcome_id: string;
  version: number;
  text: string;
  reason: string;
  actor: string;
  request_id: string;
  jurisdiction: string;
  occurred_at: Date;
}

interface ExtensionRow {
  action_item_id: string;
  position: number;
  previous_due_time: Date;
  due_time: Date;
  reason: string;
  actor: string;
  request_id: string;
  jurisdiction: string;
  occurred_at: Date;
}

interface ReceivedAgendaRow {
  consultation_id: string;
  issuing_jurisdiction_code: string;
  kind: ConsultationKind;
  title: string;
  scheduled_time: Date;
  location: string;
  status: ConsultationStatus;
  agenda: ReceivedAgenda["agenda"];
  attendees: ReceivedAgenda["attendees"];
  concerned_jurisdiction_codes: string[];
  revision: number;
  reason: string;
  received_at: Date;
}

interface ActionItemRow {
  action_item_id: string;
  title: string;
  owner_organisation_id: string | null;
  owner_department_id: string | null;
  assignee_jurisdiction_code: string | null;
  due_time: Date;
  status: ActionItemStatus;
  origin: ActionItemOrigin;
  origin_jurisdiction_code: string;
  /** Null for an action a district raised directly (no consultation decided it). */
  origin_consultation_id: string | null;
  consultation_id: string | null;
  series_id: string | null;
  carry_over_count: number;
  revision: number;
  created_at: Date;
  updated_at: Date;
  last_report_sequence: number;
  overdue_alert_due_at: Date | null;
  joint_owners: ActionOwner[];
}

interface ProgressRow {
  action_item_id: string;
  position: number;
  status: ActionItemStatus;
  note: string;
  actor: string;
  request_id: string;
  jurisdiction: string;
  occurred_at: Date;
  reported_by: OrganisationRef | null;
}

function groupBy<T>(rows: readonly T[], key: (r: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const r of rows) {
    const k = key(r);
    const list = out.get(k);
    if (list) list.push(r);
    else out.set(k, [r]);
  }
  return out;
}

// ---- rows <-> domain ----

function agendaItemOf(r: AgendaItemRow): AgendaItem {
  return {
    agendaItemId: r.agenda_item_id,
    topic: r.topic,
    presenter: r.presenter,
    presenterOrganisationId: r.presenter_organisation_id ?? "",
    durationMinutes: r.duration_minutes,
  };
}

function correctionOf(r: CorrectionRow): OutcomeCorrection {
  return {
    version: r.version,
    text: r.text,
    reason: r.reason,
    recorded: { actor: r.actor, requestId: r.request_id, jurisdiction: r.jurisdiction, at: r.occurred_at },
  };
}

function outcomeOf(r: OutcomeRow, corrections: readonly CorrectionRow[]): Outcome {
  return {
    outcomeId: r.outcome_id,
    type: r.type,
    text: r.text,
    agendaItemId: r.agenda_item_id ?? "",
    actionItemId: r.action_item_id ?? "",
    reason: r.reason,
    recorded: { actor: r.actor, requestId: r.request_id, jurisdiction: r.jurisdiction, at: r.occurred_at },
    corrections: corrections.map(correctionOf),
  };
}

function consultationOf(
  r: ConsultationRow,
  agenda: AgendaItemRow[],
  attendees: AttendeeRow[],
  outcomes: OutcomeRow[],
  corrections: Map<string, CorrectionRow[]>,
): Consultation {
  return {
    consultationId: r.consultation_id,
    kind: r.kind,
    seriesId: r.series_id,
    title: r.title,
    mechanismId: r.mechanism_id ?? "",
    scheduledTime: r.scheduled_time,
    location: r.location,
    status: r.status,
    minutes: r.minutes,
    revision: r.revision,
    createTime: r.created_at,
    updateTime: r.updated_at,
    ...(r.start_time ? { startTime: r.start_time } : {}),
    ...(r.end_time ? { endTime: r.end_time } : {}),
    agenda: agenda.map(agendaItemOf),
    attendees: attendees.map((a): Attendee => ({
      attendeeId: a.attendee_id,
      name: a.name,
      organisationId: a.organisation_id,
      title: a.title,
    })),
    outcomes: outcomes.map((o) => outcomeOf(o, corrections.get(o.outcome_id) ?? [])),
    concernedJurisdictionCodes: r.concerned_jurisdiction_codes ?? [],
  };
}

function progressOf(r: ProgressRow): ProgressReport {
  return {
    status: r.status,
    note: r.note,
    recorded: { actor: r.actor, requestId: r.request_id, jurisdiction: r.jurisdiction, at: r.occurred_at },
    ...(r.reported_by ? { reportedBy: r.reported_by } : {}),
  };
}

function extensionOf(r: ExtensionRow): DueDateExtension {
  return {
    previousDueTime: r.previous_due_time,
    dueTime: r.due_time,
    reason: r.reason,
    recorded: { actor: r.actor, requestId: r.request_id, jurisdiction: r.jurisdiction, at: r.occurred_at },
  };
}

function actionItemOf(r: ActionItemRow, progress: readonly ProgressRow[], extensions: readonly ExtensionRow[] = []): ActionItem {
  return {
    actionItemId: r.action_item_id,
    title: r.title,
    ...(r.owner_organisation_id ? { owner: { organisationId: r.owner_organisation_id, departmentId: r.owner_department_id ?? "" } } : {}),
    jointOwners: (r.joint_owners ?? []).map((o) => ({ organisationId: o.organisationId, departmentId: o.departmentId })),
    assigneeJurisdictionCode: r.assignee_jurisdiction_code ?? "",
    dueTime: r.due_time,
    status: r.status,
    origin: r.origin,
    originJurisdictionCode: r.origin_jurisdiction_code,
    originConsultationId: r.origin_consultation_id ?? "",
    consultationId: r.consultation_id ?? "",
    seriesId: r.series_id ?? "",
    carryOverCount: r.carry_over_count,
    revision: r.revision,
    createTime: r.created_at,
    updateTime: r.updated_at,
    lastReportSequence: r.last_report_sequence,
    progress: progress.map(progressOf),
    extensions: extensions.map(extensionOf),
  };
}

/** The columns of an action item a change may write (the overdue alert marker is the scanner's). */
function actionItemColumns(a: ActionItem): Omit<ActionItemRow, "overdue_alert_due_at"> {
  return {
    action_item_id: a.actionItemId,
    title: a.title,
    owner_organisation_id: a.owner?.organisationId ?? null,
    owner_department_id: a.owner?.departmentId ?? null,
    assignee_jurisdiction_code: a.assigneeJurisdictionCode || null,
    due_time: a.dueTime,
    status: a.status,
    origin: a.origin,
    origin_jurisdiction_code: a.originJurisdictionCode,
    origin_consultation_id: a.originConsultationId || null,
    consultation_id: a.consultationId || null,
    series_id: a.seriesId || null,
    carry_over_count: a.carryOverCount,
    revision: a.revision,
    created_at: a.createTime,
    updated_at: a.updateTime,
    last_report_sequence: a.lastReportSequence,
    joint_owners: JSON.stringify(a.jointOwners.map((o) => ({ organisationId: o.organisationId, departmentId: o.departmentId }))) as never,
  };
}

async function childrenOf(db: Db, ids: readonly string[]) {
  if (ids.length === 0)
    return {
      agenda: new Map<string, AgendaItemRow[]>(),
      attendees: new Map<string, AttendeeRow[]>(),
      outcomes: new Map<string, OutcomeRow[]>(),
      corrections: new Map<string, CorrectionRow[]>(),
    };
  const [agenda, attendees, outcomes, corrections] = [
    await db<AgendaItemRow>("consultation_agenda_items")
      .whereIn("consultation_id", ids as string[])
      .orderBy(["consultation_id", "position"]),
    await db<AttendeeRow>("consultation_attendees")
      .whereIn("consultation_id", ids as string[])
      .orderBy(["consultation_id", "position"]),
    await db<OutcomeRow>("consultation_outcomes")
      .whereIn("consultation_id", ids as string[])
      .orderBy(["consultation_id", "position"]),
    (await db("consultation_outcome_corrections as k")
      .join("consultation_outcomes as o", "o.outcome_id", "k.outcome_id")
      .whereIn("o.consultation_id", ids as string[])
      .orderBy(["k.outcome_id", "k.version"])
      .select("k.*")) as CorrectionRow[],
  ];
  return {
    agenda: groupBy(agenda, (r) => r.consultation_id),
    attendees: groupBy(attendees, (r) => r.consultation_id),
    outcomes: groupBy(outcomes, (r) => r.consultation_id),
    corrections: groupBy(corrections, (r) => r.outcome_id),
  };
}

async function consultationsOf(db: Db, rows: readonly ConsultationRow[]): Promise<Consultation[]> {
  const c = await childrenOf(
    db,
    rows.map((r) => r.consultation_id),
  );
  const of = <T>(m: Map<string, T[]>, id: string) => m.get(id) ?? [];
  return rows.map((r) =>
    consultationOf(
      r,
      of(c.agenda, r.consultation_id),
      of(c.attendees, r.consultation_id),
      of(c.outcomes, r.consultation_id),
      c.corrections,
    ),
  );
}

async function actionItemsOf(db: Db, rows: readonly ActionItemRow[]): Promise<ActionItem[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.action_item_id);
  const progress = groupBy(
    await db<ProgressRow>("action_item_progress").whereIn("action_item_id", ids).orderBy(["action_item_id", "position"]),
    (r) => r.action_item_id,
  );
  const extensions = groupBy(
    await db<ExtensionRow>("action_item_extensions").whereIn("action_item_id", ids).orderBy(["action_item_id", "position"]),
    (r) => r.action_item_id,
  );
  return rows.map((r) => actionItemOf(r, progress.get(r.action_item_id) ?? [], extensions.get(r.action_item_id) ?? []));
}

/**
 * Agenda items and attendees can be removed while planned: rows whose id is gone are deleted, new
 * ones inserted after the highest position held, so positions never collide.
 */
async function syncChildren<T, R>(
  trx: Knex.Transaction,
  table: string,
  consultationId: string,
  idColumn: string,
  idOf: (item: T) => string,
  after: readonly T[],
  before: readonly T[],
  row: (item: T, position: number) => R,
): Promise<void> {
  const kept = new Set(after.map(idOf));
  const held = new Set(before.map(idOf));
  const removed = before.map(idOf).filter((id) => !kept.has(id));
  if (removed.length > 0) await trx(table).where({ consultation_id: consultationId }).whereIn(idColumn, removed).delete();
  const added = after.filter((x) => !held.has(idOf(x)));
  if (added.length === 0) return;
  const [{ max }] = (await trx(table).where({ consultation_id: consultationId }).max({ max: "position" })) as { max: number | null }[];
  await trx(table).insert(added.map((x, i) => row(x, (max ?? 0) + i + 1)));
}

/** Inserts the entries of `after`'s list beyond those of `before`'s, numbered on from them. */
async function appendChildren<T, R>(
  trx: Knex.Transaction,
  table: string,
  after: readonly T[],
  before: readonly T[],
  row: (item: T, position: number) => R,
): Promise<void> {
  const added = after.slice(before.length).map((item, i) => row(item, before.length + i + 1));
  if (added.length > 0) await trx(table).insert(added);
}

// ---- stores: how the kit writes each aggregate ----

/** Consultations with their agenda, attendees and outcomes, which are only ever appended. */
export const consultationStore: AggregateStore<Consultation> = {
  type: "consultation",
  id: (c) => c.consultationId,
  async save(trx, after, before) {
    const row: ConsultationRow = {
      consultation_id: after.consultationId,
      kind: after.kind,
      series_id: after.seriesId,
      title: after.title,
      mechanism_id: after.mechanismId || null,
      scheduled_time: after.scheduledTime,
      location: after.location,
      status: after.status,
      minutes: after.minutes,
      revision: after.revision,
      created_at: after.createTime,
      updated_at: after.updateTime,
      start_time: after.startTime ?? null,
      end_time: after.endTime ?? null,
      concerned_jurisdiction_codes: [...after.concernedJurisdictionCodes],
    };
    if (before) await trx("consultations").where({ consultation_id: after.consultationId }).update(row);
    else await trx("consultations").insert(row);
    const id = after.consultationId;
    await syncChildren(
      trx,
      "consultation_agenda_items",
      id,
      "agenda_item_id",
      (a) => a.agendaItemId,
      after.agenda,
      before?.agenda ?? [],
      (a, position) => ({
        agenda_item_id: a.agendaItemId,
        consultation_id: id,
        position,
        topic: a.topic,
        presenter: a.presenter,
        presenter_organisation_id: a.presenterOrganisationId || null,
        duration_minutes: a.durationMinutes,
      }),
    );
    await syncChildren(
      trx,
      "consultation_attendees",
      id,
      "attendee_id",
      (a) => a.attendeeId,
      after.attendees,
      before?.attendees ?? [],
      (a, position) => ({
        attendee_id: a.attendeeId,
        consultation_id: id,
        position,
        name: a.name,
        organisation_id: a.organisationId,
        title: a.title,
      }),
    );
    await appendChildren(trx, "consultation_outcomes", after.outcomes, before?.outcomes ?? [], (o, position) => ({
      outcome_id: o.outcomeId,
      consultation_id: id,
      position,
      type: o.type,
      text: o.text,
      agenda_item_id: o.agendaItemId || null,
      action_item_id: o.actionItemId || null,
      actor: o.recorded.actor,
      reason: o.reason,
      request_id: o.recorded.requestId,
      jurisdiction: o.recorded.jurisdiction,
      occurred_at: o.recorded.at,
    }));
    // Corrections are appended per outcome; the outcome row keeps the text as recorded.
    const held = new Map((before?.outcomes ?? []).map((o) => [o.outcomeId, o.corrections.length]));
    const corrections = after.outcomes.flatMap((o) =>
      o.corrections.slice(held.get(o.outcomeId) ?? 0).map((k) => ({
        outcome_id: o.outcomeId,
        version: k.version,
        text: k.text,
        reason: k.reason,
        actor: k.recorded.actor,
        request_id: k.recorded.requestId,
        jurisdiction: k.recorded.jurisdiction,
        occurred_at: k.recorded.at,
      })),
    );
    if (corrections.length > 0) await trx("consultation_outcome_corrections").insert(corrections);
  },
};

/** Action items with their progress reports, which are only ever appended. */
export const actionItemStore: AggregateStore<ActionItem> = {
  type: "action_item",
  id: (a) => a.actionItemId,
  async save(trx, after, before) {
    const columns = actionItemColumns(after);
    if (before) await trx("action_items").where({ action_item_id: after.actionItemId }).update(columns);
    else await trx("action_items").insert({ ...columns, overdue_alert_due_at: null });
    await appendChildren(trx, "action_item_progress", after.progress, before?.progress ?? [], (p, position) => ({
      action_item_id: after.actionItemId,
      position,
      status: p.status,
      note: p.note,
      actor: p.recorded.actor,
      request_id: p.recorded.requestId,
      jurisdiction: p.recorded.jurisdiction,
      occurred_at: p.recorded.at,
      reported_by: p.reportedBy ? JSON.stringify(p.reportedBy) : null,
    }));
    await appendChildren(trx, "action_item_extensions", after.extensions, before?.extensions ?? [], (e, position) => ({
      action_item_id: after.actionItemId,
      position,
      previous_due_time: e.previousDueTime,
      due_time: e.dueTime,
      reason: e.reason,
      actor: e.recorded.actor,
      request_id: e.recorded.requestId,
      jurisdiction: e.recorded.jurisdiction,
      occurred_at: e.recorded.at,
    }));
  },
};

export interface Page<T> {
  items: T[];
  nextPageToken: string;
  totalSize: number;
}

/** Knex queries over consultations and action items; callers pass a transaction where one is needed. */
export const consultationRepository = {
  async load(db: Db, id: string, forUpdate = false): Promise<Consultation | undefined> {
    const q = db<ConsultationRow>("consultations").where({ consultation_id: id }).first();
    const row = await (forUpdate ? q.forUpdate() : q);
    return row ? (await consultationsOf(db, [row]))[0] : undefined;
  },

  async seriesOf(db: Db, id: string): Promise<string | undefined> {
    const row = await db<ConsultationRow>("consultations").where({ consultation_id: id }).first("series_id");
    return row?.series_id;
  },

  /**
   * Locks a series (its first consultation's row), so that scheduling into it and closing or
   * cancelling its consultations, which all move action items along it, take turns.
   */
  async lockSeries(trx: Knex.Transaction, seriesId: string): Promise<{ kind: ConsultationKind } | undefined> {
    const row = await trx<ConsultationRow>("consultations").where({ consultation_id: seriesId, series_id: seriesId }).first().forUpdate();
    return row ? { kind: row.kind } : undefined;
  },

  async seriesMembers(trx: Knex.Transaction, seriesId: string): Promise<SeriesMember[]> {
    const rows = await trx<ConsultationRow>("consultations")
      .where({ series_id: seriesId })
      .select("consultation_id", "status", "scheduled_time");
    return rows.map((r) => ({ consultationId: r.consultation_id, status: r.status, scheduledTime: r.scheduled_time }));
  },

  /**
   * Mechanisms are another area's table; a consultation is held under this node's (a node holds
   * at most one), read with its status and sides. `forShare` holds it against a concurrent
   * suspension until the caller's transaction ends.
   */
  async mechanismOf(
    db: Db,
    where: { jurisdictionCode: string } | { mechanismId: string },
    forShare = false,
  ): Promise<MechanismFacts | undefined> {
    const q = db("mechanisms")
      .where("jurisdictionCode" in where ? { jurisdiction_code: where.jurisdictionCode } : { mechanism_id: where.mechanismId })
      .first(
        "mechanism_id",
        "status",
        "justice_bureau_organisation_id",
        "justice_bureau_name",
        "federation_organisation_id",
        "federation_name",
      );
    if (forShare) q.forShare();
    const r = (await q) as
      | {
          mechanism_id: string;
          status: MechanismFacts["status"];
          justice_bureau_organisation_id: string;
          justice_bureau_name: string;
          federation_organisation_id: string;
          federation_name: string;
        }
      | undefined;
    return r
      ? {
          mechanismId: r.mechanism_id,
          status: r.status,
          justiceBureauOrganisationId: r.justice_bureau_organisation_id,
          justiceBureauName: r.justice_bureau_name,
          federationOrganisationId: r.federation_organisation_id,
          federationName: r.federation_name,
        }
      : undefined;
  },

  async consultationOfOutcome(db: Db, outcomeId: string): Promise<string | undefined> {
    const row = await db<OutcomeRow>("consultation_outcomes").where({ outcome_id: outcomeId }).first("consultation_id");
    return row?.consultation_id;
  },

  /** Newest scheduled first. */
  async list(db: Db, filter: ConsultationListFilter, page: PageRequestOf): Promise<Page<Consultation>> {
    const filtered = () => {
      const q = db<ConsultationRow>("consultations");
      if (filter.kind) q.where("kind", filter.kind);
      if (filter.status) q.where("status", filter.status);
      if (filter.seriesId) q.where("series_id", filter.seriesId);
      if (filter.text) q.whereILike("title", containsPattern(filter.text));
      if (filter.mechanismId) q.where("mechanism_id", filter.mechanismId);
      if (filter.period?.from) q.where("scheduled_time", ">=", filter.period.from);
      if (filter.period?.until) q.where("scheduled_time", "<", filter.period.until);
      return q;
    };
    const [{ n }] = await filtered().count<{ n: string }[]>({ n: "*" });
    const q = filtered();
    keysetPage(q, { key: "scheduled_time", keyType: "timestamptz", id: "consultation_id", direction: "desc" }, page.after);
    const rows = (await q.limit(page.size + 1)) as ConsultationRow[];
    const { items, nextPageToken } = pageOf(rows, page, (r) => ({ key: r.scheduled_time.toISOString(), id: r.consultation_id }));
    return { items: await consultationsOf(db, items), nextPageToken, totalSize: Number(n) };
  },

  // ---- action items ----

  async loadActionItem(db: Db, id: string, forUpdate = false): Promise<ActionItem | undefined> {
    const q = db<ActionItemRow>("action_items").where({ action_item_id: id }).first();
    const row = await (forUpdate ? q.forUpdate() : q);
    return row ? (await actionItemsOf(db, [row]))[0] : undefined;
  },

  /** The items a consultation tracks now, earliest due first. */
  async trackedBy(db: Db, consultationId: string): Promise<ActionItem[]> {
    return actionItemsOf(
      db,
      await db<ActionItemRow>("action_items").where({ consultation_id: consultationId }).orderBy(["due_time", "action_item_id"]),
    );
  },

  /** Unfinished items of a series with the status of the consultation tracking each, locked. */
  async unfinishedInSeries(trx: Knex.Transaction, seriesId: string): Promise<ItemInSeries[]> {
    const rows = (await trx("action_items as a")
      .join("consultations as c", "c.consultation_id", "a.consultation_id")
      .where("a.series_id", seriesId)
      .whereIn("a.status", ["OPEN", "IN_PROGRESS"])
      .orderBy("a.action_item_id")
      .forUpdate("a")
      .select("a.*", "c.status as tracking_status")) as (ActionItemRow & { tracking_status: ConsultationStatus })[];
    const items = await actionItemsOf(trx, rows);
    return items.map((item, i) => ({ item, trackingStatus: rows[i]!.tracking_status }));
  },

  /** Unfinished items a consultation tracks, locked. */
  async unfinishedTrackedBy(trx: Knex.Transaction, consultationId: string): Promise<ActionItem[]> {
    return actionItemsOf(
      trx,
      await trx<ActionItemRow>("action_items")
        .where({ consultation_id: consultationId })
        .whereIn("status", ["OPEN", "IN_PROGRESS"])
        .orderBy("action_item_id")
        .forUpdate(),
    );
  },

  /** Earliest due first; `now` decides what is overdue. */
  async listActionItems(db: Db, filter: ActionItemListFilter, page: PageRequestOf, now: Date): Promise<Page<ActionItem>> {
    const filtered = () => {
      const q = db<ActionItemRow>("action_items");
      if (filter.status) q.where("status", filter.status);
      if (filter.consultationId) q.where("consultation_id", filter.consultationId);
      if (filter.seriesId) q.where("series_id", filter.seriesId);
      // The owner or any joint owner.
      if (filter.ownerOrganisationId) {
        const id = filter.ownerOrganisationId;
        q.where((w) =>
          w.where("owner_organisation_id", id).orWhereRaw("joint_owners @> ?::jsonb", [JSON.stringify([{ organisationId: id }])]),
        );
      }
      if (filter.originConsultationId) q.where("origin_consultation_id", filter.originConsultationId);
      if (filter.dueBefore) q.where("due_time", "<", filter.dueBefore);
      if (filter.assigneeJurisdictionCode) q.where("assignee_jurisdiction_code", filter.assigneeJurisdictionCode);
      if (filter.origin) q.where("origin", filter.origin);
      if (filter.overdueOnly) q.whereIn("status", ["OPEN", "IN_PROGRESS"]).where("due_time", "<", now);
      return q;
    };
    const [{ n }] = await filtered().count<{ n: string }[]>({ n: "*" });
    const q = filtered();
    keysetPage(q, { key: "due_time", keyType: "timestamptz", id: "action_item_id", direction: "asc" }, page.after);
    const rows = (await q.limit(page.size + 1)) as ActionItemRow[];
    const { items, nextPageToken } = pageOf(rows, page, (r) => ({ key: r.due_time.toISOString(), id: r.action_item_id }));
    return { items: await actionItemsOf(db, items), nextPageToken, totalSize: Number(n) };
  },

  /**
   * Overdue items whose alert for the current due date is still to be raised, locked; rows
   * another scanner holds are skipped, so replicas never alert the same item twice.
   */
  async overdueToAlert(trx: Knex.Transaction, now: Date, limit: number): Promise<OverdueItem[]> {
    const rows = await trx<ActionItemRow>("action_items")
      .whereIn("status", ["OPEN", "IN_PROGRESS"])
      .where("due_time", "<", now)
      .whereRaw("overdue_alert_due_at is distinct from due_time")
      .orderBy(["due_time", "action_item_id"])
      .limit(limit)
      .forUpdate()
      .skipLocked();
    return rows.map((r) => actionItemOf(r, []));
  },

  /**
   * Records that the items' current due dates were alerted, in one statement; not a change of
   * the items (no revision, no audit). The caller holds their rows locked (overdueToAlert), so
   * each due date is the one its alert named.
   */
  async markOverdueAlerted(trx: Knex.Transaction, items: readonly OverdueItem[]): Promise<void> {
    if (items.length === 0) return;
    await trx("action_items")
      .whereRaw("action_item_id = any(?::uuid[])", [items.map((i) => i.actionItemId)])
      .update({ overdue_alert_due_at: trx.ref("due_time") });
  },

  // ---- agendas received at a district ----

  async receivedAgenda(db: Db, consultationId: string, forUpdate = false): Promise<ReceivedAgenda | undefined> {
    const q = db<ReceivedAgendaRow>("received_agendas").where({ consultation_id: consultationId }).first();
    const row = (await (forUpdate ? q.forUpdate() : q)) as ReceivedAgendaRow | undefined;
    return row ? receivedAgendaOf(row) : undefined;
  },

  async saveReceivedAgenda(trx: Knex.Transaction, a: ReceivedAgenda): Promise<void> {
    const row = {
      consultation_id: a.consultationId,
      issuing_jurisdiction_code: a.issuingJurisdictionCode,
      kind: a.kind,
      title: a.title,
      scheduled_time: a.scheduledTime,
      location: a.location,
      status: a.status,
      agenda: JSON.stringify(a.agenda),
      attendees: JSON.stringify(a.attendees),
      concerned_jurisdiction_codes: [...a.concernedJurisdictionCodes],
      revision: a.revision,
      reason: a.reason,
      received_at: a.receiveTime,
    };
    await trx("received_agendas").insert(row).onConflict("consultation_id").merge();
  },

  /** Earliest scheduled first. */
  async listReceivedAgendas(db: Db, filter: ReceivedAgendaFilter, page: PageRequestOf): Promise<Page<ReceivedAgenda>> {
    const filtered = () => {
      const q = db<ReceivedAgendaRow>("received_agendas");
      if (filter.status) q.where("status", filter.status);
      if (filter.period?.from) q.where("scheduled_time", ">=", filter.period.from);
      if (filter.period?.until) q.where("scheduled_time", "<", filter.period.until);
      return q;
    };
    const [{ n }] = await filtered().count<{ n: string }[]>({ n: "*" });
    const q = filtered();
    keysetPage(q, { key: "scheduled_time", keyType: "timestamptz", id: "consultation_id", direction: "asc" }, page.after);
    const rows = (await q.limit(page.size + 1)) as ReceivedAgendaRow[];
    const { items, nextPageToken } = pageOf(rows, page, (r) => ({ key: r.scheduled_time.toISOString(), id: r.consultation_id }));
    return { items: items.map(receivedAgendaOf), nextPageToken, totalSize: Number(n) };
  },
};

function receivedAgendaOf(r: ReceivedAgendaRow): ReceivedAgenda {
  return {
    consultationId: r.consultation_id,
    issuingJurisdictionCode: r.issuing_jurisdiction_code,
    kind: r.kind,
    title: r.title,
    scheduledTime: r.scheduled_time,
    location: r.location,
    status: r.status,
    agenda: r.agenda,
    attendees: r.attendees,
    concernedJurisdictionCodes: r.concerned_jurisdiction_codes,
    revision: r.revision,
    reason: r.reason,
    receiveTime: r.received_at,
  };
}
