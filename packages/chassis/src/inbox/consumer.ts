import {
  Subscriber,
  typesAllowedOn,
  type BatchItem,
  type HeldMessage,
  type MessageHold,
  type MessageOutcome,
  type EventDescriptor,
  type PartitionLag,
  type PayloadRules,
  type ReceivedEvent,
} from "@jinlian/subscriber";
import type { Knex } from "knex";
import type { Kafka, Producer } from "kafkajs";
import { ApplicationError, InvalidArgumentError, isDatabaseOutage, NotYetApplicableError, type FieldViolation } from "../common/errors";
import type { Logger } from "../logging/logger";
import { sendLeftForCommit } from "../persistence/database";
import { meter } from "../telemetry/metrics";

/**
 * What the chassis checks on an event's payload before the inbox row is written and the handler
 * runs (the subscriber's payload rules); a failed check dead-letters the event at once (never retried).
 */
export type InboxChecks<T> = PayloadRules<T>;

/**
 * A handler applied inside the transaction that also records the event in the inbox. It may run
 * more than once for an event (a retry, a run of events undone and applied again): only its
 * effects through `trx` count, and those commit once.
 */
export interface InboxBinding {
  readonly descriptor: EventDescriptor<never>;
  readonly handle: (event: ReceivedEvent<never>, trx: Knex.Transaction) => Promise<void>;
  readonly checks?: PayloadRules<never>;
  /** Applies consecutive new events of a run together (see InboxRun); `handle` still applies one alone. */
  readonly run?: InboxRun;
}

/**
 * Applies several new events at once inside a run's transaction, e.g. in one statement where
 * `handle` would run one statement per event: on a node's hardware each statement's round trip
 * costs more CPU than the rest of an event's handling. Bindings given the same InboxRun have
 * their consecutive new events in a run applied by one call, in partition order. It must leave
 * the state `handle` would, applied to each in turn. When it throws, the run is undone and
 * applied again one event at a time through `handle`, so an event refused is found and dealt
 * with alone (dead-lettered, held, retried) as it would have been.
 */
export interface InboxRun {
  readonly apply: (events: readonly ReceivedEvent<never>[], trx: Knex.Transaction) => Promise<void>;
}

export function inboxRun<T>(apply: (events: readonly ReceivedEvent<T>[], trx: Knex.Transaction) => Promise<void>): InboxRun {
  return { apply: apply as InboxRun["apply"] };
}

export function inboxHandler<T>(
  descriptor: EventDescriptor<T>,
  handle: (event: ReceivedEvent<T>, trx: Knex.Transaction) => Promise<void>,
  checks?: InboxChecks<T>,
  run?: InboxRun,
): InboxBinding {
  return {
    descriptor: descriptor as EventDescriptor<never>,
    handle: handle as InboxBinding["handle"],
    checks,
    run,
  };
}

/**
 * The violations a throwing domain validator finds (the same one gRPC input goes through), for
 * InboxChecks.validate; `prefix` places its fields in the event, e.g. "data.". Errors other than
 * InvalidArgumentError propagate. A violation of the payload as a whole (field "") keeps field "".
 */
export function violationsOf(validate: () => unknown, prefix = ""): FieldViolation[] {
  try {
    validate();
    return [];
  } catch (err) {
    if (!(err instanceof InvalidArgumentError)) throw err;
    return err.violations.map((v) => ({ field: v.field === "" ? "" : `${prefix}${v.field}`, description: v.description }));
  }
}

interface HeldRow {
  seq: string;
  topic: string;
  partition: number;
  kafka_offset: string;
  message_key: string;
  event_type: string;
  event_id: string;
  event_source: string;
  headers: Record<string, string>;
  payload: Buffer;
  reason: string;
}

export interface EventConsumerOptions {
  kafka: Kafka;
  db: Knex;
  /** Names the consumer in the inbox, spans, metrics and logs, e.g. "deliveries". */
  name: string;
  groupId: string;
  topics: readonly string[];
  handlers: readonly InboxBinding[];
  deadLetterTopic: string;
  producer: Producer;
  logger: Logger;
  maxAttempts?: number;
  retryBackoffMs?: number;
  /**
   * The types this node's contract version knows on a topic (the stream catalogue's, by
   * default). Others are held with every later event of their aggregate until an upgraded
   * consumer knows them.
   */
  knownTypes?: (topic: string) => readonly string[];
  /**
   * Events a partition's run applies in one transaction; 1 applies every event in its own
   * transaction. Default 500.
   */
  batchSize?: number;
  /**
   * Partitions applied at the same time, each in order and on its own connection of `db`'s pool.
   * Default 1.
   */
  concurrentPartitions?: number;
}

