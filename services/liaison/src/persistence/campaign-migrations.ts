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
  {
    name: "0012_campaign_calendar_and_corrections",
    async up(db) {
      // Calendar nodes come from the node's configuration (等各类节点): no fixed list in the schema.
      await db.raw(`
        do $$
        declare c record;
        begin
          for c in select conname from pg_constraint
                   where conrelid = 'campaigns'::regclass and contype = 'c' and pg_get_constraintdef(oid) like '%calendar_node%'
          loop
            execute format('alter table campaigns drop constraint %I', c.conname);
          end loop;
        end $$`);
      // Several campaigns may share a calendar node and year.
      await db.raw("drop index campaigns_per_node_year");
      await db.raw("create index campaigns_by_node_year on campaigns (issuing_jurisdiction, calendar_node, year)");
      await db.schema.alterTable("campaigns", (t) => {
        t.text("calendar_node_name").notNullable().defaultTo("");
        t.specificType("topic_tags", "text[]").notNullable().defaultTo("{}");
        t.specificType("audience_kinds", "text[]").notNullable().defaultTo("{}");
        // [{organisation_id?, credit_code, jurisdiction_code, name}] as referenced when planned.
        t.jsonb("co_organisers").notNullable().defaultTo("[]");
      });
      await db.raw(`update campaigns set calendar_node_name = case calendar_node
        when 'NATIONAL_CONSTITUTION_DAY' then '国家宪法日' when 'CONSTITUTION_WEEK' then '宪法宣传周'
        when 'CIVIL_CODE_MONTH' then '民法典宣传月' else calendar_node end`);
      // The filter by target district.
      await db.raw("create index campaigns_by_target on campaigns using gin (target_codes)");

      // An activity row holds its current revision; earlier ones move to campaign_activity_versions.
      await db.schema.alterTable("campaign_activities", (t) => {
        t.integer("revision").notNullable().defaultTo(1);
        t.boolean("withdrawn").notNullable().defaultTo(false);
        t.text("revised_by");
        t.text("revised_reason");
        t.text("revised_request_id");
        t.text("revised_in");
        t.timestamp("revised_at", { useTz: true });
      });
      await db.raw("alter table campaign_activities add constraint campaign_activities_revision check (revision >= 1)");
      await db.schema.createTable("campaign_activity_versions", (t) => {
        t.uuid("activity_id").notNullable().references("activity_id").inTable("campaign_activities").onDelete("CASCADE");
        t.integer("revision").notNullable();
        t.text("title").notNullable();
        t.timestamp("held_at", { useTz: true }).notNullable();
        t.integer("events_held").notNullable();
        t.bigInteger("audience_reached").notNullable();
        t.text("organiser_credit_code");
        t.text("organiser_jurisdiction");
        t.text("organiser_name");
        t.uuid("organiser_organisation_id");
        t.text("made_by").notNullable();
        t.text("reason").notNullable().defaultTo("");
        t.text("request_id").notNullable().defaultTo("");
        t.text("made_in").notNullable();
        t.timestamp("made_at", { useTz: true }).notNullable();
        t.primary(["activity_id", "revision"]);
      });
    },
  },
];
