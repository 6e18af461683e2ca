/**
 * A district node's consumer against hand-made messages on a real broker: a duplicate event
 * changes state once; malformed and refused messages land in the dead-letter topic with the
 * reason, and later messages are still consumed.
 */
import { randomUUID } from "node:crypto";
import { toKafkaHeaders, type CloudEvent } from "@jinlian/chassis";
import { bulletinsEventsV1, bulletinsV1 } from "@jinlian/proto";
import { Kafka, logLevel, Partitioners, type Producer } from "kafkajs";
import { kafkaBrokers, uniqueNamespace, waitFor } from "../harness/kafka";
import { query } from "../support/db";
import { MUNICIPAL_JUSTICE_BUREAU } from "../support/fixtures";
import { readDeadLetters } from "../support/dead-letters";
import { startTestNode, type TestNode } from "../support/nodes";

jest.setTimeout(90_000);

const ns = uniqueNamespace("inbox");
const inbound = `${ns}.120000.bulletins.to.120101`;
const dlq = `${ns}.120101.bulletins.dlq`;
let district: TestNode;
let producer: Producer;
const kafka = new Kafka({ brokers: kafkaBrokers(), clientId: "inbox-test", logLevel: logLevel.NOTHING });

beforeAll(async () => {
  district = await startTestNode({ jurisdictionCode: "120101", namespace: ns });
  producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
});

afterAll(async () => {
  await producer?.disconnect();
  await district?.stop();
  await district?.database.drop();
});

function published(bulletinId: string, number: number): CloudEvent {
  const data = bulletinsEventsV1.BulletinPublished.encode({
    bulletinId,
    kind: bulletinsV1.BulletinKind.BULLETIN_KIND_WORK_BRIEFING,
    issuer: MUNICIPAL_JUSTICE_BUREAU,
    issuingJurisdictionCode: "120000",
    issueNumber: { year: 2026, number },
    title: `第${number}期`,
    body: "正文",
    mainAudience: { allDistricts: false, jurisdictionCodes: ["120101"], organisations: [] },
    copyAudience: { allDistricts: false, jurisdictionCodes: [], organisations: [] },
    urgency: bulletinsV1.Urgency.URGENCY_ROUTINE,
    classification: bulletinsV1.Classification.CLASSIFICATION_PUBLIC,
    acknowledgementDueTime: undefined,
    version: 1,
    audit: { actor: "issuer", reason: "", requestId: "r", occurTime: new Date(), jurisdictionCode: "120000" },
    acknowledgementWindowSeconds: "0",
    coIssuers: [],
    approval: undefined,
  }).finish();
  return {
    id: randomUUID(),
    source: "/jinlian/120000/bulletins",
    type: "jinlian.bulletins.bulletin.published.v1",
    time: new Date(),
    subject: bulletinId,
    dataschema: "urn:jinlian:protobuf:jinlian.bulletins.events.v1.BulletinPublished",
    data,
  };
}

async function send(event: CloudEvent, headers = toKafkaHeaders(event), value: Buffer = Buffer.from(event.data)): Promise<void> {
  await producer.send({ topic: inbound, acks: -1, messages: [{ key: event.subject, value, headers }] });
}

async function arrived(id: string): Promise<boolean> {
  const rows = await query(district.database.url, "select 1 from bulletins.bulletins where bulletin_id = $1", [id]);
  return rows.length === 1;
}

const deadLetters = (expected: number) => readDeadLetters(kafka, dlq, expected);

it("applies an event delivered twice only once", async () => {
  const id = randomUUID();
  const event = published(id, 1);
  await send(event);
  await send(event);
  // A correction of the same bulletin has the same key, so it is consumed after both copies.
  const correction: CloudEvent = {
    ...event,
    id: randomUUID(),
    type: "jinlian.bulletins.bulletin.corrected.v1",
    data: bulletinsEventsV1.BulletinCorrected.encode({
      bulletinId: id,
      issuingJurisdictionCode: "120000",
      version: 2,
      supersedesVersion: 1,
      title: "更正",
      body: "更正正文",
      acknowledgementDueTime: undefined,
      audit: { actor: "issuer", reason: "更正", requestId: "r", occurTime: new Date(), jurisdictionCode: "120000" },
    }).finish(),
  };
  await send(correction);
  await waitFor(
    async () =>
      (
        await query<{ current_version: number }>(
          district.database.url,
          "select current_version from bulletins.bulletins where bulletin_id = $1",
          [id],
        )
      )[0]?.current_version === 2,
    { timeoutMs: 30_000, intervalMs: 200, what: "the correction after the duplicate" },
  );
  const inbox = await query(district.database.url, "select event_id from bulletins.inbox where event_id = $1", [event.id]);
  expect(inbox).toHaveLength(1);
  const versions = await query(
    district.database.url,
    "select version, change from bulletins.bulletin_versions where bulletin_id = $1 order by version",
    [id],
  );
  expect(versions).toEqual([
    { version: 1, change: "ORIGINAL" },
    { version: 2, change: "CORRECTION" },
  ]);
  const recipients = await query(district.database.url, "select recipient_key from bulletins.bulletin_recipients where bulletin_id = $1", [
    id,
  ]);
  expect(recipients).toEqual([{ recipient_key: "node:120101" }]);
});

it("dead-letters malformed and refused messages with the reason, and goes on consuming", async () => {
  const noHeaders = published(randomUUID(), 3);
  await producer.send({ topic: inbound, messages: [{ key: noHeaders.subject, value: Buffer.from("not a cloudevent") }] });
  const garbage = published(randomUUID(), 4);
  await send(garbage, toKafkaHeaders(garbage), Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]));
  // A publication without kind, urgency or classification breaks the contract's rules: refused.
  const incomplete = published(randomUUID(), 5);
  const refused: CloudEvent = {
    ...incomplete,
    data: bulletinsEventsV1.BulletinPublished.encode({
      ...bulletinsEventsV1.BulletinPublished.decode(incomplete.data),
      kind: 0,
      urgency: 0,
    }).finish(),
  };
  await send(refused);
  const after = published(randomUUID(), 6);
  await send(after);

  await waitFor(() => arrived(after.subject), { timeoutMs: 30_000, intervalMs: 200, what: "the message after the bad ones" });
  const letters = await deadLetters(3);
  // Different keys may sit on different partitions, so compare without order.
  const byKey = new Map(letters.map((l) => [l.key, l]));
  expect(letters).toHaveLength(3);
  expect(byKey.get(noHeaders.subject)!.reason).toBe("MALFORMED");
  expect(byKey.get(noHeaders.subject)!.error).toMatch(/ce_specversion/);
  expect(byKey.get(garbage.subject)!.reason).toBe("MALFORMED");
  expect(byKey.get(refused.subject)!.reason).toBe("REFUSED");
  expect(await arrived(garbage.subject)).toBe(false);
});
