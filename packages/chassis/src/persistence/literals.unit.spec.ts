import { literalOf, withLiterals } from "./literals";

describe("values written in as literals", () => {
  it("quote text, doubling quotes and escaping backslashes as pg's escapeLiteral does", () => {
    expect(literalOf("it's")).toBe("'it''s'");
    expect(literalOf("a\\b")).toBe(" E'a\\\\b'");
    expect(literalOf(null)).toBe("null");
    expect(literalOf(undefined)).toBe("null");
  });

  it("write bytes in bytea's hex form, and other values in the text node-postgres sends", () => {
    expect(literalOf(Buffer.from([0, 255]))).toBe("E'\\\\x00ff'::bytea");
    expect(literalOf(12.5)).toBe("'12.5'");
    expect(literalOf(true)).toBe("'true'");
    expect(literalOf({ a: "'" })).toBe(`'{"a":"''"}'`);
    expect(literalOf(["x", "y z"])).toBe(`'{"x","y z"}'`);
  });
});

describe("parameters replaced by literals", () => {
  it("replace each $n by its value, however many digits", () => {
    const values = Array.from({ length: 12 }, (_, i) => `v${i + 1}`);
    expect(withLiterals("select $1, $12, $2", values)).toBe("select 'v1', 'v12', 'v2'");
  });

  it("leave $n inside quoted literals and identifiers alone", () => {
    expect(withLiterals(`select '$1', 'it''s $1', "col$1", $1`, ["x"])).toBe(`select '$1', 'it''s $1', "col$1", 'x'`);
  });

  it("refuse a parameter without a value, and an unterminated quote", () => {
    expect(() => withLiterals("select $2", ["x"])).toThrow(/\$2 of 1/);
    expect(() => withLiterals("select 'open", [])).toThrow(/unterminated/);
  });
});
