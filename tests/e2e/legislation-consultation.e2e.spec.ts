/**
 * An opinion solicitation round across nodes on a real broker: the city consults its federation
 * and three district nodes. Heping (120101) replies with opinions of two of its chambers, Hexi
 * (120103) replies 无意见, Hedong (120102) never replies and is overdue once the window closes; it
 * joins late and still sees the open round by replay, then is refused once the round closed.
 * Identical opinions are grouped across nodes; the published feedback reaches each supporter's node.
 */
import { status } from "@grpc/grpc-js";
import { legislationModule } from "@jinlian/legislation";
import { legislationV1 } from "@jinlian/proto";
import { uniqueNamespace, waitFor } from "../harness/kafka";
import { OrgType, type Party } from "../support/liaison-fixtures";
import { clockAt, consultedParty, moveTo, openRoundRequest, opinionRequest, registerDraftRequest } from "../support/legislation-fixtures";
import { startTestNode, statusOf, type TestClock, type TestNode } from "../support/nodes";

const L = legislationV1;
const R = L.DistrictReplyStatus;
jest.setTimeout(180_000);

const ns = uniqueNamespace("legislation-rounds");
const environment = { LEGISLATION_CLOSE_SCAN_INTERVAL_MS: "3600000" };
let clock: TestClock;
let city: TestNode;
let heping: TestNode;
let hexi: TestNode;
let hedong: TestNode | undefined;
let federation: Party;
let hepingChamber1: Party;
let hepingChamber2: Party;

beforeAll(async () => {
  clock = clockAt("2026-03-02T01:00:00Z");
  [city, heping, hexi] = await Promise.all(
    ["120000", "120101", "120103"].map((jurisdictionCode) => startTestNode({ jurisdictionCode, namespace: ns, clock, environment })),
  );
  [federation, hepingChamber1, hepingChamber2] = await Promise.all([
    consultedParty(city, OrgType.ORGANISATION_TYPE_FEDERATION, "天津市工商业联合会", "120000"),
    consultedParty(heping, OrgType.ORGANISATION_TYPE_CHAMBER_OF_COMMERCE, "和平区总商会", "120101"),
    consultedParty(heping, OrgType.ORGANISATION_TYPE_CHAMBER_OF_COMMERCE, "和平区餐饮商会", "120101"),
  ]);
});

afterAll(async () => {
  for (const n of [city, heping, hexi, hedong]) await n?.stop();
  for (const n of [city, heping, hexi, hedong]) await n?.database.drop();
});

const code = (p: Party) => p.organisation.creditCode;
async function roundAt(node: TestNode, roundId: string): Promise<legislationV1.Round | undefined> {
  try {
    return (await node.legislation.consultations.getRound({ roundId })).round;
  } catch {
    return undefined;
  }
}
const wait = <T>(fn: () => Promise<T | undefined | false>, what: string) => waitFor(fn, { timeoutMs: 60_000, intervalMs: 250, what });

