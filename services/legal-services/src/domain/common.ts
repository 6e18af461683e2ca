/**
 * The vocabulary every area of legal-services shares: organisation references, the contract's
 * enums as domain names, field checks and the context of a decision. Pure.
 */
import { creditCodeProblem, describeCreditCodeProblem, isJurisdictionCode } from "@jinlian/kernel";
import { enumCodec, type AuditMetadata, type Violations } from "@jinlian/chassis";
import { legalServicesV1 } from "@jinlian/proto";

export const SERVICE = "legal-services";
const P = legalServicesV1;

/** An organisation as a record keeps it: the credit code is its identity, the rest a snapshot. */
export interface OrgRef {
  creditCode: string;
  jurisdictionCode: string;
  name: string;
}

export const orgToProto = (o: OrgRef | null | undefined) =>
  o ? { creditCode: o.creditCode, jurisdictionCode: o.jurisdictionCode, name: o.name } : undefined;

/** What every decision is made with: this node, the time (read once), ids and the audit metadata. */
export interface DecisionContext {
  here: string;
  now: Date;
  newId: () => string;
  audit: AuditMetadata;
}

export const SPECIALTIES = [
  "CORPORATE",
  "CONTRACT",
  "LABOUR",
  "INTELLECTUAL_PROPERTY",
  "TAX",
  "FINANCE",
  "REAL_ESTATE_CONSTRUCTION",
  "ADMINISTRATIVE",
  "CRIMINAL_COMPLIANCE",
  "INTERNATIONAL_TRADE",
  "DISPUTE_RESOLUTION",
  "INSOLVENCY",
  "DATA_COMPLIANCE",
] as const;
export type Specialty = (typeof SPECIALTIES)[number];
export const specialtyCodec = enumCodec(P.Specialty, "SPECIALTY_", SPECIALTIES);

export const PROVIDER_KINDS = [
  "LAW_FIRM",
  "LAWYER",
  "NOTARY_OFFICE",
  "ARBITRATION_COMMISSION",
  "ARBITRATOR",
  "LEGAL_SERVICE_CENTER",
  "RIGHTS_PROTECTION_POINT",
] as const;
export type ProviderKind = (typeof PROVIDER_KINDS)[number];
export const providerKindCodec = enumCodec(P.ProviderKind, "PROVIDER_KIND_", PROVIDER_KINDS);

export const LAWYER_KINDS = ["PRACTISING", "COMPANY", "PUBLIC_SECTOR"] as const;
export type LawyerKind = (typeof LAWYER_KINDS)[number];
export const lawyerKindCodec = enumCodec(P.LawyerKind, "LAWYER_KIND_", LAWYER_KINDS);

export const PROVIDER_STATUSES = ["ACTIVE", "SUSPENDED", "RETIRED"] as const;
export type ProviderStatus = (typeof PROVIDER_STATUSES)[number];
export const providerStatusCodec = enumCodec(P.ProviderStatus, "PROVIDER_STATUS_", PROVIDER_STATUSES);

export const REQUEST_TYPES = [
  "CONSULTATION",
  "HEALTH_CHECK",
  "CONTRACT_REVIEW",
  "RIGHTS_PROTECTION",
  "TRAINING",
  "STAFF_DISPATCH",
] as const;
export type RequestType = (typeof REQUEST_TYPES)[number];
export const requestTypeCodec = enumCodec(P.RequestType, "REQUEST_TYPE_", REQUEST_TYPES);

export const URGENCIES = ["ROUTINE", "URGENT"] as const;
export type Urgency = (typeof URGENCIES)[number];
export const urgencyCodec = enumCodec(P.RequestUrgency, "REQUEST_URGENCY_", URGENCIES);

export const REQUEST_STATUSES = [
  "OFFERED",
  "ASSIGNED",
  "ESCALATED",
  "COMPLETED",
  "REFERRED_TO_MEDIATION",
  "WITHDRAWN",
  // Cross-node fallback: at a district, waiting for the city's pool; at the city, a pool request returned unplaced.
  "OFFERED_TO_CITY",
  "RETURNED_TO_DISTRICT",
] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];
export const requestStatusCodec = enumCodec(P.RequestStatus, "REQUEST_STATUS_", REQUEST_STATUSES);

/** A GB/T 4754-2017 section letter (门类). */
export const isIndustrySection = (s: string): boolean => /^[A-T]$/.test(s);
/** An ISO 639 language code. */
export const isLanguage = (s: string): boolean => /^[a-z]{2,3}$/.test(s);
/** Ids other services give (disputes, case references): opaque, bounded. */
export const isOpaqueId = (s: string): boolean => /^[A-Za-z0-9._:-]{1,64}$/.test(s);

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

/** A jurisdiction code in a request: the city or one of its districts. */
export function jurisdictionField(v: Violations, field: string, value: string, required = true): string {
  const code = value.trim();
  if (code === "") {
    if (required) v.add(field, "is required");
  } else if (!isJurisdictionCode(code)) v.add(field, "must be 120000 or one of the 16 district codes of Tianjin");
  return code;
}

/** A reason that must be given (suspensions, withdrawals, declines): trimmed, 1-500 characters. */
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
