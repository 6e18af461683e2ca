/**
 * Bulletins domain (art. 20): pure rules, no I/O. Types here use the domain's words; the gRPC
 * and Kafka layers translate to and from the contracts.
 */
import { CITY_JURISDICTION, creditCodeProblem, describeCreditCodeProblem, DISTRICT_CODES, isJurisdictionCode } from "@jinlian/kernel";
import { FailedPreconditionError, Violations } from "@jinlian/chassis";
import { validateParty, type Party, type PartyRead } from "./receipts";
import { addDirectionViolations } from "./direction";

export const BULLETIN_KINDS = ["WORK_BRIEFING", "SPECIAL_NOTICE"] as const;
export type BulletinKind = (typeof BULLETIN_KINDS)[number];
export const URGENCIES = ["ROUTINE", "URGENT", "EXTRA_URGENT"] as const;
export type Urgency = (typeof URGENCIES)[number];
export const CLASSIFICATIONS = ["PUBLIC", "INTERNAL", "RESTRICTED"] as const;
export type Classification = (typeof CLASSIFICATIONS)[number];
export type BulletinStatus = "DRAFT" | "PUBLISHED" | "RECALLED";
export type Origin = "ISSUED" | "RECEIVED";
export type RecipientRole = "MAIN" | "COPY";
export type VersionChange = "ORIGINAL" | "CORRECTION" | "RECALL";
export type ReadState = "UNREAD" | "READ" | "OVERDUE" | "NOT_REQUIRED";

/** The aggregate type of a bulletin in the audit trail. */
export const BULLETIN_AGGREGATE = "bulletin";

export interface OrganisationRef {
  creditCode: string;
  jurisdictionCode: string;
  name: string;
}

/** A node (its justice bureau and federation, by jurisdiction) or an organisation. */
export type Recipient = { kind: "node"; jurisdictionCode: string } | { kind: "organisation"; organisation: OrganisationRef };

export interface Audience {
  allDistricts: boolean;
  jurisdictionCodes: string[];
  organisations: OrganisationRef[];
}

export interface DraftContent {
  kind: BulletinKind | undefined;
  /** Named by credit code; name and jurisdiction come from the registry (see domain/office.ts). */
  issuer: OrganisationRef | undefined;
  /** Joint issuance (联合印发): the other issuers, by credit code. */
  coIssuers?: OrganisationRef[];
  title: string;
  body: string;
  mainAudience: Audience;
  copyAudience: Audience;
  urgency: Urgency | undefined;
  classification: Classification | undefined;
  /** Seconds recipients have to acknowledge each version; null for no deadline. */
  acknowledgementWindowSeconds: number | null;
}

export type ValidDraft = DraftContent & { kind: BulletinKind; issuer: OrganisationRef; urgency: Urgency; classification: Classification };

export const LIMITS = Object.freeze({
  titleChars: 200,
  bodyChars: 50_000,
  nameChars: 100,
  reasonChars: 1_000,
  readerNameChars: 100,
  recipients: 500,
  minWindowSeconds: 3600,
  maxWindowSeconds: 90 * 24 * 3600,
});

export function recipientKey(r: Recipient): string {
  return r.kind === "node" ? `node:${r.jurisdictionCode}` : `org:${r.organisation.creditCode}`;
}

/** The node that holds a recipient's copy and takes its acknowledgement. */
export function deliveryJurisdiction(r: Recipient): string {
  return r.kind === "node" ? r.jurisdictionCode : r.organisation.jurisdictionCode;
}

export interface ResolvedRecipient {
  key: string;
  recipient: Recipient;
  role: RecipientRole;
  deliveryJurisdiction: string;
}

