import { EventConsumer, OutboxRelay, type ServiceDependencies, type ServiceInstance, type ServiceModule } from "@jinlian/chassis";
import { liaisonAreas } from "./areas";
import { DEFAULT_LIAISON_SETTINGS, LiaisonContext, SERVICE, type LiaisonSettings } from "./app/support";
import { liaisonMigrations } from "./persistence/migrations";
import { inboundTopics, liaisonConsumerGroup, liaisonDeadLetterTopic, liaisonTopics } from "./transport/kafka/topology";

/** Composition of the liaison service from the dependencies its node provides. */
export function createLiaisonService(deps: ServiceDependencies): ServiceInstance & { context: LiaisonContext; relay: OutboxRelay } {
  const logger = deps.logger.child({ service: SERVICE });
  const settings: LiaisonSettings = { ...DEFAULT_LIAISON_SETTINGS, ...deps.settings };
  const context = new LiaisonContext({ db: deps.db, schema: deps.schema, node: deps.node, clock: deps.clock, ids: deps.ids, logger });
  const areas = liaisonAreas(context, { logger, authenticator: deps.authenticator, authorizer: deps.authorizer }, settings);
  const relay = new OutboxRelay({ db: deps.db, url: deps.databaseUrl, schema: deps.schema, producer: deps.producer, logger });
  const consumer = new EventConsumer({
    kafka: deps.kafka,
    db: deps.db,
    name: "deliveries",
    groupId: liaisonConsumerGroup(deps.node),
    topics: inboundTopics(deps.node),
    deadLetterTopic: liaisonDeadLetterTopic(deps.node),
    producer: deps.producer,
    logger,
    handlers: areas.flatMap((a) => a.deliveries ?? []),
  });
  return {
    context,
    relay,
    grpcServices: areas.flatMap((a) => a.grpcServices),
    async start() {
      relay.start();
      await consumer.start();
      for (const a of areas) a.start?.();
    },
    async stop() {
      for (const a of areas) await a.stop?.();
      await consumer.stop();
      await relay.stop();
    },
  };
}

export const liaisonModule: ServiceModule = {
  name: SERVICE,
  schema: SERVICE,
  migrations: liaisonMigrations,
  topics: liaisonTopics,
  create: createLiaisonService,
};
