/** The run's throwaway database: created on the admin URL's server, dropped at the end. */
import { randomBytes } from "node:crypto";
import { Client, Pool } from "pg";

export interface ThrowawayDatabase {
  name: string;
  url: string;
  /** VACUUM ANALYZE of the whole database: what autovacuum would have done meanwhile. */
  vacuum(): Promise<void>;
  drop(): Promise<void>;
}

async function withAdmin<T>(adminUrl: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: adminUrl, application_name: "bench-setup" });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function createThrowawayDatabase(adminUrl: string): Promise<ThrowawayDatabase> {
  const name = `jl_bench_${randomBytes(5).toString("hex")}`;
  await withAdmin(adminUrl, (c) => c.query(`create database "${name}"`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    vacuum: () => withAdmin(url.toString(), (c) => c.query("vacuum analyze").then(() => undefined)),
    drop: () =>
      withAdmin(adminUrl, async (c) => {
        await c.query("select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()", [name]);
        await c.query(`drop database if exists "${name}"`);
      }),
  };
}

/**
 * The bare-SQL baselines' pool: plain `pg`, scoped to a schema once per connection as knex's
 * searchPath does for the platform side.
 */
export function baselinePool(databaseUrl: string, schema: string): Pool {
  return new Pool({ connectionString: databaseUrl, max: 10, application_name: "bench-baseline", options: `-c search_path=${schema}` });
}
