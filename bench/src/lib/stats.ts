/** Small statistics helpers: percentiles of latency samples and medians across repetitions. */

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export interface LatencySummary {
  p50: number;
  p99: number;
}

export function summarise(samplesMs: number[]): LatencySummary {
  const sorted = samplesMs.sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
}

/** Milliseconds since an arbitrary origin, high resolution. */
export function nowMs(): number {
  return performance.now();
}

/**
 * CPU time (user + system) this process has used, in ms. Per operation it is the metric least
 * disturbed by other load on the machine, and it counts exactly what runs in Node: the client
 * library or the platform code, not the broker's or the database's work.
 */
export function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/**
 * Runs `total` async operations with at most `concurrency` in flight; returns the per-operation
 * latencies (ms), the wall time of the whole run (ms) and the CPU time it took (ms).
 */
export async function runClosedLoop(
  total: number,
  concurrency: number,
  op: (i: number) => Promise<unknown>,
): Promise<{ latencies: number[]; elapsedMs: number; cpuMs: number }> {
  const latencies = new Array<number>(total);
  let next = 0;
  const cpu0 = cpuMs();
  const started = nowMs();
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= total) return;
      const t0 = nowMs();
      await op(i);
      latencies[i] = nowMs() - t0;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
  return { latencies, elapsedMs: nowMs() - started, cpuMs: cpuMs() - cpu0 };
}
