import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ConfigError } from "@jinlian/chassis";
import { loadAuth, loadKafkaSecurity, loadNodeConfig } from "./config";

const dir = mkdtempSync(path.join(tmpdir(), "jinlian-kafka-security-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
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

describe("how the node identifies callers", () => {
  const PUBLIC = {
    kty: "EC",
    crv: "P-256",
    x: "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
    y: "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0",
  };
  const auth = (env: Record<string, string>) => loadAuth(loadNodeConfig({ ...BASE, ...env }));
  const authProblems = (env: Record<string, string>) => {
    try {
      auth(env);
    } catch (err) {
      if (err instanceof ConfigError) return err.message;
      throw err;
    }
    throw new Error("expected a configuration error");
  };

  it("given no JINLIAN_AUTH, then the node runs in development mode, with no authenticator or authoriser of its own", () => {
    expect(auth({})).toEqual({ mode: "development" });
  });

  it("given jwt with a key set and an issuer, then tokens are verified and rules enforced", () => {
    const a = auth({
      JINLIAN_AUTH: "jwt",
      JINLIAN_AUTH_JWKS_FILE: file("jwks.json", JSON.stringify({ keys: [PUBLIC] })),
      JINLIAN_AUTH_ISSUER: "https://idp",
    });
    expect(a.mode).toBe("jwt");
    expect(a.authenticator).toBeDefined();
    expect(a.authorizer).toBeDefined();
  });

  it("given jwt without keys or issuer, then start-up names both", () => {
    expect(authProblems({ JINLIAN_AUTH: "jwt" })).toMatch(/JINLIAN_AUTH_JWKS_FILE: is required[\s\S]*JINLIAN_AUTH_ISSUER: is required/);
  });

  it.each([
    ["an unreadable file", path.join(dir, "missing.json"), /cannot read/],
    ["a file that is not JSON", file("garbage.json", "not json"), /cannot read .* as JSON/],
    ["an empty key set", file("empty.json", JSON.stringify({ keys: [] })), /holds no keys/],
    ["a private key", file("private.json", JSON.stringify({ keys: [{ ...PUBLIC, d: "secret" }] })), /public keys only/],
  ])("given jwt with %s as key set, then start-up says what is wrong", (_what, jwks, why) => {
    expect(authProblems({ JINLIAN_AUTH: "jwt", JINLIAN_AUTH_JWKS_FILE: jwks, JINLIAN_AUTH_ISSUER: "https://idp" })).toMatch(why);
  });

  it("given an unknown mode, then start-up refuses it", () => {
    expect(() => loadNodeConfig({ ...BASE, JINLIAN_AUTH: "header" })).toThrow(/JINLIAN_AUTH/);
  });
});

describe("the telemetry settings the node validates beside the bootstrap", () => {
  it("accept pg among the disabled instrumentations", () => {
    expect(loadNodeConfig({ ...BASE, OTEL_NODE_DISABLED_INSTRUMENTATIONS: "pg" }).OTEL_NODE_DISABLED_INSTRUMENTATIONS).toBe("pg");
  });

  it("refuse an instrumentation the chassis does not register", () => {
    expect(() => loadNodeConfig({ ...BASE, OTEL_NODE_DISABLED_INSTRUMENTATIONS: "pg,http" })).toThrow(
      /OTEL_NODE_DISABLED_INSTRUMENTATIONS.*http/s,
    );
  });
});
