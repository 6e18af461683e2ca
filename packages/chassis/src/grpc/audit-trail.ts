import type { ServiceDefinition } from "@grpc/grpc-js";
import type { Knex } from "knex";
import { Violations } from "../common/errors";
import { auditEntriesResponse, auditQueryOf, listAuditEntries, type AuditEntriesFilter } from "../usecase/audit";
import { MECHANISM, own, type AccessRules } from "./access";
import { implement, type HandlerOptions, type UnaryHandlers } from "./handlers";
import type { RegisteredService } from "./server";

/** A ListAuditEntries request as every service's contract has it; the top-level filter fields only in older contracts. */
interface AuditTrailRequest {
  aggregateType?: string;
  aggregateId?: string;
  actor?: string;
  filter?: AuditEntriesFilter | undefined;
  page?: { pageSize: number; pageToken: string } | undefined;
}

/** A service definition with the shared audit-trail method: `<service>.v1.AuditTrailService`. */
type AuditTrailDefinition = ServiceDefinition & {
  listAuditEntries: {
    path: string;
    requestDeserialize: (b: Buffer) => AuditTrailRequest;
    responseSerialize: (v: ReturnType<typeof auditEntriesResponse>) => Buffer;
  };
};

/**
 * A service's `AuditTrailService`: who changed what, why and when, newest first, over the
 * service's own aggregate types; read by the mechanism's two sides of this node only.
 */
export function auditTrailService<S extends AuditTrailDefinition>(
  definition: S,
  db: Knex,
  aggregateTypes: readonly string[],
  grpc: HandlerOptions,
): RegisteredService {
  const access = { listAuditEntries: own(...MECHANISM) } as AccessRules<S>;
  const handlers = {
    async listAuditEntries(req: AuditTrailRequest) {
      const v = new Violations();
      // Contracts without the deprecated top-level fields name every filter field under `filter.`.
      const legacy = "aggregateType" in req;
      const query = auditQueryOf(
        {
          aggregateType: req.aggregateType ?? "",
          aggregateId: req.aggregateId ?? "",
          actor: req.actor ?? "",
          filter: req.filter ?? (legacy ? undefined : noFilter),
          page: req.page,
        },
        v,
      );
      return auditEntriesResponse(await listAuditEntries(db, v, aggregateTypes, query));
    },
  } as unknown as UnaryHandlers<S>;
  const name = definition.listAuditEntries.path.split("/")[1]!;
  return { name, definition, implementation: implement(definition, handlers, { ...grpc, access }) };
}

const noFilter: AuditEntriesFilter = { aggregateType: "", aggregateId: "", actor: "" };
