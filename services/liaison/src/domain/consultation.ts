/**
 * Consultations (art. 1): high-level consultations (高层适时会商) and departmental working
 * consultations (部门工作协商) held under the node's established mechanism with both its sides
 * attending, their agenda, attendees, typed (and correctable) outcomes, the agenda sent down to
 * the districts concerned, and the carry-over of unfinished action items along a series. Pure
 * rules: no I/O, time is passed in.
 */
import { CITY_JURISDICTION, isDistrictCode } from "@jinlian/kernel";
import {
  FailedPreconditionError,
  InvalidArgumentError,
  textField,
  uuidField,
  Violations,
  type AuditMetadata,
  type Decision,
  type DecisionWithRevision,
} from "@jinlian/chassis";
import {
  carryOverReason,
  decideCarryOver,
  isUnfinished,
  validateJointOwners,
  type ActionItem,
  type ActionOwner,
  type CarryOver,
  type ActionItemStatus,
  type Recorded,
} from "./action-item";
import { assignedEvent, raisedEvent } from "./action-item-events";
import { checkParties, type Parties, type PartyReference } from "./consultation-parties";
import { agendaSentEvents } from "./consultation-events";

export const CONSULTATION_KINDS = ["HIGH_LEVEL", "WORKING"] as const;
export type ConsultationKind = (typeof CONSULTATION_KINDS)[number];
export type ConsultationStatus = "PLANNED" | "IN_PROGRESS" | "CLOSED" | "CANCELLED";
export const OUTCOME_TYPES = ["DECISION", "INFORMATION", "ACTION"] as const;
export type OutcomeType = (typeof OUTCOME_TYPES)[number];

export const CONSULTATION_LIMITS = Object.freeze({
  titleChars: 200,
  locationChars: 200,
  topicChars: 200,
  presenterChars: 100,
  minDurationMinutes: 1,
  maxDurationMinutes: 480,
  attendeeNameChars: 100,
  attendeeTitleChars: 100,
  minutesChars: 20_000,
  outcomeTextChars: 2_000,
  actionTitleChars: 200,
  reasonChars: 500,
  agendaItems: 50,
  attendees: 200,
  concernedJurisdictions: 16,
});

export interface AgendaItem extends AgendaItemInput {
  readonly agendaItemId: string;
}

export interface Attendee extends AttendeeInput {
  readonly attendeeId: string;
}

/** A correction of an outcome's text: its version (2, 3, ...), the new text, why, who and when. */
export interface OutcomeCorrection {
  readonly version: number;
  readonly text: string;
  readonly reason: string;
  readonly recorded: Recorded;
}

export interface Outcome {
  readonly outcomeId: string;
  readonly type: OutcomeType;
  /** The text as recorded (version 1); corrections follow, the original is kept. */
  readonly text: string;
  /** "" when it belongs to no agenda item. */
  readonly agendaItemId: string;
  /** The action item an ACTION outcome created; "" otherwise. */
  readonly actionItemId: string;
  readonly reason: string;
  readonly recorded: Recorded;
  /** Corrections, oldest first. */
  readonly corrections: readonly OutcomeCorrection[];
}

/** The outcome's text as it stands: the latest correction's, or the original. */
export function currentText(o: Outcome): string {
  return o.corrections[o.corrections.length - 1]?.text ?? o.text;
}

/** The outcome's current version: 1 as recorded, one more per correction. */
export function currentVersion(o: Outcome): number {
  return 1 + o.corrections.length;
}

/** A consultation, the aggregate, with its agenda, attendees and outcomes in order. */
export interface Consultation {
  readonly consultationId: string;
  readonly kind: ConsultationKind;
  /** The id of the series' first consultation (its own id when it starts a series). */
  readonly seriesId: string;
  readonly title: string;
  /** "" when it belongs to no mechanism. */
  readonly mechanismId: string;
  readonly scheduledTime: Date;
  readonly location: string;
  readonly status: ConsultationStatus;
  readonly minutes: string;
  readonly revision: number;
  readonly createTime: Date;
  readonly updateTime: Date;
  readonly startTime?: Date;
  readonly endTime?: Date;
  readonly agenda: readonly AgendaItem[];
  readonly attendees: readonly Attendee[];
  readonly outcomes: readonly Outcome[];
  /** At the city: the districts concerned, which receive the agenda and its changes. */
  readonly concernedJurisdictionCodes: readonly string[];
}

export interface ConsultationListFilter {
  kind?: ConsultationKind;
  status?: ConsultationStatus;
  seriesId?: string;
  text?: string;
  /** Scheduled within [from, until). */
  period?: { from?: Date; until?: Date };
  mechanismId?: string;
}

/** What a change knows besides the consultation and the command: node, time, new ids, attribution. */
export interface ConsultationContext {
  readonly here: string;
  readonly now: Date;
  readonly newId: () => string;
  /** Who, why and when, as events carry it. */
  readonly audit: AuditMetadata;
}

/** An id field: a UUID, or empty when optional. */
export function idField(v: Violations, field: string, value: string, required: boolean): string {
  const t = value.trim();
  uuidField(v, field, t, required);
  return t;
}

