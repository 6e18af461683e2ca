import type { Migration } from "@jinlian/chassis";

export const auditMigrations: readonly Migration[] = [
  {
    name: "0002_audit_entries",
    async up(db) {
      // Who changed what and why: one row per mutation, written in the mutation's transaction.
      await db.schema.createTable("audit_entries", (t) => {
        t.uuid("entry_id").primary();
        t.text("aggregate_type").notNullable();
        t.uuid("aggregate_id").notNullable();
        t.text("action").notNullable();
        t.integer("revision").notNullable();
        t.text("actor").notNullable();
        t.text("reason").notNullable().defaultTo("");
        t.text("request_id").notNullable().defaultTo("");
        t.text("jurisdiction").notNullable();
        t.timestamp("occurred_at", { useTz: true }).notNullable();
      });
      await db.raw("create index audit_entries_listing on audit_entries (occurred_at desc, entry_id desc)");
      await db.raw("create index audit_entries_by_aggregate on audit_entries (aggregate_id, occurred_at desc)");
    },
  },
];
