/**
 * 万所联万会 programmes (art. 14): pure rules, no I/O. The city pairs law firms with chambers of
 * commerce. The model (stated in docs/legal-services.md):
 *   eligible pairs  a chamber's preferred firms when it lists any, otherwise every firm serving
 *                   its district (a firm serves its own district unless it lists others; "120000"
 *                   serves all);
 *   cost of a pair  district_mismatch × [other district] + industry_mismatch × [firm does not
 *                   cover the chamber's industry] + preference_rank × (position in the chamber's list);
 *   constraints     every chamber at most one firm, every firm at most its capacity;
 *   objective       serve every chamber if possible (else as many as possible, and name the rest
 *                   with the capacity shortfall that leaves them out), then least total cost;
 *                   when re-pairing after a firm leaves, fewest changed pairs before cost.
 * Solved exactly by pairing-solver.ts.
 */
import { CITY_JURISDICTION, isDistrictCode } from "@jinlian/kernel";
import {
  checkExpectedRevision,
  FailedPreconditionError,
  InvalidArgumentError,
  Violations,
  type DecisionWithRevision,
  type EventToEmit,
  type PreconditionViolation,
} from "@jinlian/chassis";
import { creditCodeField, isIndustrySection, jurisdictionField, type DecisionContext, type OrgRef } from "./common";
import { pairsAssigned } from "./pairing-events";
import { solvePairing, type PairingInstance } from "./pairing-solver";
import type { Provider, RegistryOrganisation } from "./provider";

export interface PairingWeights {
  districtMismatch: number;
  industryMismatch: number;
  preferenceRank: number;
}
export const DEFAULT_PAIRING_WEIGHTS: PairingWeights = Object.freeze({ districtMismatch: 3, industryMismatch: 2, preferenceRank: 1 });

export interface PairingFirm {
  firm: OrgRef;
  providerId: string;
  districtCode: string;
  capacity: number;
  serviceDistricts: string[];
  industrySections: string[];
  withdrawn: boolean;
}

export interface PairingChamber {
  chamber: OrgRef;
  districtCode: string;
  industrySection: string;
  preferredFirms: string[];
}

export interface PairCostPart {
  factor: "district" | "industry" | "preference";
  cost: number;
  explanation: string;
}

export interface PairActivity {
  activityId: string;
  kind: string;
  title: string;
  heldAt: Date;
  enterprisesServed: number;
}

export type PairReviewRating = "EXCELLENT" | "SATISFACTORY" | "NEEDS_IMPROVEMENT";
export interface PairReview {
  year: number;
  rating: PairReviewRating;
  comment: string;
  reviewedAt: Date;
}

export type PairStatus = "PROPOSED" | "ACTIVE" | "ENDED";
export interface Pair {
  pairId: string;
  programmeId: string;
  chamber: OrgRef;
  firm: OrgRef;
  chamberDistrict: string;
  firmDistrict: string;
  cost: number;
  components: PairCostPart[];
  explanation: string;
  status: PairStatus;
  round: number;
  agreementSignedAt: Date | null;
  activities: PairActivity[];
  reviews: PairReview[];
  startAt: Date | null;
  endAt: Date | null;
  endReason: string;
}

export interface Shortfall {
  chambers: OrgRef[];
  firms: OrgRef[];
  capacity: number;
  explanation: string;
}

export interface PairingResult {
  round: number;
  totalCost: number;
  pairs: number;
  changedPairs: number;
  unserved: OrgRef[];
  shortfalls: Shortfall[];
  solvedAt: Date;
  solveMillis: number;
  objective: string;
}

export type ProgrammeStatus = "DRAFT" | "PROPOSED" | "INFEASIBLE" | "ACTIVE";
export interface PairingProgramme {
  programmeId: string;
  name: string;
  year: number;
  weights: PairingWeights;
  firms: PairingFirm[];
  chambers: PairingChamber[];
  status: ProgrammeStatus;
  result: PairingResult | null;
  /** Current pairs (proposed or active) and ended ones, in making order. */
  pairs: Pair[];
  revision: number;
  createdAt: Date;
  updatedAt: Date;
}

