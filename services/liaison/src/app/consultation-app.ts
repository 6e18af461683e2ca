import {
  containsPattern,
  FailedPreconditionError,
  InvalidArgumentError,
  liaisonEvents,
  NotFoundError,
  pageOf,
  readPageRequest,
  textField,
  Violations,
} from "@jinlian/chassis";
import type { Knex } from "knex";
import {
  assertAgendaItemOf,
  assertSeriesKind,
  carriedOverOnSchedule,
  carryOverTarget,
  transition,
  validateAgendaItem,
  validateAttendees,
  validateCancellation,
  validateMinutes,
  validateOutcome,
  validateSchedule,
  CONSULTATION_LIMITS,
  type AgendaItemInput,
  type AttendeeInput,
  type ConsultationKind,
  type ConsultationStatus,
  type OutcomeInput,
  type ScheduleInput,
} from "../domain/consultation";
import {
  consultationRepository as repo,
  type AgendaItemRow,
  type AttendeeRow,
  type ConsultationRow,
  type OutcomeRow,
} from "../persistence/consultation-repository";
import type { ActionItemApp, ActionItemView } from "./action-item-app";
import { consultationKindCodec } from "./codecs";
import { findOrganisation, type OrganisationSnapshot } from "./organisations";
import { assertId, checkExpectedRevision, checkRevision, isUuid, type Actor, type LiaisonContext } from "./support";

/** A consultation with everything GetConsultation shows. */
export interface ConsultationView {
  row: ConsultationRow;
  agenda: AgendaItemRow[];
  attendees: AttendeeRow[];
  outcomes: OutcomeRow[];
  /** The action items it currently tracks (empty in lists). */
  actionItems: ActionItemView[];
}

export interface ConsultationListFilter {
  kind?: ConsultationKind;
  status?: ConsultationStatus;
  seriesId?: string;
  text?: string;
}

/** A reference from a request to an organisation of the registry, and how it must stand there. */
export interface PartyReference {
  /** The request field naming the organisation, e.g. "attendees[0].organisation_id". */
  field: string;
  organisationId: string;
  /** Deactivated organisations cannot take new roles; a presenter only has to be on record. */
  mustBeActive: boolean;
  department?: { field: string; departmentId: string };
}

/**
 * Checks organisations a request names against this node's registry, in the caller's
 * transaction and locking them against a concurrent deactivation: unknown organisations and
 * departments not of theirs are INVALID_ARGUMENT (all named at once), a deactivated one
 * FAILED_PRECONDITION.
 */
export async function checkParties(trx: Knex.Transaction, refs: readonly PartyReference[]): Promise<Map<string, OrganisationSnapshot>> {
  const found = new Map<string, OrganisationSnapshot>();
  const v = new Violations();
  const deactivated: OrganisationSnapshot[] = [];
  for (const ref of refs) {
    const org = found.get(ref.organisationId) ?? (await findOrganisation(trx, ref.organisationId, true));
    if (!org) {
      v.add(ref.field, "is not a registered organisation");
      continue;
    }
    found.set(org.organisationId, org);
    if (ref.mustBeActive && org.status !== "ACTIVE" && !deactivated.includes(org)) deactivated.push(org);
    if (ref.department && !org.departments.some((d) => d.departmentId === ref.department!.departmentId))
      v.add(ref.department.field, `is not a department of ${org.name}`);
  }
  v.throwIfAny();
  if (deactivated.length > 0)
    throw new FailedPreconditionError(
      deactivated.map((o) => ({
        type: "ORGANISATION_DEACTIVATED",
        subject: `organisation/${o.organisationId}`,
        description: `${o.name} is deactivated and cannot take new roles`,
      })),
    );
  return found;
}

function invalid(field: string, description: string): never {
  throw new InvalidArgumentError([{ field, description }]);
}

/**
 * Use cases of consultations (art. 1): scheduling, agenda and attendees, the held meeting with
 * its typed outcomes, closing with minutes, and carrying unfinished action items along a series.
 */
export class ConsultationApp {
  constructor(
    private readonly ctx: LiaisonContext,
    private readonly actionItems: ActionItemApp,
  ) {}

