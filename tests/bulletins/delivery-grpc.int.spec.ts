/**
 * Bulletins at a district node over gRPC, against real Kafka and PostgreSQL: a district reports
 * up (报送) and may not address another district; a receipt per party; forwarding (转发) and its
 * refusals; unread work, overdue alerts and paged read status. Every refusal changes nothing.
 */
import { randomUUID } from "node:crypto";
import { status } from "@grpc/grpc-js";
import { withCheckCharacter } from "@jinlian/kernel";
import { bulletinsModule } from "@jinlian/bulletins";
import { toKafkaHeaders, type CloudEvent } from "@jinlian/chassis";
import { bulletinsEventsV1, bulletinsV1, commonV1 } from "@jinlian/proto";
import { Kafka, logLevel, Partitioners, type Producer } from "kafkajs";
import { kafkaBrokers, uniqueNamespace, waitFor } from "../harness/kafka";
import { bulletinsFootprint, query } from "../support/db";
import { draftRequest, MUNICIPAL_JUSTICE_BUREAU } from "../support/fixtures";
import { approveAndPublish, registerIssuers } from "../support/issuers";
import { startTestNode, statusOf, TestClock, type TestNode } from "../support/nodes";

const B = bulletinsV1;
const OT = commonV1.OrganisationType;
jest.setTimeout(120_000);

const ns = uniqueNamespace("deliv");
const clock = new TestClock();
let heping: TestNode;
let producer: Producer;
const kafka = new Kafka({ brokers: kafkaBrokers(), clientId: "delivery-test", logLevel: logLevel.NOTHING });

const BUREAU = { creditCode: withCheckCharacter("11120101MB0000017"), jurisdictionCode: "120101", name: "和平区司法局" };
const FEDERATION = { creditCode: withCheckCharacter("51120101MJ0000018"), jurisdictionCode: "120101", name: "和平区工商业联合会" };
const CHAMBER = { creditCode: withCheckCharacter("51120101MJ0000029"), jurisdictionCode: "120101", name: "和平区餐饮商会" };
const OTHER_CHAMBER = { creditCode: withCheckCharacter("51120101MJ0000033"), jurisdictionCode: "120101", name: "和平区零售商会" };
const GONE_CHAMBER = { creditCode: withCheckCharacter("51120101MJ0000045"), jurisdictionCode: "120101", name: "和平区已注销商会" };
let goneId = "";

beforeAll(async () => {
  heping = await startTestNode({ jurisdictionCode: "120101", namespace: ns, clock });
  producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const registered = await registerIssuers(heping, [
    { ref: BUREAU, type: OT.ORGANISATION_TYPE_JUSTICE_BUREAU },
    { ref: FEDERATION, type: OT.ORGANISATION_TYPE_FEDERATION },
    { ref: CHAMBER, type: OT.ORGANISATION_TYPE_CHAMBER_OF_COMMERCE },
    { ref: OTHER_CHAMBER, type: OT.ORGANISATION_TYPE_CHAMBER_OF_COMMERCE },
    { ref: GONE_CHAMBER, type: OT.ORGANISATION_TYPE_CHAMBER_OF_COMMERCE },
  ]);
  goneId = registered[4]!.organisationId;
  await heping.liaison.registry.deactivateOrganisation({ organisationId: goneId, expectedRevision: 0, reason: "已注销" });
  await waitFor(
    async () => {
      const { organisations } = await heping.bulletins.listKnownOrganisations({
        jurisdictionCode: "",
        text: GONE_CHAMBER.creditCode,
        page: undefined,
      });
      return organisations.some((o) => !o.active);
    },
    { timeoutMs: 30_000, intervalMs: 200, what: "the deactivation in the projection" },
  );
});

afterAll(async () => {
  await producer?.disconnect();
  await heping?.stop();
  await heping?.database.drop();
});

const none = { allDistricts: false, jurisdictionCodes: [] as string[], organisations: [] as (typeof CHAMBER)[] };
const nodeRecipient = (code: string) => ({ recipient: { $case: "jurisdictionCode" as const, value: code } });
const orgRecipient = (o: typeof CHAMBER) => ({ recipient: { $case: "organisation" as const, value: o } });
const footprint = () => bulletinsFootprint(heping.database.url);

/** Refused with `code`, and nothing changed. */
async function refusedUnchanged(call: () => Promise<unknown>, code: status) {
  const before = await footprint();
  const err = await statusOf(call());
  expect(err.code).toBe(code);
  expect(await footprint()).toEqual(before);
  return err;
}