export interface AgendaItemInput {
  topic: string;
  presenter: string;
  /** Empty when the presenter speaks for no registered organisation. */
  presenterOrganisationId: string;
  durationMinutes: number;
}

export interface AttendeeInput {
  name: string;
  organisationId: string;
  title: string;
}

/** Checks one agenda item; `path` names it in the request, e.g. "agenda[1]" or "item". */
export function validateAgendaItem(v: Violations, path: string, item: AgendaItemInput | undefined): AgendaItemInput {
  if (!item) {
    v.add(path, "is required");
    return { topic: "", presenter: "", presenterOrganisationId: "", durationMinutes: 0 };
  }
  const L = CONSULTATION_LIMITS;
  const d = item.durationMinutes;
  if (!Number.isInteger(d) || d < L.minDurationMinutes || d > L.maxDurationMinutes)
    v.add(`${path}.duration_minutes`, `must be between ${L.minDurationMinutes} and ${L.maxDurationMinutes} minutes`);
  return {
    topic: textField(v, `${path}.topic`, item.topic, { required: true, max: L.topicChars }),
    presenter: textField(v, `${path}.presenter`, item.presenter, { max: L.presenterChars }),
    presenterOrganisationId: idField(v, `${path}.presenter_organisation_id`, item.presenterOrganisationId, false),
    durationMinutes: d,
  };
}

/** Checks one attendee; `path` names it in the request, e.g. "attendees[0]". */
export function validateAttendee(v: Violations, path: string, a: AttendeeInput): AttendeeInput {
  const L = CONSULTATION_LIMITS;
  return {
    name: textField(v, `${path}.name`, a.name, { required: true, max: L.attendeeNameChars }),
    organisationId: idField(v, `${path}.organisation_id`, a.organisationId, true),
    title: textField(v, `${path}.title`, a.title, { max: L.attendeeTitleChars }),
  };
}

export function validateAttendees(v: Violations, field: string, list: readonly AttendeeInput[], required: boolean): AttendeeInput[] {
  if (required && list.length === 0) v.add(field, "must name at least one attendee");
  // The count first: too many attendees are refused without looking at each one.
  if (list.length > CONSULTATION_LIMITS.attendees) {
    v.add(field, `at most ${CONSULTATION_LIMITS.attendees} attendees at once`);
    return [];
  }
  return list.map((a, i) => validateAttendee(v, `${field}[${i}]`, a));
}

export interface ScheduleInput {
  kind: ConsultationKind | undefined;
  title: string;
  seriesId: string;
  mechanismId: string;
  scheduledTime: Date | undefined;
  location: string;
  agenda: readonly AgendaItemInput[];
  attendees: readonly AttendeeInput[];
  reason: string;
  /** Municipal node only: districts concerned. */
  concernedJurisdictionCodes?: readonly string[];
}

export type ValidSchedule = ScheduleInput & { kind: ConsultationKind; scheduledTime: Date; concernedJurisdictionCodes: readonly string[] };

/**
 * The districts a municipal consultation concerns: only the city names them, each one of the 16
 * district codes, each once.
 */
export function validateConcerned(v: Violations, field: string, codes: readonly string[], here: string): string[] {
  if (codes.length === 0) return [];
  if (here !== CITY_JURISDICTION) {
    v.add(field, "only the municipal node names districts concerned");
    return [];
  }
  if (codes.length > CONSULTATION_LIMITS.concernedJurisdictions) {
    v.add(field, `at most ${CONSULTATION_LIMITS.concernedJurisdictions} districts`);
    return [];
  }
  const seen = new Set<string>();
  return codes.map((raw, i) => {
    const c = raw.trim();
    if (!isDistrictCode(c)) v.add(`${field}[${i}]`, "must be one of the 16 district codes of Tianjin");
    else if (seen.has(c)) v.add(`${field}[${i}]`, "is named twice");
    seen.add(c);
    return c;
  });
}

/** Every rule of a new consultation that needs no lookup; all violations are reported at once. */
export function validateSchedule(s: ScheduleInput, context: { here: string } = { here: CITY_JURISDICTION }): ValidSchedule {
  const v = new Violations();
  const L = CONSULTATION_LIMITS;
  if (!s.kind) v.add("kind", `must be one of ${CONSULTATION_KINDS.join(", ")}`);
  const title = textField(v, "title", s.title, { required: true, max: L.titleChars });
  const seriesId = idField(v, "series_id", s.seriesId, false);
  const mechanismId = idField(v, "mechanism_id", s.mechanismId, false);
  if (!s.scheduledTime || Number.isNaN(s.scheduledTime.getTime())) v.add("scheduled_time", "is required");
  const location = textField(v, "location", s.location, { max: L.locationChars });
  const tooLong = s.agenda.length > L.agendaItems;
  if (tooLong) v.add("agenda", `at most ${L.agendaItems} agenda items`);
  const agenda = tooLong ? [] : s.agenda.map((a, i) => validateAgendaItem(v, `agenda[${i}]`, a));
  const attendees = validateAttendees(v, "attendees", s.attendees, false);
  const reason = textField(v, "reason", s.reason, { max: L.reasonChars });
  const concernedJurisdictionCodes = validateConcerned(v, "concerned_jurisdiction_codes", s.concernedJurisdictionCodes ?? [], context.here);
  v.throwIfAny();
  return {
    ...s,
    kind: s.kind!,
    scheduledTime: s.scheduledTime!,
    title,
    seriesId,
    mechanismId,
    location,
    agenda,
    attendees,
    reason,
    concernedJurisdictionCodes,
  };
}

