import { bulletinsEvents, inboxHandler, type InboxBinding } from "@jinlian/chassis";
import type { BulletinForwarding } from "../../app/forwarding";
import type { BulletinDeliveries } from "../../app/inbound";
import { deliveryJurisdiction } from "../../domain/bulletin";
import { recipientFromProto } from "../../domain/bulletin-events";

/** The bulletins deliveries a node applies, and the sender the chassis checks each one against. */
export function bulletinDeliveries(deliveries: BulletinDeliveries, forwarding: BulletinForwarding): InboxBinding[] {
  return [
    // Only the issuing node sends a bulletin's versions, and a read receipt comes from the
    // node holding the recipient's copy: the chassis refuses any other sender.
    inboxHandler(bulletinsEvents.published, (e, trx) => deliveries.onPublished(e, trx), {
      reportsFor: (d) => d.issuingJurisdictionCode,
    }),
    inboxHandler(bulletinsEvents.corrected, (e, trx) => deliveries.onCorrected(e, trx), {
      reportsFor: (d) => d.issuingJurisdictionCode,
    }),
    inboxHandler(bulletinsEvents.recalled, (e, trx) => deliveries.onRecalled(e, trx), {
      reportsFor: (d) => d.issuingJurisdictionCode,
    }),
    // A correction of the audience: the bulletin supplied (补发) to a node added, withdrawn from a node removed.
    inboxHandler(bulletinsEvents.supplied, (e, trx) => deliveries.onSupplied(e, trx), {
      reportsFor: (d) => d.issuingJurisdictionCode,
    }),
    inboxHandler(bulletinsEvents.withdrawn, (e, trx) => deliveries.onWithdrawn(e, trx), {
      reportsFor: (d) => d.issuingJurisdictionCode,
    }),
    inboxHandler(bulletinsEvents.acknowledged, (e, trx) => deliveries.onAcknowledged(e, trx), {
      reportsFor: (d) => {
        const recipient = recipientFromProto(d.recipient);
        return recipient && deliveryJurisdiction(recipient);
      },
    }),
    // 转发: only the forwarding node reports what it forwarded (to its own organisations).
    inboxHandler(bulletinsEvents.forwarded, (e, trx) => forwarding.onForwarded(e, trx), {
      reportsFor: (d) => d.forwardingJurisdictionCode,
    }),
  ];
}
