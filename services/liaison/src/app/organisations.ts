import type { Knex } from "knex";
import type { OrganisationType } from "../domain/registry";

/** An organisation as the other liaison areas need it: identity, type, status and departments. */
export interface OrganisationSnapshot {
  organisationId: string;
  type: OrganisationType;
  name: string;
  creditCode: string;
  jurisdictionCode: string;
  status: "ACTIVE" | "DEACTIVATED";
  revision: number;
  departments: readonly { departmentId: string; name: string }[];
}

/**
 * Reads the node's registry of parties inside the caller's transaction, so a use case that
 * checks "the owner is a registered, active organisation with that department" sees the same
 * state it commits against. `forShare` locks the organisation row against a concurrent
 * deactivation until the caller's transaction ends.
 */
export async function findOrganisation(
  trx: Knex | Knex.Transaction,
  organisationId: string,
  forShare = false,
): Promise<OrganisationSnapshot | undefined> {
  const q = trx("organisations").where({ organisation_id: organisationId }).first();
  if (forShare) q.forShare();
  const row = (await q) as
    | {
        organisation_id: string;
        type: OrganisationType;
        name: string;
        credit_code: string;
        jurisdiction_code: string;
        status: "ACTIVE" | "DEACTIVATED";
        revision: number;
      }
    | undefined;
  if (!row) return undefined;
  const departments = (await trx("organisation_departments")
    .where({ organisation_id: organisationId })
    .orderBy("position")
    .select("department_id", "name")) as { department_id: string; name: string }[];
  return {
    organisationId: row.organisation_id,
    type: row.type,
    name: row.name,
    creditCode: row.credit_code,
    jurisdictionCode: row.jurisdiction_code,
    status: row.status,
    revision: row.revision,
    departments: departments.map((d) => ({ departmentId: d.department_id, name: d.name })),
  };
}
