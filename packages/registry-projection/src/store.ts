import type { Knex } from "knex";
import type { OrganisationType } from "@jinlian/kernel";
import type { Migration } from "@jinlian/chassis";
import type { KnownOrganisation } from "./known-organisation";

export interface KnownOrganisationRow {
  organisation_id: string;
  credit_code: string;
  name: string;
  type: OrganisationType;
  jurisdiction_code: string;
  active: boolean;
  registry_revision: number;
  updated_at: Date;
  held_here: boolean;
  industry_section: string | null;
  industry_description: string;
  member_of: string[];
  chamber_credit_code: string;
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
    heldHere: row.held_here,
    industry: row.industry_section ? { section: row.industry_section, description: row.industry_description } : undefined,
    memberOf: row.member_of,
    chamberCreditCode: row.chamber_credit_code,
  };
}

/** Creates the projection's table (the first service to project the registry wrote it this way). */
export async function createKnownOrganisationsTable(db: Knex): Promise<void> {
  await db.schema.createTable("known_organisations", (t) => {
    t.uuid("organisation_id").primary();
    t.text("credit_code").notNullable();
    t.text("name").notNullable();
    t.text("type").notNullable();
    t.text("jurisdiction_code").notNullable();
    t.boolean("active").notNullable();
    t.integer("registry_revision").notNullable();
    t.timestamp("updated_at", { useTz: true }).notNullable();
  });
  // Requests look organisations up by credit code; the list pages by name.
  await db.raw("create index known_organisations_credit_code on known_organisations (credit_code)");
  await db.raw("create index known_organisations_listing on known_organisations (name, organisation_id)");
}

/** The projection's table in a service's schema; add it to the service's migrations. */
export const registryProjectionMigration: Migration = {
  name: "0100_registry_projection",
  async up(db) {
    await createKnownOrganisationsTable(db);
  },
};

/**
 * Issue 9: moves between nodes, industry, memberships and a committee's chamber. Rows projected
 * before it keep the defaults (held here, no industry or memberships) until their next event.
 */
export async function addKnownOrganisationAffiliations(db: Knex): Promise<void> {
  await db.schema.alterTable("known_organisations", (t) => {
    t.boolean("held_here").notNullable().defaultTo(true);
    t.text("industry_section");
    t.text("industry_description").notNullable().defaultTo("");
    t.specificType("member_of", "text[]").notNullable().defaultTo("{}");
    t.text("chamber_credit_code").notNullable().defaultTo("");
  });
  await db.raw("create index known_organisations_member_of on known_organisations using gin (member_of)");
}

/** The second migration of the projection's table, after the one that created it. */
export const registryProjectionAffiliationsMigration: Migration = {
  name: "0190_known_organisations_moves_and_affiliations",
  async up(db) {
    await addKnownOrganisationAffiliations(db);
  },
};

/** Every migration of the projection's table, in order, for a service that starts projecting now. */
export const registryProjectionMigrations: readonly Migration[] = [registryProjectionMigration, registryProjectionAffiliationsMigration];

/** Writes each of `states` (one per organisation) unless its row holds the same or a newer revision. */
async function upsertNewer(trx: Knex.Transaction, states: readonly KnownOrganisation[], at: Date): Promise<number> {
  if (states.length === 0) return 0;
  const written = await trx("known_organisations")
    .insert(
      states.map((o) => ({
        organisation_id: o.organisationId,
        credit_code: o.creditCode,
        name: o.name,
        type: o.type,
        jurisdiction_code: o.jurisdictionCode,
        active: o.active,
        registry_revision: o.registryRevision,
        updated_at: at,
        held_here: o.heldHere,
        industry_section: o.industry?.section ?? null,
        industry_description: o.industry?.description ?? "",
        member_of: o.memberOf,
        chamber_credit_code: o.chamberCreditCode,
      })),
    )
    .onConflict("organisation_id")
    .merge()
    .where("known_organisations.registry_revision", "<", trx.raw("excluded.registry_revision"))
    .returning("organisation_id");
  return written.length;
}

/** Knex queries over the projection of the liaison registry. */
export const knownOrganisations = {
  /**
   * Stores an organisation's state unless a state at the same or a newer registry revision is
   * already held; one statement, so concurrent or reordered events cannot go back in time.
   * True if the row was written.
   */
  async upsertIfNewer(trx: Knex.Transaction, o: KnownOrganisation, at: Date): Promise<boolean> {
    return (await upsertNewer(trx, [o], at)) > 0;
  },

  /**
   * Stores each organisation's newest state among `all`, as upsertIfNewer would one after the
   * other in order (of equal revisions the first stays), in one statement per 1,000
   * organisations. Returns how many rows were written.
   */
  async upsertAllIfNewer(trx: Knex.Transaction, all: readonly KnownOrganisation[], at: Date): Promise<number> {
    const newest = new Map<string, KnownOrganisation>();
    for (const o of all) {
      const held = newest.get(o.organisationId);
      if (!held || o.registryRevision > held.registryRevision) newest.set(o.organisationId, o);
    }
    const states = [...newest.values()];
    let written = 0;
    // 13 parameters a row: well under PostgreSQL's 65,535 a statement.
    for (let i = 0; i < states.length; i += 1000) written += await upsertNewer(trx, states.slice(i, i + 1000), at);
    return written;
  },

  async byCreditCodes(db: Knex | Knex.Transaction, codes: readonly string[]): Promise<KnownOrganisationRow[]> {
    if (codes.length === 0) return [];
    // An organisation that moved away is not this node's to refuse: it may be active at its new node.
    return db<KnownOrganisationRow>("known_organisations")
      .whereIn("credit_code", [...new Set(codes)])
      .where("held_here", true);
  },
};
