import { createHash } from "node:crypto";
import type { Violations } from "../common/errors";

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 200;

/** Where the previous page ended: the sort key of its last row and that row's id. */
export interface PageCursor {
  readonly key: string;
  readonly id: string;
}

export interface PageRequestOf {
  /** Rows to fetch (one more than returned, to know whether another page follows). */
  readonly size: number;
  readonly after?: PageCursor;
  readonly fingerprint: string;
}

/**
 * Validates a page request for keyset paging. A token is bound to the filter it was issued for
 * (by a fingerprint), so continuing with a different filter is INVALID_ARGUMENT, not a wrong page.
 * Problems are added to `v` under page.page_size / page.page_token.
 */
export function readPageRequest(v: Violations, filter: unknown, pageSize: number, pageToken: string): PageRequestOf {
  if (pageSize < 0 || pageSize > MAX_PAGE_SIZE) v.add("page.page_size", `must be between 0 and ${MAX_PAGE_SIZE}`);
  const fingerprint = createHash("sha256")
    .update(JSON.stringify(filter ?? {}))
    .digest("base64url")
    .slice(0, 12);
  let after: PageCursor | undefined;
  if (pageToken) {
    try {
      const tok = JSON.parse(Buffer.from(pageToken, "base64url").toString("utf8")) as { k?: unknown; id?: unknown; f?: unknown };
      if (tok.f !== fingerprint) v.add("page.page_token", "belongs to a different filter");
      else if (typeof tok.k !== "string" || typeof tok.id !== "string" || tok.id.length === 0 || tok.id.length > 100)
        v.add("page.page_token", "is not a valid page token");
      else after = { key: tok.k, id: tok.id };
    } catch {
      v.add("page.page_token", "is not a valid page token");
    }
  }
  return { size: pageSize || DEFAULT_PAGE_SIZE, after, fingerprint };
}

/**
 * Cuts a fetched page (size + 1 rows) to size and makes the next token from the last row kept,
 * or "" when nothing follows.
 */
export function pageOf<T>(
  rows: readonly T[],
  request: PageRequestOf,
  cursor: (row: T) => PageCursor,
): { items: T[]; nextPageToken: string } {
  const items = rows.slice(0, request.size);
  const last = items[items.length - 1];
  if (rows.length <= request.size || last === undefined) return { items, nextPageToken: "" };
  const c = cursor(last);
  return { items, nextPageToken: Buffer.from(JSON.stringify({ k: c.key, id: c.id, f: request.fingerprint })).toString("base64url") };
}

/** A LIKE pattern matching `text` anywhere, with LIKE's wildcards escaped. */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
