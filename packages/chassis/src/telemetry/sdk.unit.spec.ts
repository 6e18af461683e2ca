import { parseDisabledInstrumentations, withoutLiterals } from "./sdk";

describe("OTEL_NODE_DISABLED_INSTRUMENTATIONS", () => {
  it("disables nothing when unset or blank", () => {
    expect(parseDisabledInstrumentations(undefined)).toEqual({ disabled: [], unknown: [] });
    expect(parseDisabledInstrumentations(" , ")).toEqual({ disabled: [], unknown: [] });
  });

  it("reads the SDK's comma list, blanks ignored", () => {
    expect(parseDisabledInstrumentations(" pg ,")).toEqual({ disabled: ["pg"], unknown: [] });
  });

  it("names what the chassis does not register, so a typo is not kept on silently", () => {
    expect(parseDisabledInstrumentations("pg,http,PG")).toEqual({ disabled: ["pg"], unknown: ["http", "PG"] });
  });
});

describe("a statement as a span records it", () => {
  it("keeps its shape and none of the values written into it", () => {
    expect(withoutLiterals(`insert into "t" ("a", "b") values ('it''s mine', E'\\\\x00ff'::bytea); commit`)).toBe(
      `insert into "t" ("a", "b") values ('?', E'?'::bytea); commit`,
    );
    expect(withoutLiterals("select 1")).toBe("select 1");
  });
});
