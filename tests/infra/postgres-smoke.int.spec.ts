/** Smoke test of the provisioned PostgreSQL server: create, use and drop a test database. */
import { Client } from "pg";
import { adminDatabaseUrl, createTestDatabase } from "../harness/database";

jest.setTimeout(30_000);

async function databaseExists(adminUrl: string, name: string): Promise<boolean> {
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const result = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    return result.rowCount === 1;
  } finally {
    await admin.end();
  }
}

describe("PostgreSQL smoke (test databases)", () => {
  it("creates a uniquely named database, uses it, and drops it even with a session still open", async () => {
    const adminUrl = adminDatabaseUrl();
    const db = await createTestDatabase(adminUrl, "Smoke Test");
    expect(db.name).toMatch(/^jl_smoke_test_[0-9a-f]{10}$/);
    expect(await databaseExists(adminUrl, db.name)).toBe(true);

    const other = await createTestDatabase(adminUrl, "smoke");
    expect(other.name).not.toBe(db.name);

    const client = new Client({ connectionString: db.url });
    await client.connect();
    client.on("error", () => undefined); // the drop below terminates this session
    const current = await client.query<{ db: string }>("SELECT current_database() AS db");
    expect(current.rows[0]?.db).toBe(db.name);
    await client.query("CREATE TABLE t (id int PRIMARY KEY, note text NOT NULL)");
    await client.query("INSERT INTO t VALUES (1, '津联')");
    const rows = await client.query<{ note: string }>("SELECT note FROM t WHERE id = 1");
    expect(rows.rows[0]?.note).toBe("津联");

    // Still connected: drop() must terminate the backend first.
    await db.drop();
    await db.drop(); // idempotent
    await other.drop();
    await client.end().catch(() => undefined);

    expect(await databaseExists(adminUrl, db.name)).toBe(false);
    expect(await databaseExists(adminUrl, other.name)).toBe(false);
  });
});
