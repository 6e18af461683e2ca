/**
 * The published language of action items: the events a decision emits, built from domain state,
 * with their destinations. Assignments go down to the district and raised actions up to the city;
 * progress reports go back to the deciding node, cancellations and due-date extensions to the
 * node holding the item; overdue alerts stay on this node's alerts stream.
 */
import { CITY_JURISDICTION } from "@jinlian/kernel";
import { emit, enumCodec, liaisonEvents, toLocal, toNode, type AuditMetadata, type EventToEmit } from "@jinlian/chassis";
import { liaisonEventsV1, liaisonV1 } from "@jinlian/proto";
import type { ActionItem, ActionItemStatus } from "./action-item";
import type { ConsultationKind } from "./consultation";
import type { PartyRecord } from "./consultation-parties";

// The contract's enums the events embed (the gRPC mapping uses the same codecs).
export const actionItemStatusCodec = enumCodec(liaisonV1.ActionItemStatus, "ACTION_ITEM_STATUS_", [
  "OPEN",
  "IN_PROGRESS",
  "DONE",
  "CANCELLED",
] as const satisfies readonly ActionItemStatus[]);
export const consultationKindCodec = enumCodec(liaisonV1.ConsultationKind, "CONSULTATION_KIND_", [
  "HIGH_LEVEL",
  "WORKING",
] as const satisfies readonly ConsultationKind[]);

/** The consultation an assignment comes from, as the district sees it. */
export interface DecidingConsultation {
  readonly consultationId: string;
  readonly title: string;
  readonly kind: ConsultationKind;
  /** The decision text of the outcome. */
  readonly outcomeText: string;
}

/** The district node receives the action under the same id and reports progress back. */
export function assignedEvent(item: ActionItem, from: DecidingConsultation, audit: AuditMetadata): EventToEmit {
  const data: liaisonEventsV1.ActionItemAssigned = {
    actionItemId: item.actionItemId,
    assigneeJurisdictionCode: item.assigneeJurisdictionCode,
    title: item.title,
    dueTime: item.dueTime,
    consultationId: from.consultationId,
    consultationTitle: from.title,
    consultationKind: consultationKindCodec.toProto(from.kind),
    outcomeText: from.outcomeText,
    audit,
  };
  return emit(liaisonEvents.actionItemAssigned, item.actionItemId, data, [toNode(item.assigneeJurisdictionCode)]);
}

/** A district's decision raised to the city, which tracks it under the same id and reports progress back. */
/** `from` undefined: raised directly (RaiseActionItem); the consultation fields stay empty and the audit reason says why. */
export function raisedEvent(item: ActionItem, from: DecidingConsultation | undefined, audit: AuditMetadata): EventToEmit {
  const data: liaisonEventsV1.ActionItemRaised = {
    actionItemId: item.actionItemId,
    raisingJurisdictionCode: item.originJurisdictionCode,
    title: item.title,
    dueTime: item.dueTime,
    consultationId: from?.consultationId ?? "",
    consultationTitle: from?.title ?? "",
    consultationKind: from ? consultationKindCodec.toProto(from.kind) : 0,
    outcomeText: from?.outcomeText ?? "",
    audit,
  };
  return emit(liaisonEvents.actionItemRaised, item.actionItemId, data, [toNode(CITY_JURISDICTION)]);
}

const refOf = (o: PartyRecord) => ({ creditCode: o.creditCode, jurisdictionCode: o.jurisdictionCode, name: o.name });

/**
 * The latest report on an item decided elsewhere, back to the deciding node. Every report on such
 * an item is one so far, so its position numbers it; the decider applies each once and in order.
 */
export function progressReportedEvent(
  item: ActionItem,
  owner: PartyRecord | undefined,
  jointOwners: readonly PartyRecord[],
  audit: AuditMetadata,
): EventToEmit {
  const latest = item.progress[item.progress.length - 1]!;
  const data: liaisonEventsV1.ActionItemProgressReported = {
    actionItemId: item.actionItemId,
    reportingJurisdictionCode: audit.jurisdictionCode,
    status: actionItemStatusCodec.toProto(latest.status),
    note: latest.note,
    sequence: item.progress.length,
    owner: owner ? refOf(owner) : undefined,
    audit,
    reportedBy: latest.reportedBy,
    jointOwners: jointOwners.map(refOf),
  };
  return emit(liaisonEvents.actionItemProgressReported, item.actionItemId, data, [toNode(item.originJurisdictionCode)]);
}

/** The deciding node extended the due date: the node holding the item follows, each extension once. */
export function dueDateExtendedEvent(item: ActionItem, audit: AuditMetadata): EventToEmit {
  const latest = item.extensions[item.extensions.length - 1]!;
  const data: liaisonEventsV1.ActionItemDueDateExtended = {
    actionItemId: item.actionItemId,
    assigneeJurisdictionCode: item.assigneeJurisdictionCode,
    previousDueTime: latest.previousDueTime,
    dueTime: latest.dueTime,
    sequence: item.extensions.length,
    audit,
  };
  return emit(liaisonEvents.actionItemDueDateExtended, item.actionItemId, data, [toNode(item.assigneeJurisdictionCode)]);
}

/** The deciding node cancelled an item held elsewhere: that node's copy becomes final too. */
export function cancelledEvent(item: ActionItem, audit: AuditMetadata): EventToEmit {
  const data: liaisonEventsV1.ActionItemCancelled = {
    actionItemId: item.actionItemId,
    assigneeJurisdictionCode: item.assigneeJurisdictionCode,
    audit,
  };
  return emit(liaisonEvents.actionItemCancelled, item.actionItemId, data, [toNode(item.assigneeJurisdictionCode)]);
}

/** What an overdue alert says about an item. */
export type OverdueItem = Pick<
  ActionItem,
  | "actionItemId"
  | "title"
  | "dueTime"
  | "status"
  | "owner"
  | "jointOwners"
  | "assigneeJurisdictionCode"
  | "consultationId"
  | "originJurisdictionCode"
>;

/** An unfinished item past its due date, on this node's alerts stream (raised once per due date). */
export function overdueEvent(item: OverdueItem, detectedAt: Date): EventToEmit {
  const data: liaisonEventsV1.ActionItemOverdue = {
    actionItemId: item.actionItemId,
    title: item.title,
    dueTime: item.dueTime,
    status: actionItemStatusCodec.toProto(item.status),
    owner: item.owner?.departmentId
      ? { organisationId: item.owner.organisationId, departmentId: item.owner.departmentId, creditCode: "", organisation: undefined }
      : undefined,
    assigneeJurisdictionCode: item.assigneeJurisdictionCode,
    consultationId: item.consultationId,
    originJurisdictionCode: item.originJurisdictionCode,
    detectTime: detectedAt,
    jointOwners: item.jointOwners.map((o) => ({
      organisationId: o.organisationId,
      departmentId: o.departmentId,
      creditCode: "",
      organisation: undefined,
    })),
  };
  return emit(liaisonEvents.actionItemOverdue, item.actionItemId, data, [toLocal("alerts")]);
}