export const PAIRING_LIMITS = Object.freeze({
  firms: 5000,
  chambers: 5000,
  capacity: 50,
  preferences: 20,
  weight: 100,
  activities: 200,
  reviews: 20,
});

export interface ProgrammeInput {
  name: string;
  year: number;
  weights: PairingWeights | undefined;
  firms: { creditCode: string; capacity: number; serviceDistricts: string[]; industrySections: string[] }[];
  chambers: { creditCode: string; preferredFirms: string[] }[];
}

export type CheckedProgramme = Omit<ProgrammeInput, "weights"> & { weights: PairingWeights };

/** Checks a programme's fields; INVALID_ARGUMENT naming each bad one. */
export function checkProgramme(input: ProgrammeInput): CheckedProgramme {
  const v = new Violations();
  const name = input.name.trim();
  if (!name) v.add("name", "is required");
  else if ([...name].length > 200) v.add("name", "must be at most 200 characters");
  if (!Number.isInteger(input.year) || input.year < 2000 || input.year > 2100) v.add("year", "must be a year, 2000-2100");
  const weights = input.weights ?? DEFAULT_PAIRING_WEIGHTS;
  for (const [k, field] of [
    ["districtMismatch", "district_mismatch"],
    ["industryMismatch", "industry_mismatch"],
    ["preferenceRank", "preference_rank"],
  ] as const)
    if (!Number.isInteger(weights[k]) || weights[k] < 0 || weights[k] > PAIRING_LIMITS.weight)
      v.add(`weights.${field}`, `must be 0-${PAIRING_LIMITS.weight}`);
  if (input.firms.length === 0) v.add("firms", "must list at least one firm");
  if (input.firms.length > PAIRING_LIMITS.firms) v.add("firms", `must list at most ${PAIRING_LIMITS.firms}`);
  if (input.chambers.length === 0) v.add("chambers", "must list at least one chamber");
  if (input.chambers.length > PAIRING_LIMITS.chambers) v.add("chambers", `must list at most ${PAIRING_LIMITS.chambers}`);
  const firmCodes = new Set<string>();
  const firms = input.firms.map((f, i) => {
    const creditCode = creditCodeField(v, `firms[${i}].credit_code`, f.creditCode);
    if (creditCode && firmCodes.has(creditCode)) v.add(`firms[${i}].credit_code`, "is listed twice");
    firmCodes.add(creditCode);
    if (!Number.isInteger(f.capacity) || f.capacity < 1 || f.capacity > PAIRING_LIMITS.capacity)
      v.add(`firms[${i}].capacity`, `must be 1-${PAIRING_LIMITS.capacity}`);
    const serviceDistricts = f.serviceDistricts.map((d, j) => jurisdictionField(v, `firms[${i}].service_district_codes[${j}]`, d));
    const industrySections = f.industrySections.map((s, j) => {
      const t = s.trim().toUpperCase();
      if (!isIndustrySection(t)) v.add(`firms[${i}].industry_sections[${j}]`, "must be a GB/T 4754 section letter, A to T");
      return t;
    });
    return {
      creditCode,
      capacity: f.capacity,
      serviceDistricts: [...new Set(serviceDistricts)],
      industrySections: [...new Set(industrySections)],
    };
  });
  const chamberCodes = new Set<string>();
  const chambers = input.chambers.map((c, i) => {
    const creditCode = creditCodeField(v, `chambers[${i}].credit_code`, c.creditCode);
    if (creditCode && chamberCodes.has(creditCode)) v.add(`chambers[${i}].credit_code`, "is listed twice");
    chamberCodes.add(creditCode);
    if (c.preferredFirms.length > PAIRING_LIMITS.preferences)
      v.add(`chambers[${i}].preferred_firm_credit_codes`, `must list at most ${PAIRING_LIMITS.preferences}`);
    const preferredFirms = c.preferredFirms.map((f, j) => {
      const code = creditCodeField(v, `chambers[${i}].preferred_firm_credit_codes[${j}]`, f);
      if (code && !firmCodes.has(code)) v.add(`chambers[${i}].preferred_firm_credit_codes[${j}]`, "is not one of the programme's firms");
      return code;
    });
    return { creditCode, preferredFirms: [...new Set(preferredFirms)] };
  });
  v.throwIfAny();
  return { name, year: input.year, weights: { ...weights }, firms, chambers };
}

