import type { Migration } from "@jinlian/chassis";
import { registryProjectionMigrations } from "@jinlian/registry-projection";

/**
 * The legislation schema. Each aggregate is one JSONB document (persistence/documents.ts) with the
 * columns lists, the review gate and the closing scan filter on. The registry projection's table
 * (0100, 0190) holds the node's organisations.
 */
export const legislationMigrations: readonly Migration[] = [
  {
    name: "0001_legislation_plans",
    async up(db) {
      await db.schema.createTable("plans", (t) => {
        t.uuid("plan_id").primary();
        t.integer("year").notNullable().unique();
        t.text("status").notNullable();
        t.integer("revision").notNullable();
        t.timestamp("created_at", { useTz: true }).notNullable();
        t.jsonb("doc").notNullable();
        t.check("status in ('DRAFTING','FIXED')");
      });
      // Plan items are found by id inside the documents (a draft names its item).
      await db.raw("create index plans_items on plans using gin ((doc -> 'items') jsonb_path_ops)");
    },
  },
  {
    name: "0002_legislation_drafts",
    async up(db) {
      await db.schema.createTable("drafts", (t) => {
        t.uuid("draft_id").primary();
        t.text("kind").notNullable();
        t.text("status").notNullable();
        t.text("title").notNullable();
        t.boolean("concerns_private_economy").notNullable();
        t.text("plan_item_id").notNullable().defaultTo("");
        t.integer("revision").notNullable();
        t.timestamp("created_at", { useTz: true }).notNullable();
        t.jsonb("doc").notNullable();
        t.check("kind in ('LOCAL_REGULATION','GOVERNMENT_RULE','NORMATIVE_DOCUMENT')");
        t.check("status in ('DRAFTING','UNDER_REVIEW')");
      });
      await db.raw("create index drafts_listing on drafts (created_at desc, draft_id desc)");
    },
  },
  {
    name: "0003_legislation_rounds",
    async up(db) {
      await db.schema.createTable("rounds", (t) => {
        t.uuid("round_id").primary();
        t.uuid("draft_id").notNullable();
        t.text("origin").notNullable();
        t.boolean("closed").notNullable();
        t.timestamp("close_time", { useTz: true }).notNullable();
        t.integer("revision").notNullable();
        t.timestamp("opened_at", { useTz: true }).notNullable();
        t.jsonb("doc").notNullable();
        t.check("origin in ('LOCAL','CITY')");
      });
      await db.raw("create index rounds_listing on rounds (opened_at desc, round_id desc)");
      await db.raw("create index rounds_by_draft on rounds (draft_id)");
      // The closing scan: rounds opened here whose window passed and whose closing is not recorded.
      await db.raw("create index rounds_to_close on rounds (close_time) where not closed and origin = 'LOCAL'");
    },
  },
  ...registryProjectionMigrations,
  {
    // Research outcomes of the node's liaison service linked to a draft or a plan item (art. 4),
    // from its research-links stream: a draft shows those linked to it or to its plan item.
    name: "0200_legislation_research_origins",
    async up(db) {
      await db.schema.createTable("research_origins", (t) => {
        t.uuid("outcome_id").primary();
        t.uuid("research_id").notNullable();
        t.uuid("target_id").notNullable();
        t.text("topic").notNullable().defaultTo("");
        t.text("summary").notNullable();
        t.timestamp("linked_at", { useTz: true }).notNullable();
        t.timestamp("withdrawn_at", { useTz: true });
      });
      await db.raw("create index research_origins_by_target on research_origins (target_id) where withdrawn_at is null");
    },
  },
  {
    // Symposia and surveys on drafts (art. 6), one document each.
    name: "0201_legislation_studies",
    async up(db) {
      await db.schema.createTable("studies", (t) => {
        t.uuid("study_id").primary();
        t.uuid("draft_id").notNullable();
        t.text("kind").notNullable();
        t.text("mode").notNullable();
        t.text("status").notNullable();
        t.timestamp("start_time", { useTz: true }).notNullable();
        t.integer("revision").notNullable();
        t.timestamp("created_at", { useTz: true }).notNullable();
        t.jsonb("doc").notNullable();
        t.check("kind in ('SYMPOSIUM','SURVEY')");
        t.check("mode in ('JOINT','COMMISSIONED')");
        t.check("status in ('PLANNED','CONCLUDED','CANCELLED')");
      });
      await db.raw("create index studies_listing on studies (created_at desc, study_id desc)");
      await db.raw("create index studies_by_draft on studies (draft_id)");
    },
  },
];
