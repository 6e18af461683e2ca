/**
 * Replaying dead letters through the consumer that dead-lettered them, on a real broker and
 * PostgreSQL: a dry run lists and changes nothing; a replay applies them in the order they were
 * dead-lettered, records each outcome and does not replay a letter twice; when a letter fails
 * again, later letters of its aggregate wait (order holds) while other aggregates go on; a filter
 * narrows by key.
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
  replayDeadLetters,
} from "@jinlian/chassis";
import type { Knex } from "knex";
import type { Producer } from "kafkajs";
import { adminDatabaseUrl, createTestDatabase, type TestDatabase } from "../harness/database";
import { kafkaBrokers, uniqueNamespace, waitFor } from "../harness/kafka";
import { bulletinMessage } from "../support/bulletin-messages";
import { query } from "../support/db";

jest.setTimeout(120_000);

const SCHEMA = "replay_test";
const logger = createLogger({ level: "silent" });
const kafka = createKafka({ brokers: kafkaBrokers(), clientId: "replay-test", logger });
const ns = uniqueNamespace("replay");
const topic = `${ns}.120000.bulletins.to.120101`;
const dlq = `${ns}.120101.bulletins.dlq`;
let database: TestDatabase;
let db: Knex;
let producer: Producer;
let consumer: EventConsumer;
/** What the handler applied, as committed (a handler may run again; its effects commit once). */
const applied = async () => (await db("applied").orderBy("seq").pluck("title")) as string[];
/** Titles the handler refuses, as a dependency that is wrong until fixed would. */
const refused = new Set<string>();

function published(key: string, title: string) {
  return bulletinMessage(bulletinsEvents.published, key, { title, body: "b", version: 1 });
}

beforeAll(async () => {
  database = await createTestDatabase(adminDatabaseUrl(), "replay");
  db = createDatabase({ url: database.url, schema: SCHEMA });
  await migrate(db, SCHEMA, []);
  await db.raw("create table applied (seq bigserial primary key, title text not null)");
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, [
    { topic, partitions: 1 },
    { topic: dlq, partitions: 1 },
  ]);
  await admin.disconnect();
  producer = createProducer(kafka);
  await producer.connect();
  consumer = new EventConsumer({
    kafka,
    db,
    name: "deliveries",
    groupId: uniqueNamespace("replay-group"),
    topics: [topic],
    deadLetterTopic: dlq,
    producer,
    logger,
    handlers: [
      inboxHandler(bulletinsEvents.published, async (e, trx) => {
        if (refused.has(e.data.title)) throw new FailedPreconditionError([{ type: "NOT_YET", subject: e.subject, description: "not yet" }]);
        await trx("applied").insert({ title: e.data.title });
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

const replay = (extra: Partial<Parameters<typeof replayDeadLetters>[0]> = {}) =>
  replayDeadLetters({ kafka, db, target: consumer, actor: "ops", logger, ...extra });

it("replays in order, records outcomes, holds an aggregate behind a letter that fails again, and never replays twice", async () => {
  const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
  for (const t of ["a1", "a2", "c1", "c2"]) refused.add(t);
  await producer.send({
    topic,
    acks: -1,
    messages: [published(a, "a1"), published(b, "b1"), published(c, "c1"), published(a, "a2"), published(c, "c2")],
  });
  await consumer.start();
  await waitFor(async () => (await applied()).includes("b1"), { timeoutMs: 60_000, intervalMs: 100, what: "the healthy aggregate" });
  // Every message dealt with (applied or dead-lettered, its offset committed) before stopping.
  await waitFor(async () => (await consumer.lag()).every((l) => l.lag === 0), {
    timeoutMs: 60_000,
    intervalMs: 200,
    what: "the partition consumed",
  });
  await consumer.stop(); // replays run while the consumer is quiet
  expect(await applied()).toEqual(["b1"]);

  const dry = await replay({ dryRun: true });
  expect(dry.map((l) => [l.key, l.outcome])).toEqual([
    [a, "would-replay"],
    [c, "would-replay"],
    [a, "would-replay"],
    [c, "would-replay"],
  ]);
  expect(await query(database.url, `select 1 from ${SCHEMA}.dead_letter_replays`)).toEqual([]);

  // a is fixed; c1 is still wrong, so c2 must not overtake it.
  refused.delete("a1");
  refused.delete("a2");
  refused.delete("c2");
  const first = await replay();
  expect(first.map((l) => [l.key, l.outcome])).toEqual([
    [a, "handled"],
    [c, "dead-lettered"],
    [a, "handled"],
    [c, "behind-failure"],
  ]);
  expect(await applied()).toEqual(["b1", "a1", "a2"]);

  // c1 fixed: a replay narrowed to c applies c1 then c2. The letter c1 left when it failed again
  // is replayed too, and the inbox makes it a no-op: nothing is applied twice.
  refused.delete("c1");
  const second = await replay({ filter: { key: c } });
  expect(second.every((l) => l.key === c)).toBe(true);
  expect(second.map((l) => l.outcome)).toEqual(["handled", "handled", "handled"]);
  expect(await applied()).toEqual(["b1", "a1", "a2", "c1", "c2"]);
  const again = await replay();
  expect(again.every((l) => l.outcome === "already-replayed" || l.outcome === "handled" || l.outcome === "behind-failure")).toBe(true);
  expect(await applied()).toEqual(["b1", "a1", "a2", "c1", "c2"]);
  const recorded = await query<{ outcome: string; actor: string }>(
    database.url,
    `select outcome, actor from ${SCHEMA}.dead_letter_replays order by seq`,
  );
  expect(recorded.slice(0, 4).map((r) => r.outcome)).toEqual(["handled", "dead-lettered", "handled", "behind-failure"]);
  expect(recorded.every((r) => r.actor === "ops")).toBe(true);
});
