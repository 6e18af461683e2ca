/**
 * The bulletins audit trail and kept history at one node, against real Kafka and PostgreSQL:
 * every mutation leaves an entry with its reason (ListAuditEntries through the SDK, filters and
 * paging), refusals and replays leave none, receipts and versions are kept.
 */
import { randomUUID } from "node:crypto";
import { status } from "@grpc/grpc-js";
import { bulletinsV1 } from "@jinlian/proto";
import { uniqueNamespace } from "../harness/kafka";
import { bulletinsFootprint, query } from "../support/db";
import { draftRequest, MUNICIPAL_FEDERATION } from "../support/fixtures";
import { bulletinsClient, startTestNode, statusOf, type TestNode } from "../support/nodes";
import { APPROVER, approveAndPublish, registerIssuers } from "../support/issuers";
import { bulletinsOf } from "../support/answers";

jest.setTimeout(60_000);

let city: TestNode;

beforeAll(async () => {
  city = await startTestNode({ jurisdictionCode: "120000", namespace: uniqueNamespace("audit") });
  await registerIssuers(city);
});

afterAll(async () => {
  await city?.stop();
  await city?.database.drop();
});

// The federation is a recipient tracked at the city itself, so the city can acknowledge for it.
const federation: bulletinsV1.Recipient = { recipient: { $case: "organisation", value: MUNICIPAL_FEDERATION } };
const audience = { allDistricts: false, jurisdictionCodes: ["120101"], organisations: [MUNICIPAL_FEDERATION] };
/** AcknowledgeBulletin with the fields a test does not name left at their defaults. */
const acknowledge = (req: Partial<bulletinsV1.AcknowledgeBulletinRequest>, options?: { requestId?: string }) =>
  bulletinsOf(city).acknowledgeBulletin(bulletinsV1.AcknowledgeBulletinRequest.fromPartial(req), options);

async function entriesOf(bulletinId: string) {
  return (
    await city.bulletins.listAuditEntries({ aggregateType: "", aggregateId: bulletinId, actor: "", page: { pageSize: 200, pageToken: "" } })
  ).entries;
}