export interface RescheduleInput {
  scheduledTime: Date | undefined;
  location: string;
  reason: string;
}

/** RescheduleConsultation's own rules: a new time, a place (empty keeps it) and a reason. */
export function validateReschedule(r: RescheduleInput): { scheduledTime: Date; location: string; reason: string } {
  const v = new Violations();
  if (!r.scheduledTime || Number.isNaN(r.scheduledTime.getTime())) v.add("scheduled_time", "is required");
  const location = textField(v, "location", r.location, { max: CONSULTATION_LIMITS.locationChars });
  const reason = textField(v, "reason", r.reason, { required: true, max: CONSULTATION_LIMITS.reasonChars });
  v.throwIfAny();
  return { scheduledTime: r.scheduledTime!, location, reason };
}

/** A removal names its item (or attendee) and says why. `idName` is the request field of the id. */
export function validateRemoval(idName: string, id: string, reason: string): { id: string; reason: string } {
  const v = new Violations();
  const t = idField(v, idName, id, true);
  const r = textField(v, "reason", reason, { required: true, max: CONSULTATION_LIMITS.reasonChars });
  v.throwIfAny();
  return { id: t, reason: r };
}

/** CorrectOutcome's own rules: which outcome, the corrected text and why. */
export function validateCorrection(outcomeId: string, text: string, reason: string): { outcomeId: string; text: string; reason: string } {
  const v = new Violations();
  const id = idField(v, "outcome_id", outcomeId, true);
  const t = textField(v, "text", text, { required: true, max: CONSULTATION_LIMITS.outcomeTextChars });
  const r = textField(v, "reason", reason, { required: true, max: CONSULTATION_LIMITS.reasonChars });
  v.throwIfAny();
  return { outcomeId: id, text: t, reason: r };
}

/** A consultation continues a series only of its own kind: a working series stays working. */
export function assertSeriesKind(seriesId: string, seriesKind: ConsultationKind, kind: ConsultationKind): void {
  if (seriesKind !== kind)
    throw new FailedPreconditionError([
      {
        type: "SERIES_KIND",
        subject: `consultation-series/${seriesId}`,
        description: `series ${seriesId} is a series of ${seriesKind} consultations, not ${kind}`,
      },
    ]);
}

// ---- the state machine ----

export type ConsultationAction =
  | "addAgendaItem"
  | "recordAttendees"
  | "start"
  | "recordOutcome"
  | "close"
  | "cancel"
  | "reschedule"
  | "removeAgendaItem"
  | "removeAttendee"
  | "correctOutcome";

const ALLOWED: Record<ConsultationAction, readonly ConsultationStatus[]> = {
  addAgendaItem: ["PLANNED"],
  recordAttendees: ["PLANNED", "IN_PROGRESS"],
  start: ["PLANNED"],
  recordOutcome: ["IN_PROGRESS"],
  close: ["IN_PROGRESS"],
  cancel: ["PLANNED"],
  // Once held, the record of the meeting stands: time, place, agenda and attendees are history.
  reschedule: ["PLANNED"],
  removeAgendaItem: ["PLANNED"],
  removeAttendee: ["PLANNED"],
  // Minutes get corrected after the meeting too; the original text is kept.
  correctOutcome: ["IN_PROGRESS", "CLOSED"],
};

const RESULT: Partial<Record<ConsultationAction, ConsultationStatus>> = { start: "IN_PROGRESS", close: "CLOSED", cancel: "CANCELLED" };

const WHAT: Record<ConsultationAction, string> = {
  addAgendaItem: "add an agenda item",
  recordAttendees: "record attendees",
  start: "start",
  recordOutcome: "record an outcome",
  close: "close",
  cancel: "cancel",
  reschedule: "reschedule",
  removeAgendaItem: "remove an agenda item",
  removeAttendee: "remove an attendee",
  correctOutcome: "correct an outcome",
};

const DESCRIBED: Record<ConsultationStatus, string> = {
  PLANNED: "has not started",
  IN_PROGRESS: "is in progress",
  CLOSED: "is closed",
  CANCELLED: "was cancelled",
};

/**
 * The status after `action` on a consultation in `status` (unchanged for actions that are no
 * transition), or FAILED_PRECONDITION when the action makes no sense in that status.
 */
export function transition(consultationId: string, status: ConsultationStatus, action: ConsultationAction): ConsultationStatus {
  if (!ALLOWED[action].includes(status))
    throw new FailedPreconditionError([
      {
        type: "STATE",
        subject: `consultation/${consultationId}`,
        description: `cannot ${WHAT[action]}: the consultation ${DESCRIBED[status]} (allowed only while ${ALLOWED[action].join(" or ")})`,
      },
    ]);
  return RESULT[action] ?? status;
}

