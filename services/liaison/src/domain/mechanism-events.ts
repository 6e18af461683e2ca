/**
 * The mechanisms' published language: the mechanism as a district reports it up to the city
 * (the contract's liaison.v1.Mechanism, also what the gRPC answers show), and the report read
 * back at the city. Pure mapping, no I/O.
 */
import {
  emit,
  enumCodec,
  isUuid,
  liaisonEvents,
  toNode,
  type AuditMetadata,
  type EventToEmit,
  type FieldViolation,
} from "@jinlian/chassis";
import { CITY_JURISDICTION } from "@jinlian/kernel";
import { liaisonV1, type liaisonEventsV1 } from "@jinlian/proto";
import { reportViolations, type Mechanism, type MechanismParty, type MechanismStatus, type RollUpEntry } from "./mechanism";

export const mechanismStatusCodec = enumCodec(liaisonV1.MechanismStatus, "MECHANISM_STATUS_", [
  "PROPOSED",
  "ESTABLISHED",
  "SUSPENDED",
  "NONE",
] as const);

export function partyToProto(p: MechanismParty): liaisonV1.MechanismParty {
  return {
    organisationId: p.organisationId,
    departmentId: p.departmentId,
    organisation: { ...p.organisation },
    departmentName: p.departmentName,
  };
}

export function mechanismToProto(m: Mechanism): liaisonV1.Mechanism {
  return {
    mechanismId: m.mechanismId,
    jurisdictionCode: m.jurisdictionCode,
    justiceBureau: partyToProto(m.justiceBureau),
    federation: partyToProto(m.federation),
    status: mechanismStatusCodec.toProto(m.status),
    statusSinceTime: m.statusSince,
    firstEstablishedTime: m.firstEstablishedAt ?? undefined,
    history: m.history.map((t) => ({
      status: mechanismStatusCodec.toProto(t.status),
      audit: { actor: t.actor, reason: t.reason, requestId: t.requestId, occurTime: t.at, jurisdictionCode: t.jurisdictionCode },
    })),
    revision: m.revision,
  };
}

/** A district's mechanism as it stands after a change, reported up to the city (key: the district). */
export function mechanismStatusReported(m: Mechanism, here: string, audit: AuditMetadata): EventToEmit {
  const data: liaisonEventsV1.MechanismStatusReported = { jurisdictionCode: here, mechanism: mechanismToProto(m), audit };
  return emit(liaisonEvents.mechanismStatusReported, here, data, [toNode(CITY_JURISDICTION)]);
}

function partyFromProto(v: FieldViolation[], field: string, p: liaisonV1.MechanismParty | undefined): MechanismParty | undefined {
  if (!p || !isUuid(p.organisationId) || !isUuid(p.departmentId) || !p.organisation) {
    v.push({ field, description: "must name the organisation, its responsible department and their snapshot" });
    return undefined;
  }
  return {
    organisationId: p.organisationId,
    departmentId: p.departmentId,
    organisation: { creditCode: p.organisation.creditCode, jurisdictionCode: p.organisation.jurisdictionCode, name: p.organisation.name },
    departmentName: p.departmentName,
  };
}

/** The roll-up entry a report's mechanism carries, or the violations that make it malformed. */
function reportedEntry(m: liaisonV1.Mechanism, reportedAt: Date): { entry?: RollUpEntry; violations: FieldViolation[] } {
  const v: FieldViolation[] = [];
  const f = (name: string) => `data.mechanism.${name}`;
  if (!isUuid(m.mechanismId)) v.push({ field: f("mechanism_id"), description: "must be a UUID" });
  const status = mechanismStatusCodec.fromProto(m.status);
  if (!status || status === "NONE") v.push({ field: f("status"), description: "must be PROPOSED, ESTABLISHED or SUSPENDED" });
  if (!m.statusSinceTime) v.push({ field: f("status_since_time"), description: "is required" });
  if (!Number.isInteger(m.revision) || m.revision < 1) v.push({ field: f("revision"), description: "must be 1 or more" });
  const justiceBureau = partyFromProto(v, f("justice_bureau"), m.justiceBureau);
  const federation = partyFromProto(v, f("federation"), m.federation);
  if (v.length > 0) return { violations: v };
  return {
    violations: v,
    entry: {
      jurisdictionCode: m.jurisdictionCode,
      mechanismId: m.mechanismId,
      status: status as MechanismStatus,
      statusSince: m.statusSinceTime!,
      firstEstablishedAt: m.firstEstablishedTime ?? null,
      revision: m.revision,
      justiceBureau: justiceBureau!,
      federation: federation!,
      reportedAt,
    },
  };
}

/**
 * A district's report as the city reads it: the roll-up entry it carries (received at
 * `reportedAt`), or every violation that refuses it — reports go to the city only, and a
 * district reports its own, well-formed mechanism.
 */
export function rollUpEntryFromReport(
  here: string,
  d: liaisonEventsV1.MechanismStatusReported,
  reportedAt: Date,
): { entry?: RollUpEntry; violations: FieldViolation[] } {
  const violations = reportViolations(here, {
    jurisdictionCode: d.jurisdictionCode,
    mechanismJurisdictionCode: d.mechanism?.jurisdictionCode,
  });
  const reported = d.mechanism
    ? reportedEntry(d.mechanism, reportedAt)
    : { violations: [{ field: "data.mechanism", description: "is required" }] };
  violations.push(...reported.violations);
  return violations.length > 0 || !reported.entry ? { violations } : { entry: reported.entry, violations };
}
