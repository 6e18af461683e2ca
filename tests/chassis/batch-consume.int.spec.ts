/**
 * EventConsumer applies a partition's run of events in one transaction, three partitions at a
 * time as a node does, on a real broker and PostgreSQL. What the runs must keep: each event's effects exactly once (the
 * inbox row and the handler's write commit together), per-aggregate order, a refused event
 * dead-lettered while the events around it in its run are applied, a repeat turned away, and a
 * transient failure part-way through a run undoing the run and retrying it, with nothing applied
 * twice. The handler's write is left for COMMIT (writeAtCommit), as a use case's last statement
 * is; when PostgreSQL refuses it, that event is the one dead-lettered, not the next in its run. The same with handlers that apply consecutive events together (an InboxRun), where a
 * refused event makes the run come apart into events applied one at a time.
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
  inboxRun,
  migrate,
  writeAtCommit,
} from "@jinlian/chassis";
import { installInMemoryTracing } from "@jinlian/chassis/testing";
import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
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
const { exporter } = installInMemoryTracing();

function published(key: string, title: string) {
  return bulletinMessage(bulletinsEvents.published, key, { title, body: "b", version: 1 });
}

beforeAll(async () => {
  database = await createTestDatabase(adminDatabaseUrl(), "batch");
  db = createDatabase({ url: database.url, schema: SCHEMA });
  await migrate(db, SCHEMA, []);
  // One title PostgreSQL refuses, as a constraint would refuse a handler's write.
  await db.raw(
    `create table applied (seq bigserial primary key, aggregate_id text not null, title text not null, constraint applied_not_6_20 check (title <> '6-20'))`,
  );
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
        await writeAtCommit(trx, trx("applied").insert({ aggregate_id: e.subject, title: e.data.title }));
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

  const expected = AGGREGATES * PER_AGGREGATE - 2; // all but the refused one and the one PostgreSQL refuses
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
    expect(titles).toEqual(Array.from({ length: PER_AGGREGATE }, (_, i) => `${k}-${i}`).filter((t) => t !== "3-30" && t !== "6-20"));
  }
  expect(failOnce.size).toBe(0);
  const inbox = Number((await db("inbox").where({ consumer: "deliveries" }).count<{ n: string }[]>({ n: "*" }))[0]!.n);
  expect(inbox).toBe(expected);
  const letters = await readDeadLetters(kafka, dlq, 2);
  expect(letters).toHaveLength(2);
  expect(letters).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ key: keys[3], reason: "REFUSED" }),
      expect.objectContaining({ key: keys[6], reason: "HANDLER_FAILED" }),
    ]),
  );
});

describe("with an InboxRun", () => {
  const together = `${ns}.120000.bulletins.to.120102`;
  const togetherDlq = `${ns}.120102.bulletins.dlq`;
  let runConsumer: EventConsumer;
  /** Sizes of the shares the run was called with; titles refused, titles failing once as a database would. */
  const shares: number[] = [];
  const refusedHere = new Set<string>();
  const failOnceHere = new Set<string>();
  let offeredRefused = 0;

  const refusal = (subject: string) => new FailedPreconditionError([{ type: "REFUSED", subject, description: "refused" }]);
  const transient = () => Object.assign(new Error("could not serialize access"), { code: "40001" });

  beforeAll(async () => {
    await db.raw(`create table applied_together (seq bigserial primary key, aggregate_id text not null, title text not null)`);
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, [
      { topic: together, partitions: 3 },
      { topic: togetherDlq, partitions: 1 },
    ]);
    await admin.disconnect();
    // Published and corrected share a run: one insert for the lot. Each also applies alone.
    const run = inboxRun<{ title: string }>(async (events, trx) => {
      shares.push(events.length);
      if (events.some((e) => e.data.title === "2-17")) offeredRefused++;
      await trx("applied_together").insert(events.map((e) => ({ aggregate_id: e.subject, title: e.data.title })));
      const bad = events.find((e) => refusedHere.has(e.data.title));
      if (bad) throw refusal(bad.subject);
      if (events.some((e) => failOnceHere.delete(e.data.title))) throw transient();
    });
    const alone = async (e: { subject: string; data: { title: string } }, trx: Knex.Transaction) => {
      await trx("applied_together").insert({ aggregate_id: e.subject, title: e.data.title });
      if (refusedHere.has(e.data.title)) throw refusal(e.subject);
      if (failOnceHere.delete(e.data.title)) throw transient();
    };
    runConsumer = new EventConsumer({
      kafka,
      db,
      name: "together",
      groupId: uniqueNamespace("batch-together"),
      topics: [together],
      deadLetterTopic: togetherDlq,
      producer,
      logger,
      retryBackoffMs: 10,
      concurrentPartitions: 3,
      handlers: [
        inboxHandler(bulletinsEvents.published, alone, undefined, run),
        inboxHandler(bulletinsEvents.corrected, alone, undefined, run),
        // Not in the run: it ends a share, and what follows it waits for it.
        inboxHandler(
          bulletinsEvents.recalled,
          async (e, trx) => void (await trx("applied_together").insert({ aggregate_id: e.subject, title: "recalled" })),
        ),
      ],
    });
  });

  afterAll(async () => {
    await runConsumer?.stop();
  });

  it("applies consecutive events together, in order and once, and takes a run apart to dead-letter the refused one", async () => {
    exporter.reset();
    const keys = Array.from({ length: 6 }, () => randomUUID());
    const titles = (k: number) => Array.from({ length: 40 }, (_, i) => (i === 20 ? "recalled" : `${k}-${i}`)).filter((t) => t !== "2-17");
    const messages = [];
    for (let i = 0; i < 40; i++)
      for (const [k, key] of keys.entries())
        messages.push(
          i === 20
            ? bulletinMessage(bulletinsEvents.recalled, key, { version: 1 })
            : bulletinMessage(i % 10 === 9 ? bulletinsEvents.corrected : bulletinsEvents.published, key, {
                title: `${k}-${i}`,
                version: 1,
              }),
        );
    const refusedId = messages[2 + 17 * keys.length]!.headers.ce_id; // "2-17"
    messages.splice(90, 0, { ...messages[60]! }); // a repeat
    refusedHere.add("2-17");
    failOnceHere.add("4-33");
    for (let i = 0; i < messages.length; i += 100) await producer.send({ topic: together, acks: -1, messages: messages.slice(i, i + 100) });
    await runConsumer.start();

    const expected = keys.length * 40 - 1;
    await waitFor(async () => Number((await db("applied_together").count<{ n: string }[]>({ n: "*" }))[0]!.n) >= expected, {
      timeoutMs: 60_000,
      intervalMs: 200,
      what: `${expected} events applied`,
    });
    await waitFor(async () => (await runConsumer.lag()).every((l) => l.lag === 0), {
      timeoutMs: 60_000,
      intervalMs: 200,
      what: "the partitions consumed",
    });

    const rows = (await db("applied_together").orderBy("seq").select("aggregate_id", "title")) as { aggregate_id: string; title: string }[];
    expect(rows).toHaveLength(expected);
    for (const [k, key] of keys.entries()) expect(rows.filter((r) => r.aggregate_id === key).map((r) => r.title)).toEqual(titles(k));
    expect(failOnceHere.size).toBe(0);
    expect(Math.max(...shares)).toBeGreaterThan(1); // applied together, not one by one
    // The run that failed was taken apart at once, not offered again and again minus its head.
    expect(offeredRefused).toBeLessThanOrEqual(3);
    expect(Number((await db("inbox").where({ consumer: "together" }).count<{ n: string }[]>({ n: "*" }))[0]!.n)).toBe(expected);
    const letters = await readDeadLetters(kafka, togetherDlq, 1);
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ key: keys[2], reason: "REFUSED" });
    // Every event applied has a CONSUMER span that ended well, those applied together included.
    const ids = new Set(messages.map((m) => m.headers.ce_id));
    const spanned = new Set(
      exporter
        .getFinishedSpans()
        .filter(
          (s) =>
            s.kind === SpanKind.CONSUMER &&
            s.attributes["messaging.destination.name"] === together &&
            s.status.code !== SpanStatusCode.ERROR,
        )
        .map((s) => s.attributes["cloudevents.event_id"]),
    );
    expect([...ids].filter((id) => id !== refusedId && !spanned.has(id))).toEqual([]);
  });
});
