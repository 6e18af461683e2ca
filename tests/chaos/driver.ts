/**
 * The chaos suite's driver: its own broker and PostgreSQL, a city node (120000) and a district
 * node (120101) as processes, a seeded workload in both directions while seeded faults hit them,
 * then quiescence and the checks. `runChaos` returns the report; main.ts prints it and sets the
 * exit status, tests/e2e/chaos-short.e2e.spec.ts runs a short variant in CI.
 */
import { testAuthEnvironment } from "../support/auth";
import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import { Kafka, logLevel, type Admin } from "kafkajs";
import { createTestDatabase, type TestDatabase } from "../harness/database";
import { startDedicatedKafka, type DedicatedKafka } from "../support/dedicated-kafka";
import { startDedicatedPostgres, type DedicatedPostgres } from "../support/dedicated-postgres";
import { checkEverything, quiesce, type Counts, type Finding } from "./checks";
import { FaultInjector, type FaultRecord } from "./faults";
import { assertBuilt, counterSum, NodeProcess, REPO_ROOT } from "./processes";
import { Rng } from "./rng";
import { Workload, type WorkloadCounters } from "./workload";

export interface ChaosOptions {
  seed: number;
  downBulletins: number;
  upBulletins: number;
  activities: number;
  concurrency: number;
  /** Script starts are spread over this long (the faults' window). */
  spanMs: number;
  /** Each fault kind this many times. */
  faultsPerKind: number;
  /** Seeded pause before each fault, while the workload runs [min, max] ms. */
  faultPauseMs: [number, number];
  /** Whole-run bound: the workload is cut short past it (its scripts stop where they are). */
  maxRunMs: number;
  quiesceTimeoutMs: number;
  callBudgetMs: number;
  deliveryWaitMs: number;
  /** Keep the run directory, broker and databases for a post-mortem. */
  keep: boolean;
  log: (line: string) => void;
}

export const FULL: Omit<ChaosOptions, "seed" | "log"> = {
  downBulletins: 300,
  upBulletins: 200,
  activities: 400,
  concurrency: 12,
  spanMs: 8 * 60_000,
  faultsPerKind: 3,
  faultPauseMs: [5_000, 20_000],
  maxRunMs: 20 * 60_000,
  quiesceTimeoutMs: 300_000,
  callBudgetMs: 180_000,
  deliveryWaitMs: 180_000,
  keep: false,
};

export const SHORT: Omit<ChaosOptions, "seed" | "log"> = {
  downBulletins: 30,
  upBulletins: 20,
  activities: 40,
  concurrency: 8,
  spanMs: 80_000,
  faultsPerKind: 1,
  faultPauseMs: [1_000, 5_000],
  maxRunMs: 150_000,
  quiesceTimeoutMs: 120_000,
  callBudgetMs: 90_000,
  // A script waits this long for its bulletin to cross. Faults stack: the broker serves again after
  // up to ~40 s, a killed node after ~45 s, and a group rebalance can add its 30 s session timeout;
  // 90 s was passed in CI runs (3-5 scripts of ~100) while every effect still arrived exactly once.
  deliveryWaitMs: 150_000,
  keep: false,
};

export interface ChaosReport {
  seed: number;
  runDir: string;
  elapsedMs: number;
  faults: FaultRecord[];
  workload: WorkloadCounters & { bulletins: number; activities: number; incomplete: number };
  counts: Counts;
  /** From the nodes' metrics, summed over every process incarnation (scraped each second). */
  metrics: { duplicatesSuppressed: number; held: number; deadLettered: number; parked: number; consumerCrashes: number };
  quiescent: boolean;
  findings: Finding[];
  /** No loss, duplicate, order break or stuck event. */
  ok: boolean;
}

/** Counters of every node process, summed over its incarnations (a SIGKILLed process's last scrape counts). */
class MetricsTally {
  private readonly last = new Map<string, Record<string, number>>();
  private timer?: NodeJS.Timeout;
  constructor(private readonly nodes: NodeProcess[]) {}

  start(): void {
    this.timer = setInterval(() => void this.scrape(), 1_000);
  }

  async scrape(): Promise<void> {
    for (const n of this.nodes) {
      const text = await n.metrics();
      const incarnation = n.incarnation;
      if (!text) continue;
      this.last.set(`${n.code}#${incarnation}`, {
        duplicatesSuppressed: counterSum(text, "jinlian_inbox_duplicates_total"),
        held: counterSum(text, "jinlian_consumer_events_total", { outcome: "held" }),
        deadLettered: counterSum(text, "jinlian_consumer_dead_lettered_total"),
        parked: counterSum(text, "jinlian_outbox_parked_rows_total"),
        consumerCrashes: counterSum(text, "jinlian_consumer_crashes_total"),
      });
    }
  }

