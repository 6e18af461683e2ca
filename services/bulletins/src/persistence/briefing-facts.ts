import type { Migration } from "@jinlian/chassis";
import type { Knex } from "knex";
import type { BriefingFact } from "../domain/briefing";

/** The facts briefings are compiled from (at the city): the latest per source and key. */
export const briefingFactsMigration: Migration = {
  name: "0200_briefing_facts",
  async up(db) {
    await db.schema.createTable("briefing_facts", (t) => {
      t.text("source").notNullable();
      t.text("fact_key").notNullable();
      t.text("jurisdiction_code").notNullable();
      t.timestamp("at", { useTz: true }).notNullable();
      t.timestamp("period_end", { useTz: true });
      t.bigInteger("seq").notNullable();
      t.jsonb("figures").notNullable();
      t.primary(["source", "fact_key"]);
    });
    await db.raw("create index briefing_facts_at on briefing_facts (at)");
  },
};

/** Keeps a fact unless a later one (higher seq) of the same key is held. */
export async function keepFact(trx: Knex.Transaction, f: BriefingFact): Promise<void> {
  await trx("briefing_facts")
    .insert({
      source: f.source,
      fact_key: f.key,
      jurisdiction_code: f.jurisdictionCode,
      at: f.at,
      period_end: f.periodEnd,
      seq: f.seq,
      figures: JSON.stringify(f.figures),
    })
    .onConflict(["source", "fact_key"])
    .merge()
    .where("briefing_facts.seq", "<", f.seq);
}

/** Facts that may fall in [from, until): happened before its end (compileBriefing picks exactly). */
export async function factsBefore(db: Knex, until: Date): Promise<BriefingFact[]> {
  const rows = (await db("briefing_facts").where("at", "<", until).select()) as {
    source: BriefingFact["source"];
    fact_key: string;
    jurisdiction_code: string;
    at: Date;
    period_end: Date | null;
    seq: string;
    figures: Record<string, number>;
  }[];
  return rows.map((r) => ({
    source: r.source,
    key: r.fact_key,
    jurisdictionCode: r.jurisdiction_code,
    at: r.at,
    periodEnd: r.period_end,
    seq: Number(r.seq),
    figures: r.figures,
  }));
}
