import { randomUUID } from "node:crypto";
import type { HeldMessage, MessageOutcome } from "@jinlian/subscriber";
import type { Knex } from "knex";
import type { Kafka } from "kafkajs";
import type { Logger } from "../logging/logger";

/** Which dead letters to replay; every set field narrows. */
export interface DeadLetterFilter {
  /** CloudEvents type, e.g. jinlian.bulletins.bulletin.published.v1. */
  readonly type?: string;
  /** The aggregate (Kafka key). */
  readonly key?: string;
  /** Dead-lettered at or after. */
  readonly from?: Date;
  /** Dead-lettered before. */
  readonly until?: Date;
}

/** What a consumer offers a replay: its name, its dead-letter topic and its way of applying one message. */
export interface ReplayTarget {
  readonly name: string;
  readonly deadLetterTopic: string;
  redeliver(message: HeldMessage): Promise<MessageOutcome>;
}

export interface ReplayOptions {
  readonly kafka: Kafka;
  /** The service's database (its schema): replays are recorded in `dead_letter_replays`. */
  readonly db: Knex;
  readonly target: ReplayTarget;
  readonly filter?: DeadLetterFilter;
  /** List what would be replayed; change nothing. */
  readonly dryRun?: boolean;
  /** Who asked, for the record. */
  readonly actor: string;
  readonly logger: Logger;
}

export type ReplayOutcome =
  | MessageOutcome
  /** Dry run: would be replayed. */
  | "would-replay"
  /** Replayed before with success; not again. */
  | "already-replayed"
  /** An earlier letter of the same aggregate failed again in this run: replaying this one would reorder. */
  | "behind-failure"
  /** The letter carries no payload (it was too large): replay it from the original topic. */
  | "payload-omitted";

export interface ReplayedLetter {
  readonly partition: number;
  readonly offset: string;
  readonly key: string;
  readonly type: string;
  readonly id: string;
  readonly reason: string;
  readonly deadLetteredAt: string;
  /** Where the event was consumed from. */
  readonly originalTopic: string;
  readonly outcome: ReplayOutcome;
}

interface Letter {
  partition: number;
  offset: string;
  key: string;
  value: Buffer | null;
  headers: Record<string, string>;
}

/**
 * Replays a consumer's dead letters through the consumer itself — the same inbound checks,
 * handler, inbox (so an event applied since is not applied twice) and dead letters — in the order
 * they were dead-lettered, which keeps each aggregate's order: once a letter fails again, later
 * letters of its aggregate are left for the next run. Each replay is recorded with its outcome in
 * `dead_letter_replays`; a letter replayed with success is not replayed again. The consumer should
 * be quiet meanwhile (run this where the node's own consumer is stopped, or accept that live
 * events may interleave with replayed ones of other aggregates).
 */
export async function replayDeadLetters(options: ReplayOptions): Promise<ReplayedLetter[]> {
  const { target, filter = {} } = options;
  const letters = (await readTopic(options.kafka, target.deadLetterTopic)).filter((l) => matches(l, target.name, filter));
  const done = new Set(
    (
      (await options
        .db("dead_letter_replays")
        .where({ dlq_topic: target.deadLetterTopic, outcome: "handled" })
        .select("partition", "kafka_offset")) as { partition: number; kafka_offset: string }[]
    ).map((r) => `${r.partition}:${r.kafka_offset}`),
  );
  const failed = new Set<string>();
  const out: ReplayedLetter[] = [];
  for (const l of letters) {
    const h = l.headers;
    const base = {
      partition: l.partition,
      offset: l.offset,
      key: l.key,
      type: h.ce_type ?? "",
      id: h.ce_id ?? "",
      reason: h.jinlian_dlq_reason ?? "",
      deadLetteredAt: h.jinlian_dlq_time ?? "",
      originalTopic: h.jinlian_dlq_topic ?? "",
    };
    const aggregate = `${base.originalTopic}\u0000${l.key}`;
    let outcome: ReplayOutcome;
    if (done.has(`${l.partition}:${l.offset}`)) outcome = "already-replayed";
    else if (failed.has(aggregate)) outcome = "behind-failure";
    else if (l.value === null || h.jinlian_dlq_payload_omitted !== undefined) outcome = "payload-omitted";
    else if (options.dryRun) outcome = "would-replay";
    else {
      const original: Record<string, string> = {};
      for (const [k, v] of Object.entries(h)) if (!k.startsWith("jinlian_dlq_")) original[k] = v;
      outcome = await target.redeliver({
        topic: base.originalTopic,
        partition: Number(h.jinlian_dlq_partition ?? 0),
        offset: h.jinlian_dlq_offset ?? "0",
        key: l.key,
        type: base.type,
        id: base.id,
        source: h.ce_source ?? "",
        headers: original,
        value: l.value,
        reason: "UNKNOWN_TYPE",
      });
    }
    if (outcome === "dead-lettered" || outcome === "payload-omitted" || outcome === "behind-failure") failed.add(aggregate);
    if (!options.dryRun && outcome !== "already-replayed")
      await options.db("dead_letter_replays").insert({
        dlq_topic: target.deadLetterTopic,
        partition: l.partition,
        kafka_offset: l.offset,
        event_id: base.id,
        event_type: base.type,
        message_key: l.key,
        outcome,
        actor: options.actor,
      });
    out.push({ ...base, outcome });
  }
  options.logger.info(
    { consumer: target.name, dryRun: options.dryRun ?? false, letters: out.length, outcomes: countBy(out.map((o) => o.outcome)) },
    "dead letters replayed",
  );
  return out;
}

function matches(l: Letter, consumer: string, f: DeadLetterFilter): boolean {
  const h = l.headers;
  if (h.jinlian_dlq_consumer !== consumer) return false;
  if (f.type && h.ce_type !== f.type) return false;
  if (f.key && l.key !== f.key) return false;
  const at = Date.parse(h.jinlian_dlq_time ?? "");
  if (f.from && !(at >= f.from.getTime())) return false;
  if (f.until && !(at < f.until.getTime())) return false;
  return true;
}

function countBy(values: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}

/** Every message of a topic up to its end when the call began, in partition then offset order. */
async function readTopic(kafka: Kafka, topic: string): Promise<Letter[]> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map<number, bigint>();
  try {
    for (const p of await admin.fetchTopicOffsets(topic)) if (BigInt(p.high) > BigInt(p.low)) ends.set(p.partition, BigInt(p.high));
  } finally {
    await admin.disconnect();
  }
  const letters: Letter[] = [];
  if (ends.size === 0) return letters;
  const groupId = `jinlian-replay-${randomUUID()}`;
  const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const remaining = new Set(ends.keys());
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          autoCommit: false,
          eachMessage: async ({ partition, message }) => {
            const end = ends.get(partition);
            if (end === undefined || BigInt(message.offset) >= end) return;
            letters.push({
              partition,
              offset: message.offset,
              key: message.key?.toString() ?? "",
              value: message.value,
              headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)])),
            });
            if (BigInt(message.offset) >= end - 1n) {
              remaining.delete(partition);
              if (remaining.size === 0) resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
    const admin2 = kafka.admin();
    await admin2.connect();
    await admin2.deleteGroups([groupId]).catch(() => undefined);
    await admin2.disconnect();
  }
  return letters.sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
}
