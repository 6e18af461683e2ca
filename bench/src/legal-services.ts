/**
 * legal-services benchmarks (bash bench/legal-services.sh), pure computation, no infrastructure:
 *
 * 1. Pairing (万所联万会) at city scale: 10,000 firms × 10,000 chambers with sparse preferences
 *    (each chamber eligible for 5-20 firms, mostly of its own district). The exact solver's time
 *    and objective against the greedy baseline (each chamber takes its cheapest firm with room), in
 *    the same run; then a firm-withdrawal re-pairing; then small instances where exhaustive search
 *    gives the exact reference, which the solver must equal.
 * 2. Matching one request against 10,000 providers: the latency distribution of matchRequest
 *    (reasons, weights, exclusions, conflicts through firms) against a raw baseline (one weighted
 *    score per provider and a sort, no reasons or exclusions), interleaved in the same run.
 *
 * Environment: BENCH_SEED (default 20240715), BENCH_MATCH_RUNS (default 200).
 */
import { performance } from "node:perf_hooks";
import {
  bruteForcePairing,
  DEFAULT_WEIGHTS,
  greedyPairing,
  matchRequest,
  solvePairing,
  type PairingInstance,
  type Provider,
} from "@jinlian/legal-services";

const SEED = Number(process.env.BENCH_SEED ?? 20240715);
const MATCH_RUNS = Number(process.env.BENCH_MATCH_RUNS ?? 200);
const DISTRICTS = [
  "120101",
  "120102",
  "120103",
  "120104",
  "120105",
  "120106",
  "120110",
  "120111",
  "120112",
  "120113",
  "120114",
  "120115",
  "120116",
  "120117",
  "120118",
  "120119",
];

/** mulberry32: the same instance every run for a seed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const ms = (x: number) => x.toFixed(1);

/** City-scale instance: costs as the programme's default weights give them (district 3, industry 2, preference rank 1). */
function cityInstance(r: () => number, firms: number, chambers: number): PairingInstance {
  const firmDistrict = Array.from({ length: firms }, () => Math.floor(r() * DISTRICTS.length));
  const firmIndustries = Array.from({ length: firms }, () => new Set([Math.floor(r() * 20), Math.floor(r() * 20)]));
  const byDistrict: number[][] = DISTRICTS.map(() => []);
  firmDistrict.forEach((d, f) => byDistrict[d]!.push(f));
  const edgeStart = new Int32Array(chambers + 1);
  const edgeFirm: number[] = [];
  const edgeCost: number[] = [];
  for (let i = 0; i < chambers; i++) {
    const d = Math.floor(r() * DISTRICTS.length);
    const industry = Math.floor(r() * 20);
    const listed = 5 + Math.floor(r() * 16);
    const seen = new Set<number>();
    for (let rank = 0; seen.size < listed && rank < 40; rank++) {
      const f = r() < 0.8 ? pick(r, byDistrict[d]!) : Math.floor(r() * firms);
      if (seen.has(f)) continue;
      seen.add(f);
      edgeFirm.push(f);
      edgeCost.push((firmDistrict[f] === d ? 0 : 3) + (firmIndustries[f]!.has(industry) ? 0 : 2) + seen.size - 1);
    }
    edgeStart[i + 1] = edgeFirm.length;
  }
  return {
    chambers,
    capacity: Array.from({ length: firms }, () => 1 + Math.floor(r() * 2)),
    edgeStart,
    edgeFirm: Int32Array.from(edgeFirm),
    edgeCost: Float64Array.from(edgeCost),
  };
}

function smallInstance(r: () => number): PairingInstance {
  const n = 2 + Math.floor(r() * 6);
  const m = 1 + Math.floor(r() * 4);
  const edgeStart = new Int32Array(n + 1);
  const edgeFirm: number[] = [];
  const edgeCost: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let f = 0; f < m; f++)
      if (r() < 0.6) {
        edgeFirm.push(f);
        edgeCost.push(Math.floor(r() * 8));
      }
    edgeStart[i + 1] = edgeFirm.length;
  }
  return {
    chambers: n,
    capacity: Array.from({ length: m }, () => Math.floor(r() * 3)),
    edgeStart,
    edgeFirm: Int32Array.from(edgeFirm),
    edgeCost: Float64Array.from(edgeCost),
  };
}

