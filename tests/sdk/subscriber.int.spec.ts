/**
 * The subscriber SDK as an outside system would use it: typed events from a named node's stream,
 * per-aggregate order, at-least-once with commits after success, dead letters, and lag.
 */
import { bulletinsEvents, deadLetterTopic, ensureTopics, Subscriber, topicsFrom, type ReceivedEvent } from "@jinlian/subscriber";
import type { bulletinsEventsV1 } from "@jinlian/proto";
import { Kafka, logLevel } from "kafkajs";
import { kafkaBrokers, uniqueNamespace, waitFor } from "../harness/kafka";
import { draftRequest } from "../support/fixtures";
import { startTestNode, type TestNode } from "../support/nodes";
import { approveAndPublish, registerIssuers } from "../support/issuers";

jest.setTimeout(90_000);
const ns = uniqueNamespace("sub");
const kafka = new Kafka({ brokers: kafkaBrokers(), clientId: "subscriber-test", logLevel: logLevel.NOTHING });
let city: TestNode;

beforeAll(async () => {
  city = await startTestNode({ jurisdictionCode: "120000", namespace: ns });
  await registerIssuers(city);
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, [{ topic: deadLetterTopic(ns, "ext", "bulletins"), partitions: 1 }]);
  await admin.disconnect();
});
afterAll(async () => {
  await city?.stop();
  await city?.database.drop();
});

async function publishAndCorrect(): Promise<string> {
  const { bulletin } = await city.bulletins.createBulletinDraft(
    draftRequest({ mainAudience: { allDistricts: false, jurisdictionCodes: ["120105"], organisations: [] } }),
  );
  await approveAndPublish(city.bulletins, bulletin!.bulletinId);
  await city.bulletins.correctBulletin({
    bulletinId: bulletin!.bulletinId,
    expectedRevision: 0,
    title: "更正标题",
    body: "更正正文",
    reason: "笔误",
  });
  return bulletin!.bulletinId;
}

it("delivers typed events in per-aggregate order, retries a failing handler, and reports lag", async () => {
  const topics = topicsFrom(ns, "bulletins", "120000", "120105");
  expect(topics).toEqual([`${ns}.120000.bulletins.to.120105`]);
  const seen: string[] = [];
  let failuresLeft = 1;
  let published: ReceivedEvent<bulletinsEventsV1.BulletinPublished> | undefined;
  const subscriber = new Subscriber({
    kafka,
    name: "external",
    groupId: uniqueNamespace("ext"),
    topics,
    deadLetterTopic: deadLetterTopic(ns, "ext", "bulletins"),
    retryBackoffMs: 10,
  })
    .on(bulletinsEvents.published, async (e) => {
      if (failuresLeft-- > 0) throw new Error("flaky downstream");
      published = e;
      seen.push(`published:${e.subject}`);
    })
    .on(bulletinsEvents.corrected, async (e) => {
      seen.push(`corrected:${e.subject}:v${e.data.version}`);
    });
  await subscriber.start();
  try {
    const id = await publishAndCorrect();
    await waitFor(async () => seen.length >= 2, { timeoutMs: 30_000, intervalMs: 100, what: "both events" });
    expect(seen).toEqual([`published:${id}`, `corrected:${id}:v2`]);
    expect(published!.data.title).toBe(draftRequest().title);
    expect(published!.idempotencyKey).toBe(`/jinlian/120000/bulletins/${published!.id}`);
    expect(published!.type).toBe("jinlian.bulletins.bulletin.published.v1");
    const lag = await waitFor(
      async () => {
        const l = await subscriber.lag();
        return l.length > 0 && l.every((p) => p.lag === 0) && l;
      },
      { timeoutMs: 20_000, intervalMs: 200, what: "zero lag after consumption" },
    );
    expect(lag.map((l) => l.topic)).toEqual(expect.arrayContaining(topics));
  } finally {
    await subscriber.stop();
  }
});

it("dead-letters what a handler keeps failing on and goes on", async () => {
  const dlq = deadLetterTopic(ns, "ext", "bulletins");
  const topics = topicsFrom(ns, "bulletins", "120000", "120105");
  const corrections: number[] = [];
  const subscriber = new Subscriber({
    kafka,
    name: "external-failing",
    groupId: uniqueNamespace("ext2"),
    topics,
    deadLetterTopic: dlq,
    maxAttempts: 2,
    retryBackoffMs: 10,
  })
    .on(bulletinsEvents.published, async () => {
      throw new Error("cannot handle publications");
    })
    .on(bulletinsEvents.corrected, async (e) => void corrections.push(e.data.version));
  await subscriber.start();
  try {
    await waitFor(async () => corrections.length >= 1, {
      timeoutMs: 30_000,
      intervalMs: 100,
      what: "the correction after the failing publication",
    });
    const reader = kafka.consumer({ groupId: uniqueNamespace("dlq-reader") });
    const reasons: string[] = [];
    await reader.connect();
    await reader.subscribe({ topic: dlq, fromBeginning: true });
    await reader.run({ eachMessage: async ({ message }) => void reasons.push(String(message.headers?.jinlian_dlq_reason)) });
    await waitFor(async () => reasons.length >= 1, { timeoutMs: 20_000, intervalMs: 100, what: "a dead letter" });
    await reader.disconnect();
    expect(reasons[0]).toBe("HANDLER_FAILED");
  } finally {
    await subscriber.stop();
  }
});
