import type { Knex } from "knex";
import { ORGANISATION_TYPES } from "@jinlian/kernel";
import {
  type Actor,
  checkExpectedRevision,
  type Decision,
  periodField,
  readPageRequest,
  type ServiceKit,
  textField,
  timeCursor,
  uuidField,
  Violations,
} from "@jinlian/chassis";
import type { ArticleRef } from "../domain/articles";
import type { OrgRef } from "../domain/context";
import type { Draft } from "../domain/draft";
import { LIMITS } from "../domain/kinds";
import type { AdoptionOutcome } from "../domain/round";
import {
  decideAnswerFinding,
  decideCancelStudy,
  decideConcludeStudy,
  decidePlanStudy,
  decidePublishStudyFeedback,
  decideRecordFinding,
  STUDY_LIMITS,
  type Study,
  type StudyKind,
  type StudyMode,
  type StudyStatus,
} from "../domain/study";
import { draftStore, studies, studyStore } from "../persistence/repositories";
import { contextOf, creditCodeField, found, reasonField, resolveOrganisations, revisionField, type Mutation } from "./support";

/** The federation is who a study is commissioned to (art. 6). */
const COMMISSIONED_TYPES = ["FEDERATION"] as const;

/** Symposia and surveys on drafts (art. 6): use cases. */
export class StudyApp {
  constructor(private readonly kit: ServiceKit) {}

  /** One change of a study, at most once per request id; `extra` carries what the caller answers with besides the study. */
  private async change<X = undefined>(
    method: string,
    studyId: string,
    input: Mutation,
    actor: Actor,
    decide: (s: Study, trx: Knex.Transaction, now: Date) => Promise<Decision<Study> & { extra?: X }> | (Decision<Study> & { extra?: X }),
  ): Promise<{ study: Study; extra?: X }> {
    return this.kit.change(
      `${method}:${studyId}`,
      actor,
      studyId,
      async (trx) => {
        const before = found(await studyStore.load(trx, studyId, true), "study", studyId);
        // A stale revision is answered before any rule of the decision (ABORTED, not a precondition).
        checkExpectedRevision(studyStore.type, studyId, before.revision, input.expectedRevision);
        const now = this.kit.now();
        const decision = await decide(before, trx, now);
        // A study's view is its document: the state saved is the answer.
        const study = await this.kit.apply(trx, studyStore, before, decision, { actor, reason: input.reason }, input.expectedRevision, now);
        return { study, extra: decision.extra };
      },
      async (id, trx) => ({ study: found(await studyStore.load(trx, id), "study", id) }),
    );
  }

  async plan(
    input: {
      draftId: string;
      draftVersion: number;
      kind: StudyKind | undefined;
      mode: StudyMode | undefined;
      title: string;
      startTime: Date | undefined;
      endTime: Date | undefined;
      location: string;
      participantCreditCodes: readonly string[];
      commissionedCreditCode: string;
      dueTime: Date | undefined;
      deliverable: string;
      reason: string;
    },
    actor: Actor,
  ): Promise<Study> {
    const v = new Violations();
    const draftId = input.draftId.trim().toLowerCase();
    uuidField(v, "draft_id", draftId);
    if (input.draftVersion < 0) v.add("draft_version", "must be 0 (the latest) or a version number");
    const title = textField(v, "title", input.title, { required: true, max: LIMITS.title });
    const location = textField(v, "schedule.location", input.location, { max: LIMITS.title });
    const deliverable = textField(v, "deliverable", input.deliverable, { max: LIMITS.title });
    if (input.participantCreditCodes.length > STUDY_LIMITS.participants)
      v.add("participant_credit_codes", `must list at most ${STUDY_LIMITS.participants}`);
    // Named once each; a repeat is dropped (its field is the first naming).
    const participants = input.participantCreditCodes
      .map((c, i) => ({ field: `participant_credit_codes[${i}]`, creditCode: creditCodeField(v, `participant_credit_codes[${i}]`, c) }))
      .filter((p, i, all) => all.findIndex((q) => q.creditCode === p.creditCode) === i);
    const commissionedCode = input.commissionedCreditCode.trim()
      ? creditCodeField(v, "commissioned_credit_code", input.commissionedCreditCode)
      : "";
    const reason = reasonField(v, input.reason);
    v.throwIfAny();
    const studyId = this.kit.newId();
    return this.kit.creation(
      "PlanStudy",
      actor,
      studyId,
      async (trx) => {
        const draft = found(await draftStore.load(trx, draftId), "draft", draftId);
        const named = await resolveOrganisations(trx, participants, ORGANISATION_TYPES);
        const [commissioned] = commissionedCode
          ? await resolveOrganisations(trx, [{ field: "commissioned_credit_code", creditCode: commissionedCode }], COMMISSIONED_TYPES)
          : [undefined];
        const now = this.kit.now();
        const decision = decidePlanStudy(
          studyId,
          draft,
          {
            draftVersion: input.draftVersion,
            kind: input.kind,
            mode: input.mode,
            title,
            startTime: input.startTime,
            endTime: input.endTime,
            location,
            participants: named,
            commissioned,
            dueTime: input.dueTime,
            deliverable,
          },
          contextOf(this.kit, actor, reason, now),
        );
        return this.kit.apply(trx, studyStore, undefined, decision, { actor, reason }, 0, now);
      },
      async (id, trx) => found(await studyStore.load(trx, id), "study", id),
    );
  }

