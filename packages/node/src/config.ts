import { env, isJurisdictionCode, loadConfig } from "@jinlian/chassis";
import { z } from "zod";

export const nodeConfigShape = {
  /** The node's jurisdiction: 120000 (municipal) or a district code. */
  JINLIAN_JURISDICTION: z.string().refine(isJurisdictionCode, "must be 120000 or one of the 16 district codes of Tianjin"),
  /** Which services this process runs: "all" or a comma-separated list, e.g. "bulletins". */
  JINLIAN_TARGET: z.string().default("all"),
  JINLIAN_TOPIC_NAMESPACE: env.name("jinlian"),
  GRPC_HOST: z.string().default("0.0.0.0"),
  GRPC_PORT: env.port(50051),
  DATABASE_URL: env.url(["postgres", "postgresql"]),
  KAFKA_BROKERS: env.brokers(),
  LOG_LEVEL: env.logLevel(),
  /** How long in-flight calls get to finish on SIGTERM. */
  SHUTDOWN_GRACE_MS: env.positiveInt(10_000),
  /** Read by the telemetry bootstrap; validated here so a bad value stops start-up too. */
  METRICS_PORT: env.port(9464),
};

export type NodeConfig = ReturnType<typeof loadNodeConfig>;

export function loadNodeConfig(source: NodeJS.ProcessEnv = process.env) {
  return loadConfig(nodeConfigShape, source);
}
