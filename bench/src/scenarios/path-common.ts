/**
 * Shared by the event-path variants: events are offered at a steady rate (open loop: event i is
 * due at start + i / rate, whatever became of the earlier ones) and each one's latency is taken
 * from when its sender finished (the use case's commit, or the bare producer's send call) to when
 * the subscribing side's handler ran. One long-lived subscriber per process, so group joins are
 * not measured; each pass counts only the events it sent.
 */
import { benchEvent, type BenchEvent } from "../lib/fixtures";
import type { RepMetrics, Sizes } from "../lib/protocol";
import { nowMs, percentile, runClosedLoop } from "../lib/stats";

/** Offered rates (events/s) of the curve; the table reports 1,000. */
export const PATH_RATES = [250, 1000, 2000, 4000] as const;

export class Arrivals {
  private want = 0;
  /** Events of the current pass: when their clock started (send start, then commit end if told). */
  private readonly since = new Map<string, number>();
  readonly latencies: number[] = [];
  last = 0;
  private resolve?: () => void;

  begin(want: number, timeoutMs = 120_000): Promise<void> {
    this.want = want;
    this.since.clear();
    this.latencies.length = 0;
    return new Promise((resolve, reject) => {
      this.resolve = resolve;
      setTimeout(
        () => reject(new Error(`only ${this.latencies.length} of ${want} events arrived after ${timeoutMs / 1000} s`)),
        timeoutMs,
      ).unref();
    });
  }

  /** `id` is about to be sent: its clock starts (the bare producer's send call). */
  sending(id: string): void {
    this.since.set(id, nowMs());
  }

  /** `id` is committed: its clock starts again from here (the use case's commit returned). */
  committed(id: string): void {
    if (this.since.has(id)) this.since.set(id, nowMs());
  }

  /** The handler ran for `id`; events of other passes are ignored. */
  arrived(id: string): void {
    const since = this.since.get(id);
    if (since === undefined) return;
    this.since.delete(id);
    const t = nowMs();
    this.latencies.push(Math.max(0, t - since));
    this.last = t;
    if (this.latencies.length >= this.want) this.resolve?.();
  }
}

/**
 * Offers `n` events at `rate`/s through `send(i)` (at most `maxInFlight` unfinished: a sender
 * that falls behind is seen as latency, not hidden by queueing without bound); waits for all to
 * arrive. Returns p50/p99 latency and the throughput achieved from the first due time to the last arrival.
 */
export async function offer(
  arrivals: Arrivals,
  n: number,
  rate: number,
  maxInFlight: number,
  send: (i: number) => Promise<void>,
  timeoutMs?: number,
): Promise<{ p50: number; p99: number; eventsPerS: number }> {
  const done = arrivals.begin(n, timeoutMs);
  const start = nowMs();
  const inFlight = new Set<Promise<void>>();
  for (let i = 0; i < n; i++) {
    const wait = start + (i * 1000) / rate - nowMs();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    while (inFlight.size >= maxInFlight) await Promise.race(inFlight);
    const p: Promise<void> = send(i).finally(() => inFlight.delete(p));
    inFlight.add(p);
  }
  await Promise.all(inFlight);
  await done;
  const sorted = [...arrivals.latencies].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), eventsPerS: (n / (arrivals.last - start)) * 1000 };
}

/** Metric keys of one rate, e.g. p99_ms_1000. */
export const keyAt = (metric: string, rate: number) => `${metric}_${rate}`;

/**
 * Until the subscribing side reads what is sent: a new group that starts at the log's end can
 * miss the events sent before it has its partitions, so small passes are offered until one
 * arrives whole; then a full warm-up pass.
 */
export async function warmUp(arrivals: Arrivals, send: (i: number) => Promise<void>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await offer(arrivals, 50, 200, 64, send, 10_000);
      break;
    } catch (err) {
      // Some arrived: the subscriber reads; a slow start is what the full pass below absorbs.
      if (arrivals.latencies.length > 0) break;
      if (attempt >= 12) throw err;
    }
  }
  await offer(arrivals, 200, 200, 64, send);
}

/**
 * One repetition: each offered rate of the curve through `one` (event i), then the sustained pass
 * through `hundred` (100 events at a time, 4 at once). `hundred` is told the events after their
 * clocks started; it reports commits itself where it has them.
 */
export async function measurePath(
  arrivals: Arrivals,
  sizes: Pick<Sizes, "pathSeconds" | "pathSustainedEvents">,
  one: (i: number) => Promise<void>,
  hundred: (events: BenchEvent[]) => Promise<void>,
): Promise<RepMetrics> {
  const metrics: RepMetrics = {};
  for (const rate of PATH_RATES) {
    const r = await offer(arrivals, Math.round(rate * sizes.pathSeconds), rate, 256, one);
    metrics[keyAt("p50_ms", rate)] = r.p50;
    metrics[keyAt("p99_ms", rate)] = r.p99;
    metrics[keyAt("events_per_s", rate)] = r.eventsPerS;
  }
  const n = sizes.pathSustainedEvents;
  const done = arrivals.begin(n);
  const t0 = nowMs();
  await runClosedLoop(n / 100, 4, async (b) => {
    const events = Array.from({ length: 100 }, (_, k) => benchEvent(b * 100 + k));
    for (const e of events) arrivals.sending(e.id);
    await hundred(events);
  });
  await done;
  metrics.sustained_events_per_s = (n / (arrivals.last - t0)) * 1000;
  return metrics;
}
