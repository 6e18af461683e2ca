/**
 * Forwarding (转发) on a real broker: the city issues to Heping, Heping forwards it to one of its
 * chambers, the chamber acknowledges at Heping, and the city sees the chamber — forwarded by
 * Heping — and its receipt in the read status of the whole tree.
 */
import { withCheckCharacter } from "@jinlian/kernel";
import { bulletinsV1, commonV1 } from "@jinlian/proto";
import { uniqueNamespace, waitFor } from "../harness/kafka";
import { draftRequest } from "../support/fixtures";
import { approveAndPublish, registerIssuers } from "../support/issuers";
import { startTestNode, type TestNode } from "../support/nodes";

const B = bulletinsV1;
jest.setTimeout(180_000);

const ns = uniqueNamespace("forward");
let city: TestNode;
let heping: TestNode;

const CHAMBER = { creditCode: withCheckCharacter("51120101MJ3456780"), jurisdictionCode: "120101", name: "和平区民营企业商会" };

beforeAll(async () => {
  [city, heping] = await Promise.all([
    startTestNode({ jurisdictionCode: "120000", namespace: ns }),
    startTestNode({ jurisdictionCode: "120101", namespace: ns }),
  ]);
  await Promise.all([
    registerIssuers(city),
    registerIssuers(heping, [{ ref: CHAMBER, type: commonV1.OrganisationType.ORGANISATION_TYPE_CHAMBER_OF_COMMERCE }]),
  ]);
});

afterAll(async () => {
  for (const n of [city, heping]) await n?.stop();
  for (const n of [city, heping]) await n?.database.drop();
});

const wait = { timeoutMs: 45_000, intervalMs: 200 };
const isChamber = (r: bulletinsV1.RecipientReadStatus) =>
  r.recipient?.recipient?.$case === "organisation" && r.recipient.recipient.value.creditCode === CHAMBER.creditCode;

it("a chamber Heping forwarded to acknowledges at Heping, and the city sees it in the tree", async () => {
  const { bulletin: d } = await city.bulletins.createBulletinDraft(draftRequest({ coIssuers: [] }));
  const published = await approveAndPublish(city.bulletins, d!.bulletinId);
  const id = published.bulletinId;
  const copy = await waitFor(
    async () => {
      try {
        return (await heping.bulletins.getBulletin({ bulletinId: id, readerCreditCode: "" })).bulletin;
      } catch {
        return undefined;
      }
    },
    { ...wait, what: "the bulletin at Heping" },
  );

  // Heping forwards it to its chamber, with a reason.
  const { bulletin: forwarded } = await heping.bulletins.forwardBulletin({
    bulletinId: id,
    expectedRevision: copy!.revision,
    organisationIds: [],
    creditCodes: [CHAMBER.creditCode],
    reason: "转发辖区商会学习贯彻",
  });
  expect(forwarded!.revision).toBe(copy!.revision + 1);
  // It answers with the bulletin as it saved it, new recipients counted: what a read then shows.
  expect(forwarded).toEqual((await heping.bulletins.getBulletin({ bulletinId: id, readerCreditCode: "" })).bulletin);

  // The city learns of the chamber: a recipient held at Heping, forwarded by Heping, unread.
  const atCity = async () => (await city.bulletins.getBulletinReadStatus({ bulletinId: id, page: undefined })).recipients.find(isChamber);
  const tracked = await waitFor(atCity, { ...wait, what: "the forwarded chamber at the city" });
  expect(tracked).toMatchObject({
    deliveryJurisdictionCode: "120101",
    forwardedByJurisdictionCode: "120101",
    forwardReason: "转发辖区商会学习贯彻",
    state: B.ReadState.READ_STATE_UNREAD,
    role: B.RecipientRole.RECIPIENT_ROLE_MAIN,
  });

  // The chamber reads it at Heping; its receipt reaches the city.
  await heping.bulletins.acknowledgeBulletin({
    bulletinId: id,
    recipient: { recipient: { $case: "organisation", value: CHAMBER } },
    version: 0,
    readerName: "商会秘书长 王五",
    reason: "",
    party: 0,
  });
  await waitFor(async () => (await atCity())?.state === B.ReadState.READ_STATE_READ, {
    ...wait,
    what: "the chamber's receipt at the city",
  });
  const rs = await city.bulletins.getBulletinReadStatus({ bulletinId: id, page: undefined });
  expect(rs.receipts.map((r) => [r.recipient?.recipient?.$case, r.readerName])).toEqual([["organisation", "商会秘书长 王五"]]);
  // Heping (both parties) and the chamber: three parties, one of which has read.
  expect(rs.partySummary).toEqual({ recipients: 3, read: 1, unread: 2, overdue: 0 });
  const trail = (
    await city.bulletins.listAuditEntries({ aggregateType: "bulletin", aggregateId: id, actor: "", page: undefined, filter: undefined })
  ).entries.map((e) => e.action);
  expect(trail.slice(0, 2)).toEqual(["BulletinAcknowledged", "BulletinForwarded"]);
});
