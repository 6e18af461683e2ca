/**
 * The published language of consultations: the agenda of a municipal consultation sent down to
 * each district it concerns (downward flows, domain brief), and what a district keeps of it.
 * Event-carried state: each event holds the whole agenda at a revision; a district keeps the
 * newest revision it received.
 */
import { CITY_JURISDICTION, isDistrictCode } from "@jinlian/kernel";
import {
  emit,
  enumCodec,
  InvalidArgumentError,
  isUuid,
  liaisonEvents,
  toNode,
  Violations,
  type AuditMetadata,
  type EventToEmit,
} from "@jinlian/chassis";
import { liaisonEventsV1, liaisonV1 } from "@jinlian/proto";
import type { OrganisationRef } from "./action-item";
import { consultationKindCodec } from "./action-item-events";
import type { Consultation, ConsultationKind, ConsultationStatus } from "./consultation";
import type { Parties } from "./consultation-parties";

const statusCodec = enumCodec(liaisonV1.ConsultationStatus, "CONSULTATION_STATUS_", [
  "PLANNED",
  "IN_PROGRESS",
  "CLOSED",
  "CANCELLED",
] as const satisfies readonly ConsultationStatus[]);

function ref(parties: Parties, id: string): liaisonV1.Attendee["organisation"] {
  const p = id ? parties.get(id) : undefined;
  return p ? { creditCode: p.creditCode, jurisdictionCode: p.jurisdictionCode, name: p.name } : undefined;
}

/**
 * The agenda as a district receives it: organisations named by reference (the district's registry
 * does not hold the city's ids), `parties` holding those the consultation names.
 */
export function agendaOf(c: Consultation, parties: Parties, reason: string): liaisonV1.ConsultationAgenda {
  return {
    consultationId: c.consultationId,
    issuingJurisdictionCode: CITY_JURISDICTION,
    kind: consultationKindCodec.toProto(c.kind),
    title: c.title,
    scheduledTime: c.scheduledTime,
    location: c.location,
    status: statusCodec.toProto(c.status),
    agenda: c.agenda.map((a) => ({
      agendaItemId: a.agendaItemId,
      topic: a.topic,
      presenter: a.presenter,
      presenterOrganisationId: "",
      durationMinutes: a.durationMinutes,
      presenterCreditCode: "",
      presenterOrganisation: ref(parties, a.presenterOrganisationId),
    })),
    attendees: c.attendees.map((a) => ({
      name: a.name,
      organisationId: "",
      title: a.title,
      attendeeId: a.attendeeId,
      creditCode: "",
      organisation: ref(parties, a.organisationId),
    })),
    concernedJurisdictionCodes: [...c.concernedJurisdictionCodes],
    revision: c.revision,
    reason,
    receiveTime: undefined,
  };
}

/** One event per district concerned, each carrying the agenda at the consultation's new revision. */
export function agendaSentEvents(c: Consultation, parties: Parties, audit: AuditMetadata): EventToEmit[] {
  const data: liaisonEventsV1.ConsultationAgendaSent = {
    consultationId: c.consultationId,
    agenda: agendaOf(c, parties, audit.reason),
    audit,
  };
  return [
    emit(
      liaisonEvents.consultationAgendaSent,
      c.consultationId,
      data,
      c.concernedJurisdictionCodes.map((d) => toNode(d)),
    ),
  ];
}

/** An agenda as a district keeps it. */
export interface ReceivedAgenda {
  readonly consultationId: string;
  readonly issuingJurisdictionCode: string;
  readonly kind: ConsultationKind;
  readonly title: string;
  readonly scheduledTime: Date;
  readonly location: string;
  readonly status: ConsultationStatus;
  readonly agenda: readonly {
    agendaItemId: string;
    topic: string;
    presenter: string;
    presenterOrganisation?: OrganisationRef;
    durationMinutes: number;
  }[];
  readonly attendees: readonly { attendeeId: string; name: string; title: string; organisation?: OrganisationRef }[];
  readonly concernedJurisdictionCodes: readonly string[];
  readonly revision: number;
  readonly reason: string;
  readonly receiveTime: Date;
}

export interface ReceivedAgendaFilter {
  period?: { from?: Date; until?: Date };
  status?: ConsultationStatus;
}

