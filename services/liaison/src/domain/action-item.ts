/**
 * Action items: what a consultation decided is to be done, by whom (an owner and joint owners)
 * and by when, the progress reported on it and extensions of its due date. A decision may hand an
 * action to another node: the city assigns it to a district, a district raises it to the city.
 * The node holding it owns and reports; the deciding node alone cancels and extends. Pure rules:
 * no I/O.
 */
import { CITY_JURISDICTION, isDistrictCode } from "@jinlian/kernel";
import {
  FailedPreconditionError,
  InvalidArgumentError,
  isUuid,
  uuidField,
  Violations,
  type AuditMetadata,
  type Decision,
  type EventToEmit,
} from "@jinlian/chassis";
import { cancelledEvent, dueDateExtendedEvent, progressReportedEvent, raisedEvent } from "./action-item-events";
import { checkParties, type Parties, type PartyRecord } from "./consultation-parties";

export type ActionItemStatus = "OPEN" | "IN_PROGRESS" | "DONE" | "CANCELLED";
export type ActionItemOrigin = "LOCAL" | "ASSIGNED_BY_CITY" | "RAISED_BY_DISTRICT";

export const ACTION_ITEM_LIMITS = Object.freeze({ noteChars: 2_000, titleChars: 200, reasonChars: 500, jointOwners: 10 });

/** Origins of items held here but decided at another node (which alone cancels and extends them). */
const RECEIVED: readonly ActionItemOrigin[] = ["ASSIGNED_BY_CITY", "RAISED_BY_DISTRICT"];
export function isReceived(origin: ActionItemOrigin): boolean {
  return RECEIVED.includes(origin);
}

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

/** Who recorded a progress report (or an outcome), at which node and when. */
export interface Recorded {
  readonly actor: string;
  readonly requestId: string;
  readonly jurisdiction: string;
  readonly at: Date;
}

/** An organisation as another node knows it: credit code (identity), jurisdiction, name. */
export interface OrganisationRef {
  readonly creditCode: string;
  readonly jurisdictionCode: string;
  readonly name: string;
}

export interface ProgressReport {
  readonly status: ActionItemStatus;
  readonly note: string;
  readonly recorded: Recorded;
  /** The owning organisation that reported, when the report names one. */
  readonly reportedBy?: OrganisationRef;
}

export interface ActionOwner {
  readonly organisationId: string;
  readonly departmentId: string;
}

/** One extension of the due date, made at the deciding node. */
export interface DueDateExtension {
  readonly previousDueTime: Date;
  readonly dueTime: Date;
  readonly reason: string;
  readonly recorded: Recorded;
}

/** An action item, the aggregate, with its progress reports (oldest first). */
export interface ActionItem {
  readonly actionItemId: string;
  readonly title: string;
  readonly owner?: ActionOwner;
  /** Further owning organisations beside owner (共同负责); any owner may report progress. */
  readonly jointOwners: readonly ActionOwner[];
  /** The node holding it: the district it was assigned to, the city it was raised to, or this node for received items; "" if owned locally. */
  readonly assigneeJurisdictionCode: string;
  readonly dueTime: Date;
  readonly status: ActionItemStatus;
  readonly origin: ActionItemOrigin;
  readonly originJurisdictionCode: string;
  /** The consultation that decided it. */
  readonly originConsultationId: string;
  /** The consultation tracking it now (it moves along the series with carry-over). */
  readonly consultationId: string;
  /** "" for items assigned by the city: the series is the city's and is not tracked here. */
  readonly seriesId: string;
  readonly carryOverCount: number;
  readonly revision: number;
  readonly createTime: Date;
  readonly updateTime: Date;
  /** At the city: the last district report applied, so a repeat or a stale one changes nothing. */
  readonly lastReportSequence: number;
  readonly progress: readonly ProgressReport[];
  /** Due-date extensions, oldest first; their count numbers them across nodes. */
  readonly extensions: readonly DueDateExtension[];
}

/** The parts of an action item that the progress rule depends on. */
export type ActionItemState = Pick<ActionItem, "actionItemId" | "status" | "origin" | "assigneeJurisdictionCode">;

export interface ActionItemListFilter {
  status?: ActionItemStatus;
  consultationId?: string;
  seriesId?: string;
  ownerOrganisationId?: string;
  assigneeJurisdictionCode?: string;
  overdueOnly?: boolean;
  origin?: ActionItemOrigin;
  /** Due strictly before. */
  dueBefore?: Date;
  originConsultationId?: string;
}

