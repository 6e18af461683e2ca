/**
 * The outbox relay on a real PostgreSQL and broker: exactly one relay per schema publishes; when
 * the leader's session dies a new session takes the lock; nothing is lost and each aggregate's events stay
 * in commit order across the failover.
 */
import { randomUUID } from "node:crypto";
import {
  appendToOutbox,
  createDatabase,
  createKafka,
  createLogger,
  createProducer,
  inSpan,
  migrate,
  OutboxRelay,
  type CloudEvent,
} from "@jinlian/chassis";
import { installInMemoryTracing } from "@jinlian/chassis/testing";
import { SpanKind } from "@opentelemetry/api";
import type { Knex } from "knex";
import type { Consumer, Producer } from "kafkajs";
import type { TestDatabase } from "../harness/database";
import { outboxTestBed } from "../support/outbox-bed";
import { kafkaBrokers, uniqueNamespace, waitFor } from "../harness/kafka";
import { query } from "../support/db";

jest.setTimeout(240_000);

const SCHEMA = "relay_test";
const logger = createLogger({ level: "silent" });
const kafka = createKafka({ brokers: kafkaBrokers(), clientId: "relay-test", logger });
// A real catalogue topic and type: the outbox refuses what the stream catalogue does not declare.
const topic = `${uniqueNamespace("relay")}.120000.bulletins.to.120101`;
let database: TestDatabase;
let db: Knex;
const producers: Producer[] = [];
let consumer: Consumer;
const received: { key: string; seq: number; traceparent?: string }[] = [];
const { exporter } = installInMemoryTracing();

function event(aggregate: string, seq: number): CloudEvent {
  return {
    id: randomUUID(),
    source: "/jinlian/120000/bulletins",
    type: "jinlian.bulletins.bulletin.published.v1",
    time: new Date(),
    subject: aggregate,
    dataschema: "urn:jinlian:protobuf:jinlian.bulletins.events.v1.BulletinPublished",
    data: Buffer.from(String(seq)),
  };
}

async function append(aggregates: string[], from: number, count: number): Promise<void> {
  for (let i = from; i < from + count; i++) {
    await db.transaction((trx: Knex.Transaction) =>
      appendToOutbox(
        trx,
        aggregates.map((a) => ({ topic, event: event(a, i) })),
      ),
    );
  }
}

function relay(): OutboxRelay {
  const producer = createProducer(kafka);
  producers.push(producer);
  return new OutboxRelay({ db, url: database.url, schema: SCHEMA, producer, logger, pollIntervalMs: 100, leaderRetryMs: 300 });
}

beforeAll(async () => {
  ({ database, db } = await outboxTestBed("relay", SCHEMA, kafka, { topic, partitions: 3 }));
  consumer = kafka.consumer({ groupId: uniqueNamespace("relay-reader"), allowAutoTopicCreation: false });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) =>
      void received.push({
        key: String(message.key),
        seq: Number(String(message.value)),
        traceparent: message.headers?.traceparent?.toString(),
      }),
  });
  for (const p of producers) await p.connect();
});

afterAll(async () => {
  await consumer?.disconnect();
  for (const p of producers) await p.disconnect().catch(() => undefined);
  await db?.destroy();
  await database?.drop();
});

it("refuses an event type the stream catalogue does not declare for the topic", async () => {
  const undeclared = { ...event("agg-0", 0), type: "jinlian.liaison.organisation.registered.v1" }; // another service's event
  await expect(db.transaction((trx: Knex.Transaction) => appendToOutbox(trx, [{ topic, event: undeclared }]))).rejects.toThrow(
    /not declared/,
  );
});

