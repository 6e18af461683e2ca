/**
 * The organisations this node's bulletins know from the liaison registry (a projection of the
 * registry's events): pure rules, no I/O. The registry owns the organisations; bulletins only
 * keeps the latest state it has seen of each and refuses drafts that name a deactivated one.
 */
import {
  creditCodeProblem,
  describeCreditCodeProblem,
  FailedPreconditionError,
  InvalidArgumentError,
  isJurisdictionCode,
  isUuid,
  ORGANISATION_TYPES,
  type OrganisationType,
  type PreconditionViolation,
  Violations,
} from "@jinlian/chassis";
import type { Audience, OrganisationRef } from "./bulletin";

export { ORGANISATION_TYPES, type OrganisationType };
export type RegistryStatus = "ACTIVE" | "DEACTIVATED";

/** Which registry event carried the state. */
export type RegistryChange = "REGISTERED" | "UPDATED" | "DEACTIVATED";

export interface KnownOrganisation {
  organisationId: string;
  creditCode: string;
  name: string;
  type: OrganisationType;
  jurisdictionCode: string;
  active: boolean;
  /** The registry's revision of the organisation this state reflects. */
  registryRevision: number;
}

/** What a registry event says about an organisation, its enums already decoded (undefined if unknown). */
export interface RegistryState {
  /** The event's aggregate id (also its subject). */
  organisationId: string;
  organisation:
    | {
        organisationId: string;
        creditCode: string;
        name: string;
        type: OrganisationType | undefined;
        jurisdictionCode: string;
        status: RegistryStatus | undefined;
        revision: number;
      }
    | undefined;
}

/**
 * The organisation as a registry event carries it (event-carried state), or INVALID_ARGUMENT
 * naming what is malformed: such an event cannot be applied, and retrying will not fix it.
 */
export function knownOrganisationFrom(change: RegistryChange, e: RegistryState): KnownOrganisation {
  const v = new Violations();
  if (!isUuid(e.organisationId)) v.add("data.organisation_id", "must be a UUID");
  const o = e.organisation;
  if (!o) {
    v.add("data.organisation", "is required: registry events carry the whole organisation");
    throw new InvalidArgumentError(v.all);
  }
  if (o.organisationId !== e.organisationId) v.add("data.organisation.organisation_id", "must equal data.organisation_id");
  const problem = creditCodeProblem(o.creditCode);
  if (problem) v.add("data.organisation.credit_code", describeCreditCodeProblem(problem));
  if (o.name.trim().length === 0) v.add("data.organisation.name", "is required");
  if (!o.type) v.add("data.organisation.type", `must be one of ${ORGANISATION_TYPES.join(", ")}`);
  if (!isJurisdictionCode(o.jurisdictionCode))
    v.add("data.organisation.jurisdiction_code", "must be 120000 or one of the 16 district codes of Tianjin");
  if (!o.status) v.add("data.organisation.status", "must be ACTIVE or DEACTIVATED");
  else if (change === "DEACTIVATED" && o.status !== "DEACTIVATED")
    v.add("data.organisation.status", "must be DEACTIVATED in an OrganisationDeactivated event");
  if (!Number.isInteger(o.revision) || o.revision < 1) v.add("data.organisation.revision", "must be a positive revision");
  v.throwIfAny();
  return {
    organisationId: o.organisationId,
    creditCode: o.creditCode,
    name: o.name.trim(),
    type: o.type!,
    jurisdictionCode: o.jurisdictionCode,
    active: o.status === "ACTIVE",
    registryRevision: o.revision,
  };
}

/** Each organisation a draft names, with the request field that names it. */
export function organisationsNamed(
  issuer: OrganisationRef,
  main: Audience,
  copy: Audience,
): { field: string; organisation: OrganisationRef }[] {
  return [
    { field: "issuer", organisation: issuer },
    ...main.organisations.map((organisation, i) => ({ field: `main_audience.organisations[${i}]`, organisation })),
    ...copy.organisations.map((organisation, i) => ({ field: `copy_audience.organisations[${i}]`, organisation })),
  ];
}

/**
 * A violation for each named organisation whose credit code the registry knows only as
 * deactivated. A code the projection does not know is allowed: it may belong to another node's
 * registry, or this node's registry may not have it yet.
 */
export function deactivatedAmong(
  named: readonly { field: string; organisation: OrganisationRef }[],
  known: readonly Pick<KnownOrganisation, "creditCode" | "name" | "active">[],
): PreconditionViolation[] {
  const out: PreconditionViolation[] = [];
  const seen = new Set<string>();
  for (const { field, organisation } of named) {
    const code = organisation.creditCode;
    if (seen.has(code)) continue;
    const records = known.filter((k) => k.creditCode === code);
    if (records.length === 0 || records.some((k) => k.active)) continue;
    seen.add(code);
    out.push({
      type: "ORGANISATION_DEACTIVATED",
      subject: `organisation/${code}`,
      description: `${field}: ${records[0]!.name} (${code}) is deactivated in the liaison registry and takes no new bulletins`,
    });
  }
  return out;
}

export function assertNoneDeactivated(violations: readonly PreconditionViolation[]): void {
  if (violations.length > 0) throw new FailedPreconditionError(violations);
}
