import type { Attribution, ServiceKit } from "@jinlian/chassis";
import type { DecisionContext } from "../domain/bulletin-decisions";

/**
 * The context of one use case's decision at this node. The clock is read once: the state, the
 * events' audit metadata and (passed on as `ctx.now`) the audit entry and event time all agree.
 */
export function decisionContext(kit: ServiceKit, by: Attribution): DecisionContext {
  const now = kit.now();
  return { here: kit.here, now, audit: kit.auditMetadata(by, now), actingFor: by.actor.organisation };
}
