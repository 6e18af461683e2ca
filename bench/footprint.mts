// A node's footprint, per service: the compiled node process started with JINLIAN_TARGET=<service>
// (as a Deployment runs it, telemetry bootstrap first), with Kafka and PostgreSQL already up.
// For each service, twice — first start (empty database: migrations, topics) and a restart — it
// measures the time from spawn to gRPC health SERVING, then the resident set size after 5 s idle.
// The node runs with the image's NODE_OPTIONS (k8s/image/Dockerfile) unless BENCH_NODE_OPTIONS is set.
// Prints a table and writes bench/results/footprint.md.
//   KAFKA_BROKERS=… DATABASE_URL=<admin url> node bench/footprint.mts [service…]
// (bench/run.sh provides both and runs it with BENCH_FOOTPRINT=1.)
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import grpc from "@grpc/grpc-js";
import health from "grpc-health-check";
import pg from "pg";

const SERVICES = ["liaison", "legislation", "legal-services", "mediation", "bulletins"];
const IDLE_MS = 5_000;
const repo = path.resolve(import.meta.dirname, "..");
const admin = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const brokers = process.env.KAFKA_BROKERS ?? "127.0.0.1:29092";
const wanted = process.argv.slice(2).length > 0 ? process.argv.slice(2) : SERVICES;
const nodeOptions =
  process.env.BENCH_NODE_OPTIONS ??
  execFileSync("bash", [path.join(repo, "scripts", "image-node-options.sh")], { encoding: "utf8" }).trim();

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Polls health every 20 ms until SERVING; the elapsed ms since `since`. */
async function untilServing(port: number, child: ChildProcess, since: number): Promise<number> {
  // grpc-health-check ships the grpc.health.v1 definition (proto-loader, enums as strings).
  const Health = grpc.makeGenericClientConstructor(health.service as unknown as grpc.ServiceDefinition, "Health");
  // A refused connection must not put the channel into grpc-js' reconnect backoff (1 s, then
  // longer): that, not the node, would set the figure. A kubelet probe dials afresh each period.
  const client = new Health(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
    "grpc.initial_reconnect_backoff_ms": 10,
    "grpc.max_reconnect_backoff_ms": 20,
  }) as grpc.Client & {
    check(req: { service: string }, opts: grpc.CallOptions, cb: (err: Error | null, res?: { status: string }) => void): void;
  };
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the node exited (${child.exitCode}) before it was SERVING`);
      if (performance.now() - since > 120_000) throw new Error("not SERVING within 120 s");
      const status = await new Promise<string | undefined>((resolve) =>
        client.check({ service: "" }, { deadline: Date.now() + 1_000 }, (err, res) => resolve(err ? undefined : String(res?.status))),
      );
      if (status === "SERVING" || status === "1") return performance.now() - since;
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    client.close();
  }
}

const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) / 1024;

async function startOnce(service: string, databaseUrl: string, namespace: string): Promise<{ servingMs: number; rssMb: number }> {
  const port = await freePort();
  const env = {
    ...process.env,
    JINLIAN_JURISDICTION: "120101",
    JINLIAN_TARGET: service,
    JINLIAN_TOPIC_NAMESPACE: namespace,
    DATABASE_URL: databaseUrl,
    KAFKA_BROKERS: brokers,
    GRPC_HOST: "127.0.0.1",
    GRPC_PORT: String(port),
    METRICS_PORT: String(await freePort()),
    LOG_LEVEL: "warn",
    JINLIAN_AUTH: "development",
    NODE_OPTIONS: nodeOptions,
  };
  const since = performance.now();
  const child = spawn(
    process.execPath,
    ["--require", path.join(repo, "packages/chassis/dist/telemetry/bootstrap.js"), path.join(repo, "packages/node/dist/main.js")],
    { env, stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr!.on("data", (d) => (stderr += d));
  try {
    const servingMs = await untilServing(port, child, since);
    await new Promise((r) => setTimeout(r, IDLE_MS));
    return { servingMs, rssMb: rssMb(child.pid!) };
  } catch (err) {
    throw new Error(`${service}: ${(err as Error).message}\n${stderr.slice(-2000)}`);
  } finally {
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));
  }
}

const client = new pg.Client({ connectionString: admin });
await client.connect();
const rows: { service: string; first: { servingMs: number; rssMb: number }; restart: { servingMs: number; rssMb: number } }[] = [];
try {
  for (const service of wanted) {
    const name = `jl_footprint_${randomBytes(4).toString("hex")}`;
    await client.query(`create database ${name}`);
    const url = new URL(admin);
    url.pathname = `/${name}`;
    const namespace = `footprint-${randomBytes(3).toString("hex")}`;
    try {
      const first = await startOnce(service, url.toString(), namespace);
      const restart = await startOnce(service, url.toString(), namespace);
      rows.push({ service, first, restart });
      process.stderr.write(`footprint: ${service} done\n`);
    } finally {
      await client.query(`drop database if exists ${name} with (force)`);
    }
  }
} finally {
  await client.end();
}

const cpus = os.cpus();
const machine = `${cpus.length} cores (${cpus[0]?.model.trim() ?? "unknown"}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
const table = [
  "| service | SERVING after, first start (s) | SERVING after, restart (s) | idle RSS MB |",
  "| --- | ---: | ---: | ---: |",
  ...rows.map(
    (r) =>
      `| ${r.service} | ${(r.first.servingMs / 1000).toFixed(2)} | ${(r.restart.servingMs / 1000).toFixed(2)} | ${r.restart.rssMb.toFixed(0)} |`,
  ),
];
process.stdout.write(`\nNode footprint — ${new Date().toISOString()} — ${machine}, NODE_OPTIONS=${nodeOptions}\n${table.join("\n")}\n`);
const out = path.join(repo, "bench", "results");
mkdirSync(out, { recursive: true });
writeFileSync(
  path.join(out, "footprint.md"),
  [
    "# Node footprint — the latest run",
    "",
    `${new Date().toISOString()}, ${machine}. Written by \`node bench/footprint.mts\`: one node process per service`,
    "(`JINLIAN_TARGET`), Kafka and PostgreSQL up; first start on an empty database (migrations, topics),",
    `then a restart; RSS after ${IDLE_MS / 1000} s idle; NODE_OPTIONS=\`${nodeOptions}\`. How to read it: docs/performance.md.`,
    "",
    ...table,
    "",
  ].join("\n"),
);
