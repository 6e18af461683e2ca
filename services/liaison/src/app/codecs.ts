import { enumCodec } from "@jinlian/chassis";
import { commonV1, liaisonEventsV1, liaisonV1 } from "@jinlian/proto";
import { ORGANISATION_TYPES } from "../domain/registry";

// Domain names <-> contract enums. fromProto gives undefined for UNSPECIFIED or unknown numbers.
const P = liaisonV1;
export const organisationTypeCodec = enumCodec(commonV1.OrganisationType, "ORGANISATION_TYPE_", ORGANISATION_TYPES);
export const organisationStatusCodec = enumCodec(P.OrganisationStatus, "ORGANISATION_STATUS_", ["ACTIVE", "DEACTIVATED"] as const);
export const organisationChangeCodec = enumCodec(liaisonEventsV1.OrganisationChange, "ORGANISATION_CHANGE_", [
  "DETAILS",
  "DEPARTMENT_ADDED",
  "DEPARTMENT_REMOVED",
  "CONTACT_ADDED",
  "CONTACT_REMOVED",
] as const);
export const mechanismStatusCodec = enumCodec(P.MechanismStatus, "MECHANISM_STATUS_", [
  "PROPOSED",
  "ESTABLISHED",
  "SUSPENDED",
  "NONE",
] as const);
export const consultationKindCodec = enumCodec(P.ConsultationKind, "CONSULTATION_KIND_", ["HIGH_LEVEL", "WORKING"] as const);
export const consultationStatusCodec = enumCodec(P.ConsultationStatus, "CONSULTATION_STATUS_", [
  "PLANNED",
  "IN_PROGRESS",
  "CLOSED",
  "CANCELLED",
] as const);
export const outcomeTypeCodec = enumCodec(P.OutcomeType, "OUTCOME_TYPE_", ["DECISION", "INFORMATION", "ACTION"] as const);
export const actionItemStatusCodec = enumCodec(P.ActionItemStatus, "ACTION_ITEM_STATUS_", [
  "OPEN",
  "IN_PROGRESS",
  "DONE",
  "CANCELLED",
] as const);
export const actionItemOriginCodec = enumCodec(P.ActionItemOrigin, "ACTION_ITEM_ORIGIN_", ["LOCAL", "ASSIGNED_BY_CITY"] as const);
export const researchStatusCodec = enumCodec(P.ResearchStatus, "RESEARCH_STATUS_", ["PROPOSED", "ONGOING", "CONCLUDED"] as const);
export const invitationStatusCodec = enumCodec(P.InvitationStatus, "INVITATION_STATUS_", ["PENDING", "ACCEPTED", "DECLINED"] as const);
export const transformationKindCodec = enumCodec(P.TransformationKind, "TRANSFORMATION_KIND_", [
  "LEGISLATION_PROPOSAL",
  "TRAINING",
  "BULLETIN",
] as const);
export const calendarNodeCodec = enumCodec(P.CalendarNode, "CALENDAR_NODE_", [
  "NATIONAL_CONSTITUTION_DAY",
  "CONSTITUTION_WEEK",
  "CIVIL_CODE_MONTH",
] as const);
export const campaignStatusCodec = enumCodec(P.CampaignStatus, "CAMPAIGN_STATUS_", ["PLANNED", "LAUNCHED", "CLOSED"] as const);
export const campaignOriginCodec = enumCodec(P.CampaignOrigin, "CAMPAIGN_ORIGIN_", ["ISSUED", "RECEIVED"] as const);

/**
 * Reads an optional enum filter: 0 means no filter, a number the contract does not define is a
 * violation naming the field.
 */
export function optionalEnum<D>(
  v: { add(field: string, description: string): unknown },
  field: string,
  value: number,
  codec: { fromProto(n: number): D | undefined },
): D | undefined {
  if (value === 0) return undefined;
  const d = codec.fromProto(value);
  if (d === undefined) v.add(field, `unknown value ${value}`);
  return d;
}
