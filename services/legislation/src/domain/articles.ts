/**
 * A draft's text as numbered articles (条), each with paragraphs (款) and items (项), citations of
 * places in it, and the article-level difference between two versions. Pure.
 */
import type { Violations } from "@jinlian/chassis";
import { LIMITS } from "./kinds";

export interface Paragraph {
  readonly text: string;
  readonly items: readonly string[];
}
export interface Article {
  /** 第N条, numbered 1..n without gaps. */
  readonly number: number;
  readonly paragraphs: readonly Paragraph[];
}
/** A place cited: an article, optionally one paragraph (1-based), optionally one item of it. */
export interface ArticleRef {
  readonly article: number;
  readonly paragraph: number;
  readonly item: number;
}

/** Checks a version's articles: at least one, numbered 1..n in order, each with text. Returns them trimmed. */
export function checkArticles(v: Violations, field: string, articles: readonly Article[]): Article[] {
  if (articles.length === 0) v.add(field, "must have at least one article");
  if (articles.length > LIMITS.articles) v.add(field, `must have at most ${LIMITS.articles} articles`);
  return articles.map((a, i) => {
    const at = `${field}[${i}]`;
    if (a.number !== i + 1) v.add(`${at}.number`, `must be ${i + 1}: articles are numbered from 1 without gaps`);
    if (a.paragraphs.length === 0) v.add(`${at}.paragraphs`, "must have at least one paragraph");
    if (a.paragraphs.length > LIMITS.paragraphs) v.add(`${at}.paragraphs`, `must have at most ${LIMITS.paragraphs} paragraphs`);
    const paragraphs = a.paragraphs.map((p, j) => {
      const text = p.text.trim();
      const items = p.items.map((x) => x.trim());
      if (text.length === 0 && items.length === 0) v.add(`${at}.paragraphs[${j}]`, "must have text or items");
      if ([...text].length > LIMITS.articleText) v.add(`${at}.paragraphs[${j}].text`, `must be at most ${LIMITS.articleText} characters`);
      if (items.length > LIMITS.items) v.add(`${at}.paragraphs[${j}].items`, `must have at most ${LIMITS.items} items`);
      items.forEach((x, k) => {
        if (x.length === 0) v.add(`${at}.paragraphs[${j}].items[${k}]`, "must not be empty");
        else if ([...x].length > LIMITS.articleText)
          v.add(`${at}.paragraphs[${j}].items[${k}]`, `must be at most ${LIMITS.articleText} characters`);
      });
      return { text, items };
    });
    return { number: a.number, paragraphs };
  });
}

/** Checks citations against the consulted version: an unknown 条, 款 or 项 is a violation naming the citation. */
export function checkCitations(v: Violations, field: string, citations: readonly ArticleRef[], articles: readonly Article[]): ArticleRef[] {
  if (citations.length === 0) v.add(field, "must cite at least one article of the consulted version");
  if (citations.length > LIMITS.citations) v.add(field, `must have at most ${LIMITS.citations} citations`);
  const seen = new Set<string>();
  citations.forEach((c, i) => {
    const at = `${field}[${i}]`;
    const article = articles.find((a) => a.number === c.article);
    if (!article) {
      v.add(`${at}.article`, `第${c.article}条 does not exist in the consulted version (articles 1-${articles.length})`);
      return;
    }
    if (c.paragraph < 0 || c.paragraph > article.paragraphs.length)
      v.add(`${at}.paragraph`, `第${c.article}条 has ${article.paragraphs.length} paragraph(s) (款); 0 cites the whole article`);
    else if (c.item !== 0) {
      const p = c.paragraph > 0 ? article.paragraphs[c.paragraph - 1] : undefined;
      if (!p) v.add(`${at}.item`, "requires a paragraph");
      else if (c.item < 0 || c.item > p.items.length)
        v.add(`${at}.item`, `第${c.article}条第${c.paragraph}款 has ${p.items.length} item(s) (项)`);
    }
    const key = citationKey(c);
    if (seen.has(key)) v.add(at, "is cited twice");
    seen.add(key);
  });
  return [...citations];
}

export function citationKey(c: ArticleRef): string {
  return `${c.article}.${c.paragraph}.${c.item}`;
}

/** The set of places cited, order-free: part of what makes two opinions identical. */
export function citationSetKey(citations: readonly ArticleRef[]): string {
  return [...new Set(citations.map(citationKey))].sort().join(",");
}

export type ArticleChangeKind = "ADDED" | "REMOVED" | "MODIFIED";
export interface ArticleChange {
  readonly number: number;
  readonly change: ArticleChangeKind;
  readonly before?: Article;
  readonly after?: Article;
}

const sameArticle = (a: Article, b: Article): boolean => JSON.stringify(a.paragraphs) === JSON.stringify(b.paragraphs);

/**
 * The article-level difference between two versions, matching articles by number (as citations
 * do): added, removed and modified articles; the rest unchanged.
 */
export function diffArticles(from: readonly Article[], to: readonly Article[]): { changes: ArticleChange[]; unchanged: number } {
  const changes: ArticleChange[] = [];
  let unchanged = 0;
  const n = Math.max(from.length, to.length);
  for (let i = 1; i <= n; i++) {
    const before = from.find((a) => a.number === i);
    const after = to.find((a) => a.number === i);
    if (before && !after) changes.push({ number: i, change: "REMOVED", before });
    else if (!before && after) changes.push({ number: i, change: "ADDED", after });
    else if (before && after) {
      if (sameArticle(before, after)) unchanged++;
      else changes.push({ number: i, change: "MODIFIED", before, after });
    }
  }
  return { changes, unchanged };
}
