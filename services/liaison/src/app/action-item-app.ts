import { isDistrictCode } from "@jinlian/kernel";
import {
  type Actor,
  assertUuid,
  type Attribution,
  attributionFromEvent,
  checkExpectedRevision,
  InvalidArgumentError,
  isUuid,
  NotFoundError,
  parseEventSource,
  readPageRequest,
  type ReceivedEvent,
  type ServiceKit,
  timeCursor,
  validateExpectedRevision,
  Violations,
} from "@jinlian/chassis";
import type { liaisonEventsV1 } from "@jinlian/proto";
import type { Knex } from "knex";
import {
  decideAssigned,
  decideCancelledByCity,
  decideExtendDueDate,
  decideExtensionReceived,
  decideProgress,
  decideRaised,
  decideRaiseDirectly,
  decideReportedProgress,
  isOverdue,
  validateDirectRaise,
  validateExtension,
  validateProgress,
  type ActionItem,
  type ActionItemListFilter,
  type DirectRaiseInput,
  type ExtensionInput,
  type InboundContext,
  type ProgressInput,
} from "../domain/action-item";
import { actionItemStatusCodec } from "../domain/action-item-events";
import type { Parties } from "../domain/consultation-parties";
import { actionItemStore, consultationRepository as repo } from "../persistence/consultation-repository";
import { findOrganisations, resolveOrganisationNames } from "./organisations";

/** An action item, whether it is overdue now, and the organisations it names (for references in responses). */
export interface ActionItemView {
  item: ActionItem;
  overdue: boolean;
  names: Parties;
}

/** Views of action items at `now`. */
export function actionItemViews(items: readonly ActionItem[], now: Date, names: Parties = new Map()): ActionItemView[] {
  return items.map((item) => ({ item, overdue: isOverdue(item, now), names }));
}

/** The registry ids of an item's owners (lead and joint) at this node. */
export function ownerIdsOf(item: ActionItem): string[] {
  return [...(item.owner ? [item.owner.organisationId] : []), ...item.jointOwners.map((o) => o.organisationId)];
}

/** Credit codes a progress update names organisations by, beside their ids. */
export interface ProgressCreditCodes {
  owner: string;
  jointOwners: readonly string[];
  reporting: string;
}

/**
 * Use cases of action items: reading and listing them, progress updates, and the two halves of
 * cross-level tracking: a district receives what the city assigned it and reports progress,
 * the city applies those reports.
 */
export class ActionItemApp {
  constructor(private readonly kit: ServiceKit) {}

  async get(id: string): Promise<ActionItemView> {
    assertUuid(id, "action_item_id");
    return this.kit.snapshot((s) => this.view(s, id));
  }

  private async view(db: Knex | Knex.Transaction, id: string): Promise<ActionItemView> {
    const item = await repo.loadActionItem(db, id);
    if (!item) throw new NotFoundError("action item", id);
    return this.viewOf(db, item);
  }

  /** The view of an item as loaded or as a change saved it: only its owners' names are read. */
  private async viewOf(db: Knex | Knex.Transaction, item: ActionItem): Promise<ActionItemView> {
    return actionItemViews([item], this.kit.now(), await findOrganisations(db, ownerIdsOf(item)))[0]!;
  }