/** A report from Heping to the city, copied to one of Heping's chambers (held here). */
async function reportUp(title = "和平区报送") {
  const { bulletin: d } = await heping.bulletins.createBulletinDraft(
    draftRequest({
      coIssuers: [],
      issuer: BUREAU,
      title,
      mainAudience: { ...none, jurisdictionCodes: ["120000"] },
      copyAudience: { ...none, organisations: [CHAMBER] },
    }),
  );
  return approveAndPublish(heping.bulletins, d!.bulletinId);
}

describe("a district reports up (报送)", () => {
  it("numbers a report to the city in the district issuer's series and tracks the city as a recipient", async () => {
    const b = await reportUp();
    expect(b.issuingJurisdictionCode).toBe("120101");
    expect(b.issueNumber!.number).toBeGreaterThanOrEqual(1);
    const rows = await query(
      heping.database.url,
      "select topic from bulletins.outbox where message_key = $1 and event_type = 'jinlian.bulletins.bulletin.published.v1'",
      [b.bulletinId],
    );
    expect(rows.map((r) => r.topic)).toEqual([`${ns}.120101.bulletins.to.120000`]);
  });

  it("refuses a draft addressing another district, naming the field (INVALID_ARGUMENT)", async () => {
    const err = await refusedUnchanged(
      () =>
        heping.bulletins.createBulletinDraft(
          draftRequest({ coIssuers: [], issuer: BUREAU, mainAudience: { ...none, jurisdictionCodes: ["120000", "120102"] } }),
        ),
      status.INVALID_ARGUMENT,
    );
    expect(err.fieldViolations.map((v) => v.field)).toEqual(["main_audience.jurisdiction_codes[1]"]);
  });
});

