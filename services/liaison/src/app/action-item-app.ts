import {
  CITY_JURISDICTION,
  InvalidArgumentError,
  isDistrictCode,
  NotFoundError,
  pageOf,
  readPageRequest,
  Violations,
} from "@jinlian/chassis";
import type { ReceivedEvent } from "@jinlian/chassis";
import { liaisonEvents } from "@jinlian/chassis";
import type { liaisonEventsV1 } from "@jinlian/proto";
import type { Knex } from "knex";
import {
  checkAssignment,
  decideProgress,
  decideReportedProgress,
  isOverdue,
  nodeOfSource,
  validateProgress,
  type ActionItemOrigin,
  type ActionItemState,
  type ActionItemStatus,
  type ProgressInput,
} from "../domain/action-item";
import { consultationRepository as repo, type ActionItemRow, type ProgressRow } from "../persistence/consultation-repository";
import { checkParties } from "./consultation-app";
import { actionItemStatusCodec } from "./codecs";
import { findOrganisation } from "./organisations";
import { actorFromEvent, assertId, checkExpectedRevision, checkRevision, isUuid, type Actor, type LiaisonContext } from "./support";

/** An action item with its progress reports and whether it is overdue now. */
export interface ActionItemView {
  row: ActionItemRow;
  progress: ProgressRow[];
  overdue: boolean;
}

export interface ActionItemListFilter {
  status?: ActionItemStatus;
  consultationId?: string;
  seriesId?: string;
  ownerOrganisationId?: string;
  assigneeJurisdictionCode?: string;
  overdueOnly?: boolean;
  origin?: ActionItemOrigin;
}

/** Views of action items at `now`, with their progress reports (oldest first). */
async function actionItemViews(db: Knex | Knex.Transaction, rows: readonly ActionItemRow[], now: Date): Promise<ActionItemView[]> {
  const progress = await repo.progress(
    db,
    rows.map((r) => r.action_item_id),
  );
  return rows.map((row) => ({
    row,
    progress: progress.get(row.action_item_id) ?? [],
    overdue: isOverdue({ status: row.status, dueTime: row.due_time }, now),
  }));
}

function stateOf(row: ActionItemRow): ActionItemState {
  return {
    actionItemId: row.action_item_id,
    status: row.status,
    origin: row.origin,
    assigneeJurisdictionCode: row.assignee_jurisdiction_code ?? "",
  };
}

/**
 * Use cases of action items: reading and listing them, progress updates, and the two halves of
 * cross-level tracking: a district receives what the city assigned it and reports progress,
 * the city applies those reports.
 */
export class ActionItemApp {
  constructor(private readonly ctx: LiaisonContext) {}

  async get(id: string): Promise<ActionItemView> {
    assertId(id, "action_item_id");
    return this.view(this.ctx.db, id);
  }

  async view(db: Knex | Knex.Transaction, id: string): Promise<ActionItemView> {
    const row = await repo.findActionItem(db, id);
    if (!row) throw new NotFoundError("action item", id);
    return (await this.views(db, [row]))[0]!;
  }

  /** Views of action items as they stand now. */
  views(db: Knex | Knex.Transaction, rows: readonly ActionItemRow[]): Promise<ActionItemView[]> {
    return actionItemViews(db, rows, this.ctx.now());
  }

  async updateProgress(id: string, expectedRevision: number, input: ProgressInput, actor: Actor): Promise<ActionItemView> {
    assertId(id, "action_item_id");
    const v = new Violations();
    checkExpectedRevision(v, expectedRevision);
    v.throwIfAny();
    const p = validateProgress(input);
    return this.ctx.mutation(
      `UpdateActionItemProgress:${id}`,
      actor,
      async (trx) => {
        const row = await repo.findActionItem(trx, id, true);
        if (!row) throw new NotFoundError("action item", id);
        const decision = decideProgress(stateOf(row), this.ctx.here, p);
        checkRevision("action item", id, row.revision, expectedRevision);
        const owners = p.owner
          ? await checkParties(trx, [
              {
                field: "owner.organisation_id",
                organisationId: p.owner.organisationId,
                mustBeActive: true,
                department: { field: "owner.department_id", departmentId: p.owner.departmentId },
              },
            ])
          : undefined;
        const now = this.ctx.now();
        const revision = row.revision + 1;
        await repo.updateActionItem(trx, id, {
          status: decision.status,
          ...(p.owner ? { owner_organisation_id: p.owner.organisationId, owner_department_id: p.owner.departmentId } : {}),
          revision,
          updated_at: now,
        });
        const sequence = await repo.appendProgress(trx, {
          action_item_id: id,
          status: decision.status,
          note: p.note,
          actor: actor.subject,
          request_id: actor.requestId,
          jurisdiction: this.ctx.here,
          occurred_at: now,
        });
        await this.ctx.audit(trx, {
          aggregateType: "action_item",
          aggregateId: id,
          action: "UpdateActionItemProgress",
          revision,
          actor,
          reason: p.note,
          at: now,
        });
        if (decision.reportToCity) {
          // Every report on an item assigned by the city is one so far; the count orders them there.
          const ownerId = p.owner?.organisationId ?? row.owner_organisation_id;
          const owner = ownerId ? (owners?.get(ownerId) ?? (await findOrganisation(trx, ownerId))) : undefined;
          await this.ctx.emit(
            trx,
            liaisonEvents.actionItemProgressReported,
            id,
            now,
            {
              actionItemId: id,
              reportingJurisdictionCode: this.ctx.here,
              status: actionItemStatusCodec.toProto(decision.status),
              note: p.note,
              sequence,
              owner: owner ? { creditCode: owner.creditCode, jurisdictionCode: owner.jurisdictionCode, name: owner.name } : undefined,
              audit: this.ctx.auditProto(actor, p.note, now),
            },
            [this.ctx.topicTo(CITY_JURISDICTION)],
          );
        }
        if (decision.notifyAssignee && row.assignee_jurisdiction_code)
          await this.ctx.emit(
            trx,
            liaisonEvents.actionItemCancelled,
            id,
            now,
            { actionItemId: id, assigneeJurisdictionCode: row.assignee_jurisdiction_code, audit: this.ctx.auditProto(actor, p.note, now) },
            [this.ctx.topicTo(row.assignee_jurisdiction_code)],
          );
        return id;
      },
      (aid, trx) => this.view(trx, aid),
    );
  }

