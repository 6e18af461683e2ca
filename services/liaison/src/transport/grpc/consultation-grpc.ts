import {
  actorOf,
  implement,
  MECHANISM,
  own,
  ownOrCity,
  periodField,
  Violations,
  type AccessRules,
  type RegisteredService,
} from "@jinlian/chassis";
import { commonV1, liaisonV1 } from "@jinlian/proto";
import type { ActionItemApp, ActionItemView } from "../../app/action-item-app";
import type { HandlerOptions as GrpcOptions } from "@jinlian/chassis";
import { actionItemOriginCodec, consultationStatusCodec, optionalEnum, outcomeTypeCodec } from "../../app/codecs";
import type { ConsultationApp, ConsultationView, NamedAgendaItem, NamedAttendee } from "../../app/consultation-app";
import type { ActionItemListFilter, ActionOwner, DueDateExtension, ProgressReport, Recorded } from "../../domain/action-item";
import { actionItemStatusCodec, consultationKindCodec } from "../../domain/action-item-events";
import { currentText, currentVersion, type ConsultationListFilter, type Outcome } from "../../domain/consultation";
import { toProtoReceivedAgenda, type ReceivedAgendaFilter } from "../../domain/consultation-events";
import type { Parties } from "../../domain/consultation-parties";

const P = liaisonV1;

// ---- requests -> domain ----
// Enums decode to undefined when unspecified or not defined by the contract; the domain then
// names the field ("must be one of ...").

function agendaItemFrom(a: liaisonV1.AgendaItem): NamedAgendaItem {
  return {
    topic: a.topic,
    presenter: a.presenter,
    presenterOrganisationId: a.presenterOrganisationId,
    presenterCreditCode: a.presenterCreditCode,
    durationMinutes: a.durationMinutes,
  };
}

function attendeeFrom(a: liaisonV1.Attendee): NamedAttendee {
  return { name: a.name, organisationId: a.organisationId, creditCode: a.creditCode, title: a.title };
}

function ownerFrom(o: liaisonV1.ActionOwner): ActionOwner {
  return { organisationId: o.organisationId, departmentId: o.departmentId };
}

function consultationFilterFrom(v: Violations, f: liaisonV1.ConsultationFilter | undefined): ConsultationListFilter {
  const out: ConsultationListFilter = {};
  if (f) {
    out.kind = optionalEnum(v, "filter.kind", f.kind, consultationKindCodec);
    out.status = optionalEnum(v, "filter.status", f.status, consultationStatusCodec);
    if (f.seriesId.trim()) out.seriesId = f.seriesId.trim();
    if (f.text.trim()) out.text = f.text.trim();
    if (f.mechanismId.trim()) out.mechanismId = f.mechanismId.trim();
    const period = periodField(v, "filter.period", f.period);
    if (period.from || period.until) out.period = period;
  }
  return withoutUndefined(out);
}

function receivedAgendaFilterFrom(v: Violations, f: liaisonV1.ReceivedAgendaFilter | undefined): ReceivedAgendaFilter {
  const out: ReceivedAgendaFilter = {};
  if (f) {
    out.status = optionalEnum(v, "filter.status", f.status, consultationStatusCodec);
    const period = periodField(v, "filter.period", f.period);
    if (period.from || period.until) out.period = period;
  }
  return withoutUndefined(out);
}

function actionItemFilterFrom(
  v: Violations,
  f: liaisonV1.ActionItemFilter | undefined,
): ActionItemListFilter & { ownerCreditCode?: string } {
  const out: ActionItemListFilter & { ownerCreditCode?: string } = {};
  if (f) {
    out.status = optionalEnum(v, "filter.status", f.status, actionItemStatusCodec);
    out.origin = optionalEnum(v, "filter.origin", f.origin, actionItemOriginCodec);
    if (f.consultationId.trim()) out.consultationId = f.consultationId.trim();
    if (f.seriesId.trim()) out.seriesId = f.seriesId.trim();
    if (f.ownerOrganisationId.trim()) out.ownerOrganisationId = f.ownerOrganisationId.trim();
    if (f.assigneeJurisdictionCode.trim()) out.assigneeJurisdictionCode = f.assigneeJurisdictionCode.trim();
    if (f.overdueOnly) out.overdueOnly = true;
    if (f.originConsultationId.trim()) out.originConsultationId = f.originConsultationId.trim();
    if (f.ownerCreditCode.trim()) out.ownerCreditCode = f.ownerCreditCode.trim();
    if (f.dueBefore) {
      if (Number.isNaN(f.dueBefore.getTime())) v.add("filter.due_before", "must be a valid time");
      else out.dueBefore = f.dueBefore;
    }
  }
  return withoutUndefined(out);
}

