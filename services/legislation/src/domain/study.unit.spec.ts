/**
 * Symposia and surveys (art. 6), given / when / then on the decisions' state and events: joint or
 * commissioned, findings on the studied version answered like opinions and published in batches,
 * and the art. 5 review gate counting their unanswered findings.
 */
import { legislationEvents } from "@jinlian/chassis";
import { preconditionType, violatedFields } from "@jinlian/chassis/testing";
import type { legislationEventsV1 } from "@jinlian/proto";
import type { Article } from "./articles";
import type { DecisionContext, OrgRef } from "./context";
import { decideAddVersion, decideMoveToReview, decideRegisterDraft, type Draft } from "./draft";
import {
  decideAnswerFinding,
  decideCancelStudy,
  decideConcludeStudy,
  decidePlanStudy,
  decidePublishStudyFeedback,
  decideRecordFinding,
  isLate,
  studyForGate,
  type Study,
  type StudyPlan,
} from "./study";

const T0 = new Date("2026-03-02T01:00:00Z");
const DAY = 86_400_000;
let n = 0;
const ctx = (at = T0): DecisionContext => ({
  stamp: { actor: "officer", reason: "", requestId: "r", occurTime: at, jurisdictionCode: "120000" },
  here: "120000",
  newId: () => `00000000-0000-4000-8000-${String(++n).padStart(12, "0")}`,
});
const articles = (count: number): Article[] =>
  Array.from({ length: count }, (_, i) => ({ number: i + 1, paragraphs: [{ text: `第${i + 1}条`, items: [] }] }));
const org = (name: string): OrgRef => ({ creditCode: `CODE-${name}`, name, jurisdictionCode: "120000" });
const federation = org("市工商联");
const chamber = org("市总商会");
const enterprise = org("某科技公司");

const registered: Draft = {
  ...decideRegisterDraft(
    "d-1",
    {
      kind: "GOVERNMENT_RULE",
      title: "草案",
      draftingUnit: "发改委",
      concernsPrivateEconomy: true,
      closelyConcernsMarketEntities: false,
      planItemId: "",
      articles: articles(3),
    },
    ctx(),
  ).state,
  revision: 1,
};
// Version 2 has a fourth article; the study looks at version 1.
const draft: Draft = { ...decideAddVersion(registered, articles(4), "增加第四条", ctx()).state, revision: 2 };

const joint: StudyPlan = {
  draftVersion: 1,
  kind: "SYMPOSIUM",
  mode: "JOINT",
  title: "民营企业座谈会",
  startTime: new Date(T0.getTime() + 7 * DAY),
  endTime: undefined,
  location: "市工商联会议室",
  participants: [chamber, enterprise],
  commissioned: undefined,
  dueTime: undefined,
  deliverable: "",
};
const commissioned: StudyPlan = {
  ...joint,
  kind: "SURVEY",
  mode: "COMMISSIONED",
  title: "涉企条款调研",
  commissioned: federation,
  dueTime: new Date(T0.getTime() + 30 * DAY),
  deliverable: "调研报告",
};
const planned = (p: StudyPlan = joint): Study => ({ ...decidePlanStudy("s-1", draft, p, ctx()).state, revision: 1 });
const withFinding = (s: Study, text: string, article = 1, by: OrgRef | undefined = chamber): Study => ({
  ...decideRecordFinding(s, { text, citations: [{ article, paragraph: 0, item: 0 }], submittedBy: by }, draft, {
    ...ctx(),
    findingId: `f-${++n}`,
  }).state,
  revision: s.revision + 1,
});

