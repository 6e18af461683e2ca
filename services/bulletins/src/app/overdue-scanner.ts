import type { ServiceKit } from "@jinlian/chassis";
import type { Bulletin } from "../domain/bulletin";
import { overdueEvent } from "../domain/overdue";
import { markOverdue } from "../persistence/receipts-repository";
import { repository } from "../persistence/repository";

/**
 * Raises a BulletinAcknowledgementOverdue alert on the node's local alerts stream for every
 * recipient held here (each party of a node recipient) that has not acknowledged the current
 * version by its deadline: once per recipient, party and version (a correction starts a new
 * deadline, so a new alert). Runs on a timer, one run at a time; several replicas may scan at
 * once, since each alert is marked by an insert that a second scanner's conflicts with.
 */
export class AcknowledgementOverdueScanner {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly kit: ServiceKit,
    private readonly intervalMs: number,
    private readonly batchSize = 100,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
  }

  /** Stops the timer and waits for a run in progress to finish. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private tick(): void {
    if (this.running) return; // the previous run is still going: skip, never overlap
    this.running = this.scan()
      .then(
        (raised) => {
          if (raised > 0) this.kit.logger.info({ raised }, "overdue bulletin acknowledgements alerted");
        },
        (err: unknown) => this.kit.logger.warn({ err }, "overdue acknowledgement scan failed; retried at the next interval"),
      )
      .finally(() => {
        this.running = undefined;
      });
  }

  /** One scan: alerts every overdue recipient party not yet alerted for the current version; returns how many. */
  async scan(): Promise<number> {
    let raised = 0;
    for (;;) {
      const n = await this.kit.db.transaction(async (trx) => {
        const now = this.kit.now();
        const marked = await markOverdue(trx, this.kit.here, now, this.batchSize);
        const bulletins = new Map<string, Bulletin>();
        for (const m of marked) if (!bulletins.has(m.bulletinId)) bulletins.set(m.bulletinId, (await repository.load(trx, m.bulletinId))!);
        await this.kit.publish(
          trx,
          marked.map((m) => overdueEvent(bulletins.get(m.bulletinId)!, m, now)),
          now,
        );
        return marked.length;
      });
      raised += n;
      if (n < this.batchSize) return raised;
    }
  }
}