  async schedule(input: ScheduleInput, actor: Actor): Promise<ConsultationView> {
    const s = validateSchedule(input);
    return this.ctx.mutation(
      "ScheduleConsultation",
      actor,
      async (trx) => {
        const now = this.ctx.now();
        const id = this.ctx.newId();
        let seriesId = id;
        if (s.seriesId) {
          const first = await repo.lockSeries(trx, s.seriesId);
          if (!first) invalid("series_id", "is not an existing consultation series");
          assertSeriesKind(s.seriesId, first.kind, s.kind);
          seriesId = s.seriesId;
        }
        if (s.mechanismId && !(await trx("mechanisms").where({ mechanism_id: s.mechanismId }).first()))
          invalid("mechanism_id", "is not a liaison mechanism of this node");
        await checkParties(trx, [...this.presenters(s.agenda, (i) => `agenda[${i}]`), ...this.attendeeParties(s.attendees)]);
        await repo.insert(trx, {
          consultation_id: id,
          kind: s.kind,
          series_id: seriesId,
          title: s.title,
          mechanism_id: s.mechanismId || null,
          scheduled_time: s.scheduledTime,
          location: s.location,
          status: "PLANNED",
          minutes: "",
          revision: 1,
          created_at: now,
          updated_at: now,
          start_time: null,
          end_time: null,
        });
        await repo.insertAgendaItems(trx, this.agendaRows(id, 1, s.agenda));
        await repo.insertAttendees(trx, this.attendeeRows(id, 1, s.attendees));
        await this.ctx.audit(trx, {
          aggregateType: "consultation",
          aggregateId: id,
          action: "ScheduleConsultation",
          revision: 1,
          actor,
          reason: s.reason,
          at: now,
        });
        if (s.seriesId) {
          // Unfinished items left behind by a closed consultation of the series come to this one.
          const items = await repo.unfinishedInSeries(trx, seriesId);
          const moving = new Set(carriedOverOnSchedule(items));
          await this.carryOver(
            trx,
            items.filter((i) => moving.has(i.actionItemId)),
            id,
            now,
            actor,
          );
        }
        this.ctx.logger.info({ consultation_id: id, series_id: seriesId, kind: s.kind }, "consultation scheduled");
        return id;
      },
      (id, trx) => this.view(trx, id),
    );
  }

  async addAgendaItem(id: string, expectedRevision: number, item: AgendaItemInput | undefined, reason: string, actor: Actor) {
    assertId(id, "consultation_id");
    const v = new Violations();
    checkExpectedRevision(v, expectedRevision);
    const agendaItem = validateAgendaItem(v, "item", item);
    const why = textField(v, "reason", reason, { max: CONSULTATION_LIMITS.reasonChars });
    v.throwIfAny();
    return this.change("AddAgendaItem", id, expectedRevision, "addAgendaItem", why, actor, async (trx, row) => {
      await checkParties(
        trx,
        this.presenters([agendaItem], () => "item"),
      );
      const position = await repo.nextPosition(trx, "consultation_agenda_items", id);
      if (position > CONSULTATION_LIMITS.agendaItems)
        invalid("item", `a consultation has at most ${CONSULTATION_LIMITS.agendaItems} agenda items`);
      await repo.insertAgendaItems(trx, this.agendaRows(row.consultation_id, position, [agendaItem]));
    });
  }

  async recordAttendees(id: string, expectedRevision: number, attendees: readonly AttendeeInput[], reason: string, actor: Actor) {
    assertId(id, "consultation_id");
    const v = new Violations();
    checkExpectedRevision(v, expectedRevision);
    const list = validateAttendees(v, "attendees", attendees, true);
    const why = textField(v, "reason", reason, { max: CONSULTATION_LIMITS.reasonChars });
    v.throwIfAny();
    return this.change("RecordAttendees", id, expectedRevision, "recordAttendees", why, actor, async (trx) => {
      await checkParties(trx, this.attendeeParties(list));
      const position = await repo.nextPosition(trx, "consultation_attendees", id);
      if (position - 1 + list.length > CONSULTATION_LIMITS.attendees)
        invalid("attendees", `a consultation has at most ${CONSULTATION_LIMITS.attendees} attendees`);
      await repo.insertAttendees(trx, this.attendeeRows(id, position, list));
    });
  }

  async start(id: string, expectedRevision: number, reason: string, actor: Actor) {
    assertId(id, "consultation_id");
    const v = new Violations();
    checkExpectedRevision(v, expectedRevision);
    const why = textField(v, "reason", reason, { max: CONSULTATION_LIMITS.reasonChars });
    v.throwIfAny();
    return this.change("StartConsultation", id, expectedRevision, "start", why, actor, async (trx, _row, now) => {
      await repo.update(trx, id, { start_time: now });
    });
  }

