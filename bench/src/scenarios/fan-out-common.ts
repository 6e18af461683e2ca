/**
 * Shared by the fan-out variants: the city sends one bulletin to k of the 16 districts at once;
 * each district applies it and sends a read receipt back; the city applies the receipts. Per
 * bulletin, two times from the city's send (or commit): until every district has applied it, and
 * until every receipt is back at the city. Bulletins are offered at a steady rate to the first k
 * districts, for k in FAN_OUT_DISTRICTS, so the cost of the number of districts shows.
 */
import { randomUUID } from "node:crypto";
import { DISTRICT_CODES } from "@jinlian/kernel";
import type { Admin } from "kafkajs";
import type { RepMetrics, Sizes } from "../lib/protocol";
import { nowMs, percentile } from "../lib/stats";

export const CITY = "120000";
export const DISTRICTS: readonly string[] = DISTRICT_CODES;
/** Districts a bulletin goes to, in each pass; the table reports 16. */
export const FAN_OUT_DISTRICTS = [1, 4, 16] as const;
/** Bulletins offered per second in every pass. */
export const FAN_OUT_RATE = 10;

/**
 * The fan-out's topics: delivery topics of the catalogue in a namespace of one worker's own
 * (`run`), created empty by that worker, so its new groups read them from the start and see
 * nothing of another repetition.
 */
export function fanOutTopics(namespace: string, run: string) {
  const ns = `${namespace}-fan-${run}`;
  const down = (d: string) => `${ns}.${CITY}.bulletins.to.${d}`;
  const up = (d: string) => `${ns}.${d}.bulletins.to.${CITY}`;
  const deadLetter = `${ns}.${CITY}.bulletins.dlq`;
  return { down, up, deadLetter, all: [...DISTRICTS.flatMap((d) => [down(d), up(d)]), deadLetter] };
}

/** The prefix of every fan-out topic of a bench run (run.ts deletes what a failed worker left). */
export const fanOutPrefix = (namespace: string) => `${namespace}-fan-`;

/** Creates the worker's fan-out topics: 3 partitions, as the catalogue has them; 1 for dead letters. */
export async function createFanOutTopics(admin: Admin, topics: ReturnType<typeof fanOutTopics>): Promise<void> {
  await admin.createTopics({
    waitForLeaders: true,
    topics: topics.all.map((topic) => ({ topic, numPartitions: topic === topics.deadLetter ? 1 : 3, replicationFactor: 1 })),
  });
}

interface Pending {
  readonly start: number;
  readonly want: number;
  delivered: number;
  receipts: number;
  deliveredAt?: number;
}

/** Per bulletin: when it went out, how many districts applied it, how many receipts came back. */
export class FanOut {
  private readonly pending = new Map<string, Pending>();
  readonly toAll: number[] = [];
  readonly receiptsBack: number[] = [];
  private outstanding = 0;
  private resolve?: () => void;

  /** A bulletin for `want` districts goes out now. */
  sent(bulletinId: string, want: number): void {
    this.pending.set(bulletinId, { start: nowMs(), want, delivered: 0, receipts: 0 });
    this.outstanding++;
  }

  /** A district applied the bulletin (duplicates are the inbox's business, not counted twice there). */
  delivered(bulletinId: string): void {
    const p = this.pending.get(bulletinId);
    if (!p) return;
    if (++p.delivered === p.want) {
      p.deliveredAt = nowMs();
      this.toAll.push(p.deliveredAt - p.start);
    }
  }

  /** The city applied a district's receipt. */
  receipt(bulletinId: string): void {
    const p = this.pending.get(bulletinId);
    if (!p) return;
    if (++p.receipts === p.want) {
      this.receiptsBack.push(nowMs() - p.start);
      this.pending.delete(bulletinId);
      if (--this.outstanding === 0) this.resolve?.();
    }
  }

  /** Until every bulletin sent so far has all its receipts back. */
  settled(timeoutMs = 120_000): Promise<void> {
    if (this.outstanding === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(
              `${this.outstanding} bulletins still without all receipts after ${timeoutMs / 1000} s: ` +
                // Where each stopped: applied by how many districts, how many receipts back.
                [...this.pending]
                  .map(
                    ([id, p]) =>
                      `${id} applied ${p.delivered}/${p.want}, receipts ${p.receipts}/${p.want}, sent ${Math.round(nowMs() - p.start)} ms ago`,
                  )
                  .join("; "),
            ),
          ),
        timeoutMs,
      );
      this.resolve = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  reset(): void {
    this.toAll.length = 0;
    this.receiptsBack.length = 0;
  }
}

/**
 * Offers `n` bulletins at FAN_OUT_RATE to the first `k` districts through `send` (which tells
 * `fan` when each went out), one at a time as a use case commits them; waits for every receipt.
 */
async function offerBulletins(
  fan: FanOut,
  n: number,
  k: number,
  send: (bulletinId: string, districts: readonly string[]) => Promise<void>,
  timeoutMs?: number,
): Promise<void> {
  const districts = DISTRICTS.slice(0, k);
  const start = nowMs();
  for (let i = 0; i < n; i++) {
    const wait = start + (i * 1000) / FAN_OUT_RATE - nowMs();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    await send(randomUUID(), districts);
  }
  await fan.settled(timeoutMs);
}

/** Before the measured passes: the first bulletins wait out 17 group joins, then a warm-up pass. */
export async function warmUpFanOut(fan: FanOut, send: (bulletinId: string, districts: readonly string[]) => Promise<void>): Promise<void> {
  await offerBulletins(fan, 3, DISTRICTS.length, send, 90_000);
  await offerBulletins(fan, 20, DISTRICTS.length, send);
}

/** One repetition: a pass per district count; p50/p99 to all districts and of all receipts back. */
export async function measureFanOut(
  fan: FanOut,
  sizes: Pick<Sizes, "fanOutBulletins">,
  send: (bulletinId: string, districts: readonly string[]) => Promise<void>,
): Promise<RepMetrics> {
  const metrics: RepMetrics = {};
  for (const k of FAN_OUT_DISTRICTS) {
    fan.reset();
    await offerBulletins(fan, sizes.fanOutBulletins, k, send);
    const toAll = [...fan.toAll].sort((a, b) => a - b);
    const back = [...fan.receiptsBack].sort((a, b) => a - b);
    metrics[`all_delivered_p50_ms_${k}`] = percentile(toAll, 50);
    metrics[`all_delivered_p99_ms_${k}`] = percentile(toAll, 99);
    metrics[`all_receipts_p50_ms_${k}`] = percentile(back, 50);
    metrics[`all_receipts_p99_ms_${k}`] = percentile(back, 99);
  }
  return metrics;
}
