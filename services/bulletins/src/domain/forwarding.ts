/**
 * 转发 (forwarding): a node that received a bulletin passes it on to organisations of its own
 * jurisdiction (e.g. its chambers of commerce). They become recipients held at this node — they
 * read and acknowledge here — and the issuer is told, so its read status shows the whole tree and
 * their receipts, which this node sends it like any other. Pure rules, no I/O.
 */
import {
  emit,
  FailedPreconditionError,
  isUuid,
  toNode,
  Violations,
  type AuditMetadata,
  type Decision,
  type EventToEmit,
  bulletinsEvents,
} from "@jinlian/chassis";
import { creditCodeProblem, describeCreditCodeProblem } from "@jinlian/kernel";
import type { bulletinsEventsV1 } from "@jinlian/proto";
import { LIMITS, recipientKey, type Bulletin, type OrganisationRef, type Recipient, type RecipientEntry } from "./bulletin";
import type { DecisionContext } from "./bulletin-decisions";
import { orgToProto } from "./bulletin-events";

/** An organisation as this node's registry projection knows it. */
export interface RegisteredOrganisation {
  organisationId: string;
  creditCode: string;
  name: string;
  type: string;
  jurisdictionCode: string;
  active: boolean;
}

/** One organisation the request names, with the field naming it and what the registry knows of it. */
export interface ForwardTarget {
  field: string;
  known: RegisteredOrganisation | undefined;
}

/** The request's own rules, checked before anything is read. */
export function validateForwardRequest(organisationIds: readonly string[], creditCodes: readonly string[], reason: string): void {
  const v = new Violations();
  if (organisationIds.length + creditCodes.length === 0) v.add("organisation_ids", "name at least one organisation (or credit_codes)");
  else if (organisationIds.length + creditCodes.length > LIMITS.recipients)
    v.add("organisation_ids", `at most ${LIMITS.recipients} organisations in all`);
  else {
    organisationIds.forEach((id, i) => {
      if (!isUuid(id)) v.add(`organisation_ids[${i}]`, "must be a liaison registry id (UUID)");
    });
    creditCodes.forEach((code, i) => {
      const problem = creditCodeProblem(code);
      if (problem) v.add(`credit_codes[${i}]`, describeCreditCodeProblem(problem));
    });
  }
  if (reason.trim().length === 0) v.add("reason", "is required: why it is forwarded");
  else if ([...reason].length > LIMITS.reasonChars) v.add("reason", `must be at most ${LIMITS.reasonChars} characters`);
  v.throwIfAny();
}

function refuse(type: string, b: Bulletin, description: string): never {
  throw new FailedPreconditionError([{ type, subject: `bulletins/${b.bulletinId}`, description }]);
}

/** What the bulletin's status and origin allow: only a live, unrestricted copy this node received as a node recipient. */
export function assertCanForward(b: Bulletin, here: string): void {
  if (b.origin !== "RECEIVED")
    refuse("BULLETIN_ISSUED_HERE", b, "a bulletin issued at this node is not forwarded: address the organisations in its audience");
  if (b.status === "RECALLED") refuse("BULLETIN_RECALLED", b, "the bulletin has been recalled; there is nothing to forward");
  if (b.status !== "PUBLISHED") refuse("BULLETIN_NOT_PUBLISHED", b, "only a published bulletin is forwarded");
  if (b.classification === "RESTRICTED")
    refuse("BULLETIN_RESTRICTED", b, "a restricted bulletin (限制分发) is for its named recipients only and is not forwarded");
  if (!b.recipients.some((r) => r.key === `node:${here}` && r.withdrawnVersion == null))
    refuse("NOT_NODE_RECIPIENT", b, `node ${here} is not itself a recipient of this bulletin, so it has nothing to forward`);
}

/** Organisations a node's bureau and federation stand for as the node recipient. */
const NODE_PARTIES = new Set(["JUSTICE_BUREAU", "FEDERATION"]);

/**
 * Forwarding to `targets`: each must be a known, active organisation of this node, neither its
 * bureau nor its federation, and not yet a recipient. The copy gains the recipients (held here),
 * and the issuer is told.
 */
