import type { Knex } from "knex";
import type { z } from "zod";
import type { TopicSpec } from "@jinlian/subscriber";
import type { HandlerOptions } from "./grpc/handlers";
import type { RegisteredService } from "./grpc/server";
import type { InboxBinding } from "./inbox/consumer";
import type { Logger } from "./logging/logger";
import type { Migration } from "./persistence/migrations";
import type { ServiceKit } from "./usecase/kit";

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

/** A service's own configuration: environment variables prefixed with its name, e.g. LIAISON_…. */
export type ServiceConfigShape = Record<string, z.ZodType>;
export type ServiceConfigOf<S extends ServiceConfigShape> = Readonly<z.infer<z.ZodObject<S>>>;

/** What the node gives each service: its own schema-scoped database, its kit, and the rest. */
export interface ServiceDependencies<C = Readonly<Record<string, unknown>>> {
  readonly node: NodeIdentity;
  readonly db: Knex;
  readonly schema: string;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  /** Audit, outbox, revisions and request-id idempotency for the service's use cases. */
  readonly kit: ServiceKit;
  /** Logger, authentication and authorisation for `implement()`. */
  readonly grpc: HandlerOptions;
  /** The service's own configuration, validated by the node with everything else at start. */
  readonly config: C;
  /**
   * The node's certificate, when it serves mutual TLS: the service presents it when it calls
   * another service, and trusts servers signed by the same CA. Files, read again every refreshMs.
   */
  readonly workloadTls?: WorkloadTls;
}

/** PEM files of a workload's identity and the CA it trusts (see ServiceDependencies.workloadTls). */
export interface WorkloadTls {
  readonly certFile: string;
  readonly keyFile: string;
  readonly caFile: string;
  readonly refreshMs: number;
}

/**
 * A stream the service reads, as the stream catalogue declares it: a delivery stream of its own
 * (`{ service: "bulletins", stream: "deliveries" }`) or another service's local stream of the same
 * node (`{ service: "liaison", stream: "registry" }`). The node finds its topics, consumer group
 * and dead-letter topic in the catalogue.
 */
export interface StreamRef {
  readonly service: string;
  readonly stream: string;
}

/** One consumer of a service: the stream it reads and the handlers applied through the inbox. */
export interface ConsumerDeclaration {
  readonly stream: StreamRef;
  readonly handlers: readonly InboxBinding[];
}

/** Background work (e.g. a periodic scan) the node starts after consumers and stops before them. */
export interface Job {
  readonly name: string;
  start(): void;
  stop(): Promise<void>;
}

/** What a service module declares when the node creates it; the node runs all of it. */
export interface ServiceParts<Seams = unknown> {
  readonly grpcServices: readonly RegisteredService[];
  readonly consumers?: readonly ConsumerDeclaration[];
  readonly jobs?: readonly Job[];
  /** Pieces tests may reach (e.g. use cases to apply an event directly), typed by the module. */
  readonly seams?: Seams;
}

/**
 * How a node finds a service: its name, schema, migrations, topics, configuration shape, and a
 * factory for its parts. Relays, consumers, jobs, start and stop order belong to the node.
 */
export interface ServiceModule<Shape extends ServiceConfigShape = ServiceConfigShape, Seams = unknown> {
  readonly name: string;
  readonly schema: string;
  readonly migrations: readonly Migration[];
  /** Variables the service reads, each named `<NAME>_…` (upper-case service name). */
  readonly config?: Shape;
  /** Topics this service writes or reads at the given node; created at start. */
  topics(node: NodeIdentity): readonly TopicSpec[];
  create(deps: ServiceDependencies<ServiceConfigOf<Shape>>): ServiceParts<Seams>;
}

/** Declares a module with its configuration and seams typed (no casts at the call sites). */
export function defineServiceModule<Shape extends ServiceConfigShape, Seams>(
  module: ServiceModule<Shape, Seams>,
): ServiceModule<Shape, Seams> {
  const prefix = `${module.name.toUpperCase().replace(/-/g, "_")}_`;
  for (const key of Object.keys(module.config ?? {}))
    if (!key.startsWith(prefix)) throw new Error(`service ${module.name}: configuration variable ${key} must start with ${prefix}`);
  return module;
}
