/**
 * Rounds, given / when / then on the decisions' state and events: the fan-out to district nodes,
 * a district's consolidated reply, grouping, feedback to each supporter's node, and the art. 5
 * review gate with one violation per unanswered item.
 */
import { FailedPreconditionError, InvalidArgumentError, legislationEvents } from "@jinlian/chassis";
import type { Article } from "./articles";
import type { DecisionContext, OrgRef } from "./context";
import { decideMoveToReview, decideRegisterDraft, type Draft } from "./draft";
import {
  decideAnswerPosition,
  decideApplyDistrictReply,
  decideOpenRound,
  decidePublishFeedback,
  decideSendDistrictReply,
  decideSubmitOpinion,
  roundForGate,
  roundFromCity,
  type Round,
  type RoundWindow,
} from "./round";

const T0 = new Date("2026-03-02T01:00:00Z");
let n = 0;
const ctx = (here = "120000", at = T0): DecisionContext => ({
  stamp: { actor: "officer", reason: "", requestId: "r", occurTime: at, jurisdictionCode: here },
  here,
  newId: () => `00000000-0000-4000-8000-${String(++n).padStart(12, "0")}`,
});
const articles: Article[] = [1, 2, 3].map((number) => ({ number, paragraphs: [{ text: `第${number}条`, items: [] }] }));
const window: RoundWindow = {
  unit: "CALENDAR_DAYS",
  length: 30,
  minimum: 30,
  startTime: T0,
  lastDay: "2026-04-01",
  closeTime: new Date("2026-04-01T16:00:00Z"),
  calendarVersion: "test",
};
const org = (name: string, jurisdictionCode = "120000"): OrgRef => ({ creditCode: `CODE-${name}`, name, jurisdictionCode });
const federation = org("工商联");
const draft: Draft = {
  ...decideRegisterDraft(
    "d-1",
    {
      kind: "GOVERNMENT_RULE",
      title: "草案",
      draftingUnit: "发改委",
      concernsPrivateEconomy: true,
      closelyConcernsMarketEntities: false,
      planItemId: "",
      articles,
    },
    ctx(),
  ).state,
  revision: 1,
};
const open = (): Round => ({
  ...decideOpenRound("round-1", draft, { window, organisations: [federation], districts: ["120101", "120103"] }, ctx()).state,
  revision: 1,
});

describe("opening a round", () => {
  it("sends the consulted text and window to each addressed district node, and nothing elsewhere", () => {
    const { events, state } = decideOpenRound(
      "round-1",
      draft,
      { window, organisations: [federation], districts: ["120101", "120103"] },
      ctx(),
    );
    expect(events.map((e) => [e.descriptor, e.to])).toEqual([
      [legislationEvents.roundOpened, [{ node: "120101" }]],
      [legislationEvents.roundOpened, [{ node: "120103" }]],
    ]);
    expect(events[0]!.data).toEqual(expect.objectContaining({ roundId: "round-1", draftVersion: 1, addressedJurisdictionCode: "120101" }));
    expect(state.districts.map((d) => d.jurisdictionCode)).toEqual(["120101", "120103"]);
  });
});

