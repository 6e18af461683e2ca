/**
 * Decisions about bulletins: given the bulletin as it stands and a command, the bulletin after
 * the change, the audit action and the events with their destinations — or a typed refusal.
 * Pure: the use cases read the state, apply the decision through the service kit, and do all I/O.
 */
import {
  emit,
  FailedPreconditionError,
  NotYetApplicableError,
  PermissionDeniedError,
  toNode,
  Violations,
  type AuditMetadata,
  type Decision,
  type EventToEmit,
} from "@jinlian/chassis";
import { bulletinsEvents } from "@jinlian/chassis";
import {
  acknowledgedVersionFor,
  acknowledgementDue,
  assertCanChange,
  deliveryNodes,
  isWithdrawn,
  issueYear,
  resolveRecipients,
  validateCorrection,
  validateDraft,
  validateOptionalReason,
  validateReason,
  validateAudiences,
  validateRestrictedAudience,
  type Audience,
  type Bulletin,
  type BulletinStatus,
  type BulletinVersion,
  type DraftContent,
  type Receipt,
  type Recipient,
  type RecipientEntry,
  type ResolvedRecipient,
  recipientKey,
} from "./bulletin";
import { assertReachable } from "./direction";
import { alreadyRead, validateParty, withRead, type Party } from "./receipts";
import { acknowledgedEvent, correctedEvent, publishedEvent, recalledEvent, type ReceivedBulletin } from "./bulletin-events";
import {
  addressed,
  approvalOf,
  assertApproved,
  assertNotApprovedYet,
  issuersFromRegistry,
  nodeChanges,
  reconcileRecipients,
  type RegisteredParty,
} from "./office";
import { suppliedEvent, withdrawnEvent, type SuppliedBulletin } from "./office-events";

/** Who decides, why, where and when: what a decision records besides the command. */
export interface DecisionContext {
  /** This node's jurisdiction. */
  readonly here: string;
  readonly now: Date;
  /** Who decides, why and under which request, at `here` and `now`: recorded as is and carried by the events. */
  readonly audit: AuditMetadata;
  /** The credit code of the organisation the caller acts for, when its credentials name one. */
  readonly actingFor?: string;
}

/**
 * Only a bulletin's issuers change it: where the caller's credentials name its organisation, it
 * must be the lead issuer or a co-issuer (the access rule has already admitted its role).
 */
function assertIssuedBy(before: Bulletin, ctx: DecisionContext, action: string): void {
  if (!ctx.actingFor) return;
  const issuers = [before.issuer, ...before.coIssuers].map((o) => o.creditCode);
  if (!issuers.includes(ctx.actingFor))
    throw new PermissionDeniedError(
      `only the bulletin's issuers (${issuers.join(", ")}) can ${action} it; the caller acts for ${ctx.actingFor}`,
    );
}

function fresh(r: ResolvedRecipient): RecipientEntry {
  return { ...r, acknowledgedVersion: 0, acknowledgedAt: null, acknowledgedBy: null, readerName: null };
}

function checkReason(reason: string): void {
  const v = new Violations();
  validateOptionalReason(v, reason);
  v.throwIfAny();
}

/**
 * A new draft. `registered` is what this node's registry knows of the credit codes the issuer and
 * co-issuers name: the issuers' names and jurisdiction are taken from there.
 */
export function decideCreateDraft(
  id: string,
  content: DraftContent,
  ctx: DecisionContext,
  registered: readonly RegisteredParty[] = [],
): Decision<Bulletin> {
  const draft = validateDraft(content, ctx.here);
  checkReason(ctx.audit.reason);
  const issuers = issuersFromRegistry(draft.issuer, draft.coIssuers ?? [], registered, ctx.here);
  const state: Bulletin = {
    bulletinId: id,
    origin: "ISSUED",
    status: "DRAFT",
    revision: 0,
    currentVersion: 0,
    kind: draft.kind,
    issuer: issuers.issuer,
    coIssuers: issuers.coIssuers,
    approval: null,
    issuingJurisdiction: ctx.here,
    issueNumber: null,
    title: draft.title,
    body: draft.body,
    mainAudience: draft.mainAudience,
    copyAudience: draft.copyAudience,
    urgency: draft.urgency,
    classification: draft.classification,
    ackWindowSeconds: draft.acknowledgementWindowSeconds,
    ackDueAt: null,
    createdBy: ctx.audit.actor,
    createdAt: ctx.now,
    publishedAt: null,
    updatedAt: ctx.now,
    versions: [],
    recipients: [],
  };
  // A draft is not delivered: nothing to emit.
  return { state, action: "CreateBulletinDraft", events: [] };
}