describe("every mutation is audited", () => {
  it("records action, revision, actor, reason and request id of each, newest first, and keeps every receipt", async () => {
    const ids = Array.from({ length: 8 }, () => randomUUID());
    const { bulletin: draft } = await bulletinsOf(city).createBulletinDraft(draftRequest({ mainAudience: audience, reason: "起草" }), {
      requestId: ids[0],
    });
    const id = draft!.bulletinId;
    await bulletinsOf(city).updateBulletinDraft(
      { ...draftRequest({ mainAudience: audience }), bulletinId: id, expectedRevision: 1, reason: "修改" },
      { requestId: ids[1] },
    );
    await bulletinsOf(city).approveBulletin(
      { bulletinId: id, expectedRevision: 2, approver: APPROVER, reason: "同意" },
      { requestId: ids[7] },
    );
    await bulletinsOf(city).publishBulletin({ bulletinId: id, expectedRevision: 3, reason: "按期印发" }, { requestId: ids[2] });
    const ack = { bulletinId: id, recipient: federation, version: 0 };
    await acknowledge({ ...ack, readerName: "张三", reason: "已阅" }, { requestId: ids[3] });
    await bulletinsOf(city).correctBulletin(
      { bulletinId: id, expectedRevision: 4, title: "更正后", body: "更正正文", reason: "数据有误" },
      { requestId: ids[4] },
    );
    await acknowledge({ ...ack, readerName: "李四", reason: "已阅更正" }, { requestId: ids[5] });
    await bulletinsOf(city).recallBulletin({ bulletinId: id, expectedRevision: 5, reason: "发错对象" }, { requestId: ids[6] });

    const entries = await entriesOf(id);
    expect(entries.map((e) => [e.aggregateType, e.action, e.revision, e.audit!.reason, e.audit!.requestId])).toEqual([
      ["bulletin", "RecallBulletin", 6, "发错对象", ids[6]],
      ["bulletin", "AcknowledgeBulletin", 5, "已阅更正", ids[5]],
      ["bulletin", "CorrectBulletin", 5, "数据有误", ids[4]],
      ["bulletin", "AcknowledgeBulletin", 4, "已阅", ids[3]],
      ["bulletin", "PublishBulletin", 4, "按期印发", ids[2]],
      ["bulletin", "ApproveBulletin", 3, "同意", ids[7]],
      ["bulletin", "UpdateBulletinDraft", 2, "修改", ids[1]],
      ["bulletin", "CreateBulletinDraft", 1, "起草", ids[0]],
    ]);
    for (const e of entries) {
      expect(e.aggregateId).toBe(id);
      expect(e.audit).toMatchObject({ actor: "test-operator", jurisdictionCode: "120000" });
    }

    // Acknowledging the correction kept the first receipt; the recipient row shows the latest.
    const read = await city.bulletins.getBulletinReadStatus({ bulletinId: id });
    expect(read.receipts.map((r) => [r.version, r.readerName, r.reason, r.acknowledgedBy, r.requestId])).toEqual([
      [1, "张三", "已阅", "test-operator", ids[3]],
      [2, "李四", "已阅更正", "test-operator", ids[5]],
    ]);
    expect(read.receipts.every((r) => r.recipient!.recipient?.$case === "organisation")).toBe(true);
    const row = read.recipients.find((r) => r.recipient!.recipient?.$case === "organisation")!;
    expect([row.acknowledgedVersion, row.readerName]).toEqual([2, "李四"]);
  });

  it("writes one entry for a replayed request id, none for a repeated acknowledgement of the same version", async () => {
    const requestId = randomUUID();
    const first = await bulletinsOf(city).createBulletinDraft(draftRequest({ mainAudience: audience, reason: "一次" }), { requestId });
    const again = await bulletinsOf(city).createBulletinDraft(draftRequest({ mainAudience: audience, reason: "一次" }), { requestId });
    expect(again.bulletin!.bulletinId).toBe(first.bulletin!.bulletinId);
    const id = first.bulletin!.bulletinId;
    await approveAndPublish(city.bulletins, id);
    const ack = { bulletinId: id, recipient: federation, version: 0, readerName: "张三", reason: "" };
    await acknowledge(ack);
    const before = await bulletinsFootprint(city.database.url);
    await acknowledge(ack);
    expect(await bulletinsFootprint(city.database.url)).toEqual(before);
    expect((await entriesOf(id)).map((e) => e.action)).toEqual([
      "AcknowledgeBulletin",
      "PublishBulletin",
      "ApproveBulletin",
      "CreateBulletinDraft",
    ]);
  });
});

describe("refused calls write nothing", () => {
  it("leaves no entry for a stale revision, a bad reason or a superseded version", async () => {
    const { bulletin: d } = await bulletinsOf(city).createBulletinDraft(draftRequest({ mainAudience: audience }));
    const id = d!.bulletinId;
    await bulletinsOf(city).approveBulletin({ bulletinId: id, expectedRevision: 1, approver: APPROVER, reason: "" });
    await bulletinsOf(city).publishBulletin({ bulletinId: id, expectedRevision: 2, reason: "" });
    await bulletinsOf(city).correctBulletin({ bulletinId: id, expectedRevision: 3, title: "二版", body: "正文", reason: "更正" });
    const before = await bulletinsFootprint(city.database.url);
    const entries = await entriesOf(id);

    const stale = await statusOf(bulletinsOf(city).recallBulletin({ bulletinId: id, expectedRevision: 3, reason: "撤回" }));
    expect(stale.code).toBe(status.ABORTED);
    const longReason = await statusOf(
      acknowledge({ bulletinId: id, recipient: federation, version: 0, readerName: "", reason: "因".repeat(1001) }),
    );
    expect(longReason.fieldViolations.map((v) => v.field)).toEqual(["reason"]);
    const superseded = await statusOf(acknowledge({ bulletinId: id, recipient: federation, version: 1, readerName: "", reason: "" }));
    expect(superseded.code).toBe(status.FAILED_PRECONDITION);
    const badDraft = await statusOf(bulletinsOf(city).createBulletinDraft(draftRequest({ title: "", reason: "起草" })));
    expect(badDraft.code).toBe(status.INVALID_ARGUMENT);

    expect(await bulletinsFootprint(city.database.url)).toEqual(before);
    expect(await entriesOf(id)).toEqual(entries);
  });
});