  async updateProgress(
    id: string,
    expectedRevision: number,
    input: ProgressInput,
    actor: Actor,
    codes: ProgressCreditCodes = { owner: "", jointOwners: [], reporting: "" },
  ): Promise<ActionItemView> {
    assertUuid(id, "action_item_id");
    const v = new Violations();
    validateExpectedRevision(v, expectedRevision);
    v.throwIfAny();
    // Organisations named by credit code become registry ids first (either names one; both must agree).
    const joint = input.jointOwners ?? [];
    const ids = await resolveOrganisationNames(this.kit.db, v, [
      {
        idField: "owner.organisation_id",
        creditCodeField: "owner.credit_code",
        organisationId: input.owner?.organisationId ?? "",
        creditCode: input.owner ? codes.owner : "",
      },
      {
        idField: "reporting_organisation_id",
        creditCodeField: "reporting_credit_code",
        organisationId: input.reportingOrganisationId ?? "",
        creditCode: codes.reporting,
      },
      ...joint.map((o, i) => ({
        idField: `joint_owners[${i}].organisation_id`,
        creditCodeField: `joint_owners[${i}].credit_code`,
        organisationId: o.organisationId,
        creditCode: codes.jointOwners[i] ?? "",
      })),
    ]);
    v.throwIfAny();
    const p = validateProgress({
      ...input,
      owner: input.owner ? { ...input.owner, organisationId: ids[0]! } : undefined,
      reportingOrganisationId: ids[1]!,
      jointOwners: joint.map((o, i) => ({ ...o, organisationId: ids[2 + i]! })),
    });
    return this.kit.change(
      `UpdateActionItemProgress:${id}`,
      actor,
      id,
      async (trx) => {
        const before = await repo.loadActionItem(trx, id, true);
        if (!before) throw new NotFoundError("action item", id);
        // A stale revision is refused (ABORTED) before any rule: the caller must re-read first.
        checkExpectedRevision(actionItemStore.type, id, before.revision, expectedRevision);
        // The owners designated now (locked against a concurrent deactivation), the current ones, the reporter.
        const parties = await findOrganisations(
          trx,
          [
            ...(p.owner ? [p.owner.organisationId] : []),
            ...(p.jointOwners ?? []).map((o) => o.organisationId),
            ...ownerIdsOf(before),
            ...(p.reportingOrganisationId ? [p.reportingOrganisationId] : []),
          ],
          true,
        );
        const now = this.kit.now();
        const decision = decideProgress(before, p, parties, {
          here: this.kit.here,
          now,
          audit: this.kit.auditMetadata({ actor, reason: p.note }, now),
        });
        return this.viewOf(
          trx,
          await this.kit.apply(trx, actionItemStore, before, decision, { actor, reason: p.note }, expectedRevision, now),
        );
      },
      (aid, trx) => this.view(trx, aid),
    );
  }

  /** ExtendActionItemDueDate (申请延期): at the deciding node; the node holding the item follows. */
  async extendDueDate(id: string, expectedRevision: number, input: ExtensionInput, actor: Actor): Promise<ActionItemView> {
    assertUuid(id, "action_item_id");
    const v = new Violations();
    validateExpectedRevision(v, expectedRevision);
    v.throwIfAny();
    const e = validateExtension(input);
    return this.kit.change(
      `ExtendActionItemDueDate:${id}`,
      actor,
      id,
      async (trx) => {
        // Locked: the overdue scanner skips the row meanwhile and then sees the new date.
        const before = await repo.loadActionItem(trx, id, true);
        if (!before) throw new NotFoundError("action item", id);
        checkExpectedRevision(actionItemStore.type, id, before.revision, expectedRevision);
        const now = this.kit.now();
        const decision = decideExtendDueDate(before, e, {
          here: this.kit.here,
          now,
          audit: this.kit.auditMetadata({ actor, reason: e.reason }, now),
        });
        const after = await this.kit.apply(trx, actionItemStore, before, decision, { actor, reason: e.reason }, expectedRevision, now);
        this.kit.logger.info({ action_item_id: id, due_time: e.dueTime.toISOString() }, "action item due date extended");
        return this.viewOf(trx, after);
      },
      (aid, trx) => this.view(trx, aid),
    );
  }

  /**
   * RaiseActionItem: a district raises an action to the city outside a consultation (提请市级). The
   * item is held by the city, which reports on it; this node extends or cancels it, as for an
   * ACTION outcome raised to the city.
   */
  async raise(input: DirectRaiseInput, actor: Actor): Promise<ActionItemView> {
    const r = validateDirectRaise(input, this.kit.now());
    const actionItemId = this.kit.newId();
    return this.kit.creation(
      "RaiseActionItem",
      actor,
      actionItemId,
      async (trx) => {
        const now = this.kit.now();
        const decision = decideRaiseDirectly(r, {
          here: this.kit.here,
          now,
          audit: this.kit.auditMetadata({ actor, reason: r.reason }, now),
          actionItemId,
        });
        const created = await this.kit.apply(trx, actionItemStore, undefined, decision, { actor, reason: r.reason }, 0, now);
        this.kit.logger.info({ action_item_id: created.actionItemId }, "action item raised to the city");
        return this.viewOf(trx, created);
      },
      (aid, trx) => this.view(trx, aid),
    );
  }

