import type { Knex } from "knex";
import { attributionFromEvent, eventSource, InvalidArgumentError, isUuid, type ReceivedEvent, type ServiceKit } from "@jinlian/chassis";
import { liaisonV1, type liaisonEventsV1 } from "@jinlian/proto";
import { originOf, type LinkTarget } from "../domain/origins";
import { draftStore, origins, plans } from "../persistence/repositories";

/**
 * From research to law (art. 4): the node's liaison service links a joint-research outcome to a
 * draft or plan item by id (validated against this service's register stream) and says so on its
 * research-links stream; the draft then shows where it came from. Each change is audited on the
 * draft or plan it concerns (at its current revision: the aggregate itself does not change).
 */
export class OriginsApp {
  constructor(private readonly kit: ServiceKit) {}

  private checkSource(event: ReceivedEvent<unknown>): void {
    // The stream is node-local: only this node's liaison service writes it.
    const liaison = eventSource(this.kit.here, "liaison");
    if (event.source !== liaison)
      throw new InvalidArgumentError([{ field: "source", description: `must be ${liaison}` }], `research link ${event.id}`);
  }

  private async targetOf(trx: Knex.Transaction, id: string): Promise<(LinkTarget & { revision: number }) | undefined> {
    if (!isUuid(id)) return undefined;
    const draft = await draftStore.load(trx, id.toLowerCase());
    if (draft) return { type: "draft", id: draft.draftId, revision: draft.revision };
    const plan = await plans.ofItem(trx, id.toLowerCase());
    return plan && { type: "plan", id: plan.planId, planItemId: id.toLowerCase(), revision: plan.revision };
  }

  private audit(
    trx: Knex.Transaction,
    target: LinkTarget & { revision: number },
    action: string,
    e: ReceivedEvent<{ audit?: { actor?: string; reason?: string; requestId?: string } | undefined }>,
  ): Promise<void> {
    const by = attributionFromEvent(e.data.audit, this.kit.here);
    return this.kit.record(trx, { type: target.type, id: target.id, revision: target.revision }, action, by, []);
  }

  async onOutcomeLinked(e: ReceivedEvent<liaisonEventsV1.ResearchOutcomeLinked>, trx: Knex.Transaction): Promise<void> {
    this.checkSource(e);
    const d = e.data;
    const legislationProposal = d.kind === liaisonV1.TransformationKind.TRANSFORMATION_KIND_LEGISLATION_PROPOSAL;
    const target = legislationProposal ? await this.targetOf(trx, d.targetId) : undefined;
    const origin = originOf(
      {
        researchId: d.researchId,
        outcomeId: d.outcomeId,
        topic: d.topic,
        summary: d.summary,
        legislationProposal,
        targetId: d.targetId.toLowerCase(),
        linkedAt: d.linkTime,
      },
      target,
    );
    if (!origin || !target) return;
    await origins.upsert(trx, origin);
    await this.audit(trx, target, "ResearchOutcomeLinked", e);
  }

  async onOutcomeLinkWithdrawn(e: ReceivedEvent<liaisonEventsV1.ResearchOutcomeLinkWithdrawn>, trx: Knex.Transaction): Promise<void> {
    this.checkSource(e);
    if (e.data.kind !== liaisonV1.TransformationKind.TRANSFORMATION_KIND_LEGISLATION_PROPOSAL) return;
    const targetId = await origins.withdraw(trx, e.data.outcomeId, this.kit.now());
    const target = targetId && (await this.targetOf(trx, targetId));
    if (target) await this.audit(trx, target, "ResearchOutcomeLinkWithdrawn", e);
  }
}
