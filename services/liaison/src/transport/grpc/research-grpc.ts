import {
  actorOf,
  enumCodec,
  implement,
  MECHANISM,
  own,
  ownOrCity,
  Violations,
  type AccessRules,
  type RegisteredService,
} from "@jinlian/chassis";
import { liaisonV1 } from "@jinlian/proto";
import type { HandlerOptions as GrpcOptions } from "@jinlian/chassis";
import { optionalEnum } from "../../app/codecs";
import type { ResearchApp } from "../../app/research-app";
import type { Finding, JointResearch, Outcome, PartyName, Revisable } from "../../domain/research";

const P = liaisonV1;

// Domain names <-> contract enums. fromProto gives undefined for UNSPECIFIED or unknown numbers.
const researchStatusCodec = enumCodec(P.ResearchStatus, "RESEARCH_STATUS_", ["PROPOSED", "ONGOING", "CONCLUDED"] as const);
const invitationStatusCodec = enumCodec(P.InvitationStatus, "INVITATION_STATUS_", ["PENDING", "ACCEPTED", "DECLINED"] as const);
const transformationKindCodec = enumCodec(P.TransformationKind, "TRANSFORMATION_KIND_", [
  "LEGISLATION_PROPOSAL",
  "TRAINING",
  "BULLETIN",
] as const);

/** Version, withdrawal and history of a finding or outcome. */
function revisionToProto(r: Revisable) {
  return {
    version: r.version,
    withdrawn: r.withdrawn,
    revisionAudit: r.revised,
    history: r.history.map((h) => ({ version: h.version, text: h.text, audit: h.made })),
  };
}

function outcomeToProto(o: Outcome): liaisonV1.ResearchOutcome {
  return {
    outcomeId: o.outcomeId,
    summary: o.summary,
    link: o.link && { kind: transformationKindCodec.toProto(o.link.kind), targetId: o.link.targetId, audit: o.link.linked },
    audit: o.recorded,
    ...revisionToProto(o),
  };
}

function findingToProto(f: Finding): liaisonV1.ResearchFinding {
  return { findingId: f.findingId, text: f.text, audit: f.recorded, ...revisionToProto(f) };
}

const refOf = (r: JointResearch, id: string): PartyName | undefined => r.names?.get(id);

export function researchToProto(r: JointResearch): liaisonV1.JointResearch {
  return {
    researchId: r.researchId,
    topic: r.topic,
    leadOrganisationId: r.leadOrganisationId,
    lead: refOf(r, r.leadOrganisationId),
    description: r.description,
    status: researchStatusCodec.toProto(r.status),
    invitations: r.invitations.map((i) => ({
      invitationId: i.invitationId,
      organisationId: i.organisationId,
      invitedByOrganisationId: i.invitedByOrganisationId,
      status: invitationStatusCodec.toProto(i.status),
      respondTime: i.respondedAt,
      organisation: refOf(r, i.organisationId),
      invitedBy: refOf(r, i.invitedByOrganisationId),
    })),
    findings: r.findings.map(findingToProto),
    outcomes: r.outcomes.map(outcomeToProto),
    revision: r.revision,
    createTime: r.createdAt,
  };
}

/**
 * Decodes an enum field: 0 (unspecified) gives undefined, left to the use case to require; a
 * number the contract does not define is INVALID_ARGUMENT naming the field, before anything else.
 */
function enumArg<D>(field: string, value: number, codec: { fromProto(n: number): D | undefined }): D | undefined {
  const v = new Violations();
  const decoded = optionalEnum(v, field, value, codec);
  v.throwIfAny();
  return decoded;
}

