/**
 * Bulletins as an office issues them: the issuer (and joint issuers) from the registry, the
 * approval (签发) a draft needs before publication, the audience a correction may fix, and who
 * may read a restricted (限制分发) bulletin. Pure: the use cases read the registry and the state.
 */
import { creditCodeProblem, describeCreditCodeProblem } from "@jinlian/kernel";
import { FailedPreconditionError, Violations } from "@jinlian/chassis";
import {
  isWithdrawn,
  LIMITS,
  recipientKey,
  resolveRecipients,
  type Approval,
  type Audience,
  type Bulletin,
  type OrganisationRef,
  type RecipientEntry,
  type ResolvedRecipient,
} from "./bulletin";

/** The parties that may issue bulletins: a node's justice bureau and its federation. */
export const ISSUING_TYPES = ["JUSTICE_BUREAU", "FEDERATION"] as const;

/** An organisation as this node's registry projection knows it. */
export interface RegisteredParty {
  creditCode: string;
  name: string;
  type: string;
  jurisdictionCode: string;
  active: boolean;
}

/** The record the registry holds for a credit code: an active one if any (a re-registration wins). */
function recordOf(code: string, known: readonly RegisteredParty[]): RegisteredParty | undefined {
  const all = known.filter((k) => k.creditCode === code);
  return all.find((k) => k.active) ?? all[0];
}

/**
 * The issuer and co-issuers as the registry names them. Each must be known, a justice bureau or
 * federation, and of this node (INVALID_ARGUMENT on its `credit_code`), distinct, and active
 * (FAILED_PRECONDITION ORGANISATION_DEACTIVATED). Caller-given names and jurisdictions are
 * replaced by the registry's.
 */
export function issuersFromRegistry(
  issuer: OrganisationRef,
  coIssuers: readonly OrganisationRef[],
  known: readonly RegisteredParty[],
  here: string,
): { issuer: OrganisationRef; coIssuers: OrganisationRef[] } {
  const v = new Violations();
  const inactive: RegisteredParty[] = [];
  const seen = new Set<string>();
  const resolve = (path: string, o: OrganisationRef): OrganisationRef => {
    const field = `${path}.credit_code`;
    if (seen.has(o.creditCode)) v.add(field, "names an issuer already named");
    seen.add(o.creditCode);
    const k = recordOf(o.creditCode, known);
    if (!k) v.add(field, `${o.creditCode} is not an organisation in this node's liaison registry`);
    else if (!(ISSUING_TYPES as readonly string[]).includes(k.type))
      v.add(field, `${k.name} is a ${k.type}: only a justice bureau or a federation issues bulletins`);
    else if (k.jurisdictionCode !== here) v.add(field, `${k.name} belongs to ${k.jurisdictionCode}, not to this node ${here}`);
    else if (!k.active) inactive.push(k);
    return k ? { creditCode: k.creditCode, jurisdictionCode: k.jurisdictionCode, name: k.name } : o;
  };
  const lead = resolve("issuer", issuer);
  const co = coIssuers.map((o, i) => resolve(`co_issuers[${i}]`, o));
  v.throwIfAny();
  assertIssuersActive(inactive);
  return { issuer: lead, coIssuers: co };
}

/** At publication the issuers must still be active: the registry may have deactivated one since. */
export function assertIssuersStillActive(b: Pick<Bulletin, "issuer" | "coIssuers">, known: readonly RegisteredParty[]): void {
  const inactive = [b.issuer, ...b.coIssuers]
    .map((o) => recordOf(o.creditCode, known))
    .filter((k): k is RegisteredParty => k !== undefined && !k.active);
  assertIssuersActive(inactive);
}

function assertIssuersActive(inactive: readonly RegisteredParty[]): void {
  if (inactive.length === 0) return;
  throw new FailedPreconditionError(
    inactive.map((k) => ({
      type: "ORGANISATION_DEACTIVATED",
      subject: `organisation/${k.creditCode}`,
      description: `${k.name} (${k.creditCode}) is deactivated in the liaison registry and issues nothing`,
    })),
  );
}

/** The approver of a draft: name and position, both required. */
export function approvalOf(
  approver: { name: string; position: string } | undefined,
  audit: { actor: string; reason: string; requestId: string; occurTime: Date; jurisdictionCode: string },
): Approval {
  const v = new Violations();
  const name = approver?.name.trim() ?? "";
  const position = approver?.position.trim() ?? "";
  if (!approver) v.add("approver", "is required: the approving official's name and position");
  else {
    if (!name) v.add("approver.name", "is required");
    else if ([...name].length > LIMITS.nameChars) v.add("approver.name", `must be at most ${LIMITS.nameChars} characters`);
    if (!position) v.add("approver.position", "is required");
    else if ([...position].length > LIMITS.nameChars) v.add("approver.position", `must be at most ${LIMITS.nameChars} characters`);
  }
  if ([...audit.reason].length > LIMITS.reasonChars) v.add("reason", `must be at most ${LIMITS.reasonChars} characters`);
  v.throwIfAny();
  return {
    approverName: name,
    approverPosition: position,
    actor: audit.actor,
    reason: audit.reason,
    requestId: audit.requestId,
    at: audit.occurTime,
    jurisdiction: audit.jurisdictionCode,
  };
}

