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
import { mediationV1 } from "@jinlian/proto";

/** The trail of the node's own records: the mechanism's two sides. */
const access = {
  listAuditEntries: own(...MECHANISM),
} satisfies AccessRules<typeof mediationV1.AuditTrailServiceService>;

/** The audit trail: who changed what, why and when, newest first, over the given aggregate types. */
export function auditGrpcService(kit: ServiceKit, aggregateTypes: readonly string[], grpc: HandlerOptions): RegisteredService {
  const implementation = implement(
    mediationV1.AuditTrailServiceService,
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
  return { name: "jinlian.mediation.v1.AuditTrailService", definition: mediationV1.AuditTrailServiceService, implementation };
}

const emptyFilter = { aggregateType: "", aggregateId: "", actor: "" };
