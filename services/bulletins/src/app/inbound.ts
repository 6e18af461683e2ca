import {
  attributionFromEvent,
  InvalidArgumentError,
  NotYetApplicableError,
  isUuid,
  parseEventSource,
  type ReceivedEvent,
  type ServiceKit,
} from "@jinlian/chassis";
import type { bulletinsEventsV1 } from "@jinlian/proto";
import type { Knex } from "knex";
import { BULLETIN_AGGREGATE, recipientKey } from "../domain/bulletin";
import { decideReceiptReceived, decideReceive, decideReceivedVersion, type ReceivedVersion } from "../domain/bulletin-decisions";
import { partyCodec, receivedFromEvent, recipientFromProto } from "../domain/bulletin-events";
import { withRead } from "../domain/receipts";
import { decideSupplied, decideWithdrawn } from "../domain/bulletin-decisions";
import { suppliedFromEvent } from "../domain/office-events";
import type { Audience } from "../domain/bulletin";

/** An audience as the issuer sent it (kept as its record, untrimmed). */
function audienceAsSent(
  a: { allDistricts: boolean; jurisdictionCodes: string[]; organisations: Audience["organisations"] } | undefined,
): Audience {
  return {
    allDistricts: a?.allDistricts ?? false,
    jurisdictionCodes: [...(a?.jurisdictionCodes ?? [])],
    organisations: (a?.organisations ?? []).map((o) => ({ ...o })),
  };
}
import { bulletinStore, repository } from "../persistence/repository";
import { decisionContext } from "./decision-context";

/** The sending node, from the event's source (the chassis has checked it against the topic). */
function senderOf(event: ReceivedEvent<unknown>): string {
  return parseEventSource(event.source)?.node ?? event.source;
}

/**
 * Deliveries from other nodes, applied in the consumer's inbox transaction (so each event is
 * applied once): bulletins and their new versions at a recipient node, read receipts at the
 * issuer. Each change is recorded in the audit trail under the inbound event's name.
 */
export class BulletinDeliveries {
  constructor(private readonly kit: ServiceKit) {}

  async onPublished(event: ReceivedEvent<bulletinsEventsV1.BulletinPublished>, trx: Knex.Transaction): Promise<void> {
    const received = receivedFromEvent(event.data, event.time, `${event.type} ${event.id}`);
    const by = attributionFromEvent(event.data.audit, senderOf(event));
    const ctx = decisionContext(this.kit, by);
    const decision = decideReceive(received, ctx);
    if (!decision) {
      this.kit.logger.warn({ bulletin_id: received.bulletinId }, "bulletin not addressed to this node; ignored");
      return;
    }
    if (await repository.exists(trx, received.bulletinId)) return;
    await this.kit.apply(trx, bulletinStore, undefined, decision, by, 0, ctx.now);
    this.kit.logger.info({ bulletin_id: received.bulletinId, from: received.issuingJurisdiction }, "bulletin received");
  }

  async onCorrected(event: ReceivedEvent<bulletinsEventsV1.BulletinCorrected>, trx: Knex.Transaction): Promise<void> {
    const e = event.data;
    await this.applyNewVersion(trx, event, e.bulletinId, {
      version: e.version,
      change: "CORRECTION",
      title: e.title,
      body: e.body,
      reason: e.audit?.reason ?? "",
      actor: e.audit?.actor ?? "",
      requestId: e.audit?.requestId ?? "",
      jurisdiction: e.issuingJurisdictionCode,
      at: e.audit?.occurTime ?? event.time,
      due: e.acknowledgementDueTime ?? null,
      // A correction of the audience carries the audiences: this node reconciles its recipients.
      audiences: e.mainAudience ? { main: audienceAsSent(e.mainAudience), copy: audienceAsSent(e.copyAudience) } : undefined,
    });
  }

  /** 补发: the whole bulletin at a later version, to a node a correction of the audience added. */
  async onSupplied(event: ReceivedEvent<bulletinsEventsV1.BulletinSupplied>, trx: Knex.Transaction): Promise<void> {
    const supplied = suppliedFromEvent(event.data, event.time, `${event.type} ${event.id}`);
    const before = await repository.load(trx, supplied.bulletinId, true);
    if (before && before.origin !== "RECEIVED") {
      this.kit.logger.warn({ bulletin_id: supplied.bulletinId }, "bulletin supplied to its issuing node; ignored");
      return;
    }
    const by = attributionFromEvent(event.data.audit, senderOf(event));
    const ctx = decisionContext(this.kit, by);
    const decision = decideSupplied(before, supplied, ctx);
    if (!decision) return; // already held at this version, or not addressed here
    await this.kit.apply(trx, bulletinStore, before, decision, by, 0, ctx.now);
    this.kit.logger.info({ bulletin_id: supplied.bulletinId, version: supplied.version }, "bulletin supplied");
  }

