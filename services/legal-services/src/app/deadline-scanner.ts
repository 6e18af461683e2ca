import type { ServiceKit } from "@jinlian/chassis";
import type { HealthCheckApp } from "./health-check-app";
import type { RequestApp } from "./request-app";

/**
 * On a timer, one run at a time: expires offers whose answer deadline passed (the next candidate
 * is offered, or the request escalated to the legal-service centre) and alerts health-check
 * follow-ups open past their due date. Several replicas may scan at once: each request is taken
 * FOR UPDATE and re-checked, each alert marked once.
 */
export class DeadlineScanner {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly kit: ServiceKit,
    private readonly requests: RequestApp,
    private readonly healthChecks: HealthCheckApp,
    private readonly intervalMs: number,
    private readonly batchSize = 50,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private tick(): void {
    if (this.running) return;
    this.running = this.scan()
      .then(
        ({ expired, alerted }) => {
          if (expired + alerted > 0) this.kit.logger.info({ expired, alerted }, "legal-services deadlines handled");
        },
        (err: unknown) => this.kit.logger.warn({ err }, "legal-services deadline scan failed; retried at the next interval"),
      )
      .finally(() => {
        this.running = undefined;
      });
  }

  /** One scan; returns how many offers expired and how many follow-up alerts were raised. */
  async scan(): Promise<{ expired: number; alerted: number }> {
    let expired = 0;
    for (;;) {
      const due = (await this.kit
        .db("requests")
        .where("status", "OFFERED")
        .where("offer_deadline_at", "<=", this.kit.now())
        .orderBy("offer_deadline_at")
        .limit(this.batchSize)
        .select("request_id")) as { request_id: string }[];
      let moved = 0;
      for (const d of due) if (await this.kit.db.transaction((trx) => this.requests.expire(trx, d.request_id))) moved++;
      expired += moved;
      if (due.length < this.batchSize || moved === 0) break;
    }
    const alerted = await this.healthChecks.scanOverdue();
    return { expired, alerted };
  }
}