/**
 * Applies a share of a run through its InboxRun. Each event's CONSUMER span lasts while the
 * shared write does, since that write is its processing; the write itself runs under none of them.
 */
async function applyTogether(run: InboxRun, share: readonly BatchItem[], trx: Knex.Transaction): Promise<void> {
  const written = run.apply(
    share.map((item) => item.event as ReceivedEvent<never>),
    trx,
  );
  const spans = share.map((item) => item.within(() => written));
  try {
    await written;
  } finally {
    await Promise.allSettled(spans);
  }
}

/**
 * Infrastructure trouble — the database out of reach, a serialization failure or deadlock —
 * is retried, never dead-lettered. (A unique violation is not: in a handler it is a refusal.)
 */
export function isTransientDatabaseError(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return isDatabaseOutage(err) || code === "40001" || code === "40P01";
}

/**
 * A service's idempotent consumer: the subscriber SDK (ordered, commit after success, dead
 * letters) with each event applied at most once through the inbox table (consumer, source, id),
 * inserted in the same transaction as the handler's effects. The subscriber checks each event
 * before that transaction begins (source against the delivery topic's sender, then the binding's
 * InboxChecks), so a refused event leaves no inbox row. An event the handler refuses with an
 * application error is dead-lettered at once; database outages are retried, never dead-lettered.
 */
export class EventConsumer {
  private readonly subscriber: Subscriber;

  private readonly log: Logger;

  constructor(private readonly options: EventConsumerOptions) {
    const log = options.logger.child({ component: "consumer", consumer: options.name });
    this.log = log;
    // Repeats the inbox turned away (a relay re-send, a redelivery after a crash): what the chaos
    // suite counts as duplicates suppressed.
    const duplicates = meter().createCounter("jinlian.inbox.duplicates", { description: "Events already in the inbox, ignored" });
    this.duplicate = (event) => {
      duplicates.add(1, { consumer: options.name });
      log.debug({ id: event.id, type: event.type }, "duplicate event ignored");
    };
    const knows = options.knownTypes ?? typesAllowedOn;
    const hold: MessageHold = {
      knows: (topic, type) => knows(topic).includes(type),
      isHeld: async (topic, key) =>
        (await options.db("inbox_held").where({ consumer: options.name, topic, message_key: key }).first("seq")) !== undefined,
      heldKeys: async (topic, keys) =>
        new Set(
          keys.length === 0
            ? []
            : ((await options
                .db("inbox_held")
                .where({ consumer: options.name, topic })
                .whereIn("message_key", keys)
                .distinct("message_key")
                .pluck("message_key")) as string[]),
        ),
      isGap: (err) => err instanceof NotYetApplicableError,
      hold: async (m) => {
        await this.storeHeld(m);
        // What arrives may fill a gap that held earlier events of its aggregate back.
        await this.drain(m.topic, m.key);
      },
    };
    this.subscriber = new Subscriber({
      hold,
      kafka: options.kafka,
      name: options.name,
      groupId: options.groupId,
      topics: options.topics,
      deadLetterTopic: options.deadLetterTopic,
      producer: options.producer,
      logger: log,
      maxAttempts: options.maxAttempts,
      retryBackoffMs: options.retryBackoffMs,
      isTransient: isTransientDatabaseError,
      isPermanent: (err) => err instanceof ApplicationError,
      concurrentPartitions: options.concurrentPartitions,
      ...((options.batchSize ?? 500) > 1 ? { batch: { apply: (items) => this.applyRun(items), maxEvents: options.batchSize ?? 500 } } : {}),
    });
    this.applyOnce = async (event, trx) => {
      const fresh = await trx("inbox")
        .insert({ consumer: options.name, event_source: event.source, event_id: event.id, event_type: event.type })
        .onConflict(["consumer", "event_source", "event_id"])
        .ignore()
        .returning("event_id");
      if (fresh.length === 0) return this.duplicate(event);
      await this.bindings.get(event.type)!.handle(event as ReceivedEvent<never>, trx);
    };
    for (const binding of options.handlers) {
      // Only types the catalogue declares on these topics are handled (a district reads no read
      // receipts, the city no publications); anything else that arrives is skipped.
      if (!options.topics.some((t) => typesAllowedOn(t).includes(binding.descriptor.type))) continue;
      this.bindings.set(binding.descriptor.type, binding);
      this.subscriber.on(binding.descriptor, (event) => options.db.transaction((trx) => this.applyOnce(event, trx)), binding.checks);
    }
  }

