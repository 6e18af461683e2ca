import { bulletinsV1, liaisonV1 } from "@jinlian/proto";
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
