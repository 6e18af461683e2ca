/**
 * ServiceKit.apply on a real PostgreSQL, with stores that leave their writes alongside
 * (WritesAlongside): the aggregate's rows, its audit entry and its events reach PostgreSQL in one
 * statement (BEGIN, that statement, COMMIT), child rows holding their foreign keys; a refused
 * write leaves nothing of the change; a store that writes itself, and a document store whose
 * `extra` reads its row, are written in turn as before. A creation's first read goes with BEGIN
 * and the request id's claim.
 */
import { randomUUID } from "node:crypto";
import {
  createDatabase,
  createLogger,
  docStore,
  migrate,
  ServiceKit,
  sqlLiteral,
  systemClock,
  toLocal,
  writeNowOrAlongside,
  type AggregateStore,
  type Attribution,
  type EventToEmit,
} from "@jinlian/chassis";
import { liaisonEventsV1 } from "@jinlian/proto";
import { liaisonEvents } from "@jinlian/subscriber";
import type { Knex } from "knex";
import { adminDatabaseUrl, createTestDatabase, type TestDatabase } from "../harness/database";
import { roundTripsOf } from "../support/db";

jest.setTimeout(120_000);

const SCHEMA = "alongside_test";
let database: TestDatabase;
let db: Knex;
let kit: ServiceKit;

interface Thing {
  id: string;
  name: string;
  parts: number[];
  revision: number;
}

/** A thing's row and its parts (child rows), left alongside when the kit offers. */
const thingStore: AggregateStore<Thing> = {
  type: "thing",
  id: (t) => t.id,
  save(trx, after, before, alongside) {
    const had = new Set(before?.parts ?? []);
    const parts = after.parts.filter((p) => !had.has(p));
    return writeNowOrAlongside(
      [
        before
          ? trx("things").where({ id: after.id }).update({ name: after.name, revision: after.revision })
          : trx("things").insert({ id: after.id, name: after.name, revision: after.revision }),
        ...(parts.length > 0 ? [trx("thing_parts").insert(parts.map((part) => ({ thing_id: after.id, part })))] : []),
      ],
      alongside,
    );
  },
};

/** The same rows, written by the store itself (a store that does not take the offer). */
const selfWritingStore: AggregateStore<Thing> = {
  ...thingStore,
  save: (trx, after, before) => thingStore.save(trx, after, before),
};

const by: Attribution = { actor: { subject: "officer-1", requestId: randomUUID() }, reason: "测试" };

const registered = (t: Thing): EventToEmit[] => [
  {
    descriptor: liaisonEvents.organisationRegistered as EventToEmit["descriptor"],
    subject: t.id,
    data: liaisonEventsV1.OrganisationRegistered.fromPartial({ organisation: { organisationId: t.id, name: t.name } }),
    to: [toLocal("registry")],
  },
];

const apply = (store: AggregateStore<Thing>, before: Thing | undefined, state: Thing, events = registered(state)) =>
  db.transaction((trx) => kit.apply(trx, store, before, { state, action: "Register", events }, by));

const thing = (name: string, parts: number[]): Thing => ({ id: randomUUID(), name, parts, revision: 0 });

async function footprint(id: string) {
  const [row] = await db("things").where({ id }).select("name", "revision");
  return {
    row,
    parts: await db("thing_parts").where({ thing_id: id }).orderBy("part").pluck("part"),
    audit: await db("audit_entries").where({ aggregate_id: id }).orderBy("revision").pluck("revision"),
    events: Number((await db("outbox").where({ message_key: id }).count({ n: "*" }).first())!.n),
  };
}

beforeAll(async () => {
  database = await createTestDatabase(adminDatabaseUrl(), "alongside");
  db = createDatabase({ url: database.url, schema: SCHEMA });
  await migrate(db, SCHEMA, [
    {
      name: "0001_things",
      up: async (k) => {
        await k.raw("create table things (id uuid primary key, name text not null, revision int not null)");
        await k.raw(
          "create table thing_parts (thing_id uuid not null references things (id), part int not null, primary key (thing_id, part))",
        );
        await k.raw("create table thing_docs (id uuid primary key, name text not null, revision int not null, doc jsonb not null)");
        await k.raw("create table thing_doc_notes (id uuid not null references thing_docs (id), note text not null)");
      },
    },
  ]);
  kit = new ServiceKit({
    service: "liaison",
    db,
    schema: SCHEMA,
    node: { jurisdictionCode: "120000", topicNamespace: "jinlian" },
    clock: systemClock,
    ids: { newId: () => randomUUID() },
    logger: createLogger({ level: "silent" }),
  });
});

afterAll(async () => {
  await db?.destroy();
  await database?.drop();
});

it("writes a new aggregate's rows, its audit entry and its events in one statement", async () => {
  const t = thing("甲", [1, 2]);
  expect(await roundTripsOf(() => apply(thingStore, undefined, t))).toBe(2); // BEGIN, then the statement with COMMIT
  // The parts hold their foreign key to the row written in the same statement.
  expect(await footprint(t.id)).toEqual({ row: { name: "甲", revision: 1 }, parts: [1, 2], audit: [1], events: 1 });
});

it("writes a change's rows with its audit entry in one statement, with and without events", async () => {
  const t = thing("乙", [1]);
  const first = await apply(thingStore, undefined, t);
  const trips = await roundTripsOf(async () => {
    const second = await apply(thingStore, first, { ...first, name: "乙二", parts: [1, 2] });
    await apply(thingStore, second, { ...second, name: "乙三", parts: [1, 2, 3] }, []);
  });
  expect(trips).toBe(4); // two transactions: BEGIN, then the statement with COMMIT
  expect(await footprint(t.id)).toEqual({ row: { name: "乙三", revision: 3 }, parts: [1, 2, 3], audit: [1, 2, 3], events: 2 });
});

