/**
 * The delivery side of the bulletins contract: read status (paged, per party), forwarding (转发)
 * and unread work, mapped between proto and the use cases.
 */
import { validateExpectedRevision, Violations, type Attribution, type CallContext } from "@jinlian/chassis";
import { bulletinsV1 } from "@jinlian/proto";
import type { BulletinsApp, BulletinView, RecipientStatus } from "../../app/bulletins-app";
import type { BulletinForwarding } from "../../app/forwarding";
import { pageReadStatus } from "../../app/read-status";
import type { UnreadWork } from "../../app/unread-work";
import type { Receipt } from "../../domain/bulletin";
import { partyCodec, recipientFromProto, recipientToProto } from "../../domain/bulletin-events";
import type { PartyStatus } from "../../domain/receipts";
import { readStateCodec, roleCodec } from "./codecs";

export interface DeliveryUseCases {
  forwarding: BulletinForwarding;
  unread: UnreadWork;
}

function toProtoPartyStatus(p: PartyStatus): bulletinsV1.PartyReadStatus {
  return {
    party: partyCodec.toProto(p.party),
    state: readStateCodec.toProto(p.state),
    acknowledgedVersion: p.read?.version ?? 0,
    acknowledgeTime: p.read?.at,
    acknowledgedBy: p.read?.by ?? "",
    readerName: p.read?.readerName ?? "",
  };
}

export function toProtoReadStatus(s: RecipientStatus): bulletinsV1.RecipientReadStatus {
  const r = s.recipient;
  return {
    recipient: recipientToProto(r.recipient),
    role: roleCodec.toProto(r.role),
    deliveryJurisdictionCode: r.deliveryJurisdiction,
    state: readStateCodec.toProto(s.state),
    acknowledgedVersion: r.acknowledgedVersion,
    acknowledgeTime: r.acknowledgedAt ?? undefined,
    acknowledgedBy: r.acknowledgedBy ?? "",
    readerName: r.readerName ?? "",
    parties: (s.parties ?? []).map(toProtoPartyStatus),
    forwardedByJurisdictionCode: r.forwardedBy ?? "",
    forwardReason: r.forwardReason ?? "",
  };
}

export function toProtoReceipt(r: Receipt): bulletinsV1.Receipt {
  return {
    recipient: recipientToProto(r.recipient),
    version: r.version,
    acknowledgeTime: r.at,
    acknowledgedBy: r.by,
    readerName: r.readerName,
    reason: r.reason,
    requestId: r.requestId,
    party: partyCodec.toProto(r.party ?? null),
  };
}

/** A party as a request names it: null for unspecified, undefined for a value the contract does not define. */
export function partyFrom(n: number) {
  return partyCodec.fromProto(n);
}

export async function readStatusResponse(app: BulletinsApp, req: bulletinsV1.GetBulletinReadStatusRequest) {
  const status = await app.readStatus(req.bulletinId, req.readerCreditCode);
  const { recipients, receipts, partySummary, page } = pageReadStatus(status, req.page);
  const all = status.recipients;
  const count = (s: string) => all.filter((r) => r.state === s).length;
  return {
    bulletinId: status.bulletin.bulletinId,
    currentVersion: status.bulletin.currentVersion,
    acknowledgementDueTime: status.bulletin.ackDueAt ?? undefined,
    recipients: recipients.map(toProtoReadStatus),
    summary: { recipients: all.length, read: count("READ"), unread: count("UNREAD"), overdue: count("OVERDUE") },
    receipts: receipts.map(toProtoReceipt),
    page: page ?? { nextPageToken: "", totalSize: all.length },
    partySummary,
  };
}

/** The handlers of ForwardBulletin and ListUnreadBulletins. */
export function deliveryHandlers(
  use: DeliveryUseCases,
  toProtoBulletin: (v: BulletinView) => bulletinsV1.Bulletin,
  by: (call: CallContext, reason: string) => Attribution,
) {
  return {
    async forwardBulletin(req: bulletinsV1.ForwardBulletinRequest, call: CallContext): Promise<bulletinsV1.ForwardBulletinResponse> {
      const v = new Violations();
      validateExpectedRevision(v, req.expectedRevision);
      v.throwIfAny();
      const view = await use.forwarding.forward(
        req.bulletinId,
        req.expectedRevision,
        req.organisationIds,
        req.creditCodes,
        by(call, req.reason),
      );
      return { bulletin: toProtoBulletin(view) };
    },
    async listUnreadBulletins(req: bulletinsV1.ListUnreadBulletinsRequest): Promise<bulletinsV1.ListUnreadBulletinsResponse> {
      const f = req.filter;
      const result = await use.unread.list(
        { recipient: recipientFromProto(f?.recipient), party: partyFrom(f?.party ?? 0), overdueOnly: f?.overdueOnly ?? false },
        req.page?.pageSize ?? 0,
        req.page?.pageToken ?? "",
      );
      return {
        bulletins: result.items.map((x) => ({
          bulletin: toProtoBulletin({ bulletin: x.bulletin, readCounts: x.readCounts }),
          state: readStateCodec.toProto(x.state),
          acknowledgedVersion: x.acknowledgedVersion,
          unreadParties: x.unreadParties.map((p) => partyCodec.toProto(p)),
        })),
        page: { nextPageToken: result.nextPageToken, totalSize: result.totalSize },
      };
    },
  };
}
