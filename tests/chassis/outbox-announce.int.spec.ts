/**
 * The outbox's wake-up (migration 0011, OutboxRelay.rest): a commit is announced only while no
 * relay holds the schema's "awake" lock, and a relay that rests never misses a commit it was not
 * told of. The relay here polls once a minute, so an event it should have been woken for arrives
 * a minute late and the test fails on its bound instead.
 */
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import {
  appendToOutbox,
  createKafka,
  createLogger,
  createProducer,
  outboxChannel,
  outboxRelayLocks,
  OutboxRelay,
  type CloudEvent,
} from "@jinlian/chassis";
import type { Knex } from "knex";
import type { Consumer, Producer } from "kafkajs";
import { Client } from "pg";
import type { TestDatabase } from "../harness/database";
import { outboxTestBed } from "../support/outbox-bed";
import { kafkaBrokers, uniqueNamespace, waitFor } from "../harness/kafka";

jest.setTimeout(180_000);

const SCHEMA = "announce_test";
const locks = outboxRelayLocks(SCHEMA);
const logger = createLogger({ level: "silent" });
const kafka = createKafka({ brokers: kafkaBrokers(), clientId: "announce-test", logger });
const topic = `${uniqueNamespace("announce")}.120000.bulletins.to.120101`;
let database: TestDatabase;
let db: Knex;
let producer: Producer;
let consumer: Consumer;
let listener: Client;
let holder: Client;
let announcements = 0;
/** When each event id reached the topic's reader. */
const arrived = new Map<string, number>();

function event(): CloudEvent {
  return {
    id: randomUUID(),
    source: "/jinlian/120000/bulletins",
    type: "jinlian.bulletins.bulletin.published.v1",
    time: new Date(),
    subject: `bulletin-${randomUUID().slice(0, 8)}`,
    dataschema: "urn:jinlian:protobuf:jinlian.bulletins.events.v1.BulletinPublished",
    data: Buffer.from("x"),
  };
}

async function append(): Promise<string> {
  const e = event();
  await db.transaction((trx: Knex.Transaction) => appendToOutbox(trx, [{ topic, event: e }]));
  return e.id;
}

beforeAll(async () => {
  ({ database, db } = await outboxTestBed("announce", SCHEMA, kafka, { topic, partitions: 3 }));
  producer = createProducer(kafka);
  await producer.connect();
  consumer = kafka.consumer({ groupId: uniqueNamespace("announce-reader"), allowAutoTopicCreation: false });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => void arrived.set(String(message.headers?.ce_id), Date.now()) });
  listener = new Client({ connectionString: database.url });
  await listener.connect();
  listener.on("notification", () => announcements++);
  await listener.query(`listen "${outboxChannel(SCHEMA)}"`);
  holder = new Client({ connectionString: database.url });
  await holder.connect();
});

afterAll(async () => {
  await consumer?.disconnect();
  await producer?.disconnect().catch(() => undefined);
  await listener?.end().catch(() => undefined);
  await holder?.end().catch(() => undefined);
  await db?.destroy();
  await database?.drop();
});

it("announces a commit only while no relay holds the awake lock; an inserting transaction holds the writers lock until it ends", async () => {
  await holder.query("select pg_advisory_lock(hashtextextended($1, 0))", [locks.awake]);
  const before = announcements;
  await append();
  await append();
  await sleep(300);
  expect(announcements).toBe(before);

  await holder.query("select pg_advisory_unlock(hashtextextended($1, 0))", [locks.awake]);
  await append();
  await waitFor(async () => announcements > before, { timeoutMs: 5_000, intervalMs: 20, what: "the commit's announcement" });

  // Open: the writers lock is held, so a resting relay waits for this commit before its last read.
  const writersFree = async () =>
    (
      await holder.query<{ free: boolean }>(
        "select case when pg_try_advisory_lock(hashtextextended($1, 0)) then pg_advisory_unlock(hashtextextended($1, 0)) else false end as free",
        [locks.writers],
      )
    ).rows[0]!.free;
  const trx = await db.transaction();
  let heldOpen: boolean;
  try {
    await appendToOutbox(trx, [{ topic, event: event() }]);
    await trx.raw("select 1"); // the insert goes with COMMIT or before the next statement: this one
    heldOpen = !(await writersFree());
  } finally {
    await trx.rollback();
  }
  expect(heldOpen).toBe(true);
  expect(await writersFree()).toBe(true);
});

