/**
 * The legislation service over gRPC at the municipal node, against real PostgreSQL and Kafka:
 * the plan and project suggestions, drafts with versions and diffs, a round with its statutory
 * window, opinions against the consulted version, grouping (identical, near-identical, merge,
 * split), adoption feedback and the art. 5 review gate; bad input and impossible transitions
 * refused with the right status and nothing changed.
 */
import { randomUUID } from "node:crypto";
import { status } from "@grpc/grpc-js";
import { legislationModule } from "@jinlian/legislation";
import { legislationV1 } from "@jinlian/proto";
import { uniqueNamespace } from "../harness/kafka";
import { query } from "../support/db";
import { OrgType, type Party } from "../support/liaison-fixtures";
import {
  articles,
  clockAt,
  consultedParty,
  Kind,
  moveTo,
  openRoundRequest,
  opinionRequest,
  registerDraftRequest,
} from "../support/legislation-fixtures";
import { startTestNode, statusOf, type TestClock, type TestNode } from "../support/nodes";

const L = legislationV1;
jest.setTimeout(90_000);

let city: TestNode;
let clock: TestClock;
let federation: Party;
let chamberA: Party;
let chamberB: Party;
let chamberC: Party;
let firm: Party;

beforeAll(async () => {
  // Monday 2 March 2026, 09:00 in Tianjin: inside the calendar's data.
  clock = clockAt("2026-03-02T01:00:00Z");
  city = await startTestNode({
    jurisdictionCode: "120000",
    namespace: uniqueNamespace("legislation"),
    clock,
    // Closings are recorded on demand here (the clock jumps).
    environment: { LEGISLATION_CLOSE_SCAN_INTERVAL_MS: "3600000" },
  });
  federation = await consultedParty(city, OrgType.ORGANISATION_TYPE_FEDERATION, "天津市工商业联合会", "120000");
  chamberA = await consultedParty(city, OrgType.ORGANISATION_TYPE_CHAMBER_OF_COMMERCE, "天津市总商会", "120000");
  chamberB = await consultedParty(city, OrgType.ORGANISATION_TYPE_CHAMBER_OF_COMMERCE, "天津市浙江商会", "120000");
  chamberC = await consultedParty(city, OrgType.ORGANISATION_TYPE_CHAMBER_OF_COMMERCE, "天津市福建商会", "120000");
  firm = await consultedParty(city, OrgType.ORGANISATION_TYPE_LAW_FIRM, "天津某律师事务所", "120000");
});

afterAll(async () => {
  await city?.stop();
  await city?.database.drop();
});

const code = (p: Party) => p.organisation.creditCode;
const footprint = async () =>
  Object.fromEntries(
    await Promise.all(
      ["plans", "drafts", "rounds", "audit_entries", "outbox"].map(async (t) => [
        t,
        (await query<{ n: string }>(city.database.url, `select count(*) as n from legislation.${t}`))[0]!.n,
      ]),
    ),
  );
const docOf = async (table: string, id: string, key: string) =>
  (
    await query<{ doc: unknown; revision: number }>(city.database.url, `select doc, revision from legislation.${table} where ${key} = $1`, [
      id,
    ])
  )[0];

