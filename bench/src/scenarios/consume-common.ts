/**
 * Shared by the consume variants: a fresh consumer group per pass reads the whole pre-produced
 * topic from the beginning. Throughput is timed from the first message handled to the last, so
 * group join and the first fetch are not counted.
 */
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

/** Runs one pass over `n` messages of `topic`: events/s and CPU µs per event, first to last message. */
export async function consumePass(
  n: number,
  topic: string,
  consumer: { start(countdown: Countdown): Promise<void>; stop(): Promise<void> },
): Promise<{ eventsPerS: number; cpuUs: number }> {
  const countdown = new Countdown();
  const done = countdown.expect(n, `messages of ${topic}`);
  await consumer.start(countdown);
  try {
    await done;
  } finally {
    await consumer.stop();
  }
  return {
    eventsPerS: ((n - 1) / (countdown.last - countdown.first)) * 1000,
    cpuUs: ((countdown.lastCpu - countdown.firstCpu) * 1000) / (n - 1),
  };
}
