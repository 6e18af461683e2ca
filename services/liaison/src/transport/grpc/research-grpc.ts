import { implement, Violations, type RegisteredService } from "@jinlian/chassis";
import { liaisonV1 } from "@jinlian/proto";
import type { GrpcOptions } from "../../app/area";
import { invitationStatusCodec, optionalEnum, researchStatusCodec, transformationKindCodec } from "../../app/codecs";
import type { ResearchApp, ResearchView } from "../../app/research-app";
import { actorOf } from "../../app/support";
import type { FindingRow, OutcomeRow } from "../../persistence/research-repository";

const P = liaisonV1;

function outcomeToProto(o: OutcomeRow): liaisonV1.ResearchOutcome {
  return {
    outcomeId: o.outcome_id,
    summary: o.summary,
    link:
      o.link_kind && o.link_target_id !== null
        ? {
            kind: transformationKindCodec.toProto(o.link_kind),
            targetId: o.link_target_id,
            audit: {
              actor: o.linked_by ?? "",
              reason: o.linked_reason ?? "",
              requestId: o.linked_request_id ?? "",
              occurTime: o.linked_at ?? undefined,
              jurisdictionCode: o.linked_jurisdiction ?? "",
            },
          }
        : undefined,
    audit: {
      actor: o.recorded_by,
      reason: o.recorded_reason,
      requestId: o.recorded_request_id,
      occurTime: o.recorded_at,
      jurisdictionCode: o.recorded_jurisdiction,
    },
  };
}

function findingToProto(f: FindingRow): liaisonV1.ResearchFinding {
  return {
    findingId: f.finding_id,
    text: f.text,
    audit: { actor: f.actor, reason: f.reason, requestId: f.request_id, occurTime: f.recorded_at, jurisdictionCode: f.jurisdiction },
  };
}

export function researchToProto(v: ResearchView): liaisonV1.JointResearch {
  const r = v.row;
  return {
    researchId: r.research_id,
    topic: r.topic,
    leadOrganisationId: r.lead_organisation_id,
    description: r.description,
    status: researchStatusCodec.toProto(r.status),
    invitations: v.invitations.map((i) => ({
      invitationId: i.invitation_id,
      organisationId: i.organisation_id,
      invitedByOrganisationId: i.invited_by_organisation_id,
      status: invitationStatusCodec.toProto(i.status),
      respondTime: i.responded_at ?? undefined,
    })),
    findings: v.findings.map(findingToProto),
    outcomes: v.outcomes.map(outcomeToProto),
    revision: r.revision,
    createTime: r.created_at,
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
      async concludeJointResearch(req, call) {
        return { research: researchToProto(await app.conclude(req, actorOf(call))) };
      },
      async recordResearchOutcome(req, call) {
        const linkKind = enumArg("link_kind", req.linkKind, transformationKindCodec);
        const { research, outcomeId } = await app.recordOutcome({ ...req, linkKind }, actorOf(call));
        const outcome = research.outcomes.find((o) => o.outcome_id === outcomeId);
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
            linkedTargetId: f?.linkedTargetId ?? "",
            text: f?.text ?? "",
          },
          req.page?.pageSize ?? 0,
          req.page?.pageToken ?? "",
        );
        return { research: result.items.map(researchToProto), page: { nextPageToken: result.nextPageToken, totalSize: result.totalSize } };
      },
    },
    grpc,
  );
  return { name: "jinlian.liaison.v1.JointResearchService", definition: P.JointResearchServiceService, implementation };
}
