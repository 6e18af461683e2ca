/**
 * Aggregates are stored as one JSONB document each, with the columns lists and scans filter on
 * beside it. Dates inside a document are kept as {"$date": ISO} so they come back as Dates.
 */
import type { Knex } from "knex";
import type { AggregateStore } from "@jinlian/chassis";

export function toDocument(state: unknown): string {
  return JSON.stringify(state, function (this: Record<string, unknown>, key, value: unknown) {
    const raw = this[key];
    return raw instanceof Date ? { $date: raw.toISOString() } : value;
  });
}

export function fromDocument<S>(doc: unknown): S {
  const text = typeof doc === "string" ? doc : JSON.stringify(doc);
  return JSON.parse(text, (_key, value: unknown) =>
    value !== null && typeof value === "object" && "$date" in value && Object.keys(value).length === 1
      ? new Date((value as { $date: string }).$date)
      : value,
  ) as S;
}

/** A store writing the whole document and its listed columns, at the revision the kit set. */
export function documentStore<S extends { readonly revision: number }>(spec: {
  type: string;
  table: string;
  key: string;
  id: (s: S) => string;
  columns: (s: S) => Record<string, unknown>;
}): AggregateStore<S> & { load(db: Knex | Knex.Transaction, id: string, forUpdate?: boolean): Promise<S | undefined> } {
  return {
    type: spec.type,
    id: spec.id,
    async save(trx, after, before) {
      const row = { ...spec.columns(after), revision: after.revision, doc: toDocument(after) };
      if (!before) await trx(spec.table).insert({ [spec.key]: spec.id(after), ...row });
      else
        await trx(spec.table)
          .where({ [spec.key]: spec.id(after) })
          .update(row);
    },
    async load(db, id, forUpdate = false) {
      const q = db(spec.table)
        .where({ [spec.key]: id })
        .first("doc", "revision");
      const row = (await (forUpdate ? q.forUpdate() : q)) as { doc: unknown; revision: number } | undefined;
      return row ? { ...fromDocument<S>(row.doc), revision: row.revision } : undefined;
    },
  };
}