it("fans a city round out to district nodes, takes their replies, groups across them and feeds the answers back", async () => {
  // A district node makes normative documents only.
  const rule = await statusOf(heping.legislation.drafts.registerDraft(registerDraftRequest()));
  expect(rule.code).toBe(status.INVALID_ARGUMENT);
  expect(rule.fieldViolations.map((v) => v.field)).toEqual(["kind"]);

  const { draft } = await city.legislation.drafts.registerDraft(registerDraftRequest());
  const draftId = draft!.draftId;
  const { round: opened } = await city.legislation.consultations.openRound(
    openRoundRequest({ draftId, organisationCreditCodes: [code(federation)], districtJurisdictionCodes: ["120101", "120103", "120102"] }),
  );
  const roundId = opened!.roundId;
  expect(opened!.districts.map((d) => [d.jurisdictionCode, d.status])).toEqual([
    ["120101", R.DISTRICT_REPLY_STATUS_AWAITING],
    ["120103", R.DISTRICT_REPLY_STATUS_AWAITING],
    ["120102", R.DISTRICT_REPLY_STATUS_AWAITING],
  ]);

  // Each district holds the round under the same id, with the consulted text and the window.
  const atHeping = await wait(() => roundAt(heping, roundId), "the round at 120101");
  await wait(() => roundAt(hexi, roundId), "the round at 120103");
  expect(atHeping).toEqual(
    expect.objectContaining({
      origin: L.RoundOrigin.ROUND_ORIGIN_CITY,
      openingJurisdictionCode: "120000",
      draftId,
      draftVersion: 1,
      status: L.RoundStatus.ROUND_STATUS_OPEN,
      window: expect.objectContaining({ lastDay: "2026-04-01", closeTime: new Date("2026-04-01T16:00:00Z") }),
    }),
  );
  expect(atHeping!.articles).toHaveLength(5);

  // Heping collects two chambers' opinions (an unknown 条 refused there too) and replies once.
  const shared = "第三条第一款的审批时限过长，建议压缩至五个工作日。";
  const unknown = await statusOf(
    heping.legislation.consultations.submitOpinion(opinionRequest(roundId, code(hepingChamber1), shared, [{ article: 8 }])),
  );
  expect(unknown.fieldViolations.map((v) => v.field)).toEqual(["citations[0].article"]);
  await heping.legislation.consultations.submitOpinion(
    opinionRequest(roundId, code(hepingChamber1), shared, [{ article: 3, paragraph: 1 }]),
  );
  await heping.legislation.consultations.submitOpinion(
    opinionRequest(roundId, code(hepingChamber2), "第四条应明确餐饮行业的过渡期。", [{ article: 4 }]),
  );
  const notEmpty = await statusOf(
    heping.legislation.consultations.sendDistrictReply({ roundId, expectedRevision: 0, noOpinion: true, reason: "" }),
  );
  expect(notEmpty.fieldViolations.map((v) => v.field)).toEqual(["no_opinion"]);
  await heping.legislation.consultations.sendDistrictReply({ roundId, expectedRevision: 0, noOpinion: false, reason: "汇总报送" });
  const twice = await statusOf(
    heping.legislation.consultations.sendDistrictReply({ roundId, expectedRevision: 0, noOpinion: false, reason: "" }),
  );
  expect(twice.preconditionViolations.map((v) => v.type)).toEqual(["REPLY_SENT"]);
  // Hexi has no opinion.
  const nothing = await statusOf(
    hexi.legislation.consultations.sendDistrictReply({ roundId, expectedRevision: 0, noOpinion: false, reason: "" }),
  );
  expect(nothing.preconditionViolations.map((v) => v.type)).toEqual(["NOTHING_TO_REPLY"]);
  await hexi.legislation.consultations.sendDistrictReply({ roundId, expectedRevision: 0, noOpinion: true, reason: "无意见" });

  // The federation at the city says the same as Heping's chamber (full-width punctuation aside).
  await city.legislation.consultations.submitOpinion(
    opinionRequest(roundId, code(federation), "第三条第一款的审批时限过长, 建议压缩至五个工作日", [{ article: 3, paragraph: 1 }]),
  );

  const replied = await wait(async () => {
    const r = await roundAt(city, roundId);
    return r && r.districts.filter((d) => d.status !== R.DISTRICT_REPLY_STATUS_AWAITING).length === 2 ? r : undefined;
  }, "both replies at the city");
  expect(replied.districts.map((d) => [d.jurisdictionCode, d.status, d.opinionCount])).toEqual([
    ["120101", R.DISTRICT_REPLY_STATUS_REPLIED, 2],
    ["120103", R.DISTRICT_REPLY_STATUS_NO_OPINION, 0],
    ["120102", R.DISTRICT_REPLY_STATUS_AWAITING, 0],
  ]);
  // Grouped across nodes: one position, supported by the city's federation and Heping's chamber.
  const group = replied.positions.find((p) => p.opinionIds.length === 2)!;
  expect(group.supporters.map((s) => s.creditCode).sort()).toEqual([code(federation), code(hepingChamber1)].sort());
  expect(
    replied.opinions
      .filter((o) => o.viaJurisdictionCode === "120101")
      .map((o) => o.organisation!.creditCode)
      .sort(),
  ).toEqual([code(hepingChamber1), code(hepingChamber2)].sort());

  // An extension reaches the district nodes.
  await city.legislation.consultations.extendRound({ roundId, expectedRevision: 0, windowLength: 35, reason: "应商会请求延长" });
  await wait(async () => (await roundAt(heping, roundId))?.window?.lastDay === "2026-04-07" || undefined, "the extension at 120101");

  // Hedong joins late (its node starts now) and sees the open round by replay.
  hedong = await startTestNode({ jurisdictionCode: "120102", namespace: ns, clock, environment });
  const atHedong = await wait(() => roundAt(hedong!, roundId), "the round replayed at 120102");
  expect(atHedong.window!.lastDay).toBe("2026-04-07");
  expect(atHedong.windowChanges).toHaveLength(1);

  // The window passes: the city records the closing, Hedong is overdue and refused.
  moveTo(clock, new Date("2026-04-07T16:00:01Z"));
  expect(await city.node.seams(legislationModule).closeDueRounds()).toBe(1);
  const closed = await roundAt(city, roundId);
  expect(closed!.districts.find((d) => d.jurisdictionCode === "120102")!.status).toBe(R.DISTRICT_REPLY_STATUS_OVERDUE);
  await wait(
    async () => (await roundAt(hedong!, roundId))?.status === L.RoundStatus.ROUND_STATUS_CLOSED || undefined,
    "the closing at 120102",
  );
  const late = await statusOf(
    hedong.legislation.consultations.sendDistrictReply({ roundId, expectedRevision: 0, noOpinion: true, reason: "" }),
  );
  expect(late.preconditionViolations.map((v) => v.type)).toEqual(["ROUND_CLOSED"]);

  // Feedback: the group adopted in part, the other opinion not adopted; published as one batch.
  const other = closed!.positions.find((p) => p.positionId !== group.positionId)!;
  await city.legislation.consultations.answerPosition({
    roundId,
    expectedRevision: 0,
    positionId: group.positionId,
    outcome: L.AdoptionOutcome.ADOPTION_OUTCOME_PARTLY_ADOPTED,
    explanation: "时限压缩至十个工作日",
    reason: "",
  });
  await city.legislation.consultations.answerPosition({
    roundId,
    expectedRevision: 0,
    positionId: other.positionId,
    outcome: L.AdoptionOutcome.ADOPTION_OUTCOME_NOT_ADOPTED,
    explanation: "过渡期由配套文件规定",
    reason: "",
  });
  await city.legislation.consultations.publishFeedback({ roundId, expectedRevision: 0, reason: "公布采纳情况" });

  // Each of Heping's chambers sees the answer to its own opinion.
  const answered = await wait(async () => {
    const r = await roundAt(heping, roundId);
    return r && r.opinions.every((o) => o.answer?.publishedBatch === 1) ? r : undefined;
  }, "the feedback at 120101");
  const answerOf = (p: Party) => answered.opinions.find((o) => o.organisation!.creditCode === code(p))!.answer!;
  expect(answerOf(hepingChamber1)).toEqual(
    expect.objectContaining({ outcome: L.AdoptionOutcome.ADOPTION_OUTCOME_PARTLY_ADOPTED, explanation: "时限压缩至十个工作日" }),
  );
  expect(answerOf(hepingChamber2)).toEqual(expect.objectContaining({ outcome: L.AdoptionOutcome.ADOPTION_OUTCOME_NOT_ADOPTED }));
  // Hexi had no supporters: no feedback batch there.
  expect((await roundAt(hexi, roundId))!.feedbackBatches).toBe(0);

  // The art. 5 gate opens.
  const { draft: reviewed } = await city.legislation.drafts.moveDraftToReview({ draftId, expectedRevision: 0, reason: "送审" });
  expect(reviewed!.status).toBe(L.DraftStatus.DRAFT_STATUS_UNDER_REVIEW);
});