describe("planning a symposium or survey", () => {
  it("given a joint symposium on version 1, then it is planned on that version with its participants", () => {
    const s = planned();
    expect(s).toMatchObject({ draftVersion: 1, kind: "SYMPOSIUM", mode: "JOINT", status: "PLANNED", participants: [chamber, enterprise] });
    expect(s.commission).toBeUndefined();
  });

  it("given version 0, then the latest version is studied", () => {
    expect(planned({ ...joint, draftVersion: 0 }).draftVersion).toBe(2);
  });

  it("given a commissioned survey, then it carries the federation, the due time and the deliverable", () => {
    expect(planned(commissioned).commission).toEqual({ commissioned: federation, dueTime: commissioned.dueTime, deliverable: "调研报告" });
  });

  it("given a commissioned survey without federation, due time or deliverable, or a joint one carrying them, then each field is named", () => {
    expect(
      violatedFields(() =>
        decidePlanStudy("s", draft, { ...commissioned, commissioned: undefined, dueTime: undefined, deliverable: "" }, ctx()),
      ),
    ).toEqual(["commissioned_credit_code", "due_time", "deliverable"]);
    expect(
      violatedFields(() => decidePlanStudy("s", draft, { ...joint, commissioned: federation, dueTime: T0, deliverable: "报告" }, ctx())),
    ).toEqual(["commissioned_credit_code", "due_time", "deliverable"]);
  });

  it("given an unknown version, no kind or mode, an end before the start or a due time before the start, then each is named", () => {
    expect(
      violatedFields(() =>
        decidePlanStudy(
          "s",
          draft,
          { ...commissioned, draftVersion: 3, kind: undefined, endTime: T0, dueTime: new Date(T0.getTime() + DAY) },
          ctx(),
        ),
      ),
    ).toEqual(["kind", "draft_version", "schedule.end_time", "due_time"]);
    expect(violatedFields(() => decidePlanStudy("s", draft, { ...joint, mode: undefined, startTime: undefined }, ctx()))).toEqual([
      "mode",
      "schedule.start_time",
    ]);
  });

  it("given a draft under review, then FAILED_PRECONDITION DRAFT_UNDER_REVIEW", () => {
    expect(preconditionType(() => decidePlanStudy("s", { ...draft, status: "UNDER_REVIEW" }, joint, ctx()))).toBe("DRAFT_UNDER_REVIEW");
  });
});

describe("findings", () => {
  it("given a planned study, when a participant's finding cites an article of the studied version, then it is recorded", () => {
    const s = withFinding(planned(), "第一条应明确政府责任");
    expect(s.findings).toEqual([
      expect.objectContaining({ text: "第一条应明确政府责任", citations: [{ article: 1, paragraph: 0, item: 0 }], submittedBy: chamber }),
    ]);
  });

  it("when it cites an article only a later version has, or comes from an organisation not taking part, then INVALID_ARGUMENT", () => {
    expect(violatedFields(() => withFinding(planned(), "第四条", 4))).toEqual(["citations[0].article"]);
    expect(violatedFields(() => withFinding(planned(), "意见", 1, federation))).toEqual(["submitted_by_credit_code"]);
    // The federation commissioned may submit findings of its survey.
    expect(withFinding(planned(commissioned), "报告结论", 1, federation).findings).toHaveLength(1);
  });

  it("when the study concluded or was cancelled, then no more findings (STUDY_NOT_PLANNED)", () => {
    const concluded = { ...decideConcludeStudy(planned(), "纪要", ctx()).state, revision: 2 };
    expect(preconditionType(() => withFinding(concluded, "迟到的意见"))).toBe("STUDY_NOT_PLANNED");
  });

  it("given findings, when cancelling, then STUDY_HAS_FINDINGS; without, then CANCELLED", () => {
    expect(preconditionType(() => decideCancelStudy(withFinding(planned(), "意见")))).toBe("STUDY_HAS_FINDINGS");
    expect(decideCancelStudy(planned()).state.status).toBe("CANCELLED");
  });
});

describe("a commissioned survey's delivery", () => {
  it("given a survey due in 30 days, when concluded on day 31, then it is delivered late; before, not late", () => {
    const s = planned(commissioned);
    expect(isLate(s, new Date(T0.getTime() + 29 * DAY))).toBe(false);
    expect(isLate(s, new Date(T0.getTime() + 31 * DAY))).toBe(true);
    const onTime = decideConcludeStudy(s, "调研报告摘要", ctx(new Date(T0.getTime() + 29 * DAY))).state;
    expect(onTime.commission!.deliveredAt).toEqual(new Date(T0.getTime() + 29 * DAY));
    expect(isLate(onTime, new Date(T0.getTime() + 60 * DAY))).toBe(false);
    expect(isLate(decideConcludeStudy(s, "摘要", ctx(new Date(T0.getTime() + 31 * DAY))).state, T0)).toBe(true);
  });
});

