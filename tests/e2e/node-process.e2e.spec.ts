/**
 * The node as SREs run it: the compiled entrypoint with the telemetry bootstrap, configured from
 * the environment. Bad configuration stops start-up with a message naming each variable; a good
 * one serves health and Prometheus metrics; SIGTERM drains and exits 0.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { SERVICE_MODULES } from "@jinlian/node";
import { adminDatabaseUrl, createTestDatabase, type TestDatabase } from "../harness/database";
import { kafkaBrokers, uniqueNamespace, waitFor } from "../harness/kafka";
import { draftRequest } from "../support/fixtures";
import { healthCheck } from "../support/grpc-introspection";
import { rememberNodeAddress, testAuthEnvironment } from "../support/auth";
import { bulletinsClient, liaisonClient } from "../support/nodes";
import { registerIssuers } from "../support/issuers";

jest.setTimeout(90_000);

const ROOT = path.resolve(__dirname, "..", "..");
const MAIN = path.join(ROOT, "packages", "node", "dist", "main.js");
const BOOTSTRAP = path.join(ROOT, "packages", "chassis", "dist", "telemetry", "bootstrap.js");

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

function runNode(env: Record<string, string>): {
  child: ChildProcessWithoutNullStreams;
  output: () => string;
  exited: Promise<number | null>;
} {
  const child = spawn(process.execPath, ["--require", BOOTSTRAP, MAIN], { env: { PATH: process.env.PATH ?? "", ...env } });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, output: () => out, exited };
}

beforeAll(() => {
  if (!existsSync(MAIN) || !existsSync(BOOTSTRAP)) throw new Error("build first (pnpm build): the compiled node entrypoint is missing");
});

it("refuses to start on bad configuration and names every bad variable", async () => {
  const { output, exited } = runNode({
    JINLIAN_JURISDICTION: "120199",
    KAFKA_BROKERS: "not a broker",
    GRPC_PORT: "http",
    METRICS_PORT: "0",
  });
  expect(await exited).toBe(78);
  const text = output();
  expect(text).toMatch(/JINLIAN_JURISDICTION: must be 120000 or one of the 16 district codes of Tianjin \(got "120199"\)/);
  expect(text).toMatch(/DATABASE_URL: is required but not set/);
  expect(text).toMatch(/KAFKA_BROKERS: must be host:port/);
  expect(text).toMatch(/GRPC_PORT: /);
});

describe("a running node", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(adminDatabaseUrl(), "proc");
  });
  afterAll(async () => {
    await db?.drop();
  });

  it("serves health and metrics, logs JSON with trace ids, and drains on SIGTERM", async () => {
    const [grpcPort, metricsPort] = [await freePort(), await freePort()];
    const node = runNode({
      JINLIAN_JURISDICTION: "120000",
      JINLIAN_TOPIC_NAMESPACE: uniqueNamespace("proc"),
      DATABASE_URL: db.url,
      KAFKA_BROKERS: kafkaBrokers().join(","),
      GRPC_HOST: "127.0.0.1",
      GRPC_PORT: String(grpcPort),
      METRICS_PORT: String(metricsPort),
      SHUTDOWN_GRACE_MS: "5000",
      // Authentication on, as in production: the tests' issuer's keys.
      ...(await testAuthEnvironment()),
    });
    try {
      await waitFor(async () => node.output().includes('"msg":"node ready"'), {
        timeoutMs: 60_000,
        intervalMs: 200,
        what: `node ready; output so far:\n${node.output()}`,
      });
      const address = `127.0.0.1:${grpcPort}`;
      rememberNodeAddress(address, "120000");
      expect(await healthCheck(address, "")).toBe("SERVING");
      expect(node.output()).not.toMatch(/DEVELOPMENT MODE/);
      const client = bulletinsClient(address);
      const liaison = liaisonClient(address);
      // The issuer must be in the node's registry (bulletins projects it from the registry's events).
      await registerIssuers({ bulletins: client, liaison });
      await client.createBulletinDraft(draftRequest());
      client.close();
      liaison.close();

      const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      expect(metrics).toMatch(/rpc_server_duration_count\{[^}]*rpc_method="CreateBulletinDraft"[^}]*\} 1/);
      expect(metrics).toMatch(/jinlian_outbox_pending/);

      const created = node
        .output()
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l) as Record<string, string>)
        .find((l) => l.msg === "bulletin draft created");
      expect(created?.trace_id).toMatch(/^[0-9a-f]{32}$/);
      expect(created?.request_id).toBeTruthy();

      node.child.kill("SIGTERM");
      expect(await node.exited).toBe(0);
      const order = node
        .output()
        .split("\n")
        .filter((l) => l.includes('"msg":"stopped"'))
        .map((l) => (JSON.parse(l) as { component: string }).component);
      // Reverse of start: the server drains first; then each service's jobs and consumers, then its
      // relay; the pools and the shared producer only once no work runs. (The last two lines can
      // reach the log in either order within the same millisecond, so only "after" is asserted.)
      expect(order[0]).toBe("grpc-server");
      const at = (component: string): number => order.indexOf(component);
      const firstPool = Math.min(...SERVICE_MODULES.map((m) => at(`${m.name}-db`)), at("kafka-producer"));
      for (const m of SERVICE_MODULES) {
        const relay = at(`${m.name}-relay`);
        expect(relay).toBeGreaterThan(0);
        const work = order.filter((c) => c === `${m.name}-consumers` || c.startsWith(`${m.name}-job-`));
        expect(work.length).toBeGreaterThan(0);
        for (const c of work) expect(at(c)).toBeLessThan(relay);
        expect(relay).toBeLessThan(firstPool);
        expect(at(`${m.name}-db`)).toBeGreaterThan(0);
      }
      expect(at("kafka-producer")).toBeGreaterThan(0);
    } finally {
      node.child.kill("SIGKILL");
    }
  });
});
