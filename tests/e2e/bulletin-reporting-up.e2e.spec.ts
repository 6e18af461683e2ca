/**
 * A district reports up (报送) on a real broker: Heping issues to the city in its own gapless
 * series; the city receives it, its justice bureau and its federation each acknowledge (a
 * receipt per party), the receipts come back to Heping, and corrections and recalls go up too.
 */
import { withCheckCharacter } from "@jinlian/kernel";
import { bulletinsV1, commonV1 } from "@jinlian/proto";
import { uniqueNamespace, waitFor } from "../harness/kafka";
import { draftRequest } from "../support/fixtures";
import { approveAndPublish, registerIssuers } from "../support/issuers";
import { startTestNode, type TestNode } from "../support/nodes";

const B = bulletinsV1;
jest.setTimeout(180_000);

const ns = uniqueNamespace("report-up");
let city: TestNode;
let heping: TestNode;

const HEPING_BUREAU = { creditCode: withCheckCharacter("11120101MB2345678"), jurisdictionCode: "120101", name: "和平区司法局" };
const HEPING_FEDERATION = { creditCode: withCheckCharacter("51120101MJ2345679"), jurisdictionCode: "120101", name: "和平区工商业联合会" };

beforeAll(async () => {
  [city, heping] = await Promise.all([
    startTestNode({ jurisdictionCode: "120000", namespace: ns }),
    startTestNode({ jurisdictionCode: "120101", namespace: ns }),
  ]);
  await registerIssuers(heping, [
    { ref: HEPING_BUREAU, type: commonV1.OrganisationType.ORGANISATION_TYPE_JUSTICE_BUREAU },
    { ref: HEPING_FEDERATION, type: commonV1.OrganisationType.ORGANISATION_TYPE_FEDERATION },
  ]);
});

afterAll(async () => {
  for (const n of [city, heping]) await n?.stop();
  for (const n of [city, heping]) await n?.database.drop();
});

const cityNode = { recipient: { $case: "jurisdictionCode" as const, value: "120000" } };
const wait = { timeoutMs: 45_000, intervalMs: 200 };

async function atCity(id: string, version = 1): Promise<bulletinsV1.Bulletin | undefined> {
  try {
    const { bulletin } = await city.bulletins.getBulletin({ bulletinId: id, readerCreditCode: "" });
    return bulletin!.currentVersion >= version ? bulletin : undefined;
  } catch {
    return undefined;
  }
}

/** The city's read state at Heping (the issuer): the node as a whole and each party. */
async function cityAtIssuer(id: string) {
  const rs = await heping.bulletins.getBulletinReadStatus({ bulletinId: id, page: undefined });
  const r = rs.recipients.find((x) => x.recipient?.recipient?.$case === "jurisdictionCode")!;
  return { state: r.state, parties: r.parties.map((p) => [p.party, p.state, p.readerName]), rs };
}

it("Heping reports to the city with its own number; each party's receipt comes back; corrections and recalls go up", async () => {
  const publish = async (title: string) => {
    const { bulletin: d } = await heping.bulletins.createBulletinDraft(
      draftRequest({
        issuer: HEPING_BUREAU,
        title,
        mainAudience: { allDistricts: false, jurisdictionCodes: ["120000"], organisations: [] },
      }),
    );
    return approveAndPublish(heping.bulletins, d!.bulletinId);
  };
  const first = await publish("和平区法治体检工作报送");
  const second = await publish("和平区万所联万会进展报送");
  // Heping's bureau has its own gapless series.
  expect([first.issueNumber!.number, second.issueNumber!.number]).toEqual([1, 2]);
  expect(first.issuingJurisdictionCode).toBe("120101");
  const id = first.bulletinId;

  // The city receives its copy, with the number Heping gave it.
  const copy = await waitFor(() => atCity(id), { ...wait, what: "the report at the city" });
  expect(copy).toMatchObject({ origin: B.Origin.ORIGIN_RECEIVED, issuingJurisdictionCode: "120101", issueNumber: first.issueNumber });

  // The municipal bureau reads it: at Heping one party has read, the city as a whole has not.
  await city.bulletins.acknowledgeBulletin({
    bulletinId: id,
    recipient: cityNode,
    version: 0,
    readerName: "市司法局 张三",
    reason: "",
    party: B.Party.PARTY_JUSTICE_BUREAU,
  });
  await waitFor(async () => (await cityAtIssuer(id)).parties[0]![1] === B.ReadState.READ_STATE_READ, {
    ...wait,
    what: "the bureau's receipt at Heping",
  });
  const half = await cityAtIssuer(id);
  expect(half.state).toBe(B.ReadState.READ_STATE_UNREAD);
  expect(half.parties).toEqual([
    [B.Party.PARTY_JUSTICE_BUREAU, B.ReadState.READ_STATE_READ, "市司法局 张三"],
    [B.Party.PARTY_FEDERATION, B.ReadState.READ_STATE_UNREAD, ""],
  ]);
  expect(half.rs.partySummary).toEqual({ recipients: 2, read: 1, unread: 1, overdue: 0 });

  // The municipal federation reads it too: now the city has read it.
  await city.bulletins.acknowledgeBulletin({
    bulletinId: id,
    recipient: cityNode,
    version: 0,
    readerName: "市工商联 李四",
    reason: "",
    party: B.Party.PARTY_FEDERATION,
  });
  await waitFor(async () => (await cityAtIssuer(id)).state === B.ReadState.READ_STATE_READ, { ...wait, what: "the city read at Heping" });
  const receipts = (await cityAtIssuer(id)).rs.receipts.map((r) => [r.party, r.version, r.readerName]);
  expect(receipts).toEqual([
    [B.Party.PARTY_JUSTICE_BUREAU, 1, "市司法局 张三"],
    [B.Party.PARTY_FEDERATION, 1, "市工商联 李四"],
  ]);

  // A correction goes up as version 2: both parties are unread again.
  await heping.bulletins.correctBulletin({
    bulletinId: id,
    expectedRevision: 0,
    title: "（更正）和平区报送",
    body: "更正正文",
    reason: "数据有误",
  });
  const corrected = await waitFor(() => atCity(id, 2), { ...wait, what: "version 2 at the city" });
  expect(corrected.body).toBe("更正正文");
  expect((await cityAtIssuer(id)).parties.map((p) => p[1])).toEqual([B.ReadState.READ_STATE_UNREAD, B.ReadState.READ_STATE_UNREAD]);
  const unreadAtCity = await city.bulletins.listUnreadBulletins({
    filter: { recipient: cityNode, party: B.Party.PARTY_FEDERATION, overdueOnly: false },
    page: undefined,
  });
  expect(unreadAtCity.bulletins.map((b) => b.bulletin!.bulletinId)).toContain(id);

  // A recall goes up as version 3: nothing is left to acknowledge at either node.
  await heping.bulletins.recallBulletin({ bulletinId: id, expectedRevision: 0, reason: "报送范围有误" });
  const recalled = await waitFor(() => atCity(id, 3), { ...wait, what: "the recall at the city" });
  expect(recalled.status).toBe(B.BulletinStatus.BULLETIN_STATUS_RECALLED);
  expect((await cityAtIssuer(id)).state).toBe(B.ReadState.READ_STATE_NOT_REQUIRED);
  const trail = (
    await city.bulletins.listAuditEntries({ aggregateType: "bulletin", aggregateId: id, actor: "", page: undefined, filter: undefined })
  ).entries.map((e) => e.action);
  expect(trail).toEqual(["BulletinRecalled", "BulletinCorrected", "AcknowledgeBulletin", "AcknowledgeBulletin", "BulletinReceived"]);
});
