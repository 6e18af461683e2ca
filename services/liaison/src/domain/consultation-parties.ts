/**
 * Organisations of the registry that consultations and action items refer to (attendees,
 * presenters, owners of actions), and how they must stand there. Pure: the use case reads the
 * organisations (locked against a concurrent deactivation) and the decision checks them.
 */
import { FailedPreconditionError, Violations } from "@jinlian/chassis";

/** An organisation as a reference to it needs it: identity, status and departments. */
export interface PartyRecord {
  readonly organisationId: string;
  readonly name: string;
  readonly creditCode: string;
  readonly jurisdictionCode: string;
  readonly status: "ACTIVE" | "DEACTIVATED";
  readonly departments: readonly { readonly departmentId: string }[];
}

/** The organisations a decision may look at, by id; absent ids are not registered. */
export type Parties = ReadonlyMap<string, PartyRecord>;

/** A reference from a request to an organisation of the registry, and how it must stand there. */
export interface PartyReference {
  /** The request field naming the organisation, e.g. "attendees[0].organisation_id". */
  readonly field: string;
  readonly organisationId: string;
  /** Deactivated organisations cannot take new roles; a presenter only has to be on record. */
  readonly mustBeActive: boolean;
  readonly department?: { readonly field: string; readonly departmentId: string };
}

/**
 * Unknown organisations and departments not of theirs are INVALID_ARGUMENT (all named at once),
 * a deactivated one FAILED_PRECONDITION.
 */
export function checkParties(refs: readonly PartyReference[], parties: Parties): void {
  const v = new Violations();
  const deactivated: PartyRecord[] = [];
  for (const ref of refs) {
    const org = parties.get(ref.organisationId);
    if (!org) {
      v.add(ref.field, "is not a registered organisation");
      continue;
    }
    if (ref.mustBeActive && org.status !== "ACTIVE" && !deactivated.includes(org)) deactivated.push(org);
    if (ref.department && !org.departments.some((d) => d.departmentId === ref.department!.departmentId))
      v.add(ref.department.field, `is not a department of ${org.name}`);
  }
  v.throwIfAny();
  if (deactivated.length > 0)
    throw new FailedPreconditionError(
      deactivated.map((o) => ({
        type: "ORGANISATION_DEACTIVATED",
        subject: `organisation/${o.organisationId}`,
        description: `${o.name} is deactivated and cannot take new roles`,
      })),
    );
}

/** The distinct organisation ids a set of references names, for the use case to read. */
export function organisationIdsOf(refs: readonly PartyReference[]): string[] {
  return [...new Set(refs.map((r) => r.organisationId))];
}
