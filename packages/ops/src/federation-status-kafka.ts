/**
 * Bounded Kafka reads for the status command: every step has a deadline, and a cluster that does
 * not answer costs seconds, not kafkajs's default minutes of retries.
 */
import { randomBytes } from "node:crypto";
import { Kafka, logLevel, type Admin } from "kafkajs";
import { kafkaClientSecurity, type KafkaSecurity } from "@jinlian/subscriber";

export class TimeoutError extends Error {}

/** `p`, or a TimeoutError after `ms`; the loser is left to settle (and is caught). */
export async function withTimeout<T>(p: Promise<T>, ms: number, what: string | (() => string)): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`${typeof what === "string" ? what : what()}: no answer within ${ms} ms`)), ms);
  });
  p.catch(() => undefined);
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A client that fails fast: one retry, short connection and request timeouts, no logging. */
export function statusKafka(brokers: readonly string[], timeoutMs: number, security?: KafkaSecurity): Kafka {
  return new Kafka({
    clientId: "jinlian-ops",
    brokers: [...brokers],
    ...kafkaClientSecurity(security),
    connectionTimeout: Math.min(3000, timeoutMs),
    requestTimeout: timeoutMs,
    retry: { retries: 1, initialRetryTime: 200, maxRetryTime: 1000 },
    // Failures are reported in the status itself; kafkajs's own lines would only repeat them.
    logLevel: logLevel.NOTHING,
  });
}

export interface PartitionOffsets {
  partition: number;
  /** Log start offset. */
  low: number;
  /** Last stable offset: the end a read-committed reader sees (kafkajs lists offsets read committed). */
  end: number;
}

export async function topicOffsets(admin: Admin, topic: string, timeoutMs: number): Promise<PartitionOffsets[]> {
  const offsets = await withTimeout(admin.fetchTopicOffsets(topic), timeoutMs, `end offsets of ${topic}`);
  return offsets
    .map((p) => ({ partition: p.partition, low: Number(p.low), end: Number(p.high) }))
    .sort((a, b) => a.partition - b.partition);
}

/** Runs `fn` over `items`, at most `limit` at a time, keeping the order of results. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

export interface ReadRange {
  topic: string;
  partition: number;
  /** First offset wanted. */
  from: number;
  /** Read up to here (exclusive): the end offset when the read was planned. */
  to: number;
  /** Stop at the first record (the oldest one waiting, say). */
  firstOnly?: boolean;
}

export interface ReadRecord {
  topic: string;
  partition: number;
  offset: number;
  key: Buffer | null;
  value: Buffer | null;
  /** Kafka record timestamp, ms since the epoch (MirrorMaker keeps the source's). */
  timestamp: number;
}

/**
 * Deletes a reader's group once its member has left, so runs leave nothing behind; just after
 * the leave the coordinator may still call the group non-empty, so try again briefly.
 */
async function deleteGroup(admin: Admin, groupId: string): Promise<void> {
  const deadline = Date.now() + 3000;
  for (;;) {
    try {
      await withTimeout(admin.deleteGroups([groupId]), Math.max(1, deadline - Date.now()), "deleting a reader's group");
      return;
    } catch {
      if (Date.now() + 200 >= deadline) return;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

const rangeKey = (topic: string, partition: number) => `${topic}\u0000${partition}`;

/**
 * The data records of some offset ranges, read committed, in offset order per partition.
 * kafkajs has no assign(): a throwaway consumer group (nothing committed, deleted afterwards)
 * subscribes to the topics, and as it joins, before its first fetch, every partition is moved to
 * where it is wanted — the others of the same topics to their end, so nothing else is fetched.
 * A partition is done when a batch reaches `to`, counting transaction markers and aborted
 * records (kafkajs keeps them out of `messages` but reports them in its batch events), or, with
 * `firstOnly`, at its first record.
 */
export async function readRanges(kafka: Kafka, admin: Admin, ranges: readonly ReadRange[], timeoutMs: number): Promise<ReadRecord[]> {
  const wanted = ranges.filter((r) => r.to > r.from);
  if (wanted.length === 0) return [];
  const pending = new Map(wanted.map((r) => [rangeKey(r.topic, r.partition), r]));
  const topics = [...new Set(wanted.map((r) => r.topic))];
  const deadline = Date.now() + timeoutMs;
  const left = () => Math.max(1, deadline - Date.now());
  const ends = new Map<string, number>();
  for (const topic of topics) for (const p of await topicOffsets(admin, topic, left())) ends.set(rangeKey(topic, p.partition), p.end);

  const records: ReadRecord[] = [];
  const groupId = `jinlian-ops-status-${randomBytes(6).toString("hex")}`;
  const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 250, readUncommitted: false });
  let settle: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => {
    settle = resolve;
  });
  const done = (topic: string, partition: number) => {
    pending.delete(rangeKey(topic, partition));
    if (pending.size === 0) settle();
  };
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    for (const [topic, partitions] of Object.entries(payload.memberAssignment))
      for (const partition of partitions) {
        const key = rangeKey(topic, partition);
        const offset = pending.get(key)?.from ?? ends.get(key);
        if (offset !== undefined) consumer.seek({ topic, partition, offset: String(offset) });
      }
  });
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    const r = pending.get(rangeKey(payload.topic, payload.partition));
    if (r && Number(payload.lastOffset) + 1 >= r.to) done(r.topic, r.partition);
  });
  try {
    await withTimeout(consumer.connect(), left(), "connecting a reader");
    await withTimeout(consumer.subscribe({ topics, fromBeginning: true }), left(), "subscribing a reader");
    await withTimeout(
      consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          const r = pending.get(rangeKey(batch.topic, batch.partition));
          if (!r) return;
          for (const m of batch.messages) {
            const offset = Number(m.offset);
            // A fetch may start before the range (a batch holds whole record batches).
            if (offset < r.from || offset >= r.to) continue;
            records.push({
              topic: batch.topic,
              partition: batch.partition,
              offset,
              key: m.key,
              value: m.value,
              timestamp: Number(m.timestamp),
            });
            if (r.firstOnly) {
              done(r.topic, r.partition);
              return;
            }
          }
        },
      }),
      left(),
      "starting a reader",
    );
    await withTimeout(finished, left(), () => `reading ${[...pending.values()].map((r) => `${r.topic}[${r.partition}]`).join(", ")}`);
  } finally {
    await withTimeout(consumer.disconnect(), 3000, "stopping a reader").catch(() => undefined);
    await deleteGroup(admin, groupId);
  }
  return records.sort((a, b) => (a.topic === b.topic ? a.partition - b.partition || a.offset - b.offset : a.topic < b.topic ? -1 : 1));
}
