/**
 * Per-test PostgreSQL databases on the server that global setup provisioned.
 *
 *   const db = await createTestDatabase(adminDatabaseUrl(), 'outbox');
 *   ... connect to db.url, run migrations, test ...
 *   await db.drop();
 */
import { randomBytes } from "node:crypto";
import { Client } from "pg";

export interface TestDatabase {
  /** Connection URL of the new database (same server and credentials as the admin URL). */
  url: string;
  /** Database name, e.g. `jl_outbox_3f9a1c2b7d`. */
  name: string;
  /** Terminates its backends, then drops it. Idempotent. */
  drop(): Promise<void>;
}

/** The admin URL exported by global setup (`DATABASE_URL`). */
export function adminDatabaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) {
    throw new Error(
      "DATABASE_URL is not set: run integration tests through jest with tests/harness/global-setup.ts, " +
        "or set DATABASE_URL to an admin URL (a database where CREATE DATABASE works)",
    );
  }
  return url;
}

/** Creates a uniquely named database `jl_<prefix>_<random>` and returns its URL. */
export async function createTestDatabase(adminUrl: string, prefix: string): Promise<TestDatabase> {
  const name = uniqueDatabaseName(prefix);
  await withAdmin(adminUrl, async (admin) => {
    // CREATE DATABASE copies template1 and fails (55006) while another session is connected to
    // it, e.g. a parallel worker creating its own database at the same moment: retry briefly.
    await retryObjectInUse(() => admin.query(`CREATE DATABASE ${quoteIdent(name)}`));
  });

  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  let dropped = false;

  return {
    url: url.toString(),
    name,
    drop: async () => {
      if (dropped) return;
      await withAdmin(adminUrl, async (admin) => {
        await retryObjectInUse(async () => {
          await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", [
            name,
          ]);
          await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)}`);
        });
      });
      dropped = true;
    },
  };
}

function uniqueDatabaseName(prefix: string): string {
  const safe = prefix
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .slice(0, 40);
  // PostgreSQL identifiers: at most 63 bytes; lower case so no quoting surprises in psql.
  return `jl_${safe || "db"}_${randomBytes(5).toString("hex")}`;
}

function quoteIdent(identifier: string): string {
  return `"${identifier.replace(/"/g, '""')}"`;
}

async function withAdmin<T>(adminUrl: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({
    connectionString: adminUrl,
    application_name: "jinlian-test-harness",
  });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function retryObjectInUse<T>(fn: () => Promise<T>, attempts = 20): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (code !== "55006" || attempt >= attempts) throw err;
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    }
  }
}
