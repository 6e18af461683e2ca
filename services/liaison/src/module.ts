import { auditTrailService, defineServiceModule, env, PeriodicWork } from "@jinlian/chassis";
import { liaisonV1 } from "@jinlian/proto";
import { z } from "zod";
import { ActionItemApp } from "./app/action-item-app";
import { CampaignApp } from "./app/campaign-app";
import { ConsultationApp } from "./app/consultation-app";
import { LinkableArtefacts } from "./app/linkable-artefacts";
import { MechanismApp } from "./app/mechanism-app";
import { scanOverdueActionItems } from "./app/overdue-scanner";
import { RegistryApp } from "./app/registry-app";
import { ResearchApp } from "./app/research-app";
import { SERVICE } from "./app/support";
import { parseCampaignCalendar, type CampaignCalendar } from "./domain/campaign-calendar";
import { campaignStore } from "./persistence/campaign-repository";
import { actionItemStore, consultationStore } from "./persistence/consultation-repository";
import { mechanismStore } from "./persistence/mechanism-repository";
import { liaisonMigrations } from "./persistence/migrations";
import { organisationStore } from "./persistence/registry-repository";
import { researchStore } from "./persistence/research-repository";
import { campaignGrpcService } from "./transport/grpc/campaign-grpc";
import { consultationGrpcService } from "./transport/grpc/consultation-grpc";
import { mechanismGrpcService } from "./transport/grpc/mechanism-grpc";
import { registryGrpcService } from "./transport/grpc/registry-grpc";
import { researchGrpcService } from "./transport/grpc/research-grpc";
import { liaisonDeliveries } from "./transport/kafka/deliveries";
import { linkableArtefactConsumers } from "./transport/kafka/linkable-artefacts";
import { liaisonTopics } from "./transport/kafka/topology";

/**
 * The liaison service (art. 1-4, 7-8): registry of parties, mechanisms, consultations and action
 * items, joint research, publicity campaigns, and the audit trail.
 */
export const liaisonModule = defineServiceModule({
  name: SERVICE,
  schema: SERVICE,
  migrations: liaisonMigrations,
  topics: liaisonTopics,
  config: {
    /** How often unfinished action items past their due date are looked for and alerts raised. */
    LIAISON_OVERDUE_SCAN_INTERVAL_MS: env.positiveInt(60_000),
    /**
     * Calendar nodes of legal publicity beyond (or overriding) the built-in three, with dates set
     * per year (宪法宣传周): a JSON array, see docs/liaison.md. Unset: the built-in nodes.
     */
    LIAISON_CAMPAIGN_CALENDAR: z
      .string()
      .optional()
      .transform((text, ctx): CampaignCalendar => {
        const parsed = parseCampaignCalendar(text);
        if ("problems" in parsed) {
          ctx.addIssue({ code: "custom", message: parsed.problems.join("; ") });
          return z.NEVER;
        }
        return parsed.calendar;
      }),
  },
  create(deps) {
    const registry = new RegistryApp(deps.kit);
    const mechanisms = new MechanismApp(deps.kit);
    const actionItems = new ActionItemApp(deps.kit);
    const consultations = new ConsultationApp(deps.kit);
    const artefacts = new LinkableArtefacts(deps.kit);
    const research = new ResearchApp(deps.kit, artefacts);
    const campaigns = new CampaignApp(deps.kit, deps.config.LIAISON_CAMPAIGN_CALENDAR);
    const scanner = new PeriodicWork({
      name: "overdue action items",
      intervalMs: deps.config.LIAISON_OVERDUE_SCAN_INTERVAL_MS,
      logger: deps.logger,
      run: () => scanOverdueActionItems(deps.kit),
    });
    return {
      grpcServices: [
        registryGrpcService(registry, deps.node.jurisdictionCode, deps.grpc),
        mechanismGrpcService(mechanisms, deps.grpc),
        consultationGrpcService(consultations, actionItems, deps.grpc),
        researchGrpcService(research, deps.grpc),
        campaignGrpcService(campaigns, deps.grpc),
        // The audit trail lists the aggregate types the stores write.
        auditTrailService(
          liaisonV1.AuditTrailServiceService,
          deps.kit.db,
          [organisationStore, mechanismStore, consultationStore, actionItemStore, researchStore, campaignStore].map((s) => s.type),
          deps.grpc,
        ),
      ],
      consumers: [
        {
          // Cross-level deliveries: assignments and campaigns down, reports and progress up.
          stream: { service: SERVICE, stream: "deliveries" },
          handlers: liaisonDeliveries({ mechanisms, actionItems, campaigns, registry, consultations }),
        },
        // What research outcomes may link to: the node's legislation drafts and plan items, its trainings.
        ...linkableArtefactConsumers(artefacts),
      ],
      jobs: [{ name: "overdue-scanner", start: () => scanner.start(), stop: () => scanner.stop() }],
      // Tests drive these directly: an inbound event applied without Kafka, scans on demand
      // (several scanners stand for several replicas).
      seams: {
        db: deps.db,
        actionItems,
        overdueScanner: (batchSize?: number) => ({ scan: () => scanOverdueActionItems(deps.kit, batchSize) }),
      },
    };
  },
});