  async recordFinding(
    input: Mutation & { studyId: string; text: string; citations: readonly ArticleRef[]; submittedByCreditCode: string },
    actor: Actor,
  ): Promise<{ study: Study; findingId: string }> {
    const v = new Violations();
    uuidField(v, "study_id", input.studyId);
    revisionField(v, input.expectedRevision);
    const text = textField(v, "text", input.text, { required: true, max: LIMITS.text });
    if (input.citations.length > LIMITS.citations) v.add("citations", `must list at most ${LIMITS.citations}`);
    const by = input.submittedByCreditCode.trim() ? creditCodeField(v, "submitted_by_credit_code", input.submittedByCreditCode) : "";
    const reason = reasonField(v, input.reason);
    v.throwIfAny();
    const findingId = this.kit.newId();
    const { study } = await this.change("RecordStudyFinding", input.studyId, { ...input, reason }, actor, async (s, trx, now) => {
      const draft: Draft = found(await draftStore.load(trx, s.draftId), "draft", s.draftId);
      const [submittedBy]: (OrgRef | undefined)[] = by
        ? await resolveOrganisations(trx, [{ field: "submitted_by_credit_code", creditCode: by }], ORGANISATION_TYPES)
        : [undefined];
      return decideRecordFinding(s, { text, citations: input.citations, submittedBy }, draft, {
        ...contextOf(this.kit, actor, reason, now),
        findingId,
      });
    });
    // A repeated request answers with the study as it stands: its latest finding is the one recorded.
    return {
      study,
      findingId: study.findings.some((f) => f.findingId === findingId) ? findingId : (study.findings.at(-1)?.findingId ?? ""),
    };
  }

  async conclude(input: Mutation & { studyId: string; summary: string }, actor: Actor): Promise<Study> {
    const v = new Violations();
    uuidField(v, "study_id", input.studyId);
    revisionField(v, input.expectedRevision);
    const summary = textField(v, "summary", input.summary, { required: true, max: LIMITS.text });
    const reason = reasonField(v, input.reason);
    v.throwIfAny();
    return (
      await this.change("ConcludeStudy", input.studyId, { ...input, reason }, actor, (s, _trx, now) =>
        decideConcludeStudy(s, summary, contextOf(this.kit, actor, reason, now)),
      )
    ).study;
  }

  async cancel(input: Mutation & { studyId: string }, actor: Actor): Promise<Study> {
    const v = new Violations();
    uuidField(v, "study_id", input.studyId);
    revisionField(v, input.expectedRevision);
    const reason = reasonField(v, input.reason, true);
    v.throwIfAny();
    return (await this.change("CancelStudy", input.studyId, { ...input, reason }, actor, (s) => decideCancelStudy(s))).study;
  }

  async answer(
    input: Mutation & { studyId: string; findingId: string; outcome: AdoptionOutcome | undefined; explanation: string },
    actor: Actor,
  ): Promise<Study> {
    const v = new Violations();
    uuidField(v, "study_id", input.studyId);
    uuidField(v, "finding_id", input.findingId);
    revisionField(v, input.expectedRevision);
    if (!input.outcome) v.add("outcome", "must be ADOPTED, PARTLY_ADOPTED or NOT_ADOPTED");
    const explanation = textField(v, "explanation", input.explanation, { max: LIMITS.text });
    const reason = reasonField(v, input.reason);
    v.throwIfAny();
    return (
      await this.change("AnswerStudyFinding", input.studyId, { ...input, reason }, actor, (s, _trx, now) =>
        decideAnswerFinding(
          s,
          { findingId: input.findingId.toLowerCase(), outcome: input.outcome!, explanation },
          contextOf(this.kit, actor, reason, now),
        ),
      )
    ).study;
  }

  async publishFeedback(input: Mutation & { studyId: string }, actor: Actor): Promise<{ study: Study; batch: number }> {
    const v = new Violations();
    uuidField(v, "study_id", input.studyId);
    revisionField(v, input.expectedRevision);
    const reason = reasonField(v, input.reason);
    v.throwIfAny();
    const { study, extra } = await this.change<number>(
      "PublishStudyFeedback",
      input.studyId,
      { ...input, reason },
      actor,
      (s, _trx, now) => {
        const d = decidePublishStudyFeedback(s, contextOf(this.kit, actor, reason, now));
        return { ...d, extra: d.batch };
      },
    );
    return { study, batch: extra ?? study.feedbackBatches };
  }

  async get(studyId: string): Promise<Study> {
    const v = new Violations();
    uuidField(v, "study_id", studyId);
    v.throwIfAny();
    return found(await this.kit.snapshot((s) => studyStore.load(s, studyId)), "study", studyId);
  }

  async list(
    raw: {
      draftId: string;
      kind?: StudyKind;
      mode?: StudyMode;
      status?: StudyStatus;
      startPeriod?: { startTime?: Date; endTime?: Date };
    },
    pageSize: number,
    pageToken: string,
    v: Violations,
  ) {
    const draftId = raw.draftId.trim().toLowerCase();
    uuidField(v, "filter.draft_id", draftId, false);
    const filter = {
      draftId: draftId || undefined,
      kind: raw.kind,
      mode: raw.mode,
      status: raw.status,
      start: periodField(v, "filter.start_period", raw.startPeriod),
    };
    const request = readPageRequest(v, filter, pageSize, pageToken, timeCursor);
    v.throwIfAny();
    return this.kit.snapshot((s) => studies.list(s, filter, request));
  }
}
