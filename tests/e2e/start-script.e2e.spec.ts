/**
 * scripts/start.sh as a developer runs it, on its own broker, ports, run dir and databases (so it
 * never meets a developer's platform): up, Ctrl-C, up again over what the first run left (the
 * stale log that once passed for readiness); kill -9 of the script, up again over the nodes and
 * broker that run left behind; and a taken port fails the named step with a non-zero exit and no
 * "Jinlian is up". Needs a build (the script runs with JINLIAN_SKIP_BUILD=1) and infra/postgres.sh.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { Client } from "pg";
import { bulletinsClient, UnavailableError } from "@jinlian/client";
import { healthCheck } from "../support/grpc-introspection";

/** How long up() waits for one start of the script (its own deadline names what went wrong). */
const UP_DEADLINE_MS = 120_000;
/**
 * The longest test starts the script three times; on top of those deadlines come the two stops in
 * between (nodes drain within start.sh's 30 s STOP_TIMEOUT each, then the broker stops), so a slow
 * run fails with up()'s message and the script's output rather than a bare jest timeout.
 */
jest.setTimeout(3 * UP_DEADLINE_MS + 120_000);

const ROOT = path.resolve(__dirname, "..", "..");
const START_SH = path.join(ROOT, "scripts", "start.sh");
const KAFKA_SH = path.join(ROOT, "infra", "kafka", "kafka.sh");
const MAIN = path.join(ROOT, "packages", "node", "dist", "main.js");
const CODES = ["120000", "120101"];

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once("error", () => resolve(false));
    s.listen(port, "0.0.0.0", () => s.close(() => resolve(true)));
  });
}

/**
 * The kernel's ephemeral range: ports it hands to outgoing connections at any moment, so a port
 * free when checked there may be taken before the node binds it (a CI run failed that way).
 */
function ephemeralLow(): number {
  try {
    return Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]) || 32_768;
  } catch {
    return 32_768;
  }
}

/**
 * `count` consecutive free ports below the ephemeral range (the script numbers nodes' ports from a
 * base). With JINLIAN_TLS=1 the script puts each node's plaintext health port 1000 above its gRPC
 * port, so those must be free as well.
 */
async function freePorts(count: number, avoid: number[] = []): Promise<number> {
  const top = Math.min(ephemeralLow(), 40_000) - 1_000 - count;
  for (;;) {
    const base = 10_000 + Math.floor(Math.random() * (top - 10_000));
    const range = Array.from({ length: count }, (_, i) => base + i);
    const withHealth = [...range, ...range.map((p) => p + 1_000)];
    if (withHealth.some((p) => avoid.includes(p))) continue;
    if ((await Promise.all(withHealth.map(portFree))).every(Boolean)) return base;
  }
}

interface Run {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z /s.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false; // gone between the two looks
  }
}