/**
 * New content for a draft. `content.coIssuers` undefined keeps the co-issuers; given (even empty),
 * they are replaced and named from `registered` (what the registry knows of the lead and the named
 * co-issuers) with the rules of creation; the lead issuer stays.
 */
export function decideUpdateDraft(
  before: Bulletin,
  content: Omit<DraftContent, "kind" | "issuer">,
  ctx: DecisionContext,
  registered: readonly RegisteredParty[] = [],
): Decision<Bulletin> {
  assertCanChange(before, "update");
  assertIssuedBy(before, ctx, "update");
  const draft = validateDraft({ ...content, kind: before.kind, issuer: before.issuer }, ctx.here);
  checkReason(ctx.audit.reason);
  const coIssuers =
    content.coIssuers === undefined
      ? before.coIssuers
      : issuersFromRegistry(before.issuer, content.coIssuers, registered, ctx.here).coIssuers;
  return {
    state: {
      ...before,
      coIssuers,
      title: draft.title,
      body: draft.body,
      mainAudience: draft.mainAudience,
      copyAudience: draft.copyAudience,
      urgency: draft.urgency,
      classification: draft.classification,
      ackWindowSeconds: draft.acknowledgementWindowSeconds,
      // A changed draft is not what was approved: it must be approved (签发) again.
      approval: null,
      updatedAt: ctx.now,
    },
    action: "UpdateBulletinDraft",
    events: [],
  };
}

/** Refuses what cannot be published before the use case draws a number from the series. */
export function assertCanPublish(before: Bulletin, reason: string): void {
  assertCanChange(before, "publish");
  checkReason(reason);
  assertApproved(before);
  // A draft written before districts could report up may address what a district cannot reach.
  assertReachable(before.mainAudience, before.copyAudience, before.issuingJurisdiction);
}

/** 签发: a named approver approves the draft for publication. */
export function decideApprove(
  before: Bulletin,
  approver: { name: string; position: string } | undefined,
  ctx: DecisionContext,
): Decision<Bulletin> {
  const approval = approvalOf(approver, ctx.audit);
  assertCanChange(before, "approve");
  assertIssuedBy(before, ctx, "approve");
  assertNotApprovedYet(before);
  return { state: { ...before, approval, updatedAt: ctx.now }, action: "ApproveBulletin", events: [] };
}

/** A draft never published may be deleted; the audit entry is what remains of it. */
export function decideDeleteDraft(before: Bulletin, ctx: DecisionContext): { action: string } {
  checkReason(ctx.audit.reason);
  assertCanChange(before, "delete");
  assertIssuedBy(before, ctx, "delete");
  return { action: "DeleteBulletinDraft" };
}

/**
 * Publishing a draft as issue `number` of the issuer's series for the year of `ctx.now`: version 1
 * (the original), every recipient tracked, and the bulletin delivered to every recipient node.
 */
