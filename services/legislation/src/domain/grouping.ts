/**
 * Grouping of mass submissions. Pure.
 * - Identical: the same text after NFKC normalisation with whitespace and punctuation removed, on
 *   the same set of cited places: one position, its opinions' organisations its supporters.
 * - Near-identical: character shingles (n-grams of the normalised text) with a Jaccard similarity
 *   at or over a configured threshold, on overlapping articles: proposed to an officer, who merges
 *   (or not) and can split again.
 */
import { citationSetKey, type ArticleRef } from "./articles";

/** NFKC, then every whitespace, punctuation and symbol character removed. */
export function normaliseOpinionText(text: string): string {
  return text.normalize("NFKC").replace(/[\s\p{P}\p{S}]/gu, "");
}

/** What makes two opinions identical. */
export function opinionFingerprint(text: string, citations: readonly ArticleRef[]): string {
  return `${citationSetKey(citations)}|${normaliseOpinionText(text)}`;
}

export interface GroupingPolicy {
  /** Characters per shingle (2 suits Chinese text). */
  readonly shingleSize: number;
  /** Jaccard similarity at or above which positions are proposed as one group, 0-1. */
  readonly threshold: number;
}

export const DEFAULT_GROUPING: GroupingPolicy = { shingleSize: 2, threshold: 0.8 };

export function shingles(normalised: string, size: number): Set<string> {
  const chars = [...normalised];
  const out = new Set<string>();
  if (chars.length <= size) {
    if (chars.length > 0) out.add(chars.join(""));
    return out;
  }
  for (let i = 0; i + size <= chars.length; i++) out.add(chars.slice(i, i + size).join(""));
  return out;
}

export function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 && b.size === 0) return 1;
  let common = 0;
  for (const x of a) if (b.has(x)) common++;
  return common / (a.size + b.size - common);
}

/** A position as grouping sees it: its first opinion's text and its cited articles. */
export interface GroupingCandidate {
  readonly positionId: string;
  readonly text: string;
  readonly citations: readonly ArticleRef[];
}

export interface GroupingProposal {
  readonly positionIds: string[];
  /** The lowest similarity among the links that joined the proposal. */
  readonly similarity: number;
}

/**
 * Near-identical positions, joined transitively (single linkage) over pairs at or above the
 * threshold that cite at least one article in common; most similar first.
 */
export function proposeGroups(candidates: readonly GroupingCandidate[], policy: GroupingPolicy): GroupingProposal[] {
  const sets = candidates.map((c) => shingles(normaliseOpinionText(c.text), policy.shingleSize));
  const articles = candidates.map((c) => new Set(c.citations.map((x) => x.article)));
  const parent = candidates.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i]!)));
  const weakest = new Map<number, number>();
  for (let i = 0; i < candidates.length; i++)
    for (let j = i + 1; j < candidates.length; j++) {
      if (![...articles[i]!].some((a) => articles[j]!.has(a))) continue;
      const s = jaccard(sets[i]!, sets[j]!);
      if (s < policy.threshold) continue;
      const [ri, rj] = [find(i), find(j)];
      const w = Math.min(s, weakest.get(ri) ?? 1, weakest.get(rj) ?? 1);
      parent[rj] = ri;
      weakest.set(ri, w);
    }
  const groups = new Map<number, number[]>();
  candidates.forEach((_, i) => groups.set(find(i), [...(groups.get(find(i)) ?? []), i]));
  return [...groups.entries()]
    .filter(([, members]) => members.length > 1)
    .map(([root, members]) => ({
      positionIds: members.map((i) => candidates[i]!.positionId),
      similarity: Math.round((weakest.get(root) ?? 1) * 1000) / 1000,
    }))
    .sort((a, b) => b.similarity - a.similarity);
}