describe("scripts/start.sh", () => {
  // Fresh per test: run dir, broker, ports and databases, so nothing one test seeded is seen by another.

  let runDir: string;
  let dbPrefix: string;
  let env: NodeJS.ProcessEnv;
  let grpcBase: number;
  let adminUrl: string;
  let runs: Run[];
  let seenNodes: Set<number>; // every node pid a pid file named, for cleanup after a failure

  function start(): Run {
    // Not detached: the script is the child; the nodes it starts are in their own sessions.
    const child = spawn("bash", [START_SH], { env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout!.on("data", (d) => (out += d));
    child.stderr!.on("data", (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    const run = { child, output: () => out, exited };
    runs.push(run);
    return run;
  }

  /** Until the script says it is up; fails at once, with its output, if it exits first. */
  async function up(run: Run): Promise<void> {
    const deadline = Date.now() + UP_DEADLINE_MS;
    while (!run.output().includes("Jinlian is up.")) {
      if (run.child.exitCode !== null) throw new Error(`start.sh exited ${run.child.exitCode} before it was up:\n${run.output()}`);
      if (Date.now() > deadline) throw new Error(`start.sh not up within ${UP_DEADLINE_MS / 1000} s:\n${run.output()}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  function nodePids(): Record<string, number> {
    const pids: Record<string, number> = {};
    for (const f of readdirSync(runDir).filter((n) => /^node-\d+\.pid$/.test(n))) {
      pids[f.slice(5, -4)] = Number(readFileSync(path.join(runDir, f), "utf8"));
    }
    for (const pid of Object.values(pids)) seenNodes.add(pid);
    return pids;
  }

  beforeAll(() => {
    if (!existsSync(MAIN)) throw new Error("build first (pnpm build): the compiled node entrypoint is missing");
    // The script's PostgreSQL is infra/postgres.sh's, whatever the harness chose for other tests.
    const ensured = spawnSync("bash", [path.join(ROOT, "infra", "postgres.sh"), "ensure"], { encoding: "utf8" });
    if (ensured.status !== 0) throw new Error(`infra/postgres.sh ensure failed:\n${ensured.stderr}`);
    adminUrl = ensured.stdout.trim();
  });

  beforeEach(async () => {
    runDir = mkdtempSync(path.join(os.tmpdir(), "jinlian-start-"));
    dbPrefix = `jl_start_${randomBytes(4).toString("hex")}_`;
    runs = [];
    seenNodes = new Set();
    grpcBase = await freePorts(CODES.length);
    const grpcAndHealth = [grpcBase, grpcBase + 1, grpcBase + 1_000, grpcBase + 1_001];
    const metricsBase = await freePorts(CODES.length, grpcAndHealth);
    const kafkaPort = await freePorts(2, [...grpcAndHealth, metricsBase, metricsBase + 1]);
    env = { ...process.env };
    // The harness's infrastructure is not the script's: it provisions its own broker.
    for (const k of ["KAFKA_BROKERS", "DATABASE_URL", "KAFKA_LEASE_PID", "PG_LEASE_PID", "KAFKA_EPHEMERAL", "GRPC_PORT", "METRICS_PORT"]) {
      delete env[k];
    }
    env = {
      ...env,
      JINLIAN_SKIP_BUILD: "1",
      JINLIAN_RUN_DIR: runDir,
      JINLIAN_GRPC_BASE_PORT: String(grpcBase),
      JINLIAN_METRICS_BASE_PORT: String(metricsBase),
      JINLIAN_DATABASE_PREFIX: dbPrefix,
      JINLIAN_DISTRICTS: "120101",
      KAFKA_INSTANCE_DIR: path.join(runDir, "kafka"),
      KAFKA_PORT: String(kafkaPort),
      KAFKA_CONTROLLER_PORT: String(kafkaPort + 1),
      LOG_LEVEL: "info",
    };
  });

  afterEach(async () => {
    // Whatever a failed assertion left: the scripts, their nodes, the broker, the databases.
    for (const run of runs) run.child.kill("SIGKILL");
    nodePids();
    for (const pid of seenNodes) {
      const cmdline = alive(pid) ? readFileSync(`/proc/${pid}/cmdline`, "utf8") : "";
      if (cmdline.includes("packages/node/dist/main.js")) process.kill(pid, "SIGKILL");
    }
    spawnSync("bash", [KAFKA_SH, "stop"], { env: { ...env }, stdio: "ignore" });
    const admin = new Client({ connectionString: adminUrl });
    await admin.connect();
    try {
      for (const code of CODES) {
        const name = `${dbPrefix}${code}`;
        await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", [name]);
        await admin.query(`DROP DATABASE IF EXISTS "${name}"`);
      }
    } finally {
      await admin.end();
    }
    rmSync(runDir, { recursive: true, force: true });
  });

  it("comes up again after Ctrl-C and after kill -9, from the node's own health, with seeding done once", async () => {
    const first = start();
    await up(first);
    expect(first.output()).toMatch(/registered the parties at 120000 and 120101/);
    for (let i = 0; i < CODES.length; i++) expect(await healthCheck(`127.0.0.1:${grpcBase + i}`, "")).toBe("SERVING");
    first.child.kill("SIGINT");
    expect(await first.exited).toBe(0);
    expect(nodePids()).toEqual({});
    // What the old readiness check tripped over: the previous run's "node ready" lines.
    expect(readFileSync(path.join(runDir, "node-120000.log"), "utf8")).toMatch(/"msg":"node ready"/);

    const second = start();
    await up(second);
    expect(second.output()).toMatch(/liaison demo data already present/);
    expect(second.output()).not.toMatch(/error:/);
    const left = nodePids();
    expect(Object.keys(left).sort()).toEqual(CODES);

    // kill -9 of the script: its nodes (own sessions) and its broker stay behind.
    second.child.kill("SIGKILL");
    await second.exited;
    for (const pid of Object.values(left)) expect(alive(pid)).toBe(true);

    const third = start();
    await up(third);
    const out = third.output();
    for (const code of CODES) expect(out).toContain(`node ${code} (pid ${left[code]}) is still running from an earlier run; stopping it`);
    expect(out).toMatch(/reusing the broker an earlier run started/);
    for (const pid of Object.values(left)) expect(alive(pid)).toBe(false);
    for (let i = 0; i < CODES.length; i++) expect(await healthCheck(`127.0.0.1:${grpcBase + i}`, "")).toBe("SERVING");

    const running = nodePids();
    third.child.kill("SIGTERM");
    expect(await third.exited).toBe(0);
    for (const pid of Object.values(running)) expect(alive(pid)).toBe(false);
    // It adopted the broker the killed run started, so it stopped it.
    expect(spawnSync("bash", [KAFKA_SH, "status"], { env: { ...env } }).status).toBe(3);
  });

  it("runs the nodes over mutual TLS with JINLIAN_TLS=1: the seed and callers with the development CA's certificates, probes on the plaintext health port", async () => {
    env = { ...env, JINLIAN_TLS: "1" };
    const run = start();
    await up(run);
    expect(run.output()).toMatch(/development CA \(mutual TLS\)/);
    expect(run.output()).toMatch(/delivered to 120101 and acknowledged there/);
    for (let i = 0; i < CODES.length; i++) expect(await healthCheck(`127.0.0.1:${grpcBase + 1000 + i}`, "")).toBe("SERVING");
    const tls = path.join(runDir, "tls");
    const files = {
      rootCerts: path.join(tls, "ca.pem"),
      certChain: path.join(tls, "demo-client.pem"),
      privateKey: path.join(tls, "demo-client-key.pem"),
    };
    const address = `localhost:${grpcBase + 1}`;
    const withCertificate = bulletinsClient({ address, tls: { files }, retry: { maxAttempts: 1 }, deadlineMs: 5_000 });
    const plaintext = bulletinsClient({ address, retry: { maxAttempts: 1 }, deadlineMs: 5_000 });
    try {
      // Through TLS to the node's authentication: no token is UNAUTHENTICATED, not a transport failure.
      await expect(withCertificate.listBulletins({})).rejects.toThrow(/bearer token is required/);
      await expect(plaintext.listBulletins({})).rejects.toBeInstanceOf(UnavailableError);
    } finally {
      withCertificate.close();
      plaintext.close();
    }
    run.child.kill("SIGTERM");
    expect(await run.exited).toBe(0);
  });

  it("names the step and exits non-zero when a node's port is taken, and never says it is up", async () => {
    const squatter = net.createServer();
    await new Promise<void>((resolve) => squatter.listen(grpcBase + 1, "127.0.0.1", resolve));
    try {
      const run = start();
      expect(await run.exited).toBe(1);
      expect(run.output()).toMatch(new RegExp(`step 'check ports' failed: gRPC port ${grpcBase + 1} of node 120101 is already in use`));
      expect(run.output()).not.toMatch(/Jinlian is up/);
      expect(nodePids()).toEqual({});
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });
});
