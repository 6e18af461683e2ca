/**
 * Starts Jinlian nodes in the test process against the provisioned Kafka and PostgreSQL, each
 * node with its own database, and gives typed gRPC clients for them.
 */
import {
  bulletinsClient as sdkBulletinsClient,
  liaisonClient as sdkLiaisonClient,
  JinlianError,
  type BulletinsClient,
  type LiaisonClient,
} from "@jinlian/client";
import { createLogger, type Clock, type ServerTls, type ServiceSettings } from "@jinlian/chassis";
import { startNode, type RunningNode } from "@jinlian/node";
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
  liaison: LiaisonClient;
  stop(): Promise<void>;
}

export interface TestNodeOptions {
  jurisdictionCode: string;
  namespace: string;
  clock?: Clock;
  kafkaBrokers?: string[];
  /** Reuse a database (e.g. to restart a node); a new one is created otherwise. */
  database?: TestDatabase;
  tls?: ServerTls;
  /** Which services to run ("all" unless given), e.g. "liaison" to start bulletins later. */
  target?: string;
  /** Overrides of service tunables, e.g. a short overdue-scan interval. */
  settings?: ServiceSettings;
}

export async function startTestNode(options: TestNodeOptions): Promise<TestNode> {
  const database = options.database ?? (await createTestDatabase(adminDatabaseUrl(), `n${options.jurisdictionCode}`));
  const logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? "silent" });
  const node = await startNode({
    jurisdictionCode: options.jurisdictionCode,
    target: options.target ?? "all",
    topicNamespace: options.namespace,
    databaseUrl: database.url,
    kafkaBrokers: options.kafkaBrokers ?? kafkaBrokers(),
    grpcHost: "127.0.0.1",
    grpcPort: 0,
    logger,
    shutdownGraceMs: 2000,
    clock: options.clock,
    tls: options.tls,
    settings: options.settings,
  });
  // Over TLS, name the host as the certificate does (an IP as TLS server name is deprecated).
  const address = `${options.tls ? "localhost" : "127.0.0.1"}:${node.grpcPort}`;
  const bulletins = options.tls
    ? sdkBulletinsClient({ address, actor: "test-operator", tls: { rootCerts: options.tls.certChain } })
    : bulletinsClient(address);
  const liaison = options.tls
    ? sdkLiaisonClient({ address, actor: "test-operator", tls: { rootCerts: options.tls.certChain } })
    : liaisonClient(address);
  return {
    node,
    database,
    address,
    bulletins,
    liaison,
    async stop() {
      bulletins.close();
      liaison.close();
      await node.stop();
    },
  };
}

/** The SDK's client of the bulletins service, as other services would use it. */
export function bulletinsClient(address: string, actor = "test-operator"): BulletinsClient {
  return sdkBulletinsClient({ address, actor, deadlineMs: 15_000 });
}

/** The SDK's clients of the liaison service's gRPC services. */
export function liaisonClient(address: string, actor = "test-operator"): LiaisonClient {
  return sdkLiaisonClient({ address, actor, deadlineMs: 15_000 });
}

/** The typed error of a failed call, or fails the test if the call succeeded. */
export async function statusOf(p: Promise<unknown>): Promise<JinlianError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof JinlianError) return err;
    throw err;
  }
  throw new Error("expected the call to fail, but it succeeded");
}