/** Main and copy audiences expanded into distinct recipients; main wins over copy. */
export function resolveRecipients(main: Audience, copy: Audience, issuingJurisdiction: string): ResolvedRecipient[] {
  const out = new Map<string, ResolvedRecipient>();
  const add = (a: Audience, role: RecipientRole) => {
    const nodes = a.allDistricts ? [...DISTRICT_CODES, ...a.jurisdictionCodes] : a.jurisdictionCodes;
    for (const code of nodes) {
      if (code === issuingJurisdiction) continue;
      const recipient: Recipient = { kind: "node", jurisdictionCode: code };
      const key = recipientKey(recipient);
      if (!out.has(key)) out.set(key, { key, recipient, role, deliveryJurisdiction: code });
    }
    for (const organisation of a.organisations) {
      const recipient: Recipient = { kind: "organisation", organisation };
      const key = recipientKey(recipient);
      if (!out.has(key)) out.set(key, { key, recipient, role, deliveryJurisdiction: organisation.jurisdictionCode });
    }
  };
  add(main, "MAIN");
  add(copy, "COPY");
  return [...out.values()];
}

/** Nodes other than the issuer that must receive the bulletin. */
export function deliveryNodes(recipients: readonly ResolvedRecipient[], issuingJurisdiction: string): string[] {
  return [...new Set(recipients.map((r) => r.deliveryJurisdiction).filter((j) => j !== issuingJurisdiction))].sort();
}

function validateOrganisation(v: Violations, path: string, org: OrganisationRef | undefined, required: boolean): void {
  if (!org) {
    if (required) v.add(path, "is required");
    return;
  }
  const problem = creditCodeProblem(org.creditCode);
  if (problem) v.add(`${path}.credit_code`, describeCreditCodeProblem(problem));
  if (!isJurisdictionCode(org.jurisdictionCode))
    v.add(`${path}.jurisdiction_code`, "must be 120000 or one of the 16 district codes of Tianjin");
  if (org.name.length > LIMITS.nameChars) v.add(`${path}.name`, `must be at most ${LIMITS.nameChars} characters`);
}

function validateIssuerRef(v: Violations, path: string, org: OrganisationRef | undefined, here: string): void {
  if (!org) {
    v.add(path, "is required");
    return;
  }
  const problem = creditCodeProblem(org.creditCode);
  if (problem) v.add(`${path}.credit_code`, describeCreditCodeProblem(problem));
  if (org.jurisdictionCode === "") return;
  if (!isJurisdictionCode(org.jurisdictionCode))
    v.add(`${path}.jurisdiction_code`, "must be 120000 or one of the 16 district codes of Tianjin");
  else if (org.jurisdictionCode !== here) v.add(`${path}.jurisdiction_code`, `must be this node's jurisdiction ${here}`);
}

/** 限制分发 goes to named recipients only: all_districts would name nobody in particular. */
export function validateRestrictedAudience(v: Violations, c: Classification | undefined, main: Audience, copy: Audience): void {
  if (c !== "RESTRICTED") return;
  if (main.allDistricts) v.add("main_audience.all_districts", "a restricted bulletin names its recipients: all_districts is not allowed");
  if (copy.allDistricts) v.add("copy_audience.all_districts", "a restricted bulletin names its recipients: all_districts is not allowed");
}

/** The audiences of a draft or of an audience correction: valid nodes and organisations, no duplicates, at least one main recipient. */
export function validateAudiences(v: Violations, main: Audience, copy: Audience, issuingJurisdiction: string): void {
  // The count first: an audience listing too many recipients is refused without looking at each.
  const listed = [main, copy].reduce((n, a) => n + a.jurisdictionCodes.length + a.organisations.length, 0);
  if (listed > LIMITS.recipients) {
    v.add("main_audience", `at most ${LIMITS.recipients} recipients in all`);
    return;
  }
  const seen = new Map<string, string>();
  validateAudience(v, "main_audience", main, issuingJurisdiction, seen);
  validateAudience(v, "copy_audience", copy, issuingJurisdiction, seen);
  // 报送: a district reaches the city and its own organisations only (domain/direction.ts).
  addDirectionViolations(v, main, copy, issuingJurisdiction);
  const recipients = resolveRecipients(main, copy, issuingJurisdiction);
  if (!recipients.some((r) => r.role === "MAIN")) v.add("main_audience", "must name at least one recipient");
  if (recipients.length > LIMITS.recipients) v.add("main_audience", `at most ${LIMITS.recipients} recipients in all`);
}

function validateText(v: Violations, path: string, value: string, max: number): void {
  if (value.trim().length === 0) v.add(path, "is required");
  else if ([...value].length > max) v.add(path, `must be at most ${max} characters`);
}

