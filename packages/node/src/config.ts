import { readFileSync } from "node:fs";
import { ConfigError, env, isJurisdictionCode, loadConfig, type ServerTls } from "@jinlian/chassis";
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
  /** PEM files for gRPC over TLS: certificate chain and key together; a client CA makes it mutual TLS. */
  GRPC_TLS_CERT_FILE: z.string().optional(),
  GRPC_TLS_KEY_FILE: z.string().optional(),
  GRPC_TLS_CLIENT_CA_FILE: z.string().optional(),
  /** liaison: how often unfinished action items past due are looked for and alerts raised. */
  LIAISON_OVERDUE_SCAN_INTERVAL_MS: env.positiveInt(60_000),
  /** Read by the telemetry bootstrap; validated here so a bad value stops start-up too. */
  METRICS_PORT: env.port(9464),
};

export type NodeConfig = ReturnType<typeof loadNodeConfig>;

export function loadNodeConfig(source: NodeJS.ProcessEnv = process.env) {
  return loadConfig(nodeConfigShape, source);
}

/** Reads the TLS files named in the configuration, or explains what is wrong with them. */
export function loadServerTls(config: NodeConfig): ServerTls | undefined {
  const { GRPC_TLS_CERT_FILE: cert, GRPC_TLS_KEY_FILE: key, GRPC_TLS_CLIENT_CA_FILE: ca } = config;
  if (!cert && !key && !ca) return undefined;
  const problems: string[] = [];
  if (!cert) problems.push("GRPC_TLS_CERT_FILE: is required when GRPC_TLS_KEY_FILE or GRPC_TLS_CLIENT_CA_FILE is set");
  if (!key) problems.push("GRPC_TLS_KEY_FILE: is required when GRPC_TLS_CERT_FILE or GRPC_TLS_CLIENT_CA_FILE is set");
  const read = (name: string, file: string | undefined): Buffer | undefined => {
    if (!file) return undefined;
    try {
      return readFileSync(file);
    } catch (err) {
      problems.push(`${name}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
      return undefined;
    }
  };
  const tls = {
    certChain: read("GRPC_TLS_CERT_FILE", cert),
    privateKey: read("GRPC_TLS_KEY_FILE", key),
    clientRootCerts: read("GRPC_TLS_CLIENT_CA_FILE", ca),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return tls as ServerTls;
}
