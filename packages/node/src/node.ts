import { randomUUID } from "node:crypto";
import {
  CallAdmission,
  channelsOf,
  createDatabase,
  createKafka,
  createProducer,
  ensureDatabaseExists,
  ensureTopics,
  EventConsumer,
  GrpcServer,
  Lifecycle,
  loadConfig,
  migrate,
  OutboxRelay,
  personalDataKeyring,
  ServiceKit,
  systemClock,
  type Authenticator,
  type Authorizer,
  type AccessRule,
  type Clock,
  type ConsumerDeclaration,
  type HandlerOptions,
  type IdGenerator,
  type Logger,
  type NodeIdentity,
  type ServerTls,
  type WorkloadTls,
  type ServiceDependencies,
  type ServiceConfigShape,
  type ServiceModule,
  type ServiceParts,
  type KafkaSecurity,
} from "@jinlian/chassis";
import { loadMergedConfig, nodeConfigShape } from "./config";
import { FederationHeartbeat, type FederationStatus } from "./federation-heartbeat";
import { CONSUMERS_HEALTH, KAFKA_HEALTH, KafkaAttachment } from "./kafka-attachment";
import { resolveTargets } from "./registry";

export interface NodeOptions {
  jurisdictionCode: string;
  target: string;
  topicNamespace: string;
  databaseUrl: string;
  kafkaBrokers: readonly string[];
  /** TLS and SASL to the node's Kafka cluster; plaintext and anonymous when absent. */
  kafkaSecurity?: KafkaSecurity;
  grpcHost: string;
  grpcPort: number;
  /** Largest gRPC request accepted (GRPC_MAX_RECEIVE_BYTES); the chassis default when absent. */
  grpcMaxReceiveBytes?: number;
  /**
   * How long start waits for Kafka before serving without it (default 30 s); attaching goes on in
   * the background and health names `jinlian.node.Kafka` SERVING once done.
   */
  kafkaAttachWaitMs?: number;
  /** Calls worked on at once across the process (GRPC_MAX_CONCURRENT_CALLS); the chassis default when absent. */
  grpcMaxConcurrentCalls?: number;
  /**
   * Serve gRPC over TLS (PEM); plaintext when absent. With a client CA it is mutual TLS, and the
   * node's certificate is also its services' identity when they call other services.
   */
  tls?: ServerTls;
  /** A plaintext port serving grpc.health.v1 alone, for probes that cannot do TLS (GRPC_HEALTH_PORT). */
  grpcHealthPort?: number;
  logger: Logger;
  shutdownGraceMs?: number;
  clock?: Clock;
  ids?: IdGenerator;
  authenticator?: Authenticator;
  authorizer?: Authorizer;
  /**
   * Where the services' own variables (LIAISON_…, BULLETINS_…) are read from: the process
   * environment in production, a small record in tests. Unset variables take their defaults.
   */
  environment?: NodeJS.ProcessEnv;
}

/** One service as the node runs it: what the module declared, and what the node built for it. */
export interface RunningService {
  readonly module: ServiceModule;
  readonly parts: ServiceParts;
  readonly relay: OutboxRelay;
  /** The service's consumers by name (the catalogue's consumer name, e.g. "deliveries"). */
  readonly consumers: ReadonlyMap<string, EventConsumer>;
}

export interface RunningNode {
  readonly identity: NodeIdentity;
  readonly grpcPort: number;
  /** The plaintext health-only port, when asked for (GRPC_HEALTH_PORT). */
  readonly grpcHealthPort?: number;
  readonly services: ReadonlyMap<string, RunningService>;
  readonly lifecycle: Lifecycle;
  /** The node's federation links: when it last heard from each peer node, and sent to it. */
  readonly federation: FederationStatus;
  /** Every served method's declared access rule, by method path (what jwt mode enforces). */
  readonly accessRules: ReadonlyMap<string, AccessRule>;
  /** The seams a running module declared, typed by the module (for tests). */
  seams<S>(module: ServiceModule<ServiceConfigShape, S>): S;
  stop(): Promise<void>;
}

