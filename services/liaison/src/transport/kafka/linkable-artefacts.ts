import {
  inboxHandler,
  inboxRun,
  isUuid,
  legalServicesEvents,
  legislationEvents,
  type ConsumerDeclaration,
  type EventDescriptor,
  type InboxBinding,
} from "@jinlian/chassis";
import type { ArtefactKind, ArtefactOwner, LinkableArtefacts } from "../../app/linkable-artefacts";

/** How one event type announces an artefact, and the payload check that comes first. */
interface Announcement<T> {
  readonly descriptor: EventDescriptor<T>;
  readonly kind: ArtefactKind;
  readonly artefact: (data: T) => { id: string; title: string };
  readonly idField: string;
}

const announcement = <T>(a: Announcement<T>): Announcement<unknown> => a as Announcement<unknown>;

/**
 * The handlers of one owner's stream: each event alone, or a run's consecutive events recorded
 * together in one statement (a late join replays the whole compacted topic).
 */
function handlersOf(artefacts: LinkableArtefacts, owner: ArtefactOwner, announcements: readonly Announcement<unknown>[]): InboxBinding[] {
  const byType = new Map(announcements.map((a) => [a.descriptor.type, a]));
  const announced = (e: { type: string; data: unknown }) => {
    const a = byType.get(e.type)!;
    return { kind: a.kind, artefact: a.artefact(e.data) };
  };
  const run = inboxRun<unknown>((events, trx) =>
    artefacts.recordAll(
      trx,
      owner,
      events.map((event) => ({ ...announced(event), event })),
    ),
  );
  return announcements.map((a) =>
    inboxHandler(
      a.descriptor,
      (event, trx) => artefacts.record(trx, owner, { ...announced(event), event }),
      { validate: (d) => (isUuid(a.artefact(d).id) ? [] : [{ field: a.idField, description: "must be a UUID" }]) },
      run,
    ),
  );
}

/**
 * What research outcomes may link to, from the node's other services (each its own consumer
 * group, replaying the compacted topic from the start): legislation's drafts and plan items,
 * legal-services' trainings.
 */
export function linkableArtefactConsumers(artefacts: LinkableArtefacts): ConsumerDeclaration[] {
  return [
    {
      stream: { service: "legislation", stream: "register" },
      handlers: handlersOf(artefacts, "legislation", [
        announcement({
          descriptor: legislationEvents.draftRegistered,
          kind: "LEGISLATION_DRAFT",
          artefact: (d) => ({ id: d.draftId, title: d.title }),
          idField: "data.draft_id",
        }),
        announcement({
          descriptor: legislationEvents.planItemListed,
          kind: "LEGISLATION_PLAN_ITEM",
          artefact: (d) => ({ id: d.planItemId, title: d.title }),
          idField: "data.plan_item_id",
        }),
      ]),
    },
    {
      stream: { service: "legal-services", stream: "trainings" },
      handlers: handlersOf(artefacts, "legal-services", [
        announcement({
          descriptor: legalServicesEvents.trainingRegistered,
          kind: "TRAINING",
          artefact: (d) => ({ id: d.trainingId, title: d.title }),
          idField: "data.training_id",
        }),
      ]),
    },
  ];
}
