import { withCheckCharacter } from "@jinlian/kernel";
import { InvalidArgumentError } from "@jinlian/chassis";
import { validateRegistration, type Registration } from "./registry";

// Issue 8: a registration with 150,000 distinct department names kept a node busy for 47 s
// (a quadratic duplicate check). Validation now counts first and stays linear.
const CHAMBER: Registration = {
  type: "CHAMBER_OF_COMMERCE",
  name: "和平区总商会",
  creditCode: withCheckCharacter("51120101MJ7654321"),
  jurisdictionCode: "120101",
  departmentNames: [],
};

function refusal(fn: () => unknown): InvalidArgumentError {
  try {
    fn();
  } catch (err) {
    if (err instanceof InvalidArgumentError) return err;
    throw err;
  }
  throw new Error("expected INVALID_ARGUMENT");
}

describe("given a registration listing far too many departments", () => {
  it("when it lists 150,000 distinct names, then department_names is named by its count at once", () => {
    const departmentNames = Array.from({ length: 150_000 }, (_, i) => `部门${i}`);
    const started = performance.now();
    const err = refusal(() => validateRegistration({ ...CHAMBER, departmentNames }, "120000"));
    expect(performance.now() - started).toBeLessThan(100);
    expect(err.violations.map((v) => v.field)).toEqual(["department_names"]);
  });

  it("when every allowed department is a duplicate, then each is named and the check stays linear", () => {
    const departmentNames = Array.from({ length: 50 }, () => "秘书处");
    const err = refusal(() => validateRegistration({ ...CHAMBER, departmentNames }, "120000"));
    expect(err.violations[0]!.field).toBe("department_names[1]");
    expect(err.violations.length).toBeLessThanOrEqual(21);
  });
});
