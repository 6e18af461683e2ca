/**
 * Runs every scenario twice — the raw baseline and the Jinlian path — each variant in its own
 * process (worker.ts), and prints the ratio jinlian/baseline of every metric measured in this
 * run. See bench/README.md and docs/benchmarks.md.
 *
 * Environment: DATABASE_URL (admin URL; a throwaway database is created on it), KAFKA_BROKERS,
 * BENCH_SCALE (multiplies iteration counts; default 1), BENCH_REPS (default 3), BENCH_ONLY
 * (comma list of scenarios), BENCH_OUT (JSON results; default <repo>/.run/bench/latest.json),
 * BENCH_PROFILE=1 (a V8 CPU profile per worker under <repo>/.run/bench/profiles/).
 */
import { fork, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createThrowawayDatabase, type ThrowawayDatabase } from "./lib/database";
import { SCENARIOS, VARIANTS, type ScenarioName, type Sizes, type Variant, type WorkerConfig, type WorkerResult } from "./lib/protocol";
import { benchKafka, checkFixtureMatchesChassis, prepareDatabase, prepareTopics, produceEvents, SEEDED_BULLETINS } from "./lib/setup";
import { median } from "./lib/stats";
import { FAN_OUT_DISTRICTS, FAN_OUT_RATE, fanOutPrefix } from "./scenarios/fan-out-common";
import { PATH_RATES } from "./scenarios/path-common";

