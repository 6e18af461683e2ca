import { createAuditTable, type Migration } from "@jinlian/chassis";

export const auditMigrations: readonly Migration[] = [
  {
    name: "0002_audit_entries",
    async up(db) {
      // Who changed what and why: one row per mutation, written in the mutation's transaction.
      // Since the service kit the chassis creates the same table first (0002_chassis_audit_entries).
      if (!(await db.schema.hasTable("audit_entries"))) await createAuditTable(db);
    },
  },
];
