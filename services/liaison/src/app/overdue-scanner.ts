import { liaisonEvents } from "@jinlian/chassis";
import { consultationRepository as repo } from "../persistence/consultation-repository";
import { actionItemStatusCodec } from "./codecs";
import type { LiaisonContext } from "./support";

/**
 * Raises an ActionItemOverdue alert on the node's local alerts stream for every unfinished
 * action item past its due date, once per item and due date. Runs on a timer, one run at a
 * time; several replicas may scan at once, since each batch locks the items it alerts and
 * skips those another replica holds.
 */
export class OverdueScanner {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly ctx: LiaisonContext,
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
          if (raised > 0) this.ctx.logger.info({ raised }, "overdue action items alerted");
        },
        (err: unknown) => this.ctx.logger.warn({ err }, "overdue scan failed; retried at the next interval"),
      )
      .finally(() => {
        this.running = undefined;
      });
  }

  /** One scan: alerts every overdue item not yet alerted for its due date; returns how many. */
  async scan(): Promise<number> {
    let raised = 0;
    for (;;) {
      const n = await this.ctx.db.transaction(async (trx) => {
        const now = this.ctx.now();
        const items = await repo.overdueToAlert(trx, now, this.batchSize);
        for (const item of items) {
          await this.ctx.emit(
            trx,
            liaisonEvents.actionItemOverdue,
            item.action_item_id,
            now,
            {
              actionItemId: item.action_item_id,
              title: item.title,
              dueTime: item.due_time,
              status: actionItemStatusCodec.toProto(item.status),
              owner:
                item.owner_organisation_id && item.owner_department_id
                  ? { organisationId: item.owner_organisation_id, departmentId: item.owner_department_id }
                  : undefined,
              assigneeJurisdictionCode: item.assignee_jurisdiction_code ?? "",
              consultationId: item.consultation_id,
              originJurisdictionCode: item.origin_jurisdiction_code,
              detectTime: now,
            },
            [this.ctx.localTopic("alerts")],
          );
          // Records which due date was alerted; not a change of the item (no revision, no audit).
          await repo.updateActionItem(trx, item.action_item_id, { overdue_alert_due_at: item.due_time });
        }
        return items.length;
      });
      raised += n;
      if (n < this.batchSize) return raised;
    }
  }
}
