/**
 * One scenario variant in a fresh process (forked by run.ts), so its memory is its own. The
 * jinlian variants load the chassis' telemetry bootstrap first, exactly as a node does with
 * `--require`: global tracer, W3C propagation, the pg instrumentation and a Prometheus meter.
 * Then: set up, warm up, measure `reps` times, read memory after a full GC, tear down.
 */
import { createServer } from "node:net";
import { pathToFileURL } from "node:url";
import type { ScenarioFactory, WorkerConfig, WorkerResult } from "./lib/protocol";

async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function pgInstrumented(): Promise<boolean> {
  const pg = await import("pg");
  const client = (pg as unknown as { default?: typeof pg }).default?.Client ?? pg.Client;
  return Boolean((client.prototype.query as unknown as { __wrapped?: boolean }).__wrapped);
}

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? "") as WorkerConfig;
  const notes: string[] = [];
  if (config.variant === "jinlian") {
    // BENCH_TELEMETRY=off: the chassis without an SDK (no-op tracer and meter, pg not patched),
    // to tell the telemetry's share of the overhead from the rest.
    if (process.env.BENCH_TELEMETRY === "off") process.env.OTEL_SDK_DISABLED = "true";
    process.env.METRICS_PORT = String(await freeLoopbackPort());
    process.env.OTEL_SERVICE_NAME = "jinlian-bench";
    await import("@jinlian/chassis/telemetry-bootstrap");
    notes.push(
      process.env.OTEL_SDK_DISABLED === "true"
        ? "telemetry OFF (BENCH_TELEMETRY=off)"
        : `telemetry on (tracer provider, Prometheus meter, pg instrumentation ${(await pgInstrumented()) ? "active" : "NOT active"})`,
    );
  }
  // The scenario (and only it) is loaded now, after telemetry, as a node loads its services.
  const modulePath = require.resolve(`./scenarios/${config.scenario}/${config.variant}`);
  const { create } = (await import(pathToFileURL(modulePath).href)) as { create: ScenarioFactory };
  const run = await create(config);
  await run.warmup();
  const reps = [];
  for (let i = 0; i < config.reps; i++) reps.push(await run.measure());
  (globalThis as { gc?: () => void }).gc?.();
  const mem = process.memoryUsage();
  await run.teardown();
  const result: WorkerResult = {
    scenario: config.scenario,
    variant: config.variant,
    reps,
    memory: { rssMb: mem.rss / 2 ** 20, heapUsedMb: mem.heapUsed / 2 ** 20 },
    notes: [...notes, ...(run.notes ?? [])],
  };
  // Forked by run.ts: the result goes back over IPC. Run by hand (e.g. to profile it): printed.
  const send = process.send?.bind(process);
  if (!send) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else await new Promise<void>((resolve, reject) => send(result, undefined, {}, (err: Error | null) => (err ? reject(err) : resolve())));
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench worker failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
