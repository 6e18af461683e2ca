/**
 * Replicas starting together on a fresh database (the municipal overlay runs two) must not race
 * each other's migrations: schema creation and knex's migration log are serialised under a
 * PostgreSQL advisory lock, so every start succeeds, each migration runs once and knex's lock
 * table holds one row.
 */
import { createDatabase, migrate, type Migration } from "@jinlian/chassis";
import type { Knex } from "knex";
import { adminDatabaseUrl, createTestDatabase, type TestDatabase } from "../harness/database";
import { query } from "../support/db";

jest.setTimeout(120_000);

const STARTS = 20;
const SCHEMA = "racing";
let database: TestDatabase;
const instances: Knex[] = [];

// A service migration slow enough that concurrent starters overlap inside it.
const serviceMigrations: Migration[] = [
  {
    name: "0100_racing_things",
    async up(db) {
      await db.raw("select pg_sleep(0.2)");
      await db.schema.createTable("things", (t) => t.uuid("thing_id").primary());
    },
  },
];

beforeAll(async () => {
  database = await createTestDatabase(adminDatabaseUrl(), "migrate");
});

afterAll(async () => {
  await Promise.all(instances.map((db) => db.destroy()));
  await database?.drop();
});

it(`lets ${STARTS} replicas start at once on a fresh database: all succeed, each migration runs once, one lock row`, async () => {
  for (let i = 0; i < STARTS; i++) instances.push(createDatabase({ url: database.url, schema: SCHEMA, poolMax: 3 }));
  const results = await Promise.allSettled(instances.map((db) => migrate(db, SCHEMA, serviceMigrations)));
  const failures = results.flatMap((r) => (r.status === "rejected" ? [String((r.reason as Error)?.message ?? r.reason)] : []));
  expect(failures).toEqual([]);
  // Exactly one starter applied the migrations; the others found them applied.
  const appliedBy = results.map((r) => (r.status === "fulfilled" ? r.value.length : -1)).filter((n) => n > 0);
  expect(appliedBy).toHaveLength(1);

  const lockRows = await query<{ n: string }>(database.url, `select count(*) as n from ${SCHEMA}.knex_migrations_lock`);
  expect(Number(lockRows[0]!.n)).toBe(1);
  const log = await query<{ name: string; n: string }>(
    database.url,
    `select name, count(*) as n from ${SCHEMA}.knex_migrations group by name order by name`,
  );
  expect(log.every((r) => r.n === "1")).toBe(true);
  expect(log.map((r) => r.name)).toContain("0100_racing_things");
  // A later start (a rolling restart) applies nothing and succeeds.
  await expect(migrate(instances[0]!, SCHEMA, serviceMigrations)).resolves.toEqual([]);
});
