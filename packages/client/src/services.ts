import { bulletinsV1, legalServicesV1, legislationV1, liaisonV1, mediationV1 } from "@jinlian/proto";
import { createClient, type ClientOptions, type PromiseClient } from "./client";

type BulletinsDefinition = typeof bulletinsV1.BulletinsServiceService;

/**
 * Reads are idempotent; every mutation is made idempotent by the request id (the service records
 * it with the change and answers a repeat with the same result), so all methods may be retried.
 */
export const BULLETINS_IDEMPOTENT: readonly (keyof BulletinsDefinition)[] = Object.keys(
  bulletinsV1.BulletinsServiceService,
) as (keyof BulletinsDefinition)[];

export type BulletinsClient = PromiseClient<BulletinsDefinition>;

/** A client of jinlian.bulletins.v1.BulletinsService. */
export function bulletinsClient(options: ClientOptions): BulletinsClient {
  return createClient(bulletinsV1.BulletinsServiceService, options, { idempotent: BULLETINS_IDEMPOTENT });
}

type LiaisonDefinitions = {
  registry: typeof liaisonV1.RegistryServiceService;
  mechanisms: typeof liaisonV1.MechanismServiceService;
  consultations: typeof liaisonV1.ConsultationServiceService;
  research: typeof liaisonV1.JointResearchServiceService;
  campaigns: typeof liaisonV1.CampaignServiceService;
  audit: typeof liaisonV1.AuditTrailServiceService;
};

/** The liaison service's six gRPC services, one typed client each, over one set of options. */
export type LiaisonClient = { [K in keyof LiaisonDefinitions]: PromiseClient<LiaisonDefinitions[K]> } & { close(): void };

/**
 * Clients of jinlian.liaison.v1: RegistryService, MechanismService, ConsultationService,
 * JointResearchService, CampaignService and AuditTrailService. Every method may be retried on
 * UNAVAILABLE: reads are idempotent and mutations are keyed by the request id.
 */
export function liaisonClient(options: ClientOptions): LiaisonClient {
  const all = <D extends Record<string, unknown>>(d: D) => ({ idempotent: Object.keys(d) as (keyof D)[] });
  const registry = createClient(liaisonV1.RegistryServiceService, options, all(liaisonV1.RegistryServiceService));
  const mechanisms = createClient(liaisonV1.MechanismServiceService, options, all(liaisonV1.MechanismServiceService));
  const consultations = createClient(liaisonV1.ConsultationServiceService, options, all(liaisonV1.ConsultationServiceService));
  const research = createClient(liaisonV1.JointResearchServiceService, options, all(liaisonV1.JointResearchServiceService));
  const campaigns = createClient(liaisonV1.CampaignServiceService, options, all(liaisonV1.CampaignServiceService));
  const audit = createClient(liaisonV1.AuditTrailServiceService, options, all(liaisonV1.AuditTrailServiceService));
  return {
    registry,
    mechanisms,
    consultations,
    research,
    campaigns,
    audit,
    close() {
      for (const c of [registry, mechanisms, consultations, research, campaigns, audit]) c.close();
    },
  };
}

type LegislationDefinitions = {
  plan: typeof legislationV1.LegislativePlanServiceService;
  drafts: typeof legislationV1.DraftServiceService;
  consultations: typeof legislationV1.ConsultationServiceService;
  studies: typeof legislationV1.StudyServiceService;
  audit: typeof legislationV1.AuditTrailServiceService;
};

/** The legislation service's five gRPC services, one typed client each, over one set of options. */
export type LegislationClient = { [K in keyof LegislationDefinitions]: PromiseClient<LegislationDefinitions[K]> } & { close(): void };

/**
 * Clients of jinlian.legislation.v1: LegislativePlanService, DraftService, ConsultationService,
 * StudyService and AuditTrailService. Every method may be retried on UNAVAILABLE: reads are idempotent and
 * mutations are keyed by the request id.
 */
export function legislationClient(options: ClientOptions): LegislationClient {
  const all = <D extends Record<string, unknown>>(d: D) => ({ idempotent: Object.keys(d) as (keyof D)[] });
  const P = legislationV1;
  const plan = createClient(P.LegislativePlanServiceService, options, all(P.LegislativePlanServiceService));
  const drafts = createClient(P.DraftServiceService, options, all(P.DraftServiceService));
  const consultations = createClient(P.ConsultationServiceService, options, all(P.ConsultationServiceService));
  const studies = createClient(P.StudyServiceService, options, all(P.StudyServiceService));
  const audit = createClient(P.AuditTrailServiceService, options, all(P.AuditTrailServiceService));
  return {
    plan,
    drafts,
    consultations,
    studies,
    audit,
    close() {
      for (const c of [plan, drafts, consultations, studies, audit]) c.close();
    },
  };
}