/**
 * A draft programme from checked input and what the registry and providers say: each firm must
 * be a registered LAW_FIRM provider here, each chamber a CHAMBER_OF_COMMERCE of the registry
 * (INVALID_ARGUMENT naming the field otherwise), all active (FAILED_PRECONDITION). Only the city
 * runs programmes. The id is drawn by the caller, so a retried request finds the programme.
 */
export function decideProgramme(
  programmeId: string,
  c: CheckedProgramme,
  firmProviders: ReadonlyMap<string, Provider>,
  registry: ReadonlyMap<string, RegistryOrganisation>,
  ctx: DecisionContext,
): DecisionWithRevision<PairingProgramme> {
  if (ctx.here !== CITY_JURISDICTION)
    throw new FailedPreconditionError([
      {
        type: "PAIRING_AT_CITY_ONLY",
        subject: `node/${ctx.here}`,
        description: "万所联万会 programmes are run at the city (120000); districts receive their pairs",
      },
    ]);
  const v = new Violations();
  const inactive: PreconditionViolation[] = [];
  const firms: PairingFirm[] = c.firms.map((f, i) => {
    const p = firmProviders.get(f.creditCode);
    if (!p || p.kind !== "LAW_FIRM") v.add(`firms[${i}].credit_code`, "is not a registered LAW_FIRM provider here");
    else if (p.status !== "ACTIVE")
      inactive.push({
        type: "PROVIDER_NOT_ACTIVE",
        subject: `provider/${p.providerId}`,
        description: `firms[${i}]: ${p.name} is ${p.status.toLowerCase()}`,
      });
    const district = p?.profile.districtCode ?? "";
    return {
      firm: p?.organisation ?? { creditCode: f.creditCode, jurisdictionCode: "", name: "" },
      providerId: p?.providerId ?? "",
      districtCode: district,
      capacity: f.capacity,
      serviceDistricts: f.serviceDistricts.length > 0 ? f.serviceDistricts : [district],
      industrySections: f.industrySections,
      withdrawn: false,
    };
  });
  const chambers: PairingChamber[] = c.chambers.map((ch, i) => {
    const o = registry.get(ch.creditCode);
    if (!o) v.add(`chambers[${i}].credit_code`, "is not an organisation of this node's liaison registry");
    else if (o.type !== "CHAMBER_OF_COMMERCE") v.add(`chambers[${i}].credit_code`, `must be a CHAMBER_OF_COMMERCE, not ${o.type}`);
    else if (!o.active)
      inactive.push({
        type: "ORGANISATION_DEACTIVATED",
        subject: `organisation/${o.creditCode}`,
        description: `chambers[${i}]: ${o.name} is deactivated`,
      });
    return {
      chamber: o
        ? { creditCode: o.creditCode, jurisdictionCode: o.jurisdictionCode, name: o.name }
        : { creditCode: ch.creditCode, jurisdictionCode: "", name: "" },
      districtCode: o?.jurisdictionCode ?? "",
      industrySection: o?.industrySection ?? "",
      preferredFirms: ch.preferredFirms,
    };
  });
  v.throwIfAny();
  if (inactive.length > 0) throw new FailedPreconditionError(inactive);
  const programme: PairingProgramme = {
    programmeId,
    name: c.name,
    year: c.year,
    weights: c.weights,
    firms,
    chambers,
    status: "DRAFT",
    result: null,
    pairs: [],
    revision: 1,
    createdAt: ctx.now,
    updatedAt: ctx.now,
  };
  return { state: programme, action: "CreatePairingProgramme", events: [] };
}

