/**
 * Decides a request against the ACLs of one principal the way Kafka's StandardAuthorizer does for
 * the rules Strimzi's simple authorization writes: a DENY that matches wins; otherwise an ALLOW
 * that matches grants. A rule matches when the resource type is the same and its name is `*`, the
 * same literal name, or (patternType prefix) a prefix of the requested name; an operation is
 * granted by itself, by All, and Describe also by Read, Write, Delete or Alter, DescribeConfigs
 * also by AlterConfigs. Hosts are not modelled: every generated rule is for any host.
 */
import type { Acl, Operation, ResourceType } from "./fleet";

const IMPLIED_BY: Partial<Record<Operation, readonly Operation[]>> = {
  Describe: ["Read", "Write", "Delete", "Alter"],
  DescribeConfigs: ["AlterConfigs"],
};

export interface Request {
  operation: Operation;
  resource: { type: ResourceType; name: string };
}

function resourceMatches(acl: Acl, request: Request): boolean {
  if (acl.resource.type !== request.resource.type) return false;
  if (acl.resource.type === "cluster") return true;
  const name = acl.resource.name ?? "";
  if ((acl.resource.patternType ?? "literal") === "prefix") return request.resource.name.startsWith(name);
  return name === "*" || name === request.resource.name;
}

function operationGranted(acl: Acl, operation: Operation): boolean {
  return acl.operations.some((op) => op === operation || op === "All" || (IMPLIED_BY[operation] ?? []).includes(op));
}

export function allowed(acls: readonly Acl[], request: Request): boolean {
  if (acls.some((a) => a.host !== undefined && a.host !== "*")) throw new Error("host-specific ACLs are not modelled by this matcher");
  const matching = acls.filter((a) => resourceMatches(a, request) && operationGranted(a, request.operation));
  if (matching.some((a) => (a.type ?? "allow") === "deny")) return false;
  return matching.some((a) => (a.type ?? "allow") === "allow");
}

export const topic = (name: string) => ({ type: "topic" as const, name });
export const group = (name: string) => ({ type: "group" as const, name });