/** Absent filters leave no key, so a page token's fingerprint depends only on filters given. */
function withoutUndefined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

// ---- domain -> responses ----

function auditOf(r: Recorded, reason: string): commonV1.AuditMetadata {
  return { actor: r.actor, reason, requestId: r.requestId, occurTime: r.at, jurisdictionCode: r.jurisdiction };
}

function toProtoProgress(p: ProgressReport): liaisonV1.ProgressReport {
  return { status: actionItemStatusCodec.toProto(p.status), note: p.note, audit: auditOf(p.recorded, p.note), reportedBy: p.reportedBy };
}

/** An organisation of this node's registry as a reference (credit code, jurisdiction, name). */
function refIn(names: Parties, id: string): liaisonV1.Attendee["organisation"] {
  const p = id ? names.get(id) : undefined;
  return p ? { creditCode: p.creditCode, jurisdictionCode: p.jurisdictionCode, name: p.name } : undefined;
}

function toProtoOwner(o: ActionOwner, names: Parties): liaisonV1.ActionOwner {
  const organisation = refIn(names, o.organisationId);
  return { organisationId: o.organisationId, departmentId: o.departmentId, creditCode: organisation?.creditCode ?? "", organisation };
}

function toProtoExtension(e: DueDateExtension): liaisonV1.DueDateExtension {
  return { previousDueTime: e.previousDueTime, dueTime: e.dueTime, audit: auditOf(e.recorded, e.reason) };
}

export function toProtoActionItem(v: ActionItemView): liaisonV1.ActionItem {
  const a = v.item;
  return {
    actionItemId: a.actionItemId,
    title: a.title,
    owner: a.owner ? toProtoOwner(a.owner, v.names) : undefined,
    jointOwners: a.jointOwners.map((o) => toProtoOwner(o, v.names)),
    extensions: a.extensions.map(toProtoExtension),
    assigneeJurisdictionCode: a.assigneeJurisdictionCode,
    dueTime: a.dueTime,
    status: actionItemStatusCodec.toProto(a.status),
    overdue: v.overdue,
    originConsultationId: a.originConsultationId,
    consultationId: a.consultationId,
    seriesId: a.seriesId,
    carryOverCount: a.carryOverCount,
    origin: actionItemOriginCodec.toProto(a.origin),
    originJurisdictionCode: a.originJurisdictionCode,
    progress: a.progress.map(toProtoProgress),
    revision: a.revision,
    createTime: a.createTime,
  };
}

export function toProtoOutcome(o: Outcome): liaisonV1.Outcome {
  return {
    outcomeId: o.outcomeId,
    type: outcomeTypeCodec.toProto(o.type),
    text: currentText(o),
    agendaItemId: o.agendaItemId,
    actionItemId: o.actionItemId,
    audit: auditOf(o.recorded, o.reason),
    version: currentVersion(o),
    history: [
      { version: 1, text: o.text, audit: auditOf(o.recorded, o.reason) },
      ...o.corrections.map((k) => ({ version: k.version, text: k.text, audit: auditOf(k.recorded, k.reason) })),
    ],
  };
}

export function toProtoConsultation(v: ConsultationView): liaisonV1.Consultation {
  const c = v.consultation;
  return {
    consultationId: c.consultationId,
    kind: consultationKindCodec.toProto(c.kind),
    seriesId: c.seriesId,
    title: c.title,
    mechanismId: c.mechanismId,
    scheduledTime: c.scheduledTime,
    location: c.location,
    status: consultationStatusCodec.toProto(c.status),
    agenda: c.agenda.map((a) => {
      const presenterOrganisation = refIn(v.names, a.presenterOrganisationId);
      return {
        agendaItemId: a.agendaItemId,
        topic: a.topic,
        presenter: a.presenter,
        presenterOrganisationId: a.presenterOrganisationId,
        durationMinutes: a.durationMinutes,
        presenterCreditCode: presenterOrganisation?.creditCode ?? "",
        presenterOrganisation,
      };
    }),
    attendees: c.attendees.map((a) => {
      const organisation = refIn(v.names, a.organisationId);
      return {
        name: a.name,
        organisationId: a.organisationId,
        title: a.title,
        attendeeId: a.attendeeId,
        creditCode: organisation?.creditCode ?? "",
        organisation,
      };
    }),
    concernedJurisdictionCodes: [...c.concernedJurisdictionCodes],
    outcomes: c.outcomes.map(toProtoOutcome),
    minutes: c.minutes,
    actionItems: v.actionItems.map(toProtoActionItem),
    revision: c.revision,
    startTime: c.startTime,
    endTime: c.endTime,
  };
}

