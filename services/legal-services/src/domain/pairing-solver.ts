/**
 * The exact solver of 万所联万会 pairing (art. 14): a min-cost transportation problem between
 * chambers (one unit of demand each) and law firms (capacity = how many chambers a firm takes),
 * over the sparse set of eligible (chamber, firm) pairs. Pure; no I/O.
 *
 * Objective, lexicographic and exact:
 *   1. serve as many chambers as possible (a chamber left unserved costs UNSERVED, more than any
 *      change of pairs and cost together);
 *   2. when re-pairing (`current` given), change as few pairs as possible (a pair other than the
 *      chamber's current one costs CHANGE, more than any difference of cost);
 *   3. then the least total cost.
 * Constraints: each chamber gets at most one firm, each firm at most `capacity` chambers, only
 * eligible pairs. Penalties turn the three levels into one integer cost, so one min-cost flow
 * solves them exactly (integer costs keep every sum exact in float64 below 2^53).
 *
 * Algorithm: successive shortest augmenting paths, one chamber at a time (the Hungarian method
 * for transportation problems): Dijkstra on reduced costs with node potentials, stopping at the
 * first firm with spare capacity. Each augmentation keeps the flow of minimum cost for the
 * chambers added so far, so the last one is optimal. An "unserved" column of unbounded capacity
 * makes every chamber augmentable; its cost is the penalty above.
 */

/** A pairing instance in compressed sparse rows: chamber i's eligible firms are edges edgeStart[i] … edgeStart[i+1]-1. */
export interface PairingInstance {
  readonly chambers: number;
  /** How many chambers each firm can take (≥ 0). */
  readonly capacity: Int32Array | readonly number[];
  readonly edgeStart: Int32Array;
  readonly edgeFirm: Int32Array;
  /** Non-negative integer cost of each eligible pair. */
  readonly edgeCost: Float64Array | Int32Array;
  /** For re-pairing: each chamber's current firm, or -1 (new, or its firm left). */
  readonly current?: Int32Array;
}

/** A set of chambers that together can be served only by these firms, whose capacity falls short (Hall's condition). */
export interface CapacityShortfall {
  readonly chambers: number[];
  readonly firms: number[];
  readonly capacity: number;
}

export interface PairingSolution {
  /** The firm of each chamber, or -1 when it cannot be served. */
  readonly firmOf: Int32Array;
  /** Sum of the costs of the pairs made (penalties excluded). */
  readonly cost: number;
  /** Chambers with a firm other than `current` (only when `current` was given; -1 → firm counts too). */
  readonly changed: number;
  readonly unserved: number[];
  /** Why the unserved ones cannot be served: one set per group of chambers competing for the same firms. */
  readonly shortfalls: CapacityShortfall[];
}

class MinHeap {
  private keys: Float64Array;
  private items: Int32Array;
  size = 0;
  constructor(capacity: number) {
    this.keys = new Float64Array(Math.max(16, capacity));
    this.items = new Int32Array(Math.max(16, capacity));
  }
  clear(): void {
    this.size = 0;
  }
  push(item: number, key: number): void {
    if (this.size === this.keys.length) {
      const k = new Float64Array(this.size * 2);
      k.set(this.keys);
      this.keys = k;
      const it = new Int32Array(this.size * 2);
      it.set(this.items);
      this.items = it;
    }
    let i = this.size++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.keys[p]! <= key) break;
      this.keys[i] = this.keys[p]!;
      this.items[i] = this.items[p]!;
      i = p;
    }
    this.keys[i] = key;
    this.items[i] = item;
  }
  /** Removes the minimum; returns its item (its key is in `lastKey`). */
  lastKey = 0;
  pop(): number {
    const top = this.items[0]!;
    this.lastKey = this.keys[0]!;
    const n = --this.size;
    if (n > 0) {
      const key = this.keys[n]!;
      const item = this.items[n]!;
      let i = 0;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && this.keys[c + 1]! < this.keys[c]!) c++;
        if (this.keys[c]! >= key) break;
        this.keys[i] = this.keys[c]!;
        this.items[i] = this.items[c]!;
        i = c;
      }
      this.keys[i] = key;
      this.items[i] = item;
    }
    return top;
  }
}

