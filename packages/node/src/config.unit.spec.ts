import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ConfigError } from "@jinlian/chassis";
import { loadKafkaSecurity, loadNodeConfig } from "./config";

const dir = mkdtempSync(path.join(tmpdir(), "jinlian-kafka-security-"));
const file = (name: string, text: string) => {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
};
const CA = file("ca.crt", "-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----\n");
const CERT = file("user.crt", "cert");
const KEY = file("user.key", "key");
const PASSWORD = file("password", "s3cret\n");
const BASE = { JINLIAN_JURISDICTION: "120101", DATABASE_URL: "postgres://u@h/db", KAFKA_BROKERS: "k:9093" };

const security = (env: Record<string, string>) => loadKafkaSecurity(loadNodeConfig({ ...BASE, ...env }));
const problems = (env: Record<string, string>) => {
  try {
    security(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  throw new Error("expected a configuration error");
};

describe("the node's Kafka credentials", () => {
  it("are absent by default: plaintext, anonymous", () => {
    expect(security({})).toBeUndefined();
  });

  it("read the CA and the client certificate for mutual TLS", () => {
    const s = security({ KAFKA_TLS_CA_FILE: CA, KAFKA_TLS_CERT_FILE: CERT, KAFKA_TLS_KEY_FILE: KEY });
    expect(s?.tls?.ca.toString()).toContain("BEGIN CERTIFICATE");
    expect(s?.tls?.cert?.toString()).toBe("cert");
    expect(s?.tls?.key?.toString()).toBe("key");
    expect(s?.sasl).toBeUndefined();
  });

  it("read SCRAM credentials, the password from its file without the newline", () => {
    const s = security({
      KAFKA_TLS_CA_FILE: CA,
      KAFKA_SASL_MECHANISM: "scram-sha-512",
      KAFKA_SASL_USERNAME: "jinlian-120101-bulletins",
      KAFKA_SASL_PASSWORD_FILE: PASSWORD,
    });
    expect(s?.sasl).toEqual({ mechanism: "scram-sha-512", username: "jinlian-120101-bulletins", password: "s3cret" });
    expect(s?.tls?.cert).toBeUndefined();
  });

  it("name every problem at once", () => {
    const text = problems({ KAFKA_TLS_CERT_FILE: CERT, KAFKA_SASL_USERNAME: "u", KAFKA_SASL_PASSWORD_FILE: path.join(dir, "missing") });
    expect(text).toMatch(/KAFKA_TLS_CA_FILE: is required/);
    expect(text).toMatch(/set both or neither/);
    expect(text).toMatch(/KAFKA_SASL_MECHANISM: is required/);
    expect(text).toMatch(/cannot read .*missing \(ENOENT\)/);
    expect(text).toMatch(/not both/);
  });

  it("refuse an unknown SASL mechanism when the configuration is loaded", () => {
    expect(() => loadNodeConfig({ ...BASE, KAFKA_SASL_MECHANISM: "plain" })).toThrow(/KAFKA_SASL_MECHANISM/);
  });
});
