/**
 * Symposia (座谈会) and surveys (调研) on a draft (art. 6): held jointly by the justice bureau and
 * the federation, or commissioned to the federation with a due date and a deliverable.
 * Participants, schedule and findings attach to one version of the draft; each finding is answered
 * like an opinion (采纳情况), answers are published in numbered batches, and the art. 5 review gate
 * counts the findings without a published answer. Pure.
 */
import {
  emit,
  FailedPreconditionError,
  InvalidArgumentError,
  legislationEvents,
  toLocal,
  Violations,
  type Decision,
} from "@jinlian/chassis";
import { checkCitations, type ArticleRef } from "./articles";
import { adoptionOutcomeCodec } from "./codecs";
import { at, type DecisionContext, type OrgRef, type Stamp } from "./context";
import type { Draft } from "./draft";
import type { AdoptionOutcome, Answer } from "./round";

export type StudyKind = "SYMPOSIUM" | "SURVEY";
export type StudyMode = "JOINT" | "COMMISSIONED";
export type StudyStatus = "PLANNED" | "CONCLUDED" | "CANCELLED";

export interface StudyFinding {
  readonly findingId: string;
  readonly text: string;
  readonly citations: readonly ArticleRef[];
  /** The participant (or the commissioned federation) it came from, if named. */
  readonly submittedBy?: OrgRef | undefined;
  readonly stamp: Stamp;
  readonly answer?: Answer | undefined;
}

export interface StudyCommission {
  readonly commissioned: OrgRef;
  readonly dueTime: Date;
  readonly deliverable: string;
  readonly deliveredAt?: Date | undefined;
}

export interface Study {
  readonly studyId: string;
  readonly draftId: string;
  readonly draftVersion: number;
  readonly kind: StudyKind;
  readonly mode: StudyMode;
  readonly title: string;
  readonly schedule: { readonly startTime: Date; readonly endTime?: Date | undefined; readonly location: string };
  readonly participants: readonly OrgRef[];
  readonly commission?: StudyCommission | undefined;
  readonly status: StudyStatus;
  readonly summary: string;
  readonly findings: readonly StudyFinding[];
  readonly feedbackBatches: number;
  readonly jurisdictionCode: string;
  readonly revision: number;
  readonly createdAt: Date;
}

export const STUDY_LIMITS = { participants: 100, findings: 500 } as const;

/** A plan as the request gives it, organisations already resolved from the registry. */
export interface StudyPlan {
  readonly draftVersion: number;
  readonly kind: StudyKind | undefined;
  readonly mode: StudyMode | undefined;
  readonly title: string;
  readonly startTime: Date | undefined;
  readonly endTime: Date | undefined;
  readonly location: string;
  readonly participants: readonly OrgRef[];
  /** COMMISSIONED: the federation, resolved; undefined otherwise. */
  readonly commissioned: OrgRef | undefined;
  readonly dueTime: Date | undefined;
  readonly deliverable: string;
}

const subject = (s: Study) => `study/${s.studyId}`;
const refused = (type: string, s: Study, description: string) => new FailedPreconditionError([{ type, subject: subject(s), description }]);

/** Whether a commissioned study is past its due time without a delivery (or was delivered after it). */
export function isLate(s: Study, now: Date): boolean {
  const c = s.commission;
  if (!c) return false;
  return c.deliveredAt ? c.deliveredAt > c.dueTime : s.status === "PLANNED" && now > c.dueTime;
}

/**
 * Plans a study on a version of a draft still being drafted (0: its latest). The version must
 * exist; a commissioned study names the federation, a due time after the start and the
 * deliverable, which a joint one does not carry.
 */