  /** `v` may already hold the caller's problems with the request (e.g. unknown enums); all are reported together. */
  async list(
    filter: ActionItemListFilter,
    pageSize: number,
    pageToken: string,
    v = new Violations(),
  ): Promise<{ items: ActionItemView[]; nextPageToken: string; totalSize: number }> {
    if (filter.consultationId !== undefined && !isUuid(filter.consultationId)) v.add("filter.consultation_id", "must be a UUID");
    if (filter.seriesId !== undefined && !isUuid(filter.seriesId)) v.add("filter.series_id", "must be a UUID");
    if (filter.ownerOrganisationId !== undefined && !isUuid(filter.ownerOrganisationId))
      v.add("filter.owner_organisation_id", "must be a UUID");
    if (filter.assigneeJurisdictionCode !== undefined && !isDistrictCode(filter.assigneeJurisdictionCode))
      v.add("filter.assignee_jurisdiction_code", "must be one of the 16 district codes of Tianjin");
    const page = readPageRequest(v, filter, pageSize, pageToken);
    if (page.after && (Number.isNaN(Date.parse(page.after.key)) || !isUuid(page.after.id)))
      v.add("page.page_token", "is not a valid page token");
    v.throwIfAny();
    const db = this.ctx.db;
    const now = this.ctx.now();
    const filtered = () => {
      const q = db<ActionItemRow>("action_items");
      if (filter.status) q.where("status", filter.status);
      if (filter.consultationId) q.where("consultation_id", filter.consultationId);
      if (filter.seriesId) q.where("series_id", filter.seriesId);
      if (filter.ownerOrganisationId) q.where("owner_organisation_id", filter.ownerOrganisationId);
      if (filter.assigneeJurisdictionCode) q.where("assignee_jurisdiction_code", filter.assigneeJurisdictionCode);
      if (filter.origin) q.where("origin", filter.origin);
      if (filter.overdueOnly) q.whereIn("status", ["OPEN", "IN_PROGRESS"]).where("due_time", "<", now);
      return q;
    };
    const [{ n }] = await filtered().count<{ n: string }[]>({ n: "*" });
    const q = filtered();
    if (page.after) q.whereRaw("(due_time, action_item_id) > (?::timestamptz, ?::uuid)", [page.after.key, page.after.id]);
    const rows = (await q.orderBy(["due_time", "action_item_id"]).limit(page.size + 1)) as ActionItemRow[];
    const { items, nextPageToken } = pageOf(rows, page, (r) => ({ key: r.due_time.toISOString(), id: r.action_item_id }));
    return { items: await actionItemViews(db, items, now), nextPageToken, totalSize: Number(n) };
  }

  // ---- inbound deliveries (run inside the consumer's inbox transaction) ----

