import { PeriodicWork, type Logger, type ServiceKit } from "@jinlian/chassis";
import { decideDeadlines, type CasePolicy } from "../domain/case";
import { caseStore } from "../persistence/stores";

const BATCH = 100;

/**
 * Looks at every watched case (a running time limit, an open confirmation window, a pending
 * performance deadline) and raises what is due: time-limit warnings and expiry, confirmation
 * reminders, performance overdue — each once, recorded on the case. One case per transaction,
 * locked with SKIP LOCKED so replicas scanning at once never raise an alert twice.
 */
export class DeadlineScanner {
  private readonly work: PeriodicWork;

  constructor(
    private readonly kit: ServiceKit,
    private readonly policy: CasePolicy,
    intervalMs: number,
    logger: Logger,
  ) {
    this.work = new PeriodicWork({ name: "mediation deadlines", intervalMs, logger, run: async () => (await this.scan()).alerted });
  }

  start(): void {
    this.work.start();
  }

  stop(): Promise<void> {
    return this.work.stop();
  }

  async scan(): Promise<{ alerted: number; changed: number }> {
    let after = "00000000-0000-0000-0000-000000000000";
    let alerted = 0;
    let changed = 0;
    for (;;) {
      const ids = (await this.kit
        .db("cases")
        .where("watched", true)
        .where("case_id", ">", after)
        .orderBy("case_id")
        .limit(BATCH)
        .pluck("case_id")) as string[];
      for (const id of ids) {
        await this.kit.db.transaction(async (trx) => {
          const row = await trx("cases").where({ case_id: id, watched: true }).forUpdate().skipLocked().first("case_id");
          if (!row) return;
          const before = (await caseStore.load(trx, id))!;
          const now = this.kit.now();
          const d = decideDeadlines(before, now, this.policy);
          if (!d) return;
          await this.kit.apply(
            trx,
            caseStore,
            before,
            d,
            { actor: { subject: "mediation:deadline-scanner", requestId: "" }, reason: "" },
            0,
            now,
          );
          changed += 1;
          alerted += typeof d.events === "function" ? 0 : d.events.length;
        });
      }
      if (ids.length < BATCH) return { alerted, changed };
      after = ids[ids.length - 1]!;
    }
  }
}