export function decidePublish(before: Bulletin, number: number, ctx: DecisionContext): Decision<Bulletin> {
  // Refused before anything is written; the number drawn in the same transaction is rolled back.
  assertIssuedBy(before, ctx, "publish");
  assertCanPublish(before, ctx.audit.reason);
  const due = acknowledgementDue(ctx.now, before.ackWindowSeconds);
  const recipients = resolveRecipients(before.mainAudience, before.copyAudience, ctx.here);
  const original: BulletinVersion = {
    version: 1,
    change: "ORIGINAL",
    title: before.title,
    body: before.body,
    reason: "",
    actor: ctx.audit.actor,
    requestId: ctx.audit.requestId,
    jurisdiction: ctx.here,
    occurredAt: ctx.now,
    ackDueAt: due,
  };
  const state: Bulletin = {
    ...before,
    issueNumber: { year: issueYear(ctx.now), number },
    status: "PUBLISHED",
    currentVersion: 1,
    ackDueAt: due,
    publishedAt: ctx.now,
    updatedAt: ctx.now,
    versions: [original],
    recipients: recipients.map(fresh),
  };
  const nodes = deliveryNodes(recipients, ctx.here);
  return {
    state,
    action: "PublishBulletin",
    events: [emit(bulletinsEvents.published, state.bulletinId, publishedEvent(state, ctx.audit), nodes.map(toNode))],
  };
}

/**
 * A correction (更正): new content as version n+1, delivered to every recipient node. With a new
 * main and/or copy audience it also fixes the audience, without a new number: nodes kept get the
 * correction with the audiences, nodes added get the whole bulletin at n+1 (补发), nodes left
 * without recipients get it withdrawn.
 */
export function decideCorrect(
  before: Bulletin,
  c: { title: string; body: string; mainAudience?: Audience | undefined; copyAudience?: Audience | undefined },
  ctx: DecisionContext,
): Decision<Bulletin> {
  const audienceChanged = c.mainAudience !== undefined || c.copyAudience !== undefined;
  const main = c.mainAudience ?? before.mainAudience;
  const copy = c.copyAudience ?? before.copyAudience;
  validateCorrection(c.title, c.body, ctx.audit.reason, audienceChanged);
  // Only the audience corrected: an empty title or body keeps the current one.
  const title = c.title.trim().length > 0 ? c.title : before.title;
  const body = c.body.trim().length > 0 ? c.body : before.body;
  if (audienceChanged) {
    const v = new Violations();
    validateAudiences(v, main, copy, before.issuingJurisdiction);
    validateRestrictedAudience(v, before.classification, main, copy);
    v.throwIfAny();
  }
  assertCanChange(before, "correct");
  assertIssuedBy(before, ctx, "correct");
  const version = before.currentVersion + 1;
  const due = acknowledgementDue(ctx.now, before.ackWindowSeconds);
  const recipients = audienceChanged
    ? reconcileRecipients(before.recipients, main, copy, before.issuingJurisdiction, version)
    : before.recipients;
  const state: Bulletin = {
    ...before,
    title,
    body,
    mainAudience: main,
    copyAudience: copy,
    recipients,
    currentVersion: version,
    ackDueAt: due,
    updatedAt: ctx.now,
    versions: [...before.versions, newVersion(version, "CORRECTION", title, body, due, ctx)],
  };
  const nodes = nodeChanges(deliveryNodes(addressed(before.recipients), ctx.here), deliveryNodes(addressed(recipients), ctx.here));
  const events: EventToEmit[] = [
    emit(
      bulletinsEvents.corrected,
      state.bulletinId,
      correctedEvent(state, before.currentVersion, ctx.audit, audienceChanged),
      nodes.kept.map(toNode),
    ),
  ];
  if (nodes.added.length > 0)
    events.push(emit(bulletinsEvents.supplied, state.bulletinId, suppliedEvent(state, ctx.audit), nodes.added.map(toNode)));
  if (nodes.removed.length > 0)
    events.push(
      emit(bulletinsEvents.withdrawn, state.bulletinId, withdrawnEvent(state, before.currentVersion, ctx.audit), nodes.removed.map(toNode)),
    );
  return { state, action: "CorrectBulletin", events: events.filter((e) => e.to.length > 0) };
}

