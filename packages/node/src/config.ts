import { readFileSync } from "node:fs";
import { identityProblem, rootsProblem } from "@jinlian/certificates";
import {
  ConfigError,
  readKafkaSecurity,
  type KafkaSecurity,
  DEFAULT_MAX_CONCURRENT_CALLS,
  DEFAULT_MAX_RECEIVE_MESSAGE_BYTES,
  env,
  loadConfig,
  type ServerTls,
  type ServiceConfigShape,
  jwtAuthenticator,
  INSTRUMENTATIONS,
  parseDisabledInstrumentations,
  PersonalDataKeyring,
  ruleAuthorizer,
  type Authenticator,
  type Authorizer,
  type ServiceModule,
} from "@jinlian/chassis";
import { isJurisdictionCode } from "@jinlian/kernel";
import { z } from "zod";
import { resolveTargets } from "./registry";

export const nodeConfigShape = {
  /** The node's jurisdiction: 120000 (municipal) or a district code. */
  JINLIAN_JURISDICTION: z.string().refine(isJurisdictionCode, "must be 120000 or one of the 16 district codes of Tianjin"),
  /** Which services this process runs: "all" or a comma-separated list, e.g. "bulletins". */
  JINLIAN_TARGET: z.string().default("all"),
  JINLIAN_TOPIC_NAMESPACE: env.name("jinlian"),
  GRPC_HOST: z.string().default("0.0.0.0"),
  GRPC_PORT: env.port(50051),
  /** Largest gRPC request accepted (bytes); bigger ones are refused with RESOURCE_EXHAUSTED. */
  GRPC_MAX_RECEIVE_BYTES: env.positiveInt(DEFAULT_MAX_RECEIVE_MESSAGE_BYTES),
  /** Calls the process works on at once, across its services; more are shed with RESOURCE_EXHAUSTED (health is not counted). */
  GRPC_MAX_CONCURRENT_CALLS: env.positiveInt(DEFAULT_MAX_CONCURRENT_CALLS),
  DATABASE_URL: env.url(["postgres", "postgresql"]),
  KAFKA_BROKERS: env.brokers(),
  LOG_LEVEL: env.logLevel(),
  /** How long in-flight calls get to finish on SIGTERM. */
  SHUTDOWN_GRACE_MS: env.positiveInt(10_000),
  /** PEM files for gRPC over TLS: certificate chain and key together; a client CA makes it mutual TLS. */
  GRPC_TLS_CERT_FILE: z.string().optional(),
  GRPC_TLS_KEY_FILE: z.string().optional(),
  GRPC_TLS_CLIENT_CA_FILE: z.string().optional(),
  /** How often the TLS files are read again (ms), so a renewed certificate is served without a restart. */
  GRPC_TLS_REFRESH_MS: z.coerce.number().int().min(1_000).default(60_000),
  /**
   * A second, plaintext port serving grpc.health.v1 alone (kubelet's gRPC probes cannot do TLS);
   * none when unset.
   */
  GRPC_HEALTH_PORT: env.port().optional(),
  /** Kafka over TLS: the brokers' CA (turns TLS on), and a client certificate and key for mutual TLS (Strimzi `tls` users). */
  KAFKA_TLS_CA_FILE: z.string().optional(),
  KAFKA_TLS_CERT_FILE: z.string().optional(),
  KAFKA_TLS_KEY_FILE: z.string().optional(),
  /** Kafka SASL/SCRAM instead of a client certificate (Strimzi `scram-sha-512` users); the password is read from a file. */
  KAFKA_SASL_MECHANISM: z.enum(["scram-sha-256", "scram-sha-512"]).optional(),
  KAFKA_SASL_USERNAME: z.string().optional(),
  KAFKA_SASL_PASSWORD_FILE: z.string().optional(),
  /**
   * How callers are identified. "jwt": a signed token (JINLIAN_AUTH_JWKS_FILE, _ISSUER, _AUDIENCE)
   * and every method's access rule enforced. "development": the x-jinlian-actor header is believed
   * and every call allowed; the node says so loudly at start and the production overlays refuse it.
   */
  JINLIAN_AUTH: z.enum(["development", "jwt"]).default("development"),
  /** A JSON Web Key Set file with the token issuer's public keys (current and next during rotation). */
  JINLIAN_AUTH_JWKS_FILE: z.string().optional(),
  JINLIAN_AUTH_ISSUER: z.string().optional(),
  JINLIAN_AUTH_AUDIENCE: z.string().default("jinlian"),
  /**
   * The keyring parties' personal data is sealed with (docs/security.md): required outside
   * development; development mode uses a built-in, publicly known keyring and says so.
   */
  JINLIAN_PERSONAL_DATA_KEYS_FILE: z.string().optional(),
  /**
   * Events of a partition a consumer applies in one transaction (1: a transaction per event).
   * Larger runs mean fewer commits when a backlog is consumed.
   */
  JINLIAN_CONSUMER_BATCH_SIZE: z.coerce.number().int().min(1).max(5_000).default(500),
  /**
   * Partitions a consumer applies at the same time, each in order on its own database
   * connection: their round trips and commits overlap. At most 4, so a service's consumers leave
   * most of its pool of 10 to its gRPC calls.
   */
  JINLIAN_CONSUMER_CONCURRENT_PARTITIONS: z.coerce.number().int().min(1).max(4).default(3),
  /** Interval between the node's heartbeats to each peer node (ms); a link is silent after three missed. */
  JINLIAN_FEDERATION_HEARTBEAT_MS: z.coerce.number().int().min(100).default(10_000),
  /** Read by the telemetry bootstrap; validated here so a bad value stops start-up too. */
  METRICS_PORT: env.port(9464),
  /** Read by the telemetry bootstrap ("pg" leaves statements uninstrumented); validated here too. */
  OTEL_NODE_DISABLED_INSTRUMENTATIONS: z
    .string()
    .optional()
    .superRefine((value, ctx) => {
      const { unknown } = parseDisabledInstrumentations(value);
      if (unknown.length > 0)
        ctx.addIssue({ code: "custom", message: `no such instrumentation: ${unknown.join(", ")} (known: ${INSTRUMENTATIONS.join(", ")})` });
    }),
};

