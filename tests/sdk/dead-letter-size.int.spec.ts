/**
 * A dead letter always fits: a message close to the broker's 1 MiB limit that its handler refuses
 * would, with the dead-letter headers added, be refused by the broker — the send would fail, and
 * the consumer would stop on that message for good. Its payload is left out instead, the headers
 * pointing at the original, and consumption goes on.
 */
import { randomUUID } from "node:crypto";
import { bulletinsEvents, deadLetterTopic, ensureTopics, Subscriber, toKafkaHeaders } from "@jinlian/subscriber";
import { bulletinsEventsV1 } from "@jinlian/proto";
import { Kafka, logLevel } from "kafkajs";
import { kafkaBrokers, uniqueNamespace, waitFor } from "../harness/kafka";

jest.setTimeout(90_000);

const ns = uniqueNamespace("dlqsize");
const topic = `${ns}.120000.bulletins.to.120105`;
const dlq = deadLetterTopic(ns, "ext", "bulletins");
const kafka = new Kafka({ brokers: kafkaBrokers(), clientId: "dlq-size-test", logLevel: logLevel.NOTHING });

function published(bodyChars: number) {
  const bulletinId = randomUUID();
  const data = bulletinsEventsV1.BulletinPublished.encode(
    bulletinsEventsV1.BulletinPublished.fromPartial({
      bulletinId,
      issuingJurisdictionCode: "120000",
      title: "t",
      body: "x".repeat(bodyChars),
      version: 1,
    }),
  ).finish();
  const headers = toKafkaHeaders({
    id: randomUUID(),
    source: "/jinlian/120000/bulletins",
    type: bulletinsEvents.published.type,
    time: new Date(),
    subject: bulletinId,
    dataschema: `urn:jinlian:protobuf:${bulletinsEvents.published.message}`,
    data,
  });
  return { key: bulletinId, value: Buffer.from(data), headers };
}

it("leaves out the payload of a near-limit message it dead-letters, and goes on with the next", async () => {
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, [
    { topic, partitions: 1 },
    { topic: dlq, partitions: 1 },
  ]);
  await admin.disconnect();
  const producer = kafka.producer();
  await producer.connect();
  const big = published(1_047_700); // fits the topic alone; not with the dead-letter headers
  const small = published(10);
  await producer.send({ topic, acks: -1, messages: [big] });
  await producer.send({ topic, acks: -1, messages: [small] });

  const handled: string[] = [];
  const subscriber = new Subscriber({
    kafka,
    name: "external",
    groupId: uniqueNamespace("dlqsize"),
    topics: [topic],
    deadLetterTopic: dlq,
    producer,
    retryBackoffMs: 10,
    isPermanent: () => true,
  }).on(bulletinsEvents.published, async (e) => {
    if (e.data.body.length > 1000) throw new Error("refused: too long for this archive");
    handled.push(e.subject);
  });
  const letters: { key: string; value: Buffer | null; headers: Record<string, string> }[] = [];
  const reader = kafka.consumer({ groupId: uniqueNamespace("dlqsize-reader") });
  await reader.connect();
  await reader.subscribe({ topic: dlq, fromBeginning: true });
  await reader.run({
    eachMessage: async ({ message }) =>
      void letters.push({
        key: String(message.key),
        value: message.value,
        headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)])),
      }),
  });
  await subscriber.start();
  try {
    await waitFor(async () => handled.length === 1 && letters.length === 1, {
      timeoutMs: 60_000,
      intervalMs: 100,
      what: "the dead letter and the next message handled",
    });
    expect(handled).toEqual([small.key]);
    const [letter] = letters;
    expect(letter!.key).toBe(big.key);
    expect(letter!.value).toBeNull();
    expect(letter!.headers.jinlian_dlq_payload_omitted).toMatch(/^\d+ bytes: /);
    expect(letter!.headers.jinlian_dlq_reason).toBe("REFUSED");
    expect(letter!.headers.jinlian_dlq_topic).toBe(topic);
    expect(letter!.headers.jinlian_dlq_offset).toBe("0");
    expect(letter!.headers.ce_id).toBe(big.headers.ce_id);
  } finally {
    await subscriber.stop();
    await reader.disconnect();
    await producer.disconnect();
  }
});