const plainRef = (r: OrganisationRef | undefined): OrganisationRef | undefined =>
  r ? { creditCode: r.creditCode, jurisdictionCode: r.jurisdictionCode, name: r.name } : undefined;

/**
 * At a district node: an agenda sent by the city. It must come from the city, concern this
 * district and be whole; it replaces what is held only when its revision is newer (a repeat or a
 * stale one changes nothing: undefined).
 */
export function decideAgendaReceived(
  held: { revision: number } | undefined,
  e: liaisonEventsV1.ConsultationAgendaSent,
  ctx: { here: string; from: string; now: Date; eventId: string },
): ReceivedAgenda | undefined {
  const v = new Violations();
  const a = e.agenda;
  if (ctx.from !== CITY_JURISDICTION || !isDistrictCode(ctx.here))
    v.add("source", `agendas come from the municipal node to a district, not ${ctx.from}`);
  if (!a) v.add("agenda", "is required");
  else {
    if (!isUuid(a.consultationId) || a.consultationId !== e.consultationId)
      v.add("agenda.consultation_id", "must be the event's consultation id");
    if (!a.concernedJurisdictionCodes.includes(ctx.here))
      v.add("agenda.concerned_jurisdiction_codes", `does not name this district ${ctx.here}`);
    if (!Number.isInteger(a.revision) || a.revision < 1) v.add("agenda.revision", "must be 1 or more");
    if (!a.scheduledTime) v.add("agenda.scheduled_time", "is required");
    if (a.title.trim().length === 0) v.add("agenda.title", "is required");
  }
  const kind = a ? consultationKindCodec.fromProto(a.kind) : undefined;
  const status = a ? statusCodec.fromProto(a.status) : undefined;
  if (a && !kind) v.add("agenda.kind", "is required");
  if (a && status !== "PLANNED" && status !== "CANCELLED") v.add("agenda.status", "must be PLANNED or CANCELLED");
  if (!v.isEmpty)
    throw new InvalidArgumentError(
      v.all,
      `unexpected agenda ${ctx.eventId}: ${v.all.map((x) => `${x.field} ${x.description}`).join("; ")}`,
    );
  if (held && held.revision >= a!.revision) return undefined;
  return {
    consultationId: a!.consultationId,
    issuingJurisdictionCode: ctx.from,
    kind: kind!,
    title: a!.title,
    scheduledTime: a!.scheduledTime!,
    location: a!.location,
    status: status!,
    agenda: a!.agenda.map((x) => ({
      agendaItemId: x.agendaItemId,
      topic: x.topic,
      presenter: x.presenter,
      ...(x.presenterOrganisation ? { presenterOrganisation: plainRef(x.presenterOrganisation) } : {}),
      durationMinutes: x.durationMinutes,
    })),
    attendees: a!.attendees.map((x) => ({
      attendeeId: x.attendeeId,
      name: x.name,
      title: x.title,
      ...(x.organisation ? { organisation: plainRef(x.organisation) } : {}),
    })),
    concernedJurisdictionCodes: [...a!.concernedJurisdictionCodes],
    revision: a!.revision,
    reason: a!.reason,
    receiveTime: ctx.now,
  };
}

/** The agenda a district holds, for its callers. */
export function toProtoReceivedAgenda(r: ReceivedAgenda): liaisonV1.ConsultationAgenda {
  return {
    consultationId: r.consultationId,
    issuingJurisdictionCode: r.issuingJurisdictionCode,
    kind: consultationKindCodec.toProto(r.kind),
    title: r.title,
    scheduledTime: r.scheduledTime,
    location: r.location,
    status: statusCodec.toProto(r.status),
    agenda: r.agenda.map((x) => ({
      agendaItemId: x.agendaItemId,
      topic: x.topic,
      presenter: x.presenter,
      presenterOrganisationId: "",
      durationMinutes: x.durationMinutes,
      presenterCreditCode: "",
      presenterOrganisation: x.presenterOrganisation,
    })),
    attendees: r.attendees.map((x) => ({
      name: x.name,
      organisationId: "",
      title: x.title,
      attendeeId: x.attendeeId,
      creditCode: "",
      organisation: x.organisation,
    })),
    concernedJurisdictionCodes: [...r.concernedJurisdictionCodes],
    revision: r.revision,
    reason: r.reason,
    receiveTime: r.receiveTime,
  };
}