  async stop(): Promise<ChaosReport["metrics"]> {
    clearInterval(this.timer);
    await this.scrape();
    const sum = { duplicatesSuppressed: 0, held: 0, deadLettered: 0, parked: 0, consumerCrashes: 0 };
    for (const v of this.last.values()) for (const k of Object.keys(sum) as (keyof typeof sum)[]) sum[k] += v[k] ?? 0;
    return sum;
  }
}

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  assertBuilt();
  const { log } = options;
  const startedAt = Date.now();
  const rng = new Rng(options.seed);
  const runId = `${options.seed}-${randomBytes(3).toString("hex")}`;
  const runDir = path.join(REPO_ROOT, ".run", `chaos-${runId}`);
  mkdirSync(runDir, { recursive: true });
  // The issuer's key files go with the run (removed when it passes) when no test run holds them.
  process.env.JINLIAN_TEST_TMP ??= runDir;
  const namespace = `chaos-${runId}`;
  log(`chaos: seed ${options.seed} (CHAOS_SEED=${options.seed} repeats this plan); run directory ${runDir}`);

  let broker: DedicatedKafka | undefined;
  let postgres: DedicatedPostgres | undefined;
  const databases: TestDatabase[] = [];
  const nodes: NodeProcess[] = [];
  let admin: Admin | undefined;
  let workload: Workload | undefined;
  let passed = false;
  const killOnExit = () => nodes.forEach((n) => n.killNow());
  process.once("exit", killOnExit);
  try {
    log("chaos: starting a private Kafka broker and PostgreSQL");
    [broker, postgres] = await Promise.all([startDedicatedKafka(), startDedicatedPostgres()]);
    const kafka = new Kafka({ brokers: broker.brokers, clientId: "chaos-driver", logLevel: logLevel.NOTHING });
    admin = kafka.admin();
    await admin.connect();
    // The nodes authenticate callers as in production (JINLIAN_AUTH=jwt), with the tests' issuer.
    const auth = await testAuthEnvironment();
    for (const code of ["120000", "120101"]) {
      const db = await createTestDatabase(postgres.adminUrl, `chaos_${code}`);
      databases.push(db);
      nodes.push(
        new NodeProcess({
          jurisdictionCode: code,
          runDir,
          namespace,
          databaseUrl: db.url,
          kafkaBrokers: broker.brokers,
          environment: auth,
        }),
      );
    }
    for (const n of nodes) await n.start();
    for (const n of nodes) await n.waitReady();
    log(`chaos: nodes up: ${nodes.map((n) => `${n.code} ${n.address} (pid file ${n.pidFile})`).join(", ")}`);

    const [city, district] = nodes as [NodeProcess, NodeProcess];
    workload = new Workload(
      { city: city.address, district: district.address },
      {
        downBulletins: options.downBulletins,
        upBulletins: options.upBulletins,
        activities: options.activities,
        concurrency: options.concurrency,
        spanMs: options.spanMs,
        callBudgetMs: options.callBudgetMs,
        deliveryWaitMs: options.deliveryWaitMs,
      },
      rng.fork(),
      log,
    );
    await workload.setUp();
    log(
      `chaos: workload of ${options.downBulletins} bulletins down, ${options.upBulletins} up, ${options.activities} campaign activities; ` +
        `${options.faultsPerKind} fault(s) of each kind`,
    );

    const tally = new MetricsTally(nodes);
    tally.start();
    const w = workload;
    // The relay of the city publishes what the city issues (down); its consumers apply what the district sends (up).
    const burst = (code: string, aim: "relay" | "consumer") => w.burst((code === "120000") === (aim === "relay") ? "down" : "up", 6);
    const injector = new FaultInjector({ rng: rng.fork(), nodes, broker, postgres, admin, namespace, startedAt, burst, log });
    let workloadDone = false;
    const work = Promise.race([
      workload.run(),
      new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, options.maxRunMs - (Date.now() - startedAt))).unref()),
    ]).finally(() => (workloadDone = true));
    await Promise.all([work, injector.run(options.faultsPerKind, options.faultPauseMs, () => workloadDone)]);
    await workload.settle();
    log(`chaos: workload and faults done at t=${((Date.now() - startedAt) / 1000).toFixed(0)}s; waiting for quiescence`);
    // Every node is running again before the drain (a fault's restart may have failed).
    for (const n of nodes) if (!n.running) await n.start().then(() => n.waitReady());

    const quiescent = await quiesce(nodes, admin, namespace, options.quiesceTimeoutMs, log);
    const metrics = await tally.stop();
    const unknownCreations = workload.caller.counters.unknown; // an upper bound on creations whose answer was lost for good
    const { findings, counts } = await checkEverything({
      nodes,
      bulletins: workload.bulletins,
      activities: workload.activities,
      campaignId: workload.campaignId,
      unknownBulletinCreations: unknownCreations,
      unknownActivityReports: unknownCreations,
      kafka,
      admin,
      namespace,
    });
    if (!quiescent) findings.push({ kind: "STUCK", what: `not quiescent within ${options.quiesceTimeoutMs} ms` });
    for (const f of injector.records)
      if (f.error) findings.push({ kind: "STUCK", what: `fault ${f.kind} on ${f.target} at t=${f.at.toFixed(1)}s failed: ${f.error}` });
    const all = [...workload.bulletins, ...workload.activities];
    passed = findings.length === 0;
    return {
      seed: options.seed,
      runDir,
      elapsedMs: Date.now() - startedAt,
      faults: injector.records,
      workload: {
        ...workload.caller.counters,
        bulletins: workload.bulletins.length,
        activities: workload.activities.length,
        incomplete: all.filter((p) => p.incomplete).length,
      },
      counts,
      metrics,
      quiescent,
      findings,
      ok: findings.length === 0,
    };
  } finally {
    workload?.close();
    await admin?.disconnect().catch(() => undefined);
    // Nodes stop before the infrastructure they use; the broker and PostgreSQL are started if a
    // failure left them stopped, so the nodes can drain.
    await Promise.all([broker?.start().catch(() => undefined), postgres?.start().catch(() => undefined)]);
    await Promise.all(nodes.map((n) => n.stop()));
    process.removeListener("exit", killOnExit);
    if (!options.keep) {
      for (const db of databases) await db.drop().catch(() => undefined);
      await Promise.all([broker?.destroy(), postgres?.destroy()]);
      // The nodes' logs stay for a post-mortem when a check failed.
      if (passed) rmSync(runDir, { recursive: true, force: true });
      else log(`chaos: the nodes' logs are kept in ${runDir}`);
    } else log(`chaos: kept ${runDir}, the broker (${broker?.brokers.join(",")}) and PostgreSQL (${postgres?.adminUrl})`);
  }
}

