/** Kafka helpers for integration tests. */
import { randomBytes } from "node:crypto";
import type { Admin, ITopicConfig } from "kafkajs";

/** The bootstrap list exported by global setup (`KAFKA_BROKERS`, comma-separated). */
export function kafkaBrokers(): string[] {
  const value = process.env.KAFKA_BROKERS;
  const brokers = (value ?? "")
    .split(",")
    .map((b) => b.trim())
    .filter((b) => b.length > 0);
  if (brokers.length === 0) {
    throw new Error(
      "KAFKA_BROKERS is not set: run integration tests through jest with tests/harness/global-setup.ts, " +
        "or set KAFKA_BROKERS (e.g. 127.0.0.1:19092)",
    );
  }
  return brokers;
}

/**
 * A short unique string for topic names, group ids and client ids, e.g. `smoke-mifx3k2a-9c1e4f`.
 * Only `[a-z0-9-]` (legal in topic names; no `.`/`_`, which Kafka treats as colliding in metric
 * names), so `${ns}.events` style suffixes stay readable. The prefix is sanitised and shortened.
 */
export function uniqueNamespace(prefix: string): string {
  const safe = prefix
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 32);
  const ns = `${safe || "t"}-${Date.now().toString(36)}-${randomBytes(3).toString("hex")}`;
  // Noted for the test environment, which deletes the namespace's topics when the file is done.
  (globalThis as { __jinlianNamespaces?: string[] }).__jinlianNamespaces?.push(ns);
  return ns;
}

export interface WaitForOptions {
  /** Give up after this long. */
  timeoutMs: number;
  /** Pause between attempts. */
  intervalMs: number;
  /** What is awaited, for the timeout error: "3 messages on orders". */
  what: string;
}

/**
 * Polls `fn` until it returns something other than `undefined` or `false`, and returns that.
 * A throwing attempt counts as "not yet" (its error is reported if time runs out).
 */
export async function waitFor<T>(fn: () => Promise<T | undefined | false>, opts: WaitForOptions): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  let attempts = 0;
  let lastError: unknown;
  for (;;) {
    attempts++;
    try {
      const value = await fn();
      if (value !== undefined && value !== false) return value;
      lastError = undefined;
    } catch (err) {
      lastError = err;
    }
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      const cause =
        lastError === undefined ? "" : `; last attempt threw: ${lastError instanceof Error ? lastError.message : String(lastError)}`;
      throw new Error(`timed out after ${opts.timeoutMs} ms waiting for ${opts.what} (${attempts} attempts)${cause}`, { cause: lastError });
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(opts.intervalMs, remaining)));
  }
}

/**
 * Creates topics and waits until the broker serves metadata with a leader for every partition.
 *
 * Use this instead of `admin.createTopics({ waitForLeaders: true })`: against a KRaft broker the
 * broker's metadata cache trails the controller for a moment after CreateTopics returns, and
 * kafkajs 2.2.4's leader wait only retries LEADER_NOT_AVAILABLE, so it throws "This server does
 * not host this topic-partition" (UNKNOWN_TOPIC_OR_PARTITION) when the machine is busy
 * (tulios/kafkajs#1563, #815). Topics that already exist are left as they are.
 */
export async function createTopicsAndWait(admin: Admin, topics: ITopicConfig[], opts: { timeoutMs?: number } = {}): Promise<void> {
  await admin.createTopics({ topics, waitForLeaders: false });
  const names = topics.map((t) => t.topic);
  await waitFor(
    async () => {
      const { topics: metadata } = await admin.fetchTopicMetadata({ topics: names });
      return topics.every((wanted) => {
        const found = metadata.find((m) => m.name === wanted.topic);
        if (!found || found.partitions.length === 0) return false;
        if (wanted.numPartitions !== undefined && found.partitions.length < wanted.numPartitions) {
          return false;
        }
        return found.partitions.every((p) => p.leader >= 0);
      });
    },
    {
      timeoutMs: opts.timeoutMs ?? 30_000,
      intervalMs: 100,
      what: `leaders for ${names.join(", ")}`,
    },
  );
}
