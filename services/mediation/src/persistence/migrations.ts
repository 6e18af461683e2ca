import { openPersonalData, personalDataKeyring, sealPersonalData, type Migration } from "@jinlian/chassis";
import { PERSONAL_DATA } from "./stores";
import { registryProjectionMigrations } from "@jinlian/registry-projection";

/**
 * The mediation schema. Aggregates are stored whole as JSON documents (`doc`) next to the columns
 * their lists, scans and uniqueness need; the documents' timestamps are ISO strings under keys
 * ending in "At" (see documents.ts).
 */
export const mediationMigrations: readonly Migration[] = [
  {
    name: "0001_mediation",
    async up(db) {
      await db.schema.createTable("committees", (t) => {
        t.uuid("committee_id").primary();
        t.text("credit_code").notNullable().unique();
        t.text("chamber_credit_code").notNullable();
        t.text("name").notNullable();
        t.timestamp("term_end_at", { useTz: true }).notNullable();
        t.integer("revision").notNullable();
        t.jsonb("doc").notNullable();
      });
      await db.raw("create index committees_listing on committees (name, committee_id)");
      await db.schema.createTable("mediators", (t) => {
        t.uuid("mediator_id").primary();
        t.uuid("committee_id").notNullable().references("committee_id").inTable("committees");
        t.text("name").notNullable();
        t.text("status").notNullable();
        t.text("pool").notNullable();
        t.text("licence_number");
        t.integer("revision").notNullable();
        t.jsonb("doc").notNullable();
      });
      await db.raw("create index mediators_listing on mediators (name, mediator_id)");
      await db.schema.createTable("cases", (t) => {
        t.uuid("case_id").primary();
        t.uuid("committee_id").notNullable().references("committee_id").inTable("committees");
        t.text("status").notNullable();
        t.text("kind").notNullable();
        t.text("dispute_id").notNullable();
        // The legal-services referral it was opened from: one case per referral.
        t.text("source_referral_id").unique();
        // The arbitration referral sent to legal-services, and where it stands.
        t.uuid("referral_id").unique();
        t.text("referral_status");
        // Something for the deadline scanner (time limit, confirmation window, performance).
        t.boolean("watched").notNullable();
        t.timestamp("opened_at", { useTz: true }).notNullable();
        t.timestamp("closed_at", { useTz: true });
        t.integer("revision").notNullable();
        t.jsonb("doc").notNullable();
      });
      await db.raw("create index cases_listing on cases (opened_at desc, case_id desc)");
      await db.raw("create index cases_watched on cases (case_id) where watched");
      await db.raw("create index cases_referrals_pending on cases (case_id) where referral_status = 'PENDING'");
      // legal-services' providers as its compacted stream carries them (the latest revision of each).
      await db.schema.createTable("legal_providers", (t) => {
        t.uuid("provider_id").primary();
        t.text("kind").notNullable();
        t.text("licence_number");
        t.text("name").notNullable();
        t.text("status").notNullable();
        t.text("credit_code");
        t.integer("provider_revision").notNullable();
        t.jsonb("doc").notNullable();
        t.timestamp("updated_at", { useTz: true }).notNullable();
      });
      await db.raw("create index legal_providers_licence on legal_providers (licence_number)");
      await db.raw("create index legal_providers_credit_code on legal_providers (credit_code)");
      // The districts' reports at the city: the latest per district and period.
      await db.schema.createTable("statistics_reports", (t) => {
        t.text("jurisdiction_code").notNullable();
        t.timestamp("period_start", { useTz: true }).notNullable();
        t.timestamp("period_end", { useTz: true }).notNullable();
        t.integer("report_seq").notNullable();
        t.jsonb("statistics").notNullable();
        t.timestamp("reported_at", { useTz: true }).notNullable();
        t.primary(["jurisdiction_code", "period_start", "period_end"]);
      });
    },
  },
  ...registryProjectionMigrations,
  {
    name: "0200_mediation_nominations_arbitrators_cooperation",
    async up(db) {
      // Nomination batches (seed art. 19): one per kind, selecting body and reference date.
      await db.schema.createTable("nomination_batches", (t) => {
        t.uuid("batch_id").primary();
        t.text("kind").notNullable();
        t.text("selecting_body").notNullable();
        t.timestamp("reference_at", { useTz: true }).notNullable();
        t.text("status").notNullable();
        t.timestamp("created_at", { useTz: true }).notNullable();
        t.integer("revision").notNullable();
        t.jsonb("doc").notNullable();
        t.unique(["kind", "selecting_body", "reference_at"]);
      });
      await db.raw("create index nomination_batches_listing on nomination_batches (created_at desc, batch_id desc)");
      // The operator-kept 失信被执行人 list: one active entry per identity number.
      await db.schema.createTable("defaulters", (t) => {
        t.uuid("entry_id").primary();
        t.text("identity_number").notNullable();
        t.boolean("active").notNullable();
        t.timestamp("added_at", { useTz: true }).notNullable();
        t.integer("revision").notNullable();
        t.jsonb("doc").notNullable();
      });
      await db.raw("create unique index defaulters_active on defaulters (identity_number) where active");
      await db.raw("create index defaulters_listing on defaulters (added_at desc, entry_id desc)");
      // Arbitrator recommendations (seed art. 18).
      await db.schema.createTable("arbitrator_recommendations", (t) => {
        t.uuid("recommendation_id").primary();
        t.text("commission_credit_code").notNullable();
        t.text("candidate_name").notNullable();
        t.text("employer_credit_code").notNullable();
        t.text("status").notNullable();
        t.timestamp("recommended_at", { useTz: true }).notNullable();
        t.integer("revision").notNullable();
        t.jsonb("doc").notNullable();
      });
      await db.raw(
        "create index arbitrator_recommendations_listing on arbitrator_recommendations (recommended_at desc, recommendation_id desc)",
      );
      // Cross-district cooperation as this node holds it: owner, partner, or (the city) relay.
      await db.schema.createTable("cooperations", (t) => {
        t.uuid("cooperation_id").primary();
        t.text("role").notNullable();
        t.uuid("case_id").notNullable();
        t.text("status").notNullable();
        t.timestamp("requested_at", { useTz: true }).notNullable();
        t.integer("revision").notNullable();
        t.jsonb("doc").notNullable();
      });
      await db.raw("create index cooperations_case on cooperations (case_id)");
      await db.raw("create index cooperations_listing on cooperations (requested_at desc, cooperation_id desc)");
      await db.raw("create index legal_providers_name on legal_providers (name)");
    },
  },
  {
    name: "0300_mediation_personal_data_sealed",
    async up(db) {
      // Rows written before personal data was sealed: seal their documents with the node's
      // keyring and keep defaulters' identity numbers only as their keyed index.
      const keyring = personalDataKeyring();
      const fields = new Set(PERSONAL_DATA);
      for (const [table, id] of [
        ["cases", "case_id"],
        ["nomination_batches", "batch_id"],
        ["defaulters", "entry_id"],
        ["arbitrator_recommendations", "recommendation_id"],
      ] as const) {
        const rows = (await db(table).select(id, "doc")) as Record<string, string>[];
        for (const row of rows)
          await db(table)
            .where(id, row[id])
            .update({ doc: JSON.stringify(sealPersonalData(openPersonalData(row.doc, fields, keyring), fields, keyring)) });
      }
      const defaulters = (await db("defaulters").select("entry_id", "doc")) as { entry_id: string; doc: { identityNumber: string } }[];
      for (const d of defaulters)
        await db("defaulters")
          .where("entry_id", d.entry_id)
          .update({ identity_number: keyring.index(keyring.open(d.doc.identityNumber)) });
    },
  },
];