/** The workspace root, found from wherever this file was compiled to (bench/src or bench/dist). */
function repoRoot(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, "pnpm-workspace.yaml"))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no pnpm-workspace.yaml above ${__dirname}`);
  }
}

const REPO_ROOT = repoRoot();
const WORKER_TIMEOUT_MS = 150_000;

interface MetricSpec {
  key: string;
  /** The baseline's metric to compare with, when it is not `key`. */
  baselineKey?: string;
  label: string;
  better: "lower" | "higher";
}

const LATENCY_AND_RATE = (concurrency: number): MetricSpec[] => [
  { key: "p50_ms", label: "p50 latency ms (1 in flight)", better: "lower" },
  { key: "p99_ms", label: "p99 latency ms (1 in flight)", better: "lower" },
  { key: "calls_per_s", label: `calls/s (${concurrency} in flight)`, better: "higher" },
  { key: "cpu_us", label: `CPU us/call, client+server (${concurrency} in flight)`, better: "lower" },
];

function metricSpecs(sizes: Sizes): Record<ScenarioName, MetricSpec[]> {
  const w = sizes.publishWriters;
  return {
    "grpc-memory": LATENCY_AND_RATE(sizes.grpcConcurrency),
    "grpc-postgres": LATENCY_AND_RATE(sizes.grpcConcurrency),
    "grpc-write": LATENCY_AND_RATE(sizes.grpcConcurrency),
    "kafka-publish": [
      { key: "perevent_eps", label: `events/s: 1 per send vs 1 per txn (${w} in flight)`, better: "higher" },
      { key: "perevent_eps", baselineKey: "dualwrite_eps", label: `events/s: txn+send vs 1 per txn (${w} in flight)`, better: "higher" },
      { key: "perevent_p50_ms", label: "p50 ms: send->ack vs commit->ack", better: "lower" },
      { key: "perevent_p99_ms", label: "p99 ms: send->ack vs commit->ack", better: "lower" },
      {
        key: "perevent_total_p50_ms",
        baselineKey: "dualwrite_p50_ms",
        label: "p50 ms txn begin->ack: txn+send vs outbox",
        better: "lower",
      },
      {
        key: "perevent_total_p99_ms",
        baselineKey: "dualwrite_p99_ms",
        label: "p99 ms txn begin->ack: txn+send vs outbox",
        better: "lower",
      },
      { key: "perevent_cpu_us", label: "CPU us/event: 1 per send vs 1 per txn", better: "lower" },
      { key: "perevent_cpu_us", baselineKey: "dualwrite_cpu_us", label: "CPU us/event: txn+send vs 1 per txn", better: "lower" },
      { key: "batch_eps", label: `events/s: ${sizes.sendBatchSize} per send vs relay backlog`, better: "higher" },
      { key: "batch_cpu_us", label: `CPU us/event: ${sizes.sendBatchSize} per send vs relay backlog`, better: "lower" },
    ],
    "kafka-consume": [
      { key: "events_per_s", label: "events/s: read only vs inbox txn", better: "higher" },
      { key: "events_per_s", baselineKey: "txn_events_per_s", label: "events/s: pg txn each vs inbox txn", better: "higher" },
      { key: "cpu_us", label: "CPU us/event: read only vs inbox txn", better: "lower" },
      { key: "cpu_us", baselineKey: "txn_cpu_us", label: "CPU us/event: pg txn each vs inbox txn", better: "lower" },
      { key: "events_per_s", baselineKey: "batch_events_per_s", label: "events/s: batched pg txn vs EventConsumer", better: "higher" },
      { key: "cpu_us", baselineKey: "batch_cpu_us", label: "CPU us/event: batched pg txn vs EventConsumer", better: "lower" },
      { key: "gc_us", baselineKey: "batch_gc_us", label: "GC pause us/event: batched pg txn vs EventConsumer", better: "lower" },
      { key: "together_events_per_s", label: "events/s: writes batched too vs with an InboxRun", better: "higher" },
      { key: "together_cpu_us", label: "CPU us/event: writes batched too vs with an InboxRun", better: "lower" },
      { key: "together_gc_us", label: "GC pause us/event: writes batched too vs with an InboxRun", better: "lower" },
    ],
    "event-path": [
      ...PATH_RATES.flatMap((rate) => [
        { key: `p50_ms_${rate}`, label: `p50 ms at ${rate} events/s offered`, better: "lower" as const },
        { key: `p99_ms_${rate}`, label: `p99 ms at ${rate} events/s offered`, better: "lower" as const },
        { key: `events_per_s_${rate}`, label: `events/s achieved at ${rate} offered`, better: "higher" as const },
      ]),
      { key: "sustained_events_per_s", label: "sustained events/s (100 per commit/send)", better: "higher" },
    ],
    "fan-out": FAN_OUT_DISTRICTS.flatMap((k) => [
      { key: `all_delivered_p50_ms_${k}`, label: `p50 ms until all ${k} district(s) applied it`, better: "lower" as const },
      { key: `all_delivered_p99_ms_${k}`, label: `p99 ms until all ${k} district(s) applied it`, better: "lower" as const },
      { key: `all_receipts_p50_ms_${k}`, label: `p50 ms until all ${k} receipt(s) applied at the city`, better: "lower" as const },
      { key: `all_receipts_p99_ms_${k}`, label: `p99 ms until all ${k} receipt(s) applied at the city`, better: "lower" as const },
    ]),
    "sql-list": [
      { key: "p50_ms", label: "p50 latency ms (sequential)", better: "lower" },
      { key: "p99_ms", label: "p99 latency ms (sequential)", better: "lower" },
      { key: "calls_per_s", label: "lists/s (sequential)", better: "higher" },
      { key: "cpu_us", label: "CPU us/list (Node side)", better: "lower" },
    ],
  };
}

const TITLES: Record<ScenarioName, string> = {
  "grpc-memory": "gRPC GetBulletin, in-memory handler",
  "grpc-postgres": "gRPC GetBulletin, PostgreSQL",
  "grpc-write": "gRPC CreateBulletinDraft: bare txn+insert vs the use case",
  "kafka-publish": "Kafka publish: bare producer vs outbox+relay",
  "kafka-consume": "Kafka consume: bare consumer vs EventConsumer+inbox",
  "event-path": "Event path: bare produce->consume vs commit->outbox->relay->EventConsumer",
  "fan-out": `Fan-out: a bulletin to k districts and their receipts back, ${FAN_OUT_RATE} bulletins/s`,
  "sql-list": "SQL list: bare pg vs BulletinsApp.list",
};

function sizesFor(scale: number): Sizes {
  const s = (n: number) => Math.max(20, Math.round(n * scale));
  return {
    grpcLatencyCalls: s(1000),
    grpcThroughputCalls: s(2000),
    grpcConcurrency: 16,
    grpcPgLatencyCalls: s(200),
    grpcPgThroughputCalls: s(500),
    publishEvents: s(600),
    publishWriters: 4,
    drainEvents: s(10000),
    sendBatchSize: 100,
    consumeEvents: s(10000),
    consumeWarmupEvents: s(1000),
    pathSeconds: Math.max(1, Math.round(3 * scale)),
    pathSustainedEvents: Math.max(1000, Math.round((20000 * scale) / 100) * 100),
    fanOutBulletins: s(50),
    sqlCalls: s(300),
    warmupFraction: 0.4,
  };
}

let current: ChildProcess | undefined;

/** BENCH_PROFILE=1: each worker writes a V8 CPU profile to <repo>/.run/bench/profiles/<scenario>-<variant>/. */
function profileArgs(config: WorkerConfig): string[] {
  if (process.env.BENCH_PROFILE !== "1") return [];
  return ["--cpu-prof", `--cpu-prof-dir=${path.join(REPO_ROOT, ".run", "bench", "profiles", `${config.scenario}-${config.variant}`)}`];
}

function runWorker(config: WorkerConfig): Promise<WorkerResult> {
  return new Promise((resolve, reject) => {
    const child = fork(path.join(__dirname, `worker${path.extname(__filename)}`), [JSON.stringify(config)], {
      // kafkajs 2.2.4 schedules negative timeouts on Node >= 23 (tulios/kafkajs#1751): one warning
      // per client, nothing else; see docs/benchmarks.md.
      // The node image's V8 settings (bench/run.sh reads them from k8s/image/Dockerfile), both variants alike.
      execArgv: [
        ...process.execArgv,
        ...(process.env.BENCH_NODE_OPTIONS ?? "").split(/\s+/).filter(Boolean),
        "--expose-gc",
        "--disable-warning=TimeoutNegativeWarning",
        ...profileArgs(config),
      ],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
      env: { ...process.env, KAFKAJS_NO_PARTITIONER_WARNING: "1" },
    });
    current = child;
    let result: WorkerResult | undefined;
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${config.scenario}/${config.variant} did not finish within ${WORKER_TIMEOUT_MS / 1000} s`));
    }, WORKER_TIMEOUT_MS);
    child.on("message", (m) => (result = m as WorkerResult));
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      current = undefined;
      if (result) resolve(result);
      else reject(new Error(`${config.scenario}/${config.variant} exited with ${signal ?? code} and no result`));
    });
  });
}