  /** `v` may already hold the caller's problems with the request (e.g. unknown enums); all are reported together. */
  async list(
    filter: ActionItemListFilter & { ownerCreditCode?: string },
    pageSize: number,
    pageToken: string,
    v = new Violations(),
  ): Promise<{ items: ActionItemView[]; nextPageToken: string; totalSize: number }> {
    if (filter.ownerCreditCode !== undefined) {
      const { ownerCreditCode, ...rest } = filter;
      const [id] = await resolveOrganisationNames(this.kit.db, v, [
        {
          idField: "filter.owner_organisation_id",
          creditCodeField: "filter.owner_credit_code",
          organisationId: rest.ownerOrganisationId ?? "",
          creditCode: ownerCreditCode,
        },
      ]);
      filter = { ...rest, ...(id ? { ownerOrganisationId: id } : {}) };
    }
    if (filter.originConsultationId !== undefined && !isUuid(filter.originConsultationId))
      v.add("filter.origin_consultation_id", "must be a UUID");
    if (filter.consultationId !== undefined && !isUuid(filter.consultationId)) v.add("filter.consultation_id", "must be a UUID");
    if (filter.seriesId !== undefined && !isUuid(filter.seriesId)) v.add("filter.series_id", "must be a UUID");
    if (filter.ownerOrganisationId !== undefined && !isUuid(filter.ownerOrganisationId))
      v.add("filter.owner_organisation_id", "must be a UUID");
    if (filter.assigneeJurisdictionCode !== undefined && !isDistrictCode(filter.assigneeJurisdictionCode))
      v.add("filter.assignee_jurisdiction_code", "must be one of the 16 district codes of Tianjin");
    const page = readPageRequest(v, filter, pageSize, pageToken, timeCursor);
    v.throwIfAny();
    const now = this.kit.now();
    // The page and its owners' names in one snapshot.
    return this.kit.snapshot(async (s) => {
      const r = await repo.listActionItems(s, filter, page, now);
      return { ...r, items: actionItemViews(r.items, now, await findOrganisations(s, r.items.flatMap(ownerIdsOf))) };
    });
  }

  // ---- inbound deliveries (run inside the consumer's inbox transaction) ----

  /** Who recorded a change at the sending node, as the audit trail and progress reports keep it. */
  private inbound(event: ReceivedEvent<{ audit?: liaisonEventsV1.ActionItemAssigned["audit"] }>): InboundContext & { by: Attribution } {
    const from = parseEventSource(event.source)?.node ?? "";
    const a = event.data.audit;
    return {
      here: this.kit.here,
      from,
      now: this.kit.now(),
      recorded: { actor: a?.actor ?? `node:${from}`, requestId: a?.requestId ?? "", jurisdiction: from, at: a?.occurTime ?? event.time },
      by: attributionFromEvent(a, from),
    };
  }

  /** At a district node: an action the city assigned to it, kept under the city's id. */
  async onAssigned(event: ReceivedEvent<liaisonEventsV1.ActionItemAssigned>, trx: Knex.Transaction): Promise<void> {
    const e = event.data;
    const ctx = this.inbound(event);
    const existing = isUuid(e.actionItemId) ? await repo.loadActionItem(trx, e.actionItemId) : undefined;
    const decision = decideAssigned(existing, e, ctx);
    if (!decision) return; // a repeat
    await this.kit.apply(trx, actionItemStore, undefined, decision, ctx.by, 0, ctx.now);
    this.kit.logger.info({ action_item_id: e.actionItemId, consultation_id: e.consultationId }, "action item received from the city");
  }

