import knex, { type Knex } from "knex";
import { Client, DatabaseError, escapeLiteral, type QueryResult } from "pg";
import { currentRequestContext } from "../logging/context";
import type { Logger } from "../logging/logger";
import { withLiterals } from "./literals";

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
  /** The transaction's own client (the transactor's `client`), set before `begin`. */
  trxClient: TransactionClient;
}

/** What of knex's per-transaction client this module relies on (knex 3; guarded by transaction-commit.int). */
interface TransactionClient {
  query(connection: Client, query: string | { sql: string }): Promise<unknown>;
  stream(...args: unknown[]): Promise<unknown>;
  /** A savepoint's transaction, on a client of its own. */
  transaction(...args: unknown[]): { savepoint(connection: Client): Promise<unknown> };
  [AT_COMMIT]?: LeftForCommit;
}

const AT_COMMIT = Symbol("jinlian.persistence.atCommit");

/** Statements a transaction left for its COMMIT, and how to send them before it. */
interface LeftForCommit {
  readonly pending: string[];
  send(): Promise<void>;
}

/**
 * Lets a transaction's last statements go with its COMMIT (`writeAtCommit`): knex's COMMIT is sent
 * as one query with them, in PostgreSQL's simple protocol. Any other statement sends them first,
 * in order, and a rollback drops them. If one fails with the COMMIT, the block is rolled back
 * before the failure is reported, so the connection goes back to the pool clean.
 */
function carryToCommit(trxClient: TransactionClient, connection: Client): void {
  const query = trxClient.query.bind(trxClient);
  const stream = trxClient.stream.bind(trxClient);
  const nested = trxClient.transaction.bind(trxClient);
  // Straight to the connection: knex would take a `?` in a literal for a placeholder.
  const sendPending = async () => {
    if (carrier.pending.length > 0) await connection.query(carrier.pending.splice(0).join("; "));
  };
  const carrier: LeftForCommit = { pending: [], send: sendPending };
  trxClient[AT_COMMIT] = carrier;
  trxClient.stream = async (...args) => {
    await sendPending();
    return stream(...args);
  };
  // A savepoint's statements go on a client of their own: what is pending goes before them.
  trxClient.transaction = (...args) => {
    const savepoint = nested(...args);
    const open = savepoint.savepoint.bind(savepoint);
    savepoint.savepoint = async (conn) => {
      await sendPending();
      return open(conn);
    };
    return savepoint;
  };
  trxClient.query = async (conn, q) => {
    if (carrier.pending.length === 0) return query(conn, q);
    const sql = typeof q === "string" ? q : q.sql;
    if (/^rollback\b/i.test(sql)) {
      carrier.pending.length = 0;
      return query(conn, q);
    }
    if (!/^commit;?$/i.test(sql)) {
      await sendPending();
      return query(conn, q);
    }
    const pending = carrier.pending.splice(0).join("; ");
    try {
      return await connection.query(`${pending}; commit`);
    } catch (err) {
      // A statement before COMMIT failed: the block is open and aborted (a failed COMMIT ends it).
      if (err instanceof DatabaseError) await connection.query("rollback").catch(() => undefined);
      throw err;
    }
  };
}

/**
 * Sends `statement` with the transaction's COMMIT, a round trip fewer, or before the
 * transaction's next statement if one comes first. Its values are written in as literals
 * (`withLiterals`). A failure then surfaces at that COMMIT or statement, not here, so only a
 * statement whose failure fails the whole transaction belongs here: nothing may catch its error
 * to carry on. Outside a transaction of `createDatabase` (a savepoint's, another knex's) it is
 * sent now.
 */
export async function writeAtCommit(trx: Knex.Transaction, statement: Knex.QueryBuilder | Knex.Raw): Promise<void> {
  const carrier = (trx.client as unknown as TransactionClient)[AT_COMMIT];
  // Only a transaction's own client carries the slot; a savepoint's client is a new one.
  if (!carrier) {
    await statement;
    return;
  }
  const { sql, bindings } = statement.toSQL().toNative();
  carrier.pending.push(withLiterals(sql, bindings));
}

/**
 * Sends now what `writeAtCommit` left in `trx`, so that a failure shows here: for a caller that
 * must know which of several pieces of work in one transaction failed (the inbox's runs).
 */
export async function sendLeftForCommit(trx: Knex.Transaction): Promise<void> {
  await (trx.client as unknown as TransactionClient)[AT_COMMIT]?.send();
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
      carryToCommit(trx.trxClient, connection);
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
