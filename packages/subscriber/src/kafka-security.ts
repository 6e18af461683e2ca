import { readFileSync } from "node:fs";
import type { KafkaConfig, SASLOptions } from "kafkajs";

/** How a client authenticates to a Kafka cluster; plaintext and anonymous when absent. */
export interface KafkaSecurity {
  /** TLS to the brokers: the CA that signed them, and a client certificate for mutual TLS. */
  tls?: { ca: Buffer; cert?: Buffer; key?: Buffer };
  /** SASL/SCRAM (over TLS in any real deployment). */
  sasl?: { mechanism: "scram-sha-256" | "scram-sha-512"; username: string; password: string };
}

/** The variables every Jinlian Kafka client reads its credentials from (nodes, jinlian-ops). */
export interface KafkaSecurityVariables {
  KAFKA_TLS_CA_FILE?: string;
  KAFKA_TLS_CERT_FILE?: string;
  KAFKA_TLS_KEY_FILE?: string;
  KAFKA_SASL_MECHANISM?: string;
  KAFKA_SASL_USERNAME?: string;
  KAFKA_SASL_PASSWORD_FILE?: string;
  /** Other variables of the environment the values come from are ignored. */
  [other: string]: string | undefined;
}

const MECHANISMS = ["scram-sha-256", "scram-sha-512"] as const;

/**
 * Reads the credentials the variables name (files read here, a password file's trailing newline
 * dropped); `problems` names everything wrong at once, and `security` is then not to be used.
 */
export function readKafkaSecurity(v: KafkaSecurityVariables): { security?: KafkaSecurity; problems: string[] } {
  const empty = (x: string | undefined) => (x === undefined || x === "" ? undefined : x);
  const ca = empty(v.KAFKA_TLS_CA_FILE);
  const cert = empty(v.KAFKA_TLS_CERT_FILE);
  const key = empty(v.KAFKA_TLS_KEY_FILE);
  const mechanism = empty(v.KAFKA_SASL_MECHANISM);
  const username = empty(v.KAFKA_SASL_USERNAME);
  const passwordFile = empty(v.KAFKA_SASL_PASSWORD_FILE);
  const problems: string[] = [];
  const read = (name: string, file: string): Buffer | undefined => {
    try {
      return readFileSync(file);
    } catch (err) {
      problems.push(`${name}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
      return undefined;
    }
  };
  const security: KafkaSecurity = {};
  if (cert || key || ca) {
    if (!ca) problems.push("KAFKA_TLS_CA_FILE: is required when KAFKA_TLS_CERT_FILE or KAFKA_TLS_KEY_FILE is set");
    if (Boolean(cert) !== Boolean(key)) problems.push("KAFKA_TLS_CERT_FILE and KAFKA_TLS_KEY_FILE: set both or neither");
    const caPem = ca ? read("KAFKA_TLS_CA_FILE", ca) : undefined;
    const certPem = cert ? read("KAFKA_TLS_CERT_FILE", cert) : undefined;
    const keyPem = key ? read("KAFKA_TLS_KEY_FILE", key) : undefined;
    if (caPem) security.tls = { ca: caPem, cert: certPem, key: keyPem };
  }
  if (mechanism || username || passwordFile) {
    if (!mechanism) problems.push("KAFKA_SASL_MECHANISM: is required when KAFKA_SASL_USERNAME or KAFKA_SASL_PASSWORD_FILE is set");
    else if (!(MECHANISMS as readonly string[]).includes(mechanism))
      problems.push(`KAFKA_SASL_MECHANISM: must be ${MECHANISMS.join(" or ")}, got ${mechanism}`);
    if (!username) problems.push("KAFKA_SASL_USERNAME: is required with KAFKA_SASL_MECHANISM");
    if (!passwordFile) problems.push("KAFKA_SASL_PASSWORD_FILE: is required with KAFKA_SASL_MECHANISM");
    if (cert) problems.push("KAFKA_SASL_MECHANISM: choose a client certificate or SASL, not both");
    const password = passwordFile ? read("KAFKA_SASL_PASSWORD_FILE", passwordFile)?.toString("utf8").trim() : undefined;
    if (mechanism && (MECHANISMS as readonly string[]).includes(mechanism) && username && password !== undefined)
      security.sasl = { mechanism: mechanism as (typeof MECHANISMS)[number], username, password };
  }
  return { ...(security.tls || security.sasl ? { security } : {}), problems };
}

/** The kafkajs client settings for the credentials. */
export function kafkaClientSecurity(security: KafkaSecurity | undefined): Pick<KafkaConfig, "ssl" | "sasl"> {
  if (!security) return {};
  return {
    ...(security.tls ? { ssl: { ca: [security.tls.ca], cert: security.tls.cert, key: security.tls.key } } : {}),
    ...(security.sasl ? { sasl: saslOptions(security.sasl) } : {}),
  };
}

// kafkajs types each mechanism apart; narrowing keeps the union sound.
function saslOptions(sasl: NonNullable<KafkaSecurity["sasl"]>): SASLOptions {
  const { username, password } = sasl;
  return sasl.mechanism === "scram-sha-256"
    ? { mechanism: "scram-sha-256", username, password }
    : { mechanism: "scram-sha-512", username, password };
}