/** Checks an instance's shape; throws on a malformed one (a bug in the caller, not bad input). */
function checkInstance(p: PairingInstance): void {
  const n = p.chambers;
  if (p.edgeStart.length !== n + 1 || p.edgeStart[0] !== 0 || p.edgeStart[n] !== p.edgeFirm.length)
    throw new Error("pairing instance: edgeStart must have chambers+1 offsets from 0 to the edge count");
  if (p.edgeCost.length !== p.edgeFirm.length) throw new Error("pairing instance: one cost per edge");
  const m = p.capacity.length;
  for (let e = 0; e < p.edgeFirm.length; e++) {
    const f = p.edgeFirm[e]!;
    if (f < 0 || f >= m) throw new Error(`pairing instance: edge ${e} names firm ${f} of ${m}`);
    const c = p.edgeCost[e]!;
    if (!(c >= 0) || !Number.isInteger(c)) throw new Error(`pairing instance: edge ${e} has cost ${c}; costs are non-negative integers`);
  }
  if (p.current && p.current.length !== n) throw new Error("pairing instance: one current firm per chamber");
}

/** Solves a pairing instance exactly (see the file comment for the objective). */
export function solvePairing(p: PairingInstance): PairingSolution {
  checkInstance(p);
  const n = p.chambers;
  const m = p.capacity.length;
  const dummy = m; // the "unserved" column
  const cols = m + 1;
  let maxCost = 0;
  for (let e = 0; e < p.edgeCost.length; e++) if (p.edgeCost[e]! > maxCost) maxCost = p.edgeCost[e]!;
  const current = p.current;
  // CHANGE exceeds any total cost difference; UNSERVED any difference of changes and cost.
  const CHANGE = current ? n * maxCost + 1 : 0;
  const UNSERVED = n * (CHANGE + maxCost) + 1;
  if (n * (UNSERVED + CHANGE + maxCost) > Number.MAX_SAFE_INTEGER) throw new Error("pairing instance too large for exact integer costs");

  const cap = new Int32Array(cols);
  for (let j = 0; j < m; j++) cap[j] = Math.max(0, p.capacity[j]!);
  cap[dummy] = n;
  const load = new Int32Array(cols);
  const colOf = new Int32Array(n).fill(-1);
  // Rows assigned to each column, as doubly linked lists.
  const head = new Int32Array(cols).fill(-1);
  const next = new Int32Array(n).fill(-1);
  const prev = new Int32Array(n).fill(-1);
  // Cost of chamber i's pair with column j (j = dummy for unserved), penalties included.
  const costOf = new Float64Array(n); // the cost of the row's current assignment
  const pr = new Float64Array(n); // row potentials
  const pc = new Float64Array(cols); // column potentials
  const distR = new Float64Array(n);
  const distC = new Float64Array(cols);
  const seenR = new Int32Array(n); // epoch stamps: reached in this search
  const seenC = new Int32Array(cols);
  const doneR = new Int32Array(n);
  const doneC = new Int32Array(cols);
  const predColOfRow = new Int32Array(n); // the column a row was reached from (its current column)
  const predRowOfCol = new Int32Array(cols); // the row a column was reached from
  const predCostOfCol = new Float64Array(cols); // cost of that row→column pair
  const finalized: number[] = []; // rows as i, columns as n + j
  const heap = new MinHeap(1024);
  const penalised = (i: number, firm: number): number => (current && firm !== current[i] ? CHANGE : 0);
  const dummyCost = (i: number): number => UNSERVED + (current && current[i]! >= 0 ? CHANGE : 0);

  const attach = (i: number, j: number, c: number): void => {
    colOf[i] = j;
    costOf[i] = c;
    prev[i] = -1;
    next[i] = head[j]!;
    if (head[j]! >= 0) prev[head[j]!] = i;
    head[j] = i;
  };
  const detach = (i: number): void => {
    const j = colOf[i]!;
    if (prev[i]! >= 0) next[prev[i]!] = next[i]!;
    else head[j] = next[i]!;
    if (next[i]! >= 0) prev[next[i]!] = prev[i]!;
    colOf[i] = -1;
  };

  for (let s = 0; s < n; s++) {
    const epoch = s + 1;
    heap.clear();
    finalized.length = 0;
    seenR[s] = epoch;
    distR[s] = 0;
    heap.push(s, 0);
    let target = -1;
    let dt = 0;
    while (heap.size > 0) {
      const v = heap.pop();
      const d = heap.lastKey;
      if (v < n) {
        if (doneR[v] === epoch || d > distR[v]!) continue;
        doneR[v] = epoch;
        finalized.push(v);
        const own = colOf[v]!;
        const relax = (j: number, c: number): void => {
          if (j === own || doneC[j] === epoch) return;
          const nd = d + c + pr[v]! - pc[j]!;
          if (seenC[j] !== epoch || nd < distC[j]!) {
            seenC[j] = epoch;
            distC[j] = nd;
            predRowOfCol[j] = v;
            predCostOfCol[j] = c;
            heap.push(n + j, nd);
          }
        };
        for (let e = p.edgeStart[v]!; e < p.edgeStart[v + 1]!; e++) {
          const f = p.edgeFirm[e]!;
          relax(f, p.edgeCost[e]! + penalised(v, f));
        }
        relax(dummy, dummyCost(v));
      } else {
        const j = v - n;
        if (doneC[j] === epoch || d > distC[j]!) continue;
        doneC[j] = epoch;
        finalized.push(v);
        if (load[j]! < cap[j]!) {
          target = j;
          dt = d;
          break;
        }
        for (let r = head[j]!; r >= 0; r = next[r]!) {
          if (doneR[r] === epoch) continue;
          const nd = d - costOf[r]! + pc[j]! - pr[r]!;
          if (seenR[r] !== epoch || nd < distR[r]!) {
            seenR[r] = epoch;
            distR[r] = nd;
            predColOfRow[r] = j;
            heap.push(r, nd);
          }
        }
      }
    }
    if (target < 0) throw new Error("pairing: no augmenting path although the unserved column is unbounded");
    // Potentials: p(v) += d(v) - d(t) for every node finalized before the target (reduced costs stay ≥ 0).
    for (const v of finalized) {
      if (v < n) pr[v] = pr[v]! + distR[v]! - dt;
      else pc[v - n] = pc[v - n]! + distC[v - n]! - dt;
    }
    // Augment: walk back from the target, moving each row on the path to the column after it.
    let j = target;
    load[j] = load[j]! + 1;
    for (;;) {
      const i = predRowOfCol[j]!;
      const c = predCostOfCol[j]!;
      const from = i === s ? -1 : predColOfRow[i]!;
      if (from >= 0) detach(i);
      attach(i, j, c);
      if (i === s) break;
      j = from;
    }
  }

  const firmOf = new Int32Array(n);
  let cost = 0;
  let changed = 0;
  const unserved: number[] = [];
  for (let i = 0; i < n; i++) {
    const j = colOf[i]!;
    firmOf[i] = j === dummy ? -1 : j;
    if (j === dummy) unserved.push(i);
    else cost += costOf[i]! - penalised(i, j);
    if (current && firmOf[i] !== current[i]) changed++;
  }
  return { firmOf, cost, changed, unserved, shortfalls: shortfallsOf(p, firmOf, unserved) };
}

