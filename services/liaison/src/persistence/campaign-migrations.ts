import type { Migration } from "@jinlian/chassis";

export const campaignMigrations: readonly Migration[] = [
  {
    name: "0006_campaigns",
    async up(db) {
      // Campaigns issued here and campaigns received from the city (same id as at the issuer).
      await db.schema.createTable("campaigns", (t) => {
        t.uuid("campaign_id").primary();
        t.text("calendar_node").notNullable();
        t.integer("year").notNullable();
        t.text("title").notNullable();
        t.text("theme").notNullable().defaultTo("");
        t.timestamp("start_at", { useTz: true }).notNullable();
        t.timestamp("end_at", { useTz: true }).notNullable();
        t.text("status").notNullable();
        t.text("origin").notNullable();
        t.text("issuing_jurisdiction").notNullable();
        t.specificType("target_codes", "text[]").notNullable();
        t.integer("revision").notNullable();
        t.timestamp("created_at", { useTz: true }).notNullable();
        t.timestamp("updated_at", { useTz: true }).notNullable();
        t.check("status in ('PLANNED','LAUNCHED','CLOSED')");
        t.check("origin in ('ISSUED','RECEIVED')");
        t.check("calendar_node in ('NATIONAL_CONSTITUTION_DAY','CONSTITUTION_WEEK','CIVIL_CODE_MONTH')");
      });
      // One campaign per calendar node and year per issuing node.
      await db.raw("create unique index campaigns_per_node_year on campaigns (issuing_jurisdiction, calendar_node, year)");
      await db.raw("create index campaigns_listing on campaigns (start_at desc, campaign_id desc)");
      await db.schema.createTable("campaign_activities", (t) => {
        t.uuid("activity_id").primary();
        t.uuid("campaign_id").notNullable().references("campaign_id").inTable("campaigns").onDelete("CASCADE");
        t.text("jurisdiction_code").notNullable();
        t.text("title").notNullable();
        t.timestamp("held_at", { useTz: true }).notNullable();
        t.integer("events_held").notNullable();
        t.bigInteger("audience_reached").notNullable();
        // Organiser as referenced when reported; the id only when registered at this node.
        t.uuid("organiser_organisation_id");
        t.text("organiser_credit_code");
        t.text("organiser_jurisdiction");
        t.text("organiser_name");
        t.text("reported_by").notNullable();
        t.text("reason").notNullable().defaultTo("");
        t.text("request_id").notNullable().defaultTo("");
        t.text("reported_in").notNullable();
        t.timestamp("reported_at", { useTz: true }).notNullable();
        t.check("events_held >= 1");
        t.check("audience_reached >= 0");
      });
      await db.raw("create index campaign_activities_by_campaign on campaign_activities (campaign_id, jurisdiction_code)");
    },
  },
];