/** What a change made here knows besides the item and the command. */
export interface ActionItemContext {
  readonly here: string;
  readonly now: Date;
  /** Who, why and when, as events carry it. */
  readonly audit: AuditMetadata;
}

export interface ProgressInput {
  status: ActionItemStatus | undefined;
  note: string;
  owner: { organisationId: string; departmentId: string } | undefined;
  /** Designated joint owners (replacing earlier ones); undefined or empty keeps them. */
  jointOwners?: readonly { organisationId: string; departmentId: string }[];
  /** The owning organisation reporting; "" when the report names none. */
  reportingOrganisationId?: string;
}

export type ValidProgress = ProgressInput & { status: ActionItemStatus };

/**
 * Joint owners beside a lead owner: each well formed, at most the limit, no organisation twice
 * and none the lead owner itself. `path` names the list, e.g. "action.joint_owners".
 */
export function validateJointOwners(
  v: Violations,
  path: string,
  list: readonly ActionOwner[],
  lead: ActionOwner | undefined,
): ActionOwner[] {
  if (list.length > ACTION_ITEM_LIMITS.jointOwners) {
    v.add(path, `at most ${ACTION_ITEM_LIMITS.jointOwners} joint owners`);
    return [];
  }
  const seen = new Set<string>(lead ? [lead.organisationId.trim().toLowerCase()] : []);
  return list.map((o, i) => {
    const owner = { organisationId: o.organisationId.trim(), departmentId: o.departmentId.trim() };
    uuidField(v, `${path}[${i}].organisation_id`, owner.organisationId);
    uuidField(v, `${path}[${i}].department_id`, owner.departmentId);
    const key = owner.organisationId.toLowerCase();
    if (seen.has(key)) v.add(`${path}[${i}].organisation_id`, "is already an owner of this action");
    seen.add(key);
    return owner;
  });
}

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
    uuidField(v, "owner.organisation_id", owner.organisationId);
    uuidField(v, "owner.department_id", owner.departmentId);
  }
  const jointOwners = p.jointOwners?.length ? validateJointOwners(v, "joint_owners", p.jointOwners, owner) : undefined;
  const reportingOrganisationId = (p.reportingOrganisationId ?? "").trim();
  if (reportingOrganisationId) uuidField(v, "reporting_organisation_id", reportingOrganisationId);
  v.throwIfAny();
  return { status: p.status!, note, owner, jointOwners, reportingOrganisationId };
}

function refuse(item: ActionItemState, type: string, description: string): never {
  throw new FailedPreconditionError([{ type, subject: `action_item/${item.actionItemId}`, description }]);
}

export interface ProgressRule {
  /** The status after the update. */
  status: ActionItemStatus;
  /** At the node holding an item decided elsewhere, progress goes back to the deciding node. */
  reportToDecider: boolean;
  /** At the deciding node, cancelling an item held elsewhere is sent to the node holding it. */
  notifyAssignee: boolean;
}

/**
 * Who may move an action item where, at the node `here`:
 * - done and cancelled items are final;
 * - an item owned here: any of IN_PROGRESS, DONE, CANCELLED;
 * - an item decided elsewhere (assigned by the city to this district, or raised by a district to
 *   this city): progress (and owners) but no cancelling, which is the deciding node's call; each
 *   update is reported back to it;
 * - at the deciding node, an item held elsewhere: only cancelling, since progress comes from the
 *   node holding it.
 */
export function progressRule(item: ActionItemState, here: string, p: ValidProgress): ProgressRule {
  if (!isUnfinished(item.status)) refuse(item, "STATE", `the action item is ${item.status === "DONE" ? "done" : "cancelled"}; it is final`);
  if (isReceived(item.origin)) {
    if (p.status === "CANCELLED") refuse(item, "NOT_DECIDING_NODE", "only the node that decided this action can cancel it");
    return { status: p.status, reportToDecider: item.assigneeJurisdictionCode === here, notifyAssignee: false };
  }
  const v = new Violations();
  if (p.owner) v.add("owner", "is designated only at the node holding an action decided elsewhere");
  if (p.jointOwners) v.add("joint_owners", "are designated only at the node holding an action decided elsewhere");
  v.throwIfAny();
  if (item.assigneeJurisdictionCode && p.status !== "CANCELLED")
    refuse(
      item,
      "ASSIGNED_ELSEWHERE",
      `the action is held by node ${item.assigneeJurisdictionCode}, which reports its progress; here it can only be cancelled`,
    );
  return { status: p.status, reportToDecider: false, notifyAssignee: item.assigneeJurisdictionCode !== "" };
}

