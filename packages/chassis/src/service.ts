import type { Knex } from "knex";
import type { Kafka, Producer } from "kafkajs";
import type { Authenticator, Authorizer } from "./grpc/handlers";
import type { RegisteredService } from "./grpc/server";
import type { Logger } from "./logging/logger";
import type { TopicSpec } from "@jinlian/subscriber";
import type { Migration } from "./persistence/migrations";

/** The node a service instance runs in. */
export interface NodeIdentity {
  /** "120000" for the municipal node, a district code for a district node. */
  readonly jurisdictionCode: string;
  /** Prefix of every topic and consumer group ("jinlian" unless environments share a broker). */
  readonly topicNamespace: string;
}

export interface Clock {
  now(): Date;
}
export const systemClock: Clock = { now: () => new Date() };

export interface IdGenerator {
  newId(): string;
}

/** What the node gives each service: its own schema-scoped database, the bus, and the rest. */
export interface ServiceDependencies {
  readonly node: NodeIdentity;
  readonly db: Knex;
  /** Connection URL of db, for sessions the chassis holds itself (relay leadership). */
  readonly databaseUrl: string;
  readonly schema: string;
  readonly kafka: Kafka;
  readonly producer: Producer;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly authenticator?: Authenticator;
  readonly authorizer?: Authorizer;
  /** Tunables from the node's validated configuration; services fall back to their defaults. */
  readonly settings?: ServiceSettings;
}

export interface ServiceSettings {
  /** liaison: how often overdue action items are looked for (LIAISON_OVERDUE_SCAN_INTERVAL_MS). */
  readonly overdueScanIntervalMs?: number;
}

/** A running service as the node sees it. */
export interface ServiceInstance {
  readonly grpcServices: readonly RegisteredService[];
  /** Starts consumers and the outbox relay. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** How a node finds a service: name, schema, contracts, topics, and a factory. */
export interface ServiceModule {
  readonly name: string;
  readonly schema: string;
  readonly migrations: readonly Migration[];
  /** Topics this service writes or reads at the given node; created at start. */
  topics(node: NodeIdentity): readonly TopicSpec[];
  create(deps: ServiceDependencies): ServiceInstance;
}