  async recordOutcome(id: string, expectedRevision: number, input: OutcomeInput, actor: Actor) {
    assertId(id, "consultation_id");
    const v = new Violations();
    checkExpectedRevision(v, expectedRevision);
    v.throwIfAny();
    const o = validateOutcome(input, { here: this.ctx.here, now: this.ctx.now() });
    return this.ctx.mutation(
      `RecordOutcome:${id}`,
      actor,
      async (trx) => {
        const row = await this.load(trx, id, true);
        transition(id, row.status, "recordOutcome");
        checkRevision("consultation", id, row.revision, expectedRevision);
        const agenda = (await repo.agenda(trx, [id])).get(id) ?? [];
        assertAgendaItemOf(
          agenda.map((a) => a.agenda_item_id),
          o.agendaItemId,
        );
        const now = this.ctx.now();
        let actionItemId: string | null = null;
        if (o.action) {
          const a = o.action;
          if (a.owner)
            await checkParties(trx, [
              {
                field: "action.owner.organisation_id",
                organisationId: a.owner.organisationId,
                mustBeActive: true,
                department: { field: "action.owner.department_id", departmentId: a.owner.departmentId },
              },
            ]);
          actionItemId = this.ctx.newId();
          await repo.insertActionItem(trx, {
            action_item_id: actionItemId,
            title: a.title,
            owner_organisation_id: a.owner?.organisationId ?? null,
            owner_department_id: a.owner?.departmentId ?? null,
            assignee_jurisdiction_code: a.assigneeJurisdictionCode ?? null,
            due_time: a.dueTime,
            status: "OPEN",
            origin: "LOCAL",
            origin_jurisdiction_code: this.ctx.here,
            origin_consultation_id: id,
            consultation_id: id,
            series_id: row.series_id,
            carry_over_count: 0,
            revision: 1,
            created_at: now,
            updated_at: now,
            last_report_sequence: 0,
            overdue_alert_due_at: null,
          });
          await this.ctx.audit(trx, {
            aggregateType: "action_item",
            aggregateId: actionItemId,
            action: "RecordOutcome",
            revision: 1,
            actor,
            reason: o.reason,
            at: now,
          });
          if (a.assigneeJurisdictionCode) {
            // The district node receives the action under the same id and reports progress back.
            await this.ctx.emit(
              trx,
              liaisonEvents.actionItemAssigned,
              actionItemId,
              now,
              {
                actionItemId,
                assigneeJurisdictionCode: a.assigneeJurisdictionCode,
                title: a.title,
                dueTime: a.dueTime,
                consultationId: id,
                consultationTitle: row.title,
                consultationKind: consultationKindCodec.toProto(row.kind),
                outcomeText: o.text,
                audit: this.ctx.auditProto(actor, o.reason, now),
              },
              [this.ctx.topicTo(a.assigneeJurisdictionCode)],
            );
            this.ctx.logger.info({ action_item_id: actionItemId, assignee: a.assigneeJurisdictionCode }, "action assigned to district");
          }
        }
        const outcomeId = this.ctx.newId();
        await repo.insertOutcome(trx, {
          outcome_id: outcomeId,
          consultation_id: id,
          position: await repo.nextPosition(trx, "consultation_outcomes", id),
          type: o.type,
          text: o.text,
          agenda_item_id: o.agendaItemId || null,
          action_item_id: actionItemId,
          actor: actor.subject,
          reason: o.reason,
          request_id: actor.requestId,
          jurisdiction: this.ctx.here,
          occurred_at: now,
        });
        await this.bump(trx, row, now, "RecordOutcome", o.reason, actor);
        return outcomeId;
      },
      async (outcomeId, trx) => {
        const outcome = (await repo.findOutcome(trx, outcomeId))!;
        return { consultation: await this.view(trx, outcome.consultation_id), outcome };
      },
    );
  }

  async close(id: string, expectedRevision: number, minutes: string, reason: string, actor: Actor) {
    assertId(id, "consultation_id");
    const v = new Violations();
    checkExpectedRevision(v, expectedRevision);
    v.throwIfAny();
    const m = validateMinutes(minutes, reason);
    return this.leave("CloseConsultation", id, expectedRevision, "close", m.reason, actor, { minutes: m.minutes });
  }

