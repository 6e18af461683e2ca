import {
  assertUuid,
  attributionFromEvent,
  checkExpectedRevision,
  InvalidArgumentError,
  isUuid,
  NotFoundError,
  parseEventSource,
  type Attribution,
  type ReceivedEvent,
  type ServiceKit,
} from "@jinlian/chassis";
import type { bulletinsEventsV1 } from "@jinlian/proto";
import type { Knex } from "knex";
import { BULLETIN_AGGREGATE } from "../domain/bulletin";
import { orgFromProto } from "../domain/bulletin-events";
import { decideForward, forwardedRecipientsAtIssuer, validateForwardRequest, type ForwardTarget } from "../domain/forwarding";
import { forwardingStore } from "../persistence/forwarding-store";
import { addForwardedRecipients, registeredOrganisations } from "../persistence/receipts-repository";
import { repository } from "../persistence/repository";
import type { BulletinsApp, BulletinView } from "./bulletins-app";
import { decisionContext } from "./decision-context";

/**
 * 转发: forwarding a received bulletin to organisations of this node (the use case), and, at the
 * issuer, the forwarding another node reports (an inbound delivery).
 */
export class BulletinForwarding {
  constructor(
    private readonly kit: ServiceKit,
    private readonly app: BulletinsApp,
  ) {}

  async forward(
    id: string,
    expectedRevision: number,
    organisationIds: readonly string[],
    creditCodes: readonly string[],
    by: Attribution,
  ): Promise<BulletinView> {
    assertUuid(id, "bulletin_id");
    const ids = organisationIds.map((x) => x.trim());
    const codes = creditCodes.map((x) => x.trim());
    validateForwardRequest(ids, codes, by.reason);
    return this.kit.change(
      `ForwardBulletin:${id}`,
      by.actor,
      id,
      async (trx) => {
        const before = await repository.load(trx, id, true);
        if (!before) throw new NotFoundError("bulletin", id);
        // A stale revision is refused (ABORTED) before any rule.
        checkExpectedRevision(BULLETIN_AGGREGATE, id, before.revision, expectedRevision);
        const known = await registeredOrganisations(trx, ids, codes);
        const targets: ForwardTarget[] = [
          ...ids.map((x, i) => ({ field: `organisation_ids[${i}]`, known: known.byId.get(x) })),
          ...codes.map((x, i) => ({ field: `credit_codes[${i}]`, known: known.byCode.get(x) })),
        ];
        const ctx = decisionContext(this.kit, by);
        const after = await this.kit.apply(
          trx,
          forwardingStore,
          before,
          decideForward(before, targets, ctx),
          by,
          expectedRevision,
          ctx.now,
        );
        this.kit.logger.info({ bulletin_id: id, organisations: targets.length }, "bulletin forwarded");
        // The bulletin as saved; its read counts, which the new recipients change, read after.
        return this.app.viewOf(after, trx);
      },
      (_, trx) => this.app.view(id, trx),
    );
  }

  /**
   * At the issuer: recipients another node added by forwarding, held there. Refused (dead-lettered)
   * unless the sender is a node recipient forwarding to its own organisations. Audited under the
   * event's name; the bulletin's revision does not change, as for receipts.
   */
  async onForwarded(event: ReceivedEvent<bulletinsEventsV1.BulletinForwarded>, trx: Knex.Transaction): Promise<void> {
    const e = event.data;
    const from = parseEventSource(event.source)?.node ?? event.source;
    const before = isUuid(e.bulletinId) ? await repository.load(trx, e.bulletinId, true) : undefined;
    const refuse = (field: string, description: string) =>
      new InvalidArgumentError([{ field, description }], `unexpected forwarding ${event.id}`);
    if (!before) throw refuse("data.bulletin_id", "forwards a bulletin not held at this node");
    const { entries, problems } = forwardedRecipientsAtIssuer(
      before,
      { organisations: e.organisations.map(orgFromProto), reason: e.audit?.reason ?? "" },
      from,
    );
    if (problems.length > 0) throw refuse("data", problems.join("; "));
    const added = await addForwardedRecipients(trx, before.bulletinId, entries);
    if (added === 0) return;
    const by = attributionFromEvent(e.audit, from);
    await this.kit.record(trx, { type: BULLETIN_AGGREGATE, id: before.bulletinId, revision: before.revision }, "BulletinForwarded", by, []);
    this.kit.logger.info({ bulletin_id: before.bulletinId, from, added }, "forwarded recipients tracked");
  }
}
