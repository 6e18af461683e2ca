/**
 * A relay leader cut off by a silent network fault (packets dropped, no reset) must not hold up
 * publication: PostgreSQL would keep its session, and the advisory lock, for as long as TCP takes
 * to notice. The leader renews a lease; a standby that finds the lease lapsed terminates the
 * silent session and takes over, within the lease plus a retry interval. The leader, its queries
 * bounded, gives up its session instead of hanging.
 */
import { randomUUID } from "node:crypto";
import { appendToOutbox, createKafka, createLogger, createProducer, OutboxRelay, type CloudEvent } from "@jinlian/chassis";
import type { Knex } from "knex";
import type { Consumer, Producer } from "kafkajs";
import type { TestDatabase } from "../harness/database";
import { outboxTestBed } from "../support/outbox-bed";
import { kafkaBrokers, uniqueNamespace, waitFor } from "../harness/kafka";
import { startBlackholeProxy, type BlackholeProxy } from "../support/blackhole-proxy";
import { query } from "../support/db";

jest.setTimeout(120_000);

const SCHEMA = "blackhole_test";
const LEASE_MS = 3_000;
const logger = createLogger({ level: "silent" });
const kafka = createKafka({ brokers: kafkaBrokers(), clientId: "blackhole-test", logger });
const topic = `${uniqueNamespace("blackhole")}.120000.bulletins.to.120101`;
let database: TestDatabase;
let db: Knex;
let proxy: BlackholeProxy;
let consumer: Consumer;
const producers: Producer[] = [];
const relays: OutboxRelay[] = [];
const received: number[] = [];

function event(seq: number): CloudEvent {
  return {
    id: randomUUID(),
    source: "/jinlian/120000/bulletins",
    type: "jinlian.bulletins.bulletin.published.v1",
    time: new Date(),
    subject: "one-aggregate",
    dataschema: "urn:jinlian:protobuf:jinlian.bulletins.events.v1.BulletinPublished",
    data: Buffer.from(String(seq)),
  };
}

async function append(from: number, count: number): Promise<void> {
  for (let i = from; i < from + count; i++)
    await db.transaction((trx: Knex.Transaction) => appendToOutbox(trx, [{ topic, event: event(i) }]));
}

async function relayVia(url: string): Promise<OutboxRelay> {
  const producer = createProducer(kafka);
  await producer.connect();
  producers.push(producer);
  const relay = new OutboxRelay({
    db,
    url,
    schema: SCHEMA,
    producer,
    logger,
    pollIntervalMs: 100,
    leaderRetryMs: 300,
    leaseMs: LEASE_MS,
    sessionTimeoutMs: 2_000,
  });
  relays.push(relay);
  return relay;
}

beforeAll(async () => {
  ({ database, db } = await outboxTestBed("blackhole", SCHEMA, kafka, { topic, partitions: 1 }));
  consumer = kafka.consumer({ groupId: uniqueNamespace("blackhole-reader"), allowAutoTopicCreation: false });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => void received.push(Number(String(message.value))) });
  const target = new URL(database.url);
  proxy = await startBlackholeProxy({ host: target.hostname, port: Number(target.port || 5432) });
});

afterAll(async () => {
  for (const r of relays) await r.stop();
  await proxy?.close();
  await consumer?.disconnect();
  for (const p of producers) await p.disconnect().catch(() => undefined);
  await db?.destroy();
  await database?.drop();
});

it("hands over to the standby within the lease when the leader's connection is black-holed", async () => {
  const viaProxy = new URL(database.url);
  viaProxy.hostname = "127.0.0.1";
  viaProxy.port = String(proxy.port);
  const a = await relayVia(viaProxy.toString());
  const b = await relayVia(database.url);
  a.start();
  await waitFor(async () => a.isLeader, { timeoutMs: 10_000, intervalMs: 50, what: "relay a (behind the proxy) to lead" });
  b.start();
  await append(0, 5);
  await waitFor(async () => new Set(received).size >= 5, { timeoutMs: 30_000, intervalMs: 100, what: "5 events via relay a" });
  expect(b.isLeader).toBe(false);

  proxy.blackhole();
  const cutAt = Date.now();
  await append(5, 5);
  await waitFor(async () => b.isLeader, { timeoutMs: 30_000, intervalMs: 50, what: "relay b to take over" });
  const tookOverMs = Date.now() - cutAt;
  // The lease, one standby retry interval and a margin for a loaded 2-core machine.
  expect(tookOverMs).toBeLessThan(LEASE_MS + 6_000);
  await waitFor(async () => new Set(received).size >= 10, { timeoutMs: 30_000, intervalMs: 100, what: "10 events after the takeover" });
  // The first-seen order of the one aggregate held across the takeover.
  expect(received.filter((s, i) => received.indexOf(s) === i)).toEqual(Array.from({ length: 10 }, (_, i) => i));
  // The cut-off leader gave up rather than hanging on its session.
  await waitFor(async () => !a.isLeader, { timeoutMs: 15_000, intervalMs: 100, what: "relay a to give up leadership" });
  const pending = await query<{ n: string }>(database.url, `select count(*) as n from ${SCHEMA}.outbox where published_at is null`);
  expect(Number(pending[0]!.n)).toBe(0);
});
