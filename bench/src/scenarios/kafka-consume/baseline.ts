/**
 * Bare kafkajs consumers (same session/heartbeat settings, autoCommit, one partition at a time),
 * two passes per repetition, each in a new group:
 *
 *   read    only counts messages: the ceiling of the client.
 *   txn     per message, what the inbox costs at minimum: a pooled pg client runs BEGIN, the
 *           same inbox INSERT … ON CONFLICT DO NOTHING RETURNING, COMMIT. Headers are read
 *           directly, no spans, no knex.
 */
import { Kafka, logLevel, type Consumer, type IHeaders } from "kafkajs";
import { baselinePool } from "../../lib/database";
import type { RepMetrics, ScenarioFactory } from "../../lib/protocol";
import { consumePass, type Countdown } from "../consume-common";

const header = (h: IHeaders | undefined, name: string) => String(h?.[name] ?? "");

export const create: ScenarioFactory = async (config) => {
  const kafka = new Kafka({ clientId: "bench-baseline-consume", brokers: config.brokers, logLevel: logLevel.WARN });
  const pool = baselinePool(config.databaseUrl, config.schemas.inbox);
  let consumer: Consumer | undefined;
  let passes = 0;

  const pass = async (topic: string, n: number, withTxn: boolean) => {
    const name = `baseline-${config.runId}-${passes++}`;
    return consumePass(n, topic, {
      async start(countdown: Countdown) {
        consumer = kafka.consumer({ groupId: `${config.namespace}.${name}`, sessionTimeout: 30000, heartbeatInterval: 3000 });
        await consumer.connect();
        await consumer.subscribe({ topics: [topic], fromBeginning: true });
        await consumer.run({
          autoCommit: true,
          partitionsConsumedConcurrently: 1,
          eachMessage: async ({ message }) => {
            if (withTxn) {
              const client = await pool.connect();
              try {
                await client.query("BEGIN");
                await client.query(
                  'insert into "inbox" ("consumer", "event_id", "event_source", "event_type") values ($1, $2, $3, $4) ' +
                    'on conflict ("consumer", "event_source", "event_id") do nothing returning "event_id"',
                  [name, header(message.headers, "ce_id"), header(message.headers, "ce_source"), header(message.headers, "ce_type")],
                );
                countdown.hit();
                await client.query("COMMIT");
              } finally {
                client.release();
              }
            } else {
              countdown.hit();
            }
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
      await pass(config.topics.consumeWarmup, config.sizes.consumeWarmupEvents, false);
      await pass(config.topics.consumeWarmup, config.sizes.consumeWarmupEvents, true);
    },
    async measure(): Promise<RepMetrics> {
      const read = await pass(config.topics.consume, config.sizes.consumeEvents, false);
      const txn = await pass(config.topics.consume, config.sizes.consumeEvents, true);
      return { events_per_s: read.eventsPerS, cpu_us: read.cpuUs, txn_events_per_s: txn.eventsPerS, txn_cpu_us: txn.cpuUs };
    },
    async teardown() {
      await pool.end();
    },
  };
};