export function validateMinutes(minutes: string, reason: string): { minutes: string; reason: string } {
  const v = new Violations();
  const out = {
    minutes: textField(v, "minutes", minutes, { required: true, max: CONSULTATION_LIMITS.minutesChars }),
    reason: textField(v, "reason", reason, { max: CONSULTATION_LIMITS.reasonChars }),
  };
  v.throwIfAny();
  return out;
}

/** Cancelling needs a reason (the contract's convention for cancelling). */
export function validateCancellation(reason: string): string {
  const v = new Violations();
  const r = textField(v, "reason", reason, { required: true, max: CONSULTATION_LIMITS.reasonChars });
  v.throwIfAny();
  return r;
}

// ---- outcomes ----

export interface ActionOwnerInput {
  organisationId: string;
  departmentId: string;
}

export interface OutcomeInput {
  type: OutcomeType | undefined;
  text: string;
  agendaItemId: string;
  action: ActionSpecInput | undefined;
  reason: string;
}

export interface ActionSpecInput {
  title: string;
  owner: ActionOwnerInput | undefined;
  assigneeJurisdictionCode: string;
  dueTime: Date | undefined;
  jointOwners?: readonly ActionOwnerInput[];
}

export type ValidAction =
  | { title: string; dueTime: Date; owner: ActionOwnerInput; jointOwners: readonly ActionOwner[]; assigneeJurisdictionCode?: undefined }
  | { title: string; dueTime: Date; owner?: undefined; jointOwners?: undefined; assigneeJurisdictionCode: string };

export interface ValidOutcome {
  type: OutcomeType;
  text: string;
  agendaItemId: string;
  action?: ValidAction;
  reason: string;
}

/**
 * Checks the owner an action is given: both ids present and well formed. Whether the
 * organisation is registered, active and has that department is a lookup, done by the caller.
 */
export function validateOwner(v: Violations, path: string, owner: ActionOwnerInput): ActionOwnerInput {
  return {
    organisationId: idField(v, `${path}.organisation_id`, owner.organisationId, true),
    departmentId: idField(v, `${path}.department_id`, owner.departmentId, true),
  };
}

/**
 * Every rule of an outcome that needs no lookup. An ACTION outcome must say what is to be done,
 * by when (in the future) and by whom: an owner at this node (with any joint owners), or another
 * node — a district the city assigns it to, or the city a district raises it to — never both.
 * Other outcomes carry no action.
 */
export function validateOutcome(o: OutcomeInput, context: { here: string; now: Date }): ValidOutcome {
  const v = new Violations();
  const L = CONSULTATION_LIMITS;
  if (!o.type) v.add("type", `must be one of ${OUTCOME_TYPES.join(", ")}`);
  const text = textField(v, "text", o.text, { required: true, max: L.outcomeTextChars });
  const agendaItemId = idField(v, "agenda_item_id", o.agendaItemId, false);
  const reason = textField(v, "reason", o.reason, { max: L.reasonChars });
  let action: ValidAction | undefined;
  if (o.type === "ACTION") {
    if (!o.action) v.add("action", "is required for an ACTION outcome");
    else action = validateAction(v, o.action, context);
  } else if (o.type && o.action) v.add("action", `only an ACTION outcome carries an action, not ${o.type}`);
  v.throwIfAny();
  return { type: o.type!, text, agendaItemId, action, reason };
}

function validateAction(v: Violations, a: ActionSpecInput, context: { here: string; now: Date }): ValidAction | undefined {
  const title = textField(v, "action.title", a.title, { required: true, max: CONSULTATION_LIMITS.actionTitleChars });
  if (!a.dueTime || Number.isNaN(a.dueTime.getTime())) v.add("action.due_time", "is required");
  else if (a.dueTime.getTime() <= context.now.getTime()) v.add("action.due_time", "must be in the future");
  const assignee = a.assigneeJurisdictionCode.trim();
  if (a.owner && assignee) {
    v.add("action", "give either owner or assignee_jurisdiction_code, not both");
    return undefined;
  }
  if (!a.owner && !assignee) {
    v.add("action", "needs an owner, or (at the municipal node) an assignee_jurisdiction_code");
    return undefined;
  }
  if (a.owner) {
    const owner = validateOwner(v, "action.owner", a.owner);
    return { title, dueTime: a.dueTime!, owner, jointOwners: validateJointOwners(v, "action.joint_owners", a.jointOwners ?? [], owner) };
  }
  if (a.jointOwners?.length) v.add("action.joint_owners", "are owners at this node: give an owner, not an assignee");
  if (context.here !== CITY_JURISDICTION) {
    // A district hands an action only upward (提请市级).
    if (assignee !== CITY_JURISDICTION)
      v.add("action.assignee_jurisdiction_code", `at a district node, only ${CITY_JURISDICTION} (raising the action to the city)`);
  } else if (!isDistrictCode(assignee)) v.add("action.assignee_jurisdiction_code", "must be one of the 16 district codes of Tianjin");
  return { title, dueTime: a.dueTime!, assigneeJurisdictionCode: assignee };
}

