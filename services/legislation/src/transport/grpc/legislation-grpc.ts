import {
  actorOf,
  auditTrailService,
  implement,
  MECHANISM,
  own,
  ownOrCity,
  Violations,
  type AccessRules,
  type HandlerOptions,
  type RegisteredService,
  type ServiceKit,
} from "@jinlian/chassis";
import { legislationV1 } from "@jinlian/proto";
import type { ConsultationApp } from "../../app/consultation-app";
import type { DraftApp } from "../../app/draft-app";
import type { PlanApp } from "../../app/plan-app";
import type { StudyApp } from "../../app/study-app";
import {
  adoptionOutcomeCodec,
  articleChangeCodec,
  draftKindCodec,
  draftStatusCodec,
  planStatusCodec,
  roundOriginCodec,
  roundStatusCodec,
  shorterWindowReasonCodec,
  studyKindCodec,
  studyModeCodec,
  studyStatusCodec,
} from "../../domain/codecs";
import { articlesIn, citationsIn, draftOut, planItemOut, planOut, positionOut, roundOut, studyOut } from "./mapping";

const P = legislationV1;

/** Reads an optional enum filter or request field: 0 is unset; an undefined number is a violation. */
function optionalEnum<D>(v: Violations, field: string, value: number, codec: { fromProto(n: number): D | undefined }): D | undefined {
  if (value === 0) return undefined;
  const d = codec.fromProto(value);
  if (d === undefined) v.add(field, `unknown value ${value}`);
  return d;
}

// Who may call each method. The bureau and the federation run the plan, the drafts, the rounds and
// the studies; a federation or chamber submits suggestions and opinions but never answers them.
// Reads carry no personal data of parties, so the city, which oversees the districts, may read
// too. Chambers read nothing here: a round shows other organisations' opinions and, at the opening
// node, the officers' answers before they are published.

const planAccess = {
  // The plan exists only at the city; its node's own officers keep it.
  createPlan: own(...MECHANISM),
  addPlanItem: own(...MECHANISM),
  // 立法项目建议: the suggester must be a federation or chamber of this node's registry.
  submitProjectSuggestion: own("FEDERATION", "CHAMBER"),
  answerProjectSuggestion: own(...MECHANISM),
  fixPlan: own(...MECHANISM),
  getPlan: ownOrCity(...MECHANISM),
  listPlans: ownOrCity(...MECHANISM),
} satisfies AccessRules<typeof P.LegislativePlanServiceService>;

const draftAccess = {
  registerDraft: own(...MECHANISM),
  addDraftVersion: own(...MECHANISM),
  setDraftFlags: own(...MECHANISM),
  moveDraftToReview: own(...MECHANISM),
  getDraft: ownOrCity(...MECHANISM),
  listDrafts: ownOrCity(...MECHANISM),
  diffDraftVersions: ownOrCity(...MECHANISM),
} satisfies AccessRules<typeof P.DraftServiceService>;

const consultationAccess = {
  openRound: own(...MECHANISM),
  extendRound: own(...MECHANISM),
  reopenRound: own(...MECHANISM),
  // An addressed organisation (city) or one of the node's federations or chambers (district).
  submitOpinion: own("FEDERATION", "CHAMBER"),
  // The district's one consolidated reply is the node's, not any single chamber's.
  sendDistrictReply: own(...MECHANISM),
  getRound: ownOrCity(...MECHANISM),
  listRounds: ownOrCity(...MECHANISM),
  listGroupingProposals: ownOrCity(...MECHANISM),
  mergePositions: own(...MECHANISM),
  splitPosition: own(...MECHANISM),
  answerPosition: own(...MECHANISM),
  publishFeedback: own(...MECHANISM),
} satisfies AccessRules<typeof P.ConsultationServiceService>;

