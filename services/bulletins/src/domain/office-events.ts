/**
 * The events of a correction of the audience: the whole bulletin supplied (补发) to a node that
 * did not hold it, and its withdrawal from a node left without recipients.
 */
import { InvalidArgumentError, isUuid, type AuditMetadata } from "@jinlian/chassis";
import type { bulletinsEventsV1 } from "@jinlian/proto";
import type { Bulletin } from "./bulletin";
import {
  approvalToProto,
  audienceToProto,
  classificationCodec,
  kindCodec,
  orgToProto,
  receivedFromEvent,
  urgencyCodec,
  type ReceivedBulletin,
} from "./bulletin-events";

export function suppliedEvent(b: Bulletin, audit: AuditMetadata): bulletinsEventsV1.BulletinSupplied {
  return {
    bulletinId: b.bulletinId,
    kind: kindCodec.toProto(b.kind),
    issuer: orgToProto(b.issuer),
    coIssuers: b.coIssuers.map(orgToProto),
    issuingJurisdictionCode: b.issuingJurisdiction,
    issueNumber: b.issueNumber ?? undefined,
    title: b.title,
    body: b.body,
    mainAudience: audienceToProto(b.mainAudience),
    copyAudience: audienceToProto(b.copyAudience),
    urgency: urgencyCodec.toProto(b.urgency),
    classification: classificationCodec.toProto(b.classification),
    acknowledgementDueTime: b.ackDueAt ?? undefined,
    acknowledgementWindowSeconds: String(b.ackWindowSeconds ?? 0),
    version: b.currentVersion,
    publishTime: b.publishedAt ?? undefined,
    approval: approvalToProto(b.approval),
    audit,
  };
}

export function withdrawnEvent(b: Bulletin, supersedes: number, audit: AuditMetadata): bulletinsEventsV1.BulletinWithdrawn {
  return {
    bulletinId: b.bulletinId,
    issuingJurisdictionCode: b.issuingJurisdiction,
    version: b.currentVersion,
    supersedesVersion: supersedes,
    audit,
  };
}

/** A bulletin supplied at a later version, as its BulletinSupplied tells it; the correction's reason comes along. */
export interface SuppliedBulletin extends ReceivedBulletin {
  publishedAt: Date;
  reason: string;
}

/** Reads a delivered BulletinSupplied; one lacking what a bulletin needs is INVALID_ARGUMENT. */
export function suppliedFromEvent(e: bulletinsEventsV1.BulletinSupplied, eventTime: Date, describe: string): SuppliedBulletin {
  if (!isUuid(e.bulletinId) || e.version < 2 || !e.publishTime)
    throw new InvalidArgumentError(
      [{ field: "data", description: "BulletinSupplied needs a bulletin id, a version after the original and the publish time" }],
      `malformed ${describe}`,
    );
  // The same content as a publication, at a later version: read it the same way.
  const received = receivedFromEvent({ ...e, version: e.version }, eventTime, describe);
  return { ...received, version: e.version, publishedAt: e.publishTime, reason: e.audit?.reason ?? "" };
}