/** The cost of a pair by its parts; undefined when the pair is not eligible. */
export function pairCost(p: PairingProgramme, chamber: PairingChamber, firm: PairingFirm): PairCostPart[] | undefined {
  if (firm.withdrawn) return undefined;
  const w = p.weights;
  const parts: PairCostPart[] = [];
  if (chamber.preferredFirms.length > 0) {
    const rank = chamber.preferredFirms.indexOf(firm.firm.creditCode);
    if (rank < 0) return undefined;
    parts.push({ factor: "preference", cost: w.preferenceRank * rank, explanation: `the chamber's choice no. ${rank + 1}` });
  } else if (!firm.serviceDistricts.includes(chamber.districtCode) && !firm.serviceDistricts.includes(CITY_JURISDICTION)) return undefined;
  const sameDistrict = firm.districtCode === chamber.districtCode;
  parts.push({
    factor: "district",
    cost: sameDistrict ? 0 : w.districtMismatch,
    explanation: sameDistrict
      ? `same district ${chamber.districtCode}`
      : `firm of ${firm.districtCode}, chamber of ${chamber.districtCode}`,
  });
  const industryCovered = !chamber.industrySection || firm.industrySections.includes(chamber.industrySection);
  parts.push({
    factor: "industry",
    cost: industryCovered ? 0 : w.industryMismatch,
    explanation: !chamber.industrySection
      ? "the chamber records no industry"
      : industryCovered
        ? `covers industry ${chamber.industrySection}`
        : `does not cover industry ${chamber.industrySection}`,
  });
  return parts;
}

const total = (parts: readonly PairCostPart[]) => parts.reduce((s, x) => s + x.cost, 0);

/** The instance of the programme for the solver, with every eligible pair's cost parts. */
export function instanceOf(
  p: PairingProgramme,
  current?: Int32Array,
): { instance: PairingInstance; parts: (i: number, f: number) => PairCostPart[] | undefined } {
  const firmsByDistrict = new Map<string, number[]>();
  p.firms.forEach((f, j) => {
    for (const d of f.serviceDistricts) firmsByDistrict.set(d, [...(firmsByDistrict.get(d) ?? []), j]);
  });
  const firmIndex = new Map(p.firms.map((f, j) => [f.firm.creditCode, j]));
  const edgeStart = new Int32Array(p.chambers.length + 1);
  const edgeFirm: number[] = [];
  const edgeCost: number[] = [];
  p.chambers.forEach((c, i) => {
    const candidates =
      c.preferredFirms.length > 0
        ? c.preferredFirms.map((code) => firmIndex.get(code)!)
        : [...new Set([...(firmsByDistrict.get(c.districtCode) ?? []), ...(firmsByDistrict.get(CITY_JURISDICTION) ?? [])])];
    for (const j of candidates) {
      const parts = pairCost(p, c, p.firms[j]!);
      if (!parts) continue;
      edgeFirm.push(j);
      edgeCost.push(total(parts));
    }
    edgeStart[i + 1] = edgeFirm.length;
  });
  return {
    instance: {
      chambers: p.chambers.length,
      capacity: p.firms.map((f) => (f.withdrawn ? 0 : f.capacity)),
      edgeStart,
      edgeFirm: Int32Array.from(edgeFirm),
      edgeCost: Float64Array.from(edgeCost),
      current,
    },
    parts: (i, j) => pairCost(p, p.chambers[i]!, p.firms[j]!),
  };
}

const OBJECTIVE =
  "serve every chamber (else as many as possible), then fewest changed pairs when re-pairing, then least total cost; each chamber at most one firm, each firm at most its capacity";

/** Why a chamber got its firm: its cost parts, and the cheaper eligible firms that were full. */
function explain(
  p: PairingProgramme,
  instance: PairingInstance,
  i: number,
  j: number,
  parts: PairCostPart[],
  solvedLoad: Int32Array,
  round: number,
): string {
  const cost = total(parts);
  const why = parts.map((x) => `${x.explanation} (+${x.cost})`).join("; ");
  const cheaper: string[] = [];
  // An optimum leaves no cheaper eligible firm with room for a chamber it moved or placed.
  for (let e = instance.edgeStart[i]!; e < instance.edgeStart[i + 1]!; e++) {
    const k = instance.edgeFirm[e]!;
    const f = p.firms[k]!;
    if (k !== j && instance.edgeCost[e]! < cost)
      cheaper.push(
        `${f.firm.name || f.firm.creditCode} (cost ${instance.edgeCost[e]}, ${solvedLoad[k]}/${f.withdrawn ? 0 : f.capacity} taken)`,
      );
  }
  const alternatives =
    cheaper.length === 0
      ? "no eligible firm costs less"
      : `every eligible firm costing less was full: ${cheaper.slice(0, 3).join(", ")}${cheaper.length > 3 ? ` and ${cheaper.length - 3} more` : ""}`;
  return `round ${round}, cost ${cost}: ${why}; ${alternatives}`;
}