/** The report as people read it. */
export function formatReport(r: ChaosReport): string {
  const lines: string[] = [];
  lines.push(`chaos report: seed ${r.seed}, ${(r.elapsedMs / 1000).toFixed(0)} s`);
  lines.push("faults injected:");
  for (const f of r.faults)
    lines.push(
      `  t=${f.at.toFixed(1).padStart(6)}s  ${f.kind.padEnd(16)} ${f.target.padEnd(13)} ${f.detail}; serving again after ${(f.tookMs / 1000).toFixed(1)} s${f.error ? `  ERROR ${f.error}` : ""}`,
    );
  const w = r.workload;
  lines.push(
    `workload: ${w.bulletins} bulletins, ${w.activities} activities; ${w.calls} intended changes, ${w.retries} retries with the same request id, ` +
      `${w.unknown} without an answer, ${w.incomplete} scripts cut short`,
  );
  const internal = Object.entries(w.internal);
  if (internal.length > 0) lines.push(`  INTERNAL answers (retried): ${internal.map(([m, n]) => `${m} ${n}`).join(", ")}`);
  const c = r.counts;
  for (const [code, s] of Object.entries(c.sent))
    lines.push(
      `node ${code}: sent ${s.delivery} events to the other node and ${s.local} to its own streams; applied ${c.applied[code]} (inbox rows)`,
    );
  lines.push(
    `delivery topics: ${c.deliveryMessages} messages, ${c.wireDuplicates} of them re-sent copies; duplicates suppressed by inboxes: ${r.metrics.duplicatesSuppressed} ` +
      `(metrics; a SIGKILLed process's last second is not counted)`,
  );
  lines.push(
    `parked: ${c.parkedNow} now (${r.metrics.parked} parked during the run); held: ${c.heldNow} now (${r.metrics.held} held and released during the run); ` +
      `dead-lettered: ${c.deadLettered} (${r.metrics.deadLettered} by metrics); consumer crashes restarted: ${r.metrics.consumerCrashes}`,
  );
  lines.push(r.quiescent ? "quiescent: yes" : "quiescent: NO");
  if (r.findings.length === 0)
    lines.push("checks: every effect present exactly once where it was meant to be; every aggregate's versions gapless and in order");
  else {
    const by = r.findings.reduce((m, f) => m.set(f.kind, (m.get(f.kind) ?? 0) + 1), new Map<string, number>());
    lines.push(`checks FAILED: ${[...by].map(([k, n]) => `${n} ${k}`).join(", ")}`);
    for (const f of r.findings.slice(0, 50)) lines.push(`  ${f.kind}: ${f.what}`);
    if (r.findings.length > 50) lines.push(`  … and ${r.findings.length - 50} more`);
  }
  return lines.join("\n");
}
