import type { Knex } from "knex";

/**
 * Writes of one change that a store leaves for a later statement of the same change to carry
 * (the kit's audit entry and outbox rows), each as a data-modifying WITH clause of it, so they
 * cost no round trip of their own: on this platform's nodes a round trip is most of a write's
 * CPU. They run in one snapshot, in no set order, and none sees another's rows, so only writes
 * independent of each other belong here: no two touching one row, none reading what another
 * writes. Foreign keys between them hold (PostgreSQL checks them at the statement's end). The
 * statement carrying them binds at most 65,535 parameters with its own: leave only bounded writes.
 */
export type WritesAlongside = Knex.QueryBuilder[];

/** `main` with `statements` as its WITH clauses, so one round trip sends them all. */
export function carrying(main: Knex.QueryBuilder, statements: readonly Knex.QueryBuilder[]): Knex.QueryBuilder {
  statements.forEach((s, i) => main.with(`alongside_${i}`, s));
  return main;
}

/** `statements` as one statement: the last, carrying the others (none without statements). */
export function together(statements: readonly Knex.QueryBuilder[]): Knex.QueryBuilder | undefined {
  const main = statements.at(-1);
  return main ? carrying(main, statements.slice(0, -1)) : undefined;
}

/**
 * Leaves `statements` to a later statement when the caller offers `alongside`; without it (a
 * caller that reads or writes after them) they are sent now, one at a time, in order.
 */
export async function writeNowOrAlongside(statements: readonly Knex.QueryBuilder[], alongside?: WritesAlongside): Promise<void> {
  if (alongside) {
    alongside.push(...statements);
    return;
  }
  for (const s of statements) await s;
}
