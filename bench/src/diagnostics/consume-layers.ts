/**
 * Where a consumed event's CPU goes, layer by layer, with Kafka taken out: the same handler write
 * (a projection upsert per event, in transactions of a run's size) through
 *
 *   pg          a pg client, by hand: the floor.
 *   knex        the same statement through a knex transaction, as a handler writes it.
 *   knex+otel   that, inside a CONSUMER span, with the chassis' telemetry loaded first (tracer
 *               provider, Prometheus meter, the pg instrumentation): a handler's write as it runs.
 *   subscriber  the subscriber's own work on a batch (CloudEvent and payload decoding, the
 *               source and payload checks, the CONSUMER span and context), no database.
 *   consumer    EventConsumer as a node runs it (subscriber, one inbox insert per run, the
 *               handler's write, the commit) against PostgreSQL.
 *
 * A diagnostic, not a scenario: no baseline ratio, no check, not in CI. Each layer runs in a fresh
 * process (telemetry must load before pg), the layers alternate, and each figure is the median of
 * the process's repetitions after a warm-up. Kafka's own share (fetching, decoding the batch) is the
 * `kafka-consume` scenario's "read only" baseline. Run by bench/consume-layers.sh.
 */
import { fork } from "node:child_process";
import { pathToFileURL } from "node:url";
import { kafkaMessage, benchEvent } from "../lib/fixtures";

const LAYERS = ["pg", "knex", "knex+otel", "subscriber", "consumer"] as const;
type Layer = (typeof LAYERS)[number];

const DATABASE_URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const EVENTS = Number(process.env.LAYERS_EVENTS ?? 10_000);
const REPS = Number(process.env.LAYERS_REPS ?? 6);
const ROUNDS = Number(process.env.LAYERS_ROUNDS ?? 3);
/** Events per transaction, as EventConsumer's default run. */
const RUN = 500;
/** Messages per Kafka batch handed to the subscriber (kafkajs gives a few thousand of these events). */
const BATCH = 2000;
const TOPIC = "layers.120000.bulletins.to.120102";
const UPSERT =
  'insert into "projection" ("aggregate_id", "events") values (?, 1) on conflict ("aggregate_id") do update set "events" = "projection"."events" + 1';

/** CPU µs per event of `pass`, median of the repetitions after the first two. */
async function measure(pass: (rep: number) => Promise<void>): Promise<number> {
  const perEvent: number[] = [];
  for (let rep = 0; rep < REPS + 2; rep++) {
    const before = process.cpuUsage();
    await pass(rep);
    const used = process.cpuUsage(before);
    if (rep >= 2) perEvent.push((used.user + used.system) / EVENTS);
  }
  perEvent.sort((a, b) => a - b);
  return perEvent[perEvent.length >> 1]!;
}

/** The bench's events as kafkajs hands them over: Buffers for key, value and headers. */
function messages(): {
  key: Buffer;
  value: Buffer;
  headers: Record<string, Buffer>;
  offset: string;
  timestamp: string;
  attributes: number;
}[] {
  return Array.from({ length: EVENTS }, (_, i) => {
    const m = kafkaMessage(benchEvent(i));
    const headers = Object.fromEntries(Object.entries(m.headers).map(([k, v]) => [k, Buffer.from(v)]));
    return { key: Buffer.from(m.key), value: m.value, headers, offset: String(i), timestamp: String(Date.now()), attributes: 0 };
  });
}

/**
 * A stand-in for kafkajs that hands the subscriber's eachBatch to the caller instead of fetching,
 * so the subscriber and EventConsumer run unchanged, fed from memory.
 */
function feeder() {
  let eachBatch!: (payload: unknown) => Promise<void>;
  const consumer = {
    events: { CRASH: "consumer.crash" },
    on: () => () => undefined,
    connect: async () => undefined,
    subscribe: async () => undefined,
    disconnect: async () => undefined,
    run: async (config: { eachBatch: (payload: unknown) => Promise<void> }) => {
      eachBatch = config.eachBatch;
    },
  };
  const admin = {
    connect: async () => undefined,
    disconnect: async () => undefined,
    fetchOffsets: async () => [],
    fetchTopicOffsets: async () => [],
  };
  const kafka = { consumer: () => consumer, admin: () => admin, producer: () => ({ connect: async () => undefined }) };
  const feed = async (all: ReturnType<typeof messages>, partition: number) => {
    for (let i = 0; i < all.length; i += BATCH)
      await eachBatch({
        batch: { topic: TOPIC, partition, messages: all.slice(i, i + BATCH) },
        resolveOffset: () => undefined,
        heartbeat: async () => undefined,
        isRunning: () => true,
        isStale: () => false,
      });
  };
  return { kafka, feed };
}

