/**
 * The registry's published language: the organisation as every registry event carries it (the
 * contract's liaison.v1.Organisation, also what the gRPC answers show), and the event of each
 * change on the node's registry stream. Pure mapping, no I/O.
 */
import {
  emit,
  enumCodec,
  InvalidArgumentError,
  isUuid,
  liaisonEvents,
  toLocal,
  Violations,
  type AuditMetadata,
  type EventToEmit,
} from "@jinlian/chassis";
import { creditCodeProblem, describeCreditCodeProblem, isJurisdictionCode, ORGANISATION_TYPES } from "@jinlian/kernel";
import { commonV1, liaisonEventsV1, liaisonV1 } from "@jinlian/proto";
import type { Organisation, OrganisationChange, Related } from "./registry";

/** One field a correction changed, as OrganisationCorrected names it. */
export type FieldCorrection = liaisonEventsV1.FieldCorrection;

// Domain names <-> contract enums. fromProto gives undefined for UNSPECIFIED or unknown numbers.
export const organisationTypeCodec = enumCodec(commonV1.OrganisationType, "ORGANISATION_TYPE_", ORGANISATION_TYPES);
export const organisationStatusCodec = enumCodec(liaisonV1.OrganisationStatus, "ORGANISATION_STATUS_", [
  "ACTIVE",
  "DEACTIVATED",
  "MOVED",
] as const);
export const organisationChangeCodec = enumCodec(liaisonEventsV1.OrganisationChange, "ORGANISATION_CHANGE_", [
  "DETAILS",
  "DEPARTMENT_ADDED",
  "DEPARTMENT_REMOVED",
  "CONTACT_ADDED",
  "CONTACT_REMOVED",
  "CONTACT_UPDATED",
  "AFFILIATIONS",
] as const);

/** The registry stream of this node: every change, carrying the whole organisation. */
const REGISTRY = toLocal("registry");

const relatedToProto = (r: Related): liaisonV1.RelatedOrganisation => ({
  organisationId: r.organisationId,
  organisation: { creditCode: r.creditCode, jurisdictionCode: r.jurisdictionCode, name: r.name },
});

/**
 * The organisation as the contract shows it; `registryJurisdiction` is the node holding the
 * registry (a moved organisation names the node it moved to).
 */
export function organisationToProto(o: Organisation, registryJurisdiction: string): liaisonV1.Organisation {
  return {
    organisationId: o.organisationId,
    type: organisationTypeCodec.toProto(o.type),
    name: o.name,
    creditCode: o.creditCode,
    jurisdictionCode: o.jurisdictionCode,
    departments: o.departments.map((d) => ({ departmentId: d.departmentId, name: d.name })),
    contacts: o.contacts.map((c) => ({
      contactId: c.contactId,
      name: c.name,
      title: c.title,
      departmentId: c.departmentId,
      phone: c.phone,
      email: c.email,
    })),
    status: organisationStatusCodec.toProto(o.status),
    revision: o.revision,
    createTime: o.createdAt,
    updateTime: o.updatedAt,
    registryJurisdictionCode: o.movedTo || registryJurisdiction,
    industry: o.industry ? { section: o.industry.section, description: o.industry.description } : undefined,
    memberOf: (o.memberOf ?? []).map(relatedToProto),
    chamber: o.chamber ? relatedToProto(o.chamber) : undefined,
  };
}

const relatedFromProto = (r: liaisonV1.RelatedOrganisation): Related => ({
  organisationId: r.organisationId,
  creditCode: r.organisation?.creditCode ?? "",
  name: r.organisation?.name ?? "",
  jurisdictionCode: r.organisation?.jurisdictionCode ?? "",
});

/**
 * The organisation an OrganisationMoved delivery carries, or INVALID_ARGUMENT naming what is
 * malformed (checked as a registration is: type, name, credit code, jurisdiction).
 */
