/**
 * A correction that fixes the audience, across nodes on a real broker: the node added receives the
 * bulletin at the current version (补发) with the same issue number, the node removed sees it
 * withdrawn, the node kept sees the correction; and a restricted bulletin (限制分发) is readable at
 * the receiving node only by its named recipients' parties.
 */
import { status } from "@grpc/grpc-js";
import { withCheckCharacter } from "@jinlian/kernel";
import { bulletinsV1, commonV1 } from "@jinlian/proto";
import { uniqueNamespace, waitFor } from "../harness/kafka";
import { draftRequest, MUNICIPAL_JUSTICE_BUREAU } from "../support/fixtures";
import { approveAndPublish, registerIssuers } from "../support/issuers";
import { startTestNode, statusOf, type TestNode } from "../support/nodes";

const B = bulletinsV1;
jest.setTimeout(180_000);

const ns = uniqueNamespace("audience");
let city: TestNode;
let heping: TestNode; // 120101: addressed, then removed
let hedong: TestNode; // 120102: addressed throughout
let hexi: TestNode; // 120103: added by the correction

const HEPING_BUREAU = { creditCode: withCheckCharacter("11120101MB0000088"), jurisdictionCode: "120101", name: "和平区司法局" };
const HEPING_ENTERPRISE = { creditCode: withCheckCharacter("91120101MA0000088"), jurisdictionCode: "120101", name: "和平某科技有限公司" };
const WAIT = { timeoutMs: 60_000, intervalMs: 250 };

beforeAll(async () => {
  [city, heping, hedong, hexi] = await Promise.all([
    startTestNode({ jurisdictionCode: "120000", namespace: ns }),
    startTestNode({ jurisdictionCode: "120101", namespace: ns }),
    startTestNode({ jurisdictionCode: "120102", namespace: ns }),
    startTestNode({ jurisdictionCode: "120103", namespace: ns }),
  ]);
  await registerIssuers(city);
  // Heping's registry knows its justice bureau (a party of node 120101) and an enterprise.
  await registerIssuers(heping, [
    { ref: HEPING_BUREAU, type: commonV1.OrganisationType.ORGANISATION_TYPE_JUSTICE_BUREAU },
    { ref: HEPING_ENTERPRISE, type: commonV1.OrganisationType.ORGANISATION_TYPE_ENTERPRISE },
  ]);
});

afterAll(async () => {
  for (const n of [city, heping, hedong, hexi]) await n?.stop();
  for (const n of [city, heping, hedong, hexi]) await n?.database.drop();
});

async function heldAt(node: TestNode, id: string, version: number, reader = ""): Promise<bulletinsV1.Bulletin | undefined> {
  try {
    const { bulletin } = await node.bulletins.getBulletin({ bulletinId: id, readerCreditCode: reader });
    return bulletin!.currentVersion >= version ? bulletin : undefined;
  } catch {
    return undefined;
  }
}

const nodes = (...codes: string[]) => ({ allDistricts: false, jurisdictionCodes: codes, organisations: [] });
const isNode = (code: string) => (r: bulletinsV1.RecipientReadStatus) =>
  r.recipient?.recipient?.$case === "jurisdictionCode" && r.recipient.recipient.value === code;