export function decidePlanStudy(studyId: string, draft: Draft, plan: StudyPlan, ctx: DecisionContext): Decision<Study> {
  const v = new Violations();
  if (!plan.kind) v.add("kind", "must be STUDY_KIND_SYMPOSIUM or STUDY_KIND_SURVEY");
  if (!plan.mode) v.add("mode", "must be STUDY_MODE_JOINT or STUDY_MODE_COMMISSIONED");
  const latest = draft.versions[draft.versions.length - 1]!.version;
  const version = plan.draftVersion === 0 ? latest : plan.draftVersion;
  if (!draft.versions.some((x) => x.version === version)) v.add("draft_version", `the draft has versions 1-${latest}`);
  if (!plan.startTime) v.add("schedule.start_time", "is required");
  if (plan.startTime && plan.endTime && plan.endTime <= plan.startTime) v.add("schedule.end_time", "must be after start_time");
  if (plan.mode === "COMMISSIONED") {
    if (!plan.commissioned) v.add("commissioned_credit_code", "is required for STUDY_MODE_COMMISSIONED: the federation commissioned");
    if (!plan.dueTime) v.add("due_time", "is required for STUDY_MODE_COMMISSIONED");
    else if (plan.startTime && plan.dueTime <= plan.startTime) v.add("due_time", "must be after schedule.start_time");
    if (plan.deliverable.length === 0) v.add("deliverable", "is required for STUDY_MODE_COMMISSIONED");
  } else if (plan.mode === "JOINT") {
    if (plan.commissioned) v.add("commissioned_credit_code", "only a commissioned study names the federation commissioned");
    if (plan.dueTime) v.add("due_time", "only a commissioned study has a due time");
    if (plan.deliverable.length > 0) v.add("deliverable", "only a commissioned study has a deliverable");
  }
  v.throwIfAny();
  if (draft.status !== "DRAFTING")
    throw new FailedPreconditionError([
      {
        type: "DRAFT_UNDER_REVIEW",
        subject: `draft/${draft.draftId}`,
        description: "the draft is under review: no new symposia or surveys",
      },
    ]);
  const study: Study = {
    studyId,
    draftId: draft.draftId,
    draftVersion: version,
    kind: plan.kind!,
    mode: plan.mode!,
    title: plan.title,
    schedule: { startTime: plan.startTime!, endTime: plan.endTime, location: plan.location },
    participants: plan.participants,
    commission:
      plan.mode === "COMMISSIONED"
        ? { commissioned: plan.commissioned!, dueTime: plan.dueTime!, deliverable: plan.deliverable }
        : undefined,
    status: "PLANNED",
    summary: "",
    findings: [],
    feedbackBatches: 0,
    jurisdictionCode: ctx.here,
    revision: 0,
    createdAt: at(ctx),
  };
  return { state: study, action: "PlanStudy", events: [] };
}

/**
 * Records a finding while the study is PLANNED (under way). Citations are checked against the
 * studied version; the organisation it came from must take part (or be the commissioned federation).
 */
export function decideRecordFinding(
  s: Study,
  input: { text: string; citations: readonly ArticleRef[]; submittedBy: OrgRef | undefined },
  draft: Draft,
  ctx: DecisionContext & { findingId: string },
): Decision<Study> {
  const v = new Violations();
  const articles = draft.versions.find((x) => x.version === s.draftVersion)?.articles ?? [];
  const citations = checkCitations(v, "citations", input.citations, articles);
  const by = input.submittedBy;
  if (by && !s.participants.some((p) => p.creditCode === by.creditCode) && s.commission?.commissioned.creditCode !== by.creditCode)
    v.add("submitted_by_credit_code", `${by.name} does not take part in this study`);
  v.throwIfAny();
  if (s.status !== "PLANNED") throw refused("STUDY_NOT_PLANNED", s, `the study is ${s.status.toLowerCase()}: no more findings`);
  if (s.findings.length >= STUDY_LIMITS.findings) throw refused("TOO_MANY_FINDINGS", s, `a study holds at most ${STUDY_LIMITS.findings}`);
  const finding: StudyFinding = { findingId: ctx.findingId, text: input.text, citations, submittedBy: by, stamp: ctx.stamp };
  return { state: { ...s, findings: [...s.findings, finding] }, action: "RecordStudyFinding", events: [] };
}

/** PLANNED -> CONCLUDED with its minutes or the deliverable's summary; a commissioned study is delivered now. */
export function decideConcludeStudy(s: Study, summary: string, ctx: DecisionContext): Decision<Study> {
  if (s.status !== "PLANNED") throw refused("STUDY_NOT_PLANNED", s, `the study is already ${s.status.toLowerCase()}`);
  const commission = s.commission && { ...s.commission, deliveredAt: at(ctx) };
  return { state: { ...s, status: "CONCLUDED", summary, commission }, action: "ConcludeStudy", events: [] };
}