describe("the annual plan and project suggestions", () => {
  it("takes the federation's suggestions, answers each, and is fixed only when all are answered", async () => {
    const requestId = randomUUID();
    const { plan } = await city.legislation.plan.createPlan({ year: 2026, reason: "编制年度立法计划" }, { requestId });
    // The answer is the plan as saved, not read back: the same as reading it, and as a repeat.
    expect(plan).toEqual((await city.legislation.plan.getPlan({ planId: plan!.planId })).plan);
    expect((await city.legislation.plan.createPlan({ year: 2026, reason: "编制年度立法计划" }, { requestId })).plan).toEqual(plan);
    const again = await statusOf(city.legislation.plan.createPlan({ year: 2026, reason: "" }));
    expect(again.code).toBe(status.ALREADY_EXISTS);
    const s1 = await city.legislation.plan.submitProjectSuggestion({
      planId: plan!.planId,
      expectedRevision: 1,
      suggestedByCreditCode: code(federation),
      title: "天津市民营经济促进条例",
      kind: Kind.DRAFT_KIND_LOCAL_REGULATION,
      rationale: "落实民营经济促进法",
      reason: "",
    });
    const s2 = await city.legislation.plan.submitProjectSuggestion({
      planId: plan!.planId,
      expectedRevision: 2,
      suggestedByCreditCode: code(chamberA),
      title: "天津市商会条例",
      kind: Kind.DRAFT_KIND_LOCAL_REGULATION,
      rationale: "规范商会",
      reason: "",
    });
    expect(s1.suggestion).toEqual(expect.objectContaining({ outcome: L.SuggestionOutcome.SUGGESTION_OUTCOME_PENDING }));
    expect(s1.suggestion!.suggestedBy).toEqual(expect.objectContaining({ creditCode: code(federation), name: "天津市工商业联合会" }));
    // A change answers with the plan as saved: the same as reading it.
    expect(s2.plan).toEqual((await city.legislation.plan.getPlan({ planId: plan!.planId })).plan);

    // A law firm does not suggest projects; nothing changes.
    const before = await footprint();
    const byFirm = await statusOf(
      city.legislation.plan.submitProjectSuggestion({
        planId: plan!.planId,
        expectedRevision: 0,
        suggestedByCreditCode: code(firm),
        title: "x",
        kind: Kind.DRAFT_KIND_LOCAL_REGULATION,
        rationale: "x",
        reason: "",
      }),
    );
    expect(byFirm.code).toBe(status.INVALID_ARGUMENT);
    expect(byFirm.fieldViolations.map((v) => v.field)).toEqual(["suggested_by_credit_code"]);
    const normative = await statusOf(
      city.legislation.plan.addPlanItem({
        planId: plan!.planId,
        expectedRevision: 0,
        title: "x",
        kind: Kind.DRAFT_KIND_NORMATIVE_DOCUMENT,
        draftingUnit: "x",
        concernsPrivateEconomy: false,
        reason: "",
      }),
    );
    expect(normative.fieldViolations.map((v) => v.field)).toEqual(["kind"]);
    expect(await footprint()).toEqual(before);

    // Fixing waits for both answers: one violation per unanswered suggestion.
    const early = await statusOf(city.legislation.plan.fixPlan({ planId: plan!.planId, expectedRevision: 0, reason: "" }));
    expect(early.code).toBe(status.FAILED_PRECONDITION);
    expect(early.preconditionViolations.map((v) => v.subject).sort()).toEqual(
      [`suggestion/${s1.suggestion!.suggestionId}`, `suggestion/${s2.suggestion!.suggestionId}`].sort(),
    );

    const notWhy = await statusOf(
      city.legislation.plan.answerProjectSuggestion({
        planId: plan!.planId,
        expectedRevision: 0,
        suggestionId: s2.suggestion!.suggestionId,
        outcome: L.SuggestionOutcome.SUGGESTION_OUTCOME_NOT_ACCEPTED,
        explanation: "",
        draftingUnit: "",
        concernsPrivateEconomy: false,
        reason: "",
      }),
    );
    expect(notWhy.fieldViolations.map((v) => v.field)).toEqual(["explanation"]);
    await city.legislation.plan.answerProjectSuggestion({
      planId: plan!.planId,
      expectedRevision: 3,
      suggestionId: s1.suggestion!.suggestionId,
      outcome: L.SuggestionOutcome.SUGGESTION_OUTCOME_ACCEPTED,
      explanation: "",
      draftingUnit: "天津市工商业联合会",
      concernsPrivateEconomy: true,
      reason: "列入计划",
    });
    await city.legislation.plan.answerProjectSuggestion({
      planId: plan!.planId,
      expectedRevision: 4,
      suggestionId: s2.suggestion!.suggestionId,
      outcome: L.SuggestionOutcome.SUGGESTION_OUTCOME_NOT_ACCEPTED,
      explanation: "条件尚不成熟，列为调研项目",
      draftingUnit: "",
      concernsPrivateEconomy: false,
      reason: "",
    });
    const { plan: fixed } = await city.legislation.plan.fixPlan({ planId: plan!.planId, expectedRevision: 5, reason: "印发" });
    expect(fixed!.status).toBe(L.PlanStatus.PLAN_STATUS_FIXED);
    expect(fixed!.items).toEqual([
      expect.objectContaining({ title: "天津市民营经济促进条例", suggestionId: s1.suggestion!.suggestionId, concernsPrivateEconomy: true }),
    ]);
    expect(fixed!.suggestions.map((s) => s.outcome)).toEqual([
      L.SuggestionOutcome.SUGGESTION_OUTCOME_ACCEPTED,
      L.SuggestionOutcome.SUGGESTION_OUTCOME_NOT_ACCEPTED,
    ]);

    // A draft implements the item; a made-up item is refused.
    const { draft } = await city.legislation.drafts.registerDraft(
      registerDraftRequest({ kind: Kind.DRAFT_KIND_LOCAL_REGULATION, planItemId: fixed!.items[0]!.planItemId }),
    );
    expect(draft!.planItemId).toBe(fixed!.items[0]!.planItemId);
    const unknownItem = await statusOf(
      city.legislation.drafts.registerDraft(registerDraftRequest({ planItemId: "00000000-0000-4000-8000-000000000000" })),
    );
    expect(unknownItem.fieldViolations.map((v) => v.field)).toEqual(["plan_item_id"]);
  });
});