it("supplies the bulletin to the node added at the current version and withdraws it from the node removed", async () => {
  const { bulletin: draft } = await city.bulletins.createBulletinDraft(draftRequest({ mainAudience: nodes("120101", "120102") }));
  const v1 = await approveAndPublish(city.bulletins, draft!.bulletinId, "按期印发");
  const id = v1.bulletinId;
  await waitFor(() => heldAt(heping, id, 1), { ...WAIT, what: "the bulletin at 120101" });
  await waitFor(() => heldAt(hedong, id, 1), { ...WAIT, what: "the bulletin at 120102" });
  expect((await statusOf(hexi.bulletins.getBulletin({ bulletinId: id, readerCreditCode: "" }))).code).toBe(status.NOT_FOUND);

  const { bulletin: v2 } = await city.bulletins.correctBulletin({
    bulletinId: id,
    expectedRevision: v1.revision,
    title: "更正：关于民营企业法治体检工作进展的简报",
    body: v1.body,
    reason: "主送单位有误：应为河东区、河西区",
    mainAudience: nodes("120102", "120103"),
    copyAudience: undefined,
  });
  expect(v2!.currentVersion).toBe(2);

  // Added: Hexi holds it at version 2, with the same issue number, the approval and its own recipient.
  const supplied = await waitFor(() => heldAt(hexi, id, 2), { ...WAIT, what: "the bulletin supplied to 120103" });
  expect(supplied.origin).toBe(B.Origin.ORIGIN_RECEIVED);
  expect(supplied.status).toBe(B.BulletinStatus.BULLETIN_STATUS_PUBLISHED);
  expect(supplied.issueNumber).toEqual(v1.issueNumber);
  expect(supplied.title).toBe("更正：关于民营企业法治体检工作进展的简报");
  expect(supplied.approval?.approver).toEqual(v1.approval!.approver);
  expect(supplied.versions.map((v) => [v.version, v.reason])).toEqual([[2, "主送单位有误：应为河东区、河西区"]]);
  const atHexi = await hexi.bulletins.getBulletinReadStatus({ bulletinId: id });
  expect(atHexi.recipients.find(isNode("120103"))!.state).toBe(B.ReadState.READ_STATE_UNREAD);

  // Kept: Hedong has the correction.
  const corrected = await waitFor(() => heldAt(hedong, id, 2), { ...WAIT, what: "the correction at 120102" });
  expect(corrected.status).toBe(B.BulletinStatus.BULLETIN_STATUS_PUBLISHED);
  expect(corrected.mainAudience!.jurisdictionCodes).toEqual(["120102", "120103"]);

  // Removed: at Heping it is withdrawn — recalled for its recipient, nothing to acknowledge.
  const withdrawn = await waitFor(() => heldAt(heping, id, 2), { ...WAIT, what: "the withdrawal at 120101" });
  expect(withdrawn.status).toBe(B.BulletinStatus.BULLETIN_STATUS_RECALLED);
  expect(withdrawn.versions.at(-1)).toMatchObject({ version: 2, change: B.VersionChange.VERSION_CHANGE_RECALL });
  const atHeping = await heping.bulletins.getBulletinReadStatus({ bulletinId: id });
  expect(atHeping.recipients.find(isNode("120101"))!.state).toBe(B.ReadState.READ_STATE_NOT_REQUIRED);
  const current = await heping.bulletins.listBulletins({
    filter: B.BulletinFilter.fromPartial({ status: B.BulletinStatus.BULLETIN_STATUS_PUBLISHED }),
    page: undefined,
    readerCreditCode: "",
  });
  expect(current.bulletins.map((b) => b.bulletinId)).not.toContain(id);

  // At the issuer: 120101 is kept for the record with nothing to acknowledge; no second number was drawn.
  const atCity = await city.bulletins.getBulletinReadStatus({ bulletinId: id });
  expect(atCity.recipients.find(isNode("120101"))!.state).toBe(B.ReadState.READ_STATE_NOT_REQUIRED);
  expect(atCity.recipients.find(isNode("120103"))!.state).toBe(B.ReadState.READ_STATE_UNREAD);
  expect((await city.bulletins.getBulletin({ bulletinId: id, readerCreditCode: "" })).bulletin!.issueNumber).toEqual(v1.issueNumber);
});

it("lets only a named recipient's parties read a restricted bulletin at the receiving node", async () => {
  const { bulletin: draft } = await city.bulletins.createBulletinDraft(
    draftRequest({
      classification: B.Classification.CLASSIFICATION_RESTRICTED,
      title: "限制分发：专项工作通报",
      mainAudience: nodes("120101"),
    }),
  );
  const b = await approveAndPublish(city.bulletins, draft!.bulletinId);
  const id = b.bulletinId;
  // Heping's justice bureau stands for node 120101: it reads it there.
  const held = await waitFor(() => heldAt(heping, id, 1, HEPING_BUREAU.creditCode), { ...WAIT, what: "the restricted bulletin at 120101" });
  expect(held.classification).toBe(B.Classification.CLASSIFICATION_RESTRICTED);
  // Nobody else at that node does, nor an anonymous caller.
  for (const reader of ["", HEPING_ENTERPRISE.creditCode])
    expect((await statusOf(heping.bulletins.getBulletin({ bulletinId: id, readerCreditCode: reader }))).code).toBe(status.NOT_FOUND);
  const list = async (reader: string) =>
    (
      await heping.bulletins.listBulletins({ filter: B.BulletinFilter.fromPartial({}), page: undefined, readerCreditCode: reader })
    ).bulletins.map((x) => x.bulletinId);
  expect(await list(HEPING_BUREAU.creditCode)).toContain(id);
  expect(await list(HEPING_ENTERPRISE.creditCode)).not.toContain(id);
  expect(await list("")).not.toContain(id);
  // The issuer reads it at its own node.
  expect(
    (await city.bulletins.getBulletin({ bulletinId: id, readerCreditCode: MUNICIPAL_JUSTICE_BUREAU.creditCode })).bulletin!.bulletinId,
  ).toBe(id);
});
