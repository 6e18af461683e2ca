/** The filters officers work with, read from a ListBulletins filter (issue 9). */
import { creditCodeProblem, describeCreditCodeProblem, isJurisdictionCode } from "@jinlian/kernel";
import { periodField, type Violations } from "@jinlian/chassis";
import type { bulletinsV1 } from "@jinlian/proto";
import type { BulletinFilter } from "../../domain/bulletin";
import { classificationCodec, urgencyCodec } from "./codecs";

export function officeFilterFrom(v: Violations, f: bulletinsV1.BulletinFilter): BulletinFilter {
  const out: BulletinFilter = {};
  const pick = <D>(field: string, value: number, codec: { fromProto(n: number): D | undefined }): D | undefined => {
    if (value === 0) return undefined;
    const d = codec.fromProto(value);
    if (d === undefined) v.add(`filter.${field}`, `unknown value ${value}`);
    return d;
  };
  const urgency = pick("urgency", f.urgency, urgencyCodec);
  if (urgency) out.urgency = urgency;
  const classification = pick("classification", f.classification, classificationCodec);
  if (classification) out.classification = classification;
  const period = periodField(v, "filter.publish_period", f.publishPeriod);
  if (period.from) out.publishedFrom = period.from;
  if (period.until) out.publishedUntil = period.until;
  const node = (field: string, value: string): string | undefined => {
    const code = value.trim();
    if (!code) return undefined;
    if (!isJurisdictionCode(code)) v.add(`filter.${field}`, "must be 120000 or one of the 16 district codes of Tianjin");
    return code;
  };
  const recipientNode = node("recipient_jurisdiction_code", f.recipientJurisdictionCode);
  if (recipientNode) out.recipientJurisdiction = recipientNode;
  const issuingNode = node("issuing_jurisdiction_code", f.issuingJurisdictionCode);
  if (issuingNode) out.issuingJurisdiction = issuingNode;
  const code = f.recipientCreditCode.trim().toUpperCase();
  if (code) {
    const problem = creditCodeProblem(code);
    if (problem) v.add("filter.recipient_credit_code", describeCreditCodeProblem(problem));
    out.recipientCreditCode = code;
  }
  return out;
}
