/**
 * EventConsumer applies a partition's run of events in one transaction, three partitions at a
 * time as a node does, on a real broker and PostgreSQL. What the runs must keep: each event's effects exactly once (the
 * inbox row and the handler's write commit together), per-aggregate order, a refused event
 * dead-lettered while the events around it in its run are applied, a repeat turned away, and a
 * transient failure part-way through a run undoing the run and retrying it, with nothing applied
 * twice.
 */
import { randomUUID } from "node:crypto";
import {
  bulletinsEvents,
  createDatabase,
  createKafka,
  createLogger,
  createProducer,
  ensureTopics,
  EventConsumer,
  FailedPreconditionError,
  inboxHandler,
  migrate,
} from "@jinlian/chassis";
import type { Knex } from "knex";
import type { Producer } from "kafkajs";
import { adminDatabaseUrl, createTestDatabase, type TestDatabase } from "../harness/database";
import { kafkaBrokers, uniqueNamespace, waitFor } from "../harness/kafka";
import { bulletinMessage } from "../support/bulletin-messages";
import { readDeadLetters } from "../support/dead-letters";

jest.setTimeout(120_000);

const SCHEMA = "batch_test";
const logger = createLogger({ level: "silent" });
const kafka = createKafka({ brokers: kafkaBrokers(), clientId: "batch-test", logger });
const ns = uniqueNamespace("batch");
const topic = `${ns}.120000.bulletins.to.120101`;
const dlq = `${ns}.120101.bulletins.dlq`;
const AGGREGATES = 8;
const PER_AGGREGATE = 60;
let database: TestDatabase;
let db: Knex;
let producer: Producer;
let consumer: EventConsumer;
/** Titles the handler refuses (dead-lettered), and titles that fail once as if the database had. */
const refused = new Set<string>();
const failOnce = new Set<string>();

function published(key: string, title: string) {
  return bulletinMessage(bulletinsEvents.published, key, { title, body: "b", version: 1 });
}

beforeAll(async () => {
  database = await createTestDatabase(adminDatabaseUrl(), "batch");
  db = createDatabase({ url: database.url, schema: SCHEMA });
  await migrate(db, SCHEMA, []);
  await db.raw(`create table applied (seq bigserial primary key, aggregate_id text not null, title text not null)`);
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, [
    { topic, partitions: 3 },
    { topic: dlq, partitions: 1 },
  ]);
  await admin.disconnect();
  producer = createProducer(kafka);
  await producer.connect();
  consumer = new EventConsumer({
    kafka,
    db,
    name: "deliveries",
    groupId: uniqueNamespace("batch-group"),
    topics: [topic],
    deadLetterTopic: dlq,
    producer,
    logger,
    retryBackoffMs: 10,
    concurrentPartitions: 3,
    handlers: [
      inboxHandler(bulletinsEvents.published, async (e, trx) => {
        await trx("applied").insert({ aggregate_id: e.subject, title: e.data.title });
        if (refused.has(e.data.title)) throw new FailedPreconditionError([{ type: "REFUSED", subject: e.subject, description: "refused" }]);
        if (failOnce.delete(e.data.title)) throw Object.assign(new Error("could not serialize access"), { code: "40001" });
      }),
    ],
  });
});

afterAll(async () => {
  await consumer?.stop();
  await producer?.disconnect();
  await db?.destroy();
  await database?.drop();
});

it("applies every event once and in its aggregate's order, dead-letters the refused one and survives a failure part-way", async () => {
  const keys = Array.from({ length: AGGREGATES }, () => randomUUID());
  const messages = [];
  for (let i = 0; i < PER_AGGREGATE; i++) for (const [k, key] of keys.entries()) messages.push(published(key, `${k}-${i}`));
  // A repeat of an event already sent (a relay re-send), and one the handler refuses, mid-run.
  const repeated = messages[100]!;
  messages.splice(200, 0, { ...repeated });
  refused.add("3-30");
  // Fails once as a serialization failure would: the whole run is undone and tried again.
  failOnce.add("5-40");
  for (let i = 0; i < messages.length; i += 100) await producer.send({ topic, acks: -1, messages: messages.slice(i, i + 100) });
  await consumer.start();

  const expected = AGGREGATES * PER_AGGREGATE - 1; // all but the refused one
  await waitFor(async () => Number((await db("applied").count<{ n: string }[]>({ n: "*" }))[0]!.n) >= expected, {
    timeoutMs: 60_000,
    intervalMs: 200,
    what: `${expected} events applied`,
  });
  await waitFor(async () => (await consumer.lag()).every((l) => l.lag === 0), {
    timeoutMs: 60_000,
    intervalMs: 200,
    what: "the partitions consumed",
  });

  const rows = (await db("applied").orderBy("seq").select("aggregate_id", "title")) as { aggregate_id: string; title: string }[];
  expect(rows).toHaveLength(expected); // nothing twice: not the repeat, not the run undone and retried
  for (const [k, key] of keys.entries()) {
    const titles = rows.filter((r) => r.aggregate_id === key).map((r) => r.title);
    expect(titles).toEqual(Array.from({ length: PER_AGGREGATE }, (_, i) => `${k}-${i}`).filter((t) => t !== "3-30"));
  }
  expect(failOnce.size).toBe(0);
  const inbox = Number((await db("inbox").where({ consumer: "deliveries" }).count<{ n: string }[]>({ n: "*" }))[0]!.n);
  expect(inbox).toBe(expected);
  const letters = await readDeadLetters(kafka, dlq, 1);
  expect(letters).toHaveLength(1);
  expect(letters[0]).toMatchObject({ key: keys[3], reason: "REFUSED" });
});
