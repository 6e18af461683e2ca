import type { Metadata } from "@grpc/grpc-js";
import { createLocalJWKSet, errors as joseErrors, jwtVerify, type JSONWebKeySet, type JWTPayload } from "jose";
import { UnauthenticatedError } from "../common/errors";
import type { Principal } from "../logging/context";
import { ROLES, type Role } from "./access";
import type { Authenticator, PeerCertificate } from "./handlers";

/** The claims Jinlian reads from a caller's token, besides `sub`, `iss`, `aud` and `exp`. */
export const CLAIMS = {
  /** The roles the caller acts in (see ROLES). */
  roles: "jinlian_roles",
  /** The six-digit code of the jurisdiction the caller acts for. */
  jurisdiction: "jinlian_jurisdiction",
  /** The unified social credit code of the organisation the caller acts for. */
  organisation: "jinlian_org",
} as const;

export interface JwtAuthenticatorOptions {
  /** Public keys tokens are verified against (a JWK set; the issuer's current and next key during rotation). */
  readonly keys: JSONWebKeySet;
  readonly issuer: string;
  readonly audience: string;
  /** Tolerated clock skew between the issuer and this node. */
  readonly clockToleranceSeconds?: number;
}

/** Asymmetric algorithms only: a node holds public keys, never a secret that could mint tokens. */
const ALGORITHMS = ["ES256", "ES384", "RS256", "PS256", "EdDSA"];

/** A token longer than this is refused before any parsing. */
const MAX_TOKEN_CHARS = 8_192;

/**
 * Authenticates callers by a signed token in `authorization: Bearer …`, verified with `jose`
 * against configured public keys, issuer and audience. The principal is the token's subject,
 * roles, jurisdiction and organisation; nothing is taken from other headers.
 */
export function jwtAuthenticator(options: JwtAuthenticatorOptions): Authenticator {
  const keys = createLocalJWKSet(options.keys);
  return {
    async authenticate(metadata: Metadata, _method: string, peer?: PeerCertificate): Promise<Principal> {
      const header = String(metadata.get("authorization")[0] ?? "");
      const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(header);
      if (!match) throw new UnauthenticatedError("a bearer token is required (authorization: Bearer <jwt>)");
      if (match[1]!.length > MAX_TOKEN_CHARS)
        throw new UnauthenticatedError(`the bearer token is longer than ${MAX_TOKEN_CHARS} characters`);
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(match[1]!, keys, {
          issuer: options.issuer,
          audience: options.audience,
          algorithms: ALGORITHMS,
          clockTolerance: options.clockToleranceSeconds ?? 60,
          requiredClaims: ["sub", "exp"],
        }));
      } catch (err) {
        throw new UnauthenticatedError(`the bearer token is not valid: ${describe(err)}`);
      }
      checkBinding(payload, peer);
      return { ...principalOf(payload), ...(peer ? { via: peer.identity } : {}) };
    },
  };
}

/**
 * A token bound to a certificate (RFC 8705 `cnf: {"x5t#S256": …}`) is good only over a mutual-TLS
 * connection presenting that certificate: a token copied off one workload is useless to another.
 */
function checkBinding(payload: JWTPayload, peer: PeerCertificate | undefined): void {
  const cnf = payload.cnf;
  if (cnf === undefined) return;
  const thumbprint = typeof cnf === "object" && cnf !== null ? (cnf as Record<string, unknown>)["x5t#S256"] : undefined;
  if (typeof thumbprint !== "string" || thumbprint.length === 0)
    throw new UnauthenticatedError('the token\'s cnf must carry "x5t#S256", the SHA-256 thumbprint of the certificate it is bound to');
  if (!peer) throw new UnauthenticatedError("the token is bound to a certificate, and this call presented none (mutual TLS)");
  if (peer.sha256 !== thumbprint)
    throw new UnauthenticatedError("the token is bound to another certificate than the one this call presented");
}

function describe(err: unknown): string {
  if (err instanceof joseErrors.JWTExpired) return "it has expired";
  if (err instanceof joseErrors.JWTClaimValidationFailed)
    return `claim ${err.claim} ${err.reason === "check_failed" ? "does not match" : err.reason}`;
  if (err instanceof joseErrors.JWSSignatureVerificationFailed || err instanceof joseErrors.JWKSNoMatchingKey)
    return "its signature does not verify against the configured keys";
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return "its algorithm is not allowed";
  return "it cannot be parsed";
}

function principalOf(payload: JWTPayload): Principal {
  const subject = String(payload.sub ?? "");
  if (subject.length === 0 || subject.length > 128) throw new UnauthenticatedError("the token's sub must have 1 to 128 characters");
  const roles = payload[CLAIMS.roles];
  if (
    !Array.isArray(roles) ||
    roles.length === 0 ||
    roles.length > ROLES.length ||
    !roles.every((r) => (ROLES as readonly unknown[]).includes(r))
  )
    throw new UnauthenticatedError(`the token's ${CLAIMS.roles} must list roles among ${ROLES.join(", ")}`);
  const jurisdiction = payload[CLAIMS.jurisdiction];
  if (typeof jurisdiction !== "string" || !/^\d{6}$/.test(jurisdiction))
    throw new UnauthenticatedError(`the token's ${CLAIMS.jurisdiction} must be a six-digit jurisdiction code`);
  const organisation = payload[CLAIMS.organisation];
  if (organisation !== undefined && (typeof organisation !== "string" || !/^[0-9A-HJ-NPQRTUWXY]{18}$/.test(organisation)))
    throw new UnauthenticatedError(`the token's ${CLAIMS.organisation} must be an 18-character credit code`);
  return { subject, roles: roles as Role[], jurisdictionCode: jurisdiction, organisation: organisation as string | undefined };
}