/** Whether a relay holds the awake lock now: the look the trigger takes. */
async function relayAwake(trx: Knex.Transaction): Promise<boolean> {
  const { rows } = await trx.raw<{ rows: { free: boolean }[] }>(
    "select case when pg_try_advisory_lock_shared(hashtextextended(?, 0)) then pg_advisory_unlock_shared(hashtextextended(?, 0)) else false end as free",
    [locks.awake, locks.awake],
  );
  return !rows[0]!.free;
}

it("publishes a commit made unannounced, while the relay was awake, that ends after the relay found nothing more", async () => {
  const relay = new OutboxRelay({ db, url: database.url, schema: SCHEMA, producer, logger, pollIntervalMs: 60_000 });
  relay.start();
  const late: { id: string; committedAt: number; relayWasAwake: boolean }[] = [];
  try {
    await waitFor(async () => relay.isLeader, { timeoutMs: 10_000, intervalMs: 50, what: "the relay to lead" });
    for (let round = 0; round < 4; round++) {
      // A burst keeps the relay reading (awake); one transaction inserts in the middle of it and
      // commits well after the burst, when the relay has found nothing more and rests.
      let burstDone!: () => void;
      const burstOver = new Promise<void>((resolve) => (burstDone = resolve));
      let started!: () => void;
      const midBurst = new Promise<void>((resolve) => (started = resolve));
      const burst = Promise.all(
        Array.from({ length: 4 }, async (_, w) => {
          for (let i = 0; i < 30; i++) {
            await append();
            if (w === 0 && i === 15) started();
          }
        }),
      ).then(() => burstDone());
      const slow = (async () => {
        await midBurst;
        const e = event();
        let relayWasAwake = false;
        await db.transaction(async (trx: Knex.Transaction) => {
          await appendToOutbox(trx, [{ topic, event: e }]);
          relayWasAwake = await relayAwake(trx);
          await burstOver;
          await sleep(300);
        });
        late.push({ id: e.id, committedAt: Date.now(), relayWasAwake });
      })();
      await Promise.all([burst, slow]);
      await waitFor(async () => late.every((l) => arrived.has(l.id)), {
        timeoutMs: 20_000,
        intervalMs: 20,
        what: "the late commit on the topic (missed, it would wait for the minute's poll)",
      });
    }
  } finally {
    await relay.stop();
  }
  // The case under test happened: the relay was awake when the late transaction inserted.
  expect(late.some((l) => l.relayWasAwake)).toBe(true);
  for (const l of late) expect(arrived.get(l.id)! - l.committedAt).toBeLessThan(10_000);
});

it("publishes every commit promptly while the relay keeps waking and resting, slow transactions among them", async () => {
  const relay = new OutboxRelay({ db, url: database.url, schema: SCHEMA, producer, logger, pollIntervalMs: 60_000 });
  const committed = new Map<string, number>();
  const before = announcements;
  relay.start();
  try {
    await waitFor(async () => relay.isLeader, { timeoutMs: 10_000, intervalMs: 50, what: "the relay to lead" });
    // Eight writers in bursts and pauses, so the relay both stays awake and rests; every fifth
    // transaction inserts and then takes a while to commit, as a use case with more to do would.
    await Promise.all(
      Array.from({ length: 8 }, async (_, w) => {
        for (let i = 0; i < 40; i++) {
          const e = event();
          await db.transaction(async (trx: Knex.Transaction) => {
            await appendToOutbox(trx, [{ topic, event: e }]);
            if ((i + w) % 5 === 0) await sleep(20 + ((i * 7 + w * 13) % 60));
          });
          committed.set(e.id, Date.now());
          if (i % 8 === 7)
            await sleep(150 + ((w * 31) % 100)); // long enough for the relay to rest
          else await sleep((i * 3 + w) % 12);
        }
      }),
    );
    await waitFor(async () => [...committed.keys()].every((id) => arrived.has(id)), {
      timeoutMs: 30_000,
      intervalMs: 50,
      what: "every committed event on the topic (a commit missed would wait for the minute's poll)",
    });
  } finally {
    await relay.stop();
  }
  const latencies = [...committed].map(([id, at]) => arrived.get(id)! - at).sort((a, b) => a - b);
  expect(latencies.at(-1)!).toBeLessThan(10_000);
  // Both paths ran: some commits were announced (the relay resting), some not (the relay awake).
  const announced = announcements - before;
  expect(announced).toBeGreaterThan(0);
  expect(announced).toBeLessThan(committed.size);
});