describe("a receipt per party, read status and unread work", () => {
  it("refuses a party for an organisation recipient and an undefined party value", async () => {
    const b = await reportUp();
    const ack = (party: number) =>
      heping.bulletins.acknowledgeBulletin({
        bulletinId: b.bulletinId,
        recipient: orgRecipient(CHAMBER),
        version: 0,
        readerName: "",
        reason: "",
        party,
      });
    for (const party of [B.Party.PARTY_FEDERATION, 99]) {
      const err = await refusedUnchanged(() => ack(party), status.INVALID_ARGUMENT);
      expect(err.fieldViolations.map((v) => v.field)).toEqual(["party"]);
    }
  });

  it("pages read status by recipient with their receipts, and counts parties", async () => {
    const b = await reportUp();
    await heping.bulletins.acknowledgeBulletin({
      bulletinId: b.bulletinId,
      recipient: orgRecipient(CHAMBER),
      version: 0,
      readerName: "商会秘书处",
      reason: "",
      party: 0,
    });
    const first = await heping.bulletins.getBulletinReadStatus({ bulletinId: b.bulletinId, page: { pageSize: 1, pageToken: "" } });
    expect(first.recipients.map((r) => r.recipient?.recipient?.$case)).toEqual(["jurisdictionCode"]);
    expect(first.recipients[0]!.parties.map((p) => [p.party, p.state])).toEqual([
      [B.Party.PARTY_JUSTICE_BUREAU, B.ReadState.READ_STATE_UNREAD],
      [B.Party.PARTY_FEDERATION, B.ReadState.READ_STATE_UNREAD],
    ]);
    expect(first.receipts).toEqual([]);
    expect(first.page).toEqual({ nextPageToken: expect.any(String), totalSize: 2 });
    expect(first.summary).toEqual({ recipients: 2, read: 1, unread: 1, overdue: 0 });
    expect(first.partySummary).toEqual({ recipients: 3, read: 1, unread: 2, overdue: 0 });
    const second = await heping.bulletins.getBulletinReadStatus({
      bulletinId: b.bulletinId,
      page: { pageSize: 1, pageToken: first.page!.nextPageToken },
    });
    expect(second.recipients.map((r) => r.recipient?.recipient?.$case)).toEqual(["organisation"]);
    expect(second.receipts.map((r) => r.readerName)).toEqual(["商会秘书处"]);
    expect(second.page!.nextPageToken).toBe("");
    // Without a page request, everything at once (as before paging).
    expect((await heping.bulletins.getBulletinReadStatus({ bulletinId: b.bulletinId, page: undefined })).recipients).toHaveLength(2);
  });

  it("lists what a chamber held here has not read, overdue first, and refuses a recipient not held here", async () => {
    const a = await reportUp("未读一");
    const c = await reportUp("未读二");
    const unread = async () =>
      (
        await heping.bulletins.listUnreadBulletins({
          filter: { recipient: orgRecipient(CHAMBER), party: 0, overdueOnly: false },
          page: { pageSize: 200, pageToken: "" },
        })
      ).bulletins.map((x) => x.bulletin!.bulletinId);
    expect(await unread()).toEqual(expect.arrayContaining([a.bulletinId, c.bulletinId]));
    await heping.bulletins.acknowledgeBulletin({
      bulletinId: a.bulletinId,
      recipient: orgRecipient(CHAMBER),
      version: 0,
      readerName: "",
      reason: "",
      party: 0,
    });
    expect(await unread()).not.toContain(a.bulletinId);
    expect(await unread()).toContain(c.bulletinId);

    const refused = async (filter: bulletinsV1.UnreadBulletinFilter) =>
      (await statusOf(heping.bulletins.listUnreadBulletins({ filter, page: undefined }))).fieldViolations.map((v) => v.field);
    expect(await refused({ recipient: undefined, party: 0, overdueOnly: false })).toEqual(["filter.recipient"]);
    expect(await refused({ recipient: nodeRecipient("120000"), party: 0, overdueOnly: false })).toEqual([
      "filter.recipient.jurisdiction_code",
    ]);
    expect(await refused({ recipient: orgRecipient(CHAMBER), party: B.Party.PARTY_FEDERATION, overdueOnly: false })).toEqual([
      "filter.party",
    ]);
  });

  it("alerts each overdue recipient held here once per version, on the local alerts stream", async () => {
    const b = await reportUp("逾期");
    clock.advance(4 * 24 * 3600 * 1000);
    const scanner = heping.node.seams(bulletinsModule).overdueScanner();
    expect(await scanner.scan()).toBeGreaterThanOrEqual(1);
    expect(await scanner.scan()).toBe(0);
    const alerts = await query(heping.database.url, "select topic from bulletins.outbox where message_key = $1 and event_type = $2", [
      b.bulletinId,
      "jinlian.bulletins.acknowledgement.overdue.v1",
    ]);
    // The chamber is held here; the city (a node recipient) is held, and alerted, at the city.
    expect(alerts.map((r) => r.topic)).toEqual([`${ns}.120101.bulletins.alerts`]);
    const overdue = await heping.bulletins.listUnreadBulletins({
      filter: { recipient: orgRecipient(CHAMBER), party: 0, overdueOnly: true },
      page: undefined,
    });
    expect(overdue.bulletins.map((x) => [x.bulletin!.bulletinId, x.state])).toContainEqual([b.bulletinId, B.ReadState.READ_STATE_OVERDUE]);
  });
});

/** A municipal bulletin delivered to Heping by hand (as the city would send it). */
let received = 0;
async function receiveFromCity(classification = B.Classification.CLASSIFICATION_INTERNAL): Promise<string> {
  const bulletinId = randomUUID();
  received += 1;
  const data = bulletinsEventsV1.BulletinPublished.encode(
    bulletinsEventsV1.BulletinPublished.fromPartial({
      bulletinId,
      kind: B.BulletinKind.BULLETIN_KIND_WORK_BRIEFING,
      issuer: MUNICIPAL_JUSTICE_BUREAU,
      issuingJurisdictionCode: "120000",
      issueNumber: { year: 2026, number: received },
      title: "市级通报",
      body: "正文",
      mainAudience: { allDistricts: false, jurisdictionCodes: ["120101"], organisations: [] },
      copyAudience: { allDistricts: false, jurisdictionCodes: [], organisations: [] },
      urgency: B.Urgency.URGENCY_ROUTINE,
      classification,
      version: 1,
      audit: { actor: "issuer", reason: "", requestId: "r", occurTime: new Date(), jurisdictionCode: "120000" },
      acknowledgementWindowSeconds: "0",
    }),
  ).finish();
  const event: CloudEvent = {
    id: randomUUID(),
    source: "/jinlian/120000/bulletins",
    type: "jinlian.bulletins.bulletin.published.v1",
    time: new Date(),
    subject: bulletinId,
    dataschema: "urn:jinlian:protobuf:jinlian.bulletins.events.v1.BulletinPublished",
    data,
  };
  await producer.send({
    topic: `${ns}.120000.bulletins.to.120101`,
    acks: -1,
    messages: [{ key: bulletinId, value: Buffer.from(data), headers: toKafkaHeaders(event) }],
  });
  await waitFor(
    async () => (await query(heping.database.url, "select 1 from bulletins.bulletins where bulletin_id = $1", [bulletinId])).length === 1,
    {
      timeoutMs: 30_000,
      intervalMs: 200,
      what: "the municipal bulletin at 120101",
    },
  );
  return bulletinId;
}

