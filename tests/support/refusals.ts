/**
 * Refusals that cannot pass falsely (issue 10). A refused call must answer the expected status and
 * change nothing. The call is given as a thunk, so it starts only after the "before" snapshot has
 * been taken; the snapshot covers every table of the service schemas (row count and a digest of
 * every row), so the counters that matter are covered without naming them: the last issue number
 * of each bulletin series, acknowledged versions, receipts, inbox and outbox rows, audit entries,
 * idempotency keys.
 */
import { status } from "@grpc/grpc-js";
import { JinlianError } from "@jinlian/client";
import { Client } from "pg";

/**
 * Columns machinery of the chassis writes in the background, by table name (in any schema): the
 * relay marks outbox rows published or parked, and the relay leader's heartbeat moves. A refused
 * call still may not add an outbox row: the row count and every other column are compared.
 */
const BACKGROUND_COLUMNS: Record<string, readonly string[]> = {
  outbox: ["published_at", "parked_at", "parked_reason"],
  outbox_relay_lease: ["holder_pid", "holder", "heartbeat_at"],
};

/** Row count and a digest of the rows (as JSON, sorted) of one table. */
export interface TableState {
  rows: number;
  digest: string;
}

/** Every table of the snapshotted schemas, by "schema.table". */
export type SchemaSnapshot = Record<string, TableState>;

/** Where to look: a database URL, or a test node (its database); all its schemas unless named. */
export type SnapshotTarget = string | { database: { url: string } } | { url: string; schemas?: readonly string[] };

function urlOf(target: SnapshotTarget): string {
  if (typeof target === "string") return target;
  return "database" in target ? target.database.url : target.url;
}

function schemasOf(target: SnapshotTarget): readonly string[] | undefined {
  return typeof target === "object" && "schemas" in target ? target.schemas : undefined;
}

const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;
const literal = (s: string) => `'${s.replace(/'/g, "''")}'`;

/**
 * Row count and digest of every base table of the node's service schemas (or the given ones), in
 * one statement (one snapshot, one point in time).
 */
export async function snapshotSchemas(target: SnapshotTarget): Promise<SchemaSnapshot> {
  const client = new Client({ connectionString: urlOf(target) });
  await client.connect();
  try {
    const schemas = schemasOf(target);
    const tables = (
      await client.query<{ schema: string; name: string }>(
        `select table_schema as schema, table_name as name from information_schema.tables
          where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema')
            and ($1::text[] is null or table_schema = any($1::text[]))
          order by 1, 2`,
        [schemas ? [...schemas] : null],
      )
    ).rows;
    if (tables.length === 0) throw new Error(`no tables to snapshot in ${schemas ? schemas.join(", ") : "the database"}`);
    const parts = tables.map(({ schema, name }) => {
      const row = ["to_jsonb(x)", ...(BACKGROUND_COLUMNS[name] ?? []).map(literal)].join(" - ");
      return `select ${literal(`${schema}.${name}`)} as t, count(*)::int as n,
                     md5(coalesce(string_agg(r, E'\\n' order by r), '')) as d
                from (select (${row})::text as r from ${ident(schema)}.${ident(name)} x) q`;
    });
    const { rows } = await client.query<{ t: string; n: number; d: string }>(parts.join("\nunion all\n"));
    return Object.fromEntries(rows.map((r) => [r.t, { rows: r.n, digest: r.d }]));
  } finally {
    await client.end();
  }
}

/** The tables whose rows differ between two snapshots, with their counts, for a readable failure. */
export function changedTables(before: SchemaSnapshot, after: SchemaSnapshot): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const b = before[t];
    const a = after[t];
    if (b?.digest !== a?.digest || b?.rows !== a?.rows)
      out[t] = `${b ? b.rows : "absent"} -> ${a ? a.rows : "absent"} rows${b && a && b.rows === a.rows ? " (rows changed)" : ""}`;
  }
  return out;
}

