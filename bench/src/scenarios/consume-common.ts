/**
 * Shared by the consume variants: a fresh consumer group per pass reads the whole pre-produced
 * topic from the beginning. Throughput is timed from the first message handled to the last, so
 * group join and the first fetch are not counted.
 */
import { PerformanceObserver, type PerformanceEntry } from "node:perf_hooks";
import { cpuMs, nowMs } from "../lib/stats";

/**
 * Partitions a consumer applies at the same time, on both sides: what a node does by default
 * (JINLIAN_CONSUMER_CONCURRENT_PARTITIONS), so the bare consumer overlaps its commits too.
 */
export const CONCURRENT_PARTITIONS = 3;

export class Countdown {
  private n = 0;
  private want = 0;
  first = 0;
  last = 0;
  firstCpu = 0;
  lastCpu = 0;
  private resolve?: () => void;

  expect(want: number, what: string): Promise<void> {
    this.n = 0;
    this.want = want;
    return new Promise((resolve, reject) => {
      this.resolve = resolve;
      setTimeout(() => reject(new Error(`only ${this.n} of ${want} ${what} after 120 s`)), 120_000).unref();
    });
  }

  hit(): void {
    const t = nowMs();
    if (this.n === 0) {
      this.first = t;
      this.firstCpu = cpuMs();
    }
    this.last = t;
    // CPU is read at the first and the last message only: a read is a system call, and one per
    // message added about 2 µs to each side's per-event figure.
    if (++this.n === this.want) {
      this.lastCpu = cpuMs();
      this.resolve?.();
    }
  }
}

/**
 * Runs one pass over `n` messages of `topic`: events/s, CPU µs per event and the main thread's
 * garbage-collection pauses in µs per event, first to last message. The pauses show how much of
 * a side's CPU is the collector's (its helper threads' share is in the CPU figure only).
 */
export async function consumePass(
  n: number,
  topic: string,
  consumer: { start(countdown: Countdown): Promise<void>; stop(): Promise<void> },
): Promise<{ eventsPerS: number; cpuUs: number; gcUs: number }> {
  const countdown = new Countdown();
  const done = countdown.expect(n, `messages of ${topic}`);
  // Entries arrive after the fact, so all are kept and those inside the window counted at the end.
  const pauses: PerformanceEntry[] = [];
  const gc = new PerformanceObserver((list) => void pauses.push(...list.getEntries()));
  gc.observe({ entryTypes: ["gc"] });
  await consumer.start(countdown);
  try {
    await done;
  } finally {
    await consumer.stop();
    gc.disconnect();
  }
  const inWindow = pauses.filter((p) => p.startTime >= countdown.first && p.startTime <= countdown.last);
  return {
    eventsPerS: ((n - 1) / (countdown.last - countdown.first)) * 1000,
    cpuUs: ((countdown.lastCpu - countdown.firstCpu) * 1000) / (n - 1),
    gcUs: (inWindow.reduce((sum, p) => sum + p.duration, 0) * 1000) / (n - 1),
  };
}

/**
 * One upsert of a run's new events: a row per aggregate, adding its count of events. `param`
 * writes the i-th placeholder (pg's `$n`, knex's `?`).
 */
export function projectionOfRun(subjects: readonly string[], param: (i: number) => string): { sql: string; params: (string | number)[] } {
  const counts = new Map<string, number>();
  for (const s of subjects) counts.set(s, (counts.get(s) ?? 0) + 1);
  const params = [...counts].flat();
  const values = [...counts.keys()].map((_, i) => `(${param(2 * i + 1)}, ${param(2 * i + 2)}::int)`);
  return {
    sql:
      `insert into "projection" ("aggregate_id", "events") values ${values.join(", ")} ` +
      'on conflict ("aggregate_id") do update set "events" = "projection"."events" + excluded."events"',
    params,
  };
}
