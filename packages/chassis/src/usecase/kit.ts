import { trace } from "@opentelemetry/api";
import type { Knex } from "knex";
import { dataschemaFor, deliveryTopic, eventSource, localTopic, type EventDescriptor } from "@jinlian/subscriber";
import { AbortedError } from "../common/errors";
import type { Actor } from "../grpc/handlers";
import type { Logger } from "../logging/logger";
import { appendToOutbox, type OutgoingEvent } from "../outbox/outbox";
import { transactionOpenedWith, transactionReading, type OpeningRead } from "../persistence/database";
import { claimStatement, settleClaim } from "../persistence/idempotency";
import type { WritesAlongside } from "../persistence/together";
import type { Clock, IdGenerator, NodeIdentity } from "../service";
import { auditEntryInsert, type AuditEntry } from "./audit";
import type { DecisionWithRevision, Destination, EventToEmit } from "./decision";

export interface ServiceKitDeps {
  readonly service: string;
  readonly db: Knex;
  readonly schema: string;
  readonly node: NodeIdentity;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly logger: Logger;
}

/** How the kit writes one kind of aggregate: its audit name, its id and revision, and its rows. */
export interface AggregateStore<S extends { readonly revision: number }> {
  /** The aggregate type in the audit trail, e.g. "organisation". */
  readonly type: string;
  id(state: S): string;
  /**
   * Writes the state after a change (revision already bumped); `before` is undefined on creation.
   * Given `alongside`, the store may leave writes independent of each other there instead (see
   * WritesAlongside): the kit sends them in the statement of the change's audit entry and events.
   * Without it, everything is written before `save` returns.
   */
  save(trx: Knex.Transaction, after: S, before: S | undefined, alongside?: WritesAlongside): Promise<void>;
}

/** The audit part of a change: who (with the request id) and why. */
export interface Attribution {
  readonly actor: Actor;
  readonly reason: string;
}

/** The common.v1.AuditMetadata every event carries. */
export interface AuditMetadata {
  actor: string;
  reason: string;
  requestId: string;
  occurTime: Date;
  jurisdictionCode: string;
}

/**
 * Who acted for a change that arrives as an event from another node: the actor and request id
 * its audit metadata carries, else the sending node (`node:<code>`), and its reason.
 */
export function attributionFromEvent(
  audit: { actor?: string; requestId?: string; reason?: string } | undefined,
  sender: string,
): Attribution {
  return { actor: { subject: audit?.actor || `node:${sender}`, requestId: audit?.requestId ?? "" }, reason: audit?.reason ?? "" };
}

/** A revision given by the caller: 0 skips the check; anything else must be the current one. */
export function checkExpectedRevision(kind: string, id: string, current: number, expected: number): void {
  if (expected !== 0 && expected !== current)
    throw new AbortedError(`${kind} ${id} is at revision ${current}, not ${expected}; re-read and retry`);
}

/**
 * What every use case of a service needs besides its domain: the node, time and ids, creations and changes
 * at most once per caller request id, and `apply`, which writes a domain decision — state with
 * its revision bumped, audit entry, outbox rows — in the use case's transaction.
 */
export class ServiceKit {
  constructor(private readonly deps: ServiceKitDeps) {}

  /** This node's jurisdiction code. */
  get here(): string {
    return this.deps.node.jurisdictionCode;
  }
  get db(): Knex {
    return this.deps.db;
  }
  get logger(): Logger {
    return this.deps.logger;
  }
  now(): Date {
    return this.deps.clock.now();
  }
  newId(): string {
    return this.deps.ids.newId();
  }

  /** The audit metadata of a change made here, as events carry it. */
  auditMetadata(by: Attribution, at: Date): AuditMetadata {
    return { actor: by.actor.subject, reason: by.reason, requestId: by.actor.requestId, occurTime: at, jurisdictionCode: this.here };
  }

  private topicOf(destination: Destination): string {
    const ns = this.deps.node.topicNamespace;
    return "local" in destination
      ? localTopic(ns, this.here, this.deps.service, destination.local)
      : deliveryTopic(ns, this.deps.service, this.here, destination.node);
  }

  /**
   * Runs reads in one snapshot: a read-only REPEATABLE READ transaction, so an aggregate read in
   * several statements (its row, then its children) is one state, never half of a change that
   * committed between them. For reads that cannot be one statement.
   */
  snapshot<T>(read: (db: Knex.Transaction) => Promise<T>): Promise<T> {
    return this.db.transaction(read, { isolationLevel: "repeatable read", readOnly: true });
  }

  /**
   * Creates one aggregate under `id`, drawn by the caller (`newId()`), in a transaction, at most
   * once per caller request id, and answers with what `create` returns: the new aggregate's view,
   * which it holds already, so nothing is read back. The id is stored with the request id's claim,
   * so nothing is written after the change either. A repeat with the same request id creates
   * nothing and answers with `view` of the aggregate the first call created, as it stands now; the
   * same request id with a different request is INVALID_ARGUMENT. `read`, what `create` must read
   * first, goes with BEGIN and the claim (a round trip fewer); `create` gets its answer.
   */
  creation<T, R = undefined>(
    scope: string,
    actor: Actor,
    id: string,
    create: (trx: Knex.Transaction, read: R) => Promise<T>,
    view: (id: string, trx: Knex.Transaction) => Promise<T>,
    read?: OpeningRead<R>,
  ): Promise<T> {
    return this.underKnownId(scope, actor, id, create, view, read);
  }

