import { bulletinsV1, commonV1, liaisonV1 } from "@jinlian/proto";
import { BULLETIN_KINDS, CLASSIFICATIONS, URGENCIES } from "../domain/bulletin";
import { ORGANISATION_TYPES } from "../domain/known-organisation";
import { enumCodec } from "./events";

const P = bulletinsV1;
export const kindCodec = enumCodec(P.BulletinKind, "BULLETIN_KIND_", BULLETIN_KINDS);
export const urgencyCodec = enumCodec(P.Urgency, "URGENCY_", URGENCIES);
export const classificationCodec = enumCodec(P.Classification, "CLASSIFICATION_", CLASSIFICATIONS);
export const statusCodec = enumCodec(P.BulletinStatus, "BULLETIN_STATUS_", ["DRAFT", "PUBLISHED", "RECALLED"] as const);
export const originCodec = enumCodec(P.Origin, "ORIGIN_", ["ISSUED", "RECEIVED"] as const);
export const roleCodec = enumCodec(P.RecipientRole, "RECIPIENT_ROLE_", ["MAIN", "COPY"] as const);
export const changeCodec = enumCodec(P.VersionChange, "VERSION_CHANGE_", ["ORIGINAL", "CORRECTION", "RECALL"] as const);
export const readStateCodec = enumCodec(P.ReadState, "READ_STATE_", ["UNREAD", "READ", "OVERDUE", "NOT_REQUIRED"] as const);
export const readFilterCodec = enumCodec(P.ReadStatusFilter, "READ_STATUS_FILTER_", ["ALL_READ", "HAS_UNREAD", "HAS_OVERDUE"] as const);

// The liaison registry's enums, as its events carry them.
export const organisationTypeCodec = enumCodec(commonV1.OrganisationType, "ORGANISATION_TYPE_", ORGANISATION_TYPES);
export const registryStatusCodec = enumCodec(liaisonV1.OrganisationStatus, "ORGANISATION_STATUS_", ["ACTIVE", "DEACTIVATED"] as const);
