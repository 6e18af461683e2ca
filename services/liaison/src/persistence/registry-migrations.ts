import type { Migration } from "@jinlian/chassis";

export const registryMigrations: readonly Migration[] = [
  {
    name: "0001_registry",
    async up(db) {
      await db.schema.createTable("organisations", (t) => {
        t.uuid("organisation_id").primary();
        t.text("type").notNullable();
        t.text("name").notNullable();
        t.text("credit_code").notNullable().unique();
        t.text("jurisdiction_code").notNullable();
        t.text("status").notNullable();
        t.integer("revision").notNullable();
        t.timestamp("created_at", { useTz: true }).notNullable();
        t.timestamp("updated_at", { useTz: true }).notNullable();
        t.check("status in ('ACTIVE','DEACTIVATED')");
      });
      await db.raw("create index organisations_by_name on organisations (name, organisation_id)");
      await db.schema.createTable("organisation_departments", (t) => {
        t.uuid("department_id").primary();
        t.uuid("organisation_id").notNullable().references("organisation_id").inTable("organisations").onDelete("CASCADE");
        t.text("name").notNullable();
        t.integer("position").notNullable();
        t.unique(["organisation_id", "name"]);
      });
      await db.schema.createTable("liaison_contacts", (t) => {
        t.uuid("contact_id").primary();
        t.uuid("organisation_id").notNullable().references("organisation_id").inTable("organisations").onDelete("CASCADE");
        t.uuid("department_id").references("department_id").inTable("organisation_departments").onDelete("SET NULL");
        t.text("name").notNullable();
        t.text("title").notNullable().defaultTo("");
        t.text("phone").notNullable().defaultTo("");
        t.text("email").notNullable().defaultTo("");
        t.integer("position").notNullable();
      });
    },
  },
  {
    // Issue 9: corrections, moves between nodes (MOVED records stay on record), industry,
    // memberships (enterprise -> chamber -> federation) and a mediation committee's chamber.
    name: "0007_registry_moves_and_affiliations",
    async up(db) {
      const checks = (await db.raw(
        "select conname from pg_constraint where conrelid = 'organisations'::regclass and contype = 'c' and pg_get_constraintdef(oid) like '%status%'",
      )) as { rows: { conname: string }[] };
      for (const { conname } of checks.rows) await db.raw("alter table organisations drop constraint ??", [conname]);
      await db.schema.alterTable("organisations", (t) => {
        t.check("status in ('ACTIVE','DEACTIVATED','MOVED')", [], "organisations_status_check");
        t.text("moved_to");
        t.text("industry_section");
        t.text("industry_description").notNullable().defaultTo("");
        t.uuid("chamber_organisation_id").references("organisation_id").inTable("organisations");
      });
      await db.raw(
        "create index organisations_by_chamber on organisations (chamber_organisation_id) where chamber_organisation_id is not null",
      );
      await db.schema.createTable("organisation_memberships", (t) => {
        t.uuid("organisation_id").notNullable().references("organisation_id").inTable("organisations").onDelete("CASCADE");
        t.uuid("member_of_organisation_id").notNullable().references("organisation_id").inTable("organisations");
        t.integer("position").notNullable();
        t.primary(["organisation_id", "member_of_organisation_id"]);
      });
      await db.raw("create index organisation_memberships_by_member_of on organisation_memberships (member_of_organisation_id)");
    },
  },
];
