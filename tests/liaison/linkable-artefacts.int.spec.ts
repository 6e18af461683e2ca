/**
 * Liaison learns what research outcomes may link to from legal-services' trainings stream, a run
 * of events recorded in one statement. Against real Kafka and PostgreSQL: a training announced
 * twice in one run keeps its last title, and an event from another node's service, in the middle
 * of the run, is dead-lettered alone while the events around it are recorded.
 */
import { randomUUID } from "node:crypto";
import { legalServicesEvents, toKafkaHeaders } from "@jinlian/chassis";
import { legalServicesEventsV1 } from "@jinlian/proto";
import { Kafka, logLevel, Partitioners } from "kafkajs";
import { kafkaBrokers, uniqueNamespace, waitFor } from "../harness/kafka";
import { query } from "../support/db";
import { readDeadLetters } from "../support/dead-letters";
import { startTestNode, type TestNode } from "../support/nodes";

jest.setTimeout(120_000);

const ns = uniqueNamespace("artefacts");
const kafka = new Kafka({ brokers: kafkaBrokers(), clientId: "artefacts-test", logLevel: logLevel.NOTHING });
let node: TestNode;

function training(trainingId: string, title: string, source = "/jinlian/120000/legal-services") {
  const descriptor = legalServicesEvents.trainingRegistered;
  const E = legalServicesEventsV1.TrainingRegistered;
  const data = E.encode(E.fromPartial({ trainingId, title, districtCode: "120101" })).finish();
  return {
    key: trainingId,
    value: Buffer.from(data),
    headers: toKafkaHeaders({
      id: randomUUID(),
      source,
      type: descriptor.type,
      time: new Date(),
      subject: trainingId,
      dataschema: `urn:jinlian:protobuf:${descriptor.message}`,
      data,
    }),
  };
}

async function titleOf(id: string): Promise<string | undefined> {
  const rows = await query<{ title: string }>(
    node.database.url,
    "select title from liaison.linkable_artefacts where kind = 'TRAINING' and artefact_id = $1",
    [id],
  );
  return rows[0]?.title;
}

beforeAll(async () => {
  node = await startTestNode({ jurisdictionCode: "120000", namespace: ns, target: "liaison" });
});

afterAll(async () => {
  await node?.stop();
  await node?.database.drop();
});

it("records a run of trainings, the last title of each, and dead-letters the one from another node alone", async () => {
  const [renamed, other, foreign, last] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
  const producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    // One partition, so one run, in this order.
    await producer.send({
      topic: `${ns}.120000.legal-services.trainings`,
      acks: -1,
      messages: [
        training(renamed, "合规经营培训（初稿）"),
        training(other, "劳动用工法律培训"),
        training(foreign, "他区培训", "/jinlian/120101/legal-services"),
        training(renamed, "合规经营培训"),
        training(last, "知识产权保护培训"),
      ].map((m) => ({ ...m, partition: 0 })),
    });
  } finally {
    await producer.disconnect();
  }
  await waitFor(async () => (await titleOf(last)) !== undefined, {
    timeoutMs: 45_000,
    intervalMs: 250,
    what: "the last training recorded",
  });
  expect(await titleOf(renamed)).toBe("合规经营培训");
  expect(await titleOf(other)).toBe("劳动用工法律培训");
  expect(await titleOf(foreign)).toBeUndefined();
  const letters = await readDeadLetters(kafka, `${ns}.120000.liaison.dlq`, 1);
  expect(letters.map((l) => [l.key, l.reason])).toEqual([[foreign, "REFUSED"]]);
});