  /** A correction of the audience left this node without recipients: the bulletin is withdrawn here. */
  async onWithdrawn(event: ReceivedEvent<bulletinsEventsV1.BulletinWithdrawn>, trx: Knex.Transaction): Promise<void> {
    const e = event.data;
    const before = isUuid(e.bulletinId) ? await repository.load(trx, e.bulletinId, true) : undefined;
    if (!before) throw new NotYetApplicableError(`withdrawal of bulletin ${e.bulletinId} arrived before its publication`);
    if (before.origin !== "RECEIVED") {
      this.kit.logger.warn({ bulletin_id: e.bulletinId }, "withdrawal of a bulletin issued at this node; ignored");
      return;
    }
    const by = attributionFromEvent(e.audit, senderOf(event));
    const ctx = decisionContext(this.kit, by);
    const decision = decideWithdrawn(
      before,
      {
        version: e.version,
        reason: e.audit?.reason ?? "",
        actor: e.audit?.actor ?? "",
        requestId: e.audit?.requestId ?? "",
        at: e.audit?.occurTime ?? event.time,
      },
      ctx,
    );
    if (!decision) return; // already applied
    await this.kit.apply(trx, bulletinStore, before, decision, by, 0, ctx.now);
    this.kit.logger.info({ bulletin_id: e.bulletinId, version: e.version }, "bulletin withdrawn at this node");
  }

  async onRecalled(event: ReceivedEvent<bulletinsEventsV1.BulletinRecalled>, trx: Knex.Transaction): Promise<void> {
    const e = event.data;
    await this.applyNewVersion(trx, event, e.bulletinId, {
      version: e.version,
      change: "RECALL",
      reason: e.audit?.reason ?? "",
      actor: e.audit?.actor ?? "",
      requestId: e.audit?.requestId ?? "",
      jurisdiction: e.issuingJurisdictionCode,
      at: e.audit?.occurTime ?? event.time,
      due: null,
    });
  }

  private async applyNewVersion(
    trx: Knex.Transaction,
    event: ReceivedEvent<bulletinsEventsV1.BulletinCorrected | bulletinsEventsV1.BulletinRecalled>,
    id: string,
    version: ReceivedVersion,
  ): Promise<void> {
    const before = isUuid(id) ? await repository.load(trx, id, true) : undefined;
    // The publication has not arrived yet (it may be dead-lettered, awaiting replay): held, not lost.
    if (!before) throw new NotYetApplicableError(`version ${version.version} of bulletin ${id} arrived before its publication`);
    if (before.origin !== "RECEIVED") {
      this.kit.logger.warn({ bulletin_id: id, version: version.version }, "new version of a bulletin issued at this node; ignored");
      return;
    }
    const by = attributionFromEvent(event.data.audit, senderOf(event));
    const ctx = decisionContext(this.kit, by);
    const decision = decideReceivedVersion(before, version, ctx);
    if (!decision) return; // already applied
    await this.kit.apply(trx, bulletinStore, before, decision, by, 0, ctx.now);
    this.kit.logger.info({ bulletin_id: id, version: version.version, change: version.change }, "bulletin version received");
  }

  async onAcknowledged(event: ReceivedEvent<bulletinsEventsV1.BulletinAcknowledged>, trx: Knex.Transaction): Promise<void> {
    const e = event.data;
    const recipient = recipientFromProto(e.recipient);
    const before = isUuid(e.bulletinId) ? await repository.load(trx, e.bulletinId, true) : undefined;
    if (!before || before.origin !== "ISSUED" || !recipient)
      throw new InvalidArgumentError(
        [{ field: "data.bulletin_id", description: "acknowledges a bulletin not issued at this node" }],
        `unexpected acknowledgement ${event.id}`,
      );
    const key = recipientKey(recipient);
    const target = before.recipients.find((r) => r.key === key);
    // The receipt must come from the node that holds that recipient's copy (the chassis has
    // checked that the source is the delivery topic's sender and the recipient's node).
    const from = senderOf(event);
    if (!target || target.deliveryJurisdiction !== from)
      throw new InvalidArgumentError(
        [{ field: "data.recipient", description: `${key} is not a recipient delivered to ${from}` }],
        `unexpected acknowledgement ${event.id}`,
      );
    // A party the contract does not define, or one for an organisation, cannot be recorded.
    const party = partyCodec.fromProto(e.party);
    if (party === undefined || (party !== null && recipient.kind !== "node"))
      throw new InvalidArgumentError(
        [{ field: "data.party", description: `party ${e.party} is not one ${key} reads as` }],
        `unexpected acknowledgement ${event.id}`,
      );
    const by = attributionFromEvent(e.audit, from);
    const receipt = decideReceiptReceived(before, {
      party,
      receiptId: this.kit.newId(),
      recipientKey: key,
      version: e.acknowledgedVersion,
      at: e.audit?.occurTime ?? event.time,
      by: e.audit?.actor ?? "",
      readerName: e.readerName,
      reason: e.audit?.reason ?? "",
      requestId: e.audit?.requestId ?? "",
    });
    if (!receipt) return;
    const after = withRead(target, { party, version: receipt.version, at: receipt.at, by: receipt.by, readerName: receipt.readerName });
    await repository.recordReceipt(trx, receipt, after);
    await this.kit.record(
      trx,
      { type: BULLETIN_AGGREGATE, id: before.bulletinId, revision: before.revision },
      "BulletinAcknowledged",
      by,
      [],
    );
  }
}
