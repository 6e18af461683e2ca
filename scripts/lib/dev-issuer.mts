// The development token issuer of scripts/start.sh: the platform runs as deployed, with
// JINLIAN_AUTH=jwt, and this stands in for the mechanism's identity provider (docs/security.md).
// Its keys live in a directory of the run, never in the repository.
//   node scripts/lib/dev-issuer.mts init <dir>                          keys, key set, personal-data keyring
//   node scripts/lib/dev-issuer.mts token <dir> <jurisdiction> [subject] [ROLE,ROLE…]
//   node scripts/lib/dev-issuer.mts issuer                              the issuer (iss) its tokens name
// A token is printed on stdout; without roles it carries every role but SRE (a demo operator).
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from "jose";

export const DEV_ISSUER = "https://auth.jinlian.dev.local";
const OPERATOR_ROLES = ["JUSTICE_BUREAU", "FEDERATION", "CHAMBER", "MEDIATION_COMMITTEE", "COURT"];

/** Creates the issuer's key pair, public key set and a personal-data keyring in `dir`, once. */
export async function initDevIssuer(dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const privateFile = path.join(dir, "issuer.jwk");
  if (!existsSync(privateFile)) {
    const pair = await generateKeyPair("ES256", { extractable: true });
    writeFileSync(privateFile, JSON.stringify({ ...(await exportJWK(pair.privateKey)), kid: "dev", alg: "ES256" }), { mode: 0o600 });
    writeFileSync(
      path.join(dir, "jwks.json"),
      JSON.stringify({ keys: [{ ...(await exportJWK(pair.publicKey)), kid: "dev", alg: "ES256", use: "sig" }] }),
    );
  }
  const keyring = path.join(dir, "personal-data-keys.json");
  if (!existsSync(keyring)) {
    const key = () => randomBytes(32).toString("base64");
    writeFileSync(keyring, JSON.stringify({ current: "dev", keys: { dev: key() }, index: key() }), { mode: 0o600 });
  }
}

/** A token for `subject` acting for `jurisdiction`, signed by the issuer in `dir` (12 h). */
export async function devToken(dir: string, jurisdiction: string, subject = "demo-operator", roles = OPERATOR_ROLES): Promise<string> {
  const jwk = JSON.parse(readFileSync(path.join(dir, "issuer.jwk"), "utf8")) as JWK;
  return new SignJWT({ jinlian_roles: roles, jinlian_jurisdiction: jurisdiction })
    .setProtectedHeader({ alg: "ES256", kid: "dev" })
    .setSubject(subject)
    .setIssuer(DEV_ISSUER)
    .setAudience("jinlian")
    .setIssuedAt()
    .setExpirationTime("12h")
    .sign(await importJWK(jwk, "ES256"));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [command, dir, jurisdiction, subject, roles] = process.argv.slice(2);
  if (command === "init" && dir) await initDevIssuer(dir);
  else if (command === "issuer") process.stdout.write(`${DEV_ISSUER}\n`);
  else if (command === "token" && dir && jurisdiction && /^\d{6}$/.test(jurisdiction))
    process.stdout.write(`${await devToken(dir, jurisdiction, subject || undefined, roles ? roles.split(",") : undefined)}\n`);
  else {
    process.stderr.write("usage: dev-issuer.mts init <dir> | token <dir> <jurisdiction> [subject] [ROLE,ROLE…]\n");
    process.exit(2);
  }
}

/**
 * The demo caller's certificate from the development CA (scripts/lib/dev-ca.sh) in `dir`, as the
 * client SDK's `tls` option: mutual TLS where start.sh runs with JINLIAN_TLS=1; plaintext without.
 */
export function devTls(dir: string | undefined) {
  if (!dir) return undefined;
  return {
    files: {
      rootCerts: path.join(dir, "ca.pem"),
      certChain: path.join(dir, "demo-client.pem"),
      privateKey: path.join(dir, "demo-client-key.pem"),
    },
  };
}