/**
 * Why chambers are unserved. From each unserved chamber, follow its eligible firms and the
 * chambers they serve, and so on: every firm reached is full (otherwise the optimum would have
 * used it), so the chambers reached can only be served by the firms reached, and they outnumber
 * those firms' capacity. Groups sharing firms are merged into one set.
 */
function shortfallsOf(p: PairingInstance, firmOf: Int32Array, unserved: readonly number[]): CapacityShortfall[] {
  if (unserved.length === 0) return [];
  const n = p.chambers;
  const m = p.capacity.length;
  const servedBy: number[][] = Array.from({ length: m }, () => []);
  for (let i = 0; i < n; i++) if (firmOf[i]! >= 0) servedBy[firmOf[i]!]!.push(i);
  const groupOfRow = new Int32Array(n).fill(-1);
  const groupOfFirm = new Int32Array(m).fill(-1);
  const groups: CapacityShortfall[] = [];
  for (const start of unserved) {
    if (groupOfRow[start]! >= 0) continue;
    const g = groups.length;
    const rows: number[] = [];
    const firms: number[] = [];
    const queue = [start];
    groupOfRow[start] = g;
    while (queue.length > 0) {
      const i = queue.pop()!;
      rows.push(i);
      for (let e = p.edgeStart[i]!; e < p.edgeStart[i + 1]!; e++) {
        const f = p.edgeFirm[e]!;
        if (groupOfFirm[f]! >= 0) continue;
        groupOfFirm[f] = g;
        firms.push(f);
        for (const r of servedBy[f]!)
          if (groupOfRow[r]! < 0) {
            groupOfRow[r] = g;
            queue.push(r);
          }
      }
    }
    rows.sort((a, b) => a - b);
    firms.sort((a, b) => a - b);
    groups.push({ chambers: rows, firms, capacity: firms.reduce((s, f) => s + Math.max(0, p.capacity[f]!), 0) });
  }
  return groups;
}

