/**
 * The Jinlian node process. Run with the telemetry bootstrap first:
 *   node --require @jinlian/chassis/telemetry-bootstrap packages/node/dist/main.js
 * Configuration comes from the environment (see config.ts and docs/runbooks/configuration.md).
 */
import { ConfigError, createLogger, usePersonalDataKeyring } from "@jinlian/chassis";
import { loadAuth, loadKafkaSecurity, loadNodeConfig, loadPersonalDataKeyring, loadServerTls } from "./config";
import { startNode } from "./node";

async function main(): Promise<void> {
  let config;
  let tls;
  let kafkaSecurity;
  let auth;
  try {
    config = loadNodeConfig();
    tls = loadServerTls(config);
    kafkaSecurity = loadKafkaSecurity(config);
    auth = loadAuth(config);
    // Process-wide: every service's stores seal with it (set before any migration runs).
    usePersonalDataKeyring(loadPersonalDataKeyring(config));
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`jinlian-node: ${err.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
  const logger = createLogger({
    level: config.LOG_LEVEL,
    base: { jurisdiction: config.JINLIAN_JURISDICTION, target: config.JINLIAN_TARGET },
  });
  const node = await startNode({
    jurisdictionCode: config.JINLIAN_JURISDICTION,
    target: config.JINLIAN_TARGET,
    topicNamespace: config.JINLIAN_TOPIC_NAMESPACE,
    databaseUrl: config.DATABASE_URL,
    kafkaBrokers: config.KAFKA_BROKERS,
    kafkaSecurity,
    grpcHost: config.GRPC_HOST,
    grpcPort: config.GRPC_PORT,
    grpcMaxReceiveBytes: config.GRPC_MAX_RECEIVE_BYTES,
    grpcMaxConcurrentCalls: config.GRPC_MAX_CONCURRENT_CALLS,
    tls,
    grpcHealthPort: config.GRPC_HEALTH_PORT,
    authenticator: auth.authenticator,
    authorizer: auth.authorizer,
    logger,
    shutdownGraceMs: config.SHUTDOWN_GRACE_MS,
    environment: process.env,
  }).catch((err: Error) => {
    logger.fatal({ err: err.message }, "node failed to start");
    process.exit(1);
  });
  node.lifecycle.installSignalHandlers();
}

void main();
