import type { Migration } from "@jinlian/chassis";
import { registryProjectionMigrations } from "@jinlian/registry-projection";

/**
 * The legal-services schema. Aggregates are stored whole as JSON documents (`doc`) next to the
 * columns their lists, scans and uniqueness need; the documents' timestamps are ISO strings under
 * keys ending in "At" (see documents.ts).
 */
export const legalServicesMigrations: readonly Migration[] = [
  {
    name: "0001_legal_services",
    async up(db) {
      await db.schema.createTable("providers", (t) => {
        t.uuid("provider_id").primary();
        t.text("kind").notNullable();
        // One provider per identity: an organisation of a kind, a licence, a roster number, a chamber's point.
        t.text("identity_key").notNullable().unique();
        t.text("name").notNullable();
        t.text("district_code").notNullable();
        t.text("status").notNullable();
        t.text("credit_code");
        t.text("firm_credit_code");
        t.text("licence_number");
        t.integer("revision").notNullable();
        t.jsonb("doc").notNullable();
      });
      await db.raw("create index providers_listing on providers (name, provider_id)");
      await db.raw("create index providers_credit_code on providers (credit_code)");
      await db.schema.createTable("requests", (t) => {
        t.uuid("request_id").primary();
        t.text("status").notNullable();
        t.text("type").notNullable();
        t.text("district_code").notNullable();
        t.text("requester_credit_code").notNullable();
        // The assigned provider, or the one with the pending offer: load and conflicts read it.
        t.uuid("provider_id");
        t.timestamp("offer_deadline_at", { useTz: true });
        t.timestamp("submitted_at", { useTz: true }).notNullable();
        t.timestamp("assigned_at", { useTz: true });
        t.integer("revision").notNullable();
        t.jsonb("doc").notNullable();
      });
      await db.raw("create index requests_listing on requests (submitted_at desc, request_id desc)");
      await db.raw("create index requests_open_by_provider on requests (provider_id) where status in ('OFFERED', 'ASSIGNED')");
      await db.raw("create index requests_open_by_requester on requests (requester_credit_code) where status = 'ASSIGNED'");
      await db.raw("create index requests_offer_deadlines on requests (offer_deadline_at) where status = 'OFFERED'");
      // Facts from the mediation service: who mediated which dispute (excluded from matching it).
      await db.schema.createTable("mediated_by", (t) => {
        t.text("dispute_id").notNullable();
        t.text("licence_number").notNullable();
        t.text("mediator_name").notNullable().defaultTo("");
        t.text("source").notNullable().defaultTo("");
        t.timestamp("recorded_at", { useTz: true }).notNullable();
        t.primary(["dispute_id", "licence_number"]);
      });
      await db.schema.createTable("pairing_programmes", (t) => {
        t.uuid("programme_id").primary();
        t.integer("year").notNullable();
        t.text("status").notNullable();
        t.timestamp("created_at", { useTz: true }).notNullable();
        t.integer("revision").notNullable();
        t.jsonb("doc").notNullable();
      });
      // Pairs of the city's programmes, and at a district the pairs received for its chambers and firms.
      await db.schema.createTable("pairs", (t) => {
        t.uuid("pair_id").primary();
        t.uuid("programme_id").notNullable();
        t.boolean("received").notNullable();
        t.text("chamber_credit_code").notNullable();
        t.text("firm_credit_code").notNullable();
        t.text("chamber_district").notNullable();
        t.text("firm_district").notNullable();
        t.text("status").notNullable();
        t.integer("round").notNullable();
        t.jsonb("doc").notNullable();
      });
      await db.raw("create index pairs_listing on pairs (programme_id, chamber_credit_code, pair_id)");
      await db.schema.createTable("health_check_campaigns", (t) => {
        t.uuid("campaign_id").primary();
        t.text("district_code").notNullable();
        t.text("status").notNullable();
        t.timestamp("created_at", { useTz: true }).notNullable();
        t.integer("revision").notNullable();
        t.jsonb("doc").notNullable();
      });
      await db.schema.createTable("health_check_follow_ups", (t) => {
        t.uuid("follow_up_id").primary();
        t.uuid("campaign_id").notNullable();
        t.timestamp("due_at", { useTz: true }).notNullable();
        t.boolean("done").notNullable();
        // The due date an overdue alert was raised for: once per due date.
        t.timestamp("alerted_due_at", { useTz: true });
      });
      await db.raw("create index follow_ups_open on health_check_follow_ups (due_at) where not done");
      await db.schema.createTable("trainings", (t) => {
        t.uuid("training_id").primary();
        t.text("kind").notNullable();
        t.text("status").notNullable();
        t.timestamp("start_at", { useTz: true }).notNullable();
        t.integer("revision").notNullable();
        t.jsonb("doc").notNullable();
      });
      await db.schema.createTable("arbitration_referrals", (t) => {
        t.uuid("referral_id").primary();
        t.text("status").notNullable();
        t.text("commission_credit_code").notNullable();
        t.text("fingerprint").notNullable();
        t.timestamp("received_at", { useTz: true }).notNullable();
        t.integer("revision").notNullable();
        t.jsonb("doc").notNullable();
      });
      // At the city: the latest report of each district per period; at a district: its own sequence.
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
  // The organisations of this node's liaison registry, projected from its events.
  ...registryProjectionMigrations,
];
