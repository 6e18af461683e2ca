import {
  auditEntriesResponse,
  auditQueryOf,
  implement,
  listAuditEntries,
  MECHANISM,
  own,
  Violations,
  type AccessRules,
  type HandlerOptions,
  type RegisteredService,
  type ServiceKit,
} from "@jinlian/chassis";
import { legalServicesV1 } from "@jinlian/proto";

/** The trail of this node's own records: the mechanism's two sides only. */
const access = {
  listAuditEntries: own(...MECHANISM),
} satisfies AccessRules<typeof legalServicesV1.AuditTrailServiceService>;

/** The audit trail: who changed what, why and when, newest first, over the given aggregate types. */
export function auditGrpcService(kit: ServiceKit, aggregateTypes: readonly string[], grpc: HandlerOptions): RegisteredService {
  const implementation = implement(
    legalServicesV1.AuditTrailServiceService,
    {
      async listAuditEntries(req) {
        const v = new Violations();
        // This contract has only `filter` (no deprecated top-level fields).
        const query = auditQueryOf({ aggregateType: "", aggregateId: "", actor: "", filter: req.filter ?? emptyFilter, page: req.page }, v);
        return auditEntriesResponse(await listAuditEntries(kit.db, v, aggregateTypes, query));
      },
    },
    { ...grpc, access },
  );
  return { name: "jinlian.legal_services.v1.AuditTrailService", definition: legalServicesV1.AuditTrailServiceService, implementation };
}

const emptyFilter = { aggregateType: "", aggregateId: "", actor: "" };