type LegalServicesDefinitions = {
  providers: typeof legalServicesV1.ProviderServiceService;
  requests: typeof legalServicesV1.RequestServiceService;
  pairing: typeof legalServicesV1.PairingServiceService;
  healthChecks: typeof legalServicesV1.HealthCheckServiceService;
  trainings: typeof legalServicesV1.TrainingServiceService;
  referrals: typeof legalServicesV1.ArbitrationReferralServiceService;
  statistics: typeof legalServicesV1.StatisticsServiceService;
  audit: typeof legalServicesV1.AuditTrailServiceService;
};

/** The legal-services service's gRPC services, one typed client each, over one set of options. */
export type LegalServicesClient = { [K in keyof LegalServicesDefinitions]: PromiseClient<LegalServicesDefinitions[K]> } & { close(): void };

/**
 * Clients of jinlian.legal_services.v1: ProviderService, RequestService, PairingService,
 * HealthCheckService, TrainingService, ArbitrationReferralService, StatisticsService and
 * AuditTrailService. Every method may be retried on UNAVAILABLE: reads are idempotent and
 * mutations are keyed by the request id.
 */
export function legalServicesClient(options: ClientOptions): LegalServicesClient {
  const all = <D extends Record<string, unknown>>(d: D) => ({ idempotent: Object.keys(d) as (keyof D)[] });
  const P = legalServicesV1;
  const clients = {
    providers: createClient(P.ProviderServiceService, options, all(P.ProviderServiceService)),
    requests: createClient(P.RequestServiceService, options, all(P.RequestServiceService)),
    pairing: createClient(P.PairingServiceService, options, all(P.PairingServiceService)),
    healthChecks: createClient(P.HealthCheckServiceService, options, all(P.HealthCheckServiceService)),
    trainings: createClient(P.TrainingServiceService, options, all(P.TrainingServiceService)),
    referrals: createClient(P.ArbitrationReferralServiceService, options, all(P.ArbitrationReferralServiceService)),
    statistics: createClient(P.StatisticsServiceService, options, all(P.StatisticsServiceService)),
    audit: createClient(P.AuditTrailServiceService, options, all(P.AuditTrailServiceService)),
  };
  return {
    ...clients,
    close() {
      for (const c of Object.values(clients)) c.close();
    },
  };
}

type MediationDefinitions = {
  committees: typeof mediationV1.CommitteeServiceService;
  cases: typeof mediationV1.CaseServiceService;
  statistics: typeof mediationV1.StatisticsServiceService;
  nominations: typeof mediationV1.NominationServiceService;
  arbitrators: typeof mediationV1.ArbitratorRecommendationServiceService;
  cooperation: typeof mediationV1.CooperationServiceService;
  audit: typeof mediationV1.AuditTrailServiceService;
};

/** The mediation service's gRPC services, one typed client each, over one set of options. */
export type MediationClient = { [K in keyof MediationDefinitions]: PromiseClient<MediationDefinitions[K]> } & { close(): void };

/**
 * Clients of jinlian.mediation.v1: CommitteeService, CaseService, StatisticsService,
 * NominationService, ArbitratorRecommendationService, CooperationService and AuditTrailService.
 * Every method may be retried on UNAVAILABLE: reads are idempotent and mutations are keyed by the
 * request id.
 */
export function mediationClient(options: ClientOptions): MediationClient {
  const all = <D extends Record<string, unknown>>(d: D) => ({ idempotent: Object.keys(d) as (keyof D)[] });
  const P = mediationV1;
  const clients = {
    committees: createClient(P.CommitteeServiceService, options, all(P.CommitteeServiceService)),
    cases: createClient(P.CaseServiceService, options, all(P.CaseServiceService)),
    statistics: createClient(P.StatisticsServiceService, options, all(P.StatisticsServiceService)),
    nominations: createClient(P.NominationServiceService, options, all(P.NominationServiceService)),
    arbitrators: createClient(P.ArbitratorRecommendationServiceService, options, all(P.ArbitratorRecommendationServiceService)),
    cooperation: createClient(P.CooperationServiceService, options, all(P.CooperationServiceService)),
    audit: createClient(P.AuditTrailServiceService, options, all(P.AuditTrailServiceService)),
  };
  return {
    ...clients,
    close() {
      for (const c of Object.values(clients)) c.close();
    },
  };
}
