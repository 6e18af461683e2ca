import type { Knex } from "knex";
import type { ActionItemOrigin, ActionItemStatus } from "../domain/action-item";
import type { ConsultationKind, ConsultationStatus, OutcomeType, SeriesMember, TrackedItem } from "../domain/consultation";

type Db = Knex | Knex.Transaction;

export interface ConsultationRow {
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
}

export interface AgendaItemRow {
  agenda_item_id: string;
  consultation_id: string;
  position: number;
  topic: string;
  presenter: string;
  presenter_organisation_id: string | null;
  duration_minutes: number;
}

export interface AttendeeRow {
  consultation_id: string;
  position: number;
  name: string;
  organisation_id: string;
  title: string;
}

export interface OutcomeRow {
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

export interface ActionItemRow {
  action_item_id: string;
  title: string;
  owner_organisation_id: string | null;
  owner_department_id: string | null;
  assignee_jurisdiction_code: string | null;
  due_time: Date;
  status: ActionItemStatus;
  origin: ActionItemOrigin;
  origin_jurisdiction_code: string;
  origin_consultation_id: string;
  consultation_id: string;
  series_id: string | null;
  carry_over_count: number;
  revision: number;
  created_at: Date;
  updated_at: Date;
  last_report_sequence: number;
  overdue_alert_due_at: Date | null;
}

export interface ProgressRow {
  action_item_id: string;
  position: number;
  status: ActionItemStatus;
  note: string;
  actor: string;
  request_id: string;
  jurisdiction: string;
  occurred_at: Date;
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

/** Knex queries over consultations and action items; callers pass a transaction where one is needed. */
export const consultationRepository = {
  async find(db: Db, id: string, forUpdate = false): Promise<ConsultationRow | undefined> {
    const q = db<ConsultationRow>("consultations").where({ consultation_id: id }).first();
    return forUpdate ? q.forUpdate() : q;
  },

  async insert(trx: Knex.Transaction, row: ConsultationRow): Promise<void> {
    await trx("consultations").insert(row);
  },

  async update(trx: Knex.Transaction, id: string, patch: Partial<ConsultationRow>): Promise<void> {
    await trx("consultations").where({ consultation_id: id }).update(patch);
  },

  /**
   * Locks a series (its first consultation's row), so that scheduling into it and closing or
   * cancelling its consultations, which all move action items along it, take turns.
   */
  async lockSeries(trx: Knex.Transaction, seriesId: string): Promise<ConsultationRow | undefined> {
    return trx<ConsultationRow>("consultations").where({ consultation_id: seriesId, series_id: seriesId }).first().forUpdate();
  },

  async seriesMembers(trx: Knex.Transaction, seriesId: string): Promise<SeriesMember[]> {
    const rows = await trx<ConsultationRow>("consultations")
      .where({ series_id: seriesId })
      .select("consultation_id", "status", "scheduled_time");
    return rows.map((r) => ({ consultationId: r.consultation_id, status: r.status, scheduledTime: r.scheduled_time }));
  },

  async agenda(db: Db, ids: readonly string[]): Promise<Map<string, AgendaItemRow[]>> {
    if (ids.length === 0) return new Map();
    const rows = await db<AgendaItemRow>("consultation_agenda_items")
      .whereIn("consultation_id", ids as string[])
      .orderBy(["consultation_id", "position"]);
    return groupBy(rows, (r) => r.consultation_id);
  },

  async attendees(db: Db, ids: readonly string[]): Promise<Map<string, AttendeeRow[]>> {
    if (ids.length === 0) return new Map();
    const rows = await db<AttendeeRow>("consultation_attendees")
      .whereIn("consultation_id", ids as string[])
      .orderBy(["consultation_id", "position"]);
    return groupBy(rows, (r) => r.consultation_id);
  },

  async outcomes(db: Db, ids: readonly string[]): Promise<Map<string, OutcomeRow[]>> {
    if (ids.length === 0) return new Map();
    const rows = await db<OutcomeRow>("consultation_outcomes")
      .whereIn("consultation_id", ids as string[])
      .orderBy(["consultation_id", "position"]);
    return groupBy(rows, (r) => r.consultation_id);
  },

  async findOutcome(db: Db, outcomeId: string): Promise<OutcomeRow | undefined> {
    return db<OutcomeRow>("consultation_outcomes").where({ outcome_id: outcomeId }).first();
  },

  /** The next position in a consultation's list (agenda, attendees, outcomes); the caller holds the consultation's lock. */
  async nextPosition(
    trx: Knex.Transaction,
    table: "consultation_agenda_items" | "consultation_attendees" | "consultation_outcomes",
    consultationId: string,
  ): Promise<number> {
    const [{ max }] = await trx(table).where({ consultation_id: consultationId }).max<{ max: number | null }[]>({ max: "position" });
    return (max ?? 0) + 1;
  },

  async insertAgendaItems(trx: Knex.Transaction, rows: readonly AgendaItemRow[]): Promise<void> {
    if (rows.length > 0) await trx("consultation_agenda_items").insert(rows);
  },

  async insertAttendees(trx: Knex.Transaction, rows: readonly AttendeeRow[]): Promise<void> {
    if (rows.length > 0) await trx("consultation_attendees").insert(rows);
  },

  async insertOutcome(trx: Knex.Transaction, row: OutcomeRow): Promise<void> {
    await trx("consultation_outcomes").insert(row);
  },

  // ---- action items ----

  async findActionItem(db: Db, id: string, forUpdate = false): Promise<ActionItemRow | undefined> {
    const q = db<ActionItemRow>("action_items").where({ action_item_id: id }).first();
    return forUpdate ? q.forUpdate() : q;
  },

  async insertActionItem(trx: Knex.Transaction, row: ActionItemRow): Promise<void> {
    await trx("action_items").insert(row);
  },

  async updateActionItem(trx: Knex.Transaction, id: string, patch: Partial<ActionItemRow>): Promise<void> {
    await trx("action_items").where({ action_item_id: id }).update(patch);
  },

  /** Unfinished items of a series with the status of the consultation tracking each, locked. */
  async unfinishedInSeries(trx: Knex.Transaction, seriesId: string): Promise<(TrackedItem & { revision: number })[]> {
    const rows = (await trx("action_items as a")
      .join("consultations as c", "c.consultation_id", "a.consultation_id")
      .where("a.series_id", seriesId)
      .whereIn("a.status", ["OPEN", "IN_PROGRESS"])
      .orderBy("a.action_item_id")
      .forUpdate("a")
      .select("a.action_item_id", "a.status", "a.revision", "c.status as tracking_status")) as {
      action_item_id: string;
      status: ActionItemStatus;
      revision: number;
      tracking_status: ConsultationStatus;
    }[];
    return rows.map((r) => ({ actionItemId: r.action_item_id, status: r.status, revision: r.revision, trackingStatus: r.tracking_status }));
  },

  /** Unfinished items a consultation tracks, locked. */
  async unfinishedTrackedBy(trx: Knex.Transaction, consultationId: string): Promise<{ actionItemId: string; revision: number }[]> {
    const rows = (await trx("action_items")
      .where({ consultation_id: consultationId })
      .whereIn("status", ["OPEN", "IN_PROGRESS"])
      .orderBy("action_item_id")
      .forUpdate()
      .select("action_item_id", "revision")) as { action_item_id: string; revision: number }[];
    return rows.map((r) => ({ actionItemId: r.action_item_id, revision: r.revision }));
  },

  /** Moves items to the consultation that now tracks them, counting the carry-over. */
  async carryOver(trx: Knex.Transaction, ids: readonly string[], to: string, at: Date): Promise<void> {
    if (ids.length === 0) return;
    await trx("action_items")
      .whereIn("action_item_id", ids as string[])
      .update({
        consultation_id: to,
        carry_over_count: trx.raw("carry_over_count + 1"),
        revision: trx.raw("revision + 1"),
        updated_at: at,
      });
  },

  async trackedBy(db: Db, consultationId: string): Promise<ActionItemRow[]> {
    return db<ActionItemRow>("action_items").where({ consultation_id: consultationId }).orderBy(["due_time", "action_item_id"]);
  },

  async progress(db: Db, ids: readonly string[]): Promise<Map<string, ProgressRow[]>> {
    if (ids.length === 0) return new Map();
    const rows = await db<ProgressRow>("action_item_progress")
      .whereIn("action_item_id", ids as string[])
      .orderBy(["action_item_id", "position"]);
    return groupBy(rows, (r) => r.action_item_id);
  },

  /** Appends a progress report and returns its position (1 for the first). */
  async appendProgress(trx: Knex.Transaction, row: Omit<ProgressRow, "position">): Promise<number> {
    const [{ max }] = await trx("action_item_progress")
      .where({ action_item_id: row.action_item_id })
      .max<{ max: number | null }[]>({ max: "position" });
    const position = (max ?? 0) + 1;
    await trx("action_item_progress").insert({ ...row, position });
    return position;
  },

  /**
   * Overdue items whose alert for the current due date is still to be raised, locked; rows
   * another scanner holds are skipped, so replicas never alert the same item twice.
   */
  async overdueToAlert(trx: Knex.Transaction, now: Date, limit: number): Promise<ActionItemRow[]> {
    return trx<ActionItemRow>("action_items")
      .whereIn("status", ["OPEN", "IN_PROGRESS"])
      .where("due_time", "<", now)
      .whereRaw("overdue_alert_due_at is distinct from due_time")
      .orderBy(["due_time", "action_item_id"])
      .limit(limit)
      .forUpdate()
      .skipLocked();
  },
};