  private readonly bindings = new Map<string, InboxBinding>();
  /** Records the event in the inbox and, the first time, applies its handler, in `trx`. */
  private readonly applyOnce: (event: ReceivedEvent<unknown>, trx: Knex.Transaction) => Promise<void>;

  /** Counts and logs an event the inbox already holds. */
  private readonly duplicate: (event: ReceivedEvent<unknown>) => void;

  /**
   * A run of a partition's events in one transaction: one statement records them all in the
   * inbox, then each new one's handler runs (consecutive ones sharing an InboxRun together),
   * then one commit, instead of a transaction and a commit per event. When a handler fails (not
   * transiently), the transaction is rolled back and the events before the failed one are
   * applied again in a new one; the subscriber then applies the failed event alone (retries,
   * holds, dead letters). A failed InboxRun is first taken apart: the run is applied again one
   * event at a time, to find the event that fails. A transient failure, or a failed commit,
   * undoes the whole run, which is retried.
   */
  private async applyRun(items: readonly BatchItem[]): Promise<{ applied: number; failure?: unknown }> {
    let first = await this.tryRun(items, true);
    if (first.failedAt !== undefined && first.together) first = await this.tryRun(items, false);
    if (first.failedAt === undefined) return { applied: items.length };
    if (first.failedAt === 0) return { applied: 0, failure: first.failure };
    const before = await this.tryRun(items.slice(0, first.failedAt), false);
    // Failing now where it did not before: let the subscriber take the run's first event alone.
    if (before.failedAt !== undefined) return { applied: 0, failure: before.failure };
    return { applied: first.failedAt, failure: first.failure };
  }

  /**
   * One transaction over `items`; on a handler's failure it rolls back and says where (the first
   * event of a failed InboxRun's share, `together`). `together` false applies every event alone.
   */
  private async tryRun(
    items: readonly BatchItem[],
    together: boolean,
  ): Promise<{ failedAt?: number; failure?: unknown; together?: boolean }> {
    const rollback = new Error("run rolled back");
    let failedAt: number | undefined;
    let failure: unknown;
    let failedTogether = false;
    try {
      await this.options.db.transaction(async (trx) => {
        const fresh = await this.recordAll(
          trx,
          items.map((i) => i.event),
        );
        // Once per event: a repeat in the same run, or one recorded before, is turned away.
        const isNew = (item: BatchItem): boolean => {
          if (fresh.delete(inboxKey(item.event))) return true;
          this.duplicate(item.event);
          return false;
        };
        let k = 0;
        while (k < items.length) {
          const item = items[k]!;
          const start = k++;
          if (!isNew(item)) continue;
          const binding = this.bindings.get(item.event.type)!;
          const run = together ? binding.run : undefined;
          const share = [item];
          while (run && k < items.length && this.bindings.get(items[k]!.event.type)!.run === run) {
            if (isNew(items[k]!)) share.push(items[k]!);
            k++;
          }
          try {
            if (run) await applyTogether(run, share, trx);
            else await item.within(() => binding.handle(item.event as ReceivedEvent<never>, trx));
            // A statement left for COMMIT fails here, against this event, not the next or the commit.
            await sendLeftForCommit(trx);
          } catch (err) {
            if (isTransientDatabaseError(err)) throw err;
            failedAt = start;
            failure = err;
            failedTogether = run !== undefined;
            throw rollback;
          }
        }
      });
    } catch (err) {
      if (err !== rollback) throw err;
    }
    return { failedAt, failure, together: failedTogether };
  }

  /** Inserts the events into the inbox in one statement; returns the keys of those that were not there. */
  private async recordAll(trx: Knex.Transaction, events: readonly ReceivedEvent<unknown>[]): Promise<Set<string>> {
    const sources: string[] = [];
    const ids: string[] = [];
    const types: string[] = [];
    for (const e of events) {
      sources.push(e.source);
      ids.push(e.id);
      types.push(e.type);
    }
    const { rows } = await trx.raw<{ rows: { event_source: string; event_id: string }[] }>(RECORD_ALL, [
      this.options.name,
      sources,
      ids,
      types,
    ]);
    return new Set(rows.map((r) => `${r.event_source}\u0000${r.event_id}`));
  }

  /** This consumer's name (inbox, dead letters). */
  get name(): string {
    return this.options.name;
  }

  get deadLetterTopic(): string {
    return this.options.deadLetterTopic;
  }

