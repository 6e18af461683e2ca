import { inboxHandler, liaisonEvents, type ConsumerDeclaration } from "@jinlian/chassis";
import type { OriginsApp } from "../../app/origins-app";

/**
 * Liaison's research-links stream of this node (its own consumer group, replaying the compacted
 * topic from the start): research outcomes that became a draft or plan item here (art. 4).
 */
export function researchLinksConsumer(origins: OriginsApp): ConsumerDeclaration {
  return {
    stream: { service: "liaison", stream: "research-links" },
    handlers: [
      inboxHandler(liaisonEvents.researchOutcomeLinked, (e, trx) => origins.onOutcomeLinked(e, trx)),
      inboxHandler(liaisonEvents.researchOutcomeLinkWithdrawn, (e, trx) => origins.onOutcomeLinkWithdrawn(e, trx)),
    ],
  };
}
