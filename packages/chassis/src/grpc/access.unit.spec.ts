import { PermissionDeniedError } from "../common/errors";
import type { Principal } from "../logging/context";
import { MECHANISM, own, ownOrCity, ruleAuthorizer } from "./access";

const HERE = "120101";
const at = ruleAuthorizer(HERE);
const caller = (roles: string[], jurisdictionCode?: string): Principal => ({ subject: "officer", roles, jurisdictionCode });
const M = "/jinlian.test.v1.S/M";

describe("access rules, decided in one place", () => {
  it("given a caller with one of the rule's roles from the node's jurisdiction, then the call is allowed", async () => {
    await expect(at.authorize(caller(["FEDERATION"], HERE), M, own(...MECHANISM))).resolves.toBeUndefined();
  });

  it("given a caller with none of the rule's roles, then it is PERMISSION_DENIED naming both", async () => {
    const refusal = at.authorize(caller(["CHAMBER", "SRE"], HERE), M, own(...MECHANISM));
    await expect(refusal).rejects.toThrow(PermissionDeniedError);
    await expect(refusal).rejects.toThrow("is for JUSTICE_BUREAU or FEDERATION; the caller acts as CHAMBER, SRE");
  });

  it.each([
    ["another district", "120102"],
    ["the city, where the rule keeps to the node", "120000"],
    ["no jurisdiction", undefined],
  ])("given a caller from %s, then an own() rule refuses it", async (_what, from) => {
    await expect(at.authorize(caller(["JUSTICE_BUREAU"], from), M, own("JUSTICE_BUREAU"))).rejects.toThrow(PermissionDeniedError);
  });

  it("given a city caller and an ownOrCity() rule, then it is allowed; a neighbouring district still is not", async () => {
    await expect(at.authorize(caller(["JUSTICE_BUREAU"], "120000"), M, ownOrCity("JUSTICE_BUREAU"))).resolves.toBeUndefined();
    await expect(at.authorize(caller(["JUSTICE_BUREAU"], "120102"), M, ownOrCity("JUSTICE_BUREAU"))).rejects.toThrow(PermissionDeniedError);
  });

  it("given a method without a rule, then it is refused (fail closed)", async () => {
    await expect(at.authorize(caller(["JUSTICE_BUREAU"], HERE), M, undefined)).rejects.toThrow("declares no access rule");
  });
});
