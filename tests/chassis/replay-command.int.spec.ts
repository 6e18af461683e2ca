/**
 * The dead-letter replay as an operator runs it at a node (`replay-dead-letters`): the service's
 * consumer is rebuilt from its module and the node's configuration, a dry run lists and records
 * nothing, a replay goes through the consumer's checks again and records the outcome. Here the
 * letter is a forged event (a district's source on the city's topic), which stays refused.
 */
import { randomUUID } from "node:crypto";
import { createLogger, toKafkaHeaders } from "@jinlian/chassis";
import { replayServiceDeadLetters } from "@jinlian/node";
import { bulletinsEventsV1 } from "@jinlian/proto";
import { Kafka, logLevel } from "kafkajs";
import { kafkaBrokers, uniqueNamespace, waitFor } from "../harness/kafka";
import { query } from "../support/db";
import { startTestNode, type TestNode } from "../support/nodes";

jest.setTimeout(120_000);

const ns = uniqueNamespace("replaycmd");
let heping: TestNode;

beforeAll(async () => {
  heping = await startTestNode({ jurisdictionCode: "120101", namespace: ns, target: "bulletins" });
});

afterAll(async () => {
  await heping?.stop().catch(() => undefined);
  await heping?.database.drop();
});

it("rebuilds the service's consumer, dry-runs, then replays and records the outcome", async () => {
  const bulletinId = randomUUID();
  const data = bulletinsEventsV1.BulletinPublished.encode(
    bulletinsEventsV1.BulletinPublished.fromPartial({ bulletinId, issuingJurisdictionCode: "120102", title: "t", body: "b", version: 1 }),
  ).finish();
  const kafka = new Kafka({ brokers: kafkaBrokers(), clientId: "replay-cmd-test", logLevel: logLevel.NOTHING });
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({
    topic: `${ns}.120000.bulletins.to.120101`,
    messages: [
      {
        key: bulletinId,
        value: Buffer.from(data),
        headers: toKafkaHeaders({
          id: randomUUID(),
          source: "/jinlian/120102/bulletins", // not the city: forged on this topic
          type: "jinlian.bulletins.bulletin.published.v1",
          time: new Date(),
          subject: bulletinId,
          dataschema: "urn:jinlian:protobuf:jinlian.bulletins.events.v1.BulletinPublished",
          data,
        }),
      },
    ],
  });
  await producer.disconnect();
  const admin = kafka.admin();
  await admin.connect();
  try {
    await waitFor(async () => (await admin.fetchTopicOffsets(`${ns}.120101.bulletins.dlq`)).some((p) => Number(p.high) > 0), {
      timeoutMs: 60_000,
      intervalMs: 500,
      what: "the dead letter",
    });
  } finally {
    await admin.disconnect();
  }
  await heping.stop(); // the replay runs while the node's consumer is stopped

  const request = {
    jurisdictionCode: "120101",
    topicNamespace: ns,
    databaseUrl: heping.database.url,
    kafkaBrokers: kafkaBrokers(),
    service: "bulletins",
    consumer: "deliveries",
    filter: { key: bulletinId },
    actor: "ops",
    logger: createLogger({ level: "silent" }),
  };
  const dry = await replayServiceDeadLetters({ ...request, dryRun: true });
  expect(dry.map((l) => [l.key, l.reason, l.outcome])).toEqual([[bulletinId, "FORGED", "would-replay"]]);
  expect(await query(heping.database.url, "select 1 from bulletins.dead_letter_replays")).toEqual([]);

  const real = await replayServiceDeadLetters(request);
  expect(real.map((l) => l.outcome)).toEqual(["dead-lettered"]);
  const recorded = await query<{ outcome: string; actor: string; message_key: string }>(
    heping.database.url,
    "select outcome, actor, message_key from bulletins.dead_letter_replays",
  );
  expect(recorded).toEqual([{ outcome: "dead-lettered", actor: "ops", message_key: bulletinId }]);
});