export function organisationFromProto(o: liaisonV1.Organisation | undefined, field = "data.organisation"): Organisation {
  const v = new Violations();
  if (!o) {
    v.add(field, "is required");
    throw new InvalidArgumentError(v.all);
  }
  const type = organisationTypeCodec.fromProto(o.type);
  if (!isUuid(o.organisationId)) v.add(`${field}.organisation_id`, "must be a UUID");
  if (!type) v.add(`${field}.type`, "must be a party type of the glossary");
  if (o.name.trim().length === 0) v.add(`${field}.name`, "is required");
  const problem = creditCodeProblem(o.creditCode);
  if (problem) v.add(`${field}.credit_code`, describeCreditCodeProblem(problem));
  if (!isJurisdictionCode(o.jurisdictionCode))
    v.add(`${field}.jurisdiction_code`, "must be 120000 or one of the 16 district codes of Tianjin");
  if (!Number.isInteger(o.revision) || o.revision < 1) v.add(`${field}.revision`, "must be a positive revision");
  if (o.departments.some((d) => !isUuid(d.departmentId))) v.add(`${field}.departments`, "department ids must be UUIDs");
  if (o.contacts.some((c) => !isUuid(c.contactId) || (c.departmentId !== "" && !isUuid(c.departmentId))))
    v.add(`${field}.contacts`, "contact and department ids must be UUIDs");
  v.throwIfAny();
  const now = new Date();
  return {
    organisationId: o.organisationId.toLowerCase(),
    type: type!,
    name: o.name.trim(),
    creditCode: o.creditCode,
    jurisdictionCode: o.jurisdictionCode,
    status: "ACTIVE",
    revision: o.revision,
    createdAt: o.createTime ?? now,
    updatedAt: o.updateTime ?? now,
    departments: o.departments.map((d, position) => ({ departmentId: d.departmentId, name: d.name, position })),
    contacts: o.contacts.map((c, position) => ({
      contactId: c.contactId,
      name: c.name,
      title: c.title,
      departmentId: c.departmentId,
      phone: c.phone,
      email: c.email,
      position,
    })),
    industry: o.industry ? { section: o.industry.section, description: o.industry.description } : undefined,
    memberOf: o.memberOf.map(relatedFromProto),
    chamber: o.chamber ? relatedFromProto(o.chamber) : undefined,
  };
}

export function organisationRegistered(o: Organisation, here: string, audit: AuditMetadata): EventToEmit {
  const data: liaisonEventsV1.OrganisationRegistered = {
    organisationId: o.organisationId,
    organisation: organisationToProto(o, here),
    audit,
  };
  return emit(liaisonEvents.organisationRegistered, o.organisationId, data, [REGISTRY]);
}

export function organisationUpdated(o: Organisation, change: OrganisationChange, here: string, audit: AuditMetadata): EventToEmit {
  const data: liaisonEventsV1.OrganisationUpdated = {
    organisationId: o.organisationId,
    organisation: organisationToProto(o, here),
    change: organisationChangeCodec.toProto(change),
    audit,
  };
  return emit(liaisonEvents.organisationUpdated, o.organisationId, data, [REGISTRY]);
}

export function organisationDeactivated(o: Organisation, here: string, audit: AuditMetadata): EventToEmit {
  const data: liaisonEventsV1.OrganisationDeactivated = {
    organisationId: o.organisationId,
    organisation: organisationToProto(o, here),
    audit,
  };
  return emit(liaisonEvents.organisationDeactivated, o.organisationId, data, [REGISTRY]);
}

export function organisationCorrected(
  o: Organisation,
  corrections: readonly FieldCorrection[],
  here: string,
  audit: AuditMetadata,
): EventToEmit {
  const data: liaisonEventsV1.OrganisationCorrected = {
    organisationId: o.organisationId,
    organisation: organisationToProto(o, here),
    corrections: [...corrections],
    audit,
  };
  return emit(liaisonEvents.organisationCorrected, o.organisationId, data, [REGISTRY]);
}

export function organisationReactivated(o: Organisation, here: string, audit: AuditMetadata): EventToEmit {
  const data: liaisonEventsV1.OrganisationReactivated = {
    organisationId: o.organisationId,
    organisation: organisationToProto(o, here),
    audit,
  };
  return emit(liaisonEvents.organisationReactivated, o.organisationId, data, [REGISTRY]);
}

/** A move, on this node's registry stream (the caller adds the delivery to the receiving node). */
export function organisationMoved(
  o: Organisation,
  move: { from: string; to: string; previousJurisdiction: string },
  here: string,
  audit: AuditMetadata,
): EventToEmit {
  const data: liaisonEventsV1.OrganisationMoved = {
    organisationId: o.organisationId,
    organisation: organisationToProto(o, here),
    fromRegistryJurisdictionCode: move.from,
    toRegistryJurisdictionCode: move.to,
    previousJurisdictionCode: move.previousJurisdiction,
    audit,
  };
  return emit(liaisonEvents.organisationMoved, o.organisationId, data, [REGISTRY]);
}
