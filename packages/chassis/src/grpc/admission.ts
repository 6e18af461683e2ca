import { meter } from "../telemetry/metrics";

/** Default bound on calls a node process works on at once. */
export const DEFAULT_MAX_CONCURRENT_CALLS = 64;

/**
 * Bounds how many calls a process works on at once, across all its services. A call past the
 * bound is shed at once with RESOURCE_EXHAUSTED instead of queueing behind the others until every
 * caller's deadline has passed; health checks are not counted, so an overloaded node still
 * answers its probes.
 */
export class CallAdmission {
  private inFlight = 0;
  private readonly shed = meter().createCounter("jinlian.rpc.shed", { description: "Calls refused because the process was at its bound" });

  constructor(readonly maxConcurrent = DEFAULT_MAX_CONCURRENT_CALLS) {
    if (!Number.isInteger(maxConcurrent) || maxConcurrent < 1)
      throw new Error(`maxConcurrent must be a positive integer, got ${maxConcurrent}`);
    meter()
      .createObservableGauge("jinlian.rpc.in_flight", { description: "Calls being worked on" })
      .addCallback((r) => r.observe(this.inFlight));
  }

  /** Takes a slot, or returns false (and counts the shed call) when none is free. */
  tryEnter(method: string): boolean {
    if (this.inFlight >= this.maxConcurrent) {
      this.shed.add(1, { "rpc.method": method });
      return false;
    }
    this.inFlight++;
    return true;
  }

  leave(): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
  }

  get current(): number {
    return this.inFlight;
  }
}
