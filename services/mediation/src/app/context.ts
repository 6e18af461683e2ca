import type { Actor, ServiceKit } from "@jinlian/chassis";
import type { DecisionContext } from "../domain/common";

/**
 * The context of one use case's decision at this node. The clock is read once, so the state,
 * the audit entry and the events agree on the time (pass `ctx.now` to kit.apply).
 */
export function contextOf(kit: ServiceKit, actor: Actor, reason: string): DecisionContext {
  const now = kit.now();
  return { here: kit.here, now, newId: () => kit.newId(), audit: kit.auditMetadata({ actor, reason }, now) };
}
