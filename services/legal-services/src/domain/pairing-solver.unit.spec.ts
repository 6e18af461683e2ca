import { bruteForcePairing, greedyPairing, solvePairing, type PairingInstance } from "./pairing-solver";

/** A deterministic pseudo-random generator (mulberry32), so a failing instance can be reproduced. */
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

function instance(rows: number[][], costs: number[][], capacity: number[], current?: number[]): PairingInstance {
  const edgeStart = new Int32Array(rows.length + 1);
  rows.forEach((r, i) => (edgeStart[i + 1] = edgeStart[i]! + r.length));
  return {
    chambers: rows.length,
    capacity,
    edgeStart,
    edgeFirm: Int32Array.from(rows.flat()),
    edgeCost: Float64Array.from(costs.flat()),
    current: current ? Int32Array.from(current) : undefined,
  };
}

function randomInstance(r: () => number, n: number, m: number, withCurrent: boolean): PairingInstance {
  const rows: number[][] = [];
  const costs: number[][] = [];
  for (let i = 0; i < n; i++) {
    const firms = [...Array(m).keys()].filter(() => r() < 0.55);
    rows.push(firms);
    costs.push(firms.map(() => Math.floor(r() * 7)));
  }
  const capacity = Array.from({ length: m }, () => Math.floor(r() * 3));
  const current = withCurrent ? rows.map((fs) => (fs.length > 0 && r() < 0.7 ? fs[Math.floor(r() * fs.length)]! : -1)) : undefined;
  return instance(rows, costs, capacity, current);
}

/** The solution's objective, recomputed from its pairs, and a check that it respects every constraint. */
function objectiveOf(p: PairingInstance, firmOf: Int32Array): { unserved: number; changed: number; cost: number } {
  const used = new Array(p.capacity.length).fill(0);
  let cost = 0;
  let unserved = 0;
  let changed = 0;
  for (let i = 0; i < p.chambers; i++) {
    const f = firmOf[i]!;
    if (p.current && p.current[i] !== f) changed++;
    if (f < 0) {
      unserved++;
      continue;
    }
    let best = Infinity;
    for (let e = p.edgeStart[i]!; e < p.edgeStart[i + 1]!; e++) if (p.edgeFirm[e] === f) best = Math.min(best, p.edgeCost[e]!);
    expect(best).toBeLessThan(Infinity); // only eligible pairs
    cost += best;
    used[f]++;
  }
  used.forEach((u, f) => expect(u).toBeLessThanOrEqual(p.capacity[f]!)); // no firm beyond its capacity
  return { unserved, changed, cost };
}

describe("given small pairing instances with an exact reference (exhaustive search)", () => {
  it("when solved, then the objective equals the reference optimum on 400 random instances", () => {
    const r = rng(20240715);
    for (let k = 0; k < 400; k++) {
      const p = randomInstance(r, 1 + Math.floor(r() * 6), 1 + Math.floor(r() * 4), false);
      const s = solvePairing(p);
      const reference = bruteForcePairing(p);
      const got = objectiveOf(p, s.firmOf);
      expect({ unserved: got.unserved, cost: got.cost }).toEqual({ unserved: reference.unserved, cost: reference.cost });
      expect(s.cost).toBe(got.cost);
      expect(s.unserved).toHaveLength(got.unserved);
    }
  });

  it("when re-pairing from current pairs, then fewest changes first and then cost equal the reference on 400 instances", () => {
    const r = rng(14);
    for (let k = 0; k < 400; k++) {
      const p = randomInstance(r, 1 + Math.floor(r() * 6), 1 + Math.floor(r() * 4), true);
      const s = solvePairing(p);
      expect(objectiveOf(p, s.firmOf)).toEqual(bruteForcePairing(p));
      expect(s.changed).toBe(objectiveOf(p, s.firmOf).changed);
    }
  });
});

describe("given a programme where one firm leaves", () => {
  // Firms 0..2 with capacity 2; chambers 0..5, every chamber eligible for every firm; firm 1 leaves.
  const rows = Array.from({ length: 6 }, () => [0, 1, 2]);
  const costs = [
    [0, 1, 3],
    [0, 2, 3],
    [2, 0, 1],
    [3, 0, 1],
    [3, 2, 0],
    [3, 1, 0],
  ];
  it("when re-paired with the old pairs as current, then only its chambers move", () => {
    const first = solvePairing(instance(rows, costs, [2, 2, 2]));
    expect(Array.from(first.firmOf)).toEqual([0, 0, 1, 1, 2, 2]);
    // Firm 1 leaves (capacity 0); its chambers have no current firm. Room: firm 0 and 2 get one more each.
    const current = Int32Array.from(first.firmOf, (f) => (f === 1 ? -1 : f));
    const again = solvePairing({ ...instance(rows, costs, [3, 0, 3]), current });
    expect([again.firmOf[2], again.firmOf[3]].every((f) => f === 0 || f === 2)).toBe(true);
    expect(Array.from(again.firmOf.slice(0, 2))).toEqual([0, 0]);
    expect(Array.from(again.firmOf.slice(4))).toEqual([2, 2]);
    expect(again.changed).toBe(2); // the two chambers of the firm that left, nothing else
    // From scratch, the cheapest pairing would move others too: minimal re-pairing is a different optimum.
    const scratch = solvePairing(instance(rows, costs, [3, 0, 3]));
    expect(scratch.cost).toBeLessThanOrEqual(again.cost);
  });
});

describe("given a programme that cannot serve every chamber", () => {
  it("when solved, then the unserved chambers are named with the firms they compete for and their capacity", () => {
    // Chambers 0-1 can only use firm 0 (capacity 1), chamber 2 firm 0 or 1; chamber 3 has no eligible firm; chamber 4 is fine.
    const p = instance([[0], [0], [0, 1], [], [2]], [[1], [0], [0, 0], [], [0]], [1, 1, 1]);
    const s = solvePairing(p);
    expect(s.unserved).toHaveLength(2);
    expect(objectiveOf(p, s.firmOf).unserved).toBe(bruteForcePairing(p).unserved);
    const noFirm = s.shortfalls.find((g) => g.chambers.includes(3))!;
    expect(noFirm).toEqual({ chambers: [3], firms: [], capacity: 0 });
    const crowded = s.shortfalls.find((g) => g.chambers.includes(0))!;
    // Chamber 2 also wanted firm 0 but has firm 1: the set is the two that only firm 0 can serve.
    expect(crowded).toEqual({ chambers: [0, 1], firms: [0], capacity: 1 });
  });
});

describe("given the greedy baseline", () => {
  it("when an early chamber takes a firm a later one needed, then greedy is worse and the solver is not", () => {
    const p = instance(
      [
        [0, 1],
        [0, 1],
      ],
      [
        [0, 1],
        [0, 5],
      ],
      [1, 1],
    );
    expect(greedyPairing(p).cost).toBe(5);
    expect(solvePairing(p).cost).toBe(1);
  });
});