/** PLANNED -> CANCELLED; not once findings were recorded (they are answered, not dropped). */
export function decideCancelStudy(s: Study): Decision<Study> {
  if (s.status !== "PLANNED") throw refused("STUDY_NOT_PLANNED", s, `the study is already ${s.status.toLowerCase()}`);
  if (s.findings.length > 0)
    throw refused("STUDY_HAS_FINDINGS", s, `${s.findings.length} findings were recorded: conclude the study and answer them`);
  return { state: { ...s, status: "CANCELLED" }, action: "CancelStudy", events: [] };
}

/** Answers a finding (采纳情况), replacing an unpublished answer; a published answer is final. */
export function decideAnswerFinding(
  s: Study,
  input: { findingId: string; outcome: AdoptionOutcome; explanation: string },
  ctx: DecisionContext,
): Decision<Study> {
  const f = s.findings.find((x) => x.findingId === input.findingId);
  if (!f) throw new InvalidArgumentError([{ field: "finding_id", description: "is not a finding of this study" }]);
  if (input.outcome !== "ADOPTED" && input.explanation.length === 0)
    throw new InvalidArgumentError([{ field: "explanation", description: `is required for ADOPTION_OUTCOME_${input.outcome}` }]);
  if (s.status === "CANCELLED") throw refused("STUDY_NOT_PLANNED", s, "the study was cancelled");
  if (f.answer?.publishedBatch)
    throw refused("ANSWER_PUBLISHED", s, `the answer to finding ${f.findingId} was published in batch ${f.answer.publishedBatch}`);
  const answer: Answer = { outcome: input.outcome, explanation: input.explanation, stamp: ctx.stamp, publishedBatch: 0 };
  return {
    state: { ...s, findings: s.findings.map((x) => (x === f ? { ...x, answer } : x)) },
    action: "AnswerStudyFinding",
    events: [],
  };
}

/**
 * Publishes every answer not yet published as the next batch, once the study CONCLUDED (its
 * findings are complete), on the node's local feedback stream.
 */
export function decidePublishStudyFeedback(s: Study, ctx: DecisionContext): Decision<Study> & { batch: number } {
  if (s.status !== "CONCLUDED") throw refused("STUDY_NOT_CONCLUDED", s, "feedback is published once the study concluded");
  const pending = s.findings.filter((f) => f.answer && !f.answer.publishedBatch);
  if (pending.length === 0) throw refused("NOTHING_TO_PUBLISH", s, "no answer waits to be published");
  const batch = s.feedbackBatches + 1;
  const published = new Set(pending);
  const event = emit(
    legislationEvents.studyFeedbackPublished,
    s.studyId,
    {
      studyId: s.studyId,
      draftId: s.draftId,
      batch,
      decisions: pending.map((f) => ({
        findingId: f.findingId,
        outcome: adoptionOutcomeCodec.toProto(f.answer!.outcome),
        explanation: f.answer!.explanation,
        submittedBy: f.submittedBy,
      })),
      audit: ctx.stamp,
    },
    [toLocal("feedback")],
  );
  return {
    state: {
      ...s,
      feedbackBatches: batch,
      findings: s.findings.map((f) => (published.has(f) ? { ...f, answer: { ...f.answer!, publishedBatch: batch } } : f)),
    },
    action: "PublishStudyFeedback",
    events: [event],
    batch,
  };
}

/** What the review gate needs of each study held on the draft. */
export interface StudyForGate {
  readonly studyId: string;
  /** Still PLANNED: its findings are not all in. */
  readonly open: boolean;
  /** Findings without a published answer. */
  readonly unanswered: readonly string[];
}

export function studyForGate(s: Study): StudyForGate {
  return {
    studyId: s.studyId,
    open: s.status === "PLANNED",
    unanswered: s.status === "CANCELLED" ? [] : s.findings.filter((f) => !f.answer?.publishedBatch).map((f) => f.findingId),
  };
}
