/**
 * Action items: what a consultation decided is to be done, by whom and by when, and the progress
 * reported on it. A municipal decision may assign an action to a district node: the district
 * owns and reports, the city (the deciding node) alone may cancel. Pure rules: no I/O.
 */
import { CITY_JURISDICTION, FailedPreconditionError, InvalidArgumentError, isDistrictCode, isUuid, Violations } from "@jinlian/chassis";

export type ActionItemStatus = "OPEN" | "IN_PROGRESS" | "DONE" | "CANCELLED";
export type ActionItemOrigin = "LOCAL" | "ASSIGNED_BY_CITY";

export const ACTION_ITEM_LIMITS = Object.freeze({ noteChars: 2_000, titleChars: 200 });

const UNFINISHED: readonly ActionItemStatus[] = ["OPEN", "IN_PROGRESS"];
const REPORTABLE: readonly ActionItemStatus[] = ["IN_PROGRESS", "DONE", "CANCELLED"];
export function isUnfinished(status: ActionItemStatus): boolean {
  return UNFINISHED.includes(status);
}

/** Past due and neither done nor cancelled. */
export function isOverdue(item: { status: ActionItemStatus; dueTime: Date }, now: Date): boolean {
  return isUnfinished(item.status) && item.dueTime.getTime() < now.getTime();
}

/**
 * Whether an overdue alert is still to be raised: the item is overdue and no alert was raised
 * for its current due date. One alert per item and due date.
 */
export function overdueAlertDue(item: { status: ActionItemStatus; dueTime: Date; alertedDueTime: Date | null }, now: Date): boolean {
  return isOverdue(item, now) && item.alertedDueTime?.getTime() !== item.dueTime.getTime();
}

/** The parts of an action item that progress decisions depend on. */
export interface ActionItemState {
  actionItemId: string;
  status: ActionItemStatus;
  origin: ActionItemOrigin;
  /** The district node it was assigned to (at the city), or this node (at the district); "" if owned locally. */
  assigneeJurisdictionCode: string;
}

export interface ProgressInput {
  status: ActionItemStatus | undefined;
  note: string;
  owner: { organisationId: string; departmentId: string } | undefined;
}

export type ValidProgress = ProgressInput & { status: ActionItemStatus };

/** The request's own rules: a status to move to and a note saying what was done. */
export function validateProgress(p: ProgressInput): ValidProgress {
  const v = new Violations();
  if (!p.status || !REPORTABLE.includes(p.status)) v.add("status", `must be one of ${REPORTABLE.join(", ")}`);
  const note = p.note.trim();
  if (note.length === 0) v.add("note", "is required");
  else if ([...note].length > ACTION_ITEM_LIMITS.noteChars) v.add("note", `must be at most ${ACTION_ITEM_LIMITS.noteChars} characters`);
  let owner = p.owner;
  if (owner) {
    owner = { organisationId: owner.organisationId.trim(), departmentId: owner.departmentId.trim() };
    if (!isUuid(owner.organisationId)) v.add("owner.organisation_id", owner.organisationId ? "must be a UUID" : "is required");
    if (!isUuid(owner.departmentId)) v.add("owner.department_id", owner.departmentId ? "must be a UUID" : "is required");
  }
  v.throwIfAny();
  return { status: p.status!, note, owner };
}

function refuse(item: ActionItemState, type: string, description: string): never {
  throw new FailedPreconditionError([{ type, subject: `action_item/${item.actionItemId}`, description }]);
}

export interface ProgressDecision {
  /** The status after the update. */
  status: ActionItemStatus;
  /** At a district, progress on an item the city assigned goes back up to the city. */
  reportToCity: boolean;
  /** At the city, cancelling an item assigned to a district is sent down to that district. */
  notifyAssignee: boolean;
}

/**
 * Who may move an action item where, at the node `here`:
 * - done and cancelled items are final;
 * - an item owned here: any of IN_PROGRESS, DONE, CANCELLED;
 * - at a district, an item assigned by the city: progress (and an owner) but no cancelling, which
 *   is the deciding node's call; each update is reported back up;
 * - at the city, an item assigned to a district: only cancelling, since progress comes from the
 *   district.
 */