it("has one leader, fails over when its session dies, and keeps per-aggregate order", async () => {
  const [a, b] = [relay(), relay()];
  for (const p of producers) await p.connect();
  // Fresh aggregates per attempt, so a retried attempt does not count the first one's events.
  const run = randomUUID().slice(0, 8);
  const aggregates = ["agg-1", "agg-2", "agg-3"].map((x) => `${x}-${run}`);
  const mine = () => received.filter((r) => aggregates.includes(r.key));
  try {
    a.start();
    await waitFor(async () => a.isLeader, { timeoutMs: 10_000, intervalMs: 50, what: "relay a to lead" });
    b.start();
    await append(aggregates, 0, 10);
    await waitFor(async () => mine().length >= 30 && true, { timeoutMs: 60_000, intervalMs: 100, what: "30 events via relay a" });
    expect(b.isLeader).toBe(false);

    // Kill the leader's database session, as a crashed pod or a network cut would. Only the
    // leader's: the lease names its backend. Either relay may lead afterwards (a reconnects at
    // once and may win the lock again, faster than a poll could see it lose it); what matters is
    // that a new session holds the lock, there is one leader, and nothing is lost or reordered.
    const [lease] = await query<{ holder_pid: number }>(database.url, `select holder_pid from ${SCHEMA}.outbox_relay_lease where id = 1`);
    const killed = await query<{ ok: boolean }>(database.url, "select pg_terminate_backend($1) as ok", [lease!.holder_pid]);
    expect(killed[0]!.ok).toBe(true);
    await waitFor(
      async () => {
        const [now] = await query<{ holder_pid: number }>(database.url, `select holder_pid from ${SCHEMA}.outbox_relay_lease where id = 1`);
        return now!.holder_pid !== lease!.holder_pid && a.isLeader !== b.isLeader;
      },
      { timeoutMs: 30_000, intervalMs: 50, what: "a new session to hold the lock, with exactly one leader" },
    );
    await append(aggregates, 10, 10);
    await waitFor(async () => mine().length >= 60 && true, {
      timeoutMs: 60_000,
      intervalMs: 100,
      what: "60 events after failover",
    });
    expect([a.isLeader, b.isLeader].filter(Boolean)).toHaveLength(1);

    // Every event arrived; duplicates are allowed (at-least-once), reordering within an aggregate is not.
    for (const key of aggregates) {
      const seqs = mine()
        .filter((r) => r.key === key)
        .map((r) => r.seq);
      const firstSeen = seqs.filter((s, i) => seqs.indexOf(s) === i);
      expect(firstSeen).toEqual(Array.from({ length: 20 }, (_, i) => i));
    }
    const pending = await query<{ n: string }>(database.url, `select count(*) as n from ${SCHEMA}.outbox where published_at is null`);
    expect(Number(pending[0]!.n)).toBe(0);
  } finally {
    await a.stop();
    await b.stop();
  }
});

it("publishes a commit announced while a batch was in flight at once, not after a poll interval", async () => {
  const producer = createProducer(kafka);
  await producer.connect();
  const run = randomUUID().slice(0, 8);
  const [first, second] = [`first-${run}`, `second-${run}`];
  // The first send waits until the relay's read-ahead has run, then a second event is committed
  // and its notification has had time to land, all before that send goes out.
  let armed = true;
  const send = producer.sendBatch.bind(producer);
  producer.sendBatch = async (batch) => {
    if (armed) {
      armed = false;
      await new Promise((r) => setTimeout(r, 300));
      await append([second], 0, 1);
      await new Promise((r) => setTimeout(r, 300));
    }
    return send(batch);
  };
  // Polling alone would find the second event only after a minute.
  const r = new OutboxRelay({ db, url: database.url, schema: SCHEMA, producer, logger, pollIntervalMs: 60_000, leaderRetryMs: 300 });
  try {
    r.start();
    await waitFor(async () => r.isLeader, { timeoutMs: 10_000, intervalMs: 50, what: "the relay to lead" });
    await append([first], 0, 1);
    await waitFor(async () => received.some((x) => x.key === second), { timeoutMs: 15_000, intervalMs: 50, what: "the second event" });
  } finally {
    await r.stop();
    await producer.disconnect();
  }
});