function validateAudience(v: Violations, path: string, a: Audience, issuingJurisdiction: string, seen: Map<string, string>): void {
  a.jurisdictionCodes.forEach((code, i) => {
    const p = `${path}.jurisdiction_codes[${i}]`;
    if (!isJurisdictionCode(code)) v.add(p, `unknown recipient "${code}": must be 120000 or one of the 16 district codes of Tianjin`);
    else if (code === issuingJurisdiction) v.add(p, "the issuing node cannot be a recipient");
    else if (a.allDistricts && code !== CITY_JURISDICTION) v.add(p, "already included by all_districts");
    else if (seen.has(`node:${code}`)) v.add(p, `duplicate recipient (also ${seen.get(`node:${code}`)})`);
    else seen.set(`node:${code}`, p);
  });
  a.organisations.forEach((org, i) => {
    const p = `${path}.organisations[${i}]`;
    validateOrganisation(v, p, org, true);
    if (seen.has(`org:${org.creditCode}`)) v.add(`${p}.credit_code`, `duplicate recipient (also ${seen.get(`org:${org.creditCode}`)})`);
    else seen.set(`org:${org.creditCode}`, p);
  });
}

/** Every rule a draft must satisfy; all violations are reported at once. */
export function validateDraft(d: DraftContent, issuingJurisdiction: string): ValidDraft {
  const v = new Violations();
  if (!d.kind) v.add("kind", `must be one of ${BULLETIN_KINDS.join(", ")}`);
  // Issuers are named by credit code: the registry supplies name and jurisdiction (a jurisdiction
  // given anyway must be this node's).
  validateIssuerRef(v, "issuer", d.issuer, issuingJurisdiction);
  (d.coIssuers ?? []).forEach((o, i) => validateIssuerRef(v, `co_issuers[${i}]`, o, issuingJurisdiction));
  validateText(v, "title", d.title, LIMITS.titleChars);
  validateText(v, "body", d.body, LIMITS.bodyChars);
  if (!d.urgency) v.add("urgency", `must be one of ${URGENCIES.join(", ")}`);
  if (!d.classification) v.add("classification", `must be one of ${CLASSIFICATIONS.join(", ")}`);
  validateRestrictedAudience(v, d.classification, d.mainAudience, d.copyAudience);
  validateAudiences(v, d.mainAudience, d.copyAudience, issuingJurisdiction);
  if (d.acknowledgementWindowSeconds !== null) {
    const w = d.acknowledgementWindowSeconds;
    if (!Number.isInteger(w) || w < LIMITS.minWindowSeconds || w > LIMITS.maxWindowSeconds)
      v.add("acknowledgement_window", "must be whole seconds between 1 hour and 90 days");
  }
  v.throwIfAny();
  return d as ValidDraft;
}

export function validateReason(reason: string): void {
  const v = new Violations();
  validateText(v, "reason", reason, LIMITS.reasonChars);
  v.throwIfAny();
}

/** A reason the caller may give (the audit trail records it); bounded like the required ones. */
export function validateOptionalReason(v: Violations, reason: string): void {
  if ([...reason].length > LIMITS.reasonChars) v.add("reason", `must be at most ${LIMITS.reasonChars} characters`);
}

/**
 * A correction's new content and its required reason. A correction that sets an audience may
 * leave title or body empty (keep the current one); otherwise both are required.
 */
export function validateCorrection(title: string, body: string, reason: string, audienceChanged = false): void {
  const v = new Violations();
  if (!audienceChanged || title.trim().length > 0) validateText(v, "title", title, LIMITS.titleChars);
  if (!audienceChanged || body.trim().length > 0) validateText(v, "body", body, LIMITS.bodyChars);
  validateText(v, "reason", reason, LIMITS.reasonChars);
  v.throwIfAny();
}

