/**
 * How createDatabase begins a transaction, on a real PostgreSQL: inside a call with a deadline
 * the transaction's statements are bounded by it, and a transaction's opening statement (a
 * request id's claim) runs, both in the round trip that begins it; the bound ends with the
 * transaction, isolation level and read-only mode still apply, and an opening that fails leaves
 * the connection clean. This also guards the knex internals the chassis relies on to do it.
 */
import { claimStatement, runWithRequestContext, settleClaim, transactionOpenedWith } from "@jinlian/chassis";
import type { Knex } from "knex";
import type { TestDatabase } from "../harness/database";
import { oneConnectionBed, roundTripsOf } from "../support/db";

jest.setTimeout(60_000);

const SCHEMA = "transaction_begin_test";
let database: TestDatabase;
let db: Knex;

beforeAll(async () => {
  // One connection: what a transaction sets must be seen (or not) by the next one on it.
  ({ database, db } = await oneConnectionBed("transaction_begin", SCHEMA, ["marks (n int primary key)"]));
});

afterAll(async () => {
  await db?.destroy();
  await database?.drop();
});

beforeEach(async () => {
  await db.raw("truncate marks");
});

const inCall = <T>(deadlineMs: number, fn: () => Promise<T>) =>
  runWithRequestContext({ requestId: "transaction-begin-test", deadline: new Date(Date.now() + deadlineMs) }, fn);

/** The session's statement_timeout in milliseconds. */
async function statementTimeoutMs(q: Knex | Knex.Transaction): Promise<number> {
  const { rows } = await q.raw<{ rows: { ms: string }[] }>(
    "select extract(epoch from current_setting('statement_timeout')::interval) * 1000 as ms",
  );
  return Number(rows[0]!.ms);
}

it("bounds a transaction begun inside a call by the call's deadline, and only that transaction", async () => {
  const inside = await inCall(5_000, () => db.transaction((trx) => statementTimeoutMs(trx)));
  expect(inside).toBeGreaterThan(3_000);
  expect(inside).toBeLessThanOrEqual(5_000);
  // SET LOCAL: the next transaction on the same session, outside any call, is unbounded.
  expect(await db.transaction((trx) => statementTimeoutMs(trx))).toBe(0);
  expect(await statementTimeoutMs(db)).toBe(0);
});

it("sets the bound in the round trip that begins the transaction", async () => {
  const unbounded = await roundTripsOf(() => db.transaction((trx) => trx("marks").insert({ n: 1 })));
  const bounded = await roundTripsOf(() => inCall(5_000, () => db.transaction((trx) => trx("marks").insert({ n: 2 }))));
  // BEGIN, the insert, COMMIT: the bound adds no statement of its own.
  expect(bounded).toBe(unbounded);
  expect(bounded).toBe(3);
});

it("keeps the isolation level and read-only mode of a snapshot read begun inside a call", async () => {
  const seen = await inCall(5_000, () =>
    db.transaction(
      async (trx) => {
        const { rows } = await trx.raw<{ rows: { iso: string; ro: string }[] }>(
          "select current_setting('transaction_isolation') as iso, current_setting('transaction_read_only') as ro",
        );
        return { ...rows[0]!, timeout: await statementTimeoutMs(trx) };
      },
      { isolationLevel: "repeatable read", readOnly: true },
    ),
  );
  expect(seen.iso).toBe("repeatable read");
  expect(seen.ro).toBe("on");
  expect(seen.timeout).toBeGreaterThan(0);
});

it("cancels a statement that runs past the deadline and applies nothing of the transaction", async () => {
  const attempt = inCall(300, () =>
    db.transaction(async (trx) => {
      await trx("marks").insert({ n: 3 });
      await trx.raw("select pg_sleep(5)");
    }),
  );
  await expect(attempt).rejects.toMatchObject({ code: "57014" });
  expect(await db("marks").where({ n: 3 })).toHaveLength(0);
});

it("leaves a nested transaction (a savepoint) inside a bounded one working and bounded", async () => {
  const timeout = await inCall(5_000, () =>
    db.transaction(async (trx) => {
      await trx("marks").insert({ n: 4 });
      await trx
        .transaction(async (inner) => {
          await inner("marks").insert({ n: 5 });
          throw new Error("roll back to the savepoint");
        })
        .catch(() => undefined);
      return statementTimeoutMs(trx);
    }),
  );
  expect(timeout).toBeGreaterThan(0);
  expect((await db("marks").orderBy("n")).map((r: { n: number }) => r.n)).toEqual([4]);
});