const uuidIds: IdGenerator = { newId: () => randomUUID() };

/** What a service's parts are built from (see createServiceParts). */
export interface ServicePartsOptions {
  readonly node: NodeIdentity;
  /** The service's pool, scoped to `schema`. */
  readonly db: ServiceDependencies["db"];
  readonly schema: string;
  readonly logger: Logger;
  readonly clock?: Clock;
  readonly ids?: IdGenerator;
  /** Authentication and authorisation for the service's gRPC handlers (the logger is the service's). */
  readonly grpc?: Omit<HandlerOptions, "logger">;
  /** The service's configuration as the node validated it; read from `environment` when absent. */
  readonly config?: Readonly<Record<string, unknown>>;
  /** Where the service's variables are read when no `config` is given; unset ones take their defaults. */
  readonly environment?: NodeJS.ProcessEnv;
  /** The node's certificate for the service's own calls to other services (mutual TLS). */
  readonly workloadTls?: WorkloadTls;
}

/**
 * Builds a module's parts as a node does: its kit over the given pool, its configuration, then
 * `module.create`. Relays, consumers and jobs are the caller's to run.
 */
export function createServiceParts<Shape extends ServiceConfigShape, Seams>(
  module: ServiceModule<Shape, Seams>,
  options: ServicePartsOptions,
): ServiceParts<Seams> {
  const { node, db, schema, logger } = options;
  const clock = options.clock ?? systemClock;
  const ids = options.ids ?? uuidIds;
  return module.create({
    node,
    db,
    schema,
    logger,
    clock,
    ids,
    kit: new ServiceKit({ service: module.name, db, schema, node, clock, ids, logger }),
    grpc: { ...options.grpc, logger },
    config: (options.config ?? loadConfig(module.config ?? {}, options.environment ?? {})) as never,
    workloadTls: options.workloadTls,
  });
}

/** The node's mutual-TLS files as its services' client identity; none without a client CA. */
function workloadTlsOf(tls: ServerTls | undefined): WorkloadTls | undefined {
  const files = tls?.files;
  if (!files?.clientRootCerts) return undefined;
  return { certFile: files.certChain, keyFile: files.privateKey, caFile: files.clientRootCerts, refreshMs: files.refreshMs };
}

/**
 * Starts one node: the selected services of one jurisdiction in this process, each with its own
 * schema, sharing one gRPC port and one Kafka producer. Services still talk to each other only
 * through gRPC and Kafka. The node, not the services, runs the outbox relays, the consumers the
 * modules declare and their jobs. Order: configuration, database and migrations, topics, gRPC,
 * relays, consumers, jobs, then health SERVING; stop runs the reverse.
 */
