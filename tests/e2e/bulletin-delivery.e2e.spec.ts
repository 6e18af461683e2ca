/**
 * A municipal node and two district nodes on a real broker: delivery to the addressed district
 * only, read receipts back to the issuer, corrections and recalls as new versions, overdue
 * recipients, and one trace from the gRPC call through the outbox relay to the district's consumer.
 */
import { status } from "@grpc/grpc-js";
import { installInMemoryTracing } from "@jinlian/chassis/testing";
import { bulletinsV1 } from "@jinlian/proto";
import { SpanKind } from "@opentelemetry/api";
import { Kafka, logLevel } from "kafkajs";
import { kafkaBrokers, uniqueNamespace, waitFor } from "../harness/kafka";
import { draftRequest, HEPING_CHAMBER } from "../support/fixtures";
import { startTestNode, statusOf, TestClock, type TestNode } from "../support/nodes";
import { approveAndPublish, registerIssuers } from "../support/issuers";

const B = bulletinsV1;
jest.setTimeout(120_000);

const { exporter } = installInMemoryTracing();
const ns = uniqueNamespace("delivery");
const cityClock = new TestClock();
let city: TestNode;
let heping: TestNode; // 120101, addressed
let hedong: TestNode; // 120102, not addressed

beforeAll(async () => {
  [city, heping, hedong] = await Promise.all([
    startTestNode({ jurisdictionCode: "120000", namespace: ns, clock: cityClock }),
    startTestNode({ jurisdictionCode: "120101", namespace: ns }),
    startTestNode({ jurisdictionCode: "120102", namespace: ns }),
  ]);
  await registerIssuers(city);
});

afterAll(async () => {
  for (const n of [city, heping, hedong]) await n?.stop();
  for (const n of [city, heping, hedong]) await n?.database.drop();
});

const nodeRecipient = (code: string) => ({ recipient: { $case: "jurisdictionCode" as const, value: code } });
const orgRecipient = { recipient: { $case: "organisation" as const, value: HEPING_CHAMBER } };

