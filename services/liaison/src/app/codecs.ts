import { enumCodec } from "@jinlian/chassis";
import { liaisonV1 } from "@jinlian/proto";

// Domain names <-> contract enums. fromProto gives undefined for UNSPECIFIED or unknown numbers.
// The registry's, the mechanisms' and the action items' codecs (with the consultation kind an
// assignment carries) sit with their events (domain/*-events.ts).
const P = liaisonV1;
export const consultationStatusCodec = enumCodec(P.ConsultationStatus, "CONSULTATION_STATUS_", [
  "PLANNED",
  "IN_PROGRESS",
  "CLOSED",
  "CANCELLED",
] as const);
export const outcomeTypeCodec = enumCodec(P.OutcomeType, "OUTCOME_TYPE_", ["DECISION", "INFORMATION", "ACTION"] as const);
export const actionItemOriginCodec = enumCodec(P.ActionItemOrigin, "ACTION_ITEM_ORIGIN_", [
  "LOCAL",
  "ASSIGNED_BY_CITY",
  "RAISED_BY_DISTRICT",
] as const);
// Joint research's codecs live in its transport; campaigns' in domain/campaign-events.ts (events carry them).

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
