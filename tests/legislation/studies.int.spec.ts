/**
 * Symposia and surveys (art. 6) over gRPC at the municipal node, on real PostgreSQL and Kafka:
 * a joint symposium and a survey commissioned to the federation on a version of a draft, findings
 * citing that version, answers published as feedback (on the node's feedback stream), and the
 * art. 5 review gate counting unanswered findings. Refusals change nothing.
 */
import { status } from "@grpc/grpc-js";
import { legislationV1 } from "@jinlian/proto";
import { uniqueNamespace } from "../harness/kafka";
import { query } from "../support/db";
import { OrgType, type Party } from "../support/liaison-fixtures";
import { articles, consultedParty, openRoundRequest, registerDraftRequest } from "../support/legislation-fixtures";
import { startTestNode, statusOf, TestClock, type TestNode } from "../support/nodes";

const L = legislationV1;
jest.setTimeout(90_000);

let city: TestNode;
/** Real time, but for the round below (see there). */
const clock = new TestClock();
let federation: Party;
let chamber: Party;
let enterprise: Party;
const DAY = 86_400_000;

beforeAll(async () => {
  city = await startTestNode({ jurisdictionCode: "120000", namespace: uniqueNamespace("studies"), clock });
  federation = await consultedParty(city, OrgType.ORGANISATION_TYPE_FEDERATION, "天津市工商业联合会", "120000");
  chamber = await consultedParty(city, OrgType.ORGANISATION_TYPE_CHAMBER_OF_COMMERCE, "天津市总商会", "120000");
  enterprise = await consultedParty(city, OrgType.ORGANISATION_TYPE_ENTERPRISE, "天津某科技有限公司", "120000");
});

afterAll(async () => {
  await city?.stop();
  await city?.database.drop();
});

const code = (p: Party) => p.organisation.creditCode;
/** Rows and revisions of what a study mutation touches, to prove a refusal changed nothing. */
const footprint = async () =>
  (
    await query(
      city.database.url,
      `select (select count(*) from legislation.studies) as studies,
              (select coalesce(sum(revision), 0) from legislation.studies) as revisions,
              (select count(*) from legislation.audit_entries) as audit_entries,
              (select count(*) from legislation.outbox) as outbox`,
    )
  )[0];

async function refusedUnchanged(call: Promise<unknown>) {
  const before = await footprint();
  const st = await statusOf(call);
  expect(await footprint()).toEqual(before);
  return st;
}

/** A private-economy draft with a second version that adds article 6. */
async function draftWithTwoVersions(title: string): Promise<legislationV1.Draft> {
  const { draft } = await city.legislation.drafts.registerDraft(registerDraftRequest({ title }));
  return (
    await city.legislation.drafts.addDraftVersion({
      draftId: draft!.draftId,
      expectedRevision: 0,
      articles: articles(6, "v2"),
      changelog: "增加第六条",
      reason: "",
    })
  ).draft!;
}

const symposium = (draftId: string, over: Partial<legislationV1.PlanStudyRequest> = {}): legislationV1.PlanStudyRequest => ({
  draftId,
  draftVersion: 1,
  kind: L.StudyKind.STUDY_KIND_SYMPOSIUM,
  mode: L.StudyMode.STUDY_MODE_JOINT,
  title: "民营企业家座谈会",
  schedule: { startTime: new Date(Date.now() + 3 * DAY), endTime: undefined, location: "市工商联" },
  participantCreditCodes: [code(chamber), code(enterprise)],
  commissionedCreditCode: "",
  dueTime: undefined,
  deliverable: "",
  reason: "听取意见",
  ...over,
});

const finding = (studyId: string, text: string, article: number, by = code(chamber)): legislationV1.RecordStudyFindingRequest => ({
  studyId,
  expectedRevision: 0,
  text,
  citations: [{ article, paragraph: 0, item: 0 }],
  submittedByCreditCode: by,
  reason: "",
});

