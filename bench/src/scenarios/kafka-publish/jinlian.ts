/**
 * The transactional outbox: use cases append events with `appendToOutbox` in their transaction;
 * the `OutboxRelay` (leader session, LISTEN/NOTIFY wake-ups, batches of 100 in commit order,
 * idempotent single-in-flight producer, PRODUCER spans, rows marked after the ack) publishes them.
 *
 *   per-event  `publishWriters` concurrent use cases, each committing one event in its own
 *              transaction inside a SERVER span (as a gRPC call would); throughput from the first
 *              commit's start to the last ack; latency is commit -> Kafka ack.
 *   batched    a backlog of `drainEvents` rows committed at once; throughput of the relay alone.
 *
 * Acks are observed by wrapping the producer's sendBatch (the relay marks rows right after it).
 */
import { appendToOutbox, createDatabase, createKafka, createProducer, inSpan, OutboxRelay, SpanKind } from "@jinlian/chassis";
import type { Producer } from "kafkajs";
import { benchEvent } from "../../lib/fixtures";
import { benchLogger } from "../../lib/jinlian";
import type { RepMetrics, ScenarioFactory } from "../../lib/protocol";
import { cpuMs, nowMs, runClosedLoop, summarise } from "../../lib/stats";

/** Counts acked messages and remembers when each event id was acked. */
class Acks {
  readonly at = new Map<string, number>();
  private want = 0;
  private resolve?: () => void;
  last = 0;
  /** Time spent inside sendBatch and how many batches, since expect(). */
  sendMs = 0;
  batches = 0;

  expect(n: number): Promise<void> {
    this.at.clear();
    this.sendMs = 0;
    this.batches = 0;
    this.want = n;
    return new Promise((resolve, reject) => {
      this.resolve = resolve;
      setTimeout(() => reject(new Error(`only ${this.at.size} of ${n} events acked after 120 s`)), 120_000).unref();
    });
  }

  record(messages: { headers?: Record<string, unknown> }[]): void {
    const t = nowMs();
    for (const m of messages) this.at.set(String(m.headers?.ce_id), t);
    this.last = t;
    if (this.at.size >= this.want) this.resolve?.();
  }
}

export const create: ScenarioFactory = async (config) => {
  const logger = benchLogger();
  const schema = config.schemas.outbox;
  const db = createDatabase({ url: config.databaseUrl, schema, applicationName: "bench-jinlian" });
  const kafka = createKafka({ brokers: config.brokers, clientId: "bench-jinlian-publish", logger });
  const producer = createProducer(kafka);
  await producer.connect();
  const acks = new Acks();
  const observed: Producer = {
    ...producer,
    sendBatch: async (batch) => {
      const t0 = nowMs();
      const result = await producer.sendBatch(batch);
      acks.sendMs += nowMs() - t0;
      acks.batches++;
      for (const t of batch.topicMessages ?? []) acks.record(t.messages);
      return result;
    },
  };
  const relay = new OutboxRelay({ db, url: config.databaseUrl, schema, producer: observed, logger });
  relay.start();
  for (let i = 0; !relay.isLeader; i++) {
    if (i > 200) throw new Error("the relay did not become leader within 10 s");
    await new Promise((r) => setTimeout(r, 50));
  }
  const topic = config.topics.publish;
  const { publishEvents, publishWriters, drainEvents, warmupFraction } = config.sizes;

  const perEvent = async (n: number) => {
    const done = acks.expect(n);
    const committed = new Map<string, number>();
    const begun = new Map<string, number>();
    const cpu0 = cpuMs();
    const started = nowMs();
    await runClosedLoop(n, publishWriters, async (i) => {
      const event = benchEvent(i);
      begun.set(event.id, nowMs());
      await inSpan("bench.use-case", { kind: SpanKind.SERVER }, () => db.transaction((trx) => appendToOutbox(trx, [{ topic, event }])));
      committed.set(event.id, nowMs());
    });
    await done;
    const cpu = cpuMs() - cpu0;
    const since = (from: Map<string, number>) =>
      [...from].map(([id, t]) => (acks.at.get(id) ?? Number.NaN) - t).filter((x) => Number.isFinite(x));
    return { elapsedMs: acks.last - started, lags: since(committed), total: since(begun), cpuMs: cpu, perBatch: n / acks.batches };
  };

  const backlog = async (n: number) => {
    const done = acks.expect(n);
    const events = Array.from({ length: n }, (_, i) => ({ topic, event: benchEvent(i) }));
    await inSpan("bench.use-case", { kind: SpanKind.SERVER }, () => db.transaction((trx) => appendToOutbox(trx, events)));
    const committedAt = nowMs();
    const cpu0 = cpuMs();
    await done;
    const elapsedMs = acks.last - committedAt;
    return { elapsedMs, cpuMs: cpuMs() - cpu0, sendShare: acks.sendMs / elapsedMs, msPerBatch: elapsedMs / acks.batches };
  };

  /** Published rows are kept by the relay for a week; clear them so every repetition starts alike. */
  const reset = async () => {
    await new Promise((r) => setTimeout(r, 100));
    await db.raw("truncate outbox");
  };

  return {
    async warmup() {
      await perEvent(Math.ceil(publishEvents * warmupFraction));
      await reset();
      await backlog(Math.ceil(drainEvents * warmupFraction));
      await reset();
    },
    async measure(): Promise<RepMetrics> {
      const e2e = await perEvent(publishEvents);
      await reset();
      const { p50, p99 } = summarise(e2e.lags);
      const total = summarise(e2e.total);
      const drain = await backlog(drainEvents);
      await reset();
      return {
        perevent_eps: (publishEvents / e2e.elapsedMs) * 1000,
        perevent_p50_ms: p50,
        perevent_p99_ms: p99,
        perevent_total_p50_ms: total.p50,
        perevent_total_p99_ms: total.p99,
        perevent_cpu_us: (e2e.cpuMs * 1000) / publishEvents,
        batch_eps: (drainEvents / drain.elapsedMs) * 1000,
        batch_cpu_us: (drain.cpuMs * 1000) / drainEvents,
        info_events_per_relay_batch_when_4_writers: e2e.perBatch,
        info_backlog_ms_per_relay_batch: drain.msPerBatch,
        info_backlog_share_of_time_in_sendBatch: drain.sendShare,
      };
    },
    async teardown() {
      await relay.stop();
      await producer.disconnect();
      await db.destroy();
    },
  };
};
