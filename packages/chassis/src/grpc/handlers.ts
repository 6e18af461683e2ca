import { createHash, randomUUID } from "node:crypto";
import {
  Metadata,
  status,
  type sendUnaryData,
  type ServerUnaryCall,
  type ServiceDefinition,
  type UntypedServiceImplementation,
} from "@grpc/grpc-js";
import { SpanKind, SpanStatusCode, context as otelContext, trace } from "@opentelemetry/api";
import { ApplicationError, fromDatabaseError, OverloadedError, UnauthenticatedError } from "../common/errors";
import { runWithRequestContext, type Principal } from "../logging/context";
import { allowAll, type AccessRule, type AccessRules, type Authorizer } from "./access";
import type { Logger } from "../logging/logger";
import { meter } from "../telemetry/metrics";
import { extractTraceContext, tracer } from "../telemetry/tracing";
import type { CallAdmission } from "./admission";
import { checkRequestBounds, type RequestLimits } from "./request-limits";
import { toStatus } from "./status";

export const REQUEST_ID_KEY = "x-request-id";

/** What a handler knows about the call besides its request. */
export interface CallContext {
  readonly method: string;
  readonly requestId: string;
  /**
   * The caller's own request id, when it sent one: a repeat of a mutation with the same key is
   * answered with the first result (see claimStatement). Scoped to the principal.
   */
  readonly idempotencyKey?: string;
  /** A digest of the request's bytes: a key reused with another request is refused, not replayed. */
  readonly requestFingerprint?: string;
  readonly principal: Principal;
  readonly metadata: Metadata;
  /** The caller's deadline, if any. */
  readonly deadline?: Date;
}

/**
 * Authentication seam: turns call metadata into a principal or throws UnauthenticatedError.
 * Authorisation decides whether the principal may call the method (PermissionDeniedError).
 */
/** Who acts, for the audit trail of a mutation. */
export interface Actor {
  subject: string;
  requestId: string;
  /** Set when the caller sent its own request id: a repeat returns the first result. */
  idempotencyKey?: string;
  /** A digest of the request the key came with (see CallContext). */
  requestFingerprint?: string;
  /** What the caller's credentials named, for the audit trail. */
  organisation?: string;
  roles?: readonly string[];
  actingFor?: string;
}

export function actorOf(call: CallContext): Actor {
  return {
    subject: call.principal.subject,
    requestId: call.requestId,
    idempotencyKey: call.idempotencyKey,
    requestFingerprint: call.requestFingerprint,
    organisation: call.principal.organisation,
    roles: call.principal.roles,
    actingFor: call.principal.jurisdictionCode,
  };
}

/** The certificate the caller presented over mutual TLS. */
export interface PeerCertificate {
  /** SHA-256 of its DER bytes, base64url: what a token's `cnf.x5t#S256` binds it to (RFC 8705). */
  readonly sha256: string;
  /** Who it names: its first URI SAN (e.g. spiffe://jinlian/mediation), else its subject CN. */
  readonly identity: string;
}

export interface Authenticator {
  /** `peer` is the caller's certificate when the call came over mutual TLS. */
  authenticate(metadata: Metadata, method: string, peer?: PeerCertificate): Promise<Principal>;
}

/** The certificate the caller presented, when the connection is mutual TLS. */
export function peerCertificateOf(call: {
  getAuthContext?: () => { sslPeerCertificate?: { raw?: Buffer; subject?: { CN?: string | string[] }; subjectaltname?: string } };
}): PeerCertificate | undefined {
  const cert = call.getAuthContext?.().sslPeerCertificate;
  if (!cert?.raw || cert.raw.length === 0) return undefined;
  const uri = /(?:^|, )URI:([^,]+)/.exec(cert.subjectaltname ?? "")?.[1];
  const cn = cert.subject?.CN;
  return {
    sha256: createHash("sha256").update(cert.raw).digest("base64url"),
    identity: uri ?? (Array.isArray(cn) ? cn[0] : cn) ?? "",
  };
}

