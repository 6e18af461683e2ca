/** Aggregates kept whole as JSON documents, with the columns lists need beside them (used by services whose aggregates are nested). */
import type { AggregateStore } from "../usecase/kit";
import type { Knex } from "knex";
import { openPersonalData, sealPersonalData } from "./personal-data";
import { writeNowOrAlongside } from "./together";

export type Db = Knex | Knex.Transaction;

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/**
 * A stored document as the domain holds it: JSON keeps times as ISO strings, so every string
 * under a key ending in "At" becomes a Date again (the domain names every time that way).
 */
export function revive<T>(doc: unknown): T {
  const walk = (value: unknown, key: string): unknown => {
    if (typeof value === "string") return key.endsWith("At") && ISO.test(value) ? new Date(value) : value;
    if (Array.isArray(value)) return value.map((x) => walk(x, ""));
    if (value && typeof value === "object")
      return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, walk(v, k)]));
    return value;
  };
  return walk(doc, "") as T;
}

export interface DocStore<S extends { revision: number }> extends AggregateStore<S> {
  load(db: Db, id: string, forUpdate?: boolean): Promise<S | undefined>;
}

/**
 * An aggregate kept whole in `table.doc`, with `columns` maintained beside it for lists, scans
 * and uniqueness. `extra` writes what else the aggregate owns (child rows) in the same transaction.
 */
export function docStore<S extends { revision: number }>(opts: {
  table: string;
  type: string;
  idColumn: string;
  id: (s: S) => string;
  columns: (s: S) => Record<string, unknown>;
  /** The document as stored (defaults to the whole state). */
  doc?: (s: S) => unknown;
  /** The state from its document and whatever else `extra` wrote. */
  read?: (db: Db, doc: S) => Promise<S>;
  extra?: (trx: Knex.Transaction, after: S, before: S | undefined) => Promise<void>;
  /** Names of fields holding parties' personal data (e.g. "identityNumber"): sealed in the document at any depth. */
  personalData?: readonly string[];
}): DocStore<S> {
  const sealed = new Set(opts.personalData ?? []);
  const docOf = sealed.size === 0 ? (opts.doc ?? ((s: S) => s)) : (s: S) => sealPersonalData((opts.doc ?? ((x: S) => x))(s), sealed);
  return {
    type: opts.type,
    id: opts.id,
    async save(trx, after, before, alongside) {
      const row = { ...opts.columns(after), revision: after.revision, doc: JSON.stringify(docOf(after)) };
      const write = before
        ? trx(opts.table).where(opts.idColumn, opts.id(after)).update(row)
        : trx(opts.table).insert({ [opts.idColumn]: opts.id(after), ...row });
      // `extra` may read or write the row: it runs after it is written.
      if (!opts.extra) return writeNowOrAlongside([write], alongside);
      await write;
      await opts.extra(trx, after, before);
    },
    async load(db, id, forUpdate = false) {
      const q = db(opts.table).where(opts.idColumn, id).first("doc", "revision");
      if (forUpdate) q.forUpdate();
      const row = (await q) as { doc: unknown; revision: number } | undefined;
      if (!row) return undefined;
      const s = { ...revive<S>(sealed.size === 0 ? row.doc : openPersonalData(row.doc, sealed)), revision: row.revision };
      return opts.read ? opts.read(db, s) : s;
    },
  };
}
