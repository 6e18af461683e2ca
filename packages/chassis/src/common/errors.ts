/**
 * Application errors. Domain and use-case code throws these; the gRPC layer maps each to its
 * status code with google.rpc error details. Anything else that escapes a handler is a bug and
 * becomes INTERNAL (logged, details withheld from the caller).
 */
// The wire shapes of google.rpc.BadRequest and PreconditionFailure, shared with the client SDK.
import type { FieldViolation, PreconditionViolation } from "@jinlian/client";
export type { FieldViolation, PreconditionViolation };

export abstract class ApplicationError extends Error {
  abstract readonly kind:
    | "INVALID_ARGUMENT"
    | "NOT_FOUND"
    | "ALREADY_EXISTS"
    | "FAILED_PRECONDITION"
    | "ABORTED"
    | "PERMISSION_DENIED"
    | "UNAUTHENTICATED"
    | "RESOURCE_EXHAUSTED"
    | "UNAVAILABLE";
  /** Stable reason code for google.rpc.ErrorInfo, e.g. "STALE_REVISION". */
  readonly reason: string;
  constructor(message: string, reason: string) {
    super(message);
    this.name = new.target.name;
    this.reason = reason;
  }
}

export class InvalidArgumentError extends ApplicationError {
  readonly kind = "INVALID_ARGUMENT" as const;
  constructor(
    readonly violations: readonly FieldViolation[],
    message?: string,
  ) {
    super(message ?? `invalid request: ${violations.map((v) => `${v.field}: ${v.description}`).join("; ")}`, "INVALID_REQUEST");
  }
}

export class NotFoundError extends ApplicationError {
  readonly kind = "NOT_FOUND" as const;
  constructor(
    readonly resourceType: string,
    readonly resourceName: string,
  ) {
    super(`${resourceType} ${resourceName} not found`, "NOT_FOUND");
  }
}

export class AlreadyExistsError extends ApplicationError {
  readonly kind = "ALREADY_EXISTS" as const;
  constructor(
    readonly resourceType: string,
    readonly resourceName: string,
    message?: string,
  ) {
    super(message ?? `${resourceType} ${resourceName} already exists`, "ALREADY_EXISTS");
  }
}

export class FailedPreconditionError extends ApplicationError {
  readonly kind = "FAILED_PRECONDITION" as const;
  constructor(
    readonly violations: readonly PreconditionViolation[],
    message?: string,
  ) {
    super(message ?? violations.map((v) => v.description).join("; "), violations[0]?.type ?? "FAILED_PRECONDITION");
  }
}

/** Optimistic concurrency: the caller's expected revision is stale. Retry after re-reading. */
export class AbortedError extends ApplicationError {
  readonly kind = "ABORTED" as const;
  constructor(message: string, reason = "STALE_REVISION") {
    super(message, reason);
  }
}

/** A dependency (the database) is briefly out of reach: the caller may retry with the same request id. */
export class UnavailableError extends ApplicationError {
  readonly kind = "UNAVAILABLE" as const;
  constructor(message: string, reason = "DEPENDENCY_UNAVAILABLE") {
    super(message, reason);
  }
}

/**
 * Maps database failures that are not bugs to what the caller can do about them: a unique
 * violation, serialization failure or deadlock means a concurrent change won (ABORTED: re-read
 * and retry); a lost or refused connection means try again later (UNAVAILABLE). Anything else is
 * returned unchanged (and becomes INTERNAL).
 */
export function fromDatabaseError(err: unknown): unknown {
  const e = err as { code?: unknown; name?: unknown };
  const code = typeof e.code === "string" ? e.code : undefined;
  if (code === "23505" || code === "40001" || code === "40P01")
    return new AbortedError("the change conflicted with a concurrent change; re-read and retry", "CONCURRENT_CHANGE");
  if (
    (code !== undefined &&
      (code.startsWith("08") || ["57P01", "57P03", "53300", "ECONNREFUSED", "ECONNRESET", "ETIMEDOUT"].includes(code))) ||
    e.name === "KnexTimeoutError"
  )
    return new UnavailableError("the database is unavailable; retry");
  return err;
}

export class PermissionDeniedError extends ApplicationError {
  readonly kind = "PERMISSION_DENIED" as const;
  constructor(message: string) {
    super(message, "PERMISSION_DENIED");
  }
}

export class UnauthenticatedError extends ApplicationError {
  readonly kind = "UNAUTHENTICATED" as const;
  constructor(message: string) {
    super(message, "UNAUTHENTICATED");
  }
}

/** Collects field violations while validating a request, then throws them all at once. */
export class Violations {
  private readonly list: FieldViolation[] = [];
  add(field: string, description: string): this {
    this.list.push({ field, description });
    return this;
  }
  get isEmpty(): boolean {
    return this.list.length === 0;
  }
  get all(): readonly FieldViolation[] {
    return this.list;
  }
  throwIfAny(): void {
    if (this.list.length > 0) throw new InvalidArgumentError(this.list);
  }
}