/**
 * Development seam until real authentication lands: trusts the `x-jinlian-actor` header
 * (default "anonymous"). It names who acted in audit records; it proves nothing.
 */
export const headerAuthenticator: Authenticator = {
  async authenticate(metadata) {
    const actor = String(metadata.get("x-jinlian-actor")[0] ?? "").trim();
    if (actor.length > 128) throw new UnauthenticatedError("x-jinlian-actor is longer than 128 characters");
    return { subject: actor || "anonymous", roles: [] };
  },
};

export interface HandlerOptions {
  logger: Logger;
  authenticator?: Authenticator;
  authorizer?: Authorizer;
  /** The process's bound on calls at once, shared by its services; unbounded when absent. */
  admission?: CallAdmission;
}

type Req<M> = M extends { requestDeserialize: (b: Buffer) => infer R } ? R : never;
type Res<M> = M extends { responseSerialize: (v: infer R) => Buffer } ? R : never;

export type UnaryHandlers<S extends ServiceDefinition> = {
  [K in keyof S]: (request: Req<S[K]>, call: CallContext) => Promise<Res<S[K]>>;
};

function requestIdFrom(metadata: Metadata): { requestId: string; fromCaller: boolean } {
  const given = String(metadata.get(REQUEST_ID_KEY)[0] ?? "").trim();
  // Accept a caller's id only if it is a sane token; otherwise mint one.
  return /^[A-Za-z0-9._:-]{1,128}$/.test(given) ? { requestId: given, fromCaller: true } : { requestId: randomUUID(), fromCaller: false };
}

/** The rules each implementation was declared with, by method path (read by the server). */
const declaredRules = new WeakMap<UntypedServiceImplementation, ReadonlyMap<string, AccessRule>>();

/** The access rules an `implement()` result was declared with, by method path. */
export function accessRulesOf(implementation: UntypedServiceImplementation): ReadonlyMap<string, AccessRule> {
  return declaredRules.get(implementation) ?? new Map();
}

/**
 * Wraps typed unary handlers into a grpc-js implementation. Every call gets, in order: trace
 * context from metadata and a SERVER span, a request id (echoed in response metadata), a deadline
 * check, authentication and authorisation, bounds on the request's repeated fields and strings
 * (`limits` as the service declares them, defaults elsewhere), structured logs and metrics, and
 * errors mapped to google.rpc.Status with field violations.
 */