describe("drafts", () => {
  it("keeps numbered articles in versions with a changelog and diffs any two versions", async () => {
    const { draft } = await city.legislation.drafts.registerDraft(registerDraftRequest({ articles: articles(3) }));
    const v2 = articles(4);
    v2[1] = { number: 2, paragraphs: [{ text: "第2条（修改）", items: [] }] };
    const { draft: after } = await city.legislation.drafts.addDraftVersion({
      draftId: draft!.draftId,
      expectedRevision: 1,
      articles: v2,
      changelog: "修改第二条，增加第四条",
      reason: "",
    });
    expect(after!.versions.map((v) => [v.version, v.changelog])).toEqual([
      [1, ""],
      [2, "修改第二条，增加第四条"],
    ]);
    const diff = await city.legislation.drafts.diffDraftVersions({ draftId: draft!.draftId, fromVersion: 1, toVersion: 2 });
    expect(diff.changes.map((c) => [c.number, c.change])).toEqual([
      [2, L.ArticleChangeKind.ARTICLE_CHANGE_KIND_MODIFIED],
      [4, L.ArticleChangeKind.ARTICLE_CHANGE_KIND_ADDED],
    ]);
    expect(diff.unchangedCount).toBe(2);
    const back = await city.legislation.drafts.diffDraftVersions({ draftId: draft!.draftId, fromVersion: 2, toVersion: 1 });
    expect(back.changes.map((c) => c.change)).toEqual([
      L.ArticleChangeKind.ARTICLE_CHANGE_KIND_MODIFIED,
      L.ArticleChangeKind.ARTICLE_CHANGE_KIND_REMOVED,
    ]);
    const missing = await statusOf(city.legislation.drafts.diffDraftVersions({ draftId: draft!.draftId, fromVersion: 1, toVersion: 3 }));
    expect(missing.fieldViolations.map((v) => v.field)).toEqual(["to_version"]);
  });

  it("refuses bad articles, naming each, and a stale revision, changing nothing", async () => {
    const { draft } = await city.legislation.drafts.registerDraft(registerDraftRequest());
    const before = await footprint();
    const gap = await statusOf(
      city.legislation.drafts.registerDraft(
        registerDraftRequest({ articles: [articles(1)[0]!, { number: 3, paragraphs: [{ text: "", items: [] }] }] }),
      ),
    );
    expect(gap.code).toBe(status.INVALID_ARGUMENT);
    expect(gap.fieldViolations.map((v) => v.field)).toEqual(expect.arrayContaining(["articles[1].number", "articles[1].paragraphs[0]"]));
    const stale = await statusOf(
      city.legislation.drafts.addDraftVersion({
        draftId: draft!.draftId,
        expectedRevision: 7,
        articles: articles(2),
        changelog: "x",
        reason: "",
      }),
    );
    expect(stale.code).toBe(status.ABORTED);
    const unknown = await statusOf(city.legislation.drafts.getDraft({ draftId: "00000000-0000-4000-8000-000000000000" }));
    expect(unknown.code).toBe(status.NOT_FOUND);
    expect(await footprint()).toEqual(before);
  });
});

