/**
 * How createDatabase ends a transaction whose last statement was left for its COMMIT
 * (`writeAtCommit`), on a real PostgreSQL: the statement goes with COMMIT in one round trip, or
 * before any other statement of the transaction (its savepoints' too); a rollback drops it; its
 * failure fails the transaction and leaves the connection clean; its values, written in as
 * literals, store exactly what parameters would. This also guards the knex internals it relies on.
 */
import { writeAtCommit } from "@jinlian/chassis";
import fc from "fast-check";
import type { Knex } from "knex";
import type { TestDatabase } from "../harness/database";
import { oneConnectionBed, roundTripsOf } from "../support/db";

jest.setTimeout(120_000);

const SCHEMA = "transaction_commit_test";
let database: TestDatabase;
let db: Knex;

beforeAll(async () => {
  // One connection: a transaction that failed must leave it usable for the next one.
  ({ database, db } = await oneConnectionBed("transaction_commit", SCHEMA, [
    "marks (n int primary key, note text)",
    "kinds (id int primary key, t text, b bytea, at timestamptz, j jsonb, tags text[], num numeric, flag boolean, big bigint)",
  ]));
});

afterAll(async () => {
  await db?.destroy();
  await database?.drop();
});

beforeEach(async () => {
  await db.raw("truncate marks, kinds");
});

const marks = () => db("marks").orderBy("n").pluck("n");

it("sends the statement with COMMIT, in one round trip", async () => {
  const trips = await roundTripsOf(() => db.transaction((trx) => writeAtCommit(trx, trx("marks").insert({ n: 1 }))));
  expect(trips).toBe(2); // BEGIN, then the insert with COMMIT
  expect(await marks()).toEqual([1]);
});

it("sends it before the transaction's next statement, which sees its rows", async () => {
  const seen = await db.transaction(async (trx) => {
    await writeAtCommit(trx, trx("marks").insert({ n: 1 }));
    await writeAtCommit(trx, trx("marks").insert({ n: 2 }));
    return trx("marks").orderBy("n").pluck("n");
  });
  expect(seen).toEqual([1, 2]);
  expect(await marks()).toEqual([1, 2]);
});

it("sends it before a savepoint's statements", async () => {
  await db.transaction(async (trx) => {
    await writeAtCommit(trx, trx("marks").insert({ n: 1 }));
    await trx.transaction(async (inner) => {
      expect(await inner("marks").pluck("n")).toEqual([1]);
      await writeAtCommit(inner, inner("marks").insert({ n: 2 })); // a savepoint's: sent at once
      expect(await inner("marks").orderBy("n").pluck("n")).toEqual([1, 2]);
    });
  });
  expect(await marks()).toEqual([1, 2]);
});

it("drops it when the transaction rolls back", async () => {
  const failure = new Error("the use case failed after writing");
  const trips = await roundTripsOf(() =>
    expect(
      db.transaction(async (trx) => {
        await writeAtCommit(trx, trx("marks").insert({ n: 1 }));
        throw failure;
      }),
    ).rejects.toBe(failure),
  );
  expect(trips).toBe(2); // BEGIN, ROLLBACK: the insert never went
  expect(await marks()).toEqual([]);
});

it("fails the transaction when the statement fails with COMMIT, and leaves the connection clean", async () => {
  await db("marks").insert({ n: 1 });
  await expect(
    db.transaction(async (trx) => {
      await trx("marks").insert({ n: 2 });
      await writeAtCommit(trx, trx("marks").insert({ n: 1 })); // taken
    }),
  ).rejects.toMatchObject({ code: "23505", constraint: "marks_pkey" });
  expect(await marks()).toEqual([1]); // n = 2 went with the transaction
  // The one connection is out of the aborted block: the next transaction commits.
  await db.transaction((trx) => writeAtCommit(trx, trx("marks").insert({ n: 3 })));
  expect(await marks()).toEqual([1, 3]);
});

it("fails at the next statement when the statement fails there, as if sent in turn", async () => {
  await db("marks").insert({ n: 1 });
  await expect(
    db.transaction(async (trx) => {
      await writeAtCommit(trx, trx("marks").insert({ n: 1 }));
      await trx("marks").insert({ n: 2 });
    }),
  ).rejects.toMatchObject({ code: "23505" });
  expect(await marks()).toEqual([1]);
});

it("stores through literals exactly what parameters store", async () => {
  const text = fc.string({ unit: "binary", maxLength: 40 }).map((s) => s.replaceAll("\u0000", ""));
  const row = fc.record({
    t: fc.oneof(text, fc.constantFrom("'", "''", "\\", "\\'", "$1", "?", "E'\\x00'", "--", "/*", '"')),
    b: fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)),
    at: fc.date({ min: new Date("1900-01-01T00:00:00Z"), max: new Date("2200-01-01T00:00:00Z"), noInvalidDate: true }),
    j: fc.jsonValue({ maxDepth: 2 }).map((v) => ({ v: JSON.parse(JSON.stringify(v).replaceAll("\\u0000", "")) as unknown })),
    tags: fc.array(text, { maxLength: 4 }),
    num: fc.double({ noNaN: true, noDefaultInfinity: true }),
    flag: fc.boolean(),
    big: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String),
  });
  let id = 0;
  await fc.assert(
    fc.asyncProperty(fc.option(row, { nil: undefined }), async (r) => {
      const values = r ?? { t: null, b: null, at: null, j: null, tags: null, num: null, flag: null, big: null };
      const [viaLiteral, viaParameter] = [++id, ++id];
      await db.transaction((trx) => writeAtCommit(trx, trx("kinds").insert({ id: viaLiteral, ...values })));
      await db("kinds").insert({ id: viaParameter, ...values });
      const [a, b] = await db("kinds").whereIn("id", [viaLiteral, viaParameter]).orderBy("id").select();
      expect({ ...a, id: 0 }).toEqual({ ...b, id: 0 });
    }),
    { numRuns: 150 },
  );
});