it("leaves nothing of a change when PostgreSQL refuses one of the writes left alongside", async () => {
  const t = thing("丙", [1]);
  await apply(thingStore, undefined, t);
  // The same id again: the row's insert is refused, in the statement that carries everything.
  await expect(apply(thingStore, undefined, { ...t, name: "丙二", parts: [7] })).rejects.toMatchObject({ code: "23505" });
  // A part that is already there: refused beside a row update that PostgreSQL would have taken.
  await expect(apply(thingStore, { ...t, revision: 1, parts: [] }, { ...t, revision: 1, name: "丙三", parts: [1] })).rejects.toMatchObject({
    code: "23505",
  });
  expect(await footprint(t.id)).toEqual({ row: { name: "丙", revision: 1 }, parts: [1], audit: [1], events: 1 });
});

it("writes in turn for a store that does not take the offer", async () => {
  const t = thing("丁", [1, 2]);
  expect(await roundTripsOf(() => apply(selfWritingStore, undefined, t))).toBe(4); // BEGIN, row, parts, audit + events with COMMIT
  expect(await footprint(t.id)).toEqual({ row: { name: "丁", revision: 1 }, parts: [1, 2], audit: [1], events: 1 });
});

describe("a document store", () => {
  const documents = {
    table: "thing_docs",
    type: "thing",
    idColumn: "id",
    id: (t: Thing) => t.id,
    columns: (t: Thing) => ({ name: t.name }),
  };
  const plain = docStore<Thing>(documents);
  const withNotes = docStore<Thing>({
    ...documents,
    // Reads the document just written: it must run after the row.
    extra: async (trx, after) => {
      const [row] = await trx("thing_docs").where({ id: after.id }).select("name");
      await trx("thing_doc_notes").insert({ id: after.id, note: `saved as ${row?.name}` });
    },
  });
  const applyDoc = (store: AggregateStore<Thing>, before: Thing | undefined, state: Thing) =>
    db.transaction((trx) => kit.apply(trx, store, before, { state, action: "Register", events: registered(state) }, by));

  it("leaves its row alongside without `extra`", async () => {
    const t = thing("戊", []);
    const trips = await roundTripsOf(async () => {
      const first = await applyDoc(plain, undefined, t);
      await applyDoc(plain, first, { ...first, name: "戊二" });
    });
    expect(trips).toBe(4); // two transactions: BEGIN, then the statement with COMMIT
    expect(await db("thing_docs").where({ id: t.id }).first("name", "revision")).toEqual({ name: "戊二", revision: 2 });
    expect(await db("audit_entries").where({ aggregate_id: t.id }).orderBy("revision").pluck("revision")).toEqual([1, 2]);
  });

  it("writes its row before `extra`, which sees it", async () => {
    const t = thing("己", []);
    await applyDoc(withNotes, undefined, t);
    expect(await db("thing_doc_notes").where({ id: t.id }).pluck("note")).toEqual(["saved as 己"]);
    expect(Number((await db("outbox").where({ message_key: t.id }).count({ n: "*" }).first())!.n)).toBe(1);
  });
});

describe("a creation's first read", () => {
  // What a use case reads before deciding, e.g. the registry's records of the parties it names.
  const namesTaken = (name: string) => ({
    sql: `select count(*)::int as n from things where name = ${sqlLiteral(name)}`,
    of: (rows: readonly Record<string, unknown>[]) => rows[0]!.n as number,
  });
  const create = (t: Thing, actor: Attribution["actor"], seen: number[]) =>
    kit.creation(
      "CreateThing",
      actor,
      t.id,
      async (trx, taken) => {
        seen.push(taken);
        return kit.apply(trx, thingStore, undefined, { state: t, action: "CreateThing", events: registered(t) }, { ...by, actor });
      },
      async (id, trx) => ({ ...(await trx("things").where({ id }).first("id", "name", "revision")), parts: [] }) as Thing,
      namesTaken(t.name),
    );

  it("goes with BEGIN and the request id's claim, and a repeat answers without running the change", async () => {
    const t = thing("庚's", [1]);
    await apply(thingStore, undefined, { ...thing("庚's", []) });
    const actor = { subject: "officer-1", requestId: randomUUID(), idempotencyKey: randomUUID(), requestFingerprint: "f1" };
    const seen: number[] = [];
    let created: Thing | undefined;
    // BEGIN with the claim and the read, then the rows with the audit entry, the event and COMMIT.
    expect(await roundTripsOf(async () => (created = await create(t, actor, seen)))).toBe(2);
    expect(seen).toEqual([1]);
    const again = await create({ ...t, id: randomUUID() }, actor, seen);
    expect(again).toEqual({ id: t.id, name: "庚's", revision: 1, parts: [] });
    expect(seen).toEqual([1]); // the repeat's read went unused
    expect(created!.revision).toBe(1);
    expect(await footprint(t.id)).toEqual({ row: { name: "庚's", revision: 1 }, parts: [1], audit: [1], events: 1 });
  });

  it("goes with BEGIN when the caller sent no request id of its own", async () => {
    const t = thing("辛", []);
    const seen: number[] = [];
    expect(await roundTripsOf(() => create(t, { subject: "officer-1", requestId: randomUUID() }, seen))).toBe(2);
    expect(seen).toEqual([0]);
    expect((await footprint(t.id)).audit).toEqual([1]);
  });
});
