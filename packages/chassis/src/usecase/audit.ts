import type { Knex } from "knex";
import type { Violations } from "../common/errors";
import { isUuid, periodField, textField } from "../common/fields";
import type { Migration } from "../persistence/migrations";
import { keysetPage, pageOf, readPageRequest, timeCursor } from "../persistence/paging";

/** Who acted, why, under which request, at which node and when: the trail of every mutation. */
export interface AuditEntry {
  readonly entryId: string;
  readonly aggregateType: string;
  readonly aggregateId: string;
  readonly action: string;
  /** Revision of the aggregate after the change. */
  readonly revision: number;
  readonly actor: string;
  readonly reason: string;
  readonly requestId: string;
  readonly jurisdiction: string;
  readonly occurredAt: Date;
  /** What the caller's token named: organisation (credit code), roles, jurisdiction acted for. */
  readonly actorOrganisation?: string;
  readonly actorRoles?: readonly string[];
  readonly actorJurisdiction?: string;
  /** The trace of the call or event that made the change. */
  readonly traceId?: string;
}

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

/** Creates the audit table (liaison's first migration wrote the same). */
export async function createAuditTable(db: Knex): Promise<void> {
  await db.schema.createTable("audit_entries", (t) => {
    t.uuid("entry_id").primary();
    t.text("aggregate_type").notNullable();
    t.uuid("aggregate_id").notNullable();
    t.text("action").notNullable();
    t.integer("revision").notNullable();
    t.text("actor").notNullable();
    t.text("reason").notNullable().defaultTo("");
    t.text("request_id").notNullable().defaultTo("");
    t.text("jurisdiction").notNullable();
    t.timestamp("occurred_at", { useTz: true }).notNullable();
  });
  await db.raw("create index audit_entries_listing on audit_entries (occurred_at desc, entry_id desc)");
  await db.raw("create index audit_entries_by_aggregate on audit_entries (aggregate_id, occurred_at desc)");
}

/** The audit table every service has, in its own schema. */
export const auditMigration: Migration = {
  name: "0002_chassis_audit_entries",
  async up(db) {
    // Services that had their own audit table before the kit keep it: same shape.
    if (await db.schema.hasTable("audit_entries")) return;
    await createAuditTable(db);
  },
};

/** The insert of an audit entry, not yet sent: `kit.record` sends it with the change's outbox rows. */
export function auditEntryInsert(trx: Knex.Transaction, e: AuditEntry): Knex.QueryBuilder {
  return trx("audit_entries").insert({
    entry_id: e.entryId,
    aggregate_type: e.aggregateType,
    aggregate_id: e.aggregateId,
    action: e.action,
    revision: e.revision,
    actor: e.actor,
    reason: e.reason,
    request_id: e.requestId,
    jurisdiction: e.jurisdiction,
    occurred_at: e.occurredAt,
    actor_organisation: e.actorOrganisation ?? "",
    actor_roles: (e.actorRoles ?? []).join(","),
    actor_jurisdiction: e.actorJurisdiction ?? "",
    trace_id: e.traceId ?? "",
  });
}

export interface AuditQuery {
  aggregateType: string;
  aggregateId: string;
  actor: string;
  /** Only entries that took effect in this period (a `jinlian.common.v1.TimeRange`). */
  period?: { startTime?: Date | undefined; endTime?: Date | undefined } | undefined;
  /** Field path prefix of the filter fields in violations, e.g. "filter." ("" for the top level). */
  fieldPrefix?: string;
  pageSize: number;
  pageToken: string;
}

/**
 * One page of the audit trail, newest first. `aggregateTypes` are the service's own; a filter on
 * another is INVALID_ARGUMENT (added to `v`, which the caller throws).
 */