  async cancel(id: string, expectedRevision: number, reason: string, actor: Actor) {
    assertId(id, "consultation_id");
    const v = new Violations();
    checkExpectedRevision(v, expectedRevision);
    v.throwIfAny();
    const why = validateCancellation(reason);
    return this.leave("CancelConsultation", id, expectedRevision, "cancel", why, actor, {});
  }

  async get(id: string): Promise<ConsultationView> {
    assertId(id, "consultation_id");
    return this.view(this.ctx.db, id);
  }

  /** `v` may already hold the caller's problems with the request (e.g. unknown enums); all are reported together. */
  async list(
    filter: ConsultationListFilter,
    pageSize: number,
    pageToken: string,
    v = new Violations(),
  ): Promise<{ items: ConsultationView[]; nextPageToken: string; totalSize: number }> {
    if (filter.seriesId !== undefined && !isUuid(filter.seriesId)) v.add("filter.series_id", "must be a UUID");
    if (filter.text !== undefined && [...filter.text].length > CONSULTATION_LIMITS.titleChars)
      v.add("filter.text", `must be at most ${CONSULTATION_LIMITS.titleChars} characters`);
    const page = readPageRequest(v, filter, pageSize, pageToken);
    if (page.after && (Number.isNaN(Date.parse(page.after.key)) || !isUuid(page.after.id)))
      v.add("page.page_token", "is not a valid page token");
    v.throwIfAny();
    const db = this.ctx.db;
    const filtered = () => {
      const q = db<ConsultationRow>("consultations");
      if (filter.kind) q.where("kind", filter.kind);
      if (filter.status) q.where("status", filter.status);
      if (filter.seriesId) q.where("series_id", filter.seriesId);
      if (filter.text) q.whereILike("title", containsPattern(filter.text));
      return q;
    };
    const [{ n }] = await filtered().count<{ n: string }[]>({ n: "*" });
    const q = filtered();
    if (page.after) q.whereRaw("(scheduled_time, consultation_id) < (?::timestamptz, ?::uuid)", [page.after.key, page.after.id]);
    const rows = (await q
      .orderBy([
        { column: "scheduled_time", order: "desc" },
        { column: "consultation_id", order: "desc" },
      ])
      .limit(page.size + 1)) as ConsultationRow[];
    const { items, nextPageToken } = pageOf(rows, page, (r) => ({ key: r.scheduled_time.toISOString(), id: r.consultation_id }));
    const ids = items.map((r) => r.consultation_id);
    const [agenda, attendees, outcomes] = await Promise.all([repo.agenda(db, ids), repo.attendees(db, ids), repo.outcomes(db, ids)]);
    return {
      items: items.map((row) => ({
        row,
        agenda: agenda.get(row.consultation_id) ?? [],
        attendees: attendees.get(row.consultation_id) ?? [],
        outcomes: outcomes.get(row.consultation_id) ?? [],
        actionItems: [],
      })),
      nextPageToken,
      totalSize: Number(n),
    };
  }

  async view(db: Knex | Knex.Transaction, id: string): Promise<ConsultationView> {
    const row = await this.load(db, id);
    const [agenda, attendees, outcomes, tracked] = [
      await repo.agenda(db, [id]),
      await repo.attendees(db, [id]),
      await repo.outcomes(db, [id]),
      await repo.trackedBy(db, id),
    ];
    return {
      row,
      agenda: agenda.get(id) ?? [],
      attendees: attendees.get(id) ?? [],
      outcomes: outcomes.get(id) ?? [],
      actionItems: await this.actionItems.views(db, tracked),
    };
  }

  // ---- helpers ----

  private async load(db: Knex | Knex.Transaction, id: string, forUpdate = false): Promise<ConsultationRow> {
    const row = await repo.find(db, id, forUpdate);
    if (!row) throw new NotFoundError("consultation", id);
    return row;
  }

  /** One change of one consultation that may need its state: checks, the change, revision + 1, audit. */
  private change(
    method: string,
    id: string,
    expectedRevision: number,
    action: "addAgendaItem" | "recordAttendees" | "start",
    reason: string,
    actor: Actor,
    apply: (trx: Knex.Transaction, row: ConsultationRow, now: Date) => Promise<void>,
  ): Promise<ConsultationView> {
    return this.ctx.mutation(
      `${method}:${id}`,
      actor,
      async (trx) => {
        const row = await this.load(trx, id, true);
        const status = transition(id, row.status, action);
        checkRevision("consultation", id, row.revision, expectedRevision);
        const now = this.ctx.now();
        await apply(trx, row, now);
        await this.bump(trx, row, now, method, reason, actor, status);
        return id;
      },
      (cid, trx) => this.view(trx, cid),
    );
  }

