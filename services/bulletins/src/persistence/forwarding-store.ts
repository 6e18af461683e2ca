/**
 * How a forwarding (转发) is saved: the bulletin store writes the copy and its new recipients,
 * then the recipients it added are marked with the node that forwarded them and why.
 */
import type { AggregateStore } from "@jinlian/chassis";
import type { Knex } from "knex";
import type { Bulletin } from "../domain/bulletin";
import { bulletinStore } from "./repository";

/** Records recipients added by forwarding as such (the bulletin store has inserted their rows). */
async function markForwarded(trx: Knex.Transaction, after: Bulletin, before: Bulletin | undefined): Promise<void> {
  const known = new Set(before?.recipients.map((r) => r.key) ?? []);
  for (const r of after.recipients)
    if (!known.has(r.key) && r.forwardedBy)
      await trx("bulletin_recipients")
        .where({ bulletin_id: after.bulletinId, recipient_key: r.key })
        .update({ forwarded_by: r.forwardedBy, forward_reason: r.forwardReason ?? "" });
}

/** The bulletin store, plus who forwarded the recipients a forwarding adds. */
export const forwardingStore: AggregateStore<Bulletin> = {
  ...bulletinStore,
  async save(trx, after, before) {
    await bulletinStore.save(trx, after, before);
    await markForwarded(trx, after, before);
  },
};
