import {
  bulletinsEvents,
  EventConsumer,
  inboxHandler,
  OutboxRelay,
  type ServiceDependencies,
  type ServiceInstance,
  type ServiceModule,
} from "@jinlian/chassis";
import { BulletinsApp } from "./app/bulletins-app";
import { SERVICE } from "./app/events";
import { bulletinsMigrations } from "./persistence/migrations";
import { bulletinsGrpcService } from "./transport/grpc/bulletins-grpc";
import { bulletinsConsumerGroup, bulletinsDeadLetterTopic, bulletinsTopics, inboundTopics } from "./transport/kafka/topology";

/** Composition of the bulletins service from the dependencies its node provides. */
export function createBulletinsService(deps: ServiceDependencies): ServiceInstance & { app: BulletinsApp; relay: OutboxRelay } {
  const logger = deps.logger.child({ service: SERVICE });
  const app = new BulletinsApp({ db: deps.db, schema: deps.schema, node: deps.node, clock: deps.clock, ids: deps.ids, logger });
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
  return {
    app,
    relay,
    grpcServices: [bulletinsGrpcService(app, { logger, authenticator: deps.authenticator, authorizer: deps.authorizer })],
    async start() {
      relay.start();
      await consumer.start();
    },
    async stop() {
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
