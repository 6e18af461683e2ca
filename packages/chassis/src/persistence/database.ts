import knex, { type Knex } from "knex";
import { Client, DatabaseError, escapeLiteral, type QueryResult } from "pg";
import { currentRequestContext } from "../logging/context";
import type { Logger } from "../logging/logger";

export interface DatabaseOptions {
  /** postgres://… URL of the node's database. */
  url: string;
  /** The schema the service owns; its tables, outbox, inbox and migration log live there. */
  schema: string;
  poolMax?: number;
  applicationName?: string;
  /** Where knex's own warnings go (lost connections, pool errors); knex prints them to the console otherwise. */
  logger?: Logger;
}

const IDENT = /^[a-z_][a-z0-9_]{0,62}$/;

export function assertIdentifier(name: string, what: string): void {
  if (!IDENT.test(name)) throw new Error(`${what} "${name}" must match ${IDENT}`);
}

/**
 * A knex instance scoped to one service's schema. No connection is opened until first use. A
 * transaction begun for a call with a deadline runs its statements only until that deadline
 * (see beginInOneRoundTrip).
 */
export function createDatabase(options: DatabaseOptions): Knex {
  assertIdentifier(options.schema, "schema");
  const db = knex({
    client: "pg",
    connection: { connectionString: options.url, application_name: options.applicationName ?? `jinlian-${options.schema}` },
    searchPath: [options.schema],
    pool: { min: 0, max: options.poolMax ?? 10 },
    acquireConnectionTimeout: 10000,
    ...(options.logger ? { log: knexLog(options.logger.child({ component: "knex", schema: options.schema })) } : {}),
  });
  beginInOneRoundTrip(db);
  return db;
}

/** Statements sent with a transaction's BEGIN, in the same round trip, and the rows each returned. */
interface Opening {
  readonly statements: readonly string[];
  results?: Record<string, unknown>[][];
}

/** What of knex's transaction this module relies on (knex 3; guarded by transaction-begin.int). */
interface KnexTransactionInternals {
  isolationLevel?: string;
  readOnly?: boolean;
  begin(connection: Client): Promise<unknown>;
}

/**
 * Begins transactions in one round trip with what must come first in them. Every statement costs
 * a round trip, and on this platform's nodes round trips are most of a write's CPU, so BEGIN goes
 * as one query (several statements in PostgreSQL's simple protocol) with:
 *
 * - the caller's deadline: a transaction begun inside a call with a deadline (the request
 *   context's) may run its statements only until then (`SET LOCAL statement_timeout`), so work
 *   for a caller that has given up stops instead of holding locks and a connection;
 * - the transaction's opening statements, if it has any (`transactionOpenedWith`).
 *
 * If PostgreSQL refuses a statement of that query after BEGIN, the block is rolled back before
 * the transaction reports the failure, so the connection goes back to the pool clean. Savepoints
 * (nested transactions) are left alone.
 */
function beginInOneRoundTrip(db: Knex): void {
  const client = db.client as { transaction(...args: unknown[]): KnexTransactionInternals };
  const create = client.transaction.bind(client);
  client.transaction = (...args: unknown[]) => {
    const trx = create(...args);
    // (container, config, outer transaction): knex copies the config it was given.
    const opening = (args[1] as { opening?: Opening } | undefined)?.opening;
    const begin = trx.begin.bind(trx);
    trx.begin = async (connection: Client) => {
      const deadline = currentRequestContext()?.deadline;
      if (!deadline && !opening) return begin(connection);
      const mode = [trx.isolationLevel ? `isolation level ${trx.isolationLevel}` : "", trx.readOnly ? "read only" : ""].join(" ").trim();
      const statements = [mode ? `begin transaction ${mode}` : "begin"];
      if (deadline) statements.push(`set local statement_timeout = ${Math.max(1, Math.floor(deadline.getTime() - Date.now()))}`);
      if (opening) statements.push(...opening.statements);
      try {
        const results = (await connection.query(statements.join("; "))) as unknown as QueryResult | QueryResult[];
        // One result per statement (pg answers a single statement with the result alone).
        if (opening) opening.results = (Array.isArray(results) ? results : [results]).slice(-opening.statements.length).map((r) => r.rows);
      } catch (err) {
        // PostgreSQL refused a statement after BEGIN: the block is open and aborted. A connection
        // that failed instead is not queryable, and the pool drops it.
        if (err instanceof DatabaseError) await connection.query("rollback").catch(() => undefined);
        throw err;
      }
    };
    return trx;
  };
}

/**
 * Runs `fn` in a transaction whose first statements are sent with its BEGIN in one round trip, in
 * order; `fn` gets the rows each returned. They go in PostgreSQL's simple protocol, which takes
 * no parameters: their values must be written in as literals (`sqlLiteral`). Without statements,
 * a plain transaction.
 */
export function transactionOpenedWith<T>(
  db: Knex,
  statements: readonly string[],
  fn: (trx: Knex.Transaction, results: readonly (readonly Record<string, unknown>[])[]) => Promise<T>,
): Promise<T> {
  if (statements.length === 0) return db.transaction((trx) => fn(trx, []));
  const opening: Opening = { statements };
  return db.transaction((trx) => fn(trx, opening.results ?? []), { opening } as Knex.TransactionConfig);
}

/**
 * A read a use case needs first, sent with its transaction's BEGIN (`ServiceKit.creation`,
 * `change`) instead of in a round trip of its own: `sql` goes in PostgreSQL's simple protocol,
 * so its values are written in as literals (`escapeLiteral`); `of` makes the answer of its rows.
 */
export interface OpeningRead<R> {
  readonly sql: string;
  of(rows: readonly Record<string, unknown>[]): R;
}

/** A transaction opened with `read` (see transactionOpenedWith): `fn` gets its answer. */
export function transactionReading<R, T>(db: Knex, read: OpeningRead<R>, fn: (trx: Knex.Transaction, answer: R) => Promise<T>): Promise<T> {
  return transactionOpenedWith(db, [read.sql], (trx, [rows]) => fn(trx, read.of(rows ?? [])));
}

/** A text value written into SQL as a literal, quotes and backslashes escaped (pg's escapeLiteral). */
export function sqlLiteral(value: string): string {
  return escapeLiteral(value);
}

function knexLog(logger: Logger) {
  const text = (m: unknown) => (m instanceof Error ? m.message : typeof m === "string" ? m : JSON.stringify(m));
  return {
    warn: (m: unknown) => logger.warn(text(m)),
    error: (m: unknown) => logger.error(text(m)),
    deprecate: (m: unknown) => logger.warn(text(m)),
    debug: (m: unknown) => logger.debug(text(m)),
  };
}

/** Creates the database named in url if it does not exist (connecting to the "postgres" database). */
export async function ensureDatabaseExists(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ""));
  if (!name) throw new Error("database URL names no database");
  const admin = new URL(url);
  admin.pathname = "/postgres";
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query("select 1 from pg_database where datname = $1", [name]);
    if (!rowCount) {
      try {
        await client.query(`create database "${name.replace(/"/g, '""')}"`);
      } catch (err) {
        // 42P04: created concurrently by another process.
        if ((err as { code?: string }).code !== "42P04") throw err;
      }
    }
  } finally {
    await client.end();
  }
}

/**
 * Runs `load` for each item one after another, results in order. Reads of a page go through one
 * connection at a time: a Promise.all over a transaction pipelines queries on one client (which pg
 * deprecates), and over the pool a page of 100 takes every connection at once and starves the use
 * cases waiting behind it.
 */
export async function loadEach<T, R>(items: readonly T[], load: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (const item of items) out.push(await load(item));
  return out;
}
