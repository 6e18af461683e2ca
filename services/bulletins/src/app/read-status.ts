import { pageOf, readPageRequest, Violations } from "@jinlian/chassis";
import type { Bulletin, ReadCounts, Receipt } from "../domain/bulletin";
import { partyCounts } from "../domain/receipts";
import type { RecipientStatus } from "./bulletins-app";

export interface ReadStatusPage {
  recipients: RecipientStatus[];
  receipts: Receipt[];
  /** Counts over parties (a node recipient counts twice). */
  partySummary: ReadCounts;
  page?: { nextPageToken: string; totalSize: number };
}

/**
 * Read status pages like every list: recipients in their order (main before copy, then by key),
 * each page with the receipts of its recipients. Without a page request, everything at once (as
 * before paging; a bulletin tracks a bounded number of recipients).
 */
export function pageReadStatus(
  s: { bulletin: Bulletin; recipients: RecipientStatus[]; receipts: Receipt[]; now: Date },
  page: { pageSize: number; pageToken: string } | undefined,
): ReadStatusPage {
  const partySummary = partyCounts(
    s.bulletin,
    s.recipients.map((r) => r.recipient),
    s.now,
  );
  if (!page) return { recipients: s.recipients, receipts: s.receipts, partySummary };
  const v = new Violations();
  const request = readPageRequest(
    v,
    { bulletinId: s.bulletin.bulletinId },
    page.pageSize,
    page.pageToken,
    (c) => c.key === "0" || c.key === "1",
  );
  const position = (r: RecipientStatus) => `${r.recipient.role === "MAIN" ? 0 : 1}`;
  const ordered = [...s.recipients].sort(
    (a, b) => position(a).localeCompare(position(b)) || a.recipient.key.localeCompare(b.recipient.key),
  );
  const after = request.after;
  if (after && !ordered.some((r) => position(r) === after.key && r.recipient.key === after.id))
    v.add("page.page_token", "is not a valid page token");
  v.throwIfAny();
  const from = after ? ordered.findIndex((r) => position(r) === after.key && r.recipient.key === after.id) + 1 : 0;
  const { items, nextPageToken } = pageOf(ordered.slice(from, from + request.size + 1), request, (r) => ({
    key: position(r),
    id: r.recipient.key,
  }));
  const keys = new Set(items.map((r) => r.recipient.key));
  return {
    recipients: items,
    receipts: s.receipts.filter((x) => keys.has(x.recipientKey)),
    partySummary,
    page: { nextPageToken, totalSize: ordered.length },
  };
}
