/**
 * Starts Jinlian nodes in the test process against the provisioned Kafka and PostgreSQL, each
 * node with its own database, and gives typed gRPC clients for them.
 */
import {
  bulletinsClient as sdkBulletinsClient,
  liaisonClient as sdkLiaisonClient,
  legislationClient as sdkLegislationClient,
  legalServicesClient as sdkLegalServicesClient,
  mediationClient as sdkMediationClient,
  JinlianError,
  type BulletinsClient,
  type LegislationClient,
  type LegalServicesClient,
  type LiaisonClient,
  type MediationClient,
} from "@jinlian/client";
import { createLogger, type Authenticator, type Authorizer, type Clock, type ServerTls } from "@jinlian/chassis";
import { startNode, type RunningNode } from "@jinlian/node";
import { createTestDatabase, adminDatabaseUrl, type TestDatabase } from "../harness/database";
import { kafkaBrokers } from "../harness/kafka";
import { rememberNodeAddress, testAuth, testTokenFile, tokenForAddress } from "./auth";
import { brokersInFederation, federatedTestNodes } from "./federation";

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
  legislation: LegislationClient;
  legalServices: LegalServicesClient;
  mediation: MediationClient;
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
  /** The certificate the test's clients present when `tls` is mutual. */
  clientCertificate?: { certChain: Buffer; privateKey: Buffer };
  /** A plaintext health-only port (GRPC_HEALTH_PORT); 0 picks a free one. */
  grpcHealthPort?: number;
  /** Which services to run ("all" unless given), e.g. "liaison" to start bulletins later. */
  target?: string;
  /** Services' own variables, e.g. { LIAISON_OVERDUE_SCAN_INTERVAL_MS: "200" }; defaults otherwise. */
  environment?: NodeJS.ProcessEnv;
  /** The process's bound on calls at once (GRPC_MAX_CONCURRENT_CALLS); the default otherwise. */
  grpcMaxConcurrentCalls?: number;
  /** How long start waits for Kafka before serving without it; the node's default otherwise. */
  kafkaAttachWaitMs?: number;
  /**
   * How callers are identified and their calls decided: the test issuer's tokens and every access
   * rule (as JINLIAN_AUTH=jwt) unless given, or development mode (header, allow all) when asked.
   */
  authenticator?: Authenticator;
  authorizer?: Authorizer;
  development?: boolean;
  /** Where the node logs (at LOG level `logLevel`, default TEST_LOG_LEVEL or silent), e.g. to scan its logs. */
  log?: { level: string; destination: { write(line: string): void } };
}

export async function startTestNode(options: TestNodeOptions): Promise<TestNode> {
  const database = options.database ?? (await createTestDatabase(adminDatabaseUrl(), `n${options.jurisdictionCode}`));
  const logger = options.log
    ? createLogger({ level: options.log.level, destination: options.log.destination })
    : createLogger({ level: process.env.TEST_LOG_LEVEL ?? "silent" });
  const auth: { authenticator?: Authenticator; authorizer?: Authorizer } = options.development
    ? {}
    : await testAuth(options.jurisdictionCode);
  // Mediation calls legal-services with its own token, as its Deployment mounts one.
  const serviceTokens: NodeJS.ProcessEnv = options.development
    ? {}
    : {
        MEDIATION_LEGAL_SERVICES_TOKEN_FILE: await testTokenFile(options.jurisdictionCode, "mediation", ["MEDIATION_COMMITTEE"]),
      };
  const node = await startNode({
    jurisdictionCode: options.jurisdictionCode,
    target: options.target ?? "all",
    topicNamespace: options.namespace,
    databaseUrl: database.url,
    kafkaBrokers:
      options.kafkaBrokers ??
      (federatedTestNodes() ? await brokersInFederation(options.namespace, options.jurisdictionCode) : kafkaBrokers()),
    grpcHost: "127.0.0.1",
    grpcPort: 0,
    logger,
    shutdownGraceMs: 2000,
    clock: options.clock,
    tls: options.tls,
    grpcHealthPort: options.grpcHealthPort,
    environment: { ...serviceTokens, ...options.environment },
    grpcMaxConcurrentCalls: options.grpcMaxConcurrentCalls,
    kafkaAttachWaitMs: options.kafkaAttachWaitMs,
    authenticator: options.authenticator ?? auth.authenticator,
    authorizer: options.authorizer ?? auth.authorizer,
  });
  // Over TLS, name the host as the certificate does (an IP as TLS server name is deprecated).
  const address = `${options.tls ? "localhost" : "127.0.0.1"}:${node.grpcPort}`;
  rememberNodeAddress(address, options.jurisdictionCode);
  const token = tokenForAddress(address);
  const tls = options.tls
    ? { rootCerts: options.tls.clientRootCerts ?? options.tls.certChain, ...(options.clientCertificate ?? {}) }
    : undefined;
  const sdk = { address, actor: "test-operator", token, tls };
  const bulletins = tls ? sdkBulletinsClient(sdk) : bulletinsClient(address);
  const liaison = tls ? sdkLiaisonClient(sdk) : liaisonClient(address);
  const legislation = tls ? sdkLegislationClient(sdk) : legislationClient(address);
  const legalServices = tls ? sdkLegalServicesClient(sdk) : legalServicesClient(address);
  const mediation = tls ? sdkMediationClient(sdk) : mediationClient(address);
  return {
    node,
    database,
    address,
    bulletins,
    liaison,
    legislation,
    legalServices,
    mediation,
    async stop() {
      bulletins.close();
      liaison.close();
      legislation.close();
      legalServices.close();
      mediation.close();
      await node.stop();
    },
  };
}

/** The SDK's client of the bulletins service, as other services would use it. */
export function bulletinsClient(address: string, actor = "test-operator"): BulletinsClient {
  return sdkBulletinsClient({ address, actor, deadlineMs: 15_000, token: tokenForAddress(address, actor) });
}

/** The SDK's clients of the liaison service's gRPC services. */
export function liaisonClient(address: string, actor = "test-operator"): LiaisonClient {
  return sdkLiaisonClient({ address, actor, deadlineMs: 15_000, token: tokenForAddress(address, actor) });
}

/** The SDK's clients of the legislation service's gRPC services. */
export function legislationClient(address: string, actor = "test-operator"): LegislationClient {
  return sdkLegislationClient({ address, actor, deadlineMs: 15_000, token: tokenForAddress(address, actor) });
}

/** The SDK's clients of the legal-services service's gRPC services. */
export function legalServicesClient(address: string, actor = "test-operator"): LegalServicesClient {
  return sdkLegalServicesClient({ address, actor, deadlineMs: 15_000, token: tokenForAddress(address, actor) });
}

/** The SDK's clients of the mediation service's gRPC services. */
export function mediationClient(address: string, actor = "test-operator"): MediationClient {
  return sdkMediationClient({ address, actor, deadlineMs: 15_000, token: tokenForAddress(address, actor) });
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