/** An outcome may belong to one of the consultation's own agenda items, and to no other. */
export function assertAgendaItemOf(agendaItemIds: readonly string[], agendaItemId: string): void {
  if (agendaItemId && !agendaItemIds.includes(agendaItemId))
    new Violations().add("agenda_item_id", "is not an agenda item of this consultation").throwIfAny();
}

// ---- carry-over within a series ----

export interface TrackedItem {
  actionItemId: string;
  status: ActionItemStatus;
  /** Status of the consultation currently tracking it. */
  trackingStatus: ConsultationStatus;
}

/**
 * When a consultation is scheduled, it takes over the unfinished items of its series whose
 * tracking consultation is over (closed, or cancelled before it could pass them on). Items
 * tracked by a consultation still planned or in progress stay where they are: that one passes
 * them on when it closes.
 */
export function carriedOverOnSchedule(items: readonly TrackedItem[]): string[] {
  return items
    .filter((i) => isUnfinished(i.status) && (i.trackingStatus === "CLOSED" || i.trackingStatus === "CANCELLED"))
    .map((i) => i.actionItemId);
}

export interface SeriesMember {
  consultationId: string;
  status: ConsultationStatus;
  scheduledTime: Date;
}

/**
 * Where the unfinished items of a consultation that closes (or is cancelled) go: the earliest
 * planned consultation of the same series other than itself, or nowhere yet (the next one
 * scheduled takes them over).
 */
export function carryOverTarget(leaving: string, series: readonly SeriesMember[]): string | undefined {
  const planned = series
    .filter((c) => c.status === "PLANNED" && c.consultationId !== leaving)
    .sort((a, b) => a.scheduledTime.getTime() - b.scheduledTime.getTime() || a.consultationId.localeCompare(b.consultationId));
  return planned[0]?.consultationId;
}

// ---- decisions ----

function invalid(field: string, description: string): never {
  throw new InvalidArgumentError([{ field, description }]);
}

function presenterRefs(items: readonly AgendaItemInput[], path: (i: number) => string): PartyReference[] {
  return items.flatMap((a, i) =>
    a.presenterOrganisationId
      ? [{ field: `${path(i)}.presenter_organisation_id`, organisationId: a.presenterOrganisationId, mustBeActive: false }]
      : [],
  );
}

/** Attendees speak for active organisations. */
export function attendeeRefs(list: readonly AttendeeInput[]): PartyReference[] {
  return list.map((a, i) => ({ field: `attendees[${i}].organisation_id`, organisationId: a.organisationId, mustBeActive: true }));
}

/** Presenters only have to be on record; attendees must be active. */
export function scheduleRefs(s: ValidSchedule): PartyReference[] {
  return [...presenterRefs(s.agenda, (i) => `agenda[${i}]`), ...attendeeRefs(s.attendees)];
}

export function agendaItemRefs(item: AgendaItemInput): PartyReference[] {
  return presenterRefs([item], () => "item");
}

/** The owners of an action (lead and joint) must be active and have the department. */
export function outcomeRefs(o: ValidOutcome): PartyReference[] {
  const owner = o.action?.owner;
  if (!owner) return [];
  const owners = [
    { owner, path: "action.owner" },
    ...(o.action?.jointOwners ?? []).map((j, i) => ({ owner: j, path: `action.joint_owners[${i}]` })),
  ];
  return owners.map(({ owner: x, path }) => ({
    field: `${path}.organisation_id`,
    organisationId: x.organisationId,
    mustBeActive: true,
    department: { field: `${path}.department_id`, departmentId: x.departmentId },
  }));
}

/** A change of a consultation together with the action items it moves along its series. */
export interface ConsultationDecision {
  readonly consultation: DecisionWithRevision<Consultation>;
  readonly carriedOver: readonly CarryOver[];
  /** The audit reason of the carry-overs. */
  readonly carryReason: string;
}

/** An unfinished item of a series and the status of the consultation tracking it. */
export interface ItemInSeries {
  readonly item: ActionItem;
  readonly trackingStatus: ConsultationStatus;
}

/** The node's liaison mechanism as a consultation needs it: its status and its two sides. */
export interface MechanismFacts {
  readonly mechanismId: string;
  readonly status: "PROPOSED" | "ESTABLISHED" | "SUSPENDED";
  readonly justiceBureauOrganisationId: string;
  readonly justiceBureauName: string;
  readonly federationOrganisationId: string;
  readonly federationName: string;
}

/** What scheduling reads before it decides. */
export interface ScheduleFacts {
  /** The series named (its first consultation), when one is named and exists. */
  readonly series?: { readonly kind: ConsultationKind };
  /** This node's mechanism (a node holds at most one), if any. */
  readonly mechanism?: MechanismFacts;
  /** The organisations the request names, and those of the agenda sent down. */
  readonly parties: Parties;
  /** The series' unfinished items, when a series is continued. */
  readonly inSeries: readonly ItemInSeries[];
}

