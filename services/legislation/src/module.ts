import { defineServiceModule, env } from "@jinlian/chassis";
import { RegistryProjection } from "@jinlian/registry-projection";
import { z } from "zod";
import { ConsultationApp } from "./app/consultation-app";
import { DraftApp } from "./app/draft-app";
import { OriginsApp } from "./app/origins-app";
import { PlanApp } from "./app/plan-app";
import { RoundCloser } from "./app/round-closer";
import { StudyApp } from "./app/study-app";
import { officialCalendar } from "./app/working-calendar";
import { DEFAULT_GROUPING } from "./domain/grouping";
import { SERVICE } from "./domain/kinds";
import { legislationMigrations } from "./persistence/migrations";
import { draftStore, planStore, roundStore, studyStore } from "./persistence/repositories";
import { legislationGrpcServices } from "./transport/grpc/legislation-grpc";
import { legislationDeliveries } from "./transport/kafka/deliveries";
import { researchLinksConsumer } from "./transport/kafka/research-links";
import { legislationTopics } from "./transport/kafka/topology";

/**
 * The legislation service (art. 5-6): the annual legislative plan and project suggestions, drafts
 * with numbered articles and versions, opinion solicitation rounds with statutory windows across
 * nodes, grouped opinions, adoption feedback, symposia and surveys (art. 6), the art. 5 review
 * gate, and the research outcomes drafts came from (art. 4).
 */
export const legislationModule = defineServiceModule({
  name: SERVICE,
  schema: SERVICE,
  migrations: legislationMigrations,
  topics: legislationTopics,
  config: {
    /** How often rounds whose window passed are looked for, their closing recorded and sent to the district nodes. */
    LEGISLATION_CLOSE_SCAN_INTERVAL_MS: env.positiveInt(60_000),
    /** Jaccard similarity (0-1) of character shingles at or above which positions are proposed as one group. */
    LEGISLATION_NEAR_IDENTICAL_THRESHOLD: z.coerce.number().min(0.5).max(1).default(DEFAULT_GROUPING.threshold),
    /** Characters per shingle in near-identical grouping (2 suits Chinese text). */
    LEGISLATION_SHINGLE_SIZE: z.coerce.number().int().min(1).max(8).default(DEFAULT_GROUPING.shingleSize),
  },
  create(deps) {
    const calendar = officialCalendar();
    const organisations = new RegistryProjection({ db: deps.db, node: deps.node, clock: deps.clock, logger: deps.logger });
    const plan = new PlanApp(deps.kit);
    const drafts = new DraftApp(deps.kit);
    const consultations = new ConsultationApp(deps.kit, calendar, {
      threshold: deps.config.LEGISLATION_NEAR_IDENTICAL_THRESHOLD,
      shingleSize: deps.config.LEGISLATION_SHINGLE_SIZE,
    });
    const closer = new RoundCloser(consultations, deps.config.LEGISLATION_CLOSE_SCAN_INTERVAL_MS, (err) =>
      deps.logger.error({ err }, "closing rounds whose window passed failed; retried at the next scan"),
    );
    return {
      grpcServices: legislationGrpcServices(
        { plan, drafts, consultations, studies: new StudyApp(deps.kit) },
        deps.kit,
        [planStore, draftStore, roundStore, studyStore].map((s) => s.type),
        deps.grpc,
      ),
      consumers: [
        { stream: { service: SERVICE, stream: "deliveries" }, handlers: legislationDeliveries(consultations) },
        // The node's organisations (addressees, opinion authors, suggesters), from the liaison registry.
        organisations.consumer(),
        // Research outcomes that became a draft or plan item here (art. 4), from liaison.
        researchLinksConsumer(new OriginsApp(deps.kit)),
      ],
      jobs: [{ name: "round-closer", start: () => closer.start(), stop: () => closer.stop() }],
      // Tests close rounds on demand and read the calendar in force.
      seams: { consultations, calendar, closeDueRounds: () => consultations.closeDueRounds() },
    };
  },
});