export type NodeConfig = Readonly<z.infer<z.ZodObject<typeof nodeConfigShape>>>;

/** Each service's own configuration (the variables its module declares), by service name. */
export type ServiceConfigs = ReadonlyMap<string, Readonly<Record<string, unknown>>>;

/**
 * Validates `base` and the variables of every given service together, so one start names every
 * problem (ConfigError); returns base's values and each service's own, frozen.
 */
export function loadMergedConfig<B extends ServiceConfigShape>(
  base: B,
  modules: readonly ServiceModule[],
  source: NodeJS.ProcessEnv,
): { base: Readonly<z.infer<z.ZodObject<B>>>; services: ServiceConfigs } {
  const shape = Object.assign({}, base, ...modules.map((m) => m.config ?? {})) as ServiceConfigShape;
  const all = loadConfig(shape, source) as Record<string, unknown>;
  const pick = (keys: readonly string[]) => Object.freeze(Object.fromEntries(keys.map((k) => [k, all[k]])));
  return {
    base: pick(Object.keys(base)) as Readonly<z.infer<z.ZodObject<B>>>,
    services: new Map(modules.map((m) => [m.name, pick(Object.keys(m.config ?? {}))])),
  };
}

/**
 * Validates the node's variables and those of every targeted service together, so one start
 * names every problem. Each service declares its own (see ServiceModule.config).
 */