/** An acknowledgement names a recipient; the reader's name and the reason are bounded. */
export function validateAcknowledgement(
  recipient: Recipient | undefined,
  readerName: string,
  reason: string,
  /** Undefined: a value the contract does not define (refused); null: the whole recipient. */
  party: Party | null | undefined,
): asserts recipient is Recipient {
  const v = new Violations();
  validateParty(v, "party", recipient, party);
  if (!recipient) v.add("recipient", "is required: a jurisdiction code or an organisation");
  else if (recipient.kind === "node" && !isJurisdictionCode(recipient.jurisdictionCode))
    v.add("recipient.jurisdiction_code", "must be 120000 or one of the 16 district codes of Tianjin");
  if ([...readerName].length > LIMITS.readerNameChars) v.add("reader_name", `must be at most ${LIMITS.readerNameChars} characters`);
  validateOptionalReason(v, reason);
  v.throwIfAny();
}

/** The parts of a bulletin's state that decisions depend on. */
export interface BulletinState {
  bulletinId: string;
  origin: Origin;
  status: BulletinStatus;
  revision: number;
  currentVersion: number;
}

export interface IssueNumber {
  year: number;
  number: number;
}

/** One published version, kept for the record: the original, each correction, the recall. */
export interface BulletinVersion {
  version: number;
  change: VersionChange;
  title: string;
  body: string;
  /** Why the correction or recall was made; empty for the original. */
  reason: string;
  actor: string;
  requestId: string;
  /** The node where the version was made (the issuer's). */
  jurisdiction: string;
  occurredAt: Date;
  ackDueAt: Date | null;
}

/** A recipient tracked at this node, with its latest acknowledgement (what read status shows). */
export interface RecipientEntry extends ResolvedRecipient {
  acknowledgedVersion: number;
  acknowledgedAt: Date | null;
  acknowledgedBy: string | null;
  readerName: string | null;
  /**
   * The version from which a correction of the audience removed this recipient (it is kept for
   * the record, with nothing left to acknowledge); null while addressed. Optional: absent is null.
   */
  withdrawnVersion?: number | null;
  /** Each party's latest acknowledgement (domain/receipts.ts); absent when only the row above is known. */
  reads?: PartyRead[];
  /** Set for a recipient added by forwarding (转发): the node that forwarded it, and why. */
  forwardedBy?: string | null;
  forwardReason?: string;
}

/** Whether a correction of the audience has removed the recipient. */
export function isWithdrawn(r: Pick<RecipientEntry, "withdrawnVersion">): boolean {
  return r.withdrawnVersion !== undefined && r.withdrawnVersion !== null;
}

/** The approval (签发) of a draft: who approved it, and who recorded it, why and when. */
export interface Approval {
  approverName: string;
  approverPosition: string;
  actor: string;
  reason: string;
  requestId: string;
  at: Date;
  jurisdiction: string;
}

/** One acknowledgement as recorded; receipts are only ever added. */
export interface Receipt {
  receiptId: string;
  bulletinId: string;
  recipientKey: string;
  recipient: Recipient;
  version: number;
  at: Date;
  by: string;
  readerName: string;
  reason: string;
  requestId: string;
  /** The party of a node recipient that read; null or absent: the whole recipient. */
  party?: Party | null;
}

/** Read receipt counts over the recipients tracked at this node (published bulletins only). */
export interface ReadCounts {
  recipients: number;
  read: number;
  unread: number;
  overdue: number;
}

/** What list and search narrow by; every set field narrows. */
export interface BulletinFilter {
  issuerCreditCode?: string;
  kind?: BulletinKind;
  year?: number;
  text?: string;
  readStatus?: "ALL_READ" | "HAS_UNREAD" | "HAS_OVERDUE";
  origin?: Origin;
  status?: BulletinStatus;
  urgency?: Urgency;
  classification?: Classification;
  /** Published in [from, until). */
  publishedFrom?: Date;
  publishedUntil?: Date;
  recipientJurisdiction?: string;
  recipientCreditCode?: string;
  issuingJurisdiction?: string;
}

