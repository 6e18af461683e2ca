import { implement, pageOf, readPageRequest, textField, Violations } from "@jinlian/chassis";
import { liaisonV1 } from "@jinlian/proto";
import type { GrpcOptions, LiaisonArea } from "../app/area";
import { checkId, isUuid, type LiaisonContext } from "../app/support";

const AGGREGATE_TYPES = ["organisation", "mechanism", "consultation", "action_item", "research", "campaign"];

interface AuditRow {
  entry_id: string;
  aggregate_type: string;
  aggregate_id: string;
  action: string;
  revision: number;
  actor: string;
  reason: string;
  request_id: string;
  jurisdiction: string;
  occurred_at: Date;
}

/** The audit trail: who changed what, why and when, newest first. */
export function auditArea(ctx: LiaisonContext, grpc: GrpcOptions): LiaisonArea {
  const implementation = implement(
    liaisonV1.AuditTrailServiceService,
    {
      async listAuditEntries(req) {
        const v = new Violations();
        const filter = {
          aggregateType: textField(v, "aggregate_type", req.aggregateType, { max: 40 }),
          aggregateId: req.aggregateId.trim(),
          actor: textField(v, "actor", req.actor, { max: 200 }),
        };
        if (filter.aggregateType && !AGGREGATE_TYPES.includes(filter.aggregateType))
          v.add("aggregate_type", `must be one of ${AGGREGATE_TYPES.join(", ")}`);
        checkId(v, filter.aggregateId, "aggregate_id", false);
        const page = readPageRequest(v, filter, req.page?.pageSize ?? 0, req.page?.pageToken ?? "");
        if (page.after && (Number.isNaN(Date.parse(page.after.key)) || !isUuid(page.after.id)))
          v.add("page.page_token", "is not a valid page token");
        v.throwIfAny();
        const filtered = () => {
          const q = ctx.db<AuditRow>("audit_entries");
          if (filter.aggregateType) q.where("aggregate_type", filter.aggregateType);
          if (filter.aggregateId) q.where("aggregate_id", filter.aggregateId);
          if (filter.actor) q.where("actor", filter.actor);
          return q;
        };
        const [{ n }] = await filtered().count<{ n: string }[]>({ n: "*" });
        const q = filtered();
        if (page.after) q.whereRaw("(occurred_at, entry_id) < (?::timestamptz, ?::uuid)", [page.after.key, page.after.id]);
        const rows = (await q
          .orderBy([
            { column: "occurred_at", order: "desc" },
            { column: "entry_id", order: "desc" },
          ])
          .limit(page.size + 1)) as AuditRow[];
        const { items, nextPageToken } = pageOf(rows, page, (r) => ({ key: r.occurred_at.toISOString(), id: r.entry_id }));
        return {
          entries: items.map((r) => ({
            entryId: r.entry_id,
            aggregateType: r.aggregate_type,
            aggregateId: r.aggregate_id,
            action: r.action,
            revision: r.revision,
            audit: {
              actor: r.actor,
              reason: r.reason,
              requestId: r.request_id,
              occurTime: r.occurred_at,
              jurisdictionCode: r.jurisdiction,
            },
          })),
          page: { nextPageToken, totalSize: Number(n) },
        };
      },
    },
    grpc,
  );
  return {
    grpcServices: [{ name: "jinlian.liaison.v1.AuditTrailService", definition: liaisonV1.AuditTrailServiceService, implementation }],
  };
}
