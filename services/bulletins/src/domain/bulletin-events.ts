/**
 * The published language of bulletins: the payloads of the events a decision emits and the
 * reading of the events other nodes deliver, as pure mappings between the domain and
 * `bulletinsEventsV1` (which embeds the contract's Audience, Recipient and enums).
 */
import { enumCodec, InvalidArgumentError, isUuid, type AuditMetadata } from "@jinlian/chassis";
import { bulletinsEventsV1, bulletinsV1 } from "@jinlian/proto";
import {
  BULLETIN_KINDS,
  CLASSIFICATIONS,
  URGENCIES,
  type Approval,
  type Audience,
  type Bulletin,
  type BulletinKind,
  type Classification,
  type IssueNumber,
  type OrganisationRef,
  type Recipient,
  type Urgency,
} from "./bulletin";
import { PARTIES, type Party } from "./receipts";

export const SERVICE = "bulletins";

const P = bulletinsV1;
export const kindCodec = enumCodec(P.BulletinKind, "BULLETIN_KIND_", BULLETIN_KINDS);
export const urgencyCodec = enumCodec(P.Urgency, "URGENCY_", URGENCIES);
export const classificationCodec = enumCodec(P.Classification, "CLASSIFICATION_", CLASSIFICATIONS);
const partyEnum = enumCodec(P.Party, "PARTY_", PARTIES);
/** A party in contracts; unspecified is null (the whole recipient). Undefined: a value the contract does not define. */
export const partyCodec = {
  toProto: (p: Party | null): bulletinsV1.Party => (p === null ? P.Party.PARTY_UNSPECIFIED : partyEnum.toProto(p)),
  fromProto: (n: number): Party | null | undefined => (n === 0 ? null : partyEnum.fromProto(n)),
};

export function orgToProto(o: OrganisationRef) {
  return { creditCode: o.creditCode, jurisdictionCode: o.jurisdictionCode, name: o.name };
}

export function orgFromProto(o: { creditCode: string; jurisdictionCode: string; name: string }): OrganisationRef {
  return { creditCode: o.creditCode.trim(), jurisdictionCode: o.jurisdictionCode.trim(), name: o.name.trim() };
}

export function audienceToProto(a: Audience): bulletinsV1.Audience {
  return { allDistricts: a.allDistricts, jurisdictionCodes: [...a.jurisdictionCodes], organisations: a.organisations.map(orgToProto) };
}

export function audienceFromProto(a: bulletinsV1.Audience | undefined): Audience {
  return {
    allDistricts: a?.allDistricts ?? false,
    jurisdictionCodes: (a?.jurisdictionCodes ?? []).map((c) => c.trim()),
    organisations: (a?.organisations ?? []).map(orgFromProto),
  };
}

export function recipientToProto(r: Recipient): bulletinsV1.Recipient {
  return r.kind === "node"
    ? { recipient: { $case: "jurisdictionCode", value: r.jurisdictionCode } }
    : { recipient: { $case: "organisation", value: orgToProto(r.organisation) } };
}

export function recipientFromProto(r: bulletinsV1.Recipient | undefined): Recipient | undefined {
  switch (r?.recipient?.$case) {
    case "jurisdictionCode":
      return { kind: "node", jurisdictionCode: r.recipient.value.trim() };
    case "organisation":
      return { kind: "organisation", organisation: orgFromProto(r.recipient.value) };
    default:
      return undefined;
  }
}

export function publishedEvent(b: Bulletin, audit: AuditMetadata): bulletinsEventsV1.BulletinPublished {
  return {
    bulletinId: b.bulletinId,
    kind: kindCodec.toProto(b.kind),
    issuer: orgToProto(b.issuer),
    issuingJurisdictionCode: b.issuingJurisdiction,
    issueNumber: b.issueNumber ?? undefined,
    title: b.title,
    body: b.body,
    mainAudience: audienceToProto(b.mainAudience),
    copyAudience: audienceToProto(b.copyAudience),
    urgency: urgencyCodec.toProto(b.urgency),
    classification: classificationCodec.toProto(b.classification),
    acknowledgementDueTime: b.ackDueAt ?? undefined,
    version: b.currentVersion,
    audit,
    acknowledgementWindowSeconds: String(b.ackWindowSeconds ?? 0),
    coIssuers: b.coIssuers.map(orgToProto),
    approval: approvalToProto(b.approval),
  };
}

export function approvalToProto(a: Approval | null): bulletinsV1.Approval | undefined {
  if (!a) return undefined;
  return {
    approver: { name: a.approverName, position: a.approverPosition },
    audit: { actor: a.actor, reason: a.reason, requestId: a.requestId, occurTime: a.at, jurisdictionCode: a.jurisdiction },
  };
}

