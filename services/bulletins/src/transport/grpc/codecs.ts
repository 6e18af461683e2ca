import { bulletinsV1, commonV1 } from "@jinlian/proto";
import { ORGANISATION_TYPES } from "@jinlian/kernel";
import { enumCodec } from "@jinlian/chassis";

// The enums events carry are mapped in the domain's published language; these are the rest.
export { classificationCodec, kindCodec, urgencyCodec } from "../../domain/bulletin-events";

const P = bulletinsV1;
export const statusCodec = enumCodec(P.BulletinStatus, "BULLETIN_STATUS_", ["DRAFT", "PUBLISHED", "RECALLED"] as const);
export const originCodec = enumCodec(P.Origin, "ORIGIN_", ["ISSUED", "RECEIVED"] as const);
export const roleCodec = enumCodec(P.RecipientRole, "RECIPIENT_ROLE_", ["MAIN", "COPY"] as const);
export const changeCodec = enumCodec(P.VersionChange, "VERSION_CHANGE_", ["ORIGINAL", "CORRECTION", "RECALL"] as const);
export const readStateCodec = enumCodec(P.ReadState, "READ_STATE_", ["UNREAD", "READ", "OVERDUE", "NOT_REQUIRED"] as const);
export const readFilterCodec = enumCodec(P.ReadStatusFilter, "READ_STATUS_FILTER_", ["ALL_READ", "HAS_UNREAD", "HAS_OVERDUE"] as const);

export const organisationTypeCodec = enumCodec(commonV1.OrganisationType, "ORGANISATION_TYPE_", ORGANISATION_TYPES);