/** An organisation of this node's registry as other nodes know it. */
export function refOf(p: PartyRecord | undefined): OrganisationRef | undefined {
  return p ? { creditCode: p.creditCode, jurisdictionCode: p.jurisdictionCode, name: p.name } : undefined;
}

/**
 * UpdateActionItemProgress: the progress rule, then an owner designated (at a district) must be a
 * registered, active organisation with that department. The report is appended; at a district it
 * goes up to the city, numbered by its position (which orders the reports there), and a
 * cancellation at the city goes down to the district the item was assigned to. `parties` holds
 * the owner, new or current, when there is one.
 */
export function decideProgress(item: ActionItem, p: ValidProgress, parties: Parties, ctx: ActionItemContext): Decision<ActionItem> {
  const rule = progressRule(item, ctx.here, p);
  const designated = [
    ...(p.owner ? [{ owner: p.owner, path: "owner" }] : []),
    ...(p.jointOwners ?? []).map((owner, i) => ({ owner, path: `joint_owners[${i}]` })),
  ];
  checkParties(
    designated.map(({ owner, path }) => ({
      field: `${path}.organisation_id`,
      organisationId: owner.organisationId,
      mustBeActive: true,
      department: { field: `${path}.department_id`, departmentId: owner.departmentId },
    })),
    parties,
  );
  const owner = p.owner ?? item.owner;
  const jointOwners = p.jointOwners ?? item.jointOwners;
  if (p.jointOwners && !owner) new Violations().add("joint_owners", "need an owner: designate owner as well").throwIfAny();
  if (owner && jointOwners.some((j) => j.organisationId === owner.organisationId))
    new Violations().add("joint_owners", "name the owner itself").throwIfAny();
  // Any owner may report; the report names which one when the caller says so.
  let reportedBy: OrganisationRef | undefined;
  if (p.reportingOrganisationId) {
    const id = p.reportingOrganisationId.toLowerCase();
    if (![owner, ...jointOwners].some((o) => o?.organisationId.toLowerCase() === id))
      new Violations().add("reporting_organisation_id", "is not an owner of this action item").throwIfAny();
    reportedBy = refOf(parties.get(p.reportingOrganisationId));
  }
  const recorded = { actor: ctx.audit.actor, requestId: ctx.audit.requestId, jurisdiction: ctx.here, at: ctx.now };
  const state: ActionItem = {
    ...item,
    status: rule.status,
    owner,
    jointOwners,
    updateTime: ctx.now,
    progress: [...item.progress, { status: rule.status, note: p.note, recorded, ...(reportedBy ? { reportedBy } : {}) }],
  };
  const events: EventToEmit[] = [];
  if (rule.reportToDecider)
    events.push(
      progressReportedEvent(
        state,
        state.owner && parties.get(state.owner.organisationId),
        state.jointOwners.map((j) => parties.get(j.organisationId)).filter((x): x is PartyRecord => x !== undefined),
        ctx.audit,
      ),
    );
  if (rule.notifyAssignee) events.push(cancelledEvent(state, ctx.audit));
  return { state, action: "UpdateActionItemProgress", events };
}

export interface ExtensionInput {
  dueTime: Date | undefined;
  reason: string;
}

/** ExtendActionItemDueDate's own rules: a new due date and a reason. */
export function validateExtension(e: ExtensionInput): { dueTime: Date; reason: string } {
  const v = new Violations();
  if (!e.dueTime || Number.isNaN(e.dueTime.getTime())) v.add("due_time", "is required");
  const reason = e.reason.trim();
  if (reason.length === 0) v.add("reason", "is required");
  else if ([...reason].length > ACTION_ITEM_LIMITS.reasonChars)
    v.add("reason", `must be at most ${ACTION_ITEM_LIMITS.reasonChars} characters`);
  v.throwIfAny();
  return { dueTime: e.dueTime!, reason };
}

/**
 * ExtendActionItemDueDate (申请延期): only the deciding node extends, only an unfinished item, and
 * only to a later date in the future. The extension is kept with its reason; an item held at
 * another node sends the new date there. Its overdue state follows the new date (an alert already
 * raised for the old date stays raised; a new one comes only if the new date passes).
 */