function shortfallsOf(p: PairingProgramme, groups: ReturnType<typeof solvePairing>["shortfalls"]): Shortfall[] {
  return groups.map((g) => ({
    chambers: g.chambers.map((i) => p.chambers[i]!.chamber),
    firms: g.firms.map((j) => p.firms[j]!.firm),
    capacity: g.capacity,
    explanation:
      g.firms.length === 0
        ? `${p.chambers[g.chambers[0]!]!.chamber.name || p.chambers[g.chambers[0]!]!.chamber.creditCode} has no eligible firm: none serves district ${p.chambers[g.chambers[0]!]!.districtCode}${p.chambers[g.chambers[0]!]!.preferredFirms.length > 0 ? " among its preferred firms" : ""}`
        : `${g.chambers.length} chambers can only be served by ${g.firms.length} firm(s) with capacity ${g.capacity} in all: ${g.chambers.length - g.capacity} cannot be served`,
  }));
}

/** Solves a draft (or re-solves a proposal): optimal pairs, PROPOSED, or INFEASIBLE with the shortfalls. */
export function decideSolve(
  p: PairingProgramme,
  expectedRevision: number,
  ctx: DecisionContext,
  elapsedMs: () => number,
): DecisionWithRevision<PairingProgramme> {
  checkExpectedRevision("pairing_programme", p.programmeId, p.revision, expectedRevision);
  if (p.status === "ACTIVE")
    throw new FailedPreconditionError([
      {
        type: "STATE",
        subject: `pairing_programme/${p.programmeId}`,
        description: "the programme is active: a firm that leaves is re-paired with WithdrawPairingFirm",
      },
    ]);
  const started = elapsedMs();
  const { instance, parts } = instanceOf(p);
  const s = solvePairing(instance);
  const load = new Int32Array(p.firms.length);
  s.firmOf.forEach((j) => j >= 0 && load[j]++);
  const pairs: Pair[] = [];
  p.chambers.forEach((c, i) => {
    const j = s.firmOf[i]!;
    if (j < 0) return;
    const f = p.firms[j]!;
    const components = parts(i, j)!;
    pairs.push(newPair(p, c, f, components, explain(p, instance, i, j, components, load, 1), "PROPOSED", 1, ctx));
  });
  const unserved = s.unserved.map((i) => p.chambers[i]!.chamber);
  const next: PairingProgramme = {
    ...p,
    status: unserved.length === 0 ? "PROPOSED" : "INFEASIBLE",
    pairs,
    result: {
      round: 1,
      totalCost: s.cost,
      pairs: pairs.length,
      changedPairs: pairs.length,
      unserved,
      shortfalls: shortfallsOf(p, s.shortfalls),
      solvedAt: ctx.now,
      solveMillis: Math.round(elapsedMs() - started),
      objective: OBJECTIVE,
    },
    updatedAt: ctx.now,
  };
  return { state: next, action: "SolvePairingProgramme", events: [] };
}

function newPair(
  p: PairingProgramme,
  c: PairingChamber,
  f: PairingFirm,
  components: PairCostPart[],
  explanation: string,
  status: PairStatus,
  round: number,
  ctx: DecisionContext,
): Pair {
  return {
    pairId: ctx.newId(),
    programmeId: p.programmeId,
    chamber: c.chamber,
    firm: f.firm,
    chamberDistrict: c.districtCode,
    firmDistrict: f.districtCode,
    cost: total(components),
    components,
    explanation,
    status,
    round,
    agreementSignedAt: null,
    activities: [],
    reviews: [],
    startAt: status === "ACTIVE" ? ctx.now : null,
    endAt: null,
    endReason: "",
  };
}