/** A bulletin as this node holds it: issued here or received, with its versions and recipients. */
export interface Bulletin extends BulletinState {
  kind: BulletinKind;
  /** The lead issuer: its series numbers the bulletin. */
  issuer: OrganisationRef;
  /** Joint issuance (联合印发): the other issuers. */
  coIssuers: OrganisationRef[];
  /** The approval (签发) a draft needs before publication; null until approved or once changed. */
  approval: Approval | null;
  issuingJurisdiction: string;
  /** Null while a draft. */
  issueNumber: IssueNumber | null;
  title: string;
  body: string;
  mainAudience: Audience;
  copyAudience: Audience;
  urgency: Urgency;
  classification: Classification;
  ackWindowSeconds: number | null;
  ackDueAt: Date | null;
  createdBy: string;
  createdAt: Date;
  publishedAt: Date | null;
  updatedAt: Date;
  /** Oldest first; empty for a draft (and in list results, which omit them). */
  versions: BulletinVersion[];
  /** The recipients tracked at this node: all of them at the issuer, this node's at a recipient. */
  recipients: RecipientEntry[];
}

function refuse(type: string, state: BulletinState, description: string): never {
  throw new FailedPreconditionError([{ type, subject: `bulletins/${state.bulletinId}`, description }]);
}

/** Only the issuing node changes a bulletin, and only in the right status. */
export function assertCanChange(state: BulletinState, action: "update" | "publish" | "approve" | "delete" | "correct" | "recall"): void {
  if (state.origin !== "ISSUED") refuse("NOT_ISSUER", state, `only the issuing node can ${action} this bulletin`);
  const needs: BulletinStatus = action === "correct" || action === "recall" ? "PUBLISHED" : "DRAFT";
  if (state.status !== needs) {
    const what = state.status === "DRAFT" ? "is still a draft" : state.status === "RECALLED" ? "has been recalled" : "is already published";
    refuse(`BULLETIN_NOT_${needs}`, state, `cannot ${action}: the bulletin ${what}`);
  }
}

/** Year of the issue number: the publication date in China Standard Time. */
export function issueYear(at: Date): number {
  return Number(new Intl.DateTimeFormat("en", { timeZone: "Asia/Shanghai", year: "numeric" }).format(at));
}

export function displayNumber(year: number, number: number): string {
  return `${year}年第${number}期`;
}

export function acknowledgementDue(at: Date, windowSeconds: number | null): Date | null {
  return windowSeconds === null ? null : new Date(at.getTime() + windowSeconds * 1000);
}

export function readState(
  status: BulletinStatus,
  currentVersion: number,
  acknowledgedVersion: number,
  due: Date | null,
  now: Date,
): ReadState {
  if (status === "RECALLED") return "NOT_REQUIRED";
  if (acknowledgedVersion >= currentVersion) return "READ";
  if (due && now.getTime() > due.getTime()) return "OVERDUE";
  return "UNREAD";
}

/** Which version an acknowledgement refers to; only the current version can be acknowledged. */
export function acknowledgedVersionFor(state: BulletinState, requested: number): number {
  if (state.status === "DRAFT") refuse("BULLETIN_NOT_PUBLISHED", state, "a draft cannot be acknowledged");
  if (state.status === "RECALLED") refuse("BULLETIN_RECALLED", state, "the bulletin has been recalled; there is nothing to acknowledge");
  if (requested === 0) return state.currentVersion;
  if (requested < 0 || requested > state.currentVersion) {
    const v = new Violations();
    v.add("version", `must be 0 (current) or between 1 and ${state.currentVersion}`);
    v.throwIfAny();
  }
  if (requested < state.currentVersion)
    refuse(
      "VERSION_SUPERSEDED",
      state,
      `version ${requested} has been superseded by version ${state.currentVersion}; acknowledge the current version`,
    );
  return requested;
}

/** Each organisation a draft names, with the request field that names it. */
export function organisationsNamed(
  issuer: OrganisationRef,
  main: Audience,
  copy: Audience,
  coIssuers: readonly OrganisationRef[] = [],
): { field: string; organisation: OrganisationRef }[] {
  return [
    { field: "issuer", organisation: issuer },
    ...coIssuers.map((organisation, i) => ({ field: `co_issuers[${i}]`, organisation })),
    ...main.organisations.map((organisation, i) => ({ field: `main_audience.organisations[${i}]`, organisation })),
    ...copy.organisations.map((organisation, i) => ({ field: `copy_audience.organisations[${i}]`, organisation })),
  ];
}
