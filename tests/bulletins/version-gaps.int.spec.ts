/**
 * A district never skips a bulletin's version, whatever order its events reach it in: a
 * correction that arrives before its publication (the publication dead-lettered, say) is held;
 * when the publication is replayed from the dead letters the correction follows, and the district
 * ends at the latest version. A version that skips one (v3 after v1) waits for v2 the same way.
 */
import { randomUUID } from "node:crypto";
import { createLogger, toKafkaHeaders, type CloudEvent } from "@jinlian/chassis";
import { replayServiceDeadLetters } from "@jinlian/node";
import { bulletinsEventsV1, bulletinsV1 } from "@jinlian/proto";
import { Kafka, logLevel, Partitioners, type Producer } from "kafkajs";
import { kafkaBrokers, uniqueNamespace, waitFor } from "../harness/kafka";
import { query } from "../support/db";
import { MUNICIPAL_JUSTICE_BUREAU } from "../support/fixtures";
import { startTestNode, type TestNode } from "../support/nodes";

jest.setTimeout(120_000);

const ns = uniqueNamespace("gaps");
const inbound = `${ns}.120000.bulletins.to.120101`;
const dlq = `${ns}.120101.bulletins.dlq`;
let district: TestNode;
let producer: Producer;
const kafka = new Kafka({ brokers: kafkaBrokers(), clientId: "gaps-test", logLevel: logLevel.NOTHING });

beforeAll(async () => {
  district = await startTestNode({ jurisdictionCode: "120101", namespace: ns, target: "bulletins" });
  producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
});

afterAll(async () => {
  await producer?.disconnect();
  await district?.stop().catch(() => undefined);
  await district?.database.drop();
});

const audit = (reason = "") => ({ actor: "issuer", reason, requestId: "r", occurTime: new Date(), jurisdictionCode: "120000" });

function event(type: string, message: string, bulletinId: string, data: Uint8Array): CloudEvent {
  return {
    id: randomUUID(),
    source: "/jinlian/120000/bulletins",
    type: `jinlian.bulletins.bulletin.${type}.v1`,
    time: new Date(),
    subject: bulletinId,
    dataschema: `urn:jinlian:protobuf:jinlian.bulletins.events.v1.${message}`,
    data,
  };
}

let issue = 0;
const publication = (id: string) =>
  event(
    "published",
    "BulletinPublished",
    id,
    bulletinsEventsV1.BulletinPublished.encode(
      bulletinsEventsV1.BulletinPublished.fromPartial({
        bulletinId: id,
        kind: bulletinsV1.BulletinKind.BULLETIN_KIND_WORK_BRIEFING,
        issuer: MUNICIPAL_JUSTICE_BUREAU,
        issuingJurisdictionCode: "120000",
        // Each bulletin its own number: a series never gives one twice.
        issueNumber: { year: 2026, number: ++issue },
        title: `第${issue}期`,
        body: "正文",
        mainAudience: { jurisdictionCodes: ["120101"] },
        copyAudience: {},
        urgency: bulletinsV1.Urgency.URGENCY_ROUTINE,
        classification: bulletinsV1.Classification.CLASSIFICATION_PUBLIC,
        version: 1,
        audit: audit(),
        acknowledgementWindowSeconds: "0",
      }),
    ).finish(),
  );

const correction = (id: string, version: number) =>
  event(
    "corrected",
    "BulletinCorrected",
    id,
    bulletinsEventsV1.BulletinCorrected.encode(
      bulletinsEventsV1.BulletinCorrected.fromPartial({
        bulletinId: id,
        issuingJurisdictionCode: "120000",
        version,
        supersedesVersion: version - 1,
        title: `更正${version}`,
        body: `更正正文${version}`,
        audit: audit("更正"),
      }),
    ).finish(),
  );

const message = (e: CloudEvent, extra: Record<string, string> = {}) => ({
  key: e.subject,
  value: Buffer.from(e.data),
  headers: { ...toKafkaHeaders(e), ...extra },
});

const versionOf = async (id: string) =>
  (
    await query<{ current_version: number }>(
      district.database.url,
      "select current_version from bulletins.bulletins where bulletin_id = $1",
      [id],
    )
  )[0]?.current_version;
const held = async (id: string) =>
  (await query(district.database.url, "select 1 from bulletins.inbox_held where message_key = $1", [id])).length;

it("waits for a skipped version instead of jumping over it", async () => {
  const id = randomUUID();
  await producer.send({ topic: inbound, acks: -1, messages: [message(publication(id)), message(correction(id, 3))] });
  await waitFor(async () => (await versionOf(id)) === 1 && (await held(id)) === 1, {
    timeoutMs: 30_000,
    intervalMs: 200,
    what: "v1 applied, v3 held",
  });
  await producer.send({ topic: inbound, acks: -1, messages: [message(correction(id, 2))] });
  await waitFor(async () => (await versionOf(id)) === 3, { timeoutMs: 30_000, intervalMs: 200, what: "v2 then the held v3" });
  expect(await held(id)).toBe(0);
  const versions = await query(
    district.database.url,
    "select version from bulletins.bulletin_versions where bulletin_id = $1 order by version",
    [id],
  );
  expect(versions).toEqual([{ version: 1 }, { version: 2 }, { version: 3 }]);
});

it("ends at the latest version when a dead-lettered publication is replayed after its correction", async () => {
  const id = randomUUID();
  const pub = publication(id);
  // The publication sits in the dead letters (as after a failure since fixed); its correction is delivered.
  await producer.send({
    topic: dlq,
    acks: -1,
    messages: [
      message(pub, {
        jinlian_dlq_reason: "HANDLER_FAILED",
        jinlian_dlq_error: "database was being migrated",
        jinlian_dlq_topic: inbound,
        jinlian_dlq_partition: "0",
        jinlian_dlq_offset: "0",
        jinlian_dlq_consumer: "deliveries",
        jinlian_dlq_attempts: "3",
        jinlian_dlq_time: new Date().toISOString(),
      }),
    ],
  });
  await producer.send({ topic: inbound, acks: -1, messages: [message(correction(id, 2))] });
  await waitFor(async () => (await held(id)) === 1, { timeoutMs: 30_000, intervalMs: 200, what: "the correction held" });
  expect(await versionOf(id)).toBeUndefined();

  await district.stop(); // the operator replays with the consumer stopped
  const replayed = await replayServiceDeadLetters({
    jurisdictionCode: "120101",
    topicNamespace: ns,
    databaseUrl: district.database.url,
    kafkaBrokers: kafkaBrokers(),
    service: "bulletins",
    consumer: "deliveries",
    filter: { key: id },
    actor: "ops",
    logger: createLogger({ level: "silent" }),
  });
  expect(replayed.map((l) => l.outcome)).toEqual(["handled"]);
  expect(await versionOf(id)).toBe(2);
  expect(await held(id)).toBe(0);
});