  /** At a district node: an action the city assigned to it, kept under the city's id. */
  async onAssigned(event: ReceivedEvent<liaisonEventsV1.ActionItemAssigned>, trx: Knex.Transaction): Promise<void> {
    const e = event.data;
    const from = nodeOfSource(event.source);
    checkAssignment(
      {
        actionItemId: e.actionItemId,
        assigneeJurisdictionCode: e.assigneeJurisdictionCode,
        title: e.title,
        dueTime: e.dueTime,
        consultationId: e.consultationId,
      },
      this.ctx.here,
      from,
    );
    if (await repo.findActionItem(trx, e.actionItemId)) return; // a repeat
    const now = this.ctx.now();
    await repo.insertActionItem(trx, {
      action_item_id: e.actionItemId,
      title: e.title.trim(),
      owner_organisation_id: null,
      owner_department_id: null,
      assignee_jurisdiction_code: this.ctx.here,
      due_time: e.dueTime!,
      status: "OPEN",
      origin: "ASSIGNED_BY_CITY",
      origin_jurisdiction_code: CITY_JURISDICTION,
      // Both name the city's deciding consultation; the series is the city's and is not tracked here.
      origin_consultation_id: e.consultationId,
      consultation_id: e.consultationId,
      series_id: null,
      carry_over_count: 0,
      revision: 1,
      created_at: now,
      updated_at: now,
      last_report_sequence: 0,
      overdue_alert_due_at: null,
    });
    await this.ctx.audit(trx, {
      aggregateType: "action_item",
      aggregateId: e.actionItemId,
      action: "ActionItemAssigned",
      revision: 1,
      actor: actorFromEvent(e.audit, `node:${from}`),
      reason: e.audit?.reason ?? "",
      at: now,
    });
    this.ctx.logger.info({ action_item_id: e.actionItemId, consultation_id: e.consultationId }, "action item received from the city");
  }

  /** At a district node: the city cancelled an action it assigned here; the local copy becomes final. */
  async onCancelled(event: ReceivedEvent<liaisonEventsV1.ActionItemCancelled>, trx: Knex.Transaction): Promise<void> {
    const e = event.data;
    const from = nodeOfSource(event.source);
    const row = isUuid(e.actionItemId) ? await repo.findActionItem(trx, e.actionItemId, true) : undefined;
    if (!row || row.origin !== "ASSIGNED_BY_CITY" || from !== CITY_JURISDICTION || e.assigneeJurisdictionCode !== this.ctx.here)
      throw new InvalidArgumentError(
        [{ field: "action_item_id", description: "is not an action the city assigned to this node" }],
        `unexpected cancellation ${event.id}`,
      );
    if (row.status === "CANCELLED") return; // a repeat
    const now = this.ctx.now();
    const revision = row.revision + 1;
    const reason = e.audit?.reason ?? "";
    await repo.appendProgress(trx, {
      action_item_id: row.action_item_id,
      status: "CANCELLED",
      note: reason,
      actor: e.audit?.actor ?? `node:${from}`,
      request_id: e.audit?.requestId ?? "",
      jurisdiction: from,
      occurred_at: e.audit?.occurTime ?? event.time,
    });
    await repo.updateActionItem(trx, row.action_item_id, { status: "CANCELLED", revision, updated_at: now });
    await this.ctx.audit(trx, {
      aggregateType: "action_item",
      aggregateId: row.action_item_id,
      action: "ActionItemCancelled",
      revision,
      actor: actorFromEvent(e.audit, `node:${from}`),
      reason,
      at: now,
    });
    this.ctx.logger.info({ action_item_id: row.action_item_id }, "the city cancelled an assigned action item");
  }

  /** At the city: progress a district reported on an action assigned to it, each report once and in order. */
  async onProgressReported(event: ReceivedEvent<liaisonEventsV1.ActionItemProgressReported>, trx: Knex.Transaction): Promise<void> {
    const e = event.data;
    const from = nodeOfSource(event.source);
    const row = isUuid(e.actionItemId) ? await repo.findActionItem(trx, e.actionItemId, true) : undefined;
    if (!row)
      throw new InvalidArgumentError(
        [{ field: "action_item_id", description: "is not an action item of this node" }],
        `progress on an unknown action item ${e.actionItemId}`,
      );
    if (e.reportingJurisdictionCode !== from)
      throw new InvalidArgumentError(
        [{ field: "reporting_jurisdiction_code", description: `is ${e.reportingJurisdictionCode}, but the event comes from ${from}` }],
        `inconsistent progress report ${event.id}`,
      );
    const reported = actionItemStatusCodec.fromProto(e.status);
    const decision = decideReportedProgress({ ...stateOf(row), lastReportSequence: row.last_report_sequence }, this.ctx.here, {
      from,
      sequence: e.sequence,
      status: reported,
    });
    if (!decision.apply) return;
    const now = this.ctx.now();
    const revision = row.revision + 1;
    await repo.appendProgress(trx, {
      action_item_id: row.action_item_id,
      status: reported!,
      note: e.note,
      actor: e.audit?.actor ?? `node:${from}`,
      request_id: e.audit?.requestId ?? "",
      jurisdiction: from,
      occurred_at: e.audit?.occurTime ?? event.time,
    });
    await repo.updateActionItem(trx, row.action_item_id, {
      status: decision.status,
      last_report_sequence: e.sequence,
      revision,
      updated_at: now,
    });
    await this.ctx.audit(trx, {
      aggregateType: "action_item",
      aggregateId: row.action_item_id,
      action: "ActionItemProgressReported",
      revision,
      actor: actorFromEvent(e.audit, `node:${from}`),
      reason: e.note,
      at: now,
    });
    this.ctx.logger.info(
      { action_item_id: row.action_item_id, from, sequence: e.sequence, status: reported },
      "district reported progress",
    );
  }
}