// Consultations and their action items are the mechanism's own business (art. 1): the two sides of
// the node hold, record, report progress, extend and raise. Reads admit the city, which oversees
// the districts' follow-up; they carry organisations, attendees' names and posts, no party's data.
const access = {
  scheduleConsultation: own(...MECHANISM),
  addAgendaItem: own(...MECHANISM),
  recordAttendees: own(...MECHANISM),
  startConsultation: own(...MECHANISM),
  recordOutcome: own(...MECHANISM),
  closeConsultation: own(...MECHANISM),
  cancelConsultation: own(...MECHANISM),
  getConsultation: ownOrCity(...MECHANISM),
  listConsultations: ownOrCity(...MECHANISM),
  getActionItem: ownOrCity(...MECHANISM),
  listActionItems: ownOrCity(...MECHANISM),
  updateActionItemProgress: own(...MECHANISM),
  rescheduleConsultation: own(...MECHANISM),
  removeAgendaItem: own(...MECHANISM),
  removeAttendee: own(...MECHANISM),
  correctOutcome: own(...MECHANISM),
  extendActionItemDueDate: own(...MECHANISM),
  raiseActionItem: own(...MECHANISM),
  getReceivedAgenda: ownOrCity(...MECHANISM),
  listReceivedAgendas: ownOrCity(...MECHANISM),
} satisfies AccessRules<typeof liaisonV1.ConsultationServiceService>;

