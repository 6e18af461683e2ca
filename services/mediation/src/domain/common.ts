/**
 * The vocabulary every area of mediation shares: organisation references, the context of a
 * decision, and field checks. Pure.
 */
import { creditCodeProblem, describeCreditCodeProblem, type OrganisationType } from "@jinlian/kernel";
import type { AuditMetadata, Violations } from "@jinlian/chassis";

export const SERVICE = "mediation";

/** An organisation as a record keeps it: the credit code is its identity, the rest a snapshot. */
export interface OrgRef {
  creditCode: string;
  jurisdictionCode: string;
  name: string;
}

export const orgToProto = (o: OrgRef | null | undefined) =>
  o ? { creditCode: o.creditCode, jurisdictionCode: o.jurisdictionCode, name: o.name } : undefined;

/** An organisation as this node's registry projection knows it. */
export interface RegistryOrganisation extends OrgRef {
  type: OrganisationType;
  active: boolean;
  /** A mediation committee's chamber, by credit code; "" otherwise. */
  chamberCreditCode: string;
}

/** What every decision is made with: this node, the time (read once), ids and the audit metadata. */
export interface DecisionContext {
  here: string;
  now: Date;
  newId: () => string;
  audit: AuditMetadata;
}

export const DAY_MS = 24 * 3600 * 1000;

/** A credit code in a request: required (unless optional), valid per GB 32100. Returns it upper-cased. */
export function creditCodeField(v: Violations, field: string, value: string, required = true): string {
  const code = value.trim().toUpperCase();
  if (code === "") {
    if (required) v.add(field, "is required");
    return code;
  }
  const problem = creditCodeProblem(code);
  if (problem) v.add(field, describeCreditCodeProblem(problem));
  return code;
}

/** A reason that must be given: trimmed, 1-500 characters. */
export function requiredReason(v: Violations, field: string, value: string): string {
  const t = value.trim();
  if (t.length === 0) v.add(field, "is required");
  else if ([...t].length > 500) v.add(field, "must be at most 500 characters");
  return t;
}

/** An optional reason for the audit trail: at most 500 characters. */
export function optionalReason(v: Violations, value: string): string {
  const t = value.trim();
  if ([...t].length > 500) v.add("reason", "must be at most 500 characters");
  return t;
}

/** A lawyer's licence number (律师执业证号): 17 digits. */
export const isLicenceNumber = (s: string): boolean => /^\d{17}$/.test(s);

/** Ids other services give (disputes): opaque, bounded. */
export const isOpaqueId = (s: string): boolean => /^[A-Za-z0-9._:-]{1,64}$/.test(s);

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = "10X98765432";

/** A 居民身份证号码 (GB 11643-1999): 17 digits and a check character. */
export function isIdentityNumber(s: string): boolean {
  if (!/^\d{17}[\dX]$/.test(s)) return false;
  const sum = ID_WEIGHTS.reduce((acc, w, i) => acc + w * Number(s[i]), 0);
  return ID_CHECK[sum % 11] === s[17];
}

/** A time in a request: unset takes `fallback`; a time after `now` is refused. */
export function pastTime(v: Violations, field: string, value: Date | undefined, now: Date, fallback = now): Date {
  if (!value) return fallback;
  if (Number.isNaN(value.getTime())) v.add(field, "must be a valid time");
  else if (value.getTime() > now.getTime()) v.add(field, "must not be in the future");
  return value;
}
