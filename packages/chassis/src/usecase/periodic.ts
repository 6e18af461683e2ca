import type { Knex } from "knex";
import type { Logger } from "../logging/logger";

export interface PeriodicWorkOptions {
  /** Names the work in logs, e.g. "overdue action items". */
  readonly name: string;
  readonly intervalMs: number;
  readonly logger: Logger;
  /** One run; returns how many things it did (logged when above zero). */
  readonly run: () => Promise<number>;
}

/**
 * Work a service does on a timer (deadline scans, reminders): one run at a time — a tick that
 * finds the previous run still going is skipped, never overlapped — and a failed run is logged
 * and tried again at the next interval. `stop` waits for a run in progress. It is a module job
 * (`{ name, start, stop }`), so the node starts and stops it.
 */
export class PeriodicWork {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(private readonly options: PeriodicWorkOptions) {}

  get name(): string {
    return this.options.name;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), this.options.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private tick(): void {
    if (this.running) return;
    this.running = this.options
      .run()
      .then(
        (done) => {
          if (done > 0) this.options.logger.info({ work: this.options.name, done }, "periodic work done");
        },
        (err: unknown) =>
          this.options.logger.warn({ err, work: this.options.name }, "periodic work failed; tried again at the next interval"),
      )
      .finally(() => {
        this.running = undefined;
      });
  }
}

/**
 * Runs `batch` in its own transaction until a batch does fewer than `size` things; returns the
 * total. Each batch must claim what it handles (lock or mark it) so that replicas scanning at the
 * same time do not handle it twice.
 */
export async function inBatches(db: Knex, size: number, batch: (trx: Knex.Transaction, size: number) => Promise<number>): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await db.transaction((trx) => batch(trx, size));
    total += n;
    if (n < size) return total;
  }
}