/** jinlian.liaison.v1.ConsultationService over the consultation and action-item use cases. */
export function consultationGrpcService(consultations: ConsultationApp, actionItems: ActionItemApp, grpc: GrpcOptions): RegisteredService {
  const implementation = implement(
    P.ConsultationServiceService,
    {
      async scheduleConsultation(req, call) {
        const view = await consultations.schedule(
          {
            kind: consultationKindCodec.fromProto(req.kind),
            title: req.title,
            seriesId: req.seriesId,
            mechanismId: req.mechanismId,
            scheduledTime: req.scheduledTime,
            location: req.location,
            agenda: req.agenda.map(agendaItemFrom),
            attendees: req.attendees.map(attendeeFrom),
            reason: req.reason,
            concernedJurisdictionCodes: req.concernedJurisdictionCodes,
          },
          actorOf(call),
        );
        return { consultation: toProtoConsultation(view) };
      },
      async addAgendaItem(req, call) {
        const view = await consultations.addAgendaItem(
          req.consultationId,
          req.expectedRevision,
          req.item ? agendaItemFrom(req.item) : undefined,
          req.reason,
          actorOf(call),
        );
        return { consultation: toProtoConsultation(view) };
      },
      async recordAttendees(req, call) {
        const view = await consultations.recordAttendees(
          req.consultationId,
          req.expectedRevision,
          req.attendees.map(attendeeFrom),
          req.reason,
          actorOf(call),
        );
        return { consultation: toProtoConsultation(view) };
      },
      async startConsultation(req, call) {
        return {
          consultation: toProtoConsultation(await consultations.start(req.consultationId, req.expectedRevision, req.reason, actorOf(call))),
        };
      },
      async recordOutcome(req, call) {
        const a = req.action;
        const { consultation, outcome } = await consultations.recordOutcome(
          req.consultationId,
          req.expectedRevision,
          {
            type: outcomeTypeCodec.fromProto(req.type),
            text: req.text,
            agendaItemId: req.agendaItemId,
            action: a
              ? {
                  title: a.title,
                  owner: a.owner ? ownerFrom(a.owner) : undefined,
                  assigneeJurisdictionCode: a.assigneeJurisdictionCode,
                  dueTime: a.dueTime,
                  jointOwners: a.jointOwners.map(ownerFrom),
                }
              : undefined,
            reason: req.reason,
          },
          { owner: a?.owner?.creditCode ?? "", jointOwners: a?.jointOwners.map((o) => o.creditCode) ?? [] },
          actorOf(call),
        );
        return { consultation: toProtoConsultation(consultation), outcome: toProtoOutcome(outcome) };
      },
      async closeConsultation(req, call) {
        return {
          consultation: toProtoConsultation(
            await consultations.close(req.consultationId, req.expectedRevision, req.minutes, req.reason, actorOf(call)),
          ),
        };
      },
      async cancelConsultation(req, call) {
        return {
          consultation: toProtoConsultation(
            await consultations.cancel(req.consultationId, req.expectedRevision, req.reason, actorOf(call)),
          ),
        };
      },
      async getConsultation(req) {
        return { consultation: toProtoConsultation(await consultations.get(req.consultationId.trim())) };
      },
      async listConsultations(req) {
        // Unknown enums are collected with the app's own checks of the filter and page.
        const v = new Violations();
        const r = await consultations.list(consultationFilterFrom(v, req.filter), req.page?.pageSize ?? 0, req.page?.pageToken ?? "", v);
        return { consultations: r.items.map(toProtoConsultation), page: { nextPageToken: r.nextPageToken, totalSize: r.totalSize } };
      },
      async getActionItem(req) {
        return { actionItem: toProtoActionItem(await actionItems.get(req.actionItemId.trim())) };
      },
      async listActionItems(req) {
        const v = new Violations();
        const r = await actionItems.list(actionItemFilterFrom(v, req.filter), req.page?.pageSize ?? 0, req.page?.pageToken ?? "", v);
        return { actionItems: r.items.map(toProtoActionItem), page: { nextPageToken: r.nextPageToken, totalSize: r.totalSize } };
      },
      async updateActionItemProgress(req, call) {
        const view = await actionItems.updateProgress(
          req.actionItemId,
          req.expectedRevision,
          {
            status: actionItemStatusCodec.fromProto(req.status),
            note: req.note,
            owner: req.owner ? ownerFrom(req.owner) : undefined,
            jointOwners: req.jointOwners.map(ownerFrom),
            reportingOrganisationId: req.reportingOrganisationId,
          },
          actorOf(call),
          { owner: req.owner?.creditCode ?? "", jointOwners: req.jointOwners.map((o) => o.creditCode), reporting: req.reportingCreditCode },
        );
        return { actionItem: toProtoActionItem(view) };
      },
      async rescheduleConsultation(req, call) {
        const view = await consultations.reschedule(
          req.consultationId,
          req.expectedRevision,
          { scheduledTime: req.scheduledTime, location: req.location, reason: req.reason },
          actorOf(call),
        );
        return { consultation: toProtoConsultation(view) };
      },
      async removeAgendaItem(req, call) {
        const view = await consultations.removeAgendaItem(
          req.consultationId,
          req.expectedRevision,
          req.agendaItemId,
          req.reason,
          actorOf(call),
        );
        return { consultation: toProtoConsultation(view) };
      },
      async removeAttendee(req, call) {
        const view = await consultations.removeAttendee(
          req.consultationId,
          req.expectedRevision,
          req.attendeeId,
          req.reason,
          actorOf(call),
        );
        return { consultation: toProtoConsultation(view) };
      },
      async correctOutcome(req, call) {
        const { consultation, outcome } = await consultations.correctOutcome(
          req.consultationId,
          req.expectedRevision,
          { outcomeId: req.outcomeId, text: req.text, reason: req.reason },
          actorOf(call),
        );
        return { consultation: toProtoConsultation(consultation), outcome: toProtoOutcome(outcome) };
      },
      async extendActionItemDueDate(req, call) {
        const view = await actionItems.extendDueDate(
          req.actionItemId,
          req.expectedRevision,
          { dueTime: req.dueTime, reason: req.reason },
          actorOf(call),
        );
        return { actionItem: toProtoActionItem(view) };
      },
      async raiseActionItem(req, call) {
        const view = await actionItems.raise({ title: req.title, dueTime: req.dueTime, reason: req.reason }, actorOf(call));
        return { actionItem: toProtoActionItem(view) };
      },
      async getReceivedAgenda(req) {
        return { agenda: toProtoReceivedAgenda(await consultations.getReceivedAgenda(req.consultationId.trim())) };
      },
      async listReceivedAgendas(req) {
        const v = new Violations();
        const r = await consultations.listReceivedAgendas(
          receivedAgendaFilterFrom(v, req.filter),
          req.page?.pageSize ?? 0,
          req.page?.pageToken ?? "",
          v,
        );
        return { agendas: r.items.map(toProtoReceivedAgenda), page: { nextPageToken: r.nextPageToken, totalSize: r.totalSize } };
      },
    },
    { ...grpc, access },
  );
  return { name: "jinlian.liaison.v1.ConsultationService", definition: P.ConsultationServiceService, implementation };
}