describe("a round, its opinions, grouping, feedback and the review gate", () => {
  let draftId: string;
  let roundId: string;

  it("opens with the kind's minimum window, counted by the stated rule", async () => {
    const { draft } = await city.legislation.drafts.registerDraft(registerDraftRequest());
    draftId = draft!.draftId;
    // The gate: nothing was consulted yet.
    const unconsulted = await statusOf(city.legislation.drafts.moveDraftToReview({ draftId, expectedRevision: 0, reason: "" }));
    expect(unconsulted.preconditionViolations.map((v) => v.type)).toEqual(["CONSULTATION_NOT_HELD"]);

    const before = await footprint();
    const short = await statusOf(
      city.legislation.consultations.openRound(
        openRoundRequest({ draftId, windowLength: 10, organisationCreditCodes: [code(federation)] }),
      ),
    );
    expect(short.fieldViolations.map((v) => v.field)).toEqual(["shorter_window"]);
    const noOne = await statusOf(city.legislation.consultations.openRound(openRoundRequest({ draftId })));
    expect(noOne.fieldViolations.map((v) => v.field)).toEqual(["organisation_credit_codes"]);
    const firmAddressed = await statusOf(
      city.legislation.consultations.openRound(openRoundRequest({ draftId, organisationCreditCodes: [code(firm)] })),
    );
    expect(firmAddressed.fieldViolations.map((v) => v.field)).toEqual(["organisation_credit_codes[0]"]);
    expect(await footprint()).toEqual(before);

    const { round } = await city.legislation.consultations.openRound(
      openRoundRequest({
        draftId,
        expectedRevision: 1,
        organisationCreditCodes: [code(federation), code(chamberA), code(chamberB), code(chamberC)],
      }),
    );
    roundId = round!.roundId;
    expect(round).toEqual((await city.legislation.consultations.getRound({ roundId })).round);
    // Opened Mon 2 March 09:00 CST; day 30 is Wed 1 April; closes at 24:00 CST that day.
    expect(round!.window).toEqual(
      expect.objectContaining({
        unit: L.WindowUnit.WINDOW_UNIT_CALENDAR_DAYS,
        length: 30,
        minimum: 30,
        lastDay: "2026-04-01",
        closeTime: new Date("2026-04-01T16:00:00Z"),
      }),
    );
    expect(round!.status).toBe(L.RoundStatus.ROUND_STATUS_OPEN);
    expect(round!.draftVersion).toBe(1);
    const { draft: consulted } = await city.legislation.drafts.getDraft({ draftId });
    expect(consulted!.consultationOpened).toBe(true);
    const second = await statusOf(
      city.legislation.consultations.openRound(openRoundRequest({ draftId, organisationCreditCodes: [code(federation)] })),
    );
    expect(second.preconditionViolations.map((v) => v.type)).toEqual(["ROUND_OPEN"]);
  });

  it("takes opinions on articles of the consulted version only, also after a new version", async () => {
    const unknownArticle = await statusOf(
      city.legislation.consultations.submitOpinion(opinionRequest(roundId, code(federation), "删除", [{ article: 9 }])),
    );
    expect(unknownArticle.code).toBe(status.INVALID_ARGUMENT);
    expect(unknownArticle.fieldViolations.map((v) => v.field)).toEqual(["citations[0].article"]);
    const badItem = await statusOf(
      city.legislation.consultations.submitOpinion(
        opinionRequest(roundId, code(federation), "删除", [{ article: 1, paragraph: 2, item: 1 }]),
      ),
    );
    expect(badItem.fieldViolations.map((v) => v.field)).toEqual(["citations[0].item"]);

    // A new version mid-round (article 5 removed, 6 added): the round still consults version 1.
    await city.legislation.drafts.addDraftVersion({
      draftId,
      expectedRevision: 0,
      articles: articles(4, "v2"),
      changelog: "删去第五条",
      reason: "",
    });
    const { opinion } = await city.legislation.consultations.submitOpinion(
      opinionRequest(roundId, code(federation), "建议保留第五条关于涉企检查的限制。", [{ article: 5 }]),
    );
    expect(opinion).toEqual(expect.objectContaining({ citations: [{ article: 5, paragraph: 0, item: 0 }], viaJurisdictionCode: "" }));
    const v2Only = await statusOf(
      city.legislation.consultations.submitOpinion(opinionRequest(roundId, code(federation), "x", [{ article: 6 }])),
    );
    expect(v2Only.fieldViolations.map((v) => v.field)).toEqual(["citations[0].article"]);

    // A law firm is not consulted (and was not addressed).
    const unaddressed = await statusOf(city.legislation.consultations.submitOpinion(opinionRequest(roundId, code(firm), "x")));
    expect(unaddressed.code).toBe(status.INVALID_ARGUMENT);
  });

  it("groups identical opinions as one position, proposes near-identical ones, merges and splits", async () => {
    const text = "第二条第一款规定的“十个工作日”过短，建议改为二十个工作日。";
    await city.legislation.consultations.submitOpinion(opinionRequest(roundId, code(chamberA), text, [{ article: 2, paragraph: 1 }]));
    // The same after NFKC, whitespace and punctuation: full-width vs half-width, spaces, quotes.
    const { round } = await city.legislation.consultations.submitOpinion(
      opinionRequest(roundId, code(chamberB), " 第二条第一款规定的十个工作日过短 建议改为二十个工作日! ", [{ article: 2, paragraph: 1 }]),
    );
    const identical = round!.positions.filter((p) => p.opinionIds.length === 2);
    expect(identical).toHaveLength(1);
    expect(identical[0]!.supporters.map((s) => s.creditCode).sort()).toEqual([code(chamberA), code(chamberB)].sort());
    expect(identical[0]!.formation).toBe(L.PositionFormation.POSITION_FORMATION_IDENTICAL);

    // Near-identical: one character differs; proposed, not merged.
    const { round: r3, opinion } = await city.legislation.consultations.submitOpinion(
      opinionRequest(roundId, code(chamberC), "第二条第一款规定的十个工作日过短，建议改为三十个工作日。", [{ article: 2, paragraph: 1 }]),
    );
    expect(r3!.positions).toHaveLength(3);
    const near = opinion!.positionId;
    const { proposals, threshold } = await city.legislation.consultations.listGroupingProposals({ roundId });
    expect(threshold).toBe(0.8);
    expect(proposals).toEqual([expect.objectContaining({ positionIds: expect.arrayContaining([identical[0]!.positionId, near]) })]);
    expect(proposals[0]!.similarity).toBeGreaterThanOrEqual(0.8);

    const { position: merged } = await city.legislation.consultations.mergePositions({
      roundId,
      expectedRevision: 0,
      positionIds: [identical[0]!.positionId, near],
      reason: "实质相同",
    });
    expect(merged!.formation).toBe(L.PositionFormation.POSITION_FORMATION_MERGED);
    expect(merged!.supporters).toHaveLength(3);
    const { round: afterSplit, position: split } = await city.legislation.consultations.splitPosition({
      roundId,
      expectedRevision: 0,
      positionId: merged!.positionId,
      opinionIds: [opinion!.opinionId],
      reason: "期限主张不同",
    });
    expect(split!.opinionIds).toEqual([opinion!.opinionId]);
    expect(afterSplit!.positions.find((p) => p.positionId === merged!.positionId)!.opinionIds).toHaveLength(2);
    const all = await statusOf(
      city.legislation.consultations.splitPosition({
        roundId,
        expectedRevision: 0,
        positionId: split!.positionId,
        opinionIds: [opinion!.opinionId],
        reason: "",
      }),
    );
    expect(all.fieldViolations.map((v) => v.field)).toEqual(["opinion_ids"]);
  });

  it("holds the draft at the review gate until the round closed and every position has a published answer", async () => {
    const { round } = await city.legislation.consultations.getRound({ roundId });
    expect(round!.positions).toHaveLength(3);
    const open = await statusOf(city.legislation.drafts.moveDraftToReview({ draftId, expectedRevision: 0, reason: "" }));
    expect(open.preconditionViolations.map((v) => v.type)).toEqual([
      "ROUND_OPEN",
      "OPINION_UNANSWERED",
      "OPINION_UNANSWERED",
      "OPINION_UNANSWERED",
    ]);
    const early = await statusOf(city.legislation.consultations.publishFeedback({ roundId, expectedRevision: 0, reason: "" }));
    expect(early.preconditionViolations.map((v) => v.type)).toEqual(["ROUND_OPEN"]);

    // Past 24:00 CST of the last day the round is closed: no more opinions.
    moveTo(clock, new Date("2026-04-01T15:59:50Z"));
    await city.legislation.consultations.submitOpinion(opinionRequest(roundId, code(federation), "最后一刻的意见", [{ article: 3 }]));
    moveTo(clock, new Date("2026-04-01T16:00:00Z"));
    const late = await statusOf(
      city.legislation.consultations.submitOpinion(opinionRequest(roundId, code(federation), "迟到的意见", [{ article: 3 }])),
    );
    expect(late.preconditionViolations.map((v) => v.type)).toEqual(["ROUND_CLOSED"]);
    const closed = await city.node.seams(legislationModule).closeDueRounds();
    expect(closed).toBeGreaterThanOrEqual(1);

    const { round: r } = await city.legislation.consultations.getRound({ roundId });
    expect(r!.status).toBe(L.RoundStatus.ROUND_STATUS_CLOSED);
    const gate = await statusOf(city.legislation.drafts.moveDraftToReview({ draftId, expectedRevision: 0, reason: "" }));
    expect(gate.code).toBe(status.FAILED_PRECONDITION);
    expect(gate.preconditionViolations).toHaveLength(4);
    expect(gate.preconditionViolations.every((v) => v.type === "OPINION_UNANSWERED")).toBe(true);

    // Clearing the flag now needs a reason.
    const noReason = await statusOf(
      city.legislation.drafts.setDraftFlags({
        draftId,
        expectedRevision: 0,
        concernsPrivateEconomy: false,
        closelyConcernsMarketEntities: false,
        reason: "",
      }),
    );
    expect(noReason.fieldViolations.map((v) => v.field)).toEqual(["reason"]);

    const why = await statusOf(
      city.legislation.consultations.answerPosition({
        roundId,
        expectedRevision: 0,
        positionId: r!.positions[0]!.positionId,
        outcome: L.AdoptionOutcome.ADOPTION_OUTCOME_NOT_ADOPTED,
        explanation: "",
        reason: "",
      }),
    );
    expect(why.fieldViolations.map((v) => v.field)).toEqual(["explanation"]);
    for (const [i, p] of r!.positions.entries())
      await city.legislation.consultations.answerPosition({
        roundId,
        expectedRevision: 0,
        positionId: p.positionId,
        outcome: i === 0 ? L.AdoptionOutcome.ADOPTION_OUTCOME_ADOPTED : L.AdoptionOutcome.ADOPTION_OUTCOME_PARTLY_ADOPTED,
        explanation: i === 0 ? "" : "部分采纳：期限改为十五个工作日",
        reason: "",
      });
    // Answered but not published: the gate still holds.
    const unpublished = await statusOf(city.legislation.drafts.moveDraftToReview({ draftId, expectedRevision: 0, reason: "" }));
    expect(unpublished.preconditionViolations).toHaveLength(4);
    const { batch, round: published } = await city.legislation.consultations.publishFeedback({
      roundId,
      expectedRevision: 0,
      reason: "公布采纳情况",
    });
    expect(batch).toBe(1);
    expect(published!.opinions.every((o) => o.answer?.publishedBatch === 1)).toBe(true);
    expect(published).toEqual((await city.legislation.consultations.getRound({ roundId })).round);
    const again = await statusOf(city.legislation.consultations.publishFeedback({ roundId, expectedRevision: 0, reason: "" }));
    expect(again.preconditionViolations.map((v) => v.type)).toEqual(["NOTHING_TO_PUBLISH"]);
    const merge = await statusOf(
      city.legislation.consultations.mergePositions({
        roundId,
        expectedRevision: 0,
        positionIds: r!.positions.slice(0, 2).map((p) => p.positionId),
        reason: "",
      }),
    );
    expect(merge.preconditionViolations.map((v) => v.type)).toEqual(["ANSWER_PUBLISHED"]);

    const { draft } = await city.legislation.drafts.moveDraftToReview({ draftId, expectedRevision: 0, reason: "送审" });
    expect(draft!.status).toBe(L.DraftStatus.DRAFT_STATUS_UNDER_REVIEW);
    const stored = await docOf("drafts", draftId, "draft_id");
    expect(stored!.revision).toBe(draft!.revision);
  });

  it("records every change in the audit trail", async () => {
    const { entries } = await city.legislation.audit.listAuditEntries({
      filter: { aggregateType: "round", aggregateId: roundId, actor: "", occurPeriod: undefined },
      page: { pageSize: 50, pageToken: "" },
    });
    expect(entries.map((e) => e.action)).toEqual(
      expect.arrayContaining([
        "OpenRound",
        "SubmitOpinion",
        "MergePositions",
        "SplitPosition",
        "CloseRound",
        "AnswerPosition",
        "PublishFeedback",
      ]),
    );
    const bad = await statusOf(
      city.legislation.audit.listAuditEntries({
        filter: { aggregateType: "bulletin", aggregateId: "", actor: "", occurPeriod: undefined },
        page: undefined,
      }),
    );
    expect(bad.fieldViolations.map((v) => v.field)).toEqual(["filter.aggregate_type"]);
  });
});

