import type { Migration } from "@jinlian/chassis";

export const mechanismMigrations: readonly Migration[] = [
  {
    name: "0003_mechanisms",
    async up(db) {
      // This node's mechanism (at most one: unique jurisdiction). The registry reads the
      // department columns to refuse removing a responsible department; consultations read
      // mechanism_id. The foreign keys are defence in depth behind those checks.
      await db.schema.createTable("mechanisms", (t) => {
        t.uuid("mechanism_id").primary();
        t.text("jurisdiction_code").notNullable().unique();
        t.uuid("justice_bureau_organisation_id").notNullable().references("organisation_id").inTable("organisations");
        t.uuid("justice_bureau_department_id").notNullable().references("department_id").inTable("organisation_departments");
        t.text("justice_bureau_name").notNullable();
        t.text("justice_bureau_credit_code").notNullable();
        t.text("justice_bureau_jurisdiction_code").notNullable();
        t.text("justice_bureau_department_name").notNullable();
        t.uuid("federation_organisation_id").notNullable().references("organisation_id").inTable("organisations");
        t.uuid("federation_department_id").notNullable().references("department_id").inTable("organisation_departments");
        t.text("federation_name").notNullable();
        t.text("federation_credit_code").notNullable();
        t.text("federation_jurisdiction_code").notNullable();
        t.text("federation_department_name").notNullable();
        t.text("status").notNullable();
        t.timestamp("status_since", { useTz: true }).notNullable();
        t.timestamp("first_established_at", { useTz: true });
        t.integer("revision").notNullable();
        t.timestamp("created_at", { useTz: true }).notNullable();
        t.timestamp("updated_at", { useTz: true }).notNullable();
        t.check("status in ('PROPOSED','ESTABLISHED','SUSPENDED')");
      });
      await db.raw("create index mechanisms_by_justice_bureau_department on mechanisms (justice_bureau_department_id)");
      await db.raw("create index mechanisms_by_federation_department on mechanisms (federation_department_id)");
      // Every status a mechanism entered, with who, why and when, oldest first.
      await db.schema.createTable("mechanism_transitions", (t) => {
        t.uuid("mechanism_id").notNullable().references("mechanism_id").inTable("mechanisms").onDelete("CASCADE");
        t.integer("seq").notNullable();
        t.text("status").notNullable();
        t.text("actor").notNullable();
        t.text("reason").notNullable().defaultTo("");
        t.text("request_id").notNullable().defaultTo("");
        t.text("jurisdiction").notNullable();
        t.timestamp("occurred_at", { useTz: true }).notNullable();
        t.primary(["mechanism_id", "seq"]);
        t.check("status in ('PROPOSED','ESTABLISHED','SUSPENDED')");
      });
      // The city's roll-up: one row per jurisdiction, its own mechanism and the latest (highest
      // revision) report of each district. Empty at a district node.
      await db.schema.createTable("mechanism_roll_up", (t) => {
        t.text("jurisdiction_code").primary();
        t.uuid("mechanism_id").notNullable();
        t.text("status").notNullable();
        t.timestamp("status_since", { useTz: true }).notNullable();
        t.timestamp("first_established_at", { useTz: true });
        t.integer("revision").notNullable();
        t.jsonb("justice_bureau").notNullable();
        t.jsonb("federation").notNullable();
        t.timestamp("reported_at", { useTz: true }).notNullable();
        t.check("status in ('PROPOSED','ESTABLISHED','SUSPENDED')");
      });
    },
  },
];
