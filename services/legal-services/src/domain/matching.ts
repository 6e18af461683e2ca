/**
 * Matching a legal-service request to providers: a ranked shortlist where every candidate carries
 * the reasons for its score (each factor's weight, value and contribution), and every provider
 * left out carries why. Pure and linear in the providers (one pass, one sort), so it answers an
 * interactive call against a city's pool.
 *
 * Exclusions, first that applies:
 *   NOT_ACTIVE            suspended or retired;
 *   OWN_EMPLOYER_ONLY     a company or public-sector lawyer, unless the requester is its employer;
 *   CONFLICT_OF_INTEREST  it, its firm or a lawyer of its firm acts for a counterparty in an open
 *                         matter (an assigned request of that counterparty here, or a declared
 *                         client) — 律师法 art. 39 forbids acting for both sides;
 *   MEDIATED_SAME_DISPUTE a lawyer who mediated the request's dispute (facts from mediation);
 *   ALREADY_ASKED         declined this request or let its offer expire;
 *   AT_CAPACITY           open matters and pending offers fill its capacity.
 * Candidates serve the request's district (or the whole city); only when none is left are
 * providers of other districts offered, as the city's pool, with the reason.
 */
import type { OrgRef, ProviderKind, RequestType, Specialty } from "./common";
import { firmKeyOf, type Provider } from "./provider";

export interface MatchWeights {
  specialty: number;
  district: number;
  language: number;
  load: number;
  rating: number;
}

/** Defaults: the specialty weighs most, then place, then language and free capacity, then rating. */
export const DEFAULT_WEIGHTS: MatchWeights = Object.freeze({ specialty: 0.35, district: 0.25, language: 0.15, load: 0.15, rating: 0.1 });

export type MatchFactor = "SPECIALTY" | "DISTRICT" | "LANGUAGE" | "LOAD" | "RATING";
export type ExclusionReason =
  "CONFLICT_OF_INTEREST" | "AT_CAPACITY" | "OWN_EMPLOYER_ONLY" | "MEDIATED_SAME_DISPUTE" | "ALREADY_ASKED" | "NOT_ACTIVE";

export interface ScoreComponent {
  factor: MatchFactor;
  weight: number;
  value: number;
  contribution: number;
  explanation: string;
}

export interface Candidate {
  providerId: string;
  name: string;
  kind: ProviderKind;
  districtCode: string;
  rank: number;
  score: number;
  components: ScoreComponent[];
  fromCityPool: boolean;
}

export interface Exclusion {
  providerId: string;
  name: string;
  reason: ExclusionReason;
  explanation: string;
}

export interface Shortlist {
  candidates: Candidate[];
  /** At most EXCLUSIONS_LISTED. */
  exclusions: Exclusion[];
  exclusionsTotal: number;
  weights: MatchWeights;
  fallbackReason: string;
  computedAt: Date;
}

export const EXCLUSIONS_LISTED = 100;

/** What is matched: the request's needs and parties, and who was already asked. */
export interface MatchSubject {
  requestId: string;
  type: RequestType;
  specialty: Specialty | null;
  districtCode: string;
  language: string;
  requester: OrgRef;
  counterparties: readonly OrgRef[];
  disputeId: string;
  /** Providers that declined the request or let its offer expire. */
  asked: ReadonlySet<string>;
}

/** An open matter: a provider acting for a client (the requester of an assigned request here). */
export interface OpenMatter {
  providerId: string;
  clientCreditCode: string;
  requestId: string;
}

/** What matching knows about the providers besides themselves. */
export interface MatchFacts {
  /** Every provider of the node (firms are needed to relate their lawyers). */
  providers: readonly Provider[];
  /** Open matters and pending offers per provider. */
  load: ReadonlyMap<string, number>;
  /** Open matters whose client is one of the subject's counterparties. */
  openMatters: readonly OpenMatter[];
  /** Licence numbers of lawyers who mediated the subject's dispute (from the mediation service's events). */
  mediators: ReadonlySet<string>;
}

/** Which kinds of provider a request type is matched to. */
export function eligibleKinds(type: RequestType): readonly ProviderKind[] {
  return type === "STAFF_DISPATCH" ? ["LEGAL_SERVICE_CENTER"] : ["LAWYER", "LAW_FIRM"];
}

const round = (x: number) => Math.round(x * 10000) / 10000;

/** Why a provider is conflicted, by firm key: the first open matter or declared client found. */
function conflictsOf(
  subject: MatchSubject,
  facts: MatchFacts,
  byId: ReadonlyMap<string, Provider>,
): Map<string, { via: Provider; how: string }> {
  const counterparty = new Map(subject.counterparties.map((c) => [c.creditCode, c]));
  const out = new Map<string, { via: Provider; how: string }>();
  const note = (p: Provider, how: string) => {
    const key = firmKeyOf(p);
    if (!out.has(key)) out.set(key, { via: p, how });
  };
  const describe = (code: string) => {
    const c = counterparty.get(code);
    return c && c.name ? `${c.name} (${code})` : code;
  };
  for (const m of facts.openMatters) {
    const p = byId.get(m.providerId);
    if (!p || !counterparty.has(m.clientCreditCode)) continue;
    note(p, `${p.name} acts for counterparty ${describe(m.clientCreditCode)} in open matter ${m.requestId}`);
  }
  if (counterparty.size > 0)
    for (const p of facts.providers)
      for (const c of p.profile.clients)
        if (counterparty.has(c.creditCode))
          note(p, `${p.name} declared counterparty ${describe(c.creditCode)} as a client in an open matter`);
  return out;
}

