/**
 * Bare kafkajs: an idempotent producer (acks=-1, one request in flight, murmur2 partitioner: the
 * settings the chassis uses) sending the same messages as the outbox relay would.
 *
 *   per-event  one message per send, `publishWriters` sends in flight: what a service would do if
 *              it published right after committing (no outbox); latency is send -> ack.
 *   dual-write per event, a pg transaction inserting the same row the outbox would hold (into a
 *              plain copy of the outbox table), then the send: a service without an outbox.
 *   batched    `sendBatchSize` messages per send, one send at a time: the relay's batching.
 */
import { Kafka, logLevel, Partitioners } from "kafkajs";
import { baselinePool } from "../../lib/database";
import { benchEvent, kafkaMessage } from "../../lib/fixtures";
import type { RepMetrics, ScenarioFactory } from "../../lib/protocol";
import { cpuMs, nowMs, runClosedLoop, summarise } from "../../lib/stats";

export const create: ScenarioFactory = async (config) => {
  const kafka = new Kafka({ clientId: "bench-baseline-publish", brokers: config.brokers, logLevel: logLevel.WARN });
  const producer = kafka.producer({
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await producer.connect();
  const pool = baselinePool(config.databaseUrl, config.schemas.outbox);
  const topic = config.topics.publish;
  const { publishEvents, publishWriters, drainEvents, sendBatchSize, warmupFraction } = config.sizes;

  const perEvent = async (n: number) =>
    runClosedLoop(n, publishWriters, (i) => producer.send({ topic, acks: -1, messages: [kafkaMessage(benchEvent(i))] }));

  const dualWrite = async (n: number) =>
    runClosedLoop(n, publishWriters, async (i) => {
      const message = kafkaMessage(benchEvent(i));
      const { traceparent: _tp, ...ce } = message.headers;
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        await client.query(
          'insert into "dual_write" ("event_id", "event_type", "headers", "message_key", "payload", "topic") values ($1, $2, $3, $4, $5, $6)',
          [ce.ce_id, ce.ce_type, ce, message.key, message.value, topic],
        );
        await client.query("COMMIT");
      } finally {
        client.release();
      }
      await producer.send({ topic, acks: -1, messages: [message] });
    });

  const batched = async (n: number) => {
    const cpu0 = cpuMs();
    const started = nowMs();
    for (let sent = 0; sent < n; sent += sendBatchSize) {
      const messages = Array.from({ length: Math.min(sendBatchSize, n - sent) }, (_, j) => kafkaMessage(benchEvent(sent + j)));
      await producer.send({ topic, acks: -1, messages });
    }
    return { elapsedMs: nowMs() - started, cpuMs: cpuMs() - cpu0 };
  };

  return {
    async warmup() {
      await perEvent(Math.ceil(publishEvents * warmupFraction));
      await dualWrite(Math.ceil(publishEvents * warmupFraction));
      await batched(Math.ceil(drainEvents * warmupFraction));
    },
    async measure(): Promise<RepMetrics> {
      const e2e = await perEvent(publishEvents);
      const { p50, p99 } = summarise(e2e.latencies);
      const dual = await dualWrite(publishEvents);
      const { p50: dualP50, p99: dualP99 } = summarise(dual.latencies);
      const drain = await batched(drainEvents);
      return {
        perevent_eps: (publishEvents / e2e.elapsedMs) * 1000,
        dualwrite_eps: (publishEvents / dual.elapsedMs) * 1000,
        dualwrite_p50_ms: dualP50,
        dualwrite_p99_ms: dualP99,
        dualwrite_cpu_us: (dual.cpuMs * 1000) / publishEvents,
        perevent_p50_ms: p50,
        perevent_p99_ms: p99,
        perevent_cpu_us: (e2e.cpuMs * 1000) / publishEvents,
        batch_eps: (drainEvents / drain.elapsedMs) * 1000,
        batch_cpu_us: (drain.cpuMs * 1000) / drainEvents,
      };
    },
    async teardown() {
      await producer.disconnect();
      await pool.end();
    },
  };
};
