/**
 * Replaying a service's dead letters at a node, from outside the running node: the service's own
 * consumer is built from its module exactly as the node builds it (same handlers, inbox, checks and
 * dead-letter topic), and the letters are replayed through it (see `replayDeadLetters`).
 */
import {
  createDatabase,
  createKafka,
  createProducer,
  migrate,
  replayDeadLetters,
  type DeadLetterFilter,
  type KafkaSecurity,
  type Logger,
  type ReplayedLetter,
} from "@jinlian/chassis";
import { consumerFor, createServiceParts } from "./node";
import { resolveTargets } from "./registry";

export interface ReplayRequest {
  readonly jurisdictionCode: string;
  readonly topicNamespace: string;
  readonly databaseUrl: string;
  readonly kafkaBrokers: readonly string[];
  readonly kafkaSecurity?: KafkaSecurity;
  /** The service whose consumer dead-lettered the events, e.g. "bulletins". */
  readonly service: string;
  /** Its consumer, as the catalogue names it (e.g. "deliveries"); the service's only one when absent. */
  readonly consumer?: string;
  readonly filter?: DeadLetterFilter;
  readonly dryRun?: boolean;
  readonly actor: string;
  readonly logger: Logger;
  /** The service's own variables, for its module's configuration. */
  readonly environment?: NodeJS.ProcessEnv;
}

export async function replayServiceDeadLetters(request: ReplayRequest): Promise<ReplayedLetter[]> {
  const [module] = resolveTargets(request.service);
  if (!module || module.name !== request.service) throw new Error(`unknown service ${request.service}`);
  const identity = { jurisdictionCode: request.jurisdictionCode, topicNamespace: request.topicNamespace };
  const db = createDatabase({ url: request.databaseUrl, schema: module.schema, applicationName: `jinlian-replay-${module.name}` });
  const kafka = createKafka({
    brokers: [...request.kafkaBrokers],
    clientId: `jinlian-replay-${request.jurisdictionCode}`,
    logger: request.logger,
    security: request.kafkaSecurity,
  });
  const producer = createProducer(kafka, request.logger);
  try {
    // The replay log lives in the service's schema; a node that never ran this version lacks it.
    await migrate(db, module.schema, module.migrations);
    await producer.connect();
    const parts = createServiceParts(module, {
      node: identity,
      db,
      schema: module.schema,
      logger: request.logger,
      environment: request.environment,
    });
    const consumers = (parts.consumers ?? []).map((declared) =>
      consumerFor(module.name, declared, { identity, kafka, producer, db, logger: request.logger }),
    );
    const chosen = request.consumer
      ? consumers.find(([name]) => name === request.consumer)
      : consumers.length === 1
        ? consumers[0]
        : undefined;
    if (!chosen)
      throw new Error(`service ${module.name} has consumers ${consumers.map(([n]) => n).join(", ") || "(none)"}; name one with --consumer`);
    return await replayDeadLetters({
      kafka,
      db,
      target: chosen[1],
      filter: request.filter,
      dryRun: request.dryRun,
      actor: request.actor,
      logger: request.logger,
    });
  } finally {
    await producer.disconnect().catch(() => undefined);
    await db.destroy();
  }
}