/** What a refusal must answer. */
export interface ExpectedRefusal {
  /** The gRPC status, e.g. status.NOT_FOUND or "NOT_FOUND". */
  code: status | keyof typeof status;
  /** Fields the refusal must name (BadRequest field violations); others may be named too. */
  fields?: readonly string[];
  /** A precondition type the refusal must carry (PreconditionFailure violations). */
  precondition?: string;
  /** The google.rpc.ErrorInfo reason, e.g. "STALE_REVISION". */
  reason?: string;
}

/** What a refused call answered, to compare with ExpectedRefusal when it does not match. */
export function describeRefusal(err: JinlianError) {
  return {
    code: status[err.code],
    fields: err.fieldViolations.map((v) => v.field),
    preconditions: err.preconditionViolations.map((v) => v.type),
    reason: err.reason,
    message: err.message,
  };
}

/**
 * Snapshots the schemas, then starts the call, expects it to be refused as `expected` says (never
 * INTERNAL, never success), snapshots again and expects no table to have changed. Returns the
 * error for further assertions.
 */
export async function expectRefusedWithoutChange(
  target: SnapshotTarget,
  call: () => Promise<unknown>,
  expected: ExpectedRefusal,
): Promise<JinlianError> {
  const before = await snapshotSchemas(target);
  let err: JinlianError | undefined;
  let answered: unknown;
  try {
    answered = await call();
  } catch (e) {
    if (!(e instanceof JinlianError)) throw e;
    err = e;
  }
  const after = await snapshotSchemas(target);
  const code = typeof expected.code === "string" ? status[expected.code] : expected.code;
  if (!err) throw new Error(`expected ${status[code]}, but the call succeeded: ${JSON.stringify(answered)?.slice(0, 500)}`);
  const got = describeRefusal(err);
  const want = {
    code: status[code],
    fields: expected.fields ? expect.arrayContaining([...expected.fields]) : got.fields,
    preconditions: expected.precondition ? expect.arrayContaining([expected.precondition]) : got.preconditions,
    reason: expected.reason ?? got.reason,
    message: got.message,
  };
  expect(got).toEqual(want);
  expect(changedTables(before, after)).toEqual({});
  return err;
}

/**
 * Waits until nothing moves in the node's database: every outbox row relayed and two snapshots a
 * second apart equal (events consumed, projections applied). Call it after setting up fixtures,
 * so a refusal's snapshots are not disturbed by the fixtures' own events still arriving.
 */
export async function settled(target: SnapshotTarget, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let previous = await snapshotSchemas(target);
  for (;;) {
    await new Promise((r) => setTimeout(r, 1_000));
    const current = await snapshotSchemas(target);
    const moving = changedTables(previous, current);
    const unrelayed = await unrelayedOutboxRows(target);
    if (Object.keys(moving).length === 0 && unrelayed === 0) return;
    if (Date.now() > deadline)
      throw new Error(`still moving after ${timeoutMs} ms: ${JSON.stringify(moving)}; ${unrelayed} outbox rows not relayed`);
    previous = current;
  }
}

/** Outbox rows neither published nor parked, over every outbox table of the snapshotted schemas. */
async function unrelayedOutboxRows(target: SnapshotTarget): Promise<number> {
  const client = new Client({ connectionString: urlOf(target) });
  await client.connect();
  try {
    const schemas = schemasOf(target);
    const outboxes = (
      await client.query<{ schema: string }>(
        `select table_schema as schema from information_schema.tables
          where table_name = 'outbox' and table_type = 'BASE TABLE' and ($1::text[] is null or table_schema = any($1::text[]))`,
        [schemas ? [...schemas] : null],
      )
    ).rows;
    if (outboxes.length === 0) return 0;
    const { rows } = await client.query<{ n: number }>(
      `select (${outboxes
        .map(({ schema }) => `(select count(*) from ${ident(schema)}.outbox where published_at is null and parked_at is null)`)
        .join(" + ")})::int as n`,
    );
    return rows[0]!.n;
  } finally {
    await client.end();
  }
}