  /**
   * Applies one message again through this consumer (a dead letter being replayed). One that
   * finds an earlier event of its aggregate missing is held; one applied may release held ones.
   */
  async redeliver(message: HeldMessage): Promise<MessageOutcome> {
    const outcome = await this.subscriber.dispatchHeld(message);
    if (outcome === "not-yet") {
      await this.storeHeld({ ...message, reason: "GAP" });
      return "held";
    }
    if (outcome === "handled") await this.drain(message.topic, message.key);
    return outcome;
  }

  private async storeHeld(m: HeldMessage): Promise<void> {
    // A message retried by kafkajs after a failure part-way is held once.
    await this.options
      .db("inbox_held")
      .insert({
        consumer: this.options.name,
        topic: m.topic,
        partition: m.partition,
        kafka_offset: m.offset,
        message_key: m.key,
        event_type: m.type,
        event_id: m.id,
        event_source: m.source,
        headers: m.headers,
        payload: m.value,
        reason: m.reason,
      })
      .onConflict(["consumer", "event_source", "event_id"])
      .ignore();
  }

  /**
   * Tries the held events of one aggregate again, in arrival order, until a pass changes nothing:
   * an unknown type stops the pass (order is all we know about it); one still missing its
   * predecessor (`not-yet`) stays and the pass goes on, since a later one may fill the gap.
   * Returns how many were released.
   */
  private async drain(topic: string, key: string): Promise<number> {
    const knows = this.options.knownTypes ?? typesAllowedOn;
    let released = 0;
    for (;;) {
      const rows = (await this.options
        .db("inbox_held")
        .where({ consumer: this.options.name, topic, message_key: key })
        .orderBy("seq")) as HeldRow[];
      let progress = false;
      for (const row of rows) {
        if (!knows(row.topic).includes(row.event_type)) break;
        const outcome = await this.subscriber.dispatchHeld(heldFromRow(row));
        if (outcome === "not-yet") continue;
        await this.options.db("inbox_held").where({ seq: row.seq }).delete();
        released++;
        progress = true;
      }
      if (!progress || rows.length === 0) return released;
    }
  }

  /** Applies what was held and can be applied now (after an upgrade), then starts consuming. */
  async start(): Promise<void> {
    await this.releaseHeld();
    await this.subscriber.start();
  }

  /**
   * Held events this version can now apply (after an upgrade, or a gap filled while it was down)
   * are released per aggregate, in arrival order (see `drain`). Runs before live consumption, so
   * nothing overtakes them.
   */
  private async releaseHeld(): Promise<void> {
    const aggregates = (await this.options
      .db("inbox_held")
      .where({ consumer: this.options.name })
      .groupBy("topic", "message_key")
      .select("topic", "message_key")
      .min({ first: "seq" })
      .orderBy("first")) as { topic: string; message_key: string }[];
    let released = 0;
    for (const a of aggregates) {
      try {
        released += await this.drain(a.topic, a.message_key);
      } catch (err) {
        this.log.warn({ err: (err as Error).message, key: a.message_key }, "held events of an aggregate not released yet; kept");
      }
    }
    if (aggregates.length > 0) this.log.info({ aggregates: aggregates.length, released }, "held events released");
  }

  /** False from a crash until the consumer has been restarted (see Subscriber). */
  get healthy(): boolean {
    return this.subscriber.healthy;
  }

  onHealthChange(listener: (healthy: boolean) => void): this {
    this.subscriber.onHealthChange(listener);
    return this;
  }

  stop(): Promise<void> {
    return this.subscriber.stop();
  }

  lag(): Promise<PartitionLag[]> {
    return this.subscriber.lag();
  }
}

/**
 * A run's events into the inbox as three arrays, not a row of values each: the statement is the
 * same whatever the run's length, and building it costs nothing per event (knex's insert of 500
 * rows took about 2 µs an event to compile, and its garbage).
 */
const RECORD_ALL =
  "insert into inbox (consumer, event_source, event_id, event_type) select ?, e.source, e.id, e.type " +
  "from unnest(?::text[], ?::text[], ?::text[]) as e(source, id, type) " +
  "on conflict (consumer, event_source, event_id) do nothing returning event_source, event_id";

function inboxKey(event: ReceivedEvent<unknown>): string {
  return `${event.source}\u0000${event.id}`;
}

function heldFromRow(row: HeldRow): HeldMessage {
  return {
    topic: row.topic,
    partition: row.partition,
    offset: row.kafka_offset,
    key: row.message_key,
    type: row.event_type,
    id: row.event_id,
    source: row.event_source,
    headers: row.headers,
    value: row.payload,
    reason: row.reason as HeldMessage["reason"],
  };
}
