/**
 * Starts Jinlian nodes in the test process against the provisioned Kafka and PostgreSQL, each
 * node with its own database, and gives typed gRPC clients for them.
 */
import { credentials, Metadata, type ServiceError } from "@grpc/grpc-js";
import { createLogger, decodeStatus, type Clock, type DecodedStatus } from "@jinlian/chassis";
import { startNode, type RunningNode } from "@jinlian/node";
import { bulletinsV1 } from "@jinlian/proto";
import { createTestDatabase, adminDatabaseUrl, type TestDatabase } from "../harness/database";
import { kafkaBrokers } from "../harness/kafka";

/** A clock tests can move forward; starts at the real time. */
export class TestClock implements Clock {
  private offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
  advance(ms: number): void {
    this.offsetMs += ms;
  }
}

export interface TestNode {
  node: RunningNode;
  database: TestDatabase;
  address: string;
  bulletins: BulletinsClient;
  stop(): Promise<void>;
}

export interface TestNodeOptions {
  jurisdictionCode: string;
  namespace: string;
  clock?: Clock;
  kafkaBrokers?: string[];
  /** Reuse a database (e.g. to restart a node); a new one is created otherwise. */
  database?: TestDatabase;
}

export async function startTestNode(options: TestNodeOptions): Promise<TestNode> {
  const database = options.database ?? (await createTestDatabase(adminDatabaseUrl(), `n${options.jurisdictionCode}`));
  const logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? "silent" });
  const node = await startNode({
    jurisdictionCode: options.jurisdictionCode,
    target: "all",
    topicNamespace: options.namespace,
    databaseUrl: database.url,
    kafkaBrokers: options.kafkaBrokers ?? kafkaBrokers(),
    grpcHost: "127.0.0.1",
    grpcPort: 0,
    logger,
    shutdownGraceMs: 2000,
    clock: options.clock,
  });
  const address = `127.0.0.1:${node.grpcPort}`;
  const bulletins = bulletinsClient(address);
  return {
    node,
    database,
    address,
    bulletins,
    async stop() {
      bulletins.close();
      await node.stop();
    },
  };
}

type Defs = typeof bulletinsV1.BulletinsServiceService;
type ReqOf<M> = M extends { requestSerialize: (v: infer R) => Buffer } ? R : never;
type ResOf<M> = M extends { responseDeserialize: (b: Buffer) => infer R } ? R : never;

export type BulletinsClient = {
  [K in keyof Defs]: (req: ReqOf<Defs[K]>, metadata?: Metadata) => Promise<ResOf<Defs[K]>>;
} & { close(): void };

/** Promise-based client over the generated one; every call carries a deadline and an actor. */
export function bulletinsClient(address: string, actor = "test-operator"): BulletinsClient {
  const raw = new bulletinsV1.BulletinsServiceClient(address, credentials.createInsecure());
  const out: Record<string, unknown> = { close: () => raw.close() };
  for (const name of Object.keys(bulletinsV1.BulletinsServiceService)) {
    out[name] = (req: unknown, metadata = new Metadata()) =>
      new Promise((resolve, reject) => {
        if (!metadata.get("x-jinlian-actor").length) metadata.set("x-jinlian-actor", actor);
        (raw as unknown as Record<string, Function>)[name]!.call(
          raw,
          req,
          metadata,
          { deadline: Date.now() + 15_000 },
          (err: ServiceError | null, res: unknown) => (err ? reject(err) : resolve(res)),
        );
      });
  }
  return out as BulletinsClient;
}

/** The rich status of a failed call, or fails the test if the call succeeded. */
export async function statusOf(p: Promise<unknown>): Promise<DecodedStatus> {
  try {
    await p;
  } catch (err) {
    return decodeStatus(err as ServiceError);
  }
  throw new Error("expected the call to fail, but it succeeded");
}
