import knex, { type Knex } from "knex";
import { Client } from "pg";
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

/** A knex instance scoped to one service's schema. No connection is opened until first use. */
export function createDatabase(options: DatabaseOptions): Knex {
  assertIdentifier(options.schema, "schema");
  return knex({
    client: "pg",
    connection: { connectionString: options.url, application_name: options.applicationName ?? `jinlian-${options.schema}` },
    searchPath: [options.schema],
    pool: { min: 0, max: options.poolMax ?? 10 },
    acquireConnectionTimeout: 10000,
    ...(options.logger ? { log: knexLog(options.logger.child({ component: "knex", schema: options.schema })) } : {}),
  });
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