function pairingBench(): void {
  const r = rng(SEED);
  const instance = cityInstance(r, 10_000, 10_000);
  console.log(`\n## Pairing: 10,000 firms × 10,000 chambers, ${instance.edgeFirm.length.toLocaleString()} eligible pairs\n`);
  const g0 = performance.now();
  const greedy = greedyPairing(instance);
  const greedyMs = performance.now() - g0;
  const e0 = performance.now();
  const exact = solvePairing(instance);
  const exactMs = performance.now() - e0;
  // Re-pairing: 50 firms leave; their chambers have no current firm.
  const leaving = new Set(Array.from({ length: 50 }, (_, k) => k * 197));
  const current = Int32Array.from(exact.firmOf, (f) => (leaving.has(f) ? -1 : f));
  const capacity = Array.from(instance.capacity, (c, f) => (leaving.has(f) ? 0 : c));
  const moved = exact.firmOf.filter((f) => leaving.has(f)).length;
  const r0 = performance.now();
  const repaired = solvePairing({ ...instance, capacity, current });
  const repairMs = performance.now() - r0;
  console.log("| solver | ms | unserved | total cost | cost vs exact |");
  console.log("| --- | ---: | ---: | ---: | ---: |");
  console.log(
    `| greedy baseline (cheapest firm with room, in order) | ${ms(greedyMs)} | ${greedy.unserved} | ${greedy.cost} | ${(greedy.cost / exact.cost).toFixed(4)}x${greedy.unserved > exact.unserved.length ? ` (+${greedy.unserved - exact.unserved.length} unserved)` : ""} |`,
  );
  console.log(`| exact (min-cost flow) | ${ms(exactMs)} | ${exact.unserved.length} | ${exact.cost} | 1.0000x |`);
  console.log(
    `| exact re-pairing after 50 firms leave (${moved} chambers lost their firm) | ${ms(repairMs)} | ${repaired.unserved.length} | ${repaired.cost} | changed ${repaired.changed} |`,
  );
  let equal = 0;
  const N = 300;
  const s = rng(SEED + 1);
  let worst = 0;
  for (let k = 0; k < N; k++) {
    const p = smallInstance(s);
    const ref = bruteForcePairing(p);
    const got = solvePairing(p);
    if (got.unserved.length === ref.unserved && got.cost === ref.cost) equal++;
    const gr = greedyPairing(p);
    if (gr.unserved === ref.unserved && ref.cost > 0) worst = Math.max(worst, gr.cost / ref.cost);
  }
  console.log(
    `\nExact reference (exhaustive search) on ${N} small instances: the solver's objective equals it on ${equal}/${N}; greedy is up to ${worst.toFixed(2)}x the optimum there.`,
  );
}

function providers(r: () => number, n: number): Provider[] {
  const now = new Date();
  const firms: Provider[] = [];
  const out: Provider[] = [];
  const specialties = ["CORPORATE", "CONTRACT", "LABOUR", "INTELLECTUAL_PROPERTY", "TAX", "FINANCE", "DISPUTE_RESOLUTION"] as const;
  for (let i = 0; i < n; i++) {
    const isFirm = i % 10 === 0;
    const id = `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`;
    const p: Provider = {
      providerId: id,
      kind: isFirm ? "LAW_FIRM" : "LAWYER",
      name: `provider ${i}`,
      identityKey: id,
      organisation: null,
      licenceNumber: String(10_000_000_000_000_000 + i),
      lawyerKind: isFirm ? null : r() < 0.9 ? "PRACTISING" : "COMPANY",
      firm: null,
      firmProviderId: isFirm || firms.length === 0 ? null : pick(r, firms).providerId,
      employer: null,
      commission: null,
      rosterNumber: "",
      chamber: null,
      profile: {
        specialties: [pick(r, specialties), pick(r, specialties)],
        languages: r() < 0.2 ? ["zh", "en"] : ["zh"],
        districtCode: pick(r, DISTRICTS),
        capacity: 1 + Math.floor(r() * 8),
        rating: Math.round(r() * 50) / 10,
        clients: [],
      },
      status: r() < 0.97 ? "ACTIVE" : "SUSPENDED",
      appointments: [],
      revision: 1,
      createdAt: now,
      updatedAt: now,
    };
    if (isFirm) firms.push(p);
    out.push(p);
  }
  return out;
}

