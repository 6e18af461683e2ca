import type { Violations } from "@jinlian/chassis";
import type { Knex } from "knex";
import type { OrganisationSnapshot } from "../domain/registry";
import { registryRepository } from "../persistence/registry-repository";

export type { OrganisationSnapshot };

/**
 * Reads the node's registry of parties inside the caller's transaction, so a use case that
 * checks "the owner is a registered, active organisation with that department" sees the same
 * state it commits against. `forShare` locks the organisation row against a concurrent
 * deactivation until the caller's transaction ends.
 */
export function findOrganisation(
  trx: Knex | Knex.Transaction,
  organisationId: string,
  forShare = false,
): Promise<OrganisationSnapshot | undefined> {
  return registryRepository.snapshot(trx, organisationId, forShare);
}

/** findOrganisation for several ids at once (two queries), by id; unknown ids are absent. */
export function findOrganisations(
  trx: Knex | Knex.Transaction,
  organisationIds: readonly string[],
  forShare = false,
): Promise<Map<string, OrganisationSnapshot>> {
  return registryRepository.snapshots(trx, organisationIds, forShare);
}

/**
 * An organisation as a request names it: by its registry id at this node, or by its credit code
 * (the identity every node shares). Requests carry both fields side by side
 * (`owner_organisation_id` / `owner_credit_code`); one is enough, and both must agree.
 */
export interface OrganisationName {
  /** Field path of the id, e.g. "owner_organisation_id"; the credit code's is `creditCodeField`. */
  readonly idField: string;
  readonly creditCodeField: string;
  readonly organisationId: string;
  readonly creditCode: string;
}

/**
 * The registry ids of the organisations named, in order; "" where a name is empty. A credit code
 * no organisation holds, or one held by another organisation than the id given beside it, is a
 * violation on that field (collected in `v`; the caller throws).
 */
export async function resolveOrganisationNames(
  trx: Knex | Knex.Transaction,
  v: Violations,
  names: readonly OrganisationName[],
): Promise<string[]> {
  const codes = [...new Set(names.map((n) => n.creditCode.trim().toUpperCase()).filter((c) => c !== ""))];
  const holders = await registryRepository.holdersOf(trx, codes);
  return names.map((n) => {
    const code = n.creditCode.trim().toUpperCase();
    const id = n.organisationId.trim().toLowerCase();
    if (code === "") return id;
    const holder = holders.get(code);
    if (!holder) {
      v.add(n.creditCodeField, "is not the credit code of a registered organisation");
      return id;
    }
    if (id !== "" && id !== holder) v.add(n.creditCodeField, `names another organisation than ${n.idField}`);
    return holder;
  });
}
