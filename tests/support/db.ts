import { createDatabase, migrate } from "@jinlian/chassis";
import type { Knex } from "knex";
import { Client } from "pg";
import { adminDatabaseUrl, createTestDatabase, type TestDatabase } from "../harness/database";

/** Runs one query against a test database and returns its rows. */
export async function query<T = Record<string, unknown>>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

/**
 * A throwaway database with the chassis' tables in `schema` and `tables` created, reached through
 * createDatabase with one pooled connection: what one transaction leaves on the connection (a
 * setting, an aborted block) is then what the next one gets.
 */
export async function oneConnectionBed(prefix: string, schema: string, tables: string[]): Promise<{ database: TestDatabase; db: Knex }> {
  const database = await createTestDatabase(adminDatabaseUrl(), prefix);
  const migrating = createDatabase({ url: database.url, schema });
  await migrate(migrating, schema, []);
  await migrating.destroy();
  const db = createDatabase({ url: database.url, schema, poolMax: 1 });
  for (const table of tables) await db.raw(`create table if not exists ${table}`);
  return { database, db };
}

/** Queries sent to PostgreSQL through pg clients in this process while `fn` runs: each is a round trip. */
export async function roundTripsOf(fn: () => Promise<unknown>): Promise<number> {
  const sent = jest.spyOn(Client.prototype, "query");
  try {
    await fn();
    return sent.mock.calls.length;
  } finally {
    sent.mockRestore();
  }
}

/** Row counts of the tables a bulletins mutation touches, to prove a refused call changed nothing. */
export async function bulletinsFootprint(url: string): Promise<Record<string, number>> {
  const [row] = await query<Record<string, string>>(
    url,
    `select (select count(*) from bulletins.bulletins) as bulletins,
            (select count(*) from bulletins.bulletin_versions) as versions,
            (select count(*) from bulletins.bulletin_recipients) as recipients,
            (select count(*) from bulletins.issue_number_series) as series,
            (select count(*) from bulletins.bulletin_receipts) as receipts,
            (select count(*) from bulletins.outbox) as outbox,
            (select count(*) from bulletins.audit_entries) as audit,
            (select coalesce(sum(revision), 0) from bulletins.bulletins) as revisions`,
  );
  return Object.fromEntries(Object.entries(row!).map(([k, v]) => [k, Number(v)]));
}

/** Row counts of every table of every schema of a database, to prove a refused call changed nothing. */
export async function rowCounts(url: string): Promise<Record<string, number>> {
  const tables = await query<{ t: string }>(
    url,
    `select format('%I.%I', table_schema, table_name) as t from information_schema.tables
      where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema') order by 1`,
  );
  const [row] = await query<Record<string, string>>(
    url,
    `select ${tables.map(({ t }, i) => `(select count(*) from ${t}) as c${i}`).join(", ")}`,
  );
  return Object.fromEntries(tables.map(({ t }, i) => [t, Number(row![`c${i}`])]));
}
