import { createHash } from "node:crypto";
import type { Knex } from "knex";
import type { Violations } from "../common/errors";
import { isUuid } from "../common/fields";

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
 * What a list's cursor must look like. A token is the caller's to hold, so one altered by hand
 * (keeping its filter's fingerprint) must be refused as INVALID_ARGUMENT before its key and id
 * reach SQL, where a failed cast would be an internal error.
 */
export type CursorCheck = (cursor: PageCursor) => boolean;

// A time as Date#toISOString writes it, the only way the lists write one into a token.
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** The cursor of a list sorted by a time, ties broken by a uuid. */
export const timeCursor: CursorCheck = (c) => ISO_INSTANT.test(c.key) && !Number.isNaN(Date.parse(c.key)) && isUuid(c.id);

/** The cursor of a list sorted by text (a name, a code), ties broken by a uuid. */
export const textCursor: CursorCheck = (c) => isUuid(c.id);

/**
 * Validates a page request for keyset paging. A token is bound to the filter it was issued for
 * (by a fingerprint), so continuing with a different filter is INVALID_ARGUMENT, not a wrong page;
 * its cursor must pass the list's `check`. Problems are added to `v` under page.page_size /
 * page.page_token.
 */
export function readPageRequest(v: Violations, filter: unknown, pageSize: number, pageToken: string, check: CursorCheck): PageRequestOf {
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
      else if (
        typeof tok.k !== "string" ||
        typeof tok.id !== "string" ||
        tok.id.length === 0 ||
        tok.id.length > 100 ||
        tok.k.length > 1000 ||
        !check({ key: tok.k, id: tok.id })
      )
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

/** How a keyset page is sorted: by `key`, ties broken by the unique `id`, both in `direction`. */
export interface KeysetOrder {
  /** A column or SQL expression written by the service (never caller input), e.g. "b.created_at". */
  readonly key: string;
  /** The cast the cursor's key is compared with: "timestamptz" for times; none for text keys. */
  readonly keyType?: "timestamptz";
  /** The unique tie-breaker column, a uuid. */
  readonly id: string;
  readonly direction: "asc" | "desc";
}

/**
 * Sorts `q` by `order` and, given the previous page's cursor, keeps only the rows after it; the
 * caller adds the limit (`page.size + 1` for `pageOf`). The row comparison and the ORDER BY are
 * written from the one description because they must agree in columns and direction: if they
 * do not, pages silently skip or repeat rows. Seeking past the cursor, not OFFSET, keeps a deep
 * page as cheap as the first and unmoved by rows added meanwhile.
 */
export function keysetPage<Q extends Knex.QueryBuilder>(q: Q, order: KeysetOrder, after: PageCursor | undefined): Q {
  const { key, id, direction } = order;
  const cast = order.keyType ? `::${order.keyType}` : "";
  if (after) q.whereRaw(`(${key}, ${id}) ${direction === "desc" ? "<" : ">"} (?${cast}, ?::uuid)`, [after.key, after.id]);
  q.orderByRaw(`${key} ${direction}, ${id} ${direction}`);
  return q;
}

/** A LIKE pattern matching `text` anywhere, with LIKE's wildcards escaped. */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