export function decideExtendDueDate(item: ActionItem, e: { dueTime: Date; reason: string }, ctx: ActionItemContext): Decision<ActionItem> {
  if (isReceived(item.origin))
    refuse(item, "NOT_DECIDING_NODE", `only the node that decided this action (${item.originJurisdictionCode}) extends its due date`);
  if (!isUnfinished(item.status)) refuse(item, "STATE", `the action item is ${item.status === "DONE" ? "done" : "cancelled"}; it is final`);
  const v = new Violations();
  if (e.dueTime.getTime() <= item.dueTime.getTime()) v.add("due_time", `must be after the current due date ${item.dueTime.toISOString()}`);
  else if (e.dueTime.getTime() <= ctx.now.getTime()) v.add("due_time", "must be in the future");
  v.throwIfAny();
  const recorded = { actor: ctx.audit.actor, requestId: ctx.audit.requestId, jurisdiction: ctx.here, at: ctx.now };
  const state: ActionItem = {
    ...item,
    dueTime: e.dueTime,
    updateTime: ctx.now,
    extensions: [...item.extensions, { previousDueTime: item.dueTime, dueTime: e.dueTime, reason: e.reason, recorded }],
  };
  const events = item.assigneeJurisdictionCode ? [dueDateExtendedEvent(state, ctx.audit)] : [];
  return { state, action: "ExtendActionItemDueDate", events };
}

export interface DirectRaiseInput {
  title: string;
  dueTime: Date | undefined;
  reason: string;
}

/** RaiseActionItem's own rules: what to do, by when (in the future), and why the city is asked (the reason). */
export function validateDirectRaise(r: DirectRaiseInput, now: Date): { title: string; dueTime: Date; reason: string } {
  const v = new Violations();
  const title = r.title.trim();
  if (title.length === 0) v.add("title", "is required");
  else if ([...title].length > ACTION_ITEM_LIMITS.titleChars) v.add("title", `must be at most ${ACTION_ITEM_LIMITS.titleChars} characters`);
  if (!r.dueTime || Number.isNaN(r.dueTime.getTime())) v.add("due_time", "is required");
  else if (r.dueTime.getTime() <= now.getTime()) v.add("due_time", "must be in the future");
  const reason = r.reason.trim();
  if (reason.length === 0) v.add("reason", "is required: say why the city is asked to act");
  else if ([...reason].length > ACTION_ITEM_LIMITS.reasonChars)
    v.add("reason", `must be at most ${ACTION_ITEM_LIMITS.reasonChars} characters`);
  v.throwIfAny();
  return { title, dueTime: r.dueTime!, reason };
}

/**
 * RaiseActionItem (提请市级) outside a consultation: a district node raises an action to the city
 * directly. It is the item an ACTION outcome raising to the city creates — held by the city,
 * reported on by it, extended or cancelled here — only with no deciding consultation (the
 * consultation ids stay empty). Only a district node raises; the city has nobody above it.
 */
export function decideRaiseDirectly(
  r: { title: string; dueTime: Date },
  ctx: ActionItemContext & { actionItemId: string },
): Decision<ActionItem> {
  if (!isDistrictCode(ctx.here))
    throw new FailedPreconditionError([
      {
        type: "DISTRICT_NODE_ONLY",
        subject: `node/${ctx.here}`,
        description: `actions are raised to the city by a district node; the municipal node ${ctx.here} assigns them instead`,
      },
    ]);
  const state: ActionItem = {
    actionItemId: ctx.actionItemId,
    title: r.title,
    jointOwners: [],
    assigneeJurisdictionCode: CITY_JURISDICTION,
    dueTime: r.dueTime,
    status: "OPEN",
    origin: "LOCAL",
    originJurisdictionCode: ctx.here,
    originConsultationId: "",
    consultationId: "",
    seriesId: "",
    carryOverCount: 0,
    revision: 0,
    createTime: ctx.now,
    updateTime: ctx.now,
    lastReportSequence: 0,
    progress: [],
    extensions: [],
  };
  return { state, action: "RaiseActionItem", events: [raisedEvent(state, undefined, ctx.audit)] };
}

export interface ReceivedExtension {
  assigneeJurisdictionCode: string;
  previousDueTime?: Date | undefined;
  dueTime?: Date | undefined;
  sequence: number;
  reason: string;
  eventId: string;
}

/**
 * At the node holding an item decided elsewhere: the deciding node extended its due date. Only
 * that node may, for this node's copy; each extension once and in order (a repeat or an older
 * one changes nothing: undefined).
 */