export async function startNode(options: NodeOptions): Promise<RunningNode> {
  const modules = resolveTargets(options.target);
  const { base: nodeConfig, services: configs } = loadMergedConfig(
    {
      JINLIAN_FEDERATION_HEARTBEAT_MS: nodeConfigShape.JINLIAN_FEDERATION_HEARTBEAT_MS,
      JINLIAN_CONSUMER_BATCH_SIZE: nodeConfigShape.JINLIAN_CONSUMER_BATCH_SIZE,
      JINLIAN_CONSUMER_CONCURRENT_PARTITIONS: nodeConfigShape.JINLIAN_CONSUMER_CONCURRENT_PARTITIONS,
    },
    modules,
    options.environment ?? {},
  );
  const identity: NodeIdentity = { jurisdictionCode: options.jurisdictionCode, topicNamespace: options.topicNamespace };
  const logger = options.logger.child({ node: options.jurisdictionCode });
  if (personalDataKeyring().development)
    logger.warn(
      { personalData: "development" },
      "DEVELOPMENT KEYRING: parties' personal data is sealed with a publicly known key; set JINLIAN_PERSONAL_DATA_KEYS_FILE outside development",
    );
  if (!options.authenticator || !options.authorizer)
    logger.warn(
      { auth: "development" },
      "DEVELOPMENT MODE: callers are not authenticated (the x-jinlian-actor header is believed) and every call is allowed; set JINLIAN_AUTH=jwt outside development",
    );
  const lifecycle = new Lifecycle(logger);
  try {
    await ensureDatabaseExists(options.databaseUrl);
    const kafka = createKafka({
      brokers: options.kafkaBrokers,
      clientId: `jinlian-${options.jurisdictionCode}`,
      logger,
      security: options.kafkaSecurity,
    });
    const producer = createProducer(kafka, logger);
    lifecycle.onStop("kafka-producer", () => producer.disconnect());

    const server = new GrpcServer({ logger, maxReceiveMessageBytes: options.grpcMaxReceiveBytes });
    const services = new Map<string, RunningService>();
    const admission = new CallAdmission(options.grpcMaxConcurrentCalls);
    for (const m of modules) {
      const db = createDatabase({
        url: options.databaseUrl,
        schema: m.schema,
        applicationName: `jinlian-${options.jurisdictionCode}-${m.name}`,
        logger,
      });
      lifecycle.onStop(`${m.name}-db`, () => db.destroy());
      const applied = await migrate(db, m.schema, m.migrations);
      if (applied.length > 0) logger.info({ service: m.name, applied }, "migrations applied");
      const serviceLogger = logger.child({ service: m.name });
      const parts = createServiceParts(m, {
        node: identity,
        db,
        schema: m.schema,
        logger: serviceLogger,
        clock: options.clock,
        ids: options.ids,
        grpc: { authenticator: options.authenticator, authorizer: options.authorizer, admission },
        config: configs.get(m.name),
        workloadTls: workloadTlsOf(options.tls),
      });
      for (const s of parts.grpcServices) server.add(s);
      const relay = new OutboxRelay({ db, url: options.databaseUrl, schema: m.schema, producer, logger: serviceLogger });
      const consumers = new Map<string, EventConsumer>();
      for (const declared of parts.consumers ?? []) {
        const [name, consumer] = consumerFor(m.name, declared, {
          identity,
          kafka,
          producer,
          db,
          logger: serviceLogger,
          batchSize: nodeConfig.JINLIAN_CONSUMER_BATCH_SIZE,
          concurrentPartitions: nodeConfig.JINLIAN_CONSUMER_CONCURRENT_PARTITIONS,
        });
        if (consumers.has(name)) throw new Error(`service ${m.name} declares two consumers named ${name}`);
        consumers.set(name, consumer);
      }
      services.set(m.name, { module: m, parts, relay, consumers });
    }
    // Hooks run in reverse: the gRPC server drains first, then jobs, consumers and relays stop,
    // then pools and the producer close. The work hooks are registered before the server starts
    // so that its hook can follow at once: a start that fails later still stops the server.
    // Relays and consumers stop safely when never started; a job is stopped only once started.
    const started = new Set<object>();
    for (const s of services.values()) {
      lifecycle.onStop(`${s.module.name}-relay`, () => s.relay.stop());
      // A service's consumers stop together: each waits out its fetch, so one after another adds up.
      if (s.consumers.size > 0)
        lifecycle.onStop(`${s.module.name}-consumers`, async () => {
          await Promise.all([...s.consumers.values()].map((c) => c.stop()));
        });
      for (const job of s.parts.jobs ?? [])
        lifecycle.onStop(`${s.module.name}-job-${job.name}`, async () => {
          if (started.has(job)) await job.stop();
        });
    }
    // The node's heartbeats over each federation link, whatever services it runs. Started once the
    // producer is connected; it attaches its own topics and consumer apart, so a refusal of those
    // cannot hold the services back. Stops after the attachment below (hooks run in reverse).
    const federation = new FederationHeartbeat({
      identity,
      kafka,
      producer,
      logger,
      intervalMs: nodeConfig.JINLIAN_FEDERATION_HEARTBEAT_MS,
    });
    lifecycle.onStop("federation-heartbeat", () => federation.stop());
    // Kafka is attached in the background: a node restarted while the broker is down still
    // serves calls (their events wait in the outbox) and says so in health; topics, the
    // producer, relays and consumers follow when the broker is reachable.
    const attachment = new KafkaAttachment({
      logger,
      attach: async () => {
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
        await producer.connect();
        for (const s of services.values()) {
          s.relay.start();
          for (const consumer of s.consumers.values()) {
            if (!started.has(consumer)) await consumer.start();
            started.add(consumer);
          }
        }
        federation.start();
      },
      onAttached: () => server.setStatus("SERVING", KAFKA_HEALTH),
    });
    lifecycle.onStop("kafka-attachment", () => attachment.stop());
    const consumers = [...services.values()].flatMap((s) => [...s.consumers.values()]);
    const consumersHealth = () => server.setStatus(consumers.every((c) => c.healthy) ? "SERVING" : "NOT_SERVING", CONSUMERS_HEALTH);
    for (const c of consumers) c.onHealthChange(consumersHealth);
    const grpcPort = await server.start(options.grpcHost, options.grpcPort, options.tls);
    lifecycle.onStop("grpc-server", () => server.drain(options.shutdownGraceMs ?? 10_000));
    const grpcHealthPort =
      options.grpcHealthPort === undefined ? undefined : await server.startHealthPort(options.grpcHost, options.grpcHealthPort);
    server.setStatus("NOT_SERVING", KAFKA_HEALTH);
    consumersHealth();
    for (const s of services.values())
      for (const job of s.parts.jobs ?? []) {
        job.start();
        started.add(job);
      }
    await attachment.start(options.kafkaAttachWaitMs ?? 30_000);
    server.setStatus("SERVING");
    logger.info(
      {
        grpcPort,
        services: [...services.keys()],
        namespace: options.topicNamespace,
        kafka: attachment.attached ? "attached" : "attaching",
      },
      "node ready",
    );
    return {
      identity,
      grpcPort,
      grpcHealthPort,
      services,
      lifecycle,
      federation,
      accessRules: server.accessRules,
      seams<S>(module: ServiceModule<ServiceConfigShape, S>): S {
        const running = services.get(module.name);
        if (!running) throw new Error(`service ${module.name} does not run on this node`);
        return running.parts.seams as S;
      },
      stop: () => lifecycle.stop(),
    };
  } catch (err) {
    await lifecycle.stop();
    throw err;
  }
}