// Joint research is the two sides' own work (art. 4), local to the node: they propose, invite,
// answer, record and correct here. Reads admit the city (no party's personal data in a project).
const access = {
  proposeJointResearch: own(...MECHANISM),
  inviteToJointResearch: own(...MECHANISM),
  respondToResearchInvitation: own(...MECHANISM),
  recordResearchFinding: own(...MECHANISM),
  concludeJointResearch: own(...MECHANISM),
  recordResearchOutcome: own(...MECHANISM),
  linkResearchOutcome: own(...MECHANISM),
  getJointResearch: ownOrCity(...MECHANISM),
  listJointResearch: ownOrCity(...MECHANISM),
  correctResearchFinding: own(...MECHANISM),
  withdrawResearchFinding: own(...MECHANISM),
  correctResearchOutcome: own(...MECHANISM),
  withdrawResearchOutcome: own(...MECHANISM),
} satisfies AccessRules<typeof liaisonV1.JointResearchServiceService>;

/** JointResearchService: request -> use case -> JointResearch. */
export function researchGrpcService(app: ResearchApp, grpc: GrpcOptions): RegisteredService {
  const implementation = implement(
    P.JointResearchServiceService,
    {
      async proposeJointResearch(req, call) {
        return { research: researchToProto(await app.propose(req, actorOf(call))) };
      },
      async inviteToJointResearch(req, call) {
        return { research: researchToProto(await app.invite(req, actorOf(call))) };
      },
      async respondToResearchInvitation(req, call) {
        const answer = enumArg("answer", req.answer, invitationStatusCodec);
        return { research: researchToProto(await app.respond({ ...req, answer }, actorOf(call))) };
      },
      async recordResearchFinding(req, call) {
        return { research: researchToProto(await app.recordFinding(req, actorOf(call))) };
      },
      async correctResearchFinding(req, call) {
        const input = { ...req, itemId: req.findingId };
        return { research: researchToProto(await app.correctFinding(input, actorOf(call))) };
      },
      async withdrawResearchFinding(req, call) {
        return { research: researchToProto(await app.withdrawFinding({ ...req, itemId: req.findingId }, actorOf(call))) };
      },
      async correctResearchOutcome(req, call) {
        const input = { ...req, itemId: req.outcomeId, text: req.summary };
        return { research: researchToProto(await app.correctOutcome(input, actorOf(call))) };
      },
      async withdrawResearchOutcome(req, call) {
        return { research: researchToProto(await app.withdrawOutcome({ ...req, itemId: req.outcomeId }, actorOf(call))) };
      },
      async concludeJointResearch(req, call) {
        return { research: researchToProto(await app.conclude(req, actorOf(call))) };
      },
      async recordResearchOutcome(req, call) {
        const linkKind = enumArg("link_kind", req.linkKind, transformationKindCodec);
        const { research, outcomeId } = await app.recordOutcome({ ...req, linkKind }, actorOf(call));
        const outcome = research.outcomes.find((o) => o.outcomeId === outcomeId);
        return { research: researchToProto(research), outcome: outcome && outcomeToProto(outcome) };
      },
      async linkResearchOutcome(req, call) {
        const kind = enumArg("kind", req.kind, transformationKindCodec);
        return { research: researchToProto(await app.linkOutcome({ ...req, kind }, actorOf(call))) };
      },
      async getJointResearch(req) {
        return { research: researchToProto(await app.view(req.researchId)) };
      },
      async listJointResearch(req) {
        const f = req.filter;
        const v = new Violations();
        const status = optionalEnum(v, "filter.status", f?.status ?? 0, researchStatusCodec);
        const linkedKind = optionalEnum(v, "filter.linked_kind", f?.linkedKind ?? 0, transformationKindCodec);
        v.throwIfAny();
        const result = await app.list(
          {
            status,
            linkedKind,
            leadOrganisationId: f?.leadOrganisationId ?? "",
            leadCreditCode: f?.leadCreditCode ?? "",
            participantOrganisationId: f?.participantOrganisationId ?? "",
            participantCreditCode: f?.participantCreditCode ?? "",
            linkedTargetId: f?.linkedTargetId ?? "",
            text: f?.text ?? "",
          },
          req.page?.pageSize ?? 0,
          req.page?.pageToken ?? "",
        );
        return { research: result.items.map(researchToProto), page: { nextPageToken: result.nextPageToken, totalSize: result.totalSize } };
      },
    },
    { ...grpc, access },
  );
  return { name: "jinlian.liaison.v1.JointResearchService", definition: P.JointResearchServiceService, implementation };
}