const studyAccess = {
  // Held jointly or commissioned to the federation (art. 6): either way the mechanism's records.
  planStudy: own(...MECHANISM),
  recordStudyFinding: own(...MECHANISM),
  concludeStudy: own(...MECHANISM),
  cancelStudy: own(...MECHANISM),
  answerStudyFinding: own(...MECHANISM),
  publishStudyFeedback: own(...MECHANISM),
  getStudy: ownOrCity(...MECHANISM),
  listStudies: ownOrCity(...MECHANISM),
} satisfies AccessRules<typeof P.StudyServiceService>;

export function legislationGrpcServices(
  apps: { plan: PlanApp; drafts: DraftApp; consultations: ConsultationApp; studies: StudyApp },
  kit: ServiceKit,
  aggregateTypes: readonly string[],
  grpc: HandlerOptions,
): RegisteredService[] {
  const { plan, drafts, consultations, studies } = apps;
  const now = () => kit.now();

  const planImpl = implement(
    P.LegislativePlanServiceService,
    {
      async createPlan(req, call) {
        return { plan: planOut(await plan.create({ year: req.year, reason: req.reason }, actorOf(call))) };
      },
      async addPlanItem(req, call) {
        const v = new Violations();
        const kind = optionalEnum(v, "kind", req.kind, draftKindCodec);
        const { plan: p, item } = await plan.addItem({ ...req, kind }, actorOf(call));
        return { plan: planOut(p), item: item && planItemOut(item) };
      },
      async submitProjectSuggestion(req, call) {
        const v = new Violations();
        const kind = optionalEnum(v, "kind", req.kind, draftKindCodec);
        const { plan: p, suggestion } = await plan.submitSuggestion({ ...req, creditCode: req.suggestedByCreditCode, kind }, actorOf(call));
        return { plan: planOut(p), suggestion: planOut({ ...p, suggestions: suggestion ? [suggestion] : [] }).suggestions[0] };
      },
      async answerProjectSuggestion(req, call) {
        const outcome =
          req.outcome === P.SuggestionOutcome.SUGGESTION_OUTCOME_ACCEPTED
            ? "ACCEPTED"
            : req.outcome === P.SuggestionOutcome.SUGGESTION_OUTCOME_NOT_ACCEPTED
              ? "NOT_ACCEPTED"
              : undefined;
        return { plan: planOut(await plan.answerSuggestion({ ...req, outcome }, actorOf(call))) };
      },
      async fixPlan(req, call) {
        return { plan: planOut(await plan.fix(req, actorOf(call))) };
      },
      async getPlan(req) {
        return { plan: planOut(await plan.get(req.planId)) };
      },
      async listPlans(req) {
        const v = new Violations();
        const f = req.filter;
        const status = optionalEnum(v, "filter.status", f?.status ?? 0, planStatusCodec);
        if (f?.year && (f.year < 2000 || f.year > 2100)) v.add("filter.year", "must be a year between 2000 and 2100");
        const page = await plan.list({ status, year: f?.year || undefined }, req.page?.pageSize ?? 0, req.page?.pageToken ?? "", v);
        return { plans: page.items.map(planOut), page: { nextPageToken: page.nextPageToken, totalSize: page.totalSize } };
      },
    },
    { ...grpc, access: planAccess },
  );

  const draftImpl = implement(
    P.DraftServiceService,
    {
      async registerDraft(req, call) {
        const v = new Violations();
        const kind = optionalEnum(v, "kind", req.kind, draftKindCodec);
        return { draft: draftOut(await drafts.register({ ...req, kind, articles: articlesIn(req.articles) }, actorOf(call))) };
      },
      async addDraftVersion(req, call) {
        return { draft: draftOut(await drafts.addVersion({ ...req, articles: articlesIn(req.articles) }, actorOf(call))) };
      },
      async setDraftFlags(req, call) {
        return { draft: draftOut(await drafts.setFlags(req, actorOf(call))) };
      },
      async moveDraftToReview(req, call) {
        return { draft: draftOut(await drafts.moveToReview(req, actorOf(call))) };
      },
      async getDraft(req) {
        return { draft: draftOut(await drafts.get(req.draftId)) };
      },
      async listDrafts(req) {
        const v = new Violations();
        const f = req.filter;
        const page = await drafts.list(
          {
            kind: optionalEnum(v, "filter.kind", f?.kind ?? 0, draftKindCodec),
            status: optionalEnum(v, "filter.status", f?.status ?? 0, draftStatusCodec),
            concernsPrivateEconomyOnly: f?.concernsPrivateEconomyOnly ?? false,
            planItemId: f?.planItemId ?? "",
            text: f?.text ?? "",
            createPeriod: f?.createPeriod,
          },
          req.page?.pageSize ?? 0,
          req.page?.pageToken ?? "",
          v,
        );
        return { drafts: page.items.map(draftOut), page: { nextPageToken: page.nextPageToken, totalSize: page.totalSize } };
      },
      async diffDraftVersions(req) {
        const d = await drafts.diff(req);
        return {
          changes: d.changes.map((c) => ({
            number: c.number,
            change: articleChangeCodec.toProto(c.change),
            before: c.before && {
              number: c.before.number,
              paragraphs: c.before.paragraphs.map((p) => ({ text: p.text, items: [...p.items] })),
            },
            after: c.after && {
              number: c.after.number,
              paragraphs: c.after.paragraphs.map((p) => ({ text: p.text, items: [...p.items] })),
            },
          })),
          unchangedCount: d.unchanged,
        };
      },
    },
    { ...grpc, access: draftAccess },
  );

  const consultationImpl = implement(
    P.ConsultationServiceService,
    {
      async openRound(req, call) {
        const v = new Violations();
        const reason = optionalEnum(v, "shorter_window.reason", req.shorterWindow?.reason ?? 0, shorterWindowReasonCodec);
        v.throwIfAny();
        const r = await consultations.open(
          {
            draftId: req.draftId,
            expectedRevision: req.expectedRevision,
            windowLength: req.windowLength,
            shorter: req.shorterWindow && { reason, explanation: req.shorterWindow.explanation },
            organisationCreditCodes: req.organisationCreditCodes,
            districtCodes: req.districtJurisdictionCodes,
            allDistricts: req.allDistricts,
            reason: req.reason,
          },
          actorOf(call),
        );
        return { round: roundOut(r, now()) };
      },
      async extendRound(req, call) {
        return { round: roundOut(await consultations.extend(req, actorOf(call)), now()) };
      },
      async reopenRound(req, call) {
        return { round: roundOut(await consultations.reopen(req, actorOf(call)), now()) };
      },
      async submitOpinion(req, call) {
        const { round, opinionId } = await consultations.submitOpinion(
          { ...req, creditCode: req.organisationCreditCode, citations: citationsIn(req.citations) },
          actorOf(call),
        );
        const out = roundOut(round, now());
        return { round: out, opinion: out.opinions.find((o) => o.opinionId === opinionId) };
      },
      async sendDistrictReply(req, call) {
        return { round: roundOut(await consultations.sendDistrictReply(req, actorOf(call)), now()) };
      },
      async getRound(req) {
        return { round: roundOut(await consultations.get(req.roundId), now()) };
      },
      async listRounds(req) {
        const v = new Violations();
        const f = req.filter;
        const page = await consultations.list(
          {
            draftId: f?.draftId ?? "",
            status: optionalEnum(v, "filter.status", f?.status ?? 0, roundStatusCodec),
            origin: optionalEnum(v, "filter.origin", f?.origin ?? 0, roundOriginCodec),
            openPeriod: f?.openPeriod,
          },
          req.page?.pageSize ?? 0,
          req.page?.pageToken ?? "",
          v,
        );
        return {
          rounds: page.items.map((r) => roundOut(r, now())),
          page: { nextPageToken: page.nextPageToken, totalSize: page.totalSize },
        };
      },
      async listGroupingProposals(req) {
        const proposals = await consultations.groupingProposals(req.roundId);
        return { proposals, threshold: consultations.grouping.threshold };
      },
      async mergePositions(req, call) {
        const { round, positionId } = await consultations.mergePositions(req, actorOf(call));
        return { round: roundOut(round, now()), position: positionOut(round, positionId, now()) };
      },
      async splitPosition(req, call) {
        const { round, positionId } = await consultations.splitPosition(req, actorOf(call));
        return { round: roundOut(round, now()), position: positionOut(round, positionId, now()) };
      },
      async answerPosition(req, call) {
        const v = new Violations();
        const outcome = optionalEnum(v, "outcome", req.outcome, adoptionOutcomeCodec);
        v.throwIfAny();
        return { round: roundOut(await consultations.answerPosition({ ...req, outcome }, actorOf(call)), now()) };
      },
      async publishFeedback(req, call) {
        const { round, batch } = await consultations.publishFeedback(req, actorOf(call));
        return { round: roundOut(round, now()), batch };
      },
    },
    { ...grpc, access: consultationAccess },
  );

  const studyImpl = implement(
    P.StudyServiceService,
    {
      async planStudy(req, call) {
        const v = new Violations();
        const kind = optionalEnum(v, "kind", req.kind, studyKindCodec);
        const mode = optionalEnum(v, "mode", req.mode, studyModeCodec);
        v.throwIfAny();
        const study = await studies.plan(
          {
            ...req,
            kind,
            mode,
            startTime: req.schedule?.startTime,
            endTime: req.schedule?.endTime,
            location: req.schedule?.location ?? "",
            dueTime: req.dueTime,
          },
          actorOf(call),
        );
        return { study: studyOut(study, now()) };
      },
      async recordStudyFinding(req, call) {
        const { study, findingId } = await studies.recordFinding({ ...req, citations: citationsIn(req.citations) }, actorOf(call));
        const out = studyOut(study, now());
        return { study: out, finding: out.findings.find((f) => f.findingId === findingId) };
      },
      async concludeStudy(req, call) {
        return { study: studyOut(await studies.conclude(req, actorOf(call)), now()) };
      },
      async cancelStudy(req, call) {
        return { study: studyOut(await studies.cancel(req, actorOf(call)), now()) };
      },
      async answerStudyFinding(req, call) {
        const v = new Violations();
        const outcome = optionalEnum(v, "outcome", req.outcome, adoptionOutcomeCodec);
        v.throwIfAny();
        return { study: studyOut(await studies.answer({ ...req, outcome }, actorOf(call)), now()) };
      },
      async publishStudyFeedback(req, call) {
        const { study, batch } = await studies.publishFeedback(req, actorOf(call));
        return { study: studyOut(study, now()), batch };
      },
      async getStudy(req) {
        return { study: studyOut(await studies.get(req.studyId), now()) };
      },
      async listStudies(req) {
        const v = new Violations();
        const f = req.filter;
        const page = await studies.list(
          {
            draftId: f?.draftId ?? "",
            kind: optionalEnum(v, "filter.kind", f?.kind ?? 0, studyKindCodec),
            mode: optionalEnum(v, "filter.mode", f?.mode ?? 0, studyModeCodec),
            status: optionalEnum(v, "filter.status", f?.status ?? 0, studyStatusCodec),
            startPeriod: f?.startPeriod,
          },
          req.page?.pageSize ?? 0,
          req.page?.pageToken ?? "",
          v,
        );
        return {
          studies: page.items.map((s) => studyOut(s, now())),
          page: { nextPageToken: page.nextPageToken, totalSize: page.totalSize },
        };
      },
    },
    { ...grpc, access: studyAccess },
  );

  return [
    { name: "jinlian.legislation.v1.LegislativePlanService", definition: P.LegislativePlanServiceService, implementation: planImpl },
    { name: "jinlian.legislation.v1.DraftService", definition: P.DraftServiceService, implementation: draftImpl },
    { name: "jinlian.legislation.v1.ConsultationService", definition: P.ConsultationServiceService, implementation: consultationImpl },
    { name: "jinlian.legislation.v1.StudyService", definition: P.StudyServiceService, implementation: studyImpl },
    auditTrailService(P.AuditTrailServiceService, kit.db, aggregateTypes, grpc),
  ];
}