/**
 * Builds the consumer a module declared, from the stream catalogue: the topics of that stream
 * this node reads, the consumer group and name the catalogue gives, and the service's dead letters.
 */
export function consumerFor(
  service: string,
  declared: ConsumerDeclaration,
  ctx: {
    identity: NodeIdentity;
    kafka: ReturnType<typeof createKafka>;
    producer: ReturnType<typeof createProducer>;
    db: ReturnType<typeof createDatabase>;
    logger: Logger;
    /** Events a partition's run applies in one transaction (JINLIAN_CONSUMER_BATCH_SIZE). */
    batchSize?: number;
    /** Partitions applied at the same time (JINLIAN_CONSUMER_CONCURRENT_PARTITIONS). */
    concurrentPartitions?: number;
  },
): [string, EventConsumer] {
  const channels = channelsOf(ctx.identity.topicNamespace, ctx.identity.jurisdictionCode, service);
  const reads = channels.filter(
    (c) => c.role === "subscribe" && c.stream.service === declared.stream.service && c.stream.name === declared.stream.stream,
  );
  const dlq = channels.find((c) => c.stream.kind === "dead-letter");
  const group = reads[0]?.consumerGroup;
  const name = reads[0]?.consumer;
  if (reads.length === 0 || !group || !name || !dlq)
    throw new Error(
      `service ${service}: the stream catalogue declares no consumer of ${declared.stream.service}.${declared.stream.stream} for it at ${ctx.identity.jurisdictionCode}`,
    );
  return [
    name,
    new EventConsumer({
      kafka: ctx.kafka,
      db: ctx.db,
      name,
      groupId: group,
      topics: reads.map((c) => c.topic),
      deadLetterTopic: dlq.topic,
      producer: ctx.producer,
      logger: ctx.logger,
      handlers: declared.handlers,
      batchSize: ctx.batchSize,
      concurrentPartitions: ctx.concurrentPartitions,
    }),
  ];
}