it("holds a joint symposium on version 1: findings cite its articles, are answered and published, and the review gate counts them", async () => {
  const draft = await draftWithTwoVersions("天津市民营经济发展促进条例（草案）");
  const { study } = await city.legislation.studies.planStudy(symposium(draft.draftId));
  expect(study).toEqual(
    expect.objectContaining({
      draftVersion: 1,
      status: L.StudyStatus.STUDY_STATUS_PLANNED,
      participants: [chamber.organisation, enterprise.organisation].map((o) =>
        expect.objectContaining({ creditCode: o.creditCode, name: o.name }),
      ),
      commission: undefined,
    }),
  );
  const id = study!.studyId;
  // Answered with the study as saved, not read back: the same as reading it.
  expect(study).toEqual((await city.legislation.studies.getStudy({ studyId: id })).study);
  // Article 6 exists only in version 2: refused, nothing changes.
  const beyond = await refusedUnchanged(city.legislation.studies.recordStudyFinding(finding(id, "第六条", 6)));
  expect(beyond.fieldViolations.map((v) => v.field)).toEqual(["citations[0].article"]);
  const { finding: f1 } = await city.legislation.studies.recordStudyFinding(finding(id, "第一条应明确包容审慎监管", 1));
  const { finding: f2 } = await city.legislation.studies.recordStudyFinding(finding(id, "第三条罚款幅度过高", 3, code(enterprise)));
  expect(f2!.submittedBy).toEqual(expect.objectContaining({ creditCode: code(enterprise) }));

  // The gate waits for the symposium, then for its answers (and, art. 5, for a round).
  const gate = () => statusOf(city.legislation.drafts.moveDraftToReview({ draftId: draft.draftId, expectedRevision: 0, reason: "" }));
  const waiting = await gate();
  expect(waiting.code).toBe(status.FAILED_PRECONDITION);
  expect(waiting.preconditionViolations.map((v) => v.type)).toEqual([
    "STUDY_OPEN",
    "CONSULTATION_NOT_HELD",
    "FINDING_UNANSWERED",
    "FINDING_UNANSWERED",
  ]);

  const { study: concluded } = await city.legislation.studies.concludeStudy({
    studyId: id,
    expectedRevision: 0,
    summary: "座谈会纪要：企业普遍关注监管方式",
    reason: "",
  });
  expect(concluded).toEqual((await city.legislation.studies.getStudy({ studyId: id })).study);
  const refusedAnswer = await refusedUnchanged(
    city.legislation.studies.answerStudyFinding({
      studyId: id,
      expectedRevision: 0,
      findingId: f2!.findingId,
      outcome: L.AdoptionOutcome.ADOPTION_OUTCOME_NOT_ADOPTED,
      explanation: "",
      reason: "",
    }),
  );
  expect(refusedAnswer.fieldViolations.map((v) => v.field)).toEqual(["explanation"]);
  await city.legislation.studies.answerStudyFinding({
    studyId: id,
    expectedRevision: 0,
    findingId: f1!.findingId,
    outcome: L.AdoptionOutcome.ADOPTION_OUTCOME_ADOPTED,
    explanation: "",
    reason: "",
  });
  await city.legislation.studies.answerStudyFinding({
    studyId: id,
    expectedRevision: 0,
    findingId: f2!.findingId,
    outcome: L.AdoptionOutcome.ADOPTION_OUTCOME_PARTLY_ADOPTED,
    explanation: "罚款下限调低",
    reason: "",
  });
  // Answered but not published: still counted.
  expect((await gate()).preconditionViolations.filter((v) => v.type === "FINDING_UNANSWERED").map((v) => v.subject)).toEqual([
    `study/${id}/finding/${f1!.findingId}`,
    `study/${id}/finding/${f2!.findingId}`,
  ]);
  const { batch, study: published } = await city.legislation.studies.publishStudyFeedback({ studyId: id, expectedRevision: 0, reason: "" });
  expect(batch).toBe(1);
  expect(published!.findings.map((f) => f.answer?.publishedBatch)).toEqual([1, 1]);
  const [row] = await query<{ topic: string }>(
    city.database.url,
    "select topic from legislation.outbox where message_key = $1 and event_type = 'jinlian.legislation.study-feedback.published.v1'",
    [id],
  );
  expect(row!.topic.endsWith(".legislation.feedback")).toBe(true);

  // The study's findings are answered: only the art. 5 round is left to the gate.
  const remaining = (await gate()).preconditionViolations.map((v) => v.type);
  expect(remaining).toEqual(["CONSULTATION_NOT_HELD"]);
});