export function decideRecall(before: Bulletin, ctx: DecisionContext): Decision<Bulletin> {
  validateReason(ctx.audit.reason);
  assertCanChange(before, "recall");
  assertIssuedBy(before, ctx, "recall");
  const version = before.currentVersion + 1;
  const state: Bulletin = {
    ...before,
    status: "RECALLED",
    currentVersion: version,
    ackDueAt: null,
    updatedAt: ctx.now,
    versions: [...before.versions, newVersion(version, "RECALL", before.title, before.body, null, ctx)],
  };
  const event = recalledEvent(state, before.currentVersion, ctx.audit);
  return {
    state,
    action: "RecallBulletin",
    events: [emit(bulletinsEvents.recalled, state.bulletinId, event, deliveryNodes(addressed(before.recipients), ctx.here).map(toNode))],
  };
}

function newVersion(
  version: number,
  change: "CORRECTION" | "RECALL",
  title: string,
  body: string,
  due: Date | null,
  ctx: DecisionContext,
): BulletinVersion {
  return {
    version,
    change,
    title,
    body,
    reason: ctx.audit.reason,
    actor: ctx.audit.actor,
    requestId: ctx.audit.requestId,
    jurisdiction: ctx.here,
    occurredAt: ctx.now,
    ackDueAt: due,
  };
}

/**
 * What an acknowledgement changes: nothing when the recipient has already read that version
 * (or a later one); otherwise a new receipt — and, for a bulletin received from another node,
 * the receipt delivered back to the issuer. The bulletin's revision does not change.
 */
export interface AcknowledgementDecision {
  readonly receipt: Receipt | undefined;
  readonly action: string;
  readonly events: readonly EventToEmit[];
  /** The recipient after the receipt; unset when nothing changes. */
  readonly recipient?: RecipientEntry;
}

/**
 * A node recipient's parties acknowledge one at a time (`party`); `party` null acknowledges for
 * the whole recipient (an organisation, or both parties of a node at once, as before parties).
 */
export function decideAcknowledge(
  before: Bulletin,
  ack: { receiptId: string; recipient: Recipient; version: number; readerName: string; party?: Party | null },
  ctx: DecisionContext,
): AcknowledgementDecision {
  const party = ack.party ?? null;
  const pv = new Violations();
  validateParty(pv, "party", ack.recipient, party);
  pv.throwIfAny();
  const version = acknowledgedVersionFor(before, ack.version);
  const key = recipientKey(ack.recipient);
  const entry = before.recipients.find((r) => r.key === key);
  if (!entry || entry.deliveryJurisdiction !== ctx.here) {
    const v = new Violations();
    v.add("recipient", `${key} is not a recipient of this bulletin at node ${ctx.here}`);
    v.throwIfAny();
  }
  // A recipient a correction of the audience removed has nothing left to acknowledge.
  if (isWithdrawn(entry!))
    throw new FailedPreconditionError([
      {
        type: "RECIPIENT_WITHDRAWN",
        subject: `bulletin/${before.bulletinId}/${key}`,
        description: `${key} was removed from the audience at version ${entry!.withdrawnVersion}`,
      },
    ]);
  if (alreadyRead(entry!, party, version)) return { receipt: undefined, action: "AcknowledgeBulletin", events: [] };
  const receipt: Receipt = {
    receiptId: ack.receiptId,
    bulletinId: before.bulletinId,
    recipientKey: key,
    recipient: entry!.recipient,
    version,
    at: ctx.now,
    by: ctx.audit.actor,
    readerName: ack.readerName,
    reason: ctx.audit.reason,
    requestId: ctx.audit.requestId,
    party,
  };
  const events =
    before.origin === "RECEIVED"
      ? [
          emit(
            bulletinsEvents.acknowledged,
            before.bulletinId,
            acknowledgedEvent(before, ack.recipient, version, ack.readerName, ctx.audit, party),
            [toNode(before.issuingJurisdiction)],
          ),
        ]
      : [];
  const recipient = withRead(entry!, { party, version, at: ctx.now, by: ctx.audit.actor, readerName: ack.readerName });
  return { receipt, action: "AcknowledgeBulletin", events, recipient };
}

/**
 * A bulletin delivered from its issuer: this node keeps it with the recipients it holds copies
 * for. Undefined when none of the recipients is at this node (nothing to keep).
 */