describe("ListAuditEntries", () => {
  it("filters by actor and aggregate, and pages through every entry exactly once", async () => {
    const actor = `editor-${randomUUID()}`;
    const other = bulletinsClient(city.address, actor);
    try {
      const { bulletin } = await other.createBulletinDraft(draftRequest({ mainAudience: audience, reason: "他人起草" }));
      const id = bulletin!.bulletinId;
      for (let revision = 1; revision <= 4; revision++)
        await other.updateBulletinDraft({
          ...draftRequest({ mainAudience: audience }),
          bulletinId: id,
          expectedRevision: revision,
          reason: `第${revision}次修改`,
        });
      const mine = await city.bulletins.listAuditEntries({
        aggregateType: "bulletin",
        aggregateId: "",
        actor,
        page: { pageSize: 0, pageToken: "" },
      });
      expect(mine.page!.totalSize).toBe(5);
      expect(mine.entries.every((e) => e.audit!.actor === actor && e.aggregateId === id)).toBe(true);

      const seen: string[] = [];
      let pageToken = "";
      do {
        const page = await city.bulletins.listAuditEntries({
          aggregateType: "",
          aggregateId: id,
          actor: "",
          page: { pageSize: 2, pageToken },
        });
        expect(page.entries.length).toBeLessThanOrEqual(2);
        expect(page.page!.totalSize).toBe(5);
        seen.push(...page.entries.map((e) => e.audit!.reason));
        pageToken = page.page!.nextPageToken;
      } while (pageToken);
      expect(seen).toEqual(["第4次修改", "第3次修改", "第2次修改", "第1次修改", "他人起草"]);
    } finally {
      other.close();
    }
  });

  it("refuses a bad filter or page with INVALID_ARGUMENT naming each field", async () => {
    const bad = await statusOf(
      city.bulletins.listAuditEntries({
        aggregateType: "organisation",
        aggregateId: "not-a-uuid",
        actor: "",
        page: { pageSize: 1000, pageToken: "%%%" },
      }),
    );
    expect(bad.code).toBe(status.INVALID_ARGUMENT);
    expect(bad.fieldViolations.map((v) => v.field).sort()).toEqual(["aggregate_id", "aggregate_type", "page.page_size", "page.page_token"]);
  });
});

describe("history is kept", () => {
  it("refuses to delete a bulletin with versions, and receipts are never cascaded away", async () => {
    const { bulletin: d } = await bulletinsOf(city).createBulletinDraft(draftRequest({ mainAudience: audience }));
    const id = d!.bulletinId;
    await approveAndPublish(city.bulletins, id);
    await acknowledge({ bulletinId: id, recipient: federation, version: 0, readerName: "", reason: "" });
    await expect(query(city.database.url, "delete from bulletins.bulletins where bulletin_id = $1", [id])).rejects.toThrow(/foreign key/);
    await expect(query(city.database.url, "delete from bulletins.bulletin_recipients where bulletin_id = $1", [id])).rejects.toThrow(
      /foreign key/,
    );
    expect(await query(city.database.url, "select version from bulletins.bulletin_receipts where bulletin_id = $1", [id])).toEqual([
      { version: 1 },
    ]);
  });
});