export function decideExtensionReceived(
  item: ActionItem | undefined,
  e: ReceivedExtension,
  ctx: InboundContext,
): Decision<ActionItem> | undefined {
  const v = new Violations();
  if (!item || !isReceived(item.origin) || ctx.from !== item.originJurisdictionCode || e.assigneeJurisdictionCode !== ctx.here)
    v.add("action_item_id", "is not an action the sending node handed to this node");
  if (!e.dueTime) v.add("due_time", "is required");
  if (!Number.isInteger(e.sequence) || e.sequence < 1) v.add("sequence", "must be a positive number");
  if (!v.isEmpty)
    throw new InvalidArgumentError(
      v.all,
      `unexpected extension ${e.eventId}: ${v.all.map((x) => `${x.field} ${x.description}`).join("; ")}`,
    );
  if (e.sequence <= item!.extensions.length) return undefined;
  const state: ActionItem = {
    ...item!,
    dueTime: e.dueTime!,
    updateTime: ctx.now,
    extensions: [
      ...item!.extensions,
      { previousDueTime: e.previousDueTime ?? item!.dueTime, dueTime: e.dueTime!, reason: e.reason, recorded: ctx.recorded },
    ],
  };
  return { state, action: "ActionItemDueDateExtended", events: [] };
}

/** One item moving along its series: as it stands, and the change. */
export interface CarryOver {
  readonly before: ActionItem;
  readonly decision: Decision<ActionItem>;
}

/** Unfinished items move to the consultation that now tracks them, counting the carry-over. */
export function decideCarryOver(items: readonly ActionItem[], to: string, now: Date): CarryOver[] {
  return items.map((before) => ({
    before,
    decision: {
      state: { ...before, consultationId: to, carryOverCount: before.carryOverCount + 1, updateTime: now },
      action: "CarryOver",
      events: [],
    },
  }));
}

/** The audit reason of a carry-over. */
export function carryOverReason(to: string): string {
  return `carried over to consultation ${to}`;
}

/** What the deciding node needs to know of an assignment, checked before it is recorded. */
export interface Assignment {
  actionItemId: string;
  assigneeJurisdictionCode: string;
  title: string;
  dueTime?: Date | undefined;
  consultationId: string;
}

/** What a district sends the city when it raises an action. */
export interface Raise {
  actionItemId: string;
  raisingJurisdictionCode: string;
  title: string;
  dueTime?: Date | undefined;
  consultationId: string;
}

/**
 * At the city: an action a district raised to it, kept under the district's id, both consultation
 * ids naming the district's deciding consultation (empty when the district raised it directly).
 * A repeat (the item exists) changes nothing.
 */
export function decideRaised(existing: ActionItem | undefined, r: Raise, ctx: InboundContext): Decision<ActionItem> | undefined {
  const v = new Violations();
  if (ctx.here !== CITY_JURISDICTION) v.add("raising_jurisdiction_code", "actions are raised to the municipal node only");
  if (!isDistrictCode(ctx.from) || r.raisingJurisdictionCode !== ctx.from)
    v.add("raising_jurisdiction_code", `is ${r.raisingJurisdictionCode}, not the sending district ${ctx.from}`);
  if (!isUuid(r.actionItemId)) v.add("action_item_id", "must be a UUID");
  if (r.title.trim().length === 0) v.add("title", "is required");
  if (!r.dueTime) v.add("due_time", "is required");
  // Empty: raised directly (RaiseActionItem), not decided at a consultation.
  if (r.consultationId !== "" && !isUuid(r.consultationId)) v.add("consultation_id", "must be a UUID or empty");
  if (!v.isEmpty)
    throw new InvalidArgumentError(v.all, `malformed raised action: ${v.all.map((x) => `${x.field} ${x.description}`).join("; ")}`);
  if (existing) return undefined;
  const state: ActionItem = {
    actionItemId: r.actionItemId,
    title: r.title.trim(),
    jointOwners: [],
    assigneeJurisdictionCode: ctx.here,
    dueTime: r.dueTime!,
    status: "OPEN",
    origin: "RAISED_BY_DISTRICT",
    originJurisdictionCode: ctx.from,
    originConsultationId: r.consultationId,
    consultationId: r.consultationId,
    seriesId: "",
    carryOverCount: 0,
    revision: 0,
    createTime: ctx.now,
    updateTime: ctx.now,
    lastReportSequence: 0,
    progress: [],
    extensions: [],
  };
  return { state, action: "ActionItemRaised", events: [] };
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
  note: string;
  /** The owning organisation that reported there, if named. */
  reportedBy?: OrganisationRef | undefined;
}

