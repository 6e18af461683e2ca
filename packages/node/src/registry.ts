import type { ServiceModule } from "@jinlian/chassis";
import { bulletinsModule } from "@jinlian/bulletins";
import { legalServicesModule } from "@jinlian/legal-services";
import { legislationModule } from "@jinlian/legislation";
import { liaisonModule } from "@jinlian/liaison";
import { mediationModule } from "@jinlian/mediation";

/** Every service a node can run, by name. */
export const SERVICE_MODULES: readonly ServiceModule[] = [
  liaisonModule,
  bulletinsModule,
  legislationModule,
  legalServicesModule,
  mediationModule,
];

/** Resolves a -target value ("all" or "a,b") to modules, or explains what is wrong. */
export function resolveTargets(target: string): ServiceModule[] {
  const names = target
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length === 0 || names.includes("all")) return [...SERVICE_MODULES];
  const unknown = names.filter((n) => !SERVICE_MODULES.some((m) => m.name === n));
  if (unknown.length > 0)
    throw new Error(
      `JINLIAN_TARGET: unknown service(s) ${unknown.join(", ")}; known: all, ${SERVICE_MODULES.map((m) => m.name).join(", ")}`,
    );
  return SERVICE_MODULES.filter((m) => names.includes(m.name));
}
