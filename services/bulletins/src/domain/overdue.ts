/**
 * Unread work past its deadline: when a recipient held at this node (for a node recipient, one of
 * its parties) has not acknowledged the current version by the deadline, an alert goes on this
 * node's local alerts stream, once per recipient, party and version, so notifiers can remind.
 * The issuer needs no message: its read status shows OVERDUE from the same deadline.
 */
import { bulletinsEvents, emit, toLocal, type EventToEmit } from "@jinlian/chassis";
import type { bulletinsEventsV1 } from "@jinlian/proto";
import type { Bulletin, Recipient } from "./bulletin";
import { orgToProto, partyCodec, recipientToProto } from "./bulletin-events";
import type { Party } from "./receipts";

export interface OverdueRecipient {
  recipient: Recipient;
  party: Party | null;
  version: number;
  forwardedBy: string | null;
}

export function overdueEvent(b: Bulletin, o: OverdueRecipient, detectedAt: Date): EventToEmit {
  const data: bulletinsEventsV1.BulletinAcknowledgementOverdue = {
    bulletinId: b.bulletinId,
    issuingJurisdictionCode: b.issuingJurisdiction,
    issuer: orgToProto(b.issuer),
    issueNumber: b.issueNumber ?? undefined,
    title: b.title,
    recipient: recipientToProto(o.recipient),
    party: partyCodec.toProto(o.party),
    version: o.version,
    acknowledgementDueTime: b.ackDueAt ?? undefined,
    forwardedByJurisdictionCode: o.forwardedBy ?? "",
    detectTime: detectedAt,
  };
  return emit(bulletinsEvents.acknowledgementOverdue, b.bulletinId, data, [toLocal("alerts")]);
}
