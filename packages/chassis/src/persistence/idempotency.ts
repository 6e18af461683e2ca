import type { Knex } from "knex";
import { InvalidArgumentError } from "../common/errors";
import { sqlLiteral } from "./database";

/** A request id's claim: new (the caller runs its change), or a repeat with the first call's result. */
export type Claim = { replayed: false } | { replayed: true; result: string };

/**
 * The claim of (scope, key) in the caller's transaction, as one statement with its values written
 * in, to be sent with the transaction's BEGIN (`transactionOpenedWith`); `settleClaim` reads what
 * it returned. The key row is inserted first: a concurrent repeat waits on it and then reads the
 * first call's result; if the change fails, the transaction (and the claim) roll back, so the call
 * can be retried. `result`, when the caller knows it before its change runs (the id of what it
 * creates), is stored with the claim, so nothing is written after.
 */
export function claimStatement(scope: string, key: string, fingerprint: string | undefined, result = ""): string {
  const values = [scope, key, result].map(sqlLiteral).join(", ");
  return (
    `insert into idempotency_keys (scope, key, result, fingerprint) values (${values}, ${fingerprint === undefined ? "null" : sqlLiteral(fingerprint)}) ` +
    "on conflict (scope, key) do nothing returning key"
  );
}

/**
 * What a claim came to, from the rows its statement returned: new, or a repeat with the first
 * call's result. A key that comes back with another request (a different `fingerprint`) is a
 * caller's mistake — replaying the first result would hide that the second request was never
 * applied — and is refused with INVALID_ARGUMENT.
 */
export async function settleClaim(
  trx: Knex.Transaction,
  claimed: readonly unknown[],
  scope: string,
  key: string,
  fingerprint: string | undefined,
): Promise<Claim> {
  if (claimed.length > 0) return { replayed: false };
  const row = await trx("idempotency_keys").where({ scope, key }).first<{ result: string; fingerprint: string | null }>();
  if (fingerprint && row!.fingerprint && row!.fingerprint !== fingerprint)
    throw new InvalidArgumentError([
      { field: "x-request-id", description: "was already used for a different request; send a new request id for a new request" },
    ]);
  return { replayed: true, result: row!.result };
}

/** Keys are kept this long; a retry after that is treated as a new call. */
export const IDEMPOTENCY_RETENTION_MS = 24 * 3600 * 1000;
