import { status, type Metadata, type ServiceError } from "@grpc/grpc-js";
import { googleRpc, googleRpcDetails } from "@jinlian/proto";

/** The trailer carrying an encoded google.rpc.Status with error details. */
export const STATUS_DETAILS_KEY = "grpc-status-details-bin";

const TYPE_PREFIX = "type.googleapis.com/google.rpc.";

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

/** What a failed call's rich status says. */
export interface DecodedStatus {
  code: status;
  message: string;
  fieldViolations: FieldViolation[];
  preconditionViolations: PreconditionViolation[];
  /** google.rpc.ErrorInfo reason, e.g. "STALE_REVISION". */
  reason?: string;
  /** The server's request id for this call (google.rpc.RequestInfo). */
  requestId?: string;
  resourceType?: string;
  resourceName?: string;
}

/** Decodes google.rpc.Status details from a failed call's trailers. */
export function decodeStatus(err: Pick<ServiceError, "code" | "details"> & { metadata?: Metadata }): DecodedStatus {
  const out: DecodedStatus = { code: err.code, message: err.details ?? "", fieldViolations: [], preconditionViolations: [] };
  const raw = err.metadata?.get(STATUS_DETAILS_KEY)?.[0];
  if (!raw || typeof raw === "string") return out;
  let st: googleRpc.Status;
  try {
    st = googleRpc.Status.decode(raw);
  } catch {
    return out;
  }
  out.message = st.message || out.message;
  for (const d of st.details) {
    switch (d.typeUrl.slice(TYPE_PREFIX.length)) {
      case "BadRequest":
        out.fieldViolations.push(
          ...googleRpcDetails.BadRequest.decode(d.value).fieldViolations.map((v) => ({ field: v.field, description: v.description })),
        );
        break;
      case "PreconditionFailure":
        out.preconditionViolations.push(...googleRpcDetails.PreconditionFailure.decode(d.value).violations);
        break;
      case "ErrorInfo":
        out.reason = googleRpcDetails.ErrorInfo.decode(d.value).reason;
        break;
      case "RequestInfo":
        out.requestId = googleRpcDetails.RequestInfo.decode(d.value).requestId;
        break;
      case "ResourceInfo": {
        const r = googleRpcDetails.ResourceInfo.decode(d.value);
        out.resourceType = r.resourceType;
        out.resourceName = r.resourceName;
        break;
      }
    }
  }
  return out;
}

/** Base of every error the SDK throws for a failed call. */
export class JinlianError extends Error {
  readonly code: status;
  readonly fieldViolations: readonly FieldViolation[];
  readonly preconditionViolations: readonly PreconditionViolation[];
  readonly reason?: string;
  readonly requestId?: string;
  /** The method called, e.g. "/jinlian.bulletins.v1.BulletinsService/PublishBulletin". */
  readonly method: string;
  constructor(decoded: DecodedStatus, method: string) {
    super(`${status[decoded.code]}: ${decoded.message}`);
    this.name = new.target.name;
    this.code = decoded.code;
    this.fieldViolations = decoded.fieldViolations;
    this.preconditionViolations = decoded.preconditionViolations;
    this.reason = decoded.reason;
    this.requestId = decoded.requestId;
    this.method = method;
  }
}

/** The request was malformed; fieldViolations name each bad field. Do not retry unchanged. */
export class InvalidArgumentError extends JinlianError {}
export class NotFoundError extends JinlianError {}
export class AlreadyExistsError extends JinlianError {}
/** The resource is not in a state that allows this; preconditionViolations say why. */
export class FailedPreconditionError extends JinlianError {}
/** A concurrent change won (stale expected_revision): re-read and decide again. */
export class AbortedError extends JinlianError {}
export class PermissionDeniedError extends JinlianError {}
export class UnauthenticatedError extends JinlianError {}
export class ResourceExhaustedError extends JinlianError {}
/** The service could not be reached or is shutting down; safe to retry idempotent calls. */
export class UnavailableError extends JinlianError {}
export class DeadlineExceededError extends JinlianError {}
export class CancelledError extends JinlianError {}
/** A bug on the server; the requestId helps find it in the server's logs. */
export class InternalError extends JinlianError {}

const BY_CODE: Partial<Record<status, new (d: DecodedStatus, m: string) => JinlianError>> = {
  [status.INVALID_ARGUMENT]: InvalidArgumentError,
  [status.NOT_FOUND]: NotFoundError,
  [status.ALREADY_EXISTS]: AlreadyExistsError,
  [status.FAILED_PRECONDITION]: FailedPreconditionError,
  [status.ABORTED]: AbortedError,
  [status.PERMISSION_DENIED]: PermissionDeniedError,
  [status.UNAUTHENTICATED]: UnauthenticatedError,
  [status.RESOURCE_EXHAUSTED]: ResourceExhaustedError,
  [status.UNAVAILABLE]: UnavailableError,
  [status.DEADLINE_EXCEEDED]: DeadlineExceededError,
  [status.CANCELLED]: CancelledError,
};

/** Turns a grpc-js error into the typed exception for its code. */
export function toJinlianError(err: ServiceError, method: string): JinlianError {
  const decoded = decodeStatus(err);
  const Ctor = BY_CODE[decoded.code] ?? InternalError;
  return new Ctor(decoded, method);
}