it("sends each row with the trace context it was written in, under one PRODUCER span per batch linked to those contexts", async () => {
  exporter.reset();
  const run = randomUUID().slice(0, 8);
  const aggregates = [`a-${run}`, `b-${run}`, `c-${run}`];
  // Two use cases: one writes two events in its transaction, the other one.
  const writers = [
    await inSpan("use case 1", {}, async (span) => (await append(aggregates.slice(0, 2), 0, 1), span.spanContext())),
    await inSpan("use case 2", {}, async (span) => (await append(aggregates.slice(2), 0, 1), span.spanContext())),
  ];
  const r = relay();
  await producers.at(-1)!.connect();
  try {
    r.start();
    await waitFor(async () => aggregates.every((a) => received.some((x) => x.key === a)), {
      timeoutMs: 30_000,
      intervalMs: 50,
      what: "the three events",
    });
  } finally {
    await r.stop();
  }
  const traceparent = (c: { traceId: string; spanId: string }) => `00-${c.traceId}-${c.spanId}-01`;
  expect(aggregates.map((a) => received.find((x) => x.key === a)!.traceparent)).toEqual([
    traceparent(writers[0]!),
    traceparent(writers[0]!),
    traceparent(writers[1]!),
  ]);
  const batches = exporter
    .getFinishedSpans()
    .filter((s) => s.kind === SpanKind.PRODUCER && s.attributes["messaging.destination.name"] === topic);
  const linked = batches.flatMap((s) => s.links.map((l) => l.context.spanId));
  expect(linked).toEqual(expect.arrayContaining(writers.map((w) => w.spanId)));
  // One link per context, however many rows were written in it.
  for (const s of batches) expect(new Set(s.links.map((l) => l.context.spanId)).size).toBe(s.links.length);
  expect(batches.reduce((n, s) => n + Number(s.attributes["messaging.batch.message_count"]), 0)).toBeGreaterThanOrEqual(3);
  for (const s of batches) expect(writers.map((w) => w.traceId)).not.toContain(s.spanContext().traceId);
});

it("has the outbox vacuumed every few thousand rows, not at a fifth of a week's rows", async () => {
  const rows = await query<{ reloptions: string[] }>(
    database.url,
    "select c.reloptions from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = $1 and c.relname = 'outbox'",
    [SCHEMA],
  );
  expect(rows[0]!.reloptions).toEqual(expect.arrayContaining(["autovacuum_vacuum_scale_factor=0", "autovacuum_vacuum_threshold=5000"]));
});

it("drains a backlog committed before any analyze reading each row a bounded number of times, not every row per batch", async () => {
  // A schema of its own, freshly migrated: its outbox has never been analyzed, as after a burst
  // that lands between two autovacuum rounds (or on a server with autovacuum off).
  const schema = "relay_backlog";
  const backlogDb = createDatabase({ url: database.url, schema });
  const producer = createProducer(kafka);
  await producer.connect();
  const r = new OutboxRelay({ db: backlogDb, url: database.url, schema, producer, logger, pollIntervalMs: 100 });
  const rows = 20_000;
  const key = `backlog-${randomUUID().slice(0, 8)}`;
  try {
    await migrate(backlogDb, schema, []);
    await backlogDb.transaction((trx: Knex.Transaction) =>
      appendToOutbox(
        trx,
        Array.from({ length: rows }, (_, i) => ({ topic, event: event(key, i) })),
      ),
    );
    r.start();
    // Watched from the consumer's side: a count in the outbox would scan it too.
    await waitFor(async () => received.filter((x) => x.key === key).length >= rows, {
      timeoutMs: 120_000,
      intervalMs: 200,
      what: `the relay to publish ${rows} rows`,
    });
  } finally {
    await r.stop(); // its session ends, and its backend reports what it read
    await producer.disconnect();
    await backlogDb.destroy();
  }
  // Entries the relay's reads took from the unpublished index: each batch's read should pass
  // about its own rows and the batch before it (marked, not yet known dead): some 3·rows in all.
  // Gathering and sorting every unpublished row for each batch reads rows²/batch: ~800,000.
  const read = async () => {
    const [stats] = await query<{ n: string }>(
      database.url,
      "select idx_tup_read as n from pg_stat_user_indexes where schemaname = $1 and indexrelname = 'outbox_unpublished'",
      [schema],
    );
    return Number(stats!.n);
  };
  await waitFor(async () => (await read()) >= rows, { timeoutMs: 15_000, intervalMs: 200, what: "the relay's reads in the statistics" });
  expect(await read()).toBeLessThan(5 * rows);
  const [left] = await query<{ n: string }>(database.url, `select count(*) as n from ${schema}.outbox where published_at is null`);
  expect(Number(left!.n)).toBe(0);
});
