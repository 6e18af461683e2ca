import { implement, Violations, type RegisteredService } from "@jinlian/chassis";
import { liaisonV1 } from "@jinlian/proto";
import type { ActionItemApp, ActionItemListFilter, ActionItemView } from "../../app/action-item-app";
import type { GrpcOptions } from "../../app/area";
import {
  actionItemOriginCodec,
  actionItemStatusCodec,
  consultationKindCodec,
  consultationStatusCodec,
  optionalEnum,
  outcomeTypeCodec,
} from "../../app/codecs";
import type { ConsultationApp, ConsultationListFilter, ConsultationView } from "../../app/consultation-app";
import { actorOf } from "../../app/support";
import type { AgendaItemInput, AttendeeInput } from "../../domain/consultation";
import type { OutcomeRow, ProgressRow } from "../../persistence/consultation-repository";

const P = liaisonV1;

// ---- requests -> domain ----
// Enums decode to undefined when unspecified or not defined by the contract; the domain then
// names the field ("must be one of ...").

function agendaItemFrom(a: liaisonV1.AgendaItem): AgendaItemInput {
  return { topic: a.topic, presenter: a.presenter, presenterOrganisationId: a.presenterOrganisationId, durationMinutes: a.durationMinutes };
}

function attendeeFrom(a: liaisonV1.Attendee): AttendeeInput {
  return { name: a.name, organisationId: a.organisationId, title: a.title };
}

function consultationFilterFrom(v: Violations, f: liaisonV1.ConsultationFilter | undefined): ConsultationListFilter {
  const out: ConsultationListFilter = {};
  if (f) {
    out.kind = optionalEnum(v, "filter.kind", f.kind, consultationKindCodec);
    out.status = optionalEnum(v, "filter.status", f.status, consultationStatusCodec);
    if (f.seriesId.trim()) out.seriesId = f.seriesId.trim();
    if (f.text.trim()) out.text = f.text.trim();
  }
  return withoutUndefined(out);
}

function actionItemFilterFrom(v: Violations, f: liaisonV1.ActionItemFilter | undefined): ActionItemListFilter {
  const out: ActionItemListFilter = {};
  if (f) {
    out.status = optionalEnum(v, "filter.status", f.status, actionItemStatusCodec);
    out.origin = optionalEnum(v, "filter.origin", f.origin, actionItemOriginCodec);
    if (f.consultationId.trim()) out.consultationId = f.consultationId.trim();
    if (f.seriesId.trim()) out.seriesId = f.seriesId.trim();
    if (f.ownerOrganisationId.trim()) out.ownerOrganisationId = f.ownerOrganisationId.trim();
    if (f.assigneeJurisdictionCode.trim()) out.assigneeJurisdictionCode = f.assigneeJurisdictionCode.trim();
    if (f.overdueOnly) out.overdueOnly = true;
  }
  return withoutUndefined(out);
}

/** Absent filters leave no key, so a page token's fingerprint depends only on filters given. */
function withoutUndefined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

// ---- domain -> responses ----

function auditOf(r: { actor: string; request_id: string; jurisdiction: string; occurred_at: Date }, reason: string) {
  return { actor: r.actor, reason, requestId: r.request_id, occurTime: r.occurred_at, jurisdictionCode: r.jurisdiction };
}

function toProtoProgress(r: ProgressRow): liaisonV1.ProgressReport {
  return { status: actionItemStatusCodec.toProto(r.status), note: r.note, audit: auditOf(r, r.note) };
}

export function toProtoActionItem(v: ActionItemView): liaisonV1.ActionItem {
  const r = v.row;
  return {
    actionItemId: r.action_item_id,
    title: r.title,
    owner: r.owner_organisation_id ? { organisationId: r.owner_organisation_id, departmentId: r.owner_department_id ?? "" } : undefined,
    assigneeJurisdictionCode: r.assignee_jurisdiction_code ?? "",
    dueTime: r.due_time,
    status: actionItemStatusCodec.toProto(r.status),
    overdue: v.overdue,
    originConsultationId: r.origin_consultation_id,
    consultationId: r.consultation_id,
    seriesId: r.series_id ?? "",
    carryOverCount: r.carry_over_count,
    origin: actionItemOriginCodec.toProto(r.origin),
    originJurisdictionCode: r.origin_jurisdiction_code,
    progress: v.progress.map(toProtoProgress),
    revision: r.revision,
    createTime: r.created_at,
  };
}

export function toProtoOutcome(o: OutcomeRow): liaisonV1.Outcome {
  return {
    outcomeId: o.outcome_id,
    type: outcomeTypeCodec.toProto(o.type),
    text: o.text,
    agendaItemId: o.agenda_item_id ?? "",
    actionItemId: o.action_item_id ?? "",
    audit: auditOf(o, o.reason),
  };
}

export function toProtoConsultation(v: ConsultationView): liaisonV1.Consultation {
  const r = v.row;
  return {
    consultationId: r.consultation_id,
    kind: consultationKindCodec.toProto(r.kind),
    seriesId: r.series_id,
    title: r.title,
    mechanismId: r.mechanism_id ?? "",
    scheduledTime: r.scheduled_time,
    location: r.location,
    status: consultationStatusCodec.toProto(r.status),
    agenda: v.agenda.map((a) => ({
      agendaItemId: a.agenda_item_id,
      topic: a.topic,
      presenter: a.presenter,
      presenterOrganisationId: a.presenter_organisation_id ?? "",
      durationMinutes: a.duration_minutes,
    })),
    attendees: v.attendees.map((a) => ({ name: a.name, organisationId: a.organisation_id, title: a.title })),
    outcomes: v.outcomes.map(toProtoOutcome),
    minutes: r.minutes,
    actionItems: v.actionItems.map(toProtoActionItem),
    revision: r.revision,
    startTime: r.start_time ?? undefined,
    endTime: r.end_time ?? undefined,
  };
}

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
                  owner: a.owner ? { organisationId: a.owner.organisationId, departmentId: a.owner.departmentId } : undefined,
                  assigneeJurisdictionCode: a.assigneeJurisdictionCode,
                  dueTime: a.dueTime,
                }
              : undefined,
            reason: req.reason,
          },
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
            owner: req.owner ? { organisationId: req.owner.organisationId, departmentId: req.owner.departmentId } : undefined,
          },
          actorOf(call),
        );
        return { actionItem: toProtoActionItem(view) };
      },
    },
    grpc,
  );
  return { name: "jinlian.liaison.v1.ConsultationService", definition: P.ConsultationServiceService, implementation };
}
