import { eventSource, InvalidArgumentError, type ReceivedEvent, type ServiceKit } from "@jinlian/chassis";
import type { Knex } from "knex";
import type { OutcomeLink } from "../domain/research";

/** What another service of this node says exists, and what a research outcome of that kind may link to. */
export type ArtefactKind = "LEGISLATION_DRAFT" | "LEGISLATION_PLAN_ITEM" | "TRAINING";

const LINKABLE: Record<"LEGISLATION_PROPOSAL" | "TRAINING", readonly ArtefactKind[]> = {
  // A proposal becomes a plan item or a draft (art. 4).
  LEGISLATION_PROPOSAL: ["LEGISLATION_DRAFT", "LEGISLATION_PLAN_ITEM"],
  TRAINING: ["TRAINING"],
};

export type ArtefactOwner = "legislation" | "legal-services";

/** An artefact as an event of its owning service announces it. */
export interface AnnouncedArtefact {
  readonly kind: ArtefactKind;
  readonly event: ReceivedEvent<unknown>;
  readonly artefact: { readonly id: string; readonly title: string };
}

/**
 * The ids of drafts and plan items (legislation's `register` stream) and trainings (legal-services'
 * `trainings` stream) that exist at this node, so research outcomes link only to what exists —
 * learnt from events, never by reading another service's tables.
 */
export class LinkableArtefacts {
  constructor(private readonly kit: ServiceKit) {}

  /** Records an artefact from its owning service's event, in the consumer's inbox transaction; repeats change nothing. */
  async record(trx: Knex.Transaction, owner: ArtefactOwner, announced: AnnouncedArtefact): Promise<void> {
    await this.recordAll(trx, owner, [announced]);
  }

  /**
   * Records artefacts announced by a run of events, in order, in one statement: where a run
   * announces one artefact more than once, its last title stays, as recording each in turn would.
   */
  async recordAll(trx: Knex.Transaction, owner: ArtefactOwner, announced: readonly AnnouncedArtefact[]): Promise<void> {
    // The stream is node-local: only this node's owning service writes it.
    const expected = eventSource(this.kit.here, owner);
    const latest = new Map<string, Record<string, unknown>>();
    const at = this.kit.now();
    for (const { kind, event, artefact } of announced) {
      if (event.source !== expected)
        throw new InvalidArgumentError([{ field: "source", description: `must be ${expected}` }], `${kind} event ${event.id}`);
      const row = { kind, artefact_id: artefact.id.toLowerCase(), title: artefact.title, event_id: event.id, recorded_at: at };
      const key = `${row.kind}\u0000${row.artefact_id}`;
      latest.delete(key); // keeps the rows in the order of their last announcement
      latest.set(key, row);
    }
    const rows = [...latest.values()];
    // 5 parameters a row: far under PostgreSQL's 65,535 a statement.
    for (let i = 0; i < rows.length; i += 5000)
      await trx("linkable_artefacts")
        .insert(rows.slice(i, i + 5000))
        .onConflict(["kind", "artefact_id"])
        .merge(["title", "event_id", "recorded_at"]);
  }

  /**
   * Refuses a link whose target this node's owning service has not announced: INVALID_ARGUMENT on
   * `field`. Bulletin ids are checked by form only (bulletins publishes no local stream of ids).
   */
  async assertKnown(db: Knex | Knex.Transaction, link: OutcomeLink, field: string): Promise<void> {
    if (link.kind === "BULLETIN") return;
    const kinds = LINKABLE[link.kind];
    const row = await db("linkable_artefacts").whereIn("kind", kinds).where({ artefact_id: link.targetId }).first("kind");
    if (!row)
      throw new InvalidArgumentError([
        {
          field,
          description:
            link.kind === "TRAINING"
              ? `${link.targetId} is not a training of this node's legal-services service`
              : `${link.targetId} is not a draft or legislative plan item of this node's legislation service`,
        },
      ]);
  }
}
