/**
 * appendToOutbox on a real PostgreSQL: a transaction may append more events than one statement
 * can carry (PostgreSQL takes at most 65,535 parameters, six a row), and they are stored in the
 * order given, all or none; statements of the same change sent alongside (its rows, its audit
 * entry) are written in the first insert's round trip, or in one of their own without events.
 */
import { randomUUID } from "node:crypto";
import { appendToOutbox, createDatabase, migrate, type CloudEvent } from "@jinlian/chassis";
import type { Knex } from "knex";
import { adminDatabaseUrl, createTestDatabase, type TestDatabase } from "../harness/database";
import { roundTripsOf } from "../support/db";

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
  await db.raw("create table if not exists alongside (note text primary key)");
  await db.raw("create table if not exists alongside_child (note text not null references alongside (note), part int not null)");
});

afterAll(async () => {
  await db?.destroy();
  await database?.drop();
});

beforeEach(async () => {
  await db.raw("truncate outbox");
  await db.raw("truncate alongside, alongside_child");
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

it("writes the statements sent alongside in the same round trip as the events", async () => {
  const trips = await roundTripsOf(() =>
    db.transaction((trx) =>
      appendToOutbox(
        trx,
        [
          { topic, event: event(1) },
          { topic, event: event(2) },
        ],
        [
          trx("alongside").insert({ note: "row" }),
          trx("alongside_child").insert([1, 2].map((part) => ({ note: "row", part }))),
          trx("alongside").insert({ note: "audit" }),
        ],
      ),
    ),
  );
  expect(trips).toBe(2); // BEGIN, then the one insert with COMMIT
  // A child row written beside its parent holds its foreign key: it is checked at the statement's end.
  expect(await db("alongside").orderBy("note").pluck("note")).toEqual(["audit", "row"]);
  expect(await db("alongside_child").orderBy("part").pluck("part")).toEqual([1, 2]);
  expect(await db("outbox").count({ n: "*" }).first()).toEqual({ n: "2" });
});

it("writes the statements sent alongside once when the events take more than one insert, and as one statement when there are none", async () => {
  const events = Array.from({ length: 2_500 }, (_, n) => ({ topic, event: event(n) }));
  await db.transaction((trx) => appendToOutbox(trx, events, [trx("alongside").insert({ note: "many" })]));
  const trips = await roundTripsOf(() =>
    db.transaction((trx) =>
      appendToOutbox(trx, [], [trx("alongside").insert({ note: "none" }), trx("alongside").insert({ note: "none, too" })]),
    ),
  );
  expect(trips).toBe(2); // BEGIN, then the statements as one with COMMIT
  expect(await db("alongside").orderBy("note").pluck("note")).toEqual(["many", "none", "none, too"]);
  expect(await db("outbox").count({ n: "*" }).first()).toEqual({ n: "2500" });
});

it("writes neither the events nor any statement alongside when one of them fails", async () => {
  await db("alongside").insert({ note: "taken" });
  await expect(
    db.transaction((trx) =>
      appendToOutbox(
        trx,
        [{ topic, event: event(3) }],
        [trx("alongside").insert({ note: "fresh" }), trx("alongside").insert({ note: "taken" })],
      ),
    ),
  ).rejects.toMatchObject({ code: "23505" });
  await expect(
    db.transaction((trx) =>
      appendToOutbox(
        trx,
        [],
        [trx("alongside_child").insert({ note: "no such parent", part: 1 }), trx("alongside").insert({ note: "other" })],
      ),
    ),
  ).rejects.toMatchObject({ code: "23503" });
  expect(await db("outbox").count({ n: "*" }).first()).toEqual({ n: "0" });
  expect(await db("alongside").pluck("note")).toEqual(["taken"]);
  expect(await db("alongside_child").count({ n: "*" }).first()).toEqual({ n: "0" });
});