async function runLayer(layer: Layer): Promise<number> {
  if (layer === "knex+otel" || layer === "subscriber" || layer === "consumer") {
    process.env.OTEL_SERVICE_NAME = "bench-layers";
    process.env.METRICS_PORT = process.env.METRICS_PORT ?? "0";
    await import("@jinlian/chassis/telemetry-bootstrap");
  }
  const chassis = await import("@jinlian/chassis");
  const logger = chassis.createLogger({ level: "warn" });
  const schema = `bench_layers_${process.pid}`;
  const ids = Array.from({ length: EVENTS }, (_, i) => benchEvent(i).subject);

  if (layer === "subscriber") {
    const { kafka, feed } = feeder();
    const subscriber = new chassis.Subscriber({
      kafka: kafka as never,
      producer: {} as never,
      name: "layers",
      groupId: "layers",
      topics: [TOPIC],
      deadLetterTopic: "layers.dlq",
      batch: {
        apply: async (items) => {
          for (const item of items) await item.within(async () => void applied++);
          return { applied: items.length };
        },
      },
    });
    let applied = 0;
    subscriber.on(chassis.bulletinsEvents.published, async () => undefined);
    await subscriber.start();
    const all = messages();
    const cpu = await measure(() => feed(all, 0));
    await subscriber.stop();
    // A figure is worth something only if every event went through.
    if (applied !== EVENTS * (REPS + 2)) throw new Error(`the subscriber applied ${applied} events, not ${EVENTS * (REPS + 2)}`);
    return cpu;
  }

  const db = chassis.createDatabase({ url: DATABASE_URL, schema, applicationName: "bench-layers" });
  try {
    await db.raw(`create schema "${schema}"`);
    await chassis.migrate(db, schema, []);
    await db.raw(`create table "${schema}".projection (aggregate_id text primary key, events integer not null)`);
    if (layer === "pg") {
      const pg = await import("pg");
      const client = new pg.default.Client({ connectionString: DATABASE_URL });
      await client.connect();
      const sql = UPSERT.replace("?", "$1").replaceAll('"projection"', `"${schema}"."projection"`);
      const cpu = await measure(async () => {
        for (let i = 0; i < EVENTS; i += RUN) {
          await client.query("BEGIN");
          for (const id of ids.slice(i, i + RUN)) await client.query(sql, [id]);
          await client.query("COMMIT");
        }
      });
      await client.end();
      return cpu;
    }
    if (layer === "knex" || layer === "knex+otel") {
      const write = (trx: import("knex").Knex.Transaction, id: string) => trx.raw(UPSERT, [id]);
      const traced = (trx: import("knex").Knex.Transaction, id: string) =>
        chassis.inSpan(`${TOPIC} process`, { kind: chassis.SpanKind.CONSUMER }, () => write(trx, id));
      const each = layer === "knex" ? write : traced;
      return await measure(async () => {
        for (let i = 0; i < EVENTS; i += RUN)
          await db.transaction(async (trx) => {
            for (const id of ids.slice(i, i + RUN)) await each(trx, id);
          });
      });
    }
    // consumer: a new consumer name each repetition, so every event is new to the inbox.
    const { kafka, feed } = feeder();
    const all = messages();
    const cpu = await measure(async (rep) => {
      const consumer = new chassis.EventConsumer({
        kafka: kafka as never,
        db,
        name: `layers-${rep}`,
        groupId: "layers",
        topics: [TOPIC],
        deadLetterTopic: "layers.dlq",
        producer: {} as never,
        logger,
        handlers: [
          chassis.inboxHandler(chassis.bulletinsEvents.published, async (event, trx) => void (await trx.raw(UPSERT, [event.subject]))),
        ],
      });
      await consumer.start();
      await feed(all, 0);
      await consumer.stop();
    });
    const [{ n }] = (await db.raw(`select count(*)::int as n from "${schema}".inbox`)).rows as { n: number }[];
    if (n !== EVENTS * (REPS + 2)) throw new Error(`the inbox holds ${n} events, not ${EVENTS * (REPS + 2)}`);
    return cpu;
  } finally {
    await db.raw(`drop schema if exists "${schema}" cascade`);
    await db.destroy();
  }
}

async function main(): Promise<void> {
  const layer = process.argv[2] as Layer | undefined;
  if (layer) {
    const cpuUs = await runLayer(layer);
    process.send!({ layer, cpuUs });
    return;
  }
  const results = new Map<Layer, number[]>(LAYERS.map((l) => [l, []]));
  for (let round = 0; round < ROUNDS; round++)
    for (const l of LAYERS) {
      const child = fork(pathToFileURL(__filename), [l], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
      const got = await new Promise<number>((resolve, reject) => {
        child.once("message", (m: { cpuUs: number }) => resolve(m.cpuUs));
        child.once("exit", (code) => (code === 0 ? undefined : reject(new Error(`layer ${l} exited with ${code}`))));
      });
      await new Promise((r) => child.once("exit", r));
      results.get(l)!.push(got);
      process.stderr.write(`[consume-layers] round ${round + 1}: ${l} ${got.toFixed(1)} µs/event\n`);
    }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  process.stdout.write(`\nCPU µs per event, median of ${ROUNDS} processes per layer (${EVENTS} events, runs of ${RUN})\n\n`);
  process.stdout.write("| layer | CPU µs/event | all processes |\n| --- | ---: | --- |\n");
  for (const l of LAYERS) {
    const xs = results.get(l)!;
    process.stdout.write(`| ${l} | ${median(xs).toFixed(1)} | ${xs.map((x) => x.toFixed(1)).join(", ")} |\n`);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`consume-layers failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