export function decideForward(before: Bulletin, targets: readonly ForwardTarget[], ctx: DecisionContext): Decision<Bulletin> {
  assertCanForward(before, ctx.here);
  const v = new Violations();
  const seen = new Map<string, string>();
  const held = new Set(before.recipients.map((r) => r.key));
  const added: RegisteredOrganisation[] = [];
  for (const { field, known } of targets) {
    if (!known) {
      v.add(field, `not in this node's registry (${ctx.here})`);
      continue;
    }
    if (known.jurisdictionCode !== ctx.here)
      v.add(
        field,
        `${known.name} belongs to ${known.jurisdictionCode}: a node forwards to organisations of its own jurisdiction (${ctx.here})`,
      );
    else if (NODE_PARTIES.has(known.type)) v.add(field, `${known.name} is this node's own ${known.type}: the node recipient stands for it`);
    else if (seen.has(known.creditCode)) v.add(field, `duplicate organisation (also ${seen.get(known.creditCode)})`);
    else if (held.has(`org:${known.creditCode}`)) v.add(field, `${known.name} is already a recipient of this bulletin`);
    else {
      seen.set(known.creditCode, field);
      added.push(known);
    }
  }
  if (before.recipients.length + added.length > LIMITS.recipients * 2)
    v.add("organisation_ids", `a bulletin tracks at most ${LIMITS.recipients * 2} recipients`);
  v.throwIfAny();
  const inactive = targets.filter((t) => t.known && !t.known.active);
  if (inactive.length > 0)
    throw new FailedPreconditionError(
      inactive.map((t) => ({
        type: "ORGANISATION_DEACTIVATED",
        subject: `organisation/${t.known!.creditCode}`,
        description: `${t.field}: ${t.known!.name} (${t.known!.creditCode}) is deactivated in the liaison registry and takes nothing new`,
      })),
    );
  const organisations: OrganisationRef[] = added.map((o) => ({
    creditCode: o.creditCode,
    jurisdictionCode: o.jurisdictionCode,
    name: o.name,
  }));
  const state: Bulletin = {
    ...before,
    updatedAt: ctx.now,
    recipients: [...before.recipients, ...forwardedEntries(organisations, ctx.here, ctx.audit.reason)],
  };
  return {
    state,
    action: "ForwardBulletin",
    events: [forwardedEvent(before, organisations, ctx.audit)],
  };
}

/** Recipients added by forwarding at `node`: held there, main recipients, not yet read. */
export function forwardedEntries(organisations: readonly OrganisationRef[], node: string, reason: string): RecipientEntry[] {
  return organisations.map((organisation) => {
    const recipient: Recipient = { kind: "organisation", organisation };
    return {
      key: recipientKey(recipient),
      recipient,
      role: "MAIN",
      deliveryJurisdiction: node,
      acknowledgedVersion: 0,
      acknowledgedAt: null,
      acknowledgedBy: null,
      readerName: null,
      forwardedBy: node,
      forwardReason: reason,
    };
  });
}

function forwardedEvent(b: Bulletin, organisations: readonly OrganisationRef[], audit: AuditMetadata): EventToEmit {
  const data: bulletinsEventsV1.BulletinForwarded = {
    bulletinId: b.bulletinId,
    issuingJurisdictionCode: b.issuingJurisdiction,
    forwardingJurisdictionCode: audit.jurisdictionCode,
    organisations: organisations.map(orgToProto),
    version: b.currentVersion,
    audit,
  };
  // Back to the issuer only: the organisations read their copy here.
  return emit(bulletinsEvents.forwarded, b.bulletinId, data, [toNode(b.issuingJurisdiction)]);
}

/**
 * At the issuer, a forwarding reported by `from`: the recipients to add, or a refusal naming what
 * is wrong (the event is dead-lettered). Only a node recipient of the bulletin forwards, and only
 * to organisations of its own jurisdiction. Recipients already tracked are left as they are.
 */
export function forwardedRecipientsAtIssuer(
  before: Bulletin,
  e: { organisations: readonly OrganisationRef[]; reason: string },
  from: string,
): { entries: RecipientEntry[]; problems: string[] } {
  const problems: string[] = [];
  if (before.origin !== "ISSUED") problems.push("the bulletin was not issued at this node");
  if (!before.recipients.some((r) => r.key === `node:${from}`)) problems.push(`node ${from} is not a recipient of this bulletin`);
  e.organisations.forEach((o, i) => {
    const problem = creditCodeProblem(o.creditCode);
    if (problem) problems.push(`organisations[${i}].credit_code: ${describeCreditCodeProblem(problem)}`);
    if (o.jurisdictionCode !== from)
      problems.push(`organisations[${i}] belongs to ${o.jurisdictionCode}, not to the forwarding node ${from}`);
  });
  if (problems.length > 0) return { entries: [], problems };
  const held = new Set(before.recipients.map((r) => r.key));
  const entries = forwardedEntries(e.organisations, from, e.reason).filter((r) => !held.has(r.key));
  return { entries, problems };
}
