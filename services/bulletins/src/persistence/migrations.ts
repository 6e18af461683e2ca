import type { Migration } from "@jinlian/chassis";

export const bulletinsMigrations: readonly Migration[] = [
  {
    name: "0001_bulletins",
    async up(db) {
      await db.schema.createTable("bulletins", (t) => {
        t.uuid("bulletin_id").primary();
        t.text("origin").notNullable();
        t.text("kind").notNullable();
        t.text("issuer_credit_code").notNullable();
        t.text("issuer_name").notNullable();
        t.text("issuer_jurisdiction").notNullable();
        t.text("issuing_jurisdiction").notNullable();
        t.integer("year");
        t.integer("number");
        t.text("title").notNullable();
        t.text("body").notNullable();
        t.jsonb("main_audience").notNullable();
        t.jsonb("copy_audience").notNullable();
        t.text("urgency").notNullable();
        t.text("classification").notNullable();
        t.integer("ack_window_seconds");
        t.timestamp("ack_due_at", { useTz: true });
        t.text("status").notNullable();
        t.integer("current_version").notNullable().defaultTo(0);
        t.integer("revision").notNullable().defaultTo(1);
        t.text("created_by").notNullable();
        t.timestamp("created_at", { useTz: true }).notNullable();
        t.timestamp("published_at", { useTz: true });
        t.timestamp("updated_at", { useTz: true }).notNullable();
        t.check("origin in ('ISSUED','RECEIVED')");
        t.check("status in ('DRAFT','PUBLISHED','RECALLED')");
      });
      // Defence in depth for gapless numbering: a number is never given twice in a series.
      await db.raw(
        "create unique index bulletins_issue_number on bulletins (issuer_credit_code, kind, year, number) where number is not null",
      );
      await db.raw("create index bulletins_listing on bulletins ((coalesce(published_at, created_at)) desc, bulletin_id desc)");
      await db.schema.createTable("bulletin_versions", (t) => {
        t.uuid("bulletin_id").notNullable().references("bulletin_id").inTable("bulletins").onDelete("CASCADE");
        t.integer("version").notNullable();
        t.text("change").notNullable();
        t.text("title").notNullable();
        t.text("body").notNullable();
        t.text("reason").notNullable().defaultTo("");
        t.text("actor").notNullable();
        t.text("request_id").notNullable().defaultTo("");
        t.text("jurisdiction").notNullable();
        t.timestamp("occurred_at", { useTz: true }).notNullable();
        t.timestamp("ack_due_at", { useTz: true });
        t.primary(["bulletin_id", "version"]);
      });
      await db.schema.createTable("bulletin_recipients", (t) => {
        t.uuid("bulletin_id").notNullable().references("bulletin_id").inTable("bulletins").onDelete("CASCADE");
        t.text("recipient_key").notNullable();
        t.jsonb("recipient").notNullable();
        t.text("role").notNullable();
        t.text("delivery_jurisdiction").notNullable();
        t.integer("acknowledged_version").notNullable().defaultTo(0);
        t.timestamp("acknowledged_at", { useTz: true });
        t.text("acknowledged_by");
        t.text("reader_name");
        t.primary(["bulletin_id", "recipient_key"]);
      });
      await db.schema.createTable("issue_number_series", (t) => {
        t.text("issuer_credit_code").notNullable();
        t.text("kind").notNullable();
        t.integer("year").notNullable();
        t.integer("last_number").notNullable();
        t.primary(["issuer_credit_code", "kind", "year"]);
      });
    },
  },
  {
    // The organisations of this node's liaison registry, projected from its events.
    name: "0002_known_organisations",
    async up(db) {
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
      // Drafts look organisations up by credit code; the list pages by name.
      await db.raw("create index known_organisations_credit_code on known_organisations (credit_code)");
      await db.raw("create index known_organisations_listing on known_organisations (name, organisation_id)");
    },
  },
];