const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;

function matchingBench(): void {
  const r = rng(SEED + 2);
  const pool = providers(r, 10_000);
  const load = new Map(pool.map((p) => [p.providerId, Math.floor(r() * 6)]));
  const openMatters = Array.from({ length: 50 }, (_, k) => ({
    providerId: pool[k * 37]!.providerId,
    clientCreditCode: "91120102MA00000021",
    requestId: `r-${k}`,
  }));
  const subject = {
    requestId: "bench",
    type: "CONSULTATION" as const,
    specialty: "LABOUR" as const,
    districtCode: "120101",
    language: "zh",
    requester: { creditCode: "91120101MA00000011", jurisdictionCode: "120101", name: "" },
    counterparties: [{ creditCode: "91120102MA00000021", jurisdictionCode: "120102", name: "" }],
    disputeId: "",
    asked: new Set<string>(),
  };
  const facts = { providers: pool, load, openMatters, mediators: new Set<string>() };
  /** The raw baseline: one weighted score per provider and a sort; no reasons, exclusions or conflicts. */
  const raw = () => {
    const w = DEFAULT_WEIGHTS;
    const scored: { id: string; s: number }[] = [];
    for (const p of pool) {
      const l = load.get(p.providerId) ?? 0;
      if (l >= p.profile.capacity) continue;
      scored.push({
        id: p.providerId,
        s:
          w.specialty * (p.profile.specialties.includes("LABOUR") ? 1 : 0) +
          w.district * (p.profile.districtCode === "120101" ? 1 : 0) +
          w.language * (p.profile.languages.includes("zh") ? 1 : 0) +
          w.load * (1 - l / p.profile.capacity) +
          w.rating * (p.profile.rating / 5),
      });
    }
    scored.sort((a, b) => b.s - a.s);
    return scored.slice(0, 5);
  };
  const full = () => matchRequest(subject, facts, DEFAULT_WEIGHTS, 5, new Date());
  for (let k = 0; k < 20; k++) {
    raw();
    full();
  }
  const times = { raw: [] as number[], full: [] as number[] };
  let excluded = 0;
  for (let k = 0; k < MATCH_RUNS; k++) {
    const a = performance.now();
    raw();
    const b = performance.now();
    excluded = full().exclusionsTotal;
    const c = performance.now();
    times.raw.push(b - a);
    times.full.push(c - b);
  }
  console.log(
    `\n## Matching one request against 10,000 providers (${MATCH_RUNS} runs each, interleaved; ${excluded} excluded with reasons)\n`,
  );
  console.log("| ms | p50 | p90 | p99 | max |");
  console.log("| --- | ---: | ---: | ---: | ---: |");
  for (const [label, xs] of [
    ["raw baseline (score and sort)", times.raw],
    ["matchRequest (reasons, exclusions, firm conflicts)", times.full],
  ] as const)
    console.log(`| ${label} | ${ms(quantile(xs, 0.5))} | ${ms(quantile(xs, 0.9))} | ${ms(quantile(xs, 0.99))} | ${ms(Math.max(...xs))} |`);
  console.log(`\nratio p50 matchRequest / raw: ${(quantile(times.full, 0.5) / quantile(times.raw, 0.5)).toFixed(2)}x`);
}

console.log(`# legal-services benchmarks (seed ${SEED}, node ${process.version})`);
pairingBench();
matchingBench();