it("begins at once, still bounded, a transaction whose call's deadline has already passed", async () => {
  const attempt = inCall(-1_000, () => db.transaction((trx) => trx.raw("select pg_sleep(1)")));
  await expect(attempt).rejects.toMatchObject({ code: "57014" });
});

it("runs a transaction's opening statement in the round trip that begins it and hands over its rows", async () => {
  let rows: readonly Record<string, unknown>[] = [];
  const trips = await roundTripsOf(() =>
    inCall(5_000, () =>
      transactionOpenedWith(db, ["insert into marks (n) values (6) returning n"], async (trx, [opened]) => {
        rows = opened!;
        await trx("marks").insert({ n: 7 });
      }),
    ),
  );
  expect(rows).toEqual([{ n: 6 }]);
  expect(trips).toBe(3); // BEGIN with the bound and the opening, the insert, COMMIT
  expect((await db("marks").orderBy("n")).map((r: { n: number }) => r.n)).toEqual([6, 7]);
});

it("runs several opening statements in order in that round trip and hands over the rows of each", async () => {
  let results: readonly (readonly Record<string, unknown>[])[] = [];
  const trips = await roundTripsOf(() =>
    transactionOpenedWith(
      db,
      [
        "insert into marks (n) values (10) returning n",
        "select count(*)::int as marks from marks where n = 10",
        "select 1 as one where false",
      ],
      async (_trx, opened) => {
        results = opened;
      },
    ),
  );
  // The read after the insert sees its row: the statements run in the order given.
  expect(results).toEqual([[{ n: 10 }], [{ marks: 1 }], []]);
  expect(trips).toBe(2); // BEGIN with the three statements, COMMIT
  expect(await roundTripsOf(() => transactionOpenedWith(db, [], (trx) => trx("marks").where({ n: 10 }).first()))).toBe(3);
  await expect(
    transactionOpenedWith(db, ["insert into marks (n) values (11)", "insert into marks (n) values (10)"], async () => undefined),
  ).rejects.toMatchObject({ code: "23505" });
  expect((await db("marks").whereIn("n", [10, 11]).orderBy("n")).map((r: { n: number }) => r.n)).toEqual([10]);
});

it("rolls back and leaves the connection clean when the opening statement fails", async () => {
  await db("marks").insert({ n: 8 });
  const attempt = transactionOpenedWith(db, ["insert into marks (n) values (8)"], async (trx) => {
    await trx("marks").insert({ n: 9 });
  });
  await expect(attempt).rejects.toMatchObject({ code: "23505" });
  // The pool's one connection is usable at once, outside any transaction block.
  expect(await db.transaction((trx) => trx.raw("select 1 as one"))).toMatchObject({ rows: [{ one: 1 }] });
  const { rows } = await db.raw<{ rows: { state: string }[] }>("select now() = statement_timestamp() as state");
  expect(rows[0]!.state).toBe(true); // not inside a transaction begun earlier
  expect((await db("marks").orderBy("n")).map((r: { n: number }) => r.n)).toEqual([8]);
});

it("claims a request id as written, quotes and backslashes included, once", async () => {
  const scope = "TransactionBeginTest";
  const key = "subject with 'quotes', \\backslashes\\ and 中文:request-1";
  const claim = (fingerprint: string) =>
    transactionOpenedWith(db, [claimStatement(scope, key, fingerprint, "result-1")], (trx, [claimed]) =>
      settleClaim(trx, claimed ?? [], scope, key, fingerprint),
    );
  expect(await claim("f1")).toEqual({ replayed: false });
  expect(await claim("f1")).toEqual({ replayed: true, result: "result-1" });
  await expect(claim("f2")).rejects.toMatchObject({ violations: [{ field: "x-request-id" }] });
  expect(await db("idempotency_keys").where({ scope }).select("key", "result", "fingerprint")).toEqual([
    { key, result: "result-1", fingerprint: "f1" },
  ]);
});
