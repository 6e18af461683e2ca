import { FailedPreconditionError, withCheckCharacter } from "@jinlian/chassis";
import { violatedFields } from "@jinlian/chassis/testing";
import { assertChangeable, validateContact, validateRegistration, type Registration } from "./registry";

const CHAMBER: Registration = {
  type: "CHAMBER_OF_COMMERCE",
  name: "和平区总商会",
  creditCode: withCheckCharacter("51120101MJ7654321"),
  jurisdictionCode: "120101",
  departmentNames: ["秘书处"],
};

/** The fields named by the INVALID_ARGUMENT that `fn` must throw. */
function violations(fn: () => unknown): string[] {
  const fields = violatedFields(fn);
  if (fields.length === 0) throw new Error("expected INVALID_ARGUMENT");
  return fields;
}

describe("given a registration at the municipal node", () => {
  it("when everything is valid, then it is accepted with trimmed name and upper-cased code", () => {
    const valid = validateRegistration({ ...CHAMBER, name: " 和平区总商会 ", creditCode: CHAMBER.creditCode.toLowerCase() }, "120000");
    expect(valid).toEqual({ ...CHAMBER, departmentNames: ["秘书处"] });
  });

  it("when the credit code's check character is wrong, then credit_code is named", () => {
    const spoilt = CHAMBER.creditCode.slice(0, 17) + (CHAMBER.creditCode.endsWith("0") ? "1" : "0");
    expect(violations(() => validateRegistration({ ...CHAMBER, creditCode: spoilt }, "120000"))).toEqual(["credit_code"]);
  });

  it("when the type is missing and the jurisdiction is outside Tianjin, then both are named", () => {
    expect(violations(() => validateRegistration({ ...CHAMBER, type: undefined, jurisdictionCode: "110101" }, "120000")).sort()).toEqual([
      "jurisdiction_code",
      "type",
    ]);
  });

  it("when two departments share a name, then the second is named", () => {
    expect(violations(() => validateRegistration({ ...CHAMBER, departmentNames: ["秘书处", " 秘书处"] }, "120000"))).toEqual([
      "department_names[1]",
    ]);
  });
});

describe("given a registration at a district node", () => {
  it("when the organisation belongs to that district, then it is accepted", () => {
    expect(validateRegistration(CHAMBER, "120101").jurisdictionCode).toBe("120101");
  });

  it("when the organisation belongs to another district, then jurisdiction_code is named", () => {
    expect(violations(() => validateRegistration(CHAMBER, "120102"))).toEqual(["jurisdiction_code"]);
  });
});

describe("given a liaison contact", () => {
  const departments = ["d-1"];
  it("when it has a phone number, then no e-mail is needed", () => {
    expect(validateContact({ name: "张三", title: "", departmentId: "d-1", phone: "+86 22-2345-6789", email: "" }, departments).phone).toBe(
      "+86 22-2345-6789",
    );
  });

  it("when it has neither phone nor e-mail, then contact.phone says one is required", () => {
    expect(violations(() => validateContact({ name: "张三", title: "", departmentId: "", phone: "", email: "" }, departments))).toEqual([
      "contact.phone",
    ]);
  });

  it("when its department is not one of the organisation's, then contact.department_id is named", () => {
    expect(
      violations(() => validateContact({ name: "张三", title: "", departmentId: "d-9", phone: "", email: "a@b.cn" }, departments)),
    ).toEqual(["contact.department_id"]);
  });
});

describe("given a deactivated organisation", () => {
  it("when anything would change it, then it is a failed precondition", () => {
    expect(() => assertChangeable("o-1", "DEACTIVATED")).toThrow(FailedPreconditionError);
    expect(() => assertChangeable("o-1", "ACTIVE")).not.toThrow();
  });
});
