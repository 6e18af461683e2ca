import { CITY_JURISDICTION } from "@jinlian/kernel";
import type { Violations } from "@jinlian/chassis";

/** The service's name: schema, topics, audit. */
export const SERVICE = "legislation";

export const DRAFT_KINDS = ["LOCAL_REGULATION", "GOVERNMENT_RULE", "NORMATIVE_DOCUMENT"] as const;
export type DraftKind = (typeof DRAFT_KINDS)[number];

/** Reasons, titles and texts: bounds every text field of a request meets. */
export const LIMITS = {
  reason: 500,
  title: 200,
  unit: 200,
  text: 5000,
  articleText: 5000,
  articles: 500,
  paragraphs: 50,
  items: 50,
  citations: 50,
  addressees: 200,
} as const;

/**
 * Who makes what: local regulations (市人大) and government rules (市政府) exist only at the
 * municipal node; Tianjin's districts have no rule-making power and issue normative documents only.
 */
export function checkKindAt(v: Violations, field: string, kind: DraftKind | undefined, jurisdiction: string): void {
  if (kind === undefined) v.add(field, `must be one of ${DRAFT_KINDS.map((k) => `DRAFT_KIND_${k}`).join(", ")}`);
  else if (kind !== "NORMATIVE_DOCUMENT" && jurisdiction !== CITY_JURISDICTION)
    v.add(
      field,
      `DRAFT_KIND_${kind} exists only at the municipal node ${CITY_JURISDICTION}; a district node handles normative documents only`,
    );
}

/** Plan items are regulations or rules (the municipal government's annual plan). */
export function checkPlanKind(v: Violations, field: string, kind: DraftKind | undefined): void {
  if (kind !== "LOCAL_REGULATION" && kind !== "GOVERNMENT_RULE")
    v.add(field, "must be DRAFT_KIND_LOCAL_REGULATION or DRAFT_KIND_GOVERNMENT_RULE");
}