  /** At the city: an action a district raised to it, kept under the district's id. */
  async onRaised(event: ReceivedEvent<liaisonEventsV1.ActionItemRaised>, trx: Knex.Transaction): Promise<void> {
    const e = event.data;
    const ctx = this.inbound(event);
    const existing = isUuid(e.actionItemId) ? await repo.loadActionItem(trx, e.actionItemId) : undefined;
    const decision = decideRaised(existing, e, ctx);
    if (!decision) return; // a repeat
    await this.kit.apply(trx, actionItemStore, undefined, decision, ctx.by, 0, ctx.now);
    this.kit.logger.info({ action_item_id: e.actionItemId, from: ctx.from }, "action item raised by a district");
  }

  /** At the node holding an item decided elsewhere: the deciding node extended its due date. */
  async onDueDateExtended(event: ReceivedEvent<liaisonEventsV1.ActionItemDueDateExtended>, trx: Knex.Transaction): Promise<void> {
    const e = event.data;
    const ctx = this.inbound(event);
    const before = isUuid(e.actionItemId) ? await repo.loadActionItem(trx, e.actionItemId, true) : undefined;
    const decision = decideExtensionReceived(
      before,
      {
        assigneeJurisdictionCode: e.assigneeJurisdictionCode,
        previousDueTime: e.previousDueTime,
        dueTime: e.dueTime,
        sequence: e.sequence,
        reason: e.audit?.reason ?? "",
        eventId: event.id,
      },
      ctx,
    );
    if (!decision) return; // a repeat, or older than the last extension applied
    await this.kit.apply(trx, actionItemStore, before, decision, ctx.by, 0, ctx.now);
    this.kit.logger.info({ action_item_id: e.actionItemId, due_time: e.dueTime?.toISOString() }, "due date extended by the deciding node");
  }

  /** At the node holding an item decided elsewhere: the deciding node cancelled it; the local copy becomes final. */
  async onCancelled(event: ReceivedEvent<liaisonEventsV1.ActionItemCancelled>, trx: Knex.Transaction): Promise<void> {
    const e = event.data;
    const ctx = this.inbound(event);
    const before = isUuid(e.actionItemId) ? await repo.loadActionItem(trx, e.actionItemId, true) : undefined;
    const reason = e.audit?.reason ?? "";
    const decision = decideCancelledByCity(
      before,
      { assigneeJurisdictionCode: e.assigneeJurisdictionCode, reason, eventId: event.id },
      ctx,
    );
    if (!decision) return; // a repeat
    await this.kit.apply(trx, actionItemStore, before, decision, ctx.by, 0, ctx.now);
    this.kit.logger.info({ action_item_id: e.actionItemId }, "the city cancelled an assigned action item");
  }

  /** At the deciding node: progress the node holding an action reported on it, each report once and in order. */
  async onProgressReported(event: ReceivedEvent<liaisonEventsV1.ActionItemProgressReported>, trx: Knex.Transaction): Promise<void> {
    const e = event.data;
    const ctx = this.inbound(event);
    const before = isUuid(e.actionItemId) ? await repo.loadActionItem(trx, e.actionItemId, true) : undefined;
    if (!before)
      throw new InvalidArgumentError(
        [{ field: "action_item_id", description: "is not an action item of this node" }],
        `progress on an unknown action item ${e.actionItemId}`,
      );
    // The chassis has already refused a report whose reporting_jurisdiction_code is not its sender (reportsFor).
    const status = actionItemStatusCodec.fromProto(e.status);
    const decision = decideReportedProgress(
      before,
      { from: ctx.from, sequence: e.sequence, status, note: e.note, reportedBy: e.reportedBy },
      ctx,
    );
    if (!decision) return; // a repeat, or older than the last report applied
    await this.kit.apply(trx, actionItemStore, before, decision, { actor: ctx.by.actor, reason: e.note }, 0, ctx.now);
    this.kit.logger.info({ action_item_id: e.actionItemId, from: ctx.from, sequence: e.sequence, status }, "district reported progress");
  }
}