  /**
   * Closing or cancelling: the consultation stops tracking its unfinished action items, which go
   * to the earliest planned consultation of the series (or wait for the next one scheduled).
   */
  private leave(
    method: string,
    id: string,
    expectedRevision: number,
    action: "close" | "cancel",
    reason: string,
    actor: Actor,
    patch: Partial<ConsultationRow>,
  ): Promise<ConsultationView> {
    return this.ctx.mutation(
      `${method}:${id}`,
      actor,
      async (trx) => {
        // The series lock first (as scheduling takes it), then the consultation's own.
        const seriesId = (await this.load(trx, id)).series_id;
        await repo.lockSeries(trx, seriesId);
        const row = await this.load(trx, id, true);
        const status = transition(id, row.status, action);
        checkRevision("consultation", id, row.revision, expectedRevision);
        const now = this.ctx.now();
        await repo.update(trx, id, { ...patch, end_time: now });
        await this.bump(trx, row, now, method, reason, actor, status);
        const target = carryOverTarget(id, await repo.seriesMembers(trx, seriesId));
        if (target) await this.carryOver(trx, await repo.unfinishedTrackedBy(trx, id), target, now, actor);
        this.ctx.logger.info({ consultation_id: id, status, carried_to: target }, `consultation ${status.toLowerCase()}`);
        return id;
      },
      (cid, trx) => this.view(trx, cid),
    );
  }

  private async bump(
    trx: Knex.Transaction,
    row: ConsultationRow,
    now: Date,
    action: string,
    reason: string,
    actor: Actor,
    status: ConsultationStatus = row.status,
  ): Promise<void> {
    const revision = row.revision + 1;
    await repo.update(trx, row.consultation_id, { status, revision, updated_at: now });
    await this.ctx.audit(trx, {
      aggregateType: "consultation",
      aggregateId: row.consultation_id,
      action,
      revision,
      actor,
      reason,
      at: now,
    });
  }

  private async carryOver(
    trx: Knex.Transaction,
    items: readonly { actionItemId: string; revision: number }[],
    to: string,
    now: Date,
    actor: Actor,
  ): Promise<void> {
    const ids = items.map((i) => i.actionItemId);
    if (ids.length === 0) return;
    await repo.carryOver(trx, ids, to, now);
    for (const item of items)
      await this.ctx.audit(trx, {
        aggregateType: "action_item",
        aggregateId: item.actionItemId,
        action: "CarryOver",
        revision: item.revision + 1,
        actor,
        reason: `carried over to consultation ${to}`,
        at: now,
      });
    this.ctx.logger.info({ consultation_id: to, items: ids.length }, "action items carried over");
  }

  private presenters(items: readonly AgendaItemInput[], path: (i: number) => string): PartyReference[] {
    return items.flatMap((a, i) =>
      a.presenterOrganisationId
        ? [{ field: `${path(i)}.presenter_organisation_id`, organisationId: a.presenterOrganisationId, mustBeActive: false }]
        : [],
    );
  }

  private attendeeParties(list: readonly AttendeeInput[]): PartyReference[] {
    return list.map((a, i) => ({ field: `attendees[${i}].organisation_id`, organisationId: a.organisationId, mustBeActive: true }));
  }

  private agendaRows(consultationId: string, from: number, items: readonly AgendaItemInput[]): AgendaItemRow[] {
    return items.map((a, i) => ({
      agenda_item_id: this.ctx.newId(),
      consultation_id: consultationId,
      position: from + i,
      topic: a.topic,
      presenter: a.presenter,
      presenter_organisation_id: a.presenterOrganisationId || null,
      duration_minutes: a.durationMinutes,
    }));
  }

  private attendeeRows(consultationId: string, from: number, list: readonly AttendeeInput[]): AttendeeRow[] {
    return list.map((a, i) => ({
      consultation_id: consultationId,
      position: from + i,
      name: a.name,
      organisation_id: a.organisationId,
      title: a.title,
    }));
  }
}