  /**
   * Changes the aggregate `id` as `creation` creates one: in a transaction, at most once per caller
   * request id (the id stored with the claim), answering with what `change` returns: the state it
   * saved, and only what the view holds beyond it (counts, names, children of their own) read
   * beside it. The id is what a repeat's `view` finds the aggregate by (for an answer about a part,
   * the part's id). A repeat changes nothing and answers with `view` as it stands now. `read` as
   * for `creation`.
   */
  change<T, R = undefined>(
    scope: string,
    actor: Actor,
    id: string,
    change: (trx: Knex.Transaction, read: R) => Promise<T>,
    view: (id: string, trx: Knex.Transaction) => Promise<T>,
    read?: OpeningRead<R>,
  ): Promise<T> {
    return this.underKnownId(scope, actor, id, change, view, read);
  }

  private underKnownId<T, R>(
    scope: string,
    actor: Actor,
    id: string,
    run: (trx: Knex.Transaction, read: R) => Promise<T>,
    view: (id: string, trx: Knex.Transaction) => Promise<T>,
    read: OpeningRead<R> | undefined,
  ): Promise<T> {
    // The caller's deadline bounds the transaction's statements (set with its BEGIN; createDatabase).
    const key = actor.idempotencyKey;
    if (!key) return read ? transactionReading(this.db, read, run) : this.db.transaction((trx) => run(trx, undefined as R));
    // The claim goes with BEGIN, and the read after it: one round trip for what every write of a
    // request a caller may repeat starts with. A repeat's read goes unused.
    const claim = claimStatement(scope, key, actor.requestFingerprint, id);
    return transactionOpenedWith(this.db, read ? [claim, read.sql] : [claim], async (trx, [claimed, rows]) => {
      const settled = await settleClaim(trx, claimed ?? [], scope, key, actor.requestFingerprint);
      return settled.replayed ? view(settled.result, trx) : run(trx, read ? read.of(rows ?? []) : (undefined as R));
    });
  }

  /**
   * Applies a decision about an existing aggregate (`before`, read FOR UPDATE) or a new one
   * (`before` undefined): a stale `expectedRevision` is ABORTED; otherwise the state is saved at
   * the next revision, the audit entry written and the events appended to the outbox — all in
   * `trx`. Returns the state as saved.
   */
  async apply<S extends { readonly revision: number }>(
    trx: Knex.Transaction,
    store: AggregateStore<S>,
    before: S | undefined,
    decision: DecisionWithRevision<S>,
    by: Attribution,
    expectedRevision = 0,
    /** The time the decision was made at, so the audit entry and the events agree with the state. */
    at: Date = this.now(),
  ): Promise<S> {
    const revision = before ? before.revision + 1 : 1;
    if (before) checkExpectedRevision(store.type, store.id(before), before.revision, expectedRevision);
    const after = { ...decision.state, revision };
    const saving: WritesAlongside = [];
    await store.save(trx, after, before, saving);
    const events = typeof decision.events === "function" ? decision.events(after) : decision.events;
    await this.record(trx, { type: store.type, id: store.id(after), revision }, decision.action, by, events, at, saving);
    return after;
  }

  /**
   * The audit entry and outbox rows of a change whose rows the caller wrote itself (e.g. an
   * inbound event applied to a projection, or a child table): the part of `apply` after saving.
   * `alongside`: the change's writes not yet sent (see WritesAlongside), carried in the same
   * statement.
   */
  async record(
    trx: Knex.Transaction,
    aggregate: { type: string; id: string; revision: number },
    action: string,
    by: Attribution,
    events: readonly EventToEmit[],
    at: Date = this.now(),
    alongside: readonly Knex.QueryBuilder[] = [],
  ): Promise<void> {
    const entry: AuditEntry = {
      entryId: this.newId(),
      aggregateType: aggregate.type,
      aggregateId: aggregate.id,
      action,
      revision: aggregate.revision,
      actor: by.actor.subject,
      reason: by.reason,
      requestId: by.actor.requestId,
      jurisdiction: this.here,
      occurredAt: at,
      actorOrganisation: by.actor.organisation,
      actorRoles: by.actor.roles,
      actorJurisdiction: by.actor.actingFor,
      traceId: trace.getActiveSpan()?.spanContext().traceId,
    };
    // One statement for the rows, the entry and the events: a round trip is most of a write's cost.
    await this.publish(trx, events, at, [...alongside, auditEntryInsert(trx, entry)]);
  }

  /** Appends events to the outbox in `trx`, one row per destination, with `alongside` (see appendToOutbox). */
  async publish(
    trx: Knex.Transaction,
    events: readonly EventToEmit[],
    at: Date = this.now(),
    alongside: readonly Knex.QueryBuilder[] = [],
  ): Promise<void> {
    const rows: OutgoingEvent[] = [];
    for (const e of events) {
      const descriptor = e.descriptor as EventDescriptor<unknown>;
      const payload = descriptor.codec.encode(e.data).finish();
      for (const d of e.to) {
        rows.push({
          topic: this.topicOf(d),
          event: {
            id: this.newId(),
            source: eventSource(this.here, this.deps.service),
            type: descriptor.type,
            subject: e.subject,
            time: at,
            dataschema: dataschemaFor(descriptor.message),
            data: payload,
          },
        });
      }
    }
    await appendToOutbox(trx, rows, alongside);
  }
}
