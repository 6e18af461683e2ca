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
import { liaisonV1 } from "@jinlian/proto";

// The trail of this node's own records: the mechanism's two sides, of this jurisdiction only.
const access = {
  listAuditEntries: own(...MECHANISM),
} satisfies AccessRules<typeof liaisonV1.AuditTrailServiceService>;

/** The audit trail: who changed what, why and when, newest first, over the given aggregate types. */
export function auditGrpcService(kit: ServiceKit, aggregateTypes: readonly string[], grpc: HandlerOptions): RegisteredService {
  const implementation = implement(
    liaisonV1.AuditTrailServiceService,
    {
      async listAuditEntries(req) {
        const v = new Violations();
        return auditEntriesResponse(await listAuditEntries(kit.db, v, aggregateTypes, auditQueryOf(req, v)));
      },
    },
    { ...grpc, access },
  );
  return { name: "jinlian.liaison.v1.AuditTrailService", definition: liaisonV1.AuditTrailServiceService, implementation };
}
