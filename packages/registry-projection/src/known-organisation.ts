/**
 * The organisations a service knows from its node's liaison registry (a projection of the
 * registry's events): pure rules, no I/O. The registry owns the organisations; a service only
 * keeps the latest state it has seen of each and refuses what names a deactivated one.
 */
import {
  creditCodeProblem,
  describeCreditCodeProblem,
  isJurisdictionCode,
  ORGANISATION_TYPES,
  type OrganisationType,
} from "@jinlian/kernel";
import { FailedPreconditionError, InvalidArgumentError, isUuid, type PreconditionViolation, Violations } from "@jinlian/chassis";

export { ORGANISATION_TYPES, type OrganisationType };
export type RegistryStatus = "ACTIVE" | "DEACTIVATED" | "MOVED";

/** Which registry event carried the state. */
export type RegistryChange = "REGISTERED" | "UPDATED" | "DEACTIVATED" | "CORRECTED" | "REACTIVATED" | "MOVED";

export interface KnownOrganisation {
  organisationId: string;
  creditCode: string;
  name: string;
  type: OrganisationType;
  jurisdictionCode: string;
  active: boolean;
  /** The registry's revision of the organisation this state reflects. */
  registryRevision: number;
  /**
   * False once the organisation moved to another node's registry: no longer addressable here
   * (left out of lists and of the deactivation check; its credit code may be active elsewhere).
   */
  heldHere: boolean;
  /** Industry of an enterprise or chamber: GB/T 4754 section letter and free text. */
  industry?: { section: string; description: string } | undefined;
  /** Credit codes of what it is a member of (chambers of an enterprise, the federation of a chamber). */
  memberOf: string[];
  /** A mediation committee's chamber, by credit code; "" otherwise. */
  chamberCreditCode: string;
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
        industry?: { section: string; description: string } | undefined;
        memberOf?: readonly string[];
        chamberCreditCode?: string;
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
  if (!o.status) v.add("data.organisation.status", "must be ACTIVE, DEACTIVATED or MOVED");
  else if (change === "DEACTIVATED" && o.status !== "DEACTIVATED")
    v.add("data.organisation.status", "must be DEACTIVATED in an OrganisationDeactivated event");
  else if (change === "REACTIVATED" && o.status !== "ACTIVE")
    v.add("data.organisation.status", "must be ACTIVE in an OrganisationReactivated event");
  else if (o.status === "MOVED" && change !== "MOVED") v.add("data.organisation.status", "is MOVED only in an OrganisationMoved event");
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
    heldHere: o.status !== "MOVED",
    industry: o.industry?.section ? { section: o.industry.section, description: o.industry.description } : undefined,
    memberOf: [...(o.memberOf ?? [])],
    chamberCreditCode: o.chamberCreditCode ?? "",
  };
}

/** An organisation a request names, with the request field that names it. */
export interface NamedOrganisation {
  field: string;
  organisation: { creditCode: string };
}

/**
 * A violation for each named organisation whose credit code the registry knows only as
 * deactivated. A code the projection does not know is allowed: it may belong to another node's
 * registry, or this node's registry may not have it yet.
 */
export function deactivatedAmong(
  named: readonly NamedOrganisation[],
  known: readonly Pick<KnownOrganisation, "creditCode" | "name" | "active">[],
): PreconditionViolation[] {
  // Per credit code: the first record's name, and whether any record of it is active.
  const byCode = new Map<string, { name: string; active: boolean }>();
  for (const k of known) {
    const entry = byCode.get(k.creditCode);
    if (entry) entry.active ||= k.active;
    else byCode.set(k.creditCode, { name: k.name, active: k.active });
  }
  const out: PreconditionViolation[] = [];
  const seen = new Set<string>();
  for (const { field, organisation } of named) {
    const code = organisation.creditCode;
    if (seen.has(code)) continue;
    const entry = byCode.get(code);
    if (!entry || entry.active) continue;
    seen.add(code);
    out.push({
      type: "ORGANISATION_DEACTIVATED",
      subject: `organisation/${code}`,
      description: `${field}: ${entry.name} (${code}) is deactivated in the liaison registry and takes nothing new`,
    });
  }
  return out;
}

export function assertNoneDeactivated(violations: readonly PreconditionViolation[]): void {
  if (violations.length > 0) throw new FailedPreconditionError(violations);
}