describe("windows the calendar cannot count", () => {
  it("refuses a window ending in a year the calendar data does not cover (FAILED_PRECONDITION), changing nothing", async () => {
    const { draft } = await city.legislation.drafts.registerDraft(registerDraftRequest({ concernsPrivateEconomy: false }));
    moveTo(clock, new Date("2026-12-20T01:00:00Z"));
    const before = await footprint();
    const refused = await statusOf(
      city.legislation.consultations.openRound(openRoundRequest({ draftId: draft!.draftId, organisationCreditCodes: [code(federation)] })),
    );
    expect(refused.code).toBe(status.FAILED_PRECONDITION);
    expect(refused.preconditionViolations).toEqual([expect.objectContaining({ type: "CALENDAR_NOT_AVAILABLE", subject: "calendar/2027" })]);
    expect(await footprint()).toEqual(before);
    // A shorter window, typed and explained, that ends within 2026 is counted.
    const { round } = await city.legislation.consultations.openRound(
      openRoundRequest({
        draftId: draft!.draftId,
        windowLength: 7,
        shorterWindow: { reason: L.ShorterWindowReason.SHORTER_WINDOW_REASON_URGENT, explanation: "年底前须出台" },
        organisationCreditCodes: [code(federation)],
        reason: "紧急",
      }),
    );
    expect(round!.window).toEqual(expect.objectContaining({ length: 7, minimum: 30, lastDay: "2026-12-28" }));
    expect(round!.window!.shorter).toEqual({ reason: L.ShorterWindowReason.SHORTER_WINDOW_REASON_URGENT, explanation: "年底前须出台" });
  });
});

