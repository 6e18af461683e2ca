import { PermissionDeniedError } from "../common/errors";
import type { Principal } from "../logging/context";

/**
 * The roles a caller acts in (the `roles` claim of its token). Each names a side of the liaison
 * mechanism or a party the services serve, in the domain's words; SRE operates the platform and
 * sees no case contents.
 */
export const ROLES = [
  /** An officer of a justice bureau (司法局). */
  "JUSTICE_BUREAU",
  /** An officer of a federation of industry and commerce (工商联). */
  "FEDERATION",
  /** Staff of a chamber of commerce (商会). */
  "CHAMBER",
  /** A people's mediation committee's staff or mediator (人民调解委员会). */
  "MEDIATION_COMMITTEE",
  /** A court's staff (人民法院): decides on nominated assessors, refers cases. */
  "COURT",
  /** Site reliability: health, reflection and metrics, never a domain method. */
  "SRE",
] as const;
export type Role = (typeof ROLES)[number];

/**
 * Whose callers may reach a node's data:
 * - NODE: only callers of the node's own jurisdiction (a district's officials, its district).
 * - NODE_OR_CITY: also the municipal level, which oversees every district (reads, statistics).
 */
export type JurisdictionScope = "NODE" | "NODE_OR_CITY";

/** Who may call one method: any of `roles`, acting for a jurisdiction `jurisdiction` admits. */
export interface AccessRule {
  readonly roles: readonly Role[];
  readonly jurisdiction: JurisdictionScope;
}

/** One rule per method of a service definition; a method without one does not compile. */
export type AccessRules<S> = { readonly [K in keyof S]: AccessRule };

/** The two sides of the mechanism (art. 1): the bureau and the federation of the node. */
export const MECHANISM: readonly Role[] = ["JUSTICE_BUREAU", "FEDERATION"];

/** A rule: these roles, from the node's own jurisdiction. */
export const own = (...roles: Role[]): AccessRule => ({ roles, jurisdiction: "NODE" });
/** A rule: these roles, from the node's own jurisdiction or the municipal level. */
export const ownOrCity = (...roles: Role[]): AccessRule => ({ roles, jurisdiction: "NODE_OR_CITY" });

/** Decides a principal's call against the method's declared rule (PermissionDeniedError). */
export interface Authorizer {
  authorize(principal: Principal, method: string, rule: AccessRule | undefined): Promise<void>;
}

/** The municipal node's jurisdiction: callers acting for it may read every district's node. */
export const MUNICIPAL_JURISDICTION = "120000";

/**
 * Enforces declared rules, in one place for every method of every service: the caller must hold
 * one of the rule's roles and act for a jurisdiction the rule admits at this node. A method with
 * no rule is refused (fail closed).
 */
export function ruleAuthorizer(nodeJurisdiction: string): Authorizer {
  return {
    async authorize(principal, method, rule) {
      if (!rule) throw new PermissionDeniedError(`${method} declares no access rule`);
      if (!principal.roles.some((r) => (rule.roles as readonly string[]).includes(r)))
        throw new PermissionDeniedError(
          `${method} is for ${rule.roles.join(" or ") || "no caller"}; the caller acts as ${principal.roles.join(", ") || "no role"}`,
        );
      const from = principal.jurisdictionCode ?? "";
      const admitted = from === nodeJurisdiction || (rule.jurisdiction === "NODE_OR_CITY" && from === MUNICIPAL_JURISDICTION);
      if (!admitted)
        throw new PermissionDeniedError(
          `${method} at node ${nodeJurisdiction} is for callers of ${rule.jurisdiction === "NODE" ? "this jurisdiction" : "this jurisdiction or the city"}; the caller acts for ${from || "no jurisdiction"}`,
        );
    },
  };
}

/** Development mode only: every call allowed (the node says so loudly at start). */
export const allowAll: Authorizer = { async authorize() {} };
