import { metrics, type Meter } from "@opentelemetry/api";

export const METER_NAME = "@jinlian/chassis";

/** The chassis' meter; a no-op until a MeterProvider is registered (see bootstrap). */
export function meter(): Meter {
  return metrics.getMeter(METER_NAME);
}