describe("page tokens a caller altered", () => {
  /** The token with its cursor replaced, its filter fingerprint kept (so only the cursor is wrong). */
  const altered = (token: string, cursor: { k: string; id: string }) =>
    Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(token, "base64url").toString("utf8")), ...cursor })).toString("base64url");

  it("refuses a cursor that is not a time and an id (INVALID_ARGUMENT on page.page_token), never reaching the database", async () => {
    for (let i = 0; i < 2; i++) await city.legislation.drafts.registerDraft(registerDraftRequest({ concernsPrivateEconomy: false }));
    const { page } = await city.legislation.drafts.listDrafts({ filter: undefined, page: { pageSize: 1, pageToken: "" } });
    const nextPageToken = page!.nextPageToken;
    expect(nextPageToken).not.toBe("");
    const { k, id } = JSON.parse(Buffer.from(nextPageToken, "base64url").toString("utf8")) as { k: string; id: string };
    for (const cursor of [
      { k, id: "not-a-uuid" },
      { k: "yesterday", id },
      { k: "1", id }, // a year to Date.parse, not a time to PostgreSQL
    ]) {
      const refused = await statusOf(
        city.legislation.drafts.listDrafts({ filter: undefined, page: { pageSize: 1, pageToken: altered(nextPageToken, cursor) } }),
      );
      expect({ cursor, code: refused.code, fields: refused.fieldViolations.map((v) => v.field) }).toEqual({
        cursor,
        code: status.INVALID_ARGUMENT,
        fields: ["page.page_token"],
      });
    }
  });
});