export function decideReceive(r: ReceivedBulletin, ctx: DecisionContext): Decision<Bulletin> | undefined {
  const mine = resolveRecipients(r.mainAudience, r.copyAudience, r.issuingJurisdiction).filter((x) => x.deliveryJurisdiction === ctx.here);
  if (mine.length === 0) return undefined;
  const state: Bulletin = {
    bulletinId: r.bulletinId,
    origin: "RECEIVED",
    status: "PUBLISHED",
    revision: 0,
    currentVersion: r.version,
    kind: r.kind,
    issuer: r.issuer,
    coIssuers: r.coIssuers,
    approval: r.approval,
    issuingJurisdiction: r.issuingJurisdiction,
    issueNumber: r.issueNumber,
    title: r.title,
    body: r.body,
    mainAudience: r.mainAudience,
    copyAudience: r.copyAudience,
    urgency: r.urgency,
    classification: r.classification,
    ackWindowSeconds: r.ackWindowSeconds,
    ackDueAt: r.ackDueAt,
    createdBy: r.actor,
    createdAt: r.occurredAt,
    publishedAt: r.occurredAt,
    updatedAt: ctx.now,
    versions: [
      {
        version: r.version,
        change: "ORIGINAL",
        title: r.title,
        body: r.body,
        reason: "",
        actor: r.actor,
        requestId: r.requestId,
        jurisdiction: r.issuingJurisdiction,
        occurredAt: r.occurredAt,
        ackDueAt: r.ackDueAt,
      },
    ],
    recipients: mine.map(fresh),
  };
  return { state, action: "BulletinReceived", events: [] };
}

/** A correction or recall delivered from the issuer, as its event tells it. */
export interface ReceivedVersion {
  version: number;
  change: "CORRECTION" | "RECALL";
  /** Unset for a recall: the content stays. */
  title?: string;
  body?: string;
  reason: string;
  actor: string;
  requestId: string;
  jurisdiction: string;
  at: Date;
  due: Date | null;
  /** Set when a correction also fixed the audience: the audiences from this version on. */
  audiences?: { main: Audience; copy: Audience } | undefined;
}

/** Undefined when the version is not newer than the one held (a repeat or an out-of-order old one). */
export function decideReceivedVersion(before: Bulletin, v: ReceivedVersion, ctx: DecisionContext): Decision<Bulletin> | undefined {
  if (v.version <= before.currentVersion) return undefined;
  // Versions are applied one after another: a later one waits (held) for those in between.
  if (v.version > before.currentVersion + 1)
    throw new NotYetApplicableError(
      `version ${v.version} of bulletin ${before.bulletinId} arrived before version ${before.currentVersion + 1}`,
    );
  const title = v.title ?? before.title;
  const body = v.body ?? before.body;
  const status: BulletinStatus = v.change === "RECALL" ? "RECALLED" : "PUBLISHED";
  const version: BulletinVersion = {
    version: v.version,
    change: v.change,
    title,
    body,
    reason: v.reason,
    actor: v.actor,
    requestId: v.requestId,
    jurisdiction: v.jurisdiction,
    occurredAt: v.at,
    ackDueAt: v.due,
  };
  // A correction of the audience: this node tracks the recipients it now holds, withdraws the others.
  const recipients = v.audiences
    ? reconcileRecipients(
        before.recipients,
        v.audiences.main,
        v.audiences.copy,
        before.issuingJurisdiction,
        v.version,
        (r) => r.deliveryJurisdiction === ctx.here,
      )
    : before.recipients;
  return {
    state: {
      ...before,
      ...(v.audiences ? { mainAudience: v.audiences.main, copyAudience: v.audiences.copy, recipients } : {}),
      title,
      body,
      status,
      currentVersion: v.version,
      ackDueAt: v.due,
      updatedAt: ctx.now,
      versions: [...before.versions, version],
    },
    action: v.change === "RECALL" ? "BulletinRecalled" : "BulletinCorrected",
    events: [],
  };
}

/**
 * A read receipt delivered from the node holding the recipient's copy; undefined when the
 * party (or, for `party` null, every party of the recipient) has already acknowledged that
 * version or a later one. The version is capped at the current one.
 */
