/** The listing both SQL variants run: first page (20) of all bulletins, newest first, sequentially. */
import type { RepMetrics, ScenarioRun } from "../lib/protocol";
import { runClosedLoop, summarise } from "../lib/stats";

export const PAGE_SIZE = 20;

export function sqlRun(calls: number, warmupFraction: number, list: () => Promise<number>, stop: () => Promise<void>): ScenarioRun {
  const once = async () => {
    const n = await list();
    if (n !== PAGE_SIZE) throw new Error(`expected a page of ${PAGE_SIZE}, got ${n}`);
  };
  return {
    async warmup() {
      await runClosedLoop(Math.ceil(calls * warmupFraction), 1, once);
    },
    async measure(): Promise<RepMetrics> {
      const { latencies, elapsedMs, cpuMs } = await runClosedLoop(calls, 1, once);
      const { p50, p99 } = summarise(latencies);
      return { p50_ms: p50, p99_ms: p99, calls_per_s: (calls / elapsedMs) * 1000, cpu_us: (cpuMs * 1000) / calls };
    },
    teardown: stop,
  };
}