describe("forwarding (转发)", () => {
  const forward = (bulletinId: string, over: Partial<bulletinsV1.ForwardBulletinRequest> = {}) =>
    heping.bulletins.forwardBulletin({
      bulletinId,
      expectedRevision: 0,
      organisationIds: [],
      creditCodes: [CHAMBER.creditCode],
      reason: "转发学习",
      ...over,
    });

  it("forwards a received bulletin to a chamber of this node, tracked here and reported to the issuer", async () => {
    const id = await receiveFromCity();
    const { bulletin } = await forward(id);
    expect(bulletin!.revision).toBe(2);
    const rs = await heping.bulletins.getBulletinReadStatus({ bulletinId: id, page: undefined });
    const chamber = rs.recipients.find((r) => r.recipient?.recipient?.$case === "organisation")!;
    expect(chamber).toMatchObject({
      forwardedByJurisdictionCode: "120101",
      forwardReason: "转发学习",
      state: B.ReadState.READ_STATE_UNREAD,
    });
    const rows = await query(heping.database.url, "select topic from bulletins.outbox where message_key = $1 and event_type = $2", [
      id,
      "jinlian.bulletins.bulletin.forwarded.v1",
    ]);
    expect(rows.map((r) => r.topic)).toEqual([`${ns}.120101.bulletins.to.120000`]);
    // Forwarding the same chamber again names it as already a recipient.
    const again = await refusedUnchanged(() => forward(id), status.INVALID_ARGUMENT);
    expect(again.fieldViolations.map((v) => v.field)).toEqual(["credit_codes[0]"]);
  });

  it("refuses what cannot be forwarded, changing nothing", async () => {
    const id = await receiveFromCity();
    const fields = async (over: Partial<bulletinsV1.ForwardBulletinRequest>) =>
      (await refusedUnchanged(() => forward(id, over), status.INVALID_ARGUMENT)).fieldViolations.map((v) => v.field);
    expect(await fields({ reason: "" })).toEqual(["reason"]);
    expect(await fields({ creditCodes: [] })).toEqual(["organisation_ids"]);
    expect(await fields({ creditCodes: [withCheckCharacter("51120101MJ9999999")] })).toEqual(["credit_codes[0]"]);
    expect(await fields({ creditCodes: [BUREAU.creditCode] })).toEqual(["credit_codes[0]"]);
    expect(await fields({ creditCodes: [MUNICIPAL_JUSTICE_BUREAU.creditCode] })).toEqual(["credit_codes[0]"]);
    expect((await refusedUnchanged(() => forward(id, { expectedRevision: 7 }), status.ABORTED)).code).toBe(status.ABORTED);
    const gone = await refusedUnchanged(() => forward(id, { creditCodes: [], organisationIds: [goneId] }), status.FAILED_PRECONDITION);
    expect(gone.preconditionViolations.map((v) => v.type)).toEqual(["ORGANISATION_DEACTIVATED"]);
    expect((await refusedUnchanged(() => forward(randomUUID()), status.NOT_FOUND)).code).toBe(status.NOT_FOUND);

    const issuedHere = await reportUp("本级报送");
    const own = await refusedUnchanged(
      () => forward(issuedHere.bulletinId, { creditCodes: [OTHER_CHAMBER.creditCode] }),
      status.FAILED_PRECONDITION,
    );
    expect(own.preconditionViolations.map((v) => v.type)).toEqual(["BULLETIN_ISSUED_HERE"]);

    const restricted = await receiveFromCity(B.Classification.CLASSIFICATION_RESTRICTED);
    const r = await refusedUnchanged(() => forward(restricted), status.FAILED_PRECONDITION);
    expect(r.preconditionViolations.map((v) => v.type)).toEqual(["BULLETIN_RESTRICTED"]);
  });
});