async function messagesOn(topic: string): Promise<number> {
  const kafka = new Kafka({ brokers: kafkaBrokers(), clientId: "e2e-inspect", logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    // Leadership can still be settling right after creation; retry until the broker answers.
    const offsets = await waitFor(() => admin.fetchTopicOffsets(topic), {
      timeoutMs: 15_000,
      intervalMs: 250,
      what: `offsets of ${topic}`,
    });
    return offsets.reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
  } finally {
    await admin.disconnect();
  }
}

async function received(node: TestNode, id: string, version = 1): Promise<bulletinsV1.Bulletin | undefined> {
  try {
    const { bulletin } = await node.bulletins.getBulletin({ bulletinId: id, readerCreditCode: "" });
    return bulletin!.currentVersion >= version ? bulletin : undefined;
  } catch {
    return undefined;
  }
}

async function stateAtIssuer(id: string, key: (r: bulletinsV1.RecipientReadStatus) => boolean): Promise<bulletinsV1.ReadState> {
  const res = await city.bulletins.getBulletinReadStatus({ bulletinId: id });
  return res.recipients.find(key)!.state;
}
const isNode = (code: string) => (r: bulletinsV1.RecipientReadStatus) =>
  r.recipient?.recipient?.$case === "jurisdictionCode" && r.recipient.recipient.value === code;
const isChamber = (r: bulletinsV1.RecipientReadStatus) => r.recipient?.recipient?.$case === "organisation";

it("delivers to the addressed district only, and read receipts, corrections and recalls flow both ways", async () => {
  const { bulletin: draft } = await city.bulletins.createBulletinDraft(
    draftRequest({
      mainAudience: { allDistricts: false, jurisdictionCodes: ["120101"], organisations: [] },
      copyAudience: { allDistricts: false, jurisdictionCodes: [], organisations: [HEPING_CHAMBER] },
    }),
  );
  const bulletin = await approveAndPublish(city.bulletins, draft!.bulletinId);
  const id = bulletin!.bulletinId;

  // Delivered to Heping with its two recipients (the node, and a chamber in Heping as copy).
  const copy = await waitFor(() => received(heping, id), { timeoutMs: 30_000, intervalMs: 200, what: "the bulletin at 120101" });
  expect(copy.origin).toBe(B.Origin.ORIGIN_RECEIVED);
  expect(copy.issueNumber).toEqual(bulletin!.issueNumber);
  expect(copy.title).toBe(bulletin!.title);
  const local = await heping.bulletins.getBulletinReadStatus({ bulletinId: id });
  expect(local.recipients.map((r) => [r.recipient?.recipient?.$case, r.role])).toEqual([
    ["jurisdictionCode", B.RecipientRole.RECIPIENT_ROLE_MAIN],
    ["organisation", B.RecipientRole.RECIPIENT_ROLE_COPY],
  ]);

  // Not to Hedong: nothing was written to its topic and it has no copy.
  expect(await messagesOn(`${ns}.120000.bulletins.to.120102`)).toBe(0);
  expect((await statusOf(hedong.bulletins.getBulletin({ bulletinId: id, readerCreditCode: "" }))).code).toBe(status.NOT_FOUND);

  // Heping reads it (no party: the whole node at once, as before parties); the receipt reaches the
  // city; the chamber has not read it yet.
  await heping.bulletins.acknowledgeBulletin({
    reason: "",
    bulletinId: id,
    recipient: nodeRecipient("120101"),
    version: 0,
    readerName: "和平区司法局 张三",
    party: B.Party.PARTY_UNSPECIFIED,
  });
  await waitFor(async () => (await stateAtIssuer(id, isNode("120101"))) === B.ReadState.READ_STATE_READ, {
    timeoutMs: 30_000,
    intervalMs: 200,
    what: "the receipt at the city",
  });
  expect(await stateAtIssuer(id, isChamber)).toBe(B.ReadState.READ_STATE_UNREAD);
  const afterRead = await city.bulletins.getBulletinReadStatus({ bulletinId: id });
  expect(afterRead.summary).toEqual({ recipients: 2, read: 1, unread: 1, overdue: 0 });
  expect(afterRead.recipients.find(isNode("120101"))!.readerName).toBe("和平区司法局 张三");

  // Past the three-day window the chamber is overdue.
  cityClock.advance(4 * 24 * 3600 * 1000);
  expect(await stateAtIssuer(id, isChamber)).toBe(B.ReadState.READ_STATE_OVERDUE);
  const overdueList = await city.bulletins.listBulletins({
    filter: B.BulletinFilter.fromPartial({ readStatus: B.ReadStatusFilter.READ_STATUS_FILTER_HAS_OVERDUE }),
    page: undefined,
    readerCreditCode: "",
  });
  expect(overdueList.bulletins.map((b) => b.bulletinId)).toContain(id);

  // A correction supersedes version 1 at the district; the earlier receipt no longer counts.
  await city.bulletins.correctBulletin({
    bulletinId: id,
    expectedRevision: 0,
    title: "（更正）" + bulletin!.title,
    body: "更正后的正文",
    reason: "数据有误",
  });
  const corrected = await waitFor(() => received(heping, id, 2), { timeoutMs: 30_000, intervalMs: 200, what: "version 2 at 120101" });
  expect(corrected.versions.map((v) => [v.version, v.change, v.reason])).toEqual([
    [1, B.VersionChange.VERSION_CHANGE_ORIGINAL, ""],
    [2, B.VersionChange.VERSION_CHANGE_CORRECTION, "数据有误"],
  ]);
  expect(corrected.body).toBe("更正后的正文");
  expect(await stateAtIssuer(id, isNode("120101"))).toBe(B.ReadState.READ_STATE_UNREAD);
  const stale = await statusOf(
    heping.bulletins.acknowledgeBulletin({
      reason: "",
      bulletinId: id,
      recipient: nodeRecipient("120101"),
      version: 1,
      readerName: "",
      party: 0,
    }),
  );
  expect(stale.code).toBe(status.FAILED_PRECONDITION);
  await heping.bulletins.acknowledgeBulletin({
    reason: "",
    bulletinId: id,
    recipient: orgRecipient,
    version: 2,
    readerName: "商会秘书处",
    party: 0,
  });
  await waitFor(async () => (await stateAtIssuer(id, isChamber)) === B.ReadState.READ_STATE_READ, {
    timeoutMs: 30_000,
    intervalMs: 200,
    what: "the chamber's receipt for version 2",
  });

  // A recall reaches the district as version 3; nothing is left to acknowledge.
  await city.bulletins.recallBulletin({ bulletinId: id, expectedRevision: 0, reason: "发布范围有误" });
  const recalled = await waitFor(() => received(heping, id, 3), { timeoutMs: 30_000, intervalMs: 200, what: "the recall at 120101" });
  expect(recalled.status).toBe(B.BulletinStatus.BULLETIN_STATUS_RECALLED);
  expect(await stateAtIssuer(id, isNode("120101"))).toBe(B.ReadState.READ_STATE_NOT_REQUIRED);
  expect(
    (
      await statusOf(
        heping.bulletins.acknowledgeBulletin({
          reason: "",
          bulletinId: id,
          recipient: nodeRecipient("120101"),
          version: 0,
          readerName: "",
          party: 0,
        }),
      )
    ).code,
  ).toBe(status.FAILED_PRECONDITION);

  // Each node's audit trail records its own calls and the deliveries it applied, attributed to
  // the actor the event names; the issuer keeps every receipt that came back.
  const trail = async (node: TestNode) =>
    (await node.bulletins.listAuditEntries({ aggregateType: "bulletin", aggregateId: id, actor: "", page: undefined })).entries.map((e) => [
      e.action,
      e.audit!.actor,
      e.audit!.jurisdictionCode,
    ]);
  expect(await trail(city)).toEqual([
    ["RecallBulletin", "test-operator", "120000"],
    ["BulletinAcknowledged", "test-operator", "120000"],
    ["CorrectBulletin", "test-operator", "120000"],
    ["BulletinAcknowledged", "test-operator", "120000"],
    ["PublishBulletin", "test-operator", "120000"],
    ["ApproveBulletin", "test-operator", "120000"],
    ["CreateBulletinDraft", "test-operator", "120000"],
  ]);
  expect(await trail(heping)).toEqual([
    ["BulletinRecalled", "test-operator", "120101"],
    ["AcknowledgeBulletin", "test-operator", "120101"],
    ["BulletinCorrected", "test-operator", "120101"],
    ["AcknowledgeBulletin", "test-operator", "120101"],
    ["BulletinReceived", "test-operator", "120101"],
  ]);
  const receipts = (await city.bulletins.getBulletinReadStatus({ bulletinId: id })).receipts;
  expect(receipts.map((r) => [r.recipient?.recipient?.$case, r.version, r.readerName])).toEqual([
    ["jurisdictionCode", 1, "和平区司法局 张三"],
    ["organisation", 2, "商会秘书处"],
  ]);
});

it("one trace spans the gRPC call and the district's consumer; the relay's batch span links to it", async () => {
  exporter.reset();
  const { bulletin: draft } = await city.bulletins.createBulletinDraft(draftRequest());
  await approveAndPublish(city.bulletins, draft!.bulletinId);
  const topic = `${ns}.120000.bulletins.to.120101`;
  await waitFor(() => received(heping, draft!.bulletinId), { timeoutMs: 30_000, intervalMs: 200, what: "delivery" });
  const spans = await waitFor(
    async () => {
      const all = exporter.getFinishedSpans();
      const server = all.find((s) => s.kind === SpanKind.SERVER && s.name === "jinlian.bulletins.v1.BulletinsService/PublishBulletin");
      if (!server) return undefined;
      const traceId = server.spanContext().traceId;
      const consumer = all.find(
        (s) => s.kind === SpanKind.CONSUMER && s.spanContext().traceId === traceId && s.attributes["messaging.destination.name"] === topic,
      );
      // The relay sends a batch under a span of its own trace, linked to each use case's context.
      const producer = all.find(
        (s) =>
          s.kind === SpanKind.PRODUCER &&
          s.attributes["messaging.destination.name"] === topic &&
          s.links.some((l) => l.context.traceId === traceId),
      );
      return producer && consumer
        ? { server, producer, consumer, within: all.filter((s) => s.spanContext().traceId === traceId) }
        : undefined;
    },
    { timeoutMs: 15_000, intervalMs: 100, what: "server and consumer spans in one trace, and the relay's span linked to it" },
  );
  const parentOf = (s: unknown) => (s as { parentSpanContext?: { spanId: string } }).parentSpanContext?.spanId;
  // The consumer's parent is the span the outbox row was written in: the call's, or one inside it.
  const writer = spans.within.find((s) => s.spanContext().spanId === parentOf(spans.consumer));
  expect(writer).toBeDefined();
  expect(spans.producer.links.map((l) => l.context.spanId)).toContain(writer!.spanContext().spanId);
  expect(spans.producer.spanContext().traceId).not.toBe(spans.server.spanContext().traceId);
  expect(spans.producer.attributes["messaging.batch.message_count"]).toBeGreaterThanOrEqual(1);
  expect(spans.consumer.attributes["cloudevents.event_type"]).toBe("jinlian.bulletins.bulletin.published.v1");
  expect(spans.consumer.attributes["messaging.consumer.group.name"]).toBe(`${ns}.120101.bulletins.deliveries`);
});
