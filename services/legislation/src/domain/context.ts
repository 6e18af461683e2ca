import type { AuditMetadata } from "@jinlian/chassis";

/** Who made a change, why, under which request, where and when: what events and records carry. */
export type Stamp = AuditMetadata;

/** An organisation as the registry names it (credit code is the identity across nodes). */
export interface OrgRef {
  readonly creditCode: string;
  readonly name: string;
  readonly jurisdictionCode: string;
}

/** What a decision needs besides state and command: the change's stamp, this node, and fresh ids. */
export interface DecisionContext {
  readonly stamp: Stamp;
  /** This node's jurisdiction. */
  readonly here: string;
  readonly newId: () => string;
}

export const at = (ctx: DecisionContext): Date => ctx.stamp.occurTime;
