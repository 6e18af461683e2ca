import type { Knex } from "knex";
import { assertDeclared, toKafkaHeaders, type CloudEvent } from "@jinlian/subscriber";
import { writeAtCommit } from "../persistence/database";
import { carrying, together } from "../persistence/together";
import { currentTraceHeaders } from "../telemetry/tracing";

export interface OutgoingEvent {
  readonly topic: string;
  readonly event: CloudEvent;
}

/** The channel the relay of `schema` listens on; the outbox's insert trigger announces commits there. */
export function outboxChannel(schema: string): string {
  return `jinlian_outbox_${schema}`;
}

/**
 * The advisory locks (keyed by PostgreSQL's `hashtextextended(name, 0)`) by which the outbox's
 * insert trigger announces a commit only while the relay of `schema` may be asleep: the relay
 * holds `awake` while it reads anyway; every inserting transaction holds `writers` (shared)
 * until it ends. The trigger (migration 0011) spells the same names.
 */
export function outboxRelayLocks(schema: string): { awake: string; writers: string } {
  return { awake: `jinlian.outbox.awake.${schema}`, writers: `jinlian.outbox.writers.${schema}` };
}

/** Outbox rows one insert carries at most. */
const ROWS_PER_INSERT = 1000;

/**
 * Appends events to the outbox in the caller's transaction, so the state change and its events
 * commit together. The active trace context is stored with each row and the relay publishes
 * inside it, so the consumer's span joins the request's trace. `alongside`, data-modifying
 * statements of the same change not yet sent (its rows, its audit entry; see WritesAlongside),
 * go in the first insert's statement, saving a round trip each; without events they are sent as
 * one statement of their own. The last statement goes with the transaction's COMMIT, or before its
 * next statement (writeAtCommit): its failure fails the transaction there.
 */
export async function appendToOutbox(
  trx: Knex.Transaction,
  events: readonly OutgoingEvent[],
  alongside: readonly Knex.QueryBuilder[] = [],
): Promise<void> {
  if (events.length === 0) {
    const statement = together(alongside);
    if (statement) await writeAtCommit(trx, statement);
    return;
  }
  for (const { topic, event } of events) assertDeclared(topic, event.type);
  const trace = currentTraceHeaders();
  const rows = events.map(({ topic, event }) => ({
    event_id: event.id,
    topic,
    message_key: event.subject,
    event_type: event.type,
    headers: { ...toKafkaHeaders(event), ...trace },
    payload: Buffer.from(event.data),
  }));
  // In order, a statement at a time: one statement takes at most 65,535 parameters (6 a row).
  for (let from = 0; from < rows.length; from += ROWS_PER_INSERT) {
    const insert = trx("outbox").insert(rows.slice(from, from + ROWS_PER_INSERT));
    // A data-modifying WITH runs whatever the main statement returns, in the same snapshot.
    const statement = from === 0 ? carrying(insert, alongside) : insert;
    await (from + ROWS_PER_INSERT >= rows.length ? writeAtCommit(trx, statement) : statement);
  }
  // The insert's trigger (migration 0009) wakes the relay at commit; the relay polls as well.
}

/** An outbox row the relay parked because the broker can never take it as it is. */
export interface ParkedOutboxRow {
  readonly seq: string;
  readonly topic: string;
  readonly key: string;
  readonly eventType: string;
  readonly eventId: string;
  readonly bytes: number;
  readonly reason: string;
  readonly createdAt: Date;
  readonly parkedAt: Date;
  /** Later rows of the same aggregate (topic and key) waiting behind this one. */
  readonly waitingBehind: number;
}

/** The parked rows of a service's outbox, oldest first, for operators. */
export async function listParkedOutbox(db: Knex, limit = 100): Promise<ParkedOutboxRow[]> {
  const rows = (await db("outbox as p")
    .whereNotNull("p.parked_at")
    .whereNull("p.published_at")
    .orderBy("p.seq")
    .limit(limit)
    .select(
      "p.seq",
      "p.topic",
      "p.message_key",
      "p.event_type",
      "p.event_id",
      "p.parked_reason",
      "p.created_at",
      "p.parked_at",
      db.raw("octet_length(p.payload) as bytes"),
      db.raw(
        "(select count(*) from outbox w where w.topic = p.topic and w.message_key = p.message_key and w.seq > p.seq and w.published_at is null) as waiting",
      ),
    )) as {
    seq: string;
    topic: string;
    message_key: string;
    event_type: string;
    event_id: string;
    parked_reason: string;
    created_at: Date;
    parked_at: Date;
    bytes: number;
    waiting: string;
  }[];
  return rows.map((r) => ({
    seq: String(r.seq),
    topic: r.topic,
    key: r.message_key,
    eventType: r.event_type,
    eventId: r.event_id,
    bytes: Number(r.bytes),
    reason: r.parked_reason,
    createdAt: r.created_at,
    parkedAt: r.parked_at,
    waitingBehind: Number(r.waiting),
  }));
}

/**
 * Puts parked rows back in line (all, or those given by seq) once their cause is fixed — the
 * topic created, the broker's limit raised — so the relay tries them again, in order, with the
 * rows of their aggregates that waited behind them. Returns how many were requeued.
 */
export async function requeueParkedOutbox(db: Knex, seqs?: readonly string[]): Promise<number> {
  const q = db("outbox").whereNotNull("parked_at").whereNull("published_at");
  if (seqs) q.whereIn("seq", [...seqs]);
  return q.update({ parked_at: null, parked_reason: null });
}
