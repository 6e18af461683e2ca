import type { Knex } from "knex";
import { creditCodeProblem, describeCreditCodeProblem } from "@jinlian/kernel";
import {
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
  textField,
  Violations,
  type Actor,
  type ServiceKit,
} from "@jinlian/chassis";
import type { DecisionContext, OrgRef } from "../domain/context";
import { LIMITS } from "../domain/kinds";
import { registeredOrganisations } from "../persistence/repositories";

/** Common parts of a mutation's input. */
export interface Mutation {
  expectedRevision: number;
  reason: string;
}

/** The decision context of a change made here now. */
export function contextOf(kit: ServiceKit, actor: Actor, reason: string, at: Date = kit.now()): DecisionContext {
  return { stamp: kit.auditMetadata({ actor, reason }, at), here: kit.here, newId: () => kit.newId() };
}

/** The reason a mutation gives (optional unless `required`), bounded. */
export function reasonField(v: Violations, reason: string, required = false): string {
  return textField(v, "reason", reason, { required, max: LIMITS.reason });
}

export function revisionField(v: Violations, expected: number): number {
  if (expected < 0) v.add("expected_revision", "must be 0 (no check) or a revision returned by the service");
  return expected;
}

export function found<S>(value: S | undefined, type: string, id: string): S {
  if (value === undefined) throw new NotFoundError(type, id);
  return value;
}

/** A credit code field: well-formed (GB 32100) or a violation naming it. */
export function creditCodeField(v: Violations, field: string, code: string): string {
  const c = code.trim().toUpperCase();
  if (c.length === 0) v.add(field, "is required");
  else {
    const problem = creditCodeProblem(c);
    if (problem) v.add(field, describeCreditCodeProblem(problem));
  }
  return c;
}

/**
 * Organisations named by credit code, checked against this node's registry projection: known
 * (INVALID_ARGUMENT otherwise), of an allowed type (INVALID_ARGUMENT), active (FAILED_PRECONDITION).
 * Runs in the request's transaction.
 */
export async function resolveOrganisations(
  trx: Knex.Transaction,
  named: readonly { field: string; creditCode: string }[],
  types: readonly string[],
): Promise<OrgRef[]> {
  const known = await registeredOrganisations(
    trx,
    named.map((n) => n.creditCode),
  );
  const v = new Violations();
  const inactive = [];
  const out: OrgRef[] = [];
  for (const n of named) {
    const records = known.filter((k) => k.creditCode === n.creditCode);
    const record = records.find((k) => k.active) ?? records[0];
    if (!record) v.add(n.field, `organisation ${n.creditCode} is not in this node's registry`);
    else if (!types.includes(record.type)) v.add(n.field, `${record.name} is a ${record.type}; must be one of ${types.join(", ")}`);
    else if (!record.active)
      inactive.push({
        type: "ORGANISATION_DEACTIVATED",
        subject: `organisation/${n.creditCode}`,
        description: `${n.field}: ${record.name} (${n.creditCode}) is deactivated in the liaison registry`,
      });
    else out.push({ creditCode: record.creditCode, name: record.name, jurisdictionCode: record.jurisdictionCode });
  }
  v.throwIfAny();
  if (inactive.length > 0) throw new FailedPreconditionError(inactive);
  return out;
}

/** Types of organisation consulted: the federation and chambers of commerce (art. 5). */
export const CONSULTED_TYPES = ["FEDERATION", "CHAMBER_OF_COMMERCE"] as const;

export function invalid(field: string, description: string): InvalidArgumentError {
  return new InvalidArgumentError([{ field, description }]);
}
