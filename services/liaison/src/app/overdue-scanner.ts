import { inBatches, type ServiceKit } from "@jinlian/chassis";
import { overdueEvent } from "../domain/action-item-events";
import { consultationRepository as repo } from "../persistence/consultation-repository";

/**
 * Raises an ActionItemOverdue alert on the node's local alerts stream for every unfinished
 * action item past its due date, once per item and due date; returns how many. Several replicas
 * may scan at once, since each batch locks the items it alerts and skips those another holds.
 * The node runs it on a timer (`PeriodicWork` in the module).
 */
export function scanOverdueActionItems(kit: ServiceKit, batchSize = 100): Promise<number> {
  return inBatches(kit.db, batchSize, async (trx, size) => {
    const now = kit.now();
    const items = await repo.overdueToAlert(trx, now, size);
    await kit.publish(
      trx,
      items.map((item) => overdueEvent(item, now)),
      now,
    );
    await repo.markOverdueAlerted(trx, items);
    return items.length;
  });
}
