/**
 * A consumer that crashes is never silently gone: when kafkajs gives up on a batch (here, a
 * handler whose dependency stays down past the retries), the subscriber reports itself unhealthy,
 * restarts the consumer with backoff, and reports healthy again once it runs; the message that
 * failed is consumed after the restart, not skipped.
 */
import { randomUUID } from "node:crypto";
import { bulletinsEvents, deadLetterTopic, ensureTopics, Subscriber, toKafkaHeaders } from "@jinlian/subscriber";
import { bulletinsEventsV1 } from "@jinlian/proto";
import { Kafka, logLevel } from "kafkajs";
import { kafkaBrokers, uniqueNamespace, waitFor } from "../harness/kafka";

jest.setTimeout(90_000);

const ns = uniqueNamespace("crash");
const topic = `${ns}.120000.bulletins.to.120105`;
const kafka = new Kafka({ brokers: kafkaBrokers(), clientId: "crash-test", logLevel: logLevel.NOTHING });

it("restarts a crashed consumer, says so in its health, and consumes the message it crashed on", async () => {
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, [
    { topic, partitions: 1 },
    { topic: deadLetterTopic(ns, "ext", "bulletins"), partitions: 1 },
  ]);
  await admin.disconnect();
  const bulletinId = randomUUID();
  const data = bulletinsEventsV1.BulletinPublished.encode(
    bulletinsEventsV1.BulletinPublished.fromPartial({ bulletinId, issuingJurisdictionCode: "120000", title: "t", body: "b", version: 1 }),
  ).finish();
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({
    topic,
    messages: [
      {
        key: bulletinId,
        value: Buffer.from(data),
        headers: toKafkaHeaders({
          id: randomUUID(),
          source: "/jinlian/120000/bulletins",
          type: bulletinsEvents.published.type,
          time: new Date(),
          subject: bulletinId,
          dataschema: `urn:jinlian:protobuf:${bulletinsEvents.published.message}`,
          data,
        }),
      },
    ],
  });
  await producer.disconnect();

  // The dependency is "down" for the first attempts: more than kafkajs retries, so it crashes.
  let downFor = 3;
  const handled: string[] = [];
  const healthChanges: boolean[] = [];
  const subscriber = new Subscriber({
    kafka,
    name: "external",
    groupId: uniqueNamespace("crash"),
    topics: [topic],
    deadLetterTopic: deadLetterTopic(ns, "ext", "bulletins"),
    consumerRetries: 0,
    restartBackoffMs: 200,
    isTransient: () => true,
  })
    .on(bulletinsEvents.published, async (e) => {
      if (downFor-- > 0) throw new Error("dependency down");
      handled.push(e.subject);
    })
    .onHealthChange((h) => healthChanges.push(h));
  await subscriber.start();
  try {
    await waitFor(async () => handled.length === 1, { timeoutMs: 60_000, intervalMs: 100, what: "the message after the restarts" });
    expect(handled).toEqual([bulletinId]);
    expect(healthChanges[0]).toBe(false);
    expect(healthChanges.at(-1)).toBe(true);
    expect(subscriber.healthy).toBe(true);
  } finally {
    await subscriber.stop();
  }
});