/** The greedy baseline the benchmark compares with: each chamber in turn takes its cheapest firm with room. Not optimal. */
export function greedyPairing(p: PairingInstance): { firmOf: Int32Array; cost: number; unserved: number } {
  const left = Int32Array.from(p.capacity, (c) => Math.max(0, c));
  const firmOf = new Int32Array(p.chambers).fill(-1);
  let cost = 0;
  let unserved = 0;
  for (let i = 0; i < p.chambers; i++) {
    let best = -1;
    let bestCost = Infinity;
    for (let e = p.edgeStart[i]!; e < p.edgeStart[i + 1]!; e++) {
      const f = p.edgeFirm[e]!;
      if (left[f]! > 0 && p.edgeCost[e]! < bestCost) {
        best = f;
        bestCost = p.edgeCost[e]!;
      }
    }
    if (best < 0) unserved++;
    else {
      firmOf[i] = best;
      left[best] = left[best]! - 1;
      cost += bestCost;
    }
  }
  return { firmOf, cost, unserved };
}

/**
 * The exact optimum by exhaustive search, for small instances only (tests and the benchmark's
 * reference): the same lexicographic objective as solvePairing — unserved, changed, cost.
 */
export function bruteForcePairing(p: PairingInstance): { unserved: number; changed: number; cost: number } {
  checkInstance(p);
  const left = Int32Array.from(p.capacity, (c) => Math.max(0, c));
  let best = { unserved: Infinity, changed: Infinity, cost: Infinity };
  const better = (a: typeof best, b: typeof best) =>
    a.unserved !== b.unserved ? a.unserved < b.unserved : a.changed !== b.changed ? a.changed < b.changed : a.cost < b.cost;
  const visit = (i: number, unserved: number, changed: number, cost: number): void => {
    if (i === p.chambers) {
      const candidate = { unserved, changed, cost };
      if (better(candidate, best)) best = candidate;
      return;
    }
    const cur = p.current ? p.current[i]! : undefined;
    for (let e = p.edgeStart[i]!; e < p.edgeStart[i + 1]!; e++) {
      const f = p.edgeFirm[e]!;
      if (left[f]! === 0) continue;
      left[f] = left[f]! - 1;
      visit(i + 1, unserved, changed + (cur !== undefined && cur !== f ? 1 : 0), cost + p.edgeCost[e]!);
      left[f] = left[f]! + 1;
    }
    visit(i + 1, unserved + 1, changed + (cur !== undefined && cur !== -1 ? 1 : 0), cost);
  };
  visit(0, 0, 0, 0);
  return best;
}