export function decideProgress(item: ActionItemState, here: string, p: ValidProgress): ProgressDecision {
  if (!isUnfinished(item.status)) refuse(item, "STATE", `the action item is ${item.status === "DONE" ? "done" : "cancelled"}; it is final`);
  if (item.origin === "ASSIGNED_BY_CITY") {
    if (p.status === "CANCELLED") refuse(item, "NOT_DECIDING_NODE", "only the municipal node that assigned this action can cancel it");
    return { status: p.status, reportToCity: here !== CITY_JURISDICTION, notifyAssignee: false };
  }
  if (p.owner) new Violations().add("owner", "is designated only at the district node for an action assigned by the city").throwIfAny();
  if (item.assigneeJurisdictionCode && p.status !== "CANCELLED")
    refuse(
      item,
      "ASSIGNED_ELSEWHERE",
      `the action is assigned to district ${item.assigneeJurisdictionCode}, which reports its progress; here it can only be cancelled`,
    );
  return { status: p.status, reportToCity: false, notifyAssignee: item.assigneeJurisdictionCode !== "" };
}

/** What the deciding node needs to know of an assignment, checked before it is recorded. */
export interface Assignment {
  actionItemId: string;
  assigneeJurisdictionCode: string;
  title: string;
  dueTime: Date | undefined;
  consultationId: string;
}

/** An assignment received at a district node must be well formed and addressed to it. */
export function checkAssignment(a: Assignment, here: string, source: string): void {
  const v = new Violations();
  if (source !== CITY_JURISDICTION) v.add("source", `assignments come from the municipal node, not ${source}`);
  if (!isUuid(a.actionItemId)) v.add("action_item_id", "must be a UUID");
  if (a.assigneeJurisdictionCode !== here) v.add("assignee_jurisdiction_code", `is ${a.assigneeJurisdictionCode}, not this node ${here}`);
  if (a.title.trim().length === 0) v.add("title", "is required");
  if (!a.dueTime) v.add("due_time", "is required");
  if (!isUuid(a.consultationId)) v.add("consultation_id", "must be a UUID");
  if (!v.isEmpty)
    throw new InvalidArgumentError(v.all, `malformed action assignment: ${v.all.map((x) => `${x.field} ${x.description}`).join("; ")}`);
}

export interface ReportedProgress {
  /** The node that reported (from the event's source). */
  from: string;
  sequence: number;
  status: ActionItemStatus | undefined;
}

export interface ReportDecision {
  apply: boolean;
  /** The status after the report: the reported one, unless the city already cancelled the item. */
  status: ActionItemStatus;
}

/**
 * A progress report from a district, at the city: only the district the item was assigned to
 * may report, only progress (not cancelling), and each report once, in order: a repeat or a
 * report older than the last one applied changes nothing.
 */
export function decideReportedProgress(
  item: ActionItemState & { lastReportSequence: number },
  here: string,
  r: ReportedProgress,
): ReportDecision {
  const v = new Violations();
  if (here !== CITY_JURISDICTION || item.origin !== "LOCAL" || !isDistrictCode(item.assigneeJurisdictionCode))
    v.add("action_item_id", "is not an action this node assigned to a district");
  else if (r.from !== item.assigneeJurisdictionCode)
    v.add("reporting_jurisdiction_code", `the action is assigned to ${item.assigneeJurisdictionCode}, not ${r.from}`);
  if (!r.status || (r.status !== "IN_PROGRESS" && r.status !== "DONE")) v.add("status", "must be IN_PROGRESS or DONE");
  if (!Number.isInteger(r.sequence) || r.sequence < 1) v.add("sequence", "must be a positive number");
  if (!v.isEmpty)
    throw new InvalidArgumentError(v.all, `unexpected progress report: ${v.all.map((x) => `${x.field} ${x.description}`).join("; ")}`);
  if (r.sequence <= item.lastReportSequence) return { apply: false, status: item.status };
  return { apply: true, status: item.status === "CANCELLED" ? "CANCELLED" : r.status! };
}

/** The node an event comes from: its source is `/jinlian/<node>/<service>`. */
export function nodeOfSource(source: string): string {
  return source.split("/")[2] ?? "";
}
