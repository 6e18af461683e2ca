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
];