/** A consultation is held under the node's mechanism, which must be established (art. 1-2). */
export function assertMechanismEstablished(mechanism: MechanismFacts | undefined, here: string): MechanismFacts {
  if (!mechanism || mechanism.status !== "ESTABLISHED")
    throw new FailedPreconditionError([
      {
        type: "MECHANISM_NOT_ESTABLISHED",
        subject: mechanism ? `mechanism/${mechanism.mechanismId}` : `jurisdiction/${here}`,
        description: mechanism
          ? `the liaison mechanism is ${mechanism.status.toLowerCase()}; consultations are held under an established one`
          : "this node has no liaison mechanism; consultations are held under an established one",
      },
    ]);
  return mechanism;
}

/**
 * Both sides attend: among the attendees is someone for the mechanism's justice bureau and
 * someone for its federation. FAILED_PRECONDITION naming each missing side.
 */
export function assertBothSides(consultationId: string, attendees: readonly AttendeeInput[], m: MechanismFacts): void {
  const present = new Set(attendees.map((a) => a.organisationId.toLowerCase()));
  const missing = [
    { id: m.justiceBureauOrganisationId, name: m.justiceBureauName, side: "justice bureau" },
    { id: m.federationOrganisationId, name: m.federationName, side: "federation" },
  ].filter((p) => !present.has(p.id.toLowerCase()));
  if (missing.length > 0)
    throw new FailedPreconditionError(
      missing.map((p) => ({
        type: "BOTH_SIDES",
        subject: `organisation/${p.id}`,
        description: `the ${p.side} (${p.name}) must attend ${consultationId ? `consultation ${consultationId}` : "the consultation"}: both sides of the mechanism attend`,
      })),
    );
}

/**
 * A decision on a consultation of the city that concerns districts sends each of them the agenda
 * as it stands after the change (with the new revision), while it is planned or once cancelled.
 */
function sendingAgenda(d: Decision<Consultation>, parties: Parties, ctx: ConsultationContext): DecisionWithRevision<Consultation> {
  const c = d.state;
  if (c.concernedJurisdictionCodes.length === 0 || (c.status !== "PLANNED" && c.status !== "CANCELLED")) return d;
  return { ...d, events: (after: Consultation) => [...d.events, ...agendaSentEvents(after, parties, ctx.audit)] };
}

/**
 * ScheduleConsultation: a planned consultation, starting a series or continuing one of its kind,
 * held under this node's established mechanism (the one named, if any), with registered
 * presenters and active attendees among whom both sides of the mechanism. Continuing a series, it
 * takes over the unfinished items left behind by closed consultations. The districts concerned
 * receive the agenda. Its id is drawn by the caller, so a retried request finds it.
 */
export function decideSchedule(id: string, s: ValidSchedule, facts: ScheduleFacts, ctx: ConsultationContext): ConsultationDecision {
  if (s.seriesId) {
    if (!facts.series) invalid("series_id", "is not an existing consultation series");
    assertSeriesKind(s.seriesId, facts.series.kind, s.kind);
  }
  if (s.mechanismId && facts.mechanism?.mechanismId !== s.mechanismId) invalid("mechanism_id", "is not the liaison mechanism of this node");
  const mechanism = assertMechanismEstablished(facts.mechanism, ctx.here);
  checkParties(scheduleRefs(s), facts.parties);
  assertBothSides("", s.attendees, mechanism);
  const consultation: Consultation = {
    consultationId: id,
    kind: s.kind,
    seriesId: s.seriesId || id,
    title: s.title,
    mechanismId: mechanism.mechanismId,
    scheduledTime: s.scheduledTime,
    location: s.location,
    status: "PLANNED",
    minutes: "",
    revision: 0,
    createTime: ctx.now,
    updateTime: ctx.now,
    agenda: s.agenda.map((a) => ({ ...a, agendaItemId: ctx.newId() })),
    attendees: s.attendees.map((a) => ({ ...a, attendeeId: ctx.newId() })),
    outcomes: [],
    concernedJurisdictionCodes: s.concernedJurisdictionCodes,
  };
  const moving = new Set(
    carriedOverOnSchedule(
      facts.inSeries.map((i) => ({ actionItemId: i.item.actionItemId, status: i.item.status, trackingStatus: i.trackingStatus })),
    ),
  );
  const items = s.seriesId ? facts.inSeries.filter((i) => moving.has(i.item.actionItemId)).map((i) => i.item) : [];
  return {
    consultation: sendingAgenda({ state: consultation, action: "ScheduleConsultation", events: [] }, facts.parties, ctx),
    carriedOver: decideCarryOver(items, id, ctx.now),
    carryReason: carryOverReason(id),
  };
}

function changed(
  c: Consultation,
  action: ConsultationAction,
  method: string,
  patch: Partial<Consultation>,
  now: Date,
): Decision<Consultation> {
  const status = transition(c.consultationId, c.status, action);
  return { state: { ...c, ...patch, status, updateTime: now }, action: method, events: [] };
}

