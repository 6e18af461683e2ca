/**
 * Bare kafkajs consumers (same session/heartbeat settings, autoCommit, one partition at a time),
 * three passes per repetition, each in a new group:
 *
 *   read    only counts messages: the ceiling of the client.
 *   txn     per message, what the inbox costs at minimum: a pooled pg client runs BEGIN, the
 *           same inbox INSERT … ON CONFLICT DO NOTHING RETURNING, the handler's projection
 *           upsert, COMMIT. Headers are read directly, no spans, no knex.
 *   batch   per partition batch, one pg transaction: one inbox INSERT of every message (three
 *           arrays unnested, … RETURNING the new ones), the projection upsert of each new one,
 *           COMMIT, then the offsets are resolved. The SQL EventConsumer runs, written by hand.
 *   together as batch, but the handler's writes are batched too: one projection upsert of every
 *           new event's aggregate (with its count), as an InboxRun does.
 */
import { Kafka, logLevel, type Consumer, type IHeaders, type KafkaMessage } from "kafkajs";
import type { PoolClient } from "pg";
import { baselinePool } from "../../lib/database";
import type { RepMetrics, ScenarioFactory } from "../../lib/protocol";
import { CONCURRENT_PARTITIONS, consumePass, projectionOfRun, type Countdown } from "../consume-common";

const header = (h: IHeaders | undefined, name: string) => String(h?.[name] ?? "");
const INBOX =
  'insert into "inbox" ("consumer", "event_id", "event_source", "event_type") values ($1, $2, $3, $4) ' +
  'on conflict ("consumer", "event_source", "event_id") do nothing returning "event_id"';
const PROJECTION =
  'insert into "projection" ("aggregate_id", "events") values ($1, 1) ' +
  'on conflict ("aggregate_id") do update set "events" = "projection"."events" + 1';

const INBOX_RUN =
  'insert into "inbox" ("consumer", "event_source", "event_id", "event_type") select $1, e.source, e.id, e.type ' +
  "from unnest($2::text[], $3::text[], $4::text[]) as e(source, id, type) " +
  'on conflict ("consumer", "event_source", "event_id") do nothing returning "event_id"';

type Mode = "read" | "txn" | "batch" | "together";

export const create: ScenarioFactory = async (config) => {
  const kafka = new Kafka({ clientId: "bench-baseline-consume", brokers: config.brokers, logLevel: logLevel.WARN });
  const pool = baselinePool(config.databaseUrl, config.schemas.inbox);
  let consumer: Consumer | undefined;
  let passes = 0;

  /** The inbox row and, the first time, the handler's write. */
  const apply = async (client: PoolClient, name: string, message: KafkaMessage) => {
    const { rowCount } = await client.query(INBOX, [
      name,
      header(message.headers, "ce_id"),
      header(message.headers, "ce_source"),
      header(message.headers, "ce_type"),
    ]);
    if (rowCount) await client.query(PROJECTION, [header(message.headers, "ce_subject")]);
  };

  const pass = async (topic: string, n: number, mode: Mode) => {
    const name = `baseline-${config.runId}-${passes++}`;
    return consumePass(n, topic, {
      async start(countdown: Countdown) {
        consumer = kafka.consumer({ groupId: `${config.namespace}.${name}`, sessionTimeout: 30000, heartbeatInterval: 3000 });
        await consumer.connect();
        await consumer.subscribe({ topics: [topic], fromBeginning: true });
        if (mode === "batch" || mode === "together") {
          await consumer.run({
            autoCommit: true,
            partitionsConsumedConcurrently: CONCURRENT_PARTITIONS,
            eachBatchAutoResolve: false,
            eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
              const client = await pool.connect();
              try {
                await client.query("BEGIN");
                // The inbox statement EventConsumer sends: the run's events as three arrays.
                const sources: string[] = [];
                const ids: string[] = [];
                const types: string[] = [];
                for (const m of batch.messages) {
                  sources.push(header(m.headers, "ce_source"));
                  ids.push(header(m.headers, "ce_id"));
                  types.push(header(m.headers, "ce_type"));
                }
                const { rows } = await client.query<{ event_id: string }>(INBOX_RUN, [name, sources, ids, types]);
                const fresh = new Set(rows.map((r) => r.event_id));
                const subjects = batch.messages
                  .filter((m) => fresh.delete(header(m.headers, "ce_id")))
                  .map((m) => header(m.headers, "ce_subject"));
                if (mode === "batch") for (const subject of subjects) await client.query(PROJECTION, [subject]);
                else if (subjects.length > 0) {
                  const { sql, params: counts } = projectionOfRun(subjects, (i) => `$${i}`);
                  await client.query(sql, counts);
                }
                await client.query("COMMIT");
              } finally {
                client.release();
              }
              for (const message of batch.messages) {
                resolveOffset(message.offset);
                countdown.hit();
              }
              await heartbeat();
            },
          });
          return;
        }
        await consumer.run({
          autoCommit: true,
          partitionsConsumedConcurrently: CONCURRENT_PARTITIONS,
          eachMessage: async ({ message }) => {
            if (mode === "txn") {
              const client = await pool.connect();
              try {
                await client.query("BEGIN");
                await apply(client, name, message);
                await client.query("COMMIT");
              } finally {
                client.release();
              }
            }
            countdown.hit();
          },
        });
      },
      async stop() {
        await consumer?.disconnect();
      },
    });
  };

  return {
    async warmup() {
      for (const mode of ["read", "txn", "batch", "together"] as const)
        await pass(config.topics.consumeWarmup, config.sizes.consumeWarmupEvents, mode);
    },
    async measure(): Promise<RepMetrics> {
      const read = await pass(config.topics.consume, config.sizes.consumeEvents, "read");
      const txn = await pass(config.topics.consume, config.sizes.consumeEvents, "txn");
      const batch = await pass(config.topics.consume, config.sizes.consumeEvents, "batch");
      const together = await pass(config.topics.consume, config.sizes.consumeEvents, "together");
      return {
        events_per_s: read.eventsPerS,
        cpu_us: read.cpuUs,
        txn_events_per_s: txn.eventsPerS,
        txn_cpu_us: txn.cpuUs,
        batch_events_per_s: batch.eventsPerS,
        batch_cpu_us: batch.cpuUs,
        batch_gc_us: batch.gcUs,
        together_events_per_s: together.eventsPerS,
        together_cpu_us: together.cpuUs,
        together_gc_us: together.gcUs,
      };
    },
    async teardown() {
      await pool.end();
    },
  };
};