function exclusionOf(
  p: Provider,
  subject: MatchSubject,
  facts: MatchFacts,
  conflicts: ReadonlyMap<string, { via: Provider; how: string }>,
  load: number,
): Exclusion | undefined {
  const out = (reason: ExclusionReason, explanation: string): Exclusion => ({
    providerId: p.providerId,
    name: p.name,
    reason,
    explanation,
  });
  if (p.status !== "ACTIVE") return out("NOT_ACTIVE", `${p.status.toLowerCase()}`);
  if (p.kind === "LAWYER" && p.lawyerKind !== "PRACTISING" && p.employer?.creditCode !== subject.requester.creditCode)
    return out(
      "OWN_EMPLOYER_ONLY",
      `${p.lawyerKind === "COMPANY" ? "a company lawyer (公司律师)" : "a public-sector lawyer (公职律师)"} serves its employer ${p.employer?.name || p.employer?.creditCode || ""} only`,
    );
  const conflict = conflicts.get(firmKeyOf(p));
  if (conflict !== undefined) {
    const through = conflict.via.providerId === p.providerId ? "" : `; ${conflict.via.name} and ${p.name} are of the same firm`;
    return out("CONFLICT_OF_INTEREST", `${conflict.how}${through} (律师法 art. 39)`);
  }
  if (p.kind === "LAWYER" && subject.disputeId && facts.mediators.has(p.licenceNumber))
    return out("MEDIATED_SAME_DISPUTE", `mediated dispute ${subject.disputeId}`);
  if (subject.asked.has(p.providerId)) return out("ALREADY_ASKED", "declined this request or let its offer expire");
  if (load >= p.profile.capacity) return out("AT_CAPACITY", `load ${load} of capacity ${p.profile.capacity}`);
  return undefined;
}

function scoreOf(p: Provider, subject: MatchSubject, load: number, w: MatchWeights): ScoreComponent[] {
  const part = (factor: MatchFactor, weight: number, value: number, explanation: string): ScoreComponent => ({
    factor,
    weight,
    value: round(value),
    contribution: round(weight * value),
    explanation,
  });
  const hasSpecialty = subject.specialty === null || p.profile.specialties.includes(subject.specialty);
  const d = p.profile.districtCode;
  const district = d === subject.districtCode ? 1 : d === "120000" ? 0.5 : 0;
  const speaks = p.profile.languages.includes(subject.language);
  const cap = p.profile.capacity;
  return [
    part(
      "SPECIALTY",
      w.specialty,
      hasSpecialty ? 1 : 0,
      subject.specialty === null ? "no specialty needed" : hasSpecialty ? `has ${subject.specialty}` : `lacks ${subject.specialty}`,
    ),
    part(
      "DISTRICT",
      w.district,
      district,
      district === 1 ? `serves ${d}` : district > 0 ? "serves the whole city" : `serves ${d}, not ${subject.districtCode}`,
    ),
    part("LANGUAGE", w.language, speaks ? 1 : 0, speaks ? `speaks ${subject.language}` : `does not list ${subject.language}`),
    part("LOAD", w.load, cap > 0 ? 1 - load / cap : 0, `load ${load} of capacity ${cap}`),
    part("RATING", w.rating, Math.min(5, Math.max(0, p.profile.rating)) / 5, `rated ${p.profile.rating} of 5`),
  ];
}

/** Matches a request: the ranked shortlist (at most `size`), the exclusions and, if used, why the city pool. */
export function matchRequest(
  subject: MatchSubject,
  facts: MatchFacts,
  weights: MatchWeights,
  size: number,
  now: Date,
  /** Judge only this provider (the others still count for conflicts through their firm). */
  only?: string,
): Shortlist {
  const kinds = eligibleKinds(subject.type);
  const byId = new Map(facts.providers.map((p) => [p.providerId, p]));
  const conflicts = conflictsOf(subject, facts, byId);
  const exclusions: Exclusion[] = [];
  let exclusionsTotal = 0;
  const local: Candidate[] = [];
  const pool: Candidate[] = [];
  for (const p of facts.providers) {
    if (!kinds.includes(p.kind) || (only !== undefined && p.providerId !== only)) continue;
    const load = facts.load.get(p.providerId) ?? 0;
    const excluded = exclusionOf(p, subject, facts, conflicts, load);
    if (excluded) {
      exclusionsTotal++;
      if (exclusions.length < EXCLUSIONS_LISTED) exclusions.push(excluded);
      continue;
    }
    const components = scoreOf(p, subject, load, weights);
    const score = round(components.reduce((s, c) => s + c.contribution, 0));
    const here = p.profile.districtCode === subject.districtCode || p.profile.districtCode === "120000";
    const c: Candidate = {
      providerId: p.providerId,
      name: p.name,
      kind: p.kind,
      districtCode: p.profile.districtCode,
      rank: 0,
      score,
      components,
      fromCityPool: !here,
    };
    (here ? local : pool).push(c);
  }
  let fallbackReason = "";
  let ranked = local;
  if (local.length === 0 && pool.length > 0) {
    ranked = pool;
    fallbackReason = `no free match in district ${subject.districtCode}: offered from the city's pool of other districts`;
  }
  ranked.sort((a, b) => b.score - a.score || a.providerId.localeCompare(b.providerId));
  const candidates = ranked.slice(0, size).map((c, i) => ({ ...c, rank: i + 1 }));
  return { candidates, exclusions, exclusionsTotal, weights: { ...weights }, fallbackReason, computedAt: now };
}
