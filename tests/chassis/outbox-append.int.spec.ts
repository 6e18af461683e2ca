/**
 * appendToOutbox on a real PostgreSQL: a transaction may append more events than one statement
 * can carry (PostgreSQL takes at most 65,535 parameters, six a row), and they are stored in the
 * order given, all or none.
 */
import { randomUUID } from "node:crypto";
import { appendToOutbox, createDatabase, migrate, type CloudEvent } from "@jinlian/chassis";
import type { Knex } from "knex";
import { adminDatabaseUrl, createTestDatabase, type TestDatabase } from "../harness/database";

jest.setTimeout(120_000);

const SCHEMA = "outbox_append_test";
const topic = "jinlian.120000.bulletins.to.120101";
let database: TestDatabase;
let db: Knex;

function event(n: number): CloudEvent {
  return {
    id: randomUUID(),
    source: "/jinlian/120000/bulletins",
    type: "jinlian.bulletins.bulletin.published.v1",
    time: new Date(),
    subject: `00000000-0000-4000-8000-${String(n % 7).padStart(12, "0")}`,
    dataschema: "urn:jinlian:protobuf:jinlian.bulletins.events.v1.BulletinPublished",
    data: Buffer.from(String(n)),
  };
}

beforeAll(async () => {
  database = await createTestDatabase(adminDatabaseUrl(), "outbox_append");
  db = createDatabase({ url: database.url, schema: SCHEMA });
  await migrate(db, SCHEMA, []);
});

afterAll(async () => {
  await db?.destroy();
  await database?.drop();
});

beforeEach(async () => {
  await db.raw("truncate outbox");
});

it("stores more events than one statement can carry, in the order given", async () => {
  // 12,000 rows are 72,000 parameters: more than a single insert may bind.
  const events = Array.from({ length: 12_000 }, (_, n) => event(n));
  await db.transaction((trx) =>
    appendToOutbox(
      trx,
      events.map((e) => ({ topic, event: e })),
    ),
  );
  const rows = (await db("outbox").orderBy("seq").select("event_id", "payload")) as { event_id: string; payload: Buffer }[];
  expect(rows).toHaveLength(events.length);
  expect(rows.map((r) => r.event_id)).toEqual(events.map((e) => e.id));
  expect(rows.map((r) => r.payload.toString())).toEqual(events.map((_, n) => String(n)));
});

it("stores none of them when the transaction does not commit", async () => {
  const events = Array.from({ length: 2_500 }, (_, n) => event(n));
  const failure = new Error("the use case failed after appending");
  await expect(
    db.transaction(async (trx) => {
      await appendToOutbox(
        trx,
        events.map((e) => ({ topic, event: e })),
      );
      throw failure;
    }),
  ).rejects.toBe(failure);
  expect(await db("outbox").count({ n: "*" }).first()).toEqual({ n: "0" });
});
