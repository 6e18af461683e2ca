/**
 * Application errors. Domain and use-case code throws these; the gRPC layer maps each to its
 * status code with google.rpc error details. Anything else that escapes a handler is a bug and
 * becomes INTERNAL (logged, details withheld from the caller).
 */
// The wire shapes of google.rpc.BadRequest.FieldViolation and PreconditionFailure.Violation. The
// client SDK declares the same shapes on its side: the chassis knows no client.
export interface FieldViolation {
  /** Path of the offending request field, e.g. "main_audience.jurisdiction_codes[2]". */
  readonly field: string;
  readonly description: string;
}

export interface PreconditionViolation {
  readonly type: string;
  readonly subject: string;
  readonly description: string;
}

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

/**
 * How many field violations one refusal lists. A request with 150,000 bad elements must not
 * cost 150,000 violations in memory, in the status message and in the trailers: the first ones
 * are listed, the rest summed up in one more entry.
 */
export const MAX_LISTED_VIOLATIONS = 20;

function omittedViolations(count: number): FieldViolation {
  return { field: "", description: `… and ${count} more violation${count === 1 ? "" : "s"} not listed` };
}

/** At most MAX_LISTED_VIOLATIONS of a list plus one summary entry (a bounded list is returned as is). */
export function boundViolations(violations: readonly FieldViolation[]): readonly FieldViolation[] {
  if (violations.length <= MAX_LISTED_VIOLATIONS + 1) return violations;
  return [...violations.slice(0, MAX_LISTED_VIOLATIONS), omittedViolations(violations.length - MAX_LISTED_VIOLATIONS)];
}

// Violations travel in the status trailers, whose size is limited: an echoed over-long input is cut.
const MAX_VIOLATION_TEXT = 200;
const clip = (s: string) => (s.length > MAX_VIOLATION_TEXT ? `${s.slice(0, MAX_VIOLATION_TEXT - 1)}…` : s);

export class InvalidArgumentError extends ApplicationError {
  readonly kind = "INVALID_ARGUMENT" as const;
  readonly violations: readonly FieldViolation[];
  constructor(violations: readonly FieldViolation[], message?: string) {
    const listed = boundViolations(violations).map((v) => ({ field: clip(v.field), description: clip(v.description) }));
    super(
      message ?? `invalid request: ${listed.map((v) => (v.field ? `${v.field}: ${v.description}` : v.description)).join("; ")}`,
      "INVALID_REQUEST",
    );
    this.violations = listed;
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

/** Codes of a connection that failed or was refused by the operating system. */
const SOCKET_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN"]);
/**
 * What node-postgres says when the server went away without an SQLSTATE, alone or after the
 * statement knex prefixes ("select … - Connection terminated unexpectedly", "ROLLBACK - Client has
 * encountered a connection error and is not queryable"): the chaos suite met both as INTERNAL.
 */
const LOST_CONNECTION =
  /(^|\s-\s)(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error)/;

/**
 * The database is out of reach or cannot take work right now, so the same work may succeed
 * later: a connection lost or refused (class 08, socket errors, node-postgres' "Connection
 * terminated…" with no SQLSTATE), the server short of resources (class 53) or shutting down or
 * starting (57P01-57P03), a lock not available (55P03), a read-only server after a failover
 * (25006), a system error such as I/O (class 58), or the pool timing out.
 */
export function isDatabaseOutage(err: unknown): boolean {
  const e = err as { code?: unknown; name?: unknown; message?: unknown };
  const code = typeof e.code === "string" ? e.code : undefined;
  if (code !== undefined) {
    if (SOCKET_CODES.has(code)) return true;
    if (/^(08|53|58)/.test(code)) return true;
    if (["57P01", "57P02", "57P03", "55P03", "25006"].includes(code)) return true;
  }
  if (e.name === "KnexTimeoutError") return true;
  return code === undefined && typeof e.message === "string" && LOST_CONNECTION.test(e.message);
}

/** A concurrent change won: a unique violation, a serialization failure or a deadlock. */
export function isConcurrentChange(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return code === "23505" || code === "40001" || code === "40P01";
}

/**
 * Maps database failures that are not bugs to what the caller can do about them: a concurrent
 * change won (ABORTED: re-read and retry); the database is out of reach (UNAVAILABLE: try again
 * later, which the SDK does for idempotent calls). Anything else is returned unchanged (and
 * becomes INTERNAL).
 */
export function fromDatabaseError(err: unknown): unknown {
  if (isConcurrentChange(err))
    return new AbortedError("the change conflicted with a concurrent change; re-read and retry", "CONCURRENT_CHANGE");
  if (isDatabaseOutage(err)) return new UnavailableError("the database is unavailable; retry");
  return err;
}

/**
 * An inbound event that cannot be applied yet because an earlier event of its aggregate has not
 * arrived (a gap in its version sequence, e.g. a correction before its publication). The consumer
 * holds it, with what follows for that aggregate, until the gap is filled — never skips it.
 */
export class NotYetApplicableError extends ApplicationError {
  readonly kind = "FAILED_PRECONDITION" as const;
  constructor(message: string) {
    super(message, "NOT_YET_APPLICABLE");
  }
}

/** The process is at its bound of calls at once: the call was not started; retry with backoff. */
export class OverloadedError extends ApplicationError {
  readonly kind = "RESOURCE_EXHAUSTED" as const;
  constructor(message = "the node is at its limit of concurrent calls; retry with backoff") {
    super(message, "OVERLOADED");
  }
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

/**
 * Collects field violations while validating a request, then throws them all at once. Keeps the
 * first MAX_LISTED_VIOLATIONS and only counts the rest, so a validator looping over a huge input
 * stays bounded in memory; `isFull` lets a loop stop early.
 */
export class Violations {
  private readonly list: FieldViolation[] = [];
  private omitted = 0;
  add(field: string, description: string): this {
    if (this.list.length < MAX_LISTED_VIOLATIONS) this.list.push({ field, description });
    else this.omitted++;
    return this;
  }
  get isEmpty(): boolean {
    return this.list.length === 0;
  }
  /** Every violation added, listed or not. */
  get count(): number {
    return this.list.length + this.omitted;
  }
  /** No further violation would be listed: a loop may stop looking. */
  get isFull(): boolean {
    return this.list.length >= MAX_LISTED_VIOLATIONS;
  }
  /** The listed violations, plus one entry counting those not listed. */
  get all(): readonly FieldViolation[] {
    return this.omitted > 0 ? [...this.list, omittedViolations(this.omitted)] : this.list;
  }
  throwIfAny(): void {
    if (this.list.length > 0) throw new InvalidArgumentError(this.all);
  }
}
