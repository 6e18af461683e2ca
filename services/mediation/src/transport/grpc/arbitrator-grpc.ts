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
import type { ArbitratorApp } from "../../app/arbitrator-app";
import type { ArbitratorRecommendation, CandidateInput } from "../../domain/arbitrator";
import { orgToProto } from "../../domain/common";
import { genderCodec, optionalEnum } from "./codecs";

const P = mediationV1;

const experienceKindCodec = enumCodec(P.ExperienceKind, "EXPERIENCE_KIND_", ["ARBITRATION_WORK", "LAWYER", "JUDGE"] as const);
const titleFieldCodec = enumCodec(P.SeniorTitleField, "SENIOR_TITLE_FIELD_", ["LEGAL_RESEARCH_TEACHING", "ECONOMIC_TRADE"] as const);
const routeCodec = enumCodec(P.QualificationRoute, "QUALIFICATION_ROUTE_", [
  "ARBITRATION_WORK",
  "LAWYER",
  "JUDGE",
  "LEGAL_RESEARCH",
  "ECONOMIC_TRADE",
] as const);
const statusCodec = enumCodec(P.RecommendationStatus, "RECOMMENDATION_STATUS_", ["RECOMMENDED", "APPOINTED", "NOT_APPOINTED"] as const);

function candidateOf(c: mediationV1.ArbitratorCandidateInput | undefined): CandidateInput | undefined {
  if (!c) return undefined;
  return {
    name: c.name,
    gender: genderCodec.fromProto(c.gender),
    employerCreditCode: c.employerCreditCode,
    legalProfessionalQualification: c.legalProfessionalQualification,
    experiences: c.experiences.map((e) => ({ kind: experienceKindCodec.fromProto(e.kind), years: e.years })),
    seniorTitleField: titleFieldCodec.fromProto(c.seniorTitleField),
    seniorTitle: c.seniorTitle,
    equivalentProfessionalLevel: c.equivalentProfessionalLevel,
    legalKnowledge: c.legalKnowledge,
    fairAndUpright: c.fairAndUpright,
    specialties: c.specialties,
    phone: c.phone,
  };
}

export function recommendationToProto(r: ArbitratorRecommendation): mediationV1.ArbitratorRecommendation {
  const c = r.candidate;
  return {
    recommendationId: r.recommendationId,
    federation: orgToProto(r.federation),
    commission: orgToProto(r.commission),
    candidate: {
      name: c.name,
      gender: genderCodec.toProto(c.gender),
      employerCreditCode: c.employerCreditCode,
      legalProfessionalQualification: c.legalProfessionalQualification,
      experiences: c.experiences.map((e) => ({ kind: experienceKindCodec.toProto(e.kind), years: e.years })),
      seniorTitleField: c.seniorTitleField ? titleFieldCodec.toProto(c.seniorTitleField) : 0,
      seniorTitle: c.seniorTitle,
      equivalentProfessionalLevel: c.equivalentProfessionalLevel,
      legalKnowledge: c.legalKnowledge,
      fairAndUpright: c.fairAndUpright,
      specialties: c.specialties,
      phone: c.phone,
    },
    employer: orgToProto(r.employer),
    routes: r.routes.map((a) => ({ route: routeCodec.toProto(a.route), met: a.met, explanation: a.explanation })),
    status: statusCodec.toProto(r.status),
    outcomeNote: r.outcomeNote,
    recommendTime: r.recommendedAt,
    decideTime: r.decidedAt ?? undefined,
    revision: r.revision,
  };
}

/**
 * The federation recommends, and records the commission's answer by hand (the commission has no
 * role here); the justice administration supports it (seed art. 18) and may read. Candidates are
 * personal data: the node's only.
 */
const recommend: AccessRule = own("FEDERATION");
const recommendationRead: AccessRule = own(...MECHANISM);
const access = {
  recommendArbitrator: recommend,
  recordAppointmentOutcome: recommend,
  getArbitratorRecommendation: recommendationRead,
  listArbitratorRecommendations: recommendationRead,
} satisfies AccessRules<typeof P.ArbitratorRecommendationServiceService>;

/** jinlian.mediation.v1.ArbitratorRecommendationService. */
export function arbitratorGrpcService(app: ArbitratorApp, grpc: HandlerOptions): RegisteredService {
  const one = (r: ArbitratorRecommendation) => ({ recommendation: recommendationToProto(r) });
  const implementation = implement(
    P.ArbitratorRecommendationServiceService,
    {
      async recommendArbitrator(req, call) {
        return one(
          await app.recommend(
            {
              federationCreditCode: req.federationCreditCode,
              commissionCreditCode: req.commissionCreditCode,
              candidate: candidateOf(req.candidate),
            },
            req.reason,
            actorOf(call),
          ),
        );
      },
      async recordAppointmentOutcome(req, call) {
        return one(
          await app.recordOutcome(
            req.recommendationId,
            req.expectedRevision,
            { appointed: req.appointed, outcomeNote: req.outcomeNote },
            req.reason,
            actorOf(call),
          ),
        );
      },
      async getArbitratorRecommendation(req) {
        return one(await app.get(req.recommendationId));
      },
      async listArbitratorRecommendations(req) {
        const v = new Violations();
        const status = optionalEnum(v, "filter.status", req.filter?.status ?? 0, statusCodec);
        v.throwIfAny();
        const page = await app.list(
          { commissionCreditCode: req.filter?.commissionCreditCode ?? "", status },
          req.page?.pageSize ?? 0,
          req.page?.pageToken ?? "",
        );
        return {
          recommendations: page.items.map(recommendationToProto),
          page: { nextPageToken: page.nextPageToken, totalSize: page.totalSize },
        };
      },
    },
    { ...grpc, access },
  );
  return {
    name: "jinlian.mediation.v1.ArbitratorRecommendationService",
    definition: P.ArbitratorRecommendationServiceService,
    implementation,
  };
}
