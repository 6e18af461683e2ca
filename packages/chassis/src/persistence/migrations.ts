import { createHash } from "node:crypto";
import type { Knex } from "knex";
import { auditMigration } from "../usecase/audit";

export interface Migration {
  readonly name: string;
  up(db: Knex): Promise<void>;
  down?(db: Knex): Promise<void>;
}

/** The outbox, inbox, idempotency keys and audit trail every service has, in its own schema. */
export const chassisMigrations: readonly Migration[] = [
  {
    name: "0000_chassis_outbox_inbox",
    async up(db) {
      await db.schema.createTable("outbox", (t) => {
        t.bigIncrements("seq").primary();
        t.uuid("event_id").notNullable().unique();
        t.text("topic").notNullable();
        t.text("message_key").notNullable();
        t.text("event_type").notNullable();
        t.jsonb("headers").notNullable();
        t.binary("payload").notNullable();
        t.timestamp("created_at", { useTz: true }).notNullable().defaultTo(db.fn.now());
        t.timestamp("published_at", { useTz: true });
      });
      await db.raw("create index outbox_unpublished on ?? (seq) where published_at is null", ["outbox"]);
      await db.schema.createTable("inbox", (t) => {
        t.text("consumer").notNullable();
        t.text("event_source").notNullable();
        t.text("event_id").notNullable();
        t.text("event_type").notNullable();
        t.timestamp("received_at", { useTz: true }).notNullable().defaultTo(db.fn.now());
        t.primary(["consumer", "event_source", "event_id"]);
      });
    },
    async down(db) {
      await db.schema.dropTable("inbox");
      await db.schema.dropTable("outbox");
    },
  },
  {
    name: "0001_chassis_idempotency_keys",
    async up(db) {
      // Request ids of mutations already applied, with their result, so a retried call is
      // answered with the first outcome instead of being applied twice.
      await db.schema.createTable("idempotency_keys", (t) => {
        t.text("scope").notNullable();
        t.text("key").notNullable();
        t.text("result").notNullable();
        t.timestamp("created_at", { useTz: true }).notNullable().defaultTo(db.fn.now());
        t.primary(["scope", "key"]);
      });
    },
    async down(db) {
      await db.schema.dropTable("idempotency_keys");
    },
  },
  auditMigration,
  {
    name: "0003_chassis_outbox_parking",
    async up(db) {
      // A row the broker can never take is parked with the reason, not retried forever.
      await db.schema.alterTable("outbox", (t) => {
        t.timestamp("parked_at", { useTz: true });
        t.text("parked_reason");
      });
      await db.raw("create index outbox_parked on ?? (topic, message_key, seq) where parked_at is not null and published_at is null", [
        "outbox",
      ]);
    },
  },
  {
    name: "0004_chassis_outbox_relay_lease",
    async up(db) {
      // The relay leader's heartbeat: a standby takes over from a leader silent past its lease.
      await db.schema.createTable("outbox_relay_lease", (t) => {
        t.smallint("id").primary();
        t.integer("holder_pid").notNullable();
        t.text("holder").notNullable();
        t.timestamp("heartbeat_at", { useTz: true }).notNullable();
        t.check("id = 1");
      });
    },
  },
  {
    name: "0005_chassis_idempotency_fingerprint",
    async up(db) {
      // What request a key came with, so a key reused for another request is refused.
      await db.schema.alterTable("idempotency_keys", (t) => t.text("fingerprint"));
    },
  },
  {
    name: "0006_chassis_inbox_held",
    async up(db) {
      // Events a consumer cannot apply yet (a type newer than its contract, and what follows it
      // for the same aggregate), kept in arrival order until an upgrade can apply them.
      await db.schema.createTable("inbox_held", (t) => {
        t.bigIncrements("seq").primary();
        t.text("consumer").notNullable();
        t.text("topic").notNullable();
        t.integer("partition").notNullable();
        t.text("kafka_offset").notNullable();
        t.text("message_key").notNullable();
        t.text("event_type").notNullable();
        t.text("event_id").notNullable();
        t.text("event_source").notNullable();
        t.jsonb("headers").notNullable();
        t.binary("payload").notNullable();
        t.text("reason").notNullable();
        t.timestamp("held_at", { useTz: true }).notNullable().defaultTo(db.fn.now());
        t.index(["consumer", "topic", "message_key"], "inbox_held_by_aggregate");
        t.unique(["consumer", "event_source", "event_id"], { indexName: "inbox_held_once" });
      });
    },
  },
  {
    name: "0007_chassis_dead_letter_replays",
    async up(db) {
      // What each dead-letter replay did, by letter: who asked, when, and the outcome.
      await db.schema.createTable("dead_letter_replays", (t) => {
        t.bigIncrements("seq").primary();
        t.text("dlq_topic").notNullable();
        t.integer("partition").notNullable();
        t.text("kafka_offset").notNullable();
        t.text("event_id").notNullable();
        t.text("event_type").notNullable();
        t.text("message_key").notNullable();
        t.text("outcome").notNullable();
        t.text("actor").notNullable();
        t.timestamp("replayed_at", { useTz: true }).notNullable().defaultTo(db.fn.now());
        t.index(["dlq_topic", "partition", "kafka_offset"], "dead_letter_replays_by_letter");
      });
    },
  },
  {
    name: "0008_chassis_audit_actor_and_append_only",
    async up(db) {
      // Who acted, in full: the organisation, roles and jurisdiction the caller's token named, and
      // the trace of the call; empty for entries made before authentication or from events.
      await db.schema.alterTable("audit_entries", (t) => {
        t.text("actor_organisation").notNullable().defaultTo("");
        t.text("actor_roles").notNullable().defaultTo("");
        t.text("actor_jurisdiction").notNullable().defaultTo("");
        t.text("trace_id").notNullable().defaultTo("");
      });
      // Append-only at the database, whoever connects: a trail the application could rewrite proves nothing.
      await db.raw(`create function audit_entries_append_only() returns trigger language plpgsql as $$
        begin
          raise exception 'audit entries are append-only: % refused', tg_op using errcode = 'insufficient_privilege';
        end $$`);
      // Per statement, so a statement is refused even when it would touch no row.
      await db.raw(`create trigger audit_entries_append_only before update or delete or truncate on audit_entries
        for each statement execute function audit_entries_append_only()`);
    },
  },
  {
    name: "0009_chassis_outbox_announce",
    async up(db) {
      // The relay's wake-up (it LISTENs on jinlian_outbox_<schema>, see outboxChannel) comes from
      // the insert itself, delivered at commit: a use case's transaction spends no round trip on it.
      await db.raw(`create function outbox_announce() returns trigger language plpgsql as $$
        begin
          perform pg_notify('jinlian_outbox_' || tg_table_schema, '');
          return null;
        end $$`);
      await db.raw(`create trigger outbox_announce after insert on outbox for each statement execute function outbox_announce()`);
    },
  },
  {
    name: "0010_chassis_outbox_vacuum",
    async up(db) {
      // Every published row leaves a dead entry in outbox_unpublished until a vacuum, and the
      // relay's read walks them all: at the default (20 % of the table, which keeps a week of
      // published rows) a busy outbox reads ever slower. Vacuum it every few thousand rows instead.
      await db.raw(`alter table outbox set (
        autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 5000,
        autovacuum_analyze_scale_factor = 0, autovacuum_analyze_threshold = 5000)`);
    },
  },
  {
    name: "0011_chassis_outbox_announce_while_relay_rests",
    async up(db) {
      // A commit that NOTIFYs holds PostgreSQL's notification-queue lock through its WAL flush, so
      // such commits lose group commit: 16 writers made 3,100-3,800 commits/s with a NOTIFY each
      // against 11,000-13,000 without (pgbench, this repository's machine). A relay that is reading
      // anyway needs no announcement: while it holds its "awake" lock (OutboxRelay, session
      // level) the insert announces nothing. Every inserting transaction holds the "writers" lock
      // (shared, until it ends) from before it looks at "awake", so a relay that lets go of
      // "awake" and then finds "writers" free knows that every commit it was not told of is
      // visible to its next read (relay.ts, rest()). The lock names are outboxRelayLocks' (outbox.ts).
      await db.raw(`create or replace function outbox_announce() returns trigger language plpgsql as $$
        begin
          perform pg_advisory_xact_lock_shared(hashtextextended('jinlian.outbox.writers.' || tg_table_schema, 0));
          if pg_try_advisory_lock_shared(hashtextextended('jinlian.outbox.awake.' || tg_table_schema, 0)) then
            perform pg_advisory_unlock_shared(hashtextextended('jinlian.outbox.awake.' || tg_table_schema, 0));
            perform pg_notify('jinlian_outbox_' || tg_table_schema, '');
          end if;
          return null;
        end $$`);
    },
  },
];