/** AddAgendaItem: only while planned; a registered presenter; at most the limit of items. */
export function decideAddAgendaItem(
  c: Consultation,
  item: AgendaItemInput,
  parties: Parties,
  ctx: ConsultationContext,
): DecisionWithRevision<Consultation> {
  transition(c.consultationId, c.status, "addAgendaItem");
  checkParties(agendaItemRefs(item), parties);
  if (c.agenda.length + 1 > CONSULTATION_LIMITS.agendaItems)
    invalid("item", `a consultation has at most ${CONSULTATION_LIMITS.agendaItems} agenda items`);
  return sendingAgenda(
    changed(c, "addAgendaItem", "AddAgendaItem", { agenda: [...c.agenda, { ...item, agendaItemId: ctx.newId() }] }, ctx.now),
    parties,
    ctx,
  );
}

/** RecordAttendees: planned or in progress; active organisations; at most the limit of attendees. */
export function decideRecordAttendees(
  c: Consultation,
  list: readonly AttendeeInput[],
  parties: Parties,
  ctx: ConsultationContext,
): DecisionWithRevision<Consultation> {
  transition(c.consultationId, c.status, "recordAttendees");
  checkParties(attendeeRefs(list), parties);
  if (c.attendees.length + list.length > CONSULTATION_LIMITS.attendees)
    invalid("attendees", `a consultation has at most ${CONSULTATION_LIMITS.attendees} attendees`);
  const added = list.map((a) => ({ ...a, attendeeId: ctx.newId() }));
  return sendingAgenda(changed(c, "recordAttendees", "RecordAttendees", { attendees: [...c.attendees, ...added] }, ctx.now), parties, ctx);
}

/**
 * RescheduleConsultation: a planned consultation moves to a new time and/or place (at least one
 * of them changes); once held or cancelled its time and place are history. The districts
 * concerned receive the change.
 */
export function decideReschedule(
  c: Consultation,
  r: { scheduledTime: Date; location: string; reason: string },
  parties: Parties,
  ctx: ConsultationContext,
): DecisionWithRevision<Consultation> {
  transition(c.consultationId, c.status, "reschedule");
  const location = r.location || c.location;
  if (r.scheduledTime.getTime() === c.scheduledTime.getTime() && location === c.location)
    invalid("scheduled_time", "is the consultation's current time and place: nothing to reschedule");
  return sendingAgenda(
    changed(c, "reschedule", "RescheduleConsultation", { scheduledTime: r.scheduledTime, location }, ctx.now),
    parties,
    ctx,
  );
}

/** RemoveAgendaItem: only while planned, one of its own items. The districts concerned receive the change. */
export function decideRemoveAgendaItem(
  c: Consultation,
  agendaItemId: string,
  parties: Parties,
  ctx: ConsultationContext,
): DecisionWithRevision<Consultation> {
  transition(c.consultationId, c.status, "removeAgendaItem");
  const id = agendaItemId.toLowerCase();
  if (!c.agenda.some((a) => a.agendaItemId === id)) invalid("agenda_item_id", "is not an agenda item of this consultation");
  return sendingAgenda(
    changed(c, "removeAgendaItem", "RemoveAgendaItem", { agenda: c.agenda.filter((a) => a.agendaItemId !== id) }, ctx.now),
    parties,
    ctx,
  );
}

/**
 * RemoveAttendee: only while planned, one of its own attendees, and both sides of the mechanism
 * still attend afterwards (`mechanism` is the consultation's; consultations recorded before the
 * rule, without one, are not checked). The districts concerned receive the change.
 */
export function decideRemoveAttendee(
  c: Consultation,
  attendeeId: string,
  mechanism: MechanismFacts | undefined,
  parties: Parties,
  ctx: ConsultationContext,
): DecisionWithRevision<Consultation> {
  transition(c.consultationId, c.status, "removeAttendee");
  const id = attendeeId.toLowerCase();
  if (!c.attendees.some((a) => a.attendeeId === id)) invalid("attendee_id", "is not an attendee of this consultation");
  const attendees = c.attendees.filter((a) => a.attendeeId !== id);
  if (mechanism) assertBothSides(c.consultationId, attendees, mechanism);
  return sendingAgenda(changed(c, "removeAttendee", "RemoveAttendee", { attendees }, ctx.now), parties, ctx);
}

/**
 * CorrectOutcome: while in progress or after closing, an outcome's text is corrected with a
 * reason as a new version; every earlier version is kept. A correction that changes nothing is
 * refused.
 */
export function decideCorrectOutcome(
  c: Consultation,
  k: { outcomeId: string; text: string; reason: string },
  ctx: ConsultationContext,
): DecisionWithRevision<Consultation> {
  transition(c.consultationId, c.status, "correctOutcome");
  const id = k.outcomeId.toLowerCase();
  const outcome = c.outcomes.find((o) => o.outcomeId === id);
  if (!outcome) invalid("outcome_id", "is not an outcome of this consultation");
  if (currentText(outcome) === k.text) invalid("text", "is the outcome's current text: nothing to correct");
  const recorded: Recorded = { actor: ctx.audit.actor, requestId: ctx.audit.requestId, jurisdiction: ctx.here, at: ctx.now };
  const corrected: Outcome = {
    ...outcome,
    corrections: [...outcome.corrections, { version: currentVersion(outcome) + 1, text: k.text, reason: k.reason, recorded }],
  };
  return changed(c, "correctOutcome", "CorrectOutcome", { outcomes: c.outcomes.map((o) => (o.outcomeId === id ? corrected : o)) }, ctx.now);
}

