import {
  actorOf,
  enumCodec,
  implement,
  MECHANISM,
  own,
  Violations,
  type AccessRule,
  type AccessRules,
  type HandlerOptions,
  type RegisteredService,
} from "@jinlian/chassis";
import { mediationV1 } from "@jinlian/proto";
import type { CooperationApp } from "../../app/cooperation-app";
import { orgToProto } from "../../domain/common";
import type { Cooperation, CooperationCodecs } from "../../domain/cooperation";
import { caseKindCodec, caseStatusCodec, optionalEnum, partyRoleCodec } from "./codecs";

const P = mediationV1;

const roleCodec = enumCodec(P.CooperationRole, "COOPERATION_ROLE_", ["OWNER", "PARTNER", "RELAY"] as const);
const statusCodec = enumCodec(P.CooperationStatus, "COOPERATION_STATUS_", ["REQUESTED", "ACCEPTED", "DECLINED", "CLOSED"] as const);

/** The enum mapping the cooperation's events need. */
export const cooperationCodecs: CooperationCodecs = {
  kindToProto: (k) => caseKindCodec.toProto(k),
  kindFromProto: (n) => caseKindCodec.fromProto(n),
  roleToProto: (r) => partyRoleCodec.toProto(r),
  roleFromProto: (n) => partyRoleCodec.fromProto(n),
  statusToProto: (s) => caseStatusCodec.toProto(s),
  statusFromProto: (n) => caseStatusCodec.fromProto(n),
};

export function cooperationToProto(c: Cooperation): mediationV1.Cooperation {
  return {
    cooperationId: c.cooperationId,
    role: roleCodec.toProto(c.role),
    caseId: c.caseId,
    ownerJurisdictionCode: c.ownerJurisdictionCode,
    ownerCommittee: orgToProto(c.ownerCommittee),
    partnerJurisdictionCode: c.partnerJurisdictionCode,
    partnerCommittee: orgToProto(c.partnerCommittee),
    kind: caseKindCodec.toProto(c.kind),
    parties: c.parties.map((p) => ({ role: partyRoleCodec.toProto(p.role), organisation: orgToProto(p.organisation) })),
    personParties: c.personParties,
    sharedSummary: c.sharedSummary,
    requestNote: c.requestNote,
    status: statusCodec.toProto(c.status),
    answerNote: c.answerNote,
    sessions: c.sessions.map((s) => ({ sessionId: s.sessionId, heldTime: s.heldAt, place: s.place, record: s.record })),
    caseOutcome: c.caseOutcome ? caseStatusCodec.toProto(c.caseOutcome) : 0,
    requestTime: c.requestedAt,
    answerTime: c.answeredAt ?? undefined,
    closeTime: c.closedAt ?? undefined,
    revision: c.revision,
  };
}

/**
 * The owner's committee asks and the partner's committee answers and reports sessions, each at
 * its own node: a case's progress, the committee's alone. A cooperation carries the case's
 * organisation parties and the summary written for the partner: read at the node only (the
 * city's own officials read its relay records there), by the committee and the sides.
 */
const progress: AccessRule = own("MEDIATION_COMMITTEE");
const cooperationRead: AccessRule = own("MEDIATION_COMMITTEE", ...MECHANISM);
const access = {
  requestCooperation: progress,
  answerCooperation: progress,
  reportCooperationSession: progress,
  getCooperation: cooperationRead,
  listCooperations: cooperationRead,
} satisfies AccessRules<typeof P.CooperationServiceService>;

/** jinlian.mediation.v1.CooperationService. */
export function cooperationGrpcService(app: CooperationApp, grpc: HandlerOptions): RegisteredService {
  const one = (c: Cooperation) => ({ cooperation: cooperationToProto(c) });
  const implementation = implement(
    P.CooperationServiceService,
    {
      async requestCooperation(req, call) {
        return one(
          await app.request(
            req.caseId,
            req.expectedRevision,
            {
              partnerJurisdictionCode: req.partnerJurisdictionCode,
              partnerCommitteeCreditCode: req.partnerCommitteeCreditCode,
              sharedSummary: req.sharedSummary,
              requestNote: req.requestNote,
            },
            req.reason,
            actorOf(call),
          ),
        );
      },
      async answerCooperation(req, call) {
        return one(
          await app.answer(
            req.cooperationId,
            req.expectedRevision,
            { accept: req.accept, answerNote: req.answerNote },
            req.reason,
            actorOf(call),
          ),
        );
      },
      async reportCooperationSession(req, call) {
        return one(
          await app.reportSession(
            req.cooperationId,
            req.expectedRevision,
            { heldAt: req.heldTime, place: req.place, record: req.record },
            req.reason,
            actorOf(call),
          ),
        );
      },
      async getCooperation(req) {
        return one(await app.get(req.cooperationId));
      },
      async listCooperations(req) {
        const v = new Violations();
        const role = optionalEnum(v, "filter.role", req.filter?.role ?? 0, roleCodec);
        const status = optionalEnum(v, "filter.status", req.filter?.status ?? 0, statusCodec);
        v.throwIfAny();
        const page = await app.list({ role, status, caseId: req.filter?.caseId ?? "" }, req.page?.pageSize ?? 0, req.page?.pageToken ?? "");
        return { cooperations: page.items.map(cooperationToProto), page: { nextPageToken: page.nextPageToken, totalSize: page.totalSize } };
      },
    },
    { ...grpc, access },
  );
  return { name: "jinlian.mediation.v1.CooperationService", definition: P.CooperationServiceService, implementation };
}
