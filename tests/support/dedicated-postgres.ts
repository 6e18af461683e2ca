/**
 * A private PostgreSQL server that a test may stop and start, built by infra/postgres.sh from the
 * machine's server binaries in its own directory and port (never the shared server the other tests
 * use).
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const REPO_ROOT = path.resolve(__dirname, "..", "..");
const POSTGRES_SH = path.join(REPO_ROOT, "infra", "postgres.sh");

export interface DedicatedPostgres {
  /** Admin URL (database "postgres"): create test databases on it. */
  readonly adminUrl: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it and deletes its data. */
  destroy(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export async function startDedicatedPostgres(): Promise<DedicatedPostgres> {
  const port = await freePort();
  const instanceDir = path.join(REPO_ROOT, ".run", `pg-dedicated-${randomBytes(4).toString("hex")}`);
  // PGPORT names a port where nothing answers, so the script builds its private cluster.
  const env = {
    ...process.env,
    PGPORT: String(await freePort()),
    PG_INSTANCE_DIR: instanceDir,
    PG_PRIVATE_PORT: String(port),
    PG_LEASE_PID: "",
  };
  const cmd = async (verb: string) => (await run("bash", [POSTGRES_SH, verb], { env, timeout: 120_000 })).stdout.trim();
  const adminUrl = await cmd("ensure");
  if (!adminUrl.includes(`:${port}/`)) throw new Error(`infra/postgres.sh gave ${adminUrl}, not the private cluster on ${port}`);
  return {
    adminUrl,
    stop: async () => void (await cmd("stop")),
    start: async () => void (await cmd("ensure")),
    async destroy() {
      await cmd("stop").catch(() => undefined);
      rmSync(instanceDir, { recursive: true, force: true });
    },
  };
}