/** The events of changed pairs: one PairsAssigned per district concerned (the chamber's and the firm's). */
export function pairsEvents(p: PairingProgramme, changed: readonly Pair[], round: number, ctx: DecisionContext): EventToEmit[] {
  const byDistrict = new Map<string, Pair[]>();
  for (const pair of changed)
    for (const d of new Set([pair.chamberDistrict, pair.firmDistrict]))
      if (isDistrictCode(d)) byDistrict.set(d, [...(byDistrict.get(d) ?? []), pair]);
  return [...byDistrict].sort(([a], [b]) => a.localeCompare(b)).map(([d, pairs]) => pairsAssigned(p, d, round, pairs, ctx.audit));
}

/** Confirms a proposal: pairs become active and flow down to their districts. */
export function decideConfirm(p: PairingProgramme, expectedRevision: number, ctx: DecisionContext): DecisionWithRevision<PairingProgramme> {
  checkExpectedRevision("pairing_programme", p.programmeId, p.revision, expectedRevision);
  if (p.status !== "PROPOSED")
    throw new FailedPreconditionError([
      {
        type: "STATE",
        subject: `pairing_programme/${p.programmeId}`,
        description:
          p.status === "INFEASIBLE"
            ? "the programme cannot serve every chamber: change its firms or chambers and solve again"
            : `only a proposed programme can be confirmed: it is ${p.status.toLowerCase()}`,
      },
    ]);
  const pairs = p.pairs.map((x) => (x.status === "PROPOSED" ? { ...x, status: "ACTIVE" as const, startAt: ctx.now } : x));
  const next: PairingProgramme = { ...p, status: "ACTIVE", pairs, updatedAt: ctx.now };
  return { state: next, action: "ConfirmPairingProgramme", events: pairsEvents(next, pairs, p.result?.round ?? 1, ctx) };
}

/**
 * A firm leaves an active programme: its pairs end, and the chambers are re-paired exactly with
 * the current pairs as the reference — fewest changed pairs first, then least cost — so only
 * what must move moves. Chambers that cannot be served any more are named with the shortfall.
 */
export function decideFirmWithdrawal(
  p: PairingProgramme,
  firmCreditCode: string,
  reason: string,
  expectedRevision: number,
  ctx: DecisionContext,
  elapsedMs: () => number,
): { decision: DecisionWithRevision<PairingProgramme>; ended: Pair[]; made: Pair[] } {
  checkExpectedRevision("pairing_programme", p.programmeId, p.revision, expectedRevision);
  if (p.status !== "ACTIVE")
    throw new FailedPreconditionError([
      {
        type: "STATE",
        subject: `pairing_programme/${p.programmeId}`,
        description: `firms leave active programmes only: it is ${p.status.toLowerCase()}`,
      },
    ]);
  const j = p.firms.findIndex((f) => f.firm.creditCode === firmCreditCode);
  if (j < 0) throw new InvalidArgumentError([{ field: "firm_credit_code", description: "is not a firm of the programme" }]);
  if (p.firms[j]!.withdrawn)
    throw new FailedPreconditionError([
      { type: "STATE", subject: `pairing_programme/${p.programmeId}`, description: `${p.firms[j]!.firm.name} has already left` },
    ]);
  const started = elapsedMs();
  const withdrawn: PairingProgramme = { ...p, firms: p.firms.map((f, k) => (k === j ? { ...f, withdrawn: true } : f)) };
  const firmIndex = new Map(p.firms.map((f, k) => [f.firm.creditCode, k]));
  const activeByChamber = new Map(p.pairs.filter((x) => x.status === "ACTIVE").map((x) => [x.chamber.creditCode, x]));
  const current = Int32Array.from(p.chambers, (c) => {
    const pair = activeByChamber.get(c.chamber.creditCode);
    const k = pair ? firmIndex.get(pair.firm.creditCode)! : -1;
    return k === j ? -1 : k;
  });
  const { instance, parts } = instanceOf(withdrawn, current);
  const s = solvePairing(instance);
  const load = new Int32Array(p.firms.length);
  s.firmOf.forEach((k) => k >= 0 && load[k]++);
  const round = (p.result?.round ?? 1) + 1;
  const ended: Pair[] = [];
  const made: Pair[] = [];
  const endedIds = new Map<string, Pair>();
  withdrawn.chambers.forEach((c, i) => {
    const before = activeByChamber.get(c.chamber.creditCode);
    const k = s.firmOf[i]!;
    const beforeFirm = before ? firmIndex.get(before.firm.creditCode)! : -1;
    if (k === beforeFirm) return;
    if (before) {
      const why = beforeFirm === j ? `${p.firms[j]!.firm.name} left the programme: ${reason}` : "moved to make room in the re-pairing";
      const end = { ...before, status: "ENDED" as const, endAt: ctx.now, endReason: why };
      ended.push(end);
      endedIds.set(before.pairId, end);
    }
    if (k >= 0) {
      const components = parts(i, k)!;
      made.push(
        newPair(
          withdrawn,
          c,
          withdrawn.firms[k]!,
          components,
          explain(withdrawn, instance, i, k, components, load, round),
          "ACTIVE",
          round,
          ctx,
        ),
      );
    }
  });
  const unserved = s.unserved.map((i) => withdrawn.chambers[i]!.chamber);
  const pairs = [...p.pairs.map((x) => endedIds.get(x.pairId) ?? x), ...made];
  const next: PairingProgramme = {
    ...withdrawn,
    pairs,
    result: {
      round,
      totalCost: s.cost,
      pairs: pairs.filter((x) => x.status === "ACTIVE").length,
      changedPairs: s.changed,
      unserved,
      shortfalls: shortfallsOf(withdrawn, s.shortfalls),
      solvedAt: ctx.now,
      solveMillis: Math.round(elapsedMs() - started),
      objective: OBJECTIVE,
    },
    updatedAt: ctx.now,
  };
  return {
    decision: { state: next, action: "WithdrawPairingFirm", events: pairsEvents(next, [...ended, ...made], round, ctx) },
    ended,
    made,
  };
}