/** What a change arriving from another node knows: this node, the sender, who recorded it there. */
export interface InboundContext {
  readonly here: string;
  readonly from: string;
  readonly now: Date;
  readonly recorded: Recorded;
}

/**
 * A progress report from the node holding an item, at the deciding node (the city for items it
 * assigned, a district for items it raised): only the node the item was handed to may report,
 * only progress (not cancelling), and each report once, in order: a repeat or a report older than
 * the last one applied changes nothing (undefined). The report is kept even when the deciding node
 * already cancelled the item, which then stays cancelled.
 */
export function decideReportedProgress(item: ActionItem, r: ReportedProgress, ctx: InboundContext): Decision<ActionItem> | undefined {
  const v = new Violations();
  if (item.origin !== "LOCAL" || !item.assigneeJurisdictionCode || item.assigneeJurisdictionCode === ctx.here)
    v.add("action_item_id", "is not an action this node handed to another node");
  else if (r.from !== item.assigneeJurisdictionCode)
    v.add("reporting_jurisdiction_code", `the action is assigned to ${item.assigneeJurisdictionCode}, not ${r.from}`);
  if (!r.status || (r.status !== "IN_PROGRESS" && r.status !== "DONE")) v.add("status", "must be IN_PROGRESS or DONE");
  if (!Number.isInteger(r.sequence) || r.sequence < 1) v.add("sequence", "must be a positive number");
  if (!v.isEmpty)
    throw new InvalidArgumentError(v.all, `unexpected progress report: ${v.all.map((x) => `${x.field} ${x.description}`).join("; ")}`);
  if (r.sequence <= item.lastReportSequence) return undefined;
  const state: ActionItem = {
    ...item,
    status: item.status === "CANCELLED" ? "CANCELLED" : r.status!,
    lastReportSequence: r.sequence,
    updateTime: ctx.now,
    progress: [
      ...item.progress,
      { status: r.status!, note: r.note, recorded: ctx.recorded, ...(r.reportedBy ? { reportedBy: r.reportedBy } : {}) },
    ],
  };
  return { state, action: "ActionItemProgressReported", events: [] };
}

/**
 * At a district node: an action the city assigned to it, kept under the city's id, both
 * consultation ids naming the city's deciding consultation (its series is the city's and is not
 * tracked here). A repeat (the item exists) changes nothing (undefined).
 */
export function decideAssigned(existing: ActionItem | undefined, a: Assignment, ctx: InboundContext): Decision<ActionItem> | undefined {
  checkAssignment(a, ctx.here, ctx.from);
  if (existing) return undefined;
  const state: ActionItem = {
    actionItemId: a.actionItemId,
    title: a.title.trim(),
    jointOwners: [],
    assigneeJurisdictionCode: ctx.here,
    dueTime: a.dueTime!,
    status: "OPEN",
    origin: "ASSIGNED_BY_CITY",
    originJurisdictionCode: CITY_JURISDICTION,
    originConsultationId: a.consultationId,
    consultationId: a.consultationId,
    seriesId: "",
    carryOverCount: 0,
    revision: 0,
    createTime: ctx.now,
    updateTime: ctx.now,
    lastReportSequence: 0,
    progress: [],
    extensions: [],
  };
  return { state, action: "ActionItemAssigned", events: [] };
}

export interface CityCancellation {
  /** The district the city says it assigned the item to. */
  assigneeJurisdictionCode: string;
  reason: string;
  /** The event's id, named when it is refused. */
  eventId: string;
}

/**
 * At the node holding an item decided elsewhere: the deciding node cancelled it (the city an
 * action it assigned here, a district an action it raised here); the local copy becomes final, the
 * decider's reason its last report. Anything but such an item is malformed here; an item already
 * cancelled is a repeat (undefined).
 */
export function decideCancelledByCity(
  item: ActionItem | undefined,
  c: CityCancellation,
  ctx: InboundContext,
): Decision<ActionItem> | undefined {
  if (!item || !isReceived(item.origin) || ctx.from !== item.originJurisdictionCode || c.assigneeJurisdictionCode !== ctx.here)
    throw new InvalidArgumentError(
      [{ field: "action_item_id", description: "is not an action the sending node handed to this node" }],
      `unexpected cancellation ${c.eventId}`,
    );
  if (item.status === "CANCELLED") return undefined;
  const state: ActionItem = {
    ...item,
    status: "CANCELLED",
    updateTime: ctx.now,
    progress: [...item.progress, { status: "CANCELLED", note: c.reason, recorded: ctx.recorded }],
  };
  return { state, action: "ActionItemCancelled", events: [] };
}
