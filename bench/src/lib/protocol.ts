/** What run.ts hands a worker process, and what the worker sends back. */

export const VARIANTS = ["baseline", "jinlian"] as const;
export type Variant = (typeof VARIANTS)[number];

export const SCENARIOS = [
  "grpc-memory",
  "grpc-postgres",
  "grpc-write",
  "kafka-publish",
  "kafka-consume",
  "event-path",
  "fan-out",
  "sql-list",
] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface Sizes {
  /** Sequential calls per repetition for latency percentiles. */
  grpcLatencyCalls: number;
  /** Calls per repetition for throughput, with grpcConcurrency in flight. */
  grpcThroughputCalls: number;
  grpcConcurrency: number;
  /** The same, for the scenarios against PostgreSQL (GetBulletin read, CreateBulletinDraft write). */
  grpcPgLatencyCalls: number;
  grpcPgThroughputCalls: number;
  /** Events per repetition for the end-to-end (one event per transaction) publishing run. */
  publishEvents: number;
  /** Concurrent writers (use cases committing) in the end-to-end publishing run. */
  publishWriters: number;
  /** Events per repetition for the backlog-drain publishing run. */
  drainEvents: number;
  /** Messages per send in the batched baseline (the relay's default batch size). */
  sendBatchSize: number;
  /** Messages pre-produced to the consume topic (read once per repetition by a fresh group). */
  consumeEvents: number;
  consumeWarmupEvents: number;
  /** Seconds each offered rate of the event path runs for. */
  pathSeconds: number;
  /** Events of the event path's sustained pass (100 per commit or send). */
  pathSustainedEvents: number;
  /** Bulletins of each fan-out pass (one pass per number of districts). */
  fanOutBulletins: number;
  sqlCalls: number;
  warmupFraction: number;
}

export interface WorkerConfig {
  scenario: ScenarioName;
  variant: Variant;
  /** The throwaway database of this run. */
  databaseUrl: string;
  brokers: string[];
  namespace: string;
  topics: { publish: string; consume: string; consumeWarmup: string; path: string; deadLetter: string };
  /** A seeded, published bulletin (GetBulletin). */
  bulletinId: string;
  /** Schemas prepared by run.ts. */
  schemas: { bulletins: string; outbox: string; inbox: string };
  sizes: Sizes;
  /** Measurements in this process, after the warm-up (run.ts uses 1 and alternates processes). */
  reps: number;
  /** Unique within the run: names consumer groups and inbox consumers so no process reuses one. */
  runId: string;
}

/** One repetition's measurements, by metric label (see METRICS in run.ts). */
export type RepMetrics = Record<string, number>;

export interface WorkerResult {
  scenario: ScenarioName;
  variant: Variant;
  reps: RepMetrics[];
  memory: { rssMb: number; heapUsedMb: number };
  /** Facts worth printing, e.g. whether the pg instrumentation was active. */
  notes: string[];
}

/** A scenario as a worker runs it: set up, warm up, measure `reps` times, then tear down. */
export interface ScenarioRun {
  warmup(): Promise<void>;
  measure(): Promise<RepMetrics>;
  teardown(): Promise<void>;
  notes?: string[];
}

export type ScenarioFactory = (config: WorkerConfig) => Promise<ScenarioRun>;