function fmt(n: number): string {
  if (!Number.isFinite(n)) return "n/a";
  if (Math.abs(n) >= 1000) return Math.round(n).toLocaleString("en-US");
  if (Math.abs(n) >= 100) return n.toFixed(0);
  if (Math.abs(n) >= 10) return n.toFixed(1);
  return n.toFixed(2);
}

interface Row {
  scenario: string;
  metric: string;
  better: string;
  baseline: number;
  jinlian: number;
  ratio: number;
}

function table(rows: Row[]): string {
  const header = ["scenario", "metric", "better", "baseline", "jinlian", "jinlian/baseline"];
  const cells = rows.map((r) => [r.scenario, r.metric, r.better, fmt(r.baseline), fmt(r.jinlian), `${r.ratio.toFixed(2)}x`]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => c.map((x, i) => (i >= 3 ? x.padStart(widths[i]!) : x.padEnd(widths[i]!))).join("  ");
  let previous = "";
  const body = cells.map((c) => {
    const shown = c[0] === previous ? ["", ...c.slice(1)] : c;
    previous = c[0]!;
    return line(shown);
  });
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...body].join("\n");
}

async function main(): Promise<void> {
  const adminUrl = process.env.DATABASE_URL || "postgres://postgres@127.0.0.1:5432/postgres";
  const brokers = (process.env.KAFKA_BROKERS || "127.0.0.1:29092")
    .split(",")
    .map((b) => b.trim())
    .filter(Boolean);
  const scale = Number(process.env.BENCH_SCALE ?? "1");
  const reps = Number(process.env.BENCH_REPS ?? "3");
  const only = (process.env.BENCH_ONLY ?? "").split(",").filter(Boolean);
  const unknown = only.filter((s) => !(SCENARIOS as readonly string[]).includes(s));
  if (unknown.length) throw new Error(`BENCH_ONLY: unknown scenario(s) ${unknown.join(", ")}; known: ${SCENARIOS.join(", ")}`);
  if (!(scale > 0) || !(reps >= 1)) throw new Error("BENCH_SCALE must be > 0 and BENCH_REPS >= 1");
  const scenarios = SCENARIOS.filter((s) => only.length === 0 || only.includes(s));
  const out = process.env.BENCH_OUT || path.join(REPO_ROOT, ".run", "bench", "latest.json");
  const sizes = sizesFor(scale);
  const started = Date.now();
  const log = (m: string) => process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(1)}s] ${m}\n`);

  checkFixtureMatchesChassis();
  const namespace = `bench-${Date.now().toString(36)}-${randomBytes(3).toString("hex")}`;
  // Real delivery-topic names (<ns>.<from>.bulletins.to.<to>): the city publishing BulletinPublished
  // to districts, as the stream catalogue declares it, so the chassis accepts the events on them.
  const topics = {
    publish: `${namespace}.120000.bulletins.to.120101`,
    consume: `${namespace}.120000.bulletins.to.120102`,
    consumeWarmup: `${namespace}.120000.bulletins.to.120103`,
    path: `${namespace}.120000.bulletins.to.120104`,
    deadLetter: `${namespace}.120102.bulletins.dlq`,
  };
  const schemas = { bulletins: "bulletins", outbox: "bench_outbox", inbox: "bench_inbox" };
  const kafka = benchKafka(brokers);
  const admin = kafka.admin();
  let database: ThrowawayDatabase | undefined;
  const cleanup = async () => {
    current?.kill("SIGKILL");
    await admin.deleteTopics({ topics: Object.values(topics) }).catch(() => undefined);
    // A fan-out worker deletes its own topics; what a failed one left is deleted here.
    const leftovers = (await admin.listTopics().catch(() => [] as string[])).filter((t) => t.startsWith(fanOutPrefix(namespace)));
    if (leftovers.length) await admin.deleteTopics({ topics: leftovers }).catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
    await database?.drop().catch((err: Error) => log(`could not drop ${database?.name}: ${err.message}`));
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      log(`${signal}: cleaning up`);
      void cleanup().finally(() => process.exit(130));
    });
  }

  try {
    database = await createThrowawayDatabase(adminUrl);
    log(`database ${database.name}; brokers ${brokers.join(",")}; scale ${scale}; ${reps} repetitions`);
    const { bulletinId } = await prepareDatabase(database.url, schemas);
    await admin.connect();
    await prepareTopics(admin, topics);
    if (scenarios.includes("kafka-consume")) {
      await produceEvents(kafka, topics.consumeWarmup, sizes.consumeWarmupEvents);
      await produceEvents(kafka, topics.consume, sizes.consumeEvents);
    }
    log(`prepared: ${SEEDED_BULLETINS} bulletins, topics ${namespace}.*`);

    const results: { scenario: ScenarioName; byVariant: Record<Variant, WorkerResult> }[] = [];
    for (const scenario of scenarios) {
      // Repetitions alternate baseline, jinlian, baseline, … each in a fresh process (warm-up,
      // one measurement), so drifting background load hits both variants alike.
      const runs: Record<Variant, WorkerResult[]> = { baseline: [], jinlian: [] };
      for (let rep = 0; rep < reps; rep++) {
        for (const variant of VARIANTS) {
          // Each worker finds the tables as a server with autovacuum would keep them: without it
          // (as on the machine of docs/performance.md), the outbox's index of unpublished rows
          // fills with the entries of rows marked since, and each repetition is slower.
          await database.vacuum();
          const t0 = Date.now();
          const config = { scenario, variant, databaseUrl: database.url, brokers, namespace, topics, bulletinId, schemas, sizes };
          runs[variant].push(await runWorker({ ...config, reps: 1, runId: `r${rep}` }));
          log(`${scenario}/${variant} repetition ${rep + 1} done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
        }
      }
      const merge = (v: Variant): WorkerResult => ({
        scenario,
        variant: v,
        reps: runs[v].flatMap((r) => r.reps),
        memory: {
          rssMb: median(runs[v].map((r) => r.memory.rssMb)),
          heapUsedMb: median(runs[v].map((r) => r.memory.heapUsedMb)),
        },
        notes: [...new Set(runs[v].flatMap((r) => r.notes))],
      });
      results.push({ scenario, byVariant: { baseline: merge("baseline"), jinlian: merge("jinlian") } });
    }

    const specs = metricSpecs(sizes);
    const rows: Row[] = [];
    const json = results.map(({ scenario, byVariant }) => {
      const metrics = specs[scenario].map((spec) => {
        const per = (v: Variant) => byVariant[v].reps.map((r) => r[v === "baseline" ? (spec.baselineKey ?? spec.key) : spec.key]!);
        const baseline = median(per("baseline"));
        const jinlian = median(per("jinlian"));
        rows.push({ scenario: TITLES[scenario], metric: spec.label, better: spec.better, baseline, jinlian, ratio: jinlian / baseline });
        return {
          ...spec,
          baseline: { median: baseline, reps: per("baseline") },
          jinlian: { median: jinlian, reps: per("jinlian") },
          ratio: jinlian / baseline,
        };
      });
      const mem = (key: "rssMb" | "heapUsedMb", label: string) => {
        const baseline = byVariant.baseline.memory[key];
        const jinlian = byVariant.jinlian.memory[key];
        rows.push({ scenario: TITLES[scenario], metric: label, better: "lower", baseline, jinlian, ratio: jinlian / baseline });
      };
      mem("rssMb", "RSS MB after");
      mem("heapUsedMb", "heap used MB after (post-GC)");
      return {
        scenario,
        title: TITLES[scenario],
        metrics,
        memory: { baseline: byVariant.baseline.memory, jinlian: byVariant.jinlian.memory },
        notes: { baseline: byVariant.baseline.notes, jinlian: byVariant.jinlian.notes },
      };
    });

    const cpus = os.cpus();
    const machine = `${cpus.length} cores (${cpus[0]?.model.trim() ?? "unknown"}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, NODE_OPTIONS=${process.env.BENCH_NODE_OPTIONS ?? ""}`;
    process.stdout.write(`\nJinlian benchmarks — ${new Date().toISOString()} — ${machine}\n`);
    process.stdout.write(
      `median of ${reps} repetitions (alternating variants, a fresh process each, after a warm-up); ratio = jinlian / baseline, same run\n\n`,
    );
    process.stdout.write(`${table(rows)}\n\n`);
    for (const r of results) {
      for (const v of VARIANTS) {
        for (const n of r.byVariant[v].notes) process.stdout.write(`note ${r.scenario}/${v}: ${n}\n`);
        // Measurements without a counterpart (info_*): printed as medians, not compared.
        const infoKeys = Object.keys(r.byVariant[v].reps[0] ?? {}).filter((k) => k.startsWith("info_"));
        for (const k of infoKeys) {
          process.stdout.write(`note ${r.scenario}/${v}: ${k.slice(5)} = ${fmt(median(r.byVariant[v].reps.map((x) => x[k]!)))}\n`);
        }
      }
    }
    mkdirSync(path.dirname(out), { recursive: true });
    writeFileSync(
      out,
      `${JSON.stringify({ date: new Date().toISOString(), machine, brokers, reps, scale, sizes, seededBulletins: SEEDED_BULLETINS, results: json }, null, 2)}\n`,
    );
    log(`results written to ${path.relative(process.cwd(), out) || out}; total ${((Date.now() - started) / 1000).toFixed(0)} s`);
  } finally {
    await cleanup();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