export function implement<S extends ServiceDefinition>(
  definition: S,
  handlers: UnaryHandlers<S>,
  options: HandlerOptions & { limits?: RequestLimits<S>; access: AccessRules<S> },
): UntypedServiceImplementation {
  const authenticator = options.authenticator ?? headerAuthenticator;
  const authorizer = options.authorizer ?? allowAll;
  const duration = meter().createHistogram("rpc.server.duration", { unit: "ms", description: "Duration of inbound gRPC calls" });
  const impl: UntypedServiceImplementation = {};
  const rules = new Map<string, AccessRule>();
  declaredRules.set(impl, rules);
  for (const [name, def] of Object.entries(definition)) {
    const path = def.path;
    const [service, method] = path.slice(1).split("/") as [string, string];
    const handler = handlers[name as keyof S] as (req: unknown, call: CallContext) => Promise<unknown>;
    const limits = (options.limits?.[name as keyof S] ?? {}) as Readonly<Record<string, number>>;
    const rule = options.access[name as keyof S] as AccessRule | undefined;
    if (rule) rules.set(path, rule);
    impl[name] = (call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) => {
      if (options.admission && !options.admission.tryEnter(path)) {
        callback(toStatus(new OverloadedError(), requestIdFrom(call.metadata).requestId));
        return;
      }
      const admitted = options.admission;
      const started = performance.now();
      const { requestId, fromCaller } = requestIdFrom(call.metadata);
      const parent = extractTraceContext(call.metadata.getMap() as Record<string, unknown>);
      const span = tracer().startSpan(
        path.slice(1),
        {
          kind: SpanKind.SERVER,
          attributes: { "rpc.system": "grpc", "rpc.service": service, "rpc.method": method, "jinlian.request_id": requestId },
        },
        parent,
      );
      const responseMetadata = new Metadata();
      responseMetadata.set(REQUEST_ID_KEY, requestId);
      call.sendMetadata(responseMetadata);
      const finish = (code: status, err?: unknown) => {
        admitted?.leave();
        span.setAttribute("rpc.grpc.status_code", code);
        if (code !== status.OK) span.setStatus({ code: SpanStatusCode.ERROR, message: status[code] });
        duration.record(performance.now() - started, { "rpc.service": service, "rpc.method": method, "rpc.grpc.status_code": code });
        const fields = {
          method: path,
          code: status[code],
          ms: Math.round(performance.now() - started),
          request_id: requestId,
          trace_id: span.spanContext().traceId,
        };
        if (code === status.INTERNAL) options.logger.error({ ...fields, err }, "rpc failed");
        else if (code !== status.OK) options.logger.info({ ...fields, reason: (err as Error)?.message }, "rpc refused");
        else options.logger.debug(fields, "rpc ok");
        span.end();
      };
      const rawDeadline = call.getDeadline();
      const deadline = rawDeadline instanceof Date ? rawDeadline : Number.isFinite(rawDeadline) ? new Date(rawDeadline) : undefined;
      const run = async (): Promise<unknown> => {
        if (deadline && deadline.getTime() <= Date.now()) {
          throw Object.assign(new Error("deadline already exceeded on arrival"), { grpcCode: status.DEADLINE_EXCEEDED });
        }
        const principal = await authenticator.authenticate(call.metadata, path, peerCertificateOf(call));
        await authorizer.authorize(principal, path, rule);
        // Before any handler work, so no request costs more than its (bounded) size.
        checkRequestBounds(call.request, limits);
        return runWithRequestContext({ requestId, method: path, principal, deadline }, () =>
          handler(call.request, {
            method: path,
            requestId,
            idempotencyKey: fromCaller ? `${principal.subject}:${requestId}` : undefined,
            requestFingerprint: fromCaller ? fingerprint(def.requestSerialize, call.request) : undefined,
            principal,
            metadata: call.metadata,
            deadline,
          }),
        );
      };
      otelContext.with(trace.setSpan(parent, span), run).then(
        (response) => {
          finish(status.OK);
          callback(null, response);
        },
        (thrown: unknown) => {
          // A statement cancelled by the timeout the caller's deadline set (57014) is that deadline passing.
          const err =
            (thrown as { code?: unknown }).code === "57014" && deadline && deadline.getTime() <= Date.now() + 50
              ? Object.assign(new Error("deadline exceeded while the database was working on the call"), {
                  grpcCode: status.DEADLINE_EXCEEDED,
                })
              : fromDatabaseError(thrown);
          const grpcCode = (err as { grpcCode?: status }).grpcCode;
          if (grpcCode === status.DEADLINE_EXCEEDED) {
            finish(grpcCode, err);
            callback({ code: grpcCode, details: (err as Error).message });
            return;
          }
          const st = toStatus(err, requestId);
          if (!(err instanceof ApplicationError) || err !== thrown) span.recordException(thrown as Error);
          // A database failure mapped to ABORTED/UNAVAILABLE is still worth a warning with its cause.
          if (err !== thrown)
            options.logger.warn({ method: path, request_id: requestId, err: thrown }, "database failure answered as retryable");
          finish(st.code, err);
          callback(st);
        },
      );
    };
  }
  return impl;
}

/** The digest of a request as the caller sent it (its protobuf encoding), with the method. */
function fingerprint(serialize: (value: unknown) => Buffer, request: unknown): string {
  return createHash("sha256").update(serialize(request)).digest("base64url");
}
