import type { Knex } from "knex";

export interface Migration {
  readonly name: string;
  up(db: Knex): Promise<void>;
  down?(db: Knex): Promise<void>;
}

/** The outbox and inbox every service has, in its own schema. */
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
];

/** Applies the chassis migrations and then the service's, in order, in the service's schema. */
export async function migrate(db: Knex, schema: string, migrations: readonly Migration[]): Promise<string[]> {
  await db.raw("create schema if not exists ??", [schema]);
  const all = [...chassisMigrations, ...migrations];
  const source: Knex.MigrationSource<Migration> = {
    getMigrations: async () => all,
    getMigrationName: (m) => m.name,
    getMigration: async (m) => ({ up: (k: Knex) => m.up(k), down: (k: Knex) => (m.down ? m.down(k) : Promise.resolve()) }),
  };
  const [, applied] = (await db.migrate.latest({ schemaName: schema, tableName: "knex_migrations", migrationSource: source })) as [
    number,
    string[],
  ];
  return applied;
}