export function assertApproved(b: Bulletin): void {
  if (!b.approval)
    throw new FailedPreconditionError([
      {
        type: "BULLETIN_NOT_APPROVED",
        subject: `bulletins/${b.bulletinId}`,
        description: "the draft has not been approved (签发), or was changed since: approve it, then publish",
      },
    ]);
}

export function assertNotApprovedYet(b: Bulletin): void {
  if (b.approval)
    throw new FailedPreconditionError([
      {
        type: "BULLETIN_ALREADY_APPROVED",
        subject: `bulletins/${b.bulletinId}`,
        description: `already approved by ${b.approval.approverName} (${b.approval.approverPosition}); changing the draft withdraws the approval`,
      },
    ]);
}

/**
 * The recipients after a correction of the audience at `version`: addressed recipients keep
 * their receipts (and take the new role), recipients no longer addressed are withdrawn from
 * `version` on (kept for the record), recipients newly addressed (or addressed again) are
 * tracked afresh. `held` limits the result to the recipients a node holds (the issuer holds all).
 */
export function reconcileRecipients(
  before: readonly RecipientEntry[],
  main: Audience,
  copy: Audience,
  issuingJurisdiction: string,
  version: number,
  held: (r: ResolvedRecipient) => boolean = () => true,
): RecipientEntry[] {
  const next = new Map(
    resolveRecipients(main, copy, issuingJurisdiction)
      .filter(held)
      .map((r) => [r.key, r]),
  );
  const out: RecipientEntry[] = before.map((r) => {
    const addressed = next.get(r.key);
    // A recipient added by forwarding (转发) is not in the audience: it stays while the node that
    // forwarded it is addressed (domain/forwarding.ts).
    if (!addressed && r.forwardedBy && next.has(`node:${r.forwardedBy}`)) return r;
    if (!addressed) return isWithdrawn(r) ? r : { ...r, withdrawnVersion: version };
    return { ...r, role: addressed.role, withdrawnVersion: null };
  });
  const known = new Set(before.map((r) => r.key));
  for (const r of next.values())
    if (!known.has(r.key))
      out.push({ ...r, acknowledgedVersion: 0, acknowledgedAt: null, acknowledgedBy: null, readerName: null, withdrawnVersion: null });
  return out;
}

/** The recipients still addressed (not withdrawn by a correction of the audience). */
export function addressed(recipients: readonly RecipientEntry[]): RecipientEntry[] {
  return recipients.filter((r) => !isWithdrawn(r));
}

/** Which nodes a correction of the audience keeps, adds and leaves without recipients. */
export function nodeChanges(before: readonly string[], after: readonly string[]): { kept: string[]; added: string[]; removed: string[] } {
  const b = new Set(before);
  const a = new Set(after);
  return {
    kept: [...a].filter((n) => b.has(n)).sort(),
    added: [...a].filter((n) => !b.has(n)).sort(),
    removed: [...b].filter((n) => !a.has(n)).sort(),
  };
}

/**
 * Who is reading: an organisation by credit code, and — when this node's registry knows it as an
 * active justice bureau or federation — the node it stands for as a recipient.
 */
export interface Reader {
  creditCode: string;
  /** The recipient keys the reader answers to: its own, and its node's if it is one of the node's two parties. */
  keys: string[];
}

/** A reader's credit code must be well-formed (INVALID_ARGUMENT on `field`); empty means no reader. */
export function readerOf(creditCode: string, known: readonly RegisteredParty[], field: string): Reader | undefined {
  const code = creditCode.trim().toUpperCase();
  if (!code) return undefined;
  const problem = creditCodeProblem(code);
  if (problem) {
    const v = new Violations();
    v.add(field, describeCreditCodeProblem(problem));
    v.throwIfAny();
  }
  const keys = [recipientKey({ kind: "organisation", organisation: { creditCode: code, jurisdictionCode: "", name: "" } })];
  const k = recordOf(code, known);
  if (k && k.active && (ISSUING_TYPES as readonly string[]).includes(k.type))
    keys.push(recipientKey({ kind: "node", jurisdictionCode: k.jurisdictionCode }));
  return { creditCode: code, keys };
}

/**
 * 限制分发: a restricted bulletin is visible only to its issuers and to the recipients this node
 * tracks (still addressed); anything else is visible to every reader, named or not.
 */
export function visibleTo(
  b: Pick<Bulletin, "classification" | "issuer" | "coIssuers" | "recipients">,
  reader: Reader | undefined,
): boolean {
  if (b.classification !== "RESTRICTED") return true;
  if (!reader) return false;
  if ([b.issuer, ...b.coIssuers].some((o) => o.creditCode === reader.creditCode)) return true;
  return addressed(b.recipients).some((r) => reader.keys.includes(r.key));
}
