import { briefingFactsMigration } from "./briefing-facts";
import type { Migration } from "@jinlian/chassis";
import { createKnownOrganisationsTable, registryProjectionAffiliationsMigration } from "@jinlian/registry-projection";

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
      await createKnownOrganisationsTable(db);
    },
  },
  {
    // History is kept: versions and recipients can no longer be cascaded away with their bulletin,
    // and every acknowledgement is its own insert-only row (the recipient row keeps the latest,
    // for read status).
    name: "0101_bulletin_history_kept",
    async up(db) {
      for (const table of ["bulletin_versions", "bulletin_recipients"]) {
        await db.raw("alter table ?? drop constraint ??", [table, `${table}_bulletin_id_foreign`]);
        await db.raw("alter table ?? add constraint ?? foreign key (bulletin_id) references bulletins (bulletin_id) on delete restrict", [
          table,
          `${table}_bulletin_id_foreign`,
        ]);
      }
      await db.schema.createTable("bulletin_receipts", (t) => {
        t.uuid("receipt_id").primary();
        t.uuid("bulletin_id").notNullable();
        t.text("recipient_key").notNullable();
        t.integer("version").notNullable();
        t.timestamp("acknowledged_at", { useTz: true }).notNullable();
        t.text("acknowledged_by").notNullable();
        t.text("reader_name").notNullable().defaultTo("");
        t.text("reason").notNullable().defaultTo("");
        t.text("request_id").notNullable().defaultTo("");
        t.foreign(["bulletin_id", "recipient_key"])
          .references(["bulletin_id", "recipient_key"])
          .inTable("bulletin_recipients")
          .onDelete("RESTRICT");
      });
      await db.raw("create index bulletin_receipts_by_bulletin on bulletin_receipts (bulletin_id, acknowledged_at, receipt_id)");
      // The latest acknowledgement of each recipient is all that was kept before: it becomes the
      // first receipt, so read status and receipts agree.
      await db.raw(
        `insert into bulletin_receipts (receipt_id, bulletin_id, recipient_key, version, acknowledged_at, acknowledged_by, reader_name)
         select gen_random_uuid(), bulletin_id, recipient_key, acknowledged_version, acknowledged_at, coalesce(acknowledged_by, ''), coalesce(reader_name, '')
           from bulletin_recipients where acknowledged_version > 0 and acknowledged_at is not null`,
      );
    },
  },
  {
    // A receipt per party: a node recipient's justice bureau and federation acknowledge on their
    // own ('' is the whole recipient: an organisation, or a node acknowledged for both parties);
    // recipients added by forwarding (转发) name the node that forwarded them; overdue alerts are
    // raised once per recipient, party and version.
    name: "0110_delivery_parties_forwarding_alerts",
    async up(db) {
      await db.schema.alterTable("bulletin_receipts", (t) => {
        t.text("party").notNullable().defaultTo("");
      });
      await db.raw("create index bulletin_receipts_by_reader on bulletin_receipts (bulletin_id, recipient_key, party, version)");
      await db.schema.alterTable("bulletin_recipients", (t) => {
        t.text("forwarded_by");
        t.text("forward_reason").notNullable().defaultTo("");
      });
      // Unread work looks recipients up by the node holding them.
      await db.raw("create index bulletin_recipients_held on bulletin_recipients (recipient_key, delivery_jurisdiction)");
      await db.schema.createTable("bulletin_overdue_alerts", (t) => {
        t.uuid("bulletin_id").notNullable();
        t.text("recipient_key").notNullable();
        t.text("party").notNullable();
        t.integer("version").notNullable();
        t.timestamp("alerted_at", { useTz: true }).notNullable();
        t.primary(["bulletin_id", "recipient_key", "party", "version"]);
        t.foreign(["bulletin_id", "recipient_key"])
          .references(["bulletin_id", "recipient_key"])
          .inTable("bulletin_recipients")
          .onDelete("RESTRICT");
      });
    },
  },
  {
    // Bulletins as offices issue them (issue 9): joint issuers and the approval (签发) on the
    // bulletin; recipients withdrawn by a correction of the audience (kept for the record); and
    // indexes for the filters officers use (publication period, issuing node, recipient, co-issuer).
    name: "0010_office_issuance",
    async up(db) {
      await db.schema.alterTable("bulletins", (t) => {
        t.jsonb("co_issuers").notNullable().defaultTo("[]");
        t.jsonb("approval");
      });
      await db.schema.alterTable("bulletin_recipients", (t) => {
        t.integer("withdrawn_version");
      });
      await db.raw("create index bulletins_published_at on bulletins (published_at, bulletin_id) where published_at is not null");
      await db.raw("create index bulletins_issuing_jurisdiction on bulletins (issuing_jurisdiction)");
      await db.raw("create index bulletins_co_issuers on bulletins using gin (co_issuers jsonb_path_ops)");
      await db.raw("create index bulletin_recipients_by_recipient on bulletin_recipients (recipient_key, bulletin_id)");
    },
  },
  // The registry projection's moves, industry and memberships (issue 9), after its table.
  registryProjectionAffiliationsMigration,
  // Briefings compiled from the districts' statistics (issue 13).
  briefingFactsMigration,
];