it("commissions a survey to the federation with a due date and a deliverable; its delivery concludes it", async () => {
  const draft = await draftWithTwoVersions("天津市优化营商环境条例（修订草案）");
  const dueTime = new Date(Date.now() + 30 * DAY);
  const { study } = await city.legislation.studies.planStudy(
    symposium(draft.draftId, {
      draftVersion: 0,
      kind: L.StudyKind.STUDY_KIND_SURVEY,
      mode: L.StudyMode.STUDY_MODE_COMMISSIONED,
      title: "涉企条款实施情况调研",
      participantCreditCodes: [code(chamber)],
      commissionedCreditCode: code(federation),
      dueTime,
      deliverable: "调研报告",
    }),
  );
  expect(study!.draftVersion).toBe(2);
  expect(study!.commission).toEqual(
    expect.objectContaining({
      commissioned: expect.objectContaining({ creditCode: code(federation), name: federation.organisation.name }),
      dueTime,
      deliverable: "调研报告",
      late: false,
    }),
  );
  // The federation commissioned submits findings of its own survey, on article 6 of version 2.
  await city.legislation.studies.recordStudyFinding(finding(study!.studyId, "第六条缺少过渡期", 6, code(federation)));
  const { study: delivered } = await city.legislation.studies.concludeStudy({
    studyId: study!.studyId,
    expectedRevision: 0,
    summary: "报告：建议设置六个月过渡期",
    reason: "",
  });
  expect(delivered).toEqual(
    expect.objectContaining({ status: L.StudyStatus.STUDY_STATUS_CONCLUDED, summary: "报告：建议设置六个月过渡期" }),
  );
  expect(delivered!.commission!.deliverTime).toBeInstanceOf(Date);
  const { studies } = await city.legislation.studies.listStudies({
    filter: { draftId: draft.draftId, kind: 0, mode: L.StudyMode.STUDY_MODE_COMMISSIONED, status: 0, startPeriod: undefined },
    page: undefined,
  });
  expect(studies.map((s) => s.studyId)).toEqual([study!.studyId]);
});

it("refuses bad plans, a commission to anything but a federation, and impossible transitions, changing nothing", async () => {
  const draft = await draftWithTwoVersions("草案-拒绝");
  const commissionToChamber = await refusedUnchanged(
    city.legislation.studies.planStudy(
      symposium(draft.draftId, {
        mode: L.StudyMode.STUDY_MODE_COMMISSIONED,
        commissionedCreditCode: code(chamber),
        dueTime: new Date(Date.now() + 30 * DAY),
        deliverable: "报告",
      }),
    ),
  );
  expect(commissionToChamber.fieldViolations.map((v) => v.field)).toEqual(["commissioned_credit_code"]);
  const missing = await refusedUnchanged(
    city.legislation.studies.planStudy(symposium(draft.draftId, { mode: L.StudyMode.STUDY_MODE_COMMISSIONED, draftVersion: 7 })),
  );
  expect(missing.fieldViolations.map((v) => v.field)).toEqual(["draft_version", "commissioned_credit_code", "due_time", "deliverable"]);
  expect((await refusedUnchanged(city.legislation.studies.planStudy(symposium("0f0e0d0c-0b0a-4909-8807-060504030201")))).code).toBe(
    status.NOT_FOUND,
  );

  const { study } = await city.legislation.studies.planStudy(symposium(draft.draftId));
  const id = study!.studyId;
  const stale = await refusedUnchanged(
    city.legislation.studies.concludeStudy({ studyId: id, expectedRevision: 9, summary: "纪要", reason: "" }),
  );
  expect(stale.code).toBe(status.ABORTED);
  const early = await refusedUnchanged(city.legislation.studies.publishStudyFeedback({ studyId: id, expectedRevision: 0, reason: "" }));
  expect(early.preconditionViolations[0]!.type).toBe("STUDY_NOT_CONCLUDED");
  const noReason = await refusedUnchanged(city.legislation.studies.cancelStudy({ studyId: id, expectedRevision: 0, reason: "" }));
  expect(noReason.fieldViolations.map((v) => v.field)).toEqual(["reason"]);
  const { study: cancelled } = await city.legislation.studies.cancelStudy({ studyId: id, expectedRevision: 0, reason: "时间冲突" });
  expect(cancelled!.status).toBe(L.StudyStatus.STUDY_STATUS_CANCELLED);
  const afterCancel = await refusedUnchanged(city.legislation.studies.recordStudyFinding(finding(id, "意见", 1)));
  expect(afterCancel.preconditionViolations[0]!.type).toBe("STUDY_NOT_PLANNED");
  // A round still open on the draft does not stop a study, but a cancelled study does not hold the gate.
  // Opened on a day whose whole window the official calendar covers: counting a window that ends
  // in a year whose holidays are not yet announced is refused, so real time would fail each December.
  const shift = new Date("2026-03-02T01:00:00Z").getTime() - clock.now().getTime();
  clock.advance(shift);
  try {
    await city.legislation.consultations.openRound(
      openRoundRequest({ draftId: draft.draftId, organisationCreditCodes: [code(federation)] }),
    );
    // Within the round's window, so the round is still open.
    const gate = await statusOf(city.legislation.drafts.moveDraftToReview({ draftId: draft.draftId, expectedRevision: 0, reason: "" }));
    expect(gate.preconditionViolations.map((v) => v.type)).toEqual(["ROUND_OPEN"]);
  } finally {
    clock.advance(-shift);
  }
});
