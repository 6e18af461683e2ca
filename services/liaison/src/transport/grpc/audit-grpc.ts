import {
  auditEntriesResponse,
  auditQueryOf,
  implement,
  listAuditEntries,
  Violations,
  type HandlerOptions,
  type RegisteredService,
  type ServiceKit,
} from "@jinlian/chassis";
import { liaisonV1 } from "@jinlian/proto";

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
    grpc,
  );
  return { name: "jinlian.liaison.v1.AuditTrailService", definition: liaisonV1.AuditTrailServiceService, implementation };
}
