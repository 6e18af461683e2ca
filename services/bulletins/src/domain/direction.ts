/**
 * Which way a bulletin can travel (互通, art. 20): the city issues down to the districts, and a
 * district reports up (报送) to the city. Delivery topics join the city and each district only,
 * so a district addresses the city (its bureau and federation, or organisations of the city) and
 * organisations of its own, never another district. Pure rules, no I/O.
 */
import { Violations } from "@jinlian/chassis";
import { CITY_JURISDICTION, isJurisdictionCode } from "@jinlian/kernel";
import type { Audience } from "./bulletin";

/** Whether a bulletin issued at `from` can reach `to` (the node itself, or a peer by a delivery topic). */
export function reachable(from: string, to: string): boolean {
  return from === to || from === CITY_JURISDICTION || to === CITY_JURISDICTION;
}

const ACROSS = "a district node addresses only the city (120000) and its own organisations: districts exchange bulletins through the city";

/** A violation for each recipient an issuing district cannot reach; nothing at the city. */
export function addDirectionViolations(v: Violations, main: Audience, copy: Audience, here: string): void {
  if (here === CITY_JURISDICTION) return;
  for (const [path, a] of [
    ["main_audience", main],
    ["copy_audience", copy],
  ] as const) {
    if (a.allDistricts) v.add(`${path}.all_districts`, ACROSS);
    a.jurisdictionCodes.forEach((code, i) => {
      if (isJurisdictionCode(code) && !reachable(here, code)) v.add(`${path}.jurisdiction_codes[${i}]`, ACROSS);
    });
    a.organisations.forEach((o, i) => {
      if (isJurisdictionCode(o.jurisdictionCode) && !reachable(here, o.jurisdictionCode))
        v.add(`${path}.organisations[${i}].jurisdiction_code`, ACROSS);
    });
  }
}

/** The same rule as a refusal, for a draft written before it applied (publishing it would fail). */
export function assertReachable(main: Audience, copy: Audience, here: string): void {
  const v = new Violations();
  addDirectionViolations(v, main, copy, here);
  v.throwIfAny();
}
