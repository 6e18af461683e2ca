/**
 * Consultations (art. 1): high-level consultations (高层适时会商) and departmental working
 * consultations (部门工作协商), their agenda, attendees, typed outcomes and the carry-over of
 * unfinished action items along a series. Pure rules: no I/O, time is passed in.
 */
import { CITY_JURISDICTION, FailedPreconditionError, isDistrictCode, isUuid, textField, Violations } from "@jinlian/chassis";
import { isUnfinished, type ActionItemStatus } from "./action-item";

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
});

/** An id field: a UUID, or empty when optional. */
export function idField(v: Violations, field: string, value: string, required: boolean): string {
  const t = value.trim();
  if (t === "") {
    if (required) v.add(field, "is required");
  } else if (!isUuid(t)) v.add(field, "must be a UUID");
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
  if (list.length > CONSULTATION_LIMITS.attendees) v.add(field, `at most ${CONSULTATION_LIMITS.attendees} attendees at once`);
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
}

export type ValidSchedule = ScheduleInput & { kind: ConsultationKind; scheduledTime: Date };

/** Every rule of a new consultation that needs no lookup; all violations are reported at once. */
export function validateSchedule(s: ScheduleInput): ValidSchedule {
  const v = new Violations();
  const L = CONSULTATION_LIMITS;
  if (!s.kind) v.add("kind", `must be one of ${CONSULTATION_KINDS.join(", ")}`);
  const title = textField(v, "title", s.title, { required: true, max: L.titleChars });
  const seriesId = idField(v, "series_id", s.seriesId, false);
  const mechanismId = idField(v, "mechanism_id", s.mechanismId, false);
  if (!s.scheduledTime || Number.isNaN(s.scheduledTime.getTime())) v.add("scheduled_time", "is required");
  const location = textField(v, "location", s.location, { max: L.locationChars });
  if (s.agenda.length > L.agendaItems) v.add("agenda", `at most ${L.agendaItems} agenda items`);
  const agenda = s.agenda.map((a, i) => validateAgendaItem(v, `agenda[${i}]`, a));
  const attendees = validateAttendees(v, "attendees", s.attendees, false);
  const reason = textField(v, "reason", s.reason, { max: L.reasonChars });
  v.throwIfAny();
  return { ...s, kind: s.kind!, scheduledTime: s.scheduledTime!, title, seriesId, mechanismId, location, agenda, attendees, reason };
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

export type ConsultationAction = "addAgendaItem" | "recordAttendees" | "start" | "recordOutcome" | "close" | "cancel";

const ALLOWED: Record<ConsultationAction, readonly ConsultationStatus[]> = {
  addAgendaItem: ["PLANNED"],
  recordAttendees: ["PLANNED", "IN_PROGRESS"],
  start: ["PLANNED"],
  recordOutcome: ["IN_PROGRESS"],
  close: ["IN_PROGRESS"],
  cancel: ["PLANNED"],
};

const RESULT: Partial<Record<ConsultationAction, ConsultationStatus>> = { start: "IN_PROGRESS", close: "CLOSED", cancel: "CANCELLED" };

const WHAT: Record<ConsultationAction, string> = {
  addAgendaItem: "add an agenda item",
  recordAttendees: "record attendees",
  start: "start",
  recordOutcome: "record an outcome",
  close: "close",
  cancel: "cancel",
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

export interface ActionSpecInput {
  title: string;
  owner: ActionOwnerInput | undefined;
  assigneeJurisdictionCode: string;
  dueTime: Date | undefined;
}

export interface OutcomeInput {
  type: OutcomeType | undefined;
  text: string;
  agendaItemId: string;
  action: ActionSpecInput | undefined;
  reason: string;
}

export type ValidAction =
  | { title: string; dueTime: Date; owner: ActionOwnerInput; assigneeJurisdictionCode?: undefined }
  | { title: string; dueTime: Date; owner?: undefined; assigneeJurisdictionCode: string };

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
 * by when (in the future) and by whom: an owner at this node, or (the municipal node only) a
 * district node it is assigned to, never both. Other outcomes carry no action.
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
  if (a.owner) return { title, dueTime: a.dueTime!, owner: validateOwner(v, "action.owner", a.owner) };
  if (context.here !== CITY_JURISDICTION)
    v.add("action.assignee_jurisdiction_code", "only the municipal node assigns actions to district nodes");
  else if (!isDistrictCode(assignee)) v.add("action.assignee_jurisdiction_code", "must be one of the 16 district codes of Tianjin");
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
