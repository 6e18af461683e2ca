import {
  AbortedError,
  appendToOutbox,
  dataschemaFor,
  deliveryTopic,
  eventSource,
  InvalidArgumentError,
  localTopic,
  onceForKey,
  actorOf,
  isUuid,
  type Actor,
  type Clock,
  type EventDescriptor,
  type IdGenerator,
  type Logger,
  type NodeIdentity,
  type Violations,
} from "@jinlian/chassis";
import type { Knex } from "knex";

export const SERVICE = "liaison";

export { actorOf, type Actor };

/** The actor recorded for changes that arrive as events from another node. */
export function actorFromEvent(audit: { actor?: string; requestId?: string } | undefined, fallback: string): Actor {
  return { subject: audit?.actor || fallback, requestId: audit?.requestId ?? "" };
}

export interface LiaisonDeps {
  db: Knex;
  schema: string;
  node: NodeIdentity;
  clock: Clock;
  ids: IdGenerator;
  logger: Logger;
}

export { isUuid };

/** An id in a request must be a UUID; anything else is INVALID_ARGUMENT naming the field. */
export function assertId(value: string, field: string): void {
  if (!isUuid(value)) throw new InvalidArgumentError([{ field, description: "must be a UUID" }]);
}

/** Adds a violation when an id field is not a UUID (for collecting several problems at once). */
export function checkId(v: Violations, value: string, field: string, required = true): void {
  if (value === "" && !required) return;
  if (!isUuid(value)) v.add(field, value === "" ? "is required" : "must be a UUID");
}

export const REASON_MAX = 500;

export function checkExpectedRevision(v: Violations, value: number): void {
  if (value < 0) v.add("expected_revision", "must be 0 (no check) or a revision returned by the service");
}

/** Optimistic concurrency: 0 skips the check; anything else must be the current revision. */
export function checkRevision(kind: string, id: string, current: number, expected: number): void {
  if (expected !== 0 && expected !== current)
    throw new AbortedError(`${kind} ${id} is at revision ${current}, not ${expected}; re-read and retry`);
}

/** One audited change, written in the transaction of the change itself. */
export interface AuditRecord {
  aggregateType: "organisation" | "mechanism" | "consultation" | "action_item" | "research" | "campaign";
  aggregateId: string;
  action: string;
  revision: number;
  actor: Actor;
  reason: string;
  at: Date;
}

/**
 * Shared plumbing of the liaison use cases: the node, time and ids, the audit trail, the outbox,
 * and at-most-once mutations per caller request id.
 */
export class LiaisonContext {
  constructor(readonly deps: LiaisonDeps) {}

  get here(): string {
    return this.deps.node.jurisdictionCode;
  }

  get db(): Knex {
    return this.deps.db;
  }

  now(): Date {
    return this.deps.clock.now();
  }

  newId(): string {
    return this.deps.ids.newId();
  }

  get logger(): Logger {
    return this.deps.logger;
  }

  /** AuditMetadata of a change made here. */
  auditProto(actor: Actor, reason: string, at: Date) {
    return { actor: actor.subject, reason, requestId: actor.requestId, occurTime: at, jurisdictionCode: this.here };
  }

  async audit(trx: Knex.Transaction, r: AuditRecord): Promise<void> {
    await trx("audit_entries").insert({
      entry_id: this.newId(),
      aggregate_type: r.aggregateType,
      aggregate_id: r.aggregateId,
      action: r.action,
      revision: r.revision,
      actor: r.actor.subject,
      reason: r.reason,
      request_id: r.actor.requestId,
      jurisdiction: this.here,
      occurred_at: r.at,
    });
  }

  /** Delivery topic from this node to a peer node (the city or a district). */
  topicTo(node: string): string {
    return deliveryTopic(this.deps.node.topicNamespace, SERVICE, this.here, node);
  }

  /** This node's local liaison stream, e.g. "registry" or "alerts". */
  localTopic(stream: "registry" | "alerts"): string {
    return localTopic(this.deps.node.topicNamespace, this.here, SERVICE, stream);
  }

  /** Appends one event per topic to the outbox, in the caller's transaction. Subject = Kafka key. */
  async emit<T>(trx: Knex.Transaction, descriptor: EventDescriptor<T>, subject: string, at: Date, data: T, topics: readonly string[]) {
    if (topics.length === 0) return;
    const payload = descriptor.codec.encode(data).finish();
    await appendToOutbox(
      trx,
      this.deps.schema,
      topics.map((topic) => ({
        topic,
        event: {
          id: this.newId(),
          source: eventSource(this.here, SERVICE),
          type: descriptor.type,
          subject,
          time: at,
          dataschema: dataschemaFor(descriptor.message),
          data: payload,
        },
      })),
    );
  }

  /**
   * Runs one mutation in a transaction, at most once per caller request id (scope names the
   * method), and answers with `view` of the aggregate whose id the change returns, read in the
   * same transaction. A repeat with the same request id changes nothing and answers with the
   * aggregate as it stands now.
   */
  async mutation<T>(
    scope: string,
    actor: Actor,
    change: (trx: Knex.Transaction) => Promise<string>,
    view: (id: string, trx: Knex.Transaction) => Promise<T>,
  ): Promise<T> {
    return this.db.transaction(async (trx) => {
      const { result } = await onceForKey(trx, scope, actor.idempotencyKey, () => change(trx));
      return view(result, trx);
    });
  }
}

/** Tunables of the liaison service, from the node's validated configuration. */
export interface LiaisonSettings {
  /** How often unfinished action items past their due date are looked for (and alerts raised). */
  overdueScanIntervalMs: number;
}

export const DEFAULT_LIAISON_SETTINGS: LiaisonSettings = { overdueScanIntervalMs: 60_000 };