export function approvalFromProto(a: bulletinsV1.Approval | undefined): Approval | null {
  if (!a?.approver) return null;
  return {
    approverName: a.approver.name,
    approverPosition: a.approver.position,
    actor: a.audit?.actor ?? "",
    reason: a.audit?.reason ?? "",
    requestId: a.audit?.requestId ?? "",
    at: a.audit?.occurTime ?? new Date(0),
    jurisdiction: a.audit?.jurisdictionCode ?? "",
  };
}

export function correctedEvent(
  b: Bulletin,
  supersedes: number,
  audit: AuditMetadata,
  audienceChanged = false,
): bulletinsEventsV1.BulletinCorrected {
  return {
    // The audiences travel only with a correction of the audience: the receiving node reconciles.
    ...(audienceChanged ? { mainAudience: audienceToProto(b.mainAudience), copyAudience: audienceToProto(b.copyAudience) } : {}),
    bulletinId: b.bulletinId,
    issuingJurisdictionCode: b.issuingJurisdiction,
    version: b.currentVersion,
    supersedesVersion: supersedes,
    title: b.title,
    body: b.body,
    acknowledgementDueTime: b.ackDueAt ?? undefined,
    audit,
  };
}

export function recalledEvent(b: Bulletin, supersedes: number, audit: AuditMetadata): bulletinsEventsV1.BulletinRecalled {
  return {
    bulletinId: b.bulletinId,
    issuingJurisdictionCode: b.issuingJurisdiction,
    version: b.currentVersion,
    supersedesVersion: supersedes,
    audit,
  };
}

export function acknowledgedEvent(
  b: Bulletin,
  recipient: Recipient,
  version: number,
  readerName: string,
  audit: AuditMetadata,
  party: Party | null = null,
): bulletinsEventsV1.BulletinAcknowledged {
  return {
    bulletinId: b.bulletinId,
    issuingJurisdictionCode: b.issuingJurisdiction,
    recipient: recipientToProto(recipient),
    acknowledgedVersion: version,
    readerName,
    audit,
    party: partyCodec.toProto(party),
  };
}

/** A bulletin published at another node, as its BulletinPublished event tells it. */
export interface ReceivedBulletin {
  bulletinId: string;
  kind: BulletinKind;
  issuer: OrganisationRef;
  issuingJurisdiction: string;
  issueNumber: IssueNumber;
  title: string;
  body: string;
  mainAudience: Audience;
  copyAudience: Audience;
  urgency: Urgency;
  classification: Classification;
  ackWindowSeconds: number | null;
  ackDueAt: Date | null;
  version: number;
  actor: string;
  requestId: string;
  occurredAt: Date;
  coIssuers: OrganisationRef[];
  approval: Approval | null;
}

/** Reads a delivered BulletinPublished; one lacking what a bulletin needs is INVALID_ARGUMENT. */
export function receivedFromEvent(e: bulletinsEventsV1.BulletinPublished, eventTime: Date, describe: string): ReceivedBulletin {
  const kind = kindCodec.fromProto(e.kind);
  const urgency = urgencyCodec.fromProto(e.urgency);
  const classification = classificationCodec.fromProto(e.classification);
  if (!kind || !urgency || !classification || !e.issuer || !e.issueNumber || !isUuid(e.bulletinId))
    throw new InvalidArgumentError([{ field: "data", description: "BulletinPublished lacks required fields" }], `malformed ${describe}`);
  // Audiences are kept as sent (no trimming): they are the issuer's record.
  const audience = (a: bulletinsV1.Audience | undefined): Audience => ({
    allDistricts: a?.allDistricts ?? false,
    jurisdictionCodes: a?.jurisdictionCodes ?? [],
    organisations: (a?.organisations ?? []).map((o) => ({ ...o })),
  });
  return {
    bulletinId: e.bulletinId,
    kind,
    issuer: { creditCode: e.issuer.creditCode, jurisdictionCode: e.issuer.jurisdictionCode, name: e.issuer.name },
    issuingJurisdiction: e.issuingJurisdictionCode,
    issueNumber: { year: e.issueNumber.year, number: e.issueNumber.number },
    title: e.title,
    body: e.body,
    mainAudience: audience(e.mainAudience),
    copyAudience: audience(e.copyAudience),
    urgency,
    classification,
    ackWindowSeconds: Number(e.acknowledgementWindowSeconds) || null,
    ackDueAt: e.acknowledgementDueTime ?? null,
    version: e.version || 1,
    actor: e.audit?.actor ?? "",
    requestId: e.audit?.requestId ?? "",
    occurredAt: e.audit?.occurTime ?? eventTime,
    coIssuers: e.coIssuers.map((o) => ({ ...o })),
    approval: approvalFromProto(e.approval),
  };
}
