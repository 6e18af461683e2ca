/**
 * The relay on a backlog the broker cannot take in one request, and on rows it can never take,
 * against a real broker and PostgreSQL: batches are capped in bytes so a backlog of large events
 * drains; a row that is too large or names a topic that does not exist is parked with its reason;
 * other aggregates go on while the parked row's aggregate waits behind it; a requeued row is
 * published once its cause is fixed, followed by the rows that waited.
 */
import { randomUUID } from "node:crypto";
import {
  appendToOutbox,
  createKafka,
  createLogger,
  createProducer,
  ensureTopics,
  listParkedOutbox,
  OutboxRelay,
  requeueParkedOutbox,
  type CloudEvent,
} from "@jinlian/chassis";
import type { Knex } from "knex";
import type { Consumer, Producer } from "kafkajs";
import type { TestDatabase } from "../harness/database";
import { outboxTestBed } from "../support/outbox-bed";
import { kafkaBrokers, uniqueNamespace, waitFor } from "../harness/kafka";
import { query } from "../support/db";

jest.setTimeout(180_000);

const SCHEMA = "parking_test";
const logger = createLogger({ level: "silent" });
const kafka = createKafka({ brokers: kafkaBrokers(), clientId: "parking-test", logger });
const namespace = uniqueNamespace("parking");
const topic = `${namespace}.120000.bulletins.to.120101`;
// Declared by the catalogue (so the outbox takes it) but not created on the broker.
const missingTopic = `${namespace}.120000.bulletins.to.120102`;
let database: TestDatabase;
let db: Knex;
let producer: Producer;
let consumer: Consumer;
let relay: OutboxRelay;
const received: { topic: string; key: string; seq: number }[] = [];

/** A bulletin-sized event: `chars` Chinese characters are three bytes each in UTF-8. */
function event(aggregate: string, seq: number, chars = 10): CloudEvent {
  return {
    id: randomUUID(),
    source: "/jinlian/120000/bulletins",
    type: "jinlian.bulletins.bulletin.corrected.v1",
    time: new Date(),
    subject: aggregate,
    dataschema: "urn:jinlian:protobuf:jinlian.bulletins.events.v1.BulletinCorrected",
    data: Buffer.concat([Buffer.from(`${seq}|`), Buffer.from("正".repeat(chars))]),
  };
}

async function append(t: string, aggregate: string, seq: number, chars?: number): Promise<void> {
  await db.transaction((trx: Knex.Transaction) => appendToOutbox(trx, [{ topic: t, event: event(aggregate, seq, chars) }]));
}

const seqsOf = (key: string) => received.filter((r) => r.key === key).map((r) => r.seq);

beforeAll(async () => {
  ({ database, db } = await outboxTestBed("parking", SCHEMA, kafka, { topic, partitions: 3 }));
  consumer = kafka.consumer({ groupId: uniqueNamespace("parking-reader"), allowAutoTopicCreation: false, maxBytes: 16 * 1024 * 1024 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ topic: t, message }) =>
      void received.push({ topic: t, key: String(message.key), seq: Number(String(message.value).split("|")[0]) }),
  });
  producer = createProducer(kafka);
  await producer.connect();
});

afterAll(async () => {
  await relay?.stop();
  await consumer?.disconnect();
  await producer?.disconnect().catch(() => undefined);
  await db?.destroy();
  await database?.drop();
});

it("drains a backlog of large events, parks what the broker can never take, and keeps each aggregate's order", async () => {
  // The backlog built while the relay was not running (as after a broker outage): eight
  // corrections of a 50,000-character bulletin are ~1.2 MB together, over the broker's 1 MiB limit.
  const [large, tooLarge, small] = ["large", "too-large", "small"].map((x) => `${x}-${randomUUID().slice(0, 8)}`) as [
    string,
    string,
    string,
  ];
  for (let i = 0; i < 8; i++) await append(topic, large, i, 50_000);
  await append(topic, tooLarge, 0, 400_000); // ~1.2 MB alone: never publishable as it is
  await append(topic, small, 0);
  await append(topic, tooLarge, 1);
  await append(missingTopic, small, 100); // another aggregate (other topic): parked for the missing topic
  await append(topic, small, 1);
  await append(topic, tooLarge, 2);
  await append(missingTopic, small, 101); // waits behind its parked predecessor

  relay = new OutboxRelay({ db, url: database.url, schema: SCHEMA, producer, logger, pollIntervalMs: 100, leaderRetryMs: 200 });
  relay.start();
  await waitFor(async () => seqsOf(large).length >= 8 && seqsOf(small).length >= 2, {
    timeoutMs: 90_000,
    intervalMs: 200,
    what: "the large backlog and the small aggregate to be published",
  });
  expect(seqsOf(large)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  expect(seqsOf(small)).toEqual([0, 1]);

  await waitFor(async () => (await listParkedOutbox(db)).length === 2, { timeoutMs: 60_000, intervalMs: 200, what: "two parked rows" });
  const parked = await listParkedOutbox(db);
  expect(parked.map((p) => [p.key, p.topic, p.waitingBehind])).toEqual([
    [tooLarge, topic, 2],
    [small, missingTopic, 1],
  ]);
  expect(parked[0]!.reason).toMatch(/MESSAGE_TOO_LARGE|RECORD_LIST_TOO_LARGE/);
  expect(parked[1]!.reason).toMatch(/UNKNOWN_TOPIC_OR_PARTITION/);
  // The rows behind a parked one were not sent around it.
  expect(seqsOf(tooLarge)).toEqual([]);

  // The operator creates the missing topic and requeues: that row and the one behind it go, in order.
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, [{ topic: missingTopic, partitions: 3 }]);
  await admin.disconnect();
  expect(await requeueParkedOutbox(db, [parked[1]!.seq])).toBe(1);
  await waitFor(
    async () => {
      const [{ n }] = await query<{ n: string }>(
        database.url,
        `select count(*) as n from ${SCHEMA}.outbox where topic = $1 and published_at is not null`,
        [missingTopic],
      );
      return Number(n) === 2;
    },
    { timeoutMs: 60_000, intervalMs: 200, what: "the requeued row and the one behind it to be published" },
  );
  const order = await query<{ seq: string; published_at: Date }>(
    database.url,
    `select seq, published_at from ${SCHEMA}.outbox where topic = $1 order by seq`,
    [missingTopic],
  );
  expect(order[0]!.published_at.getTime()).toBeLessThanOrEqual(order[1]!.published_at.getTime());
  // The too-large row stays parked; nothing else is pending.
  expect((await listParkedOutbox(db)).map((p) => p.key)).toEqual([tooLarge]);
  const [{ n: pending }] = await query<{ n: string }>(
    database.url,
    `select count(*) as n from ${SCHEMA}.outbox where published_at is null and parked_at is null`,
  );
  expect(Number(pending)).toBe(2); // the two rows waiting behind the too-large one
});