export type PairRecord =
  | { kind: "agreement"; signedAt: Date }
  | { kind: "activity"; activity: Omit<PairActivity, "activityId"> }
  | { kind: "review"; review: Omit<PairReview, "reviewedAt"> };

const ACTION: Record<PairRecord["kind"], string> = {
  agreement: "RecordPairAgreement",
  activity: "RecordPairActivity",
  review: "RecordPairReview",
};

/** The lifecycle of an active pair: the agreement (once), activities, one review per year; the pair flows down again. */
export function decidePairRecord(
  p: PairingProgramme,
  pairId: string,
  record: PairRecord,
  expectedRevision: number,
  ctx: DecisionContext,
): { decision: DecisionWithRevision<PairingProgramme>; pair: Pair } {
  checkExpectedRevision("pairing_programme", p.programmeId, p.revision, expectedRevision);
  const pair = p.pairs.find((x) => x.pairId === pairId);
  if (!pair) throw new InvalidArgumentError([{ field: "pair_id", description: "is not a pair of the programme" }]);
  const refuse = (description: string) => new FailedPreconditionError([{ type: "STATE", subject: `pair/${pairId}`, description }]);
  if (pair.status !== "ACTIVE") throw refuse(`the pair is ${pair.status.toLowerCase()}: only active pairs are recorded`);
  let after: Pair;
  if (record.kind === "agreement") {
    if (pair.agreementSignedAt) throw refuse(`the agreement was signed on ${pair.agreementSignedAt.toISOString()}`);
    after = { ...pair, agreementSignedAt: record.signedAt };
  } else if (record.kind === "activity") {
    if (pair.activities.length >= PAIRING_LIMITS.activities)
      throw refuse(`at most ${PAIRING_LIMITS.activities} activities are kept per pair`);
    after = { ...pair, activities: [...pair.activities, { ...record.activity, activityId: ctx.newId() }] };
  } else {
    if (pair.reviews.some((r) => r.year === record.review.year)) throw refuse(`the pair was already reviewed for ${record.review.year}`);
    after = { ...pair, reviews: [...pair.reviews, { ...record.review, reviewedAt: ctx.now }] };
  }
  const next: PairingProgramme = { ...p, pairs: p.pairs.map((x) => (x.pairId === pairId ? after : x)), updatedAt: ctx.now };
  return {
    decision: { state: next, action: ACTION[record.kind], events: pairsEvents(next, [after], p.result?.round ?? 1, ctx) },
    pair: after,
  };
}
