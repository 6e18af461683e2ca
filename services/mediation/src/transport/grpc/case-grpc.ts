import {
  actorOf,
  implement,
  MECHANISM,
  own,
  Violations,
  type AccessRule,
  type AccessRules,
  type HandlerOptions,
  type RegisteredService,
  type ServiceKit,
} from "@jinlian/chassis";
import { mediationV1 } from "@jinlian/proto";
import type { CaseApp } from "../../app/case-app";
import type { Case } from "../../domain/case";
import {
  agreementFormCodec,
  arbitrationAgreementFormCodec,
  caseKindCodec,
  caseStatusCodec,
  caseToProto,
  designatedByCodec,
  optionalEnum,
  partyRoleCodec,
  performanceCodec,
  routeCodec,
  signatureKindCodec,
} from "./codecs";

const P = mediationV1;
const id = (s: string) => s.trim().toLowerCase();

/**
 * The committee keeps the case and its file (人民调解法 art. 19, 27, 31): only it records a case's
 * progress; neither side mediates. The sides guide chamber mediation (seed art. 17) and may read
 * cases. Case contents are the parties' personal data: never readable from another jurisdiction.
 */
const progress: AccessRule = own("MEDIATION_COMMITTEE");
const caseRead: AccessRule = own("MEDIATION_COMMITTEE", ...MECHANISM);
const access = {
  openCase: progress,
  recordConsent: progress,
  designateMediator: progress,
  objectToMediator: progress,
  recordSession: progress,
  pauseTimeLimit: progress,
  resumeTimeLimit: progress,
  endMediationByParty: progress,
  recordAgreement: progress,
  signAgreement: progress,
  recordJudicialConfirmation: progress,
  recordPerformance: progress,
  failMediation: progress,
  referToArbitration: progress,
  getCase: caseRead,
  listCases: caseRead,
} satisfies AccessRules<typeof P.CaseServiceService>;

/** jinlian.mediation.v1.CaseService. */
export function caseGrpcService(app: CaseApp, kit: ServiceKit, grpc: HandlerOptions): RegisteredService {
  const out = async (p: Promise<Case>) => ({ case: caseToProto(await p, kit.now()) });
  const implementation = implement(
    P.CaseServiceService,
    {
      openCase(req, call) {
        const fee = req.commercial?.feeFen ?? "0";
        return out(
          app.open(
            req.committeeId,
            {
              kind: caseKindCodec.fromProto(req.kind),
              parties: req.parties.map((p) => ({
                role: partyRoleCodec.fromProto(p.role),
                organisationCreditCode: p.organisationCreditCode,
                person: p.person,
                consented: p.consented,
              })),
              summary: req.summary,
              commercial: req.commercial ? { feeFen: Number(fee), feeNote: req.commercial.feeNote } : undefined,
            },
            req.reason,
            actorOf(call),
          ),
        );
      },
      recordConsent(req, call) {
        return out(app.recordConsent(req.caseId, req.expectedRevision, req.partyId, req.consent, req.reason, actorOf(call)));
      },
      designateMediator(req, call) {
        return out(
          app.designate(
            req.caseId,
            req.expectedRevision,
            req.mediatorId,
            designatedByCodec.fromProto(req.designatedBy),
            req.reason,
            actorOf(call),
          ),
        );
      },
      objectToMediator(req, call) {
        return out(app.object(req.caseId, req.expectedRevision, req.mediatorId, req.partyId, req.objection, req.reason, actorOf(call)));
      },
      recordSession(req, call) {
        return out(
          app.recordSession(
            req.caseId,
            req.expectedRevision,
            { heldAt: req.heldTime, place: req.place, record: req.record, attendingPartyIds: req.attendingPartyIds },
            req.reason,
            actorOf(call),
          ),
        );
      },
      pauseTimeLimit(req, call) {
        return out(app.pause(req.caseId, req.expectedRevision, req.reason, actorOf(call)));
      },
      resumeTimeLimit(req, call) {
        return out(app.resume(req.caseId, req.expectedRevision, req.reason, actorOf(call)));
      },
      endMediationByParty(req, call) {
        return out(app.endByParty(req.caseId, req.expectedRevision, req.partyId, req.reason, actorOf(call)));
      },
      recordAgreement(req, call) {
        const a = req.agreement;
        return out(
          app.recordAgreement(
            req.caseId,
            req.expectedRevision,
            {
              form: a ? agreementFormCodec.fromProto(a.form) : undefined,
              partyDetails: a?.partyDetails ?? "",
              facts: a?.facts ?? "",
              issuesInDispute: a?.issuesInDispute ?? "",
              responsibilities: a?.responsibilities ?? "",
              terms: a?.terms ?? "",
              performanceManner: a?.performanceManner ?? "",
              performanceDeadlineAt: a?.performanceDeadlineTime,
              oralRecord: a?.oralRecord ?? "",
            },
            req.reason,
            actorOf(call),
          ),
        );
      },
      signAgreement(req, call) {
        return out(
          app.sign(
            req.caseId,
            req.expectedRevision,
            { kind: signatureKindCodec.fromProto(req.kind), partyId: req.partyId, mediatorId: req.mediatorId, signAt: req.signTime },
            req.reason,
            actorOf(call),
          ),
        );
      },
      recordJudicialConfirmation(req, call) {
        return out(
          app.recordConfirmation(req.caseId, req.expectedRevision, { applyAt: req.applyTime, court: req.court }, req.reason, actorOf(call)),
        );
      },
      recordPerformance(req, call) {
        return out(
          app.recordPerformance(
            req.caseId,
            req.expectedRevision,
            { status: performanceCodec.fromProto(req.status), note: req.note },
            req.reason,
            actorOf(call),
          ),
        );
      },
      failMediation(req, call) {
        return out(
          app.fail(
            req.caseId,
            req.expectedRevision,
            req.routes.map((r) => routeCodec.fromProto(r)),
            req.note,
            req.reason,
            actorOf(call),
          ),
        );
      },
      referToArbitration(req, call) {
        const a = req.agreement;
        return out(
          app.refer(
            req.caseId,
            req.expectedRevision,
            {
              commissionCreditCode: req.commissionCreditCode,
              agreement: a
                ? { form: arbitrationAgreementFormCodec.fromProto(a.form), content: a.content, concludeAt: a.concludeTime }
                : undefined,
              summary: req.summary,
            },
            req.reason,
            actorOf(call),
          ),
        );
      },
      getCase(req) {
        return out(app.get(id(req.caseId)));
      },
      async listCases(req) {
        const v = new Violations();
        const status = optionalEnum(v, "filter.status", req.filter?.status ?? 0, caseStatusCodec);
        const kind = optionalEnum(v, "filter.kind", req.filter?.kind ?? 0, caseKindCodec);
        v.throwIfAny();
        const page = await app.list(
          {
            committeeId: req.filter?.committeeId ?? "",
            status,
            kind,
            openPeriod: req.filter?.openPeriod,
            disputeId: req.filter?.disputeId ?? "",
          },
          req.page?.pageSize ?? 0,
          req.page?.pageToken ?? "",
        );
        const now = kit.now();
        return {
          cases: page.items.map((c) => caseToProto(c, now)),
          page: { nextPageToken: page.nextPageToken, totalSize: page.totalSize },
        };
      },
    },
    { ...grpc, access },
  );
  return { name: "jinlian.mediation.v1.CaseService", definition: P.CaseServiceService, implementation };
}
