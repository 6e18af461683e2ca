import type { ConsultationApp } from "./consultation-app";

/** Records the closing of rounds whose window passed (and tells their district nodes), periodically. */
export class RoundCloser {
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  constructor(
    private readonly consultations: ConsultationApp,
    private readonly intervalMs: number,
    private readonly onError: (err: unknown) => void,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.consultations
        .closeDueRounds()
        .catch(this.onError)
        .finally(() => (this.running = undefined));
    }, this.intervalMs);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }
}
