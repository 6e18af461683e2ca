/**
 * The token issuer of the tests: test nodes run with authentication on (JINLIAN_AUTH=jwt's
 * authenticator and authoriser), and test clients present tokens this issuer signs. One key pair
 * per test process; node processes the tests start read its public keys from a file.
 */
import { createHash, randomBytes, X509Certificate } from "node:crypto";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { Metadata } from "@grpc/grpc-js";
import { exportJWK, generateKeyPair, SignJWT, type KeyLike } from "jose";
import { jwtAuthenticator, ROLES, ruleAuthorizer, type Authenticator, type Authorizer, type Role } from "@jinlian/chassis";
import { tempFile } from "./temp-files";

export const TEST_ISSUER = "https://auth.jinlian.test";
export const TEST_AUDIENCE = "jinlian";
/** Every role but SRE: a test operator may call every method of its node. */
export const OPERATOR_ROLES: readonly Role[] = ROLES.filter((r) => r !== "SRE");

interface Issuer {
  privateKey: KeyLike;
  keys: { keys: Record<string, unknown>[] };
}
let issuer: Promise<Issuer> | undefined;

function testIssuer(): Promise<Issuer> {
  issuer ??= (async () => {
    const pair = await generateKeyPair("ES256");
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: "test", alg: "ES256", use: "sig" };
    return { privateKey: pair.privateKey, keys: { keys: [jwk] } };
  })();
  return issuer;
}

/** The authenticator and authoriser of a test node, as JINLIAN_AUTH=jwt configures them. */
export async function testAuth(jurisdictionCode: string): Promise<{ authenticator: Authenticator; authorizer: Authorizer }> {
  const { keys } = await testIssuer();
  return {
    authenticator: jwtAuthenticator({ keys: keys as never, issuer: TEST_ISSUER, audience: TEST_AUDIENCE }),
    authorizer: ruleAuthorizer(jurisdictionCode),
  };
}

/** The variables that turn authentication on in a node process, with this issuer's keys. */
export async function testAuthEnvironment(): Promise<Record<string, string>> {
  const { keys } = await testIssuer();
  const file = tempFile("jinlian-test-auth-", "jwks.json", JSON.stringify(keys));
  // Outside development the node also needs a personal-data keyring: a fresh one per call.
  const keyring = path.join(path.dirname(file), "personal-data-keys.json");
  const key = () => randomBytes(32).toString("base64");
  writeFileSync(keyring, JSON.stringify({ current: "test", keys: { test: key() }, index: key() }));
  return {
    JINLIAN_AUTH: "jwt",
    JINLIAN_AUTH_JWKS_FILE: file,
    JINLIAN_AUTH_ISSUER: TEST_ISSUER,
    JINLIAN_AUTH_AUDIENCE: TEST_AUDIENCE,
    JINLIAN_PERSONAL_DATA_KEYS_FILE: keyring,
  };
}

const cache = new Map<string, { token: string; renewAt: number }>();

/** A token for `subject` acting for `jurisdictionCode` in `roles` (every role but SRE by default). */
export async function testToken(
  jurisdictionCode: string,
  subject = "test-operator",
  roles: readonly Role[] = OPERATOR_ROLES,
  /** The credit code of the organisation the caller acts for (`jinlian_org`), when it names one. */
  organisation?: string,
): Promise<string> {
  const key = `${jurisdictionCode}|${subject}|${roles.join(",")}|${organisation ?? ""}`;
  const hit = cache.get(key);
  if (hit && hit.renewAt > Date.now()) return hit.token;
  const { privateKey } = await testIssuer();
  const claims = { jinlian_roles: roles, jinlian_jurisdiction: jurisdictionCode, ...(organisation ? { jinlian_org: organisation } : {}) };
  const token = await new SignJWT(claims)
    .setProtectedHeader({ alg: "ES256", kid: "test" })
    .setSubject(subject)
    .setIssuer(TEST_ISSUER)
    .setAudience(TEST_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime("2h")
    .sign(privateKey);
  cache.set(key, { token, renewAt: Date.now() + 3_600_000 });
  return token;
}

/** A token bound to a certificate (RFC 8705 `cnf.x5t#S256`): good only over mTLS presenting it. */
export async function testBoundToken(jurisdictionCode: string, subject: string, certificatePem: string | Buffer): Promise<string> {
  const der = new X509Certificate(certificatePem).raw;
  const { privateKey } = await testIssuer();
  return new SignJWT({
    jinlian_roles: OPERATOR_ROLES,
    jinlian_jurisdiction: jurisdictionCode,
    cnf: { "x5t#S256": createHash("sha256").update(der).digest("base64url") },
  })
    .setProtectedHeader({ alg: "ES256", kid: "test" })
    .setSubject(subject)
    .setIssuer(TEST_ISSUER)
    .setAudience(TEST_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime("1h")
    .sign(privateKey);
}

/** Which jurisdiction each test node's gRPC address serves, so clients by address get its tokens. */
const jurisdictionsByAddress = new Map<string, string>();

export function rememberNodeAddress(address: string, jurisdictionCode: string): void {
  jurisdictionsByAddress.set(address, jurisdictionCode);
}

/**
 * The SDK's `token` option for a client of `address`: a test operator's token for the node there,
 * or none for an address no test node serves (its calls are then UNAUTHENTICATED, as anyone's).
 */
export function tokenForAddress(address: string, subject = "test-operator"): (() => Promise<string>) | undefined {
  return async () => {
    const jurisdiction = jurisdictionsByAddress.get(address);
    return jurisdiction ? testToken(jurisdiction, subject) : "";
  };
}

/** Metadata carrying a test operator's token, for raw gRPC calls. */
export async function authMetadata(jurisdictionCode: string): Promise<Metadata> {
  const metadata = new Metadata();
  metadata.set("authorization", `Bearer ${await testToken(jurisdictionCode)}`);
  return metadata;
}

/** A file holding a token, as a service's token is mounted for its calls to another service. */
export async function testTokenFile(jurisdictionCode: string, subject: string, roles: readonly Role[]): Promise<string> {
  return tempFile("jinlian-test-token-", "token", await testToken(jurisdictionCode, subject, roles));
}