export function decideReceiptReceived(
  before: Bulletin,
  r: {
    receiptId: string;
    recipientKey: string;
    version: number;
    at: Date;
    by: string;
    readerName: string;
    reason: string;
    requestId: string;
    party?: Party | null;
  },
): Receipt | undefined {
  const entry = before.recipients.find((x) => x.key === r.recipientKey);
  const version = Math.min(r.version, before.currentVersion);
  const party = r.party ?? null;
  if (!entry || alreadyRead(entry, party, version)) return undefined;
  return { ...r, party, bulletinId: before.bulletinId, recipient: entry.recipient, version };
}

/**
 * 补发: the whole bulletin supplied at a later version to a node a correction added. A node that
 * never held it keeps it from that version; a node it had been withdrawn from holds it again.
 * Undefined when the version is not newer than the one held, or none of the recipients is here.
 */
export function decideSupplied(before: Bulletin | undefined, s: SuppliedBulletin, ctx: DecisionContext): Decision<Bulletin> | undefined {
  if (before && s.version <= before.currentVersion) return undefined;
  const held = (r: ResolvedRecipient) => r.deliveryJurisdiction === ctx.here;
  const recipients = reconcileRecipients(before?.recipients ?? [], s.mainAudience, s.copyAudience, s.issuingJurisdiction, s.version, held);
  if (addressed(recipients).length === 0) return undefined;
  const version: BulletinVersion = {
    version: s.version,
    change: "CORRECTION",
    title: s.title,
    body: s.body,
    reason: s.reason,
    actor: s.actor,
    requestId: s.requestId,
    jurisdiction: s.issuingJurisdiction,
    occurredAt: s.occurredAt,
    ackDueAt: s.ackDueAt,
  };
  const state: Bulletin = {
    bulletinId: s.bulletinId,
    origin: "RECEIVED",
    status: "PUBLISHED",
    revision: before?.revision ?? 0,
    currentVersion: s.version,
    kind: s.kind,
    issuer: s.issuer,
    coIssuers: s.coIssuers,
    approval: s.approval,
    issuingJurisdiction: s.issuingJurisdiction,
    issueNumber: s.issueNumber,
    title: s.title,
    body: s.body,
    mainAudience: s.mainAudience,
    copyAudience: s.copyAudience,
    urgency: s.urgency,
    classification: s.classification,
    ackWindowSeconds: s.ackWindowSeconds,
    ackDueAt: s.ackDueAt,
    createdBy: before?.createdBy ?? s.actor,
    createdAt: before?.createdAt ?? s.publishedAt,
    publishedAt: s.publishedAt,
    updatedAt: ctx.now,
    versions: [...(before?.versions ?? []), version],
    recipients,
  };
  return { state, action: "BulletinSupplied", events: [] };
}

/**
 * A correction of the audience left this node without recipients: from `version` on the bulletin
 * is withdrawn here (recalled for this node's recipients, nothing to acknowledge). Undefined when
 * the version is not newer than the one held.
 */
export function decideWithdrawn(
  before: Bulletin,
  w: { version: number; reason: string; actor: string; requestId: string; at: Date },
  ctx: DecisionContext,
): Decision<Bulletin> | undefined {
  if (w.version <= before.currentVersion) return undefined;
  const version: BulletinVersion = {
    version: w.version,
    change: "RECALL",
    title: before.title,
    body: before.body,
    reason: w.reason,
    actor: w.actor,
    requestId: w.requestId,
    jurisdiction: before.issuingJurisdiction,
    occurredAt: w.at,
    ackDueAt: null,
  };
  return {
    state: {
      ...before,
      status: "RECALLED",
      currentVersion: w.version,
      ackDueAt: null,
      updatedAt: ctx.now,
      recipients: before.recipients.map((r) => (r.withdrawnVersion ? r : { ...r, withdrawnVersion: w.version })),
      versions: [...before.versions, version],
    },
    action: "BulletinWithdrawn",
    events: [],
  };
}