describe("a district's consolidated reply", () => {
  const atDistrict = (): Round => ({ ...roundFromCity({ ...open(), stamp: open().opened }).state, revision: 1 });

  it("carries each organisation's opinions up to the city, once", () => {
    const chamber = org("和平区总商会", "120101");
    const given = {
      ...atDistrict(),
      ...decideSubmitOpinion(
        atDistrict(),
        { organisation: chamber, citations: [{ article: 2, paragraph: 0, item: 0 }], text: "意见" },
        ctx("120101"),
      ).state,
    };
    const { events, state } = decideSendDistrictReply(given, false, ctx("120101"));
    expect(events).toHaveLength(1);
    expect(events[0]!.descriptor).toBe(legislationEvents.districtReplySent);
    expect(events[0]!.to).toEqual([{ node: "120000" }]);
    expect(events[0]!.data).toEqual(
      expect.objectContaining({
        jurisdictionCode: "120101",
        noOpinion: false,
        opinions: [expect.objectContaining({ organisation: chamber, text: "意见" })],
      }),
    );
    expect(() => decideSendDistrictReply(state, false, ctx("120101"))).toThrow(FailedPreconditionError);
  });

  it("is 无意见 only when nothing was collected, and is refused after the window", () => {
    expect(decideSendDistrictReply(atDistrict(), true, ctx("120101")).events[0]!.data).toEqual(
      expect.objectContaining({ noOpinion: true, opinions: [] }),
    );
    expect(() => decideSendDistrictReply(atDistrict(), false, ctx("120101"))).toThrow(FailedPreconditionError);
    expect(() => decideSendDistrictReply(atDistrict(), true, ctx("120101", window.closeTime))).toThrow(/closed/);
  });

  it("joins the city's round grouped with identical opinions from anywhere", () => {
    const chamber = org("和平区总商会", "120101");
    const withFederation = decideSubmitOpinion(
      open(),
      { organisation: federation, citations: [{ article: 1, paragraph: 0, item: 0 }], text: "建议：删除第一条。" },
      ctx(),
    ).state;
    const { state } = decideApplyDistrictReply(
      withFederation,
      {
        jurisdictionCode: "120101",
        noOpinion: false,
        sentAt: T0,
        opinions: [
          {
            opinionId: "op-d",
            organisation: chamber,
            citations: [{ article: 1, paragraph: 0, item: 0 }],
            text: "建议 删除第一条",
            submittedAt: T0,
          },
        ],
      },
      ctx(),
    );
    expect(state.positions).toHaveLength(1);
    expect(state.positions[0]!.opinionIds).toHaveLength(2);
    expect(state.opinions.find((o) => o.opinionId === "op-d")!.via).toBe("120101");
    expect(state.districts[0]).toEqual(expect.objectContaining({ jurisdictionCode: "120101", opinionCount: 1, noOpinion: false }));
    expect(() =>
      decideApplyDistrictReply(open(), { jurisdictionCode: "120102", noOpinion: true, sentAt: T0, opinions: [] }, ctx()),
    ).toThrow(InvalidArgumentError);
  });
});

describe("feedback and the review gate", () => {
  it("publishes a batch to the local stream and to each district node with supporters, with only its opinions", () => {
    let r = decideSubmitOpinion(
      open(),
      { organisation: federation, citations: [{ article: 1, paragraph: 0, item: 0 }], text: "甲" },
      ctx(),
    ).state;
    r = decideApplyDistrictReply(
      r,
      {
        jurisdictionCode: "120101",
        noOpinion: false,
        sentAt: T0,
        opinions: [
          {
            opinionId: "op-d",
            organisation: org("商会", "120101"),
            citations: [{ article: 1, paragraph: 0, item: 0 }],
            text: "甲",
            submittedAt: T0,
          },
        ],
      },
      ctx(),
    ).state;
    const position = r.positions[0]!;
    r = decideAnswerPosition(r, { positionId: position.positionId, outcome: "ADOPTED", explanation: "" }, ctx()).state;
    expect(() => decidePublishFeedback(r, ctx())).toThrow(/after the round closed/);
    const closedAt = ctx("120000", window.closeTime);
    const { events, state } = decidePublishFeedback(r, closedAt);
    expect(events.map((e) => e.to)).toEqual([[{ local: "feedback" }], [{ node: "120101" }]]);
    expect((events[1]!.data as { decisions: { opinionIds: string[] }[] }).decisions[0]!.opinionIds).toEqual(["op-d"]);
    expect(state.positions[0]!.answer!.publishedBatch).toBe(1);
  });

  it("lists one violation per unanswered item, and passes once all are published", () => {
    let r = decideSubmitOpinion(
      open(),
      { organisation: federation, citations: [{ article: 1, paragraph: 0, item: 0 }], text: "甲" },
      ctx(),
    ).state;
    r = decideSubmitOpinion(r, { organisation: federation, citations: [{ article: 2, paragraph: 0, item: 0 }], text: "乙" }, ctx()).state;
    const later = window.closeTime;
    try {
      decideMoveToReview(draft, [roundForGate(r, later)]);
      throw new Error("expected a refusal");
    } catch (err) {
      expect((err as FailedPreconditionError).violations.map((v) => v.type)).toEqual(["OPINION_UNANSWERED", "OPINION_UNANSWERED"]);
    }
    for (const p of r.positions)
      r = decideAnswerPosition(r, { positionId: p.positionId, outcome: "NOT_ADOPTED", explanation: "不符合上位法" }, ctx()).state;
    r = decidePublishFeedback(r, ctx("120000", later)).state;
    expect(decideMoveToReview(draft, [roundForGate(r, later)]).state.status).toBe("UNDER_REVIEW");
    // A draft not concerning the private economy needs no round.
    expect(decideMoveToReview({ ...draft, concernsPrivateEconomy: false }, []).state.status).toBe("UNDER_REVIEW");
  });
});