export function loadNodeConfig(source: NodeJS.ProcessEnv = process.env): NodeConfig {
  // JINLIAN_TARGET alone first (its default comes from the shape), to know whose variables to read.
  const { JINLIAN_TARGET: target } = loadConfig({ JINLIAN_TARGET: nodeConfigShape.JINLIAN_TARGET }, source);
  let modules: readonly ServiceModule[];
  try {
    modules = resolveTargets(target);
  } catch (err) {
    throw new ConfigError([(err as Error).message]);
  }
  return loadMergedConfig(nodeConfigShape, modules, source).base;
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
    // Read again while serving: cert-manager renews the mounted files in place.
    files: { certChain: cert!, privateKey: key!, clientRootCerts: ca, refreshMs: config.GRPC_TLS_REFRESH_MS },
  };
  // A pair that cannot serve is found now, not at the first handshake.
  if (tls.certChain && tls.privateKey) {
    const problem = identityProblem(tls.certChain, tls.privateKey);
    if (problem) problems.push(`GRPC_TLS_CERT_FILE, GRPC_TLS_KEY_FILE: ${problem} (${cert}, ${key})`);
  }
  if (tls.clientRootCerts) {
    const problem = rootsProblem(tls.clientRootCerts);
    if (problem) problems.push(`GRPC_TLS_CLIENT_CA_FILE: ${problem} (${ca})`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return tls as ServerTls;
}

/** Reads the Kafka credentials named in the configuration, or explains what is wrong with them. */
export function loadKafkaSecurity(config: NodeConfig): KafkaSecurity | undefined {
  const { security, problems } = readKafkaSecurity({
    KAFKA_TLS_CA_FILE: config.KAFKA_TLS_CA_FILE,
    KAFKA_TLS_CERT_FILE: config.KAFKA_TLS_CERT_FILE,
    KAFKA_TLS_KEY_FILE: config.KAFKA_TLS_KEY_FILE,
    KAFKA_SASL_MECHANISM: config.KAFKA_SASL_MECHANISM,
    KAFKA_SASL_USERNAME: config.KAFKA_SASL_USERNAME,
    KAFKA_SASL_PASSWORD_FILE: config.KAFKA_SASL_PASSWORD_FILE,
  });
  if (problems.length > 0) throw new ConfigError(problems);
  return security;
}

/** How the node identifies callers and decides their calls, as the configuration says. */
export interface NodeAuth {
  readonly mode: "development" | "jwt";
  readonly authenticator?: Authenticator;
  readonly authorizer?: Authorizer;
}

/** Reads the key set named in the configuration (jwt mode), or explains what is wrong with it. */
export function loadAuth(config: NodeConfig): NodeAuth {
  if (config.JINLIAN_AUTH === "development") return { mode: "development" };
  const problems: string[] = [];
  if (!config.JINLIAN_AUTH_JWKS_FILE) problems.push("JINLIAN_AUTH_JWKS_FILE: is required when JINLIAN_AUTH is jwt");
  if (!config.JINLIAN_AUTH_ISSUER) problems.push("JINLIAN_AUTH_ISSUER: is required when JINLIAN_AUTH is jwt");
  let keys: { keys: unknown[] } | undefined;
  if (config.JINLIAN_AUTH_JWKS_FILE)
    try {
      const parsed = JSON.parse(readFileSync(config.JINLIAN_AUTH_JWKS_FILE, "utf8")) as { keys?: unknown };
      if (!Array.isArray(parsed.keys) || parsed.keys.length === 0)
        problems.push('JINLIAN_AUTH_JWKS_FILE: holds no keys (a JWK set: {"keys": [...]})');
      else if (parsed.keys.some((k) => typeof k !== "object" || k === null || "d" in k))
        problems.push('JINLIAN_AUTH_JWKS_FILE: must hold public keys only (a key has a private part "d")');
      else keys = parsed as { keys: unknown[] };
    } catch (err) {
      problems.push(
        `JINLIAN_AUTH_JWKS_FILE: cannot read ${config.JINLIAN_AUTH_JWKS_FILE} as JSON (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
      );
    }
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    mode: "jwt",
    authenticator: jwtAuthenticator({
      keys: keys as Parameters<typeof jwtAuthenticator>[0]["keys"],
      issuer: config.JINLIAN_AUTH_ISSUER!,
      audience: config.JINLIAN_AUTH_AUDIENCE,
    }),
    authorizer: ruleAuthorizer(config.JINLIAN_JURISDICTION),
  };
}

/** Reads the personal-data keyring named in the configuration, or explains what is wrong with it. */
export function loadPersonalDataKeyring(config: NodeConfig): PersonalDataKeyring {
  const file = config.JINLIAN_PERSONAL_DATA_KEYS_FILE;
  if (!file) {
    if (config.JINLIAN_AUTH === "development") return PersonalDataKeyring.development();
    throw new ConfigError(["JINLIAN_PERSONAL_DATA_KEYS_FILE: is required unless JINLIAN_AUTH is development"]);
  }
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new ConfigError([
      `JINLIAN_PERSONAL_DATA_KEYS_FILE: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    ]);
  }
  try {
    return PersonalDataKeyring.parse(text);
  } catch (err) {
    throw new ConfigError([`JINLIAN_PERSONAL_DATA_KEYS_FILE: ${file} ${(err as Error).message}`]);
  }
}
