import {
  bulletinsEvents,
  EventConsumer,
  liaisonEvents,
  inboxHandler,
  OutboxRelay,
  type ServiceDependencies,
  type ServiceInstance,
  type ServiceModule,
} from "@jinlian/chassis";
import { BulletinsApp } from "./app/bulletins-app";
import { SERVICE } from "./app/events";
import { OrganisationProjection } from "./app/organisation-projection";
import { bulletinsMigrations } from "./persistence/migrations";
import { bulletinsGrpcService } from "./transport/grpc/bulletins-grpc";
import {
  bulletinsConsumerGroup,
  bulletinsDeadLetterTopic,
  bulletinsTopics,
  inboundTopics,
  organisationsConsumerGroup,
  registryTopics,
} from "./transport/kafka/topology";

/** Composition of the bulletins service from the dependencies its node provides. */
export function createBulletinsService(
  deps: ServiceDependencies,
): ServiceInstance & { app: BulletinsApp; organisations: OrganisationProjection; relay: OutboxRelay } {
  const logger = deps.logger.child({ service: SERVICE });
  const app = new BulletinsApp({ db: deps.db, schema: deps.schema, node: deps.node, clock: deps.clock, ids: deps.ids, logger });
  const organisations = new OrganisationProjection({ db: deps.db, node: deps.node, clock: deps.clock, logger });
  const relay = new OutboxRelay({ db: deps.db, url: deps.databaseUrl, schema: deps.schema, producer: deps.producer, logger });
  const consumer = new EventConsumer({
    kafka: deps.kafka,
    db: deps.db,
    name: "deliveries",
    groupId: bulletinsConsumerGroup(deps.node),
    topics: inboundTopics(deps.node),
    deadLetterTopic: bulletinsDeadLetterTopic(deps.node),
    producer: deps.producer,
    logger,
    handlers: [
      inboxHandler(bulletinsEvents.published, (e, trx) => app.onPublished(e, trx)),
      inboxHandler(bulletinsEvents.corrected, (e, trx) => app.onCorrected(e, trx)),
      inboxHandler(bulletinsEvents.recalled, (e, trx) => app.onRecalled(e, trx)),
      inboxHandler(bulletinsEvents.acknowledged, (e, trx) => app.onAcknowledged(e, trx)),
    ],
  });
  // Its own consumer group: a node whose bulletins starts after the registry has events replays
  // the (compacted) registry topic from the start, whatever the deliveries consumer has read.
  const registryConsumer = new EventConsumer({
    kafka: deps.kafka,
    db: deps.db,
    name: "organisations",
    groupId: organisationsConsumerGroup(deps.node),
    topics: registryTopics(deps.node),
    deadLetterTopic: bulletinsDeadLetterTopic(deps.node),
    producer: deps.producer,
    logger,
    handlers: [
      inboxHandler(liaisonEvents.organisationRegistered, (e, trx) => organisations.apply("REGISTERED", e, trx)),
      inboxHandler(liaisonEvents.organisationUpdated, (e, trx) => organisations.apply("UPDATED", e, trx)),
      inboxHandler(liaisonEvents.organisationDeactivated, (e, trx) => organisations.apply("DEACTIVATED", e, trx)),
    ],
  });
  return {
    app,
    organisations,
    relay,
    grpcServices: [bulletinsGrpcService(app, organisations, { logger, authenticator: deps.authenticator, authorizer: deps.authorizer })],
    async start() {
      relay.start();
      await consumer.start();
      await registryConsumer.start();
    },
    async stop() {
      await registryConsumer.stop();
      await consumer.stop();
      await relay.stop();
    },
  };
}

export const bulletinsModule: ServiceModule = {
  name: SERVICE,
  schema: SERVICE,
  migrations: bulletinsMigrations,
  topics: bulletinsTopics,
  create: createBulletinsService,
};