describe("answers, feedback and the review gate", () => {
  const held = () => {
    const s = withFinding(withFinding(planned(), "第一条"), "第二条", 2);
    return { ...decideConcludeStudy(s, "座谈会纪要", ctx()).state, revision: s.revision + 1 };
  };

  it("given a planned study, when the draft concerns the private economy, then the gate waits for it (STUDY_OPEN)", () => {
    expect(preconditionType(() => decideMoveToReview({ ...draft, concernsPrivateEconomy: false }, [], [studyForGate(planned())]))).toBe(
      "STUDY_OPEN",
    );
  });

  it("given two findings without published answers, then the gate lists one FINDING_UNANSWERED each, after the round's own rules", () => {
    const s = held();
    try {
      decideMoveToReview(draft, [{ roundId: "r-1", open: false, unanswered: [] }], [studyForGate(s)]);
      throw new Error("expected a refusal");
    } catch (err) {
      expect((err as { violations: { type: string; subject: string }[] }).violations).toEqual(
        s.findings.map((f) => expect.objectContaining({ type: "FINDING_UNANSWERED", subject: `study/s-1/finding/${f.findingId}` })),
      );
    }
  });

  it("when answered without explanation for NOT_ADOPTED, then INVALID_ARGUMENT; an unknown finding likewise", () => {
    const s = held();
    expect(
      violatedFields(() => decideAnswerFinding(s, { findingId: s.findings[0]!.findingId, outcome: "NOT_ADOPTED", explanation: "" }, ctx())),
    ).toEqual(["explanation"]);
    expect(violatedFields(() => decideAnswerFinding(s, { findingId: "f-x", outcome: "ADOPTED", explanation: "" }, ctx()))).toEqual([
      "finding_id",
    ]);
  });

  it("when every finding is answered and published, then StudyFeedbackPublished goes to the feedback stream and the gate opens", () => {
    let s = held();
    const [a, b] = s.findings;
    s = decideAnswerFinding(s, { findingId: a!.findingId, outcome: "ADOPTED", explanation: "" }, ctx()).state;
    s = decideAnswerFinding(s, { findingId: b!.findingId, outcome: "PARTLY_ADOPTED", explanation: "部分吸收" }, ctx()).state;
    const published = decidePublishStudyFeedback(s, ctx());
    expect(published.batch).toBe(1);
    expect(published.events.map((e) => [e.descriptor, e.to])).toEqual([
      [legislationEvents.studyFeedbackPublished, [{ local: "feedback" }]],
    ]);
    const data = published.events[0]!.data as legislationEventsV1.StudyFeedbackPublished;
    expect(data.decisions.map((d) => [d.findingId, d.explanation, d.submittedBy?.name])).toEqual([
      [a!.findingId, "", chamber.name],
      [b!.findingId, "部分吸收", chamber.name],
    ]);
    expect(decideMoveToReview(draft, [{ roundId: "r-1", open: false, unanswered: [] }], [studyForGate(published.state)]).state.status).toBe(
      "UNDER_REVIEW",
    );
    // A published answer is final; nothing new to publish.
    expect(
      preconditionType(() =>
        decideAnswerFinding(published.state, { findingId: a!.findingId, outcome: "NOT_ADOPTED", explanation: "x" }, ctx()),
      ),
    ).toBe("ANSWER_PUBLISHED");
    expect(preconditionType(() => decidePublishStudyFeedback(published.state, ctx()))).toBe("NOTHING_TO_PUBLISH");
  });

  it("given a planned study, when publishing, then STUDY_NOT_CONCLUDED", () => {
    expect(preconditionType(() => decidePublishStudyFeedback(withFinding(planned(), "意见"), ctx()))).toBe("STUDY_NOT_CONCLUDED");
  });
});