/** A stable 64-bit advisory-lock key for migrating one schema. */
function migrationLockKey(schema: string): string {
  return createHash("sha256").update(`jinlian.migrate.${schema}`).digest().readBigInt64BE(0).toString();
}

/**
 * Applies the chassis migrations and then the service's, in order, in the service's schema.
 * Replicas starting together take turns: the schema's creation and knex's own bookkeeping (its
 * lock table is created and filled without a lock of its own, so two first starts can leave it
 * with two rows and every later start failing) run under a session-level advisory lock held on a
 * connection of the pool (so the pool needs two). Later starters wait, then find everything applied.
 */
export async function migrate(db: Knex, schema: string, migrations: readonly Migration[]): Promise<string[]> {
  const all = [...chassisMigrations, ...migrations];
  const source: Knex.MigrationSource<Migration> = {
    getMigrations: async () => all,
    getMigrationName: (m) => m.name,
    getMigration: async (m) => ({ up: (k: Knex) => m.up(k), down: (k: Knex) => (m.down ? m.down(k) : Promise.resolve()) }),
  };
  const key = migrationLockKey(schema);
  const connection: unknown = await db.client.acquireConnection();
  try {
    await db.raw("select pg_advisory_lock(?::bigint)", [key]).connection(connection);
    try {
      await db.raw("create schema if not exists ??", [schema]);
      const [, applied] = (await db.migrate.latest({ schemaName: schema, tableName: "knex_migrations", migrationSource: source })) as [
        number,
        string[],
      ];
      return applied;
    } finally {
      await db
        .raw("select pg_advisory_unlock(?::bigint)", [key])
        .connection(connection)
        .catch(() => undefined); // a lost session has released the lock already
    }
  } finally {
    await db.client.releaseConnection(connection);
  }
}
