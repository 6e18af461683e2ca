import { randomUUID } from "node:crypto";
import {
  createDatabase,
  createKafka,
  createProducer,
  ensureDatabaseExists,
  ensureTopics,
  GrpcServer,
  Lifecycle,
  migrate,
  systemClock,
  type Authenticator,
  type Authorizer,
  type Clock,
  type IdGenerator,
  type Logger,
  type NodeIdentity,
  type ServerTls,
  type ServiceInstance,
  type ServiceSettings,
} from "@jinlian/chassis";
import { resolveTargets } from "./registry";

export interface NodeOptions {
  jurisdictionCode: string;
  target: string;
  topicNamespace: string;
  databaseUrl: string;
  kafkaBrokers: readonly string[];
  grpcHost: string;
  grpcPort: number;
  /** Serve gRPC over TLS (PEM); plaintext when absent. */
  tls?: ServerTls;
  logger: Logger;
  shutdownGraceMs?: number;
  clock?: Clock;
  ids?: IdGenerator;
  authenticator?: Authenticator;
  authorizer?: Authorizer;
  settings?: ServiceSettings;
}

export interface RunningNode {
  readonly identity: NodeIdentity;
  readonly grpcPort: number;
  readonly services: ReadonlyMap<string, ServiceInstance>;
  readonly lifecycle: Lifecycle;
  stop(): Promise<void>;
}

const uuidIds: IdGenerator = { newId: () => randomUUID() };

/**
 * Starts one node: the selected services of one jurisdiction in this process, each with its own
 * schema, sharing one gRPC port and one Kafka producer. Services still talk to each other only
 * through gRPC and Kafka. Order: database and migrations, topics, gRPC, relays and consumers,
 * then health SERVING; stop runs the reverse.
 */
export async function startNode(options: NodeOptions): Promise<RunningNode> {
  const modules = resolveTargets(options.target);
  const identity: NodeIdentity = { jurisdictionCode: options.jurisdictionCode, topicNamespace: options.topicNamespace };
  const logger = options.logger.child({ node: options.jurisdictionCode });
  const lifecycle = new Lifecycle(logger);
  try {
    await ensureDatabaseExists(options.databaseUrl);
    const kafka = createKafka({ brokers: options.kafkaBrokers, clientId: `jinlian-${options.jurisdictionCode}`, logger });
    const admin = kafka.admin();
    await admin.connect();
    try {
      await ensureTopics(
        admin,
        modules.flatMap((m) => m.topics(identity)),
      );
    } finally {
      await admin.disconnect();
    }
    const producer = createProducer(kafka);
    await producer.connect();
    lifecycle.onStop("kafka-producer", () => producer.disconnect());

    const server = new GrpcServer({ logger });
    const services = new Map<string, ServiceInstance>();
    for (const m of modules) {
      const db = createDatabase({
        url: options.databaseUrl,
        schema: m.schema,
        applicationName: `jinlian-${options.jurisdictionCode}-${m.name}`,
      });
      lifecycle.onStop(`${m.name}-db`, () => db.destroy());
      const applied = await migrate(db, m.schema, m.migrations);
      if (applied.length > 0) logger.info({ service: m.name, applied }, "migrations applied");
      const instance = m.create({
        node: identity,
        db,
        databaseUrl: options.databaseUrl,
        schema: m.schema,
        kafka,
        producer,
        logger,
        clock: options.clock ?? systemClock,
        ids: options.ids ?? uuidIds,
        authenticator: options.authenticator,
        authorizer: options.authorizer,
        settings: options.settings,
      });
      for (const s of instance.grpcServices) server.add(s);
      services.set(m.name, instance);
      // Hooks run in reverse: the gRPC server (registered below) drains first, then consumers and
      // relays stop, then pools and the producer close.
      lifecycle.onStop(m.name, () => instance.stop());
    }
    const grpcPort = await server.start(options.grpcHost, options.grpcPort, options.tls);
    lifecycle.onStop("grpc-server", () => server.drain(options.shutdownGraceMs ?? 10_000));
    for (const instance of services.values()) await instance.start();
    server.setStatus("SERVING");
    logger.info({ grpcPort, services: [...services.keys()], namespace: options.topicNamespace }, "node ready");
    return { identity, grpcPort, services, lifecycle, stop: () => lifecycle.stop() };
  } catch (err) {
    await lifecycle.stop();
    throw err;
  }
}
