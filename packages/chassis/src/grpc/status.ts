import { Metadata, status, type StatusObject } from "@grpc/grpc-js";
import { googleRpc, googleRpcDetails } from "@jinlian/proto";
import { ApplicationError, type FieldViolation, type PreconditionViolation } from "../common/errors";

export const STATUS_DETAILS_KEY = "grpc-status-details-bin";
export const ERROR_DOMAIN = "jinlian";

const TYPE_PREFIX = "type.googleapis.com/";
const BAD_REQUEST = `${TYPE_PREFIX}google.rpc.BadRequest`;
const PRECONDITION_FAILURE = `${TYPE_PREFIX}google.rpc.PreconditionFailure`;
const ERROR_INFO = `${TYPE_PREFIX}google.rpc.ErrorInfo`;
const RESOURCE_INFO = `${TYPE_PREFIX}google.rpc.ResourceInfo`;
const REQUEST_INFO = `${TYPE_PREFIX}google.rpc.RequestInfo`;

const CODES: Record<ApplicationError["kind"], status> = {
  INVALID_ARGUMENT: status.INVALID_ARGUMENT,
  NOT_FOUND: status.NOT_FOUND,
  ALREADY_EXISTS: status.ALREADY_EXISTS,
  FAILED_PRECONDITION: status.FAILED_PRECONDITION,
  ABORTED: status.ABORTED,
  PERMISSION_DENIED: status.PERMISSION_DENIED,
  UNAUTHENTICATED: status.UNAUTHENTICATED,
  RESOURCE_EXHAUSTED: status.RESOURCE_EXHAUSTED,
  UNAVAILABLE: status.UNAVAILABLE,
};

function any(typeUrl: string, value: Uint8Array): { typeUrl: string; value: Buffer } {
  return { typeUrl, value: Buffer.from(value) };
}

/**
 * A gRPC status with google.rpc.Status details for an error thrown by a handler. Callers decode
 * it with @jinlian/client (decodeStatus, typed errors).
 */
export function toStatus(err: unknown, requestId: string): Partial<StatusObject> & { code: status; details: string } {
  const details: { typeUrl: string; value: Buffer }[] = [];
  let code: status;
  let message: string;
  if (err instanceof ApplicationError) {
    code = CODES[err.kind];
    message = err.message;
    if ("violations" in err && err.kind === "INVALID_ARGUMENT") {
      const fieldViolations = (err.violations as readonly FieldViolation[]).map((v) => ({
        field: v.field,
        description: v.description,
        reason: "",
        localizedMessage: undefined,
      }));
      details.push(any(BAD_REQUEST, googleRpcDetails.BadRequest.encode({ fieldViolations }).finish()));
    }
    if ("violations" in err && err.kind === "FAILED_PRECONDITION") {
      const violations = err.violations as readonly PreconditionViolation[];
      details.push(any(PRECONDITION_FAILURE, googleRpcDetails.PreconditionFailure.encode({ violations: [...violations] }).finish()));
    }
    if ("resourceType" in err) {
      const e = err as unknown as { resourceType: string; resourceName: string };
      details.push(
        any(
          RESOURCE_INFO,
          googleRpcDetails.ResourceInfo.encode({
            resourceType: e.resourceType,
            resourceName: e.resourceName,
            owner: "",
            description: err.message,
          }).finish(),
        ),
      );
    }
    details.push(any(ERROR_INFO, googleRpcDetails.ErrorInfo.encode({ reason: err.reason, domain: ERROR_DOMAIN, metadata: {} }).finish()));
  } else {
    code = status.INTERNAL;
    message = `internal error (request ${requestId})`;
  }
  details.push(any(REQUEST_INFO, googleRpcDetails.RequestInfo.encode({ requestId, servingData: "" }).finish()));
  const metadata = new Metadata();
  metadata.set(STATUS_DETAILS_KEY, Buffer.from(googleRpc.Status.encode({ code, message, details }).finish()));
  return { code, details: message, metadata };
}
