import { inboxHandler, isUuid, legalServicesEvents, legislationEvents, type ConsumerDeclaration } from "@jinlian/chassis";
import type { LinkableArtefacts } from "../../app/linkable-artefacts";

/**
 * What research outcomes may link to, from the node's other services (each its own consumer
 * group, replaying the compacted topic from the start): legislation's drafts and plan items,
 * legal-services' trainings.
 */
export function linkableArtefactConsumers(artefacts: LinkableArtefacts): ConsumerDeclaration[] {
  const required = (field: string, value: string) => (isUuid(value) ? [] : [{ field, description: "must be a UUID" }]);
  return [
    {
      stream: { service: "legislation", stream: "register" },
      handlers: [
        inboxHandler(
          legislationEvents.draftRegistered,
          (e, trx) => artefacts.record(trx, "legislation", "LEGISLATION_DRAFT", e, { id: e.data.draftId, title: e.data.title }),
          { validate: (d) => required("data.draft_id", d.draftId) },
        ),
        inboxHandler(
          legislationEvents.planItemListed,
          (e, trx) => artefacts.record(trx, "legislation", "LEGISLATION_PLAN_ITEM", e, { id: e.data.planItemId, title: e.data.title }),
          { validate: (d) => required("data.plan_item_id", d.planItemId) },
        ),
      ],
    },
    {
      stream: { service: "legal-services", stream: "trainings" },
      handlers: [
        inboxHandler(
          legalServicesEvents.trainingRegistered,
          (e, trx) => artefacts.record(trx, "legal-services", "TRAINING", e, { id: e.data.trainingId, title: e.data.title }),
          { validate: (d) => required("data.training_id", d.trainingId) },
        ),
      ],
    },
  ];
}