export async function listAuditEntries(
  db: Knex,
  v: Violations,
  aggregateTypes: readonly string[],
  query: AuditQuery,
): Promise<{ entries: AuditEntry[]; nextPageToken: string; totalSize: number }> {
  const at = query.fieldPrefix ?? "";
  const filter = {
    aggregateType: textField(v, `${at}aggregate_type`, query.aggregateType, { max: 40 }),
    aggregateId: query.aggregateId.trim(),
    actor: textField(v, `${at}actor`, query.actor, { max: 200 }),
    period: periodField(v, `${at}occur_period`, query.period),
  };
  if (filter.aggregateType && !aggregateTypes.includes(filter.aggregateType))
    v.add(`${at}aggregate_type`, `must be one of ${aggregateTypes.join(", ")}`);
  if (filter.aggregateId && !isUuid(filter.aggregateId)) v.add(`${at}aggregate_id`, "must be a UUID");
  const page = readPageRequest(v, filter, query.pageSize, query.pageToken, timeCursor);
  v.throwIfAny();
  const filtered = () => {
    const q = db<AuditRow>("audit_entries");
    if (filter.aggregateType) q.where("aggregate_type", filter.aggregateType);
    if (filter.aggregateId) q.where("aggregate_id", filter.aggregateId);
    if (filter.actor) q.where("actor", filter.actor);
    if (filter.period.from) q.where("occurred_at", ">=", filter.period.from);
    if (filter.period.until) q.where("occurred_at", "<", filter.period.until);
    return q;
  };
  const [{ n }] = await filtered().count<{ n: string }[]>({ n: "*" });
  const q = filtered();
  keysetPage(q, { key: "occurred_at", keyType: "timestamptz", id: "entry_id", direction: "desc" }, page.after);
  const rows = (await q.limit(page.size + 1)) as AuditRow[];
  const { items, nextPageToken } = pageOf(rows, page, (r) => ({ key: r.occurred_at.toISOString(), id: r.entry_id }));
  return {
    entries: items.map((r) => ({
      entryId: r.entry_id,
      aggregateType: r.aggregate_type,
      aggregateId: r.aggregate_id,
      action: r.action,
      revision: r.revision,
      actor: r.actor,
      reason: r.reason,
      requestId: r.request_id,
      jurisdiction: r.jurisdiction,
      occurredAt: r.occurred_at,
    })),
    nextPageToken,
    totalSize: Number(n),
  };
}

/** The filter of every service's ListAuditEntries request (the contracts share its shape). */
export interface AuditEntriesFilter {
  aggregateType: string;
  aggregateId: string;
  actor: string;
  occurPeriod?: { startTime?: Date | undefined; endTime?: Date | undefined } | undefined;
}

/** Every service's ListAuditEntries request: `filter` and `page`, plus the deprecated top-level filter fields. */
export interface AuditEntriesRequest {
  aggregateType: string;
  aggregateId: string;
  actor: string;
  filter?: AuditEntriesFilter | undefined;
  page?: { pageSize: number; pageToken: string } | undefined;
}

/**
 * The query a ListAuditEntries request asks for. Callers written before `filter` existed set the
 * top-level fields; a field given both ways must agree, so neither silently wins.
 */
export function auditQueryOf(req: AuditEntriesRequest, v: Violations): AuditQuery {
  const f = req.filter;
  const one = (name: "aggregateType" | "aggregateId" | "actor", field: string): string => {
    const top = req[name].trim();
    const inFilter = (f?.[name] ?? "").trim();
    if (top && inFilter && top !== inFilter) v.add(field, `disagrees with the deprecated top-level ${field.replace("filter.", "")}`);
    return inFilter || top;
  };
  return {
    aggregateType: one("aggregateType", "filter.aggregate_type"),
    aggregateId: one("aggregateId", "filter.aggregate_id"),
    actor: one("actor", "filter.actor"),
    period: f?.occurPeriod,
    fieldPrefix: f ? "filter." : "",
    pageSize: req.page?.pageSize ?? 0,
    pageToken: req.page?.pageToken ?? "",
  };
}

/** A page of the trail in the shape every service's ListAuditEntriesResponse has (common.v1.AuditMetadata inside). */
export function auditEntriesResponse(page: { entries: readonly AuditEntry[]; nextPageToken: string; totalSize: number }) {
  return {
    entries: page.entries.map((e) => ({
      entryId: e.entryId,
      aggregateType: e.aggregateType,
      aggregateId: e.aggregateId,
      action: e.action,
      revision: e.revision,
      audit: { actor: e.actor, reason: e.reason, requestId: e.requestId, occurTime: e.occurredAt, jurisdictionCode: e.jurisdiction },
    })),
    page: { nextPageToken: page.nextPageToken, totalSize: page.totalSize },
  };
}