/** StartConsultation: a planned consultation is held from now. */
export function decideStart(c: Consultation, ctx: ConsultationContext): Decision<Consultation> {
  return changed(c, "start", "StartConsultation", { startTime: ctx.now }, ctx.now);
}

export interface OutcomeDecision {
  readonly consultation: Decision<Consultation>;
  /** The action item an ACTION outcome creates. */
  readonly actionItem?: Decision<ActionItem>;
  readonly outcomeId: string;
}

/**
 * RecordOutcome: only while in progress, on one of its own agenda items if any. An ACTION outcome
 * creates an action item tracked by this consultation: owned here by an active organisation's
 * department (with any joint owners), or handed to another node, which is sent it: at the city,
 * assigned to a district; at a district, raised to the city. The outcome's id is drawn by the
 * caller, so a retried request answers with the same outcome.
 */
export function decideOutcome(
  outcomeId: string,
  c: Consultation,
  o: ValidOutcome,
  parties: Parties,
  ctx: ConsultationContext,
): OutcomeDecision {
  transition(c.consultationId, c.status, "recordOutcome");
  assertAgendaItemOf(
    c.agenda.map((a) => a.agendaItemId),
    o.agendaItemId,
  );
  checkParties(outcomeRefs(o), parties);
  const recorded: Recorded = { actor: ctx.audit.actor, requestId: ctx.audit.requestId, jurisdiction: ctx.here, at: ctx.now };
  let actionItem: Decision<ActionItem> | undefined;
  if (o.action) {
    const a = o.action;
    const item: ActionItem = {
      actionItemId: ctx.newId(),
      title: a.title,
      owner: a.owner,
      jointOwners: a.jointOwners ?? [],
      assigneeJurisdictionCode: a.assigneeJurisdictionCode ?? "",
      dueTime: a.dueTime,
      status: "OPEN",
      origin: "LOCAL",
      originJurisdictionCode: ctx.here,
      originConsultationId: c.consultationId,
      consultationId: c.consultationId,
      seriesId: c.seriesId,
      carryOverCount: 0,
      revision: 0,
      createTime: ctx.now,
      updateTime: ctx.now,
      lastReportSequence: 0,
      progress: [],
      extensions: [],
    };
    const deciding = { consultationId: c.consultationId, title: c.title, kind: c.kind, outcomeText: o.text };
    const events = !a.assigneeJurisdictionCode
      ? []
      : a.assigneeJurisdictionCode === CITY_JURISDICTION
        ? [raisedEvent(item, deciding, ctx.audit)]
        : [assignedEvent(item, deciding, ctx.audit)];
    actionItem = { state: item, action: "RecordOutcome", events };
  }
  const outcome: Outcome = {
    outcomeId,
    type: o.type,
    text: o.text,
    agendaItemId: o.agendaItemId,
    actionItemId: actionItem?.state.actionItemId ?? "",
    reason: o.reason,
    recorded,
    corrections: [],
  };
  return {
    consultation: changed(c, "recordOutcome", "RecordOutcome", { outcomes: [...c.outcomes, outcome] }, ctx.now),
    actionItem,
    outcomeId: outcome.outcomeId,
  };
}

/** What closing or cancelling reads before it decides: the series, and the unfinished items tracked. */
export interface LeavingFacts {
  readonly series: readonly SeriesMember[];
  readonly tracked: readonly ActionItem[];
}

/**
 * Closing or cancelling: the consultation stops tracking its unfinished action items, which go to
 * the earliest planned consultation of the series (or wait for the next one scheduled).
 */
function leave(c: Consultation, d: DecisionWithRevision<Consultation>, facts: LeavingFacts, now: Date): ConsultationDecision {
  const target = carryOverTarget(c.consultationId, facts.series);
  return {
    consultation: d,
    carriedOver: target ? decideCarryOver(facts.tracked, target, now) : [],
    carryReason: target ? carryOverReason(target) : "",
  };
}

/** CloseConsultation: an in-progress consultation ends with its minutes. */
export function decideClose(c: Consultation, minutes: string, facts: LeavingFacts, ctx: ConsultationContext): ConsultationDecision {
  return leave(c, changed(c, "close", "CloseConsultation", { minutes, endTime: ctx.now }, ctx.now), facts, ctx.now);
}

/** CancelConsultation: a planned consultation is called off; the districts concerned are told. */
export function decideCancel(c: Consultation, facts: LeavingFacts & { parties?: Parties }, ctx: ConsultationContext): ConsultationDecision {
  const d = sendingAgenda(changed(c, "cancel", "CancelConsultation", { endTime: ctx.now }, ctx.now), facts.parties ?? new Map(), ctx);
  return leave(c, d, facts, ctx.now);
}
