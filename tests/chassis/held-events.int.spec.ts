/**
 * Rolling out a new event type producer-first must lose nothing: a consumer on an older contract
 * that receives a type it does not know holds it (with every later event of the same aggregate,
 * so order holds) instead of skipping it for good; once upgraded, it applies them in order before
 * consuming on. Other aggregates are not held up. Real broker, real PostgreSQL.
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
  NotYetApplicableError,
  replayDeadLetters,
  typesAllowedOn,
  type EventDescriptor,
} from "@jinlian/chassis";
import type { Knex } from "knex";
import type { Producer } from "kafkajs";
import { adminDatabaseUrl, createTestDatabase, type TestDatabase } from "../harness/database";
import { kafkaBrokers, uniqueNamespace, waitFor } from "../harness/kafka";
import { bulletinMessage } from "../support/bulletin-messages";
import { query } from "../support/db";

jest.setTimeout(120_000);

const SCHEMA = "held_test";
const logger = createLogger({ level: "silent" });
const kafka = createKafka({ brokers: kafkaBrokers(), clientId: "held-test", logger });
const ns = uniqueNamespace("held");
const topic = `${ns}.120000.bulletins.to.120101`;
const dlq = `${ns}.120101.bulletins.dlq`;
let database: TestDatabase;
let db: Knex;
let producer: Producer;
const applied: string[] = [];

function message(descriptor: EventDescriptor<unknown>, key: string, version: number) {
  return bulletinMessage(descriptor, key, { version, supersedesVersion: version - 1, title: "t", body: "b" });
}

function consumer(known: (t: string) => readonly string[], group: string): EventConsumer {
  const record = (label: string) => async (e: { subject: string }) => void applied.push(`${label}:${e.subject}`);
  return new EventConsumer({
    kafka,
    db,
    name: "deliveries",
    groupId: group,
    topics: [topic],
    deadLetterTopic: dlq,
    producer,
    logger,
    knownTypes: known,
    handlers: [
      inboxHandler(bulletinsEvents.published, record("published")),
      inboxHandler(bulletinsEvents.corrected, record("corrected")),
      inboxHandler(bulletinsEvents.recalled, record("recalled")),
    ],
  });
}

beforeAll(async () => {
  database = await createTestDatabase(adminDatabaseUrl(), "held");
  db = createDatabase({ url: database.url, schema: SCHEMA });
  await migrate(db, SCHEMA, []);
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, [
    { topic, partitions: 1 },
    { topic: dlq, partitions: 1 },
  ]);
  await admin.disconnect();
  producer = createProducer(kafka);
  await producer.connect();
});

afterAll(async () => {
  await producer?.disconnect();
  await db?.destroy();
  await database?.drop();
});

it("holds a type it does not know and what follows it for that aggregate, and applies them in order after the upgrade", async () => {
  const [k, other] = [randomUUID(), randomUUID()];
  await producer.send({
    topic,
    acks: -1,
    messages: [
      message(bulletinsEvents.published as EventDescriptor<unknown>, k, 1),
      message(bulletinsEvents.corrected as EventDescriptor<unknown>, k, 2), // new to the old consumer
      message(bulletinsEvents.recalled as EventDescriptor<unknown>, k, 3), // known, but behind the held one
      message(bulletinsEvents.published as EventDescriptor<unknown>, other, 1),
    ],
  });
  const group = uniqueNamespace("held-group");
  // The old contract: corrections were not yet part of it.
  const old = consumer((t) => typesAllowedOn(t).filter((x) => x !== bulletinsEvents.corrected.type), group);
  await old.start();
  try {
    await waitFor(async () => applied.includes(`published:${other}`), { timeoutMs: 60_000, intervalMs: 100, what: "the other aggregate" });
    await waitFor(async () => (await query(database.url, `select 1 from ${SCHEMA}.inbox_held`)).length === 2, {
      timeoutMs: 30_000,
      intervalMs: 100,
      what: "two held events",
    });
  } finally {
    await old.stop();
  }
  expect(applied).toEqual([`published:${k}`, `published:${other}`]);
  const held = await query<{ event_type: string; reason: string }>(
    database.url,
    `select event_type, reason from ${SCHEMA}.inbox_held order by seq`,
  );
  expect(held).toEqual([
    { event_type: bulletinsEvents.corrected.type, reason: "UNKNOWN_TYPE" },
    { event_type: bulletinsEvents.recalled.type, reason: "BEHIND_HELD" },
  ]);

  // The upgrade: the same consumer (group, inbox) now knows corrections.
  const upgraded = consumer(typesAllowedOn, group);
  await upgraded.start();
  try {
    expect(applied).toEqual([`published:${k}`, `published:${other}`, `corrected:${k}`, `recalled:${k}`]);
    expect(await query(database.url, `select 1 from ${SCHEMA}.inbox_held`)).toEqual([]);
  } finally {
    await upgraded.stop();
  }
});

describe("gaps in an aggregate's versions", () => {
  const versions = new Map<string, number>();
  const order: string[] = [];
  const refusePublication = new Set<string>();

  function versioned(group: string): EventConsumer {
    const step = (label: string, first: boolean) => async (e: { subject: string; data: { version: number } }) => {
      if (first && refusePublication.has(e.subject))
        throw new FailedPreconditionError([{ type: "X", subject: e.subject, description: "not yet" }]);
      const current = versions.get(e.subject) ?? 0;
      if (e.data.version !== current + 1) throw new NotYetApplicableError(`version ${e.data.version} after ${current}`);
      versions.set(e.subject, e.data.version);
      order.push(`${e.subject}:${label}:v${e.data.version}`);
    };
    return new EventConsumer({
      kafka,
      db,
      name: "versioned",
      groupId: group,
      topics: [topic],
      deadLetterTopic: dlq,
      producer,
      logger,
      handlers: [
        inboxHandler(bulletinsEvents.published, step("published", true)),
        inboxHandler(bulletinsEvents.corrected, step("corrected", false)),
        inboxHandler(bulletinsEvents.recalled, step("recalled", false)),
      ],
    });
  }

  it("holds an event that arrives before its predecessor and applies it once the gap is filled, never skipping it", async () => {
    const k = randomUUID();
    // Out of order on the wire: the correction and the recall arrive before the publication.
    await producer.send({
      topic,
      acks: -1,
      messages: [
        message(bulletinsEvents.corrected as EventDescriptor<unknown>, k, 2),
        message(bulletinsEvents.recalled as EventDescriptor<unknown>, k, 3),
        message(bulletinsEvents.published as EventDescriptor<unknown>, k, 1),
      ],
    });
    const c = versioned(uniqueNamespace("gap-group"));
    await c.start();
    try {
      await waitFor(async () => versions.get(k) === 3, { timeoutMs: 60_000, intervalMs: 100, what: "version 3" });
    } finally {
      await c.stop();
    }
    expect(order.filter((o) => o.startsWith(k))).toEqual([`${k}:published:v1`, `${k}:corrected:v2`, `${k}:recalled:v3`]);
    expect(await query(database.url, `select 1 from ${SCHEMA}.inbox_held where message_key = $1`, [k])).toEqual([]);
  });

  it("applies a held correction when its dead-lettered publication is replayed", async () => {
    const k = randomUUID();
    order.length = 0;
    refusePublication.add(k);
    await producer.send({
      topic,
      acks: -1,
      messages: [
        message(bulletinsEvents.published as EventDescriptor<unknown>, k, 1),
        message(bulletinsEvents.corrected as EventDescriptor<unknown>, k, 2),
      ],
    });
    const c = versioned(uniqueNamespace("gap-group"));
    await c.start();
    try {
      await waitFor(
        async () => (await query(database.url, `select 1 from ${SCHEMA}.inbox_held where message_key = $1`, [k])).length === 1,
        {
          timeoutMs: 60_000,
          intervalMs: 100,
          what: "the correction held behind the dead-lettered publication",
        },
      );
    } finally {
      await c.stop();
    }
    expect(versions.get(k)).toBeUndefined();
    refusePublication.delete(k);
    const replayed = await replayDeadLetters({ kafka, db, target: c, actor: "ops", logger, filter: { key: k } });
    expect(replayed.map((l) => l.outcome)).toEqual(["handled"]);
    expect(versions.get(k)).toBe(2);
    expect(order.filter((o) => o.startsWith(k))).toEqual([`${k}:published:v1`, `${k}:corrected:v2`]);
    expect(await query(database.url, `select 1 from ${SCHEMA}.inbox_held where message_key = $1`, [k])).toEqual([]);
  });
});
