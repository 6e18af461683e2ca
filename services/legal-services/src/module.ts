import { auditTrailService, defineServiceModule, env } from "@jinlian/chassis";
import { legalServicesV1 } from "@jinlian/proto";
import { RegistryProjection } from "@jinlian/registry-projection";
import { z } from "zod";
import { DeadlineScanner } from "./app/deadline-scanner";
import { HealthCheckApp } from "./app/health-check-app";
import { PairingApp } from "./app/pairing-app";
import { ProviderApp } from "./app/provider-app";
import { ArbitrationReferralApp } from "./app/referral-app";
import { RequestApp, type MatchingSettings } from "./app/request-app";
import { StatisticsApp } from "./app/statistics-app";
import { TrainingApp } from "./app/training-app";
import { SERVICE } from "./domain/common";
import { DEFAULT_WEIGHTS, type MatchWeights } from "./domain/matching";
import { legalServicesMigrations } from "./persistence/migrations";
import { campaignStore, programmeStore, providerStore, referralStore, requestStore, trainingStore } from "./persistence/stores";
import { healthCheckGrpcService } from "./transport/grpc/health-check-grpc";
import { pairingGrpcService } from "./transport/grpc/pairing-grpc";
import { providerGrpcService } from "./transport/grpc/provider-grpc";
import { referralGrpcService } from "./transport/grpc/referral-grpc";
import { requestGrpcService } from "./transport/grpc/request-grpc";
import { statisticsGrpcService } from "./transport/grpc/statistics-grpc";
import { trainingGrpcService } from "./transport/grpc/training-grpc";
import { legalServicesDeliveries, mediationFacts } from "./transport/kafka/deliveries";
import { legalServicesTopics } from "./transport/kafka/topology";

const weight = z.number().min(0).max(1);

/**
 * The legal-services service (art. 8-16): providers, requests matched with reasons and
 * exclusions and offered down a chain with deadlines, 万所联万会 pairing solved exactly, legal
 * health checks, arbitration referrals from mediation, trainings, statistics.
 */
export const legalServicesModule = defineServiceModule({
  name: SERVICE,
  schema: "legal_services",
  migrations: legalServicesMigrations,
  topics: legalServicesTopics,
  config: {
    /** How long the offered provider has to answer a routine request (seconds; default 48 h). */
    LEGAL_SERVICES_OFFER_WINDOW_ROUTINE_SECONDS: env.positiveInt(48 * 3600),
    /** … an urgent one (default 4 h). */
    LEGAL_SERVICES_OFFER_WINDOW_URGENT_SECONDS: env.positiveInt(4 * 3600),
    /** Offers declined or expired before the legal-service centre takes the request. */
    LEGAL_SERVICES_MAX_OFFERS: env.positiveInt(3),
    /** Candidates a shortlist shows. */
    LEGAL_SERVICES_SHORTLIST_SIZE: env.positiveInt(5),
    /** How often offer deadlines and health-check follow-ups are looked at. */
    LEGAL_SERVICES_SCAN_INTERVAL_MS: env.positiveInt(60_000),
    /** Matching weights as JSON, e.g. {"specialty":0.4,"district":0.2,"language":0.15,"load":0.15,"rating":0.1}; they must sum to 1. */
    LEGAL_SERVICES_MATCH_WEIGHTS: z
      .string()
      .optional()
      .transform((text, ctx): MatchWeights => {
        if (!text) return DEFAULT_WEIGHTS;
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch {
          ctx.addIssue({ code: "custom", message: "is not JSON" });
          return z.NEVER;
        }
        const w = z
          .object({ specialty: weight, district: weight, language: weight, load: weight, rating: weight })
          .strict()
          .safeParse(parsed);
        if (!w.success) {
          ctx.addIssue({ code: "custom", message: "must name specialty, district, language, load and rating, each 0-1" });
          return z.NEVER;
        }
        const sum = Object.values(w.data).reduce((s, x) => s + x, 0);
        if (Math.abs(sum - 1) > 1e-6) {
          ctx.addIssue({ code: "custom", message: `the weights must sum to 1, not ${sum}` });
          return z.NEVER;
        }
        return w.data;
      }),
  },
  create(deps) {
    const c = deps.config;
    const settings: MatchingSettings = {
      policy: {
        windowSeconds: { ROUTINE: c.LEGAL_SERVICES_OFFER_WINDOW_ROUTINE_SECONDS, URGENT: c.LEGAL_SERVICES_OFFER_WINDOW_URGENT_SECONDS },
        maxOffers: c.LEGAL_SERVICES_MAX_OFFERS,
      },
      weights: c.LEGAL_SERVICES_MATCH_WEIGHTS,
      shortlistSize: c.LEGAL_SERVICES_SHORTLIST_SIZE,
    };
    const organisations = new RegistryProjection({ db: deps.db, node: deps.node, clock: deps.clock, logger: deps.logger });
    const providers = new ProviderApp(deps.kit);
    const requests = new RequestApp(deps.kit, settings);
    const pairing = new PairingApp(deps.kit);
    const healthChecks = new HealthCheckApp(deps.kit);
    const trainings = new TrainingApp(deps.kit);
    const referrals = new ArbitrationReferralApp(deps.kit);
    const statistics = new StatisticsApp(deps.kit);
    const scanner = new DeadlineScanner(deps.kit, requests, healthChecks, c.LEGAL_SERVICES_SCAN_INTERVAL_MS);
    const stores = [providerStore, requestStore, programmeStore, campaignStore, trainingStore, referralStore];
    return {
      grpcServices: [
        providerGrpcService(providers, deps.grpc),
        requestGrpcService(requests, deps.grpc),
        pairingGrpcService(pairing, deps.grpc),
        healthCheckGrpcService(healthChecks, deps.kit, deps.grpc),
        trainingGrpcService(trainings, deps.grpc),
        referralGrpcService(referrals, deps.grpc),
        statisticsGrpcService(statistics, deps.kit, deps.grpc),
        auditTrailService(
          legalServicesV1.AuditTrailServiceService,
          deps.kit.db,
          [...stores.map((s) => s.type), "statistics_report"],
          deps.grpc,
        ),
      ],
      consumers: [
        { stream: { service: SERVICE, stream: "deliveries" }, handlers: legalServicesDeliveries({ pairing, statistics, requests }) },
        // Its own consumer group: replays the (compacted) registry topic from the start.
        organisations.consumer(),
        // Who mediated which dispute, from the node's mediation service.
        mediationFacts(requests),
      ],
      jobs: [{ name: "deadline-scanner", start: () => scanner.start(), stop: () => scanner.stop() }],
      // Tests reach these: scans on demand, mediation facts fed directly until mediation publishes them.
      seams: {
        db: deps.db,
        requests,
        scanner: () => new DeadlineScanner(deps.kit, requests, healthChecks, c.LEGAL_SERVICES_SCAN_INTERVAL_MS),
        recordMediatedBy: (fact: { disputeId: string; licenceNumber: string; mediatorName: string }) =>
          deps.db.transaction((trx) => requests.recordMediatedBy(trx, { ...fact, source: "test" })),
      },
    };
  },
});
