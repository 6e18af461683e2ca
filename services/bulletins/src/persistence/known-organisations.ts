import type { Knex } from "knex";
import type { KnownOrganisation, OrganisationType } from "../domain/known-organisation";

export interface KnownOrganisationRow {
  organisation_id: string;
  credit_code: string;
  name: string;
  type: OrganisationType;
  jurisdiction_code: string;
  active: boolean;
  registry_revision: number;
  updated_at: Date;
}

export function knownOrganisationOf(row: KnownOrganisationRow): KnownOrganisation {
  return {
    organisationId: row.organisation_id,
    creditCode: row.credit_code,
    name: row.name,
    type: row.type,
    jurisdictionCode: row.jurisdiction_code,
    active: row.active,
    registryRevision: row.registry_revision,
  };
}

/** Knex queries over the projection of the liaison registry. */
export const knownOrganisations = {
  async find(db: Knex | Knex.Transaction, id: string): Promise<KnownOrganisationRow | undefined> {
    return db<KnownOrganisationRow>("known_organisations").where({ organisation_id: id }).first();
  },

  /**
   * Stores an organisation's state unless a state at the same or a newer registry revision is
   * already held; one statement, so concurrent or reordered events cannot go back in time.
   * True if the row was written.
   */
  async upsertIfNewer(trx: Knex.Transaction, o: KnownOrganisation, at: Date): Promise<boolean> {
    const written = await trx("known_organisations")
      .insert({
        organisation_id: o.organisationId,
        credit_code: o.creditCode,
        name: o.name,
        type: o.type,
        jurisdiction_code: o.jurisdictionCode,
        active: o.active,
        registry_revision: o.registryRevision,
        updated_at: at,
      })
      .onConflict("organisation_id")
      .merge()
      .where("known_organisations.registry_revision", "<", o.registryRevision)
      .returning("organisation_id");
    return written.length > 0;
  },

  async byCreditCodes(db: Knex | Knex.Transaction, codes: readonly string[]): Promise<KnownOrganisationRow[]> {
    if (codes.length === 0) return [];
    return db<KnownOrganisationRow>("known_organisations").whereIn("credit_code", [...new Set(codes)]);
  },
};
