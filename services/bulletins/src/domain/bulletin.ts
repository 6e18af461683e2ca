/**
 * Bulletins domain (art. 20): pure rules, no I/O. Types here use the domain's words; the gRPC
 * and Kafka layers translate to and from the contracts.
 */
import {
  CITY_JURISDICTION,
  creditCodeProblem,
  describeCreditCodeProblem,
  DISTRICT_CODES,
  FailedPreconditionError,
  isJurisdictionCode,
  Violations,
} from "@jinlian/chassis";

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
  issuer: OrganisationRef | undefined;
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
  validateOrganisation(v, "issuer", d.issuer, true);
  if (d.issuer && isJurisdictionCode(d.issuer.jurisdictionCode) && d.issuer.jurisdictionCode !== issuingJurisdiction)
    v.add("issuer.jurisdiction_code", `must be this node's jurisdiction ${issuingJurisdiction}`);
  if (d.issuer && d.issuer.name.trim().length === 0) v.add("issuer.name", "is required");
  validateText(v, "title", d.title, LIMITS.titleChars);
  validateText(v, "body", d.body, LIMITS.bodyChars);
  if (!d.urgency) v.add("urgency", `must be one of ${URGENCIES.join(", ")}`);
  if (!d.classification) v.add("classification", `must be one of ${CLASSIFICATIONS.join(", ")}`);
  const seen = new Map<string, string>();
  validateAudience(v, "main_audience", d.mainAudience, issuingJurisdiction, seen);
  validateAudience(v, "copy_audience", d.copyAudience, issuingJurisdiction, seen);
  const recipients = resolveRecipients(d.mainAudience, d.copyAudience, issuingJurisdiction);
  if (!recipients.some((r) => r.role === "MAIN")) v.add("main_audience", "must name at least one recipient");
  if (recipients.length > LIMITS.recipients) v.add("main_audience", `at most ${LIMITS.recipients} recipients in all`);
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

/** The parts of a bulletin's state that decisions depend on. */
export interface BulletinState {
  bulletinId: string;
  origin: Origin;
  status: BulletinStatus;
  revision: number;
  currentVersion: number;
}

function refuse(type: string, state: BulletinState, description: string): never {
  throw new FailedPreconditionError([{ type, subject: `bulletins/${state.bulletinId}`, description }]);
}

/** Only the issuing node changes a bulletin, and only in the right status. */
export function assertCanChange(state: BulletinState, action: "update" | "publish" | "correct" | "recall"): void {
  if (state.origin !== "ISSUED") refuse("NOT_ISSUER", state, `only the issuing node can ${action} this bulletin`);
  const needs: BulletinStatus = action === "update" || action === "publish" ? "DRAFT" : "PUBLISHED";
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
