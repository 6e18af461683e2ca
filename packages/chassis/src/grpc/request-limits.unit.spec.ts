import { InvalidArgumentError, MAX_LISTED_VIOLATIONS, Violations } from "../common/errors";
import { checkRequestBounds, DEFAULT_REQUEST_BOUNDS, type FieldLimits } from "./request-limits";

function refusal(fn: () => void): InvalidArgumentError {
  try {
    fn();
  } catch (err) {
    if (err instanceof InvalidArgumentError) return err;
    throw err;
  }
  throw new Error("expected INVALID_ARGUMENT");
}

interface Org {
  name: string;
  creditCode: string;
}
interface Req {
  title: string;
  departmentNames: string[];
  audience?: { organisations: Org[]; codes: string[] } | undefined;
  recipient?: { $case: "organisation"; value: Org } | { $case: "jurisdictionCode"; value: string } | undefined;
  attachment: Uint8Array;
  due?: Date | undefined;
}

const base = (): Req => ({ title: "t", departmentNames: [], audience: { organisations: [], codes: [] }, attachment: new Uint8Array(0) });

describe("given a decoded request and declared limits", () => {
  const limits: FieldLimits<Req> = { departmentNames: 50, "audience.organisations.name": 10, "recipient.organisation.name": 5 };

  it("when every field is within bounds, then it passes", () => {
    expect(() =>
      checkRequestBounds(
        {
          ...base(),
          departmentNames: ["a", "b"],
          due: new Date(),
          recipient: { $case: "organisation", value: { name: "五个汉字啊", creditCode: "" } },
        },
        limits,
      ),
    ).not.toThrow();
  });

  it("when a repeated field has more elements than declared, then it is named by its count and its elements are not looked at", () => {
    const names = Array.from({ length: 150_000 }, () => "x".repeat(DEFAULT_REQUEST_BOUNDS.chars + 1));
    const err = refusal(() => checkRequestBounds({ ...base(), departmentNames: names }, limits));
    expect(err.violations).toEqual([{ field: "department_names", description: "must have at most 50 elements (has 150000)" }]);
  });

  it("when a nested string is longer than declared, then its proto path with indices is named", () => {
    const audience = {
      organisations: [
        { name: "ok", creditCode: "" },
        { name: "x".repeat(11), creditCode: "" },
      ],
      codes: [],
    };
    expect(refusal(() => checkRequestBounds({ ...base(), audience }, limits)).violations.map((v) => v.field)).toEqual([
      "audience.organisations[1].name",
    ]);
  });

  it("when a oneof case holds an over-long string, then the case names the field", () => {
    const recipient = { $case: "organisation" as const, value: { name: "六个汉字啊啊", creditCode: "" } };
    expect(refusal(() => checkRequestBounds({ ...base(), recipient }, limits)).violations.map((v) => v.field)).toEqual([
      "recipient.organisation.name",
    ]);
  });

  it("when no limit is declared, then the defaults apply to counts, strings and bytes", () => {
    const req = {
      ...base(),
      title: "x".repeat(DEFAULT_REQUEST_BOUNDS.chars + 1),
      audience: { organisations: [], codes: Array.from({ length: DEFAULT_REQUEST_BOUNDS.items + 1 }, (_, i) => String(i)) },
      attachment: new Uint8Array(DEFAULT_REQUEST_BOUNDS.chars + 1),
    };
    expect(refusal(() => checkRequestBounds(req)).violations.map((v) => v.field)).toEqual(["title", "audience.codes", "attachment"]);
  });

  it("when a string has as many characters as allowed but more UTF-16 units (astral characters), then it passes", () => {
    expect(() => checkRequestBounds({ ...base(), title: "𠀀".repeat(5) }, { title: 5 })).not.toThrow();
    expect(() => checkRequestBounds({ ...base(), title: "𠀀".repeat(6) }, { title: 5 })).toThrow(InvalidArgumentError);
  });

  it("when thousands of elements are each too long, then the first are listed and the rest counted", () => {
    const names = Array.from({ length: 1000 }, () => "x".repeat(101));
    const err = refusal(() => checkRequestBounds({ ...base(), departmentNames: names }, {}, { items: 1000, chars: 100, depth: 32 }));
    expect(err.violations).toHaveLength(MAX_LISTED_VIOLATIONS + 1);
    expect(err.violations[0]).toEqual({ field: "department_names[0]", description: "must be at most 100 characters" });
    expect(err.violations[MAX_LISTED_VIOLATIONS]!.description).toBe(`… and ${1000 - MAX_LISTED_VIOLATIONS} more violations not listed`);
  });

  it("when messages nest deeper than the bound, then the walk stops there", () => {
    let deep: Record<string, unknown> = {};
    for (let i = 0; i < 100; i++) deep = { child: deep };
    expect(refusal(() => checkRequestBounds(deep)).violations).toHaveLength(1);
  });
});

describe("given a validator that finds many violations", () => {
  it("when it adds more than the listed maximum, then the first are listed and one entry counts the rest", () => {
    const v = new Violations();
    for (let i = 0; i < 150_000; i++) v.add(`department_names[${i}]`, "is required");
    expect(v.count).toBe(150_000);
    expect(v.isFull).toBe(true);
    const err = refusal(() => v.throwIfAny());
    expect(err.violations).toHaveLength(MAX_LISTED_VIOLATIONS + 1);
    expect(err.violations[0]!.field).toBe("department_names[0]");
    expect(err.violations[MAX_LISTED_VIOLATIONS]!.description).toBe(`… and ${150_000 - MAX_LISTED_VIOLATIONS} more violations not listed`);
    expect(err.message.length).toBeLessThan(2_000);
  });

  it("when a raw list is thrown directly, then it is bounded the same way and long texts are cut", () => {
    const list = Array.from({ length: 500 }, (_, i) => ({ field: `f${i}`, description: "x".repeat(10_000) }));
    const err = new InvalidArgumentError(list);
    expect(err.violations).toHaveLength(MAX_LISTED_VIOLATIONS + 1);
    expect(err.violations[0]!.description.length).toBeLessThanOrEqual(200);
  });
});
