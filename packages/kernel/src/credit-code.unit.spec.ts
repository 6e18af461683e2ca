import { creditCodeCheckCharacter, creditCodeProblem, isValidCreditCode, withCheckCharacter } from "./credit-code";

describe("unified social credit code (GB 32100-2015)", () => {
  it("accepts a code whose check character matches", () => {
    expect(creditCodeProblem("91110000600037341L")).toBeUndefined();
  });

  it("computes the check character as (31 - Σ wᵢ·cᵢ mod 31) mod 31", () => {
    expect(creditCodeCheckCharacter("91110000600037341")).toBe("L");
    expect(withCheckCharacter("91310000MA1FL3JN3")).toBe("91310000MA1FL3JN3J");
  });

  it("names what is wrong", () => {
    expect(creditCodeProblem("91110000600037341")).toBe("length");
    expect(creditCodeProblem("91110000600037341I")).toBe("character"); // I is not in the alphabet
    expect(creditCodeProblem("91110000600037341M")).toBe("check");
    expect(isValidCreditCode("")).toBe(false);
  });

  it("detects every single-character substitution", () => {
    const code = "91110000600037341L";
    const alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    for (let i = 0; i < 18; i++) {
      for (const ch of alphabet) {
        if (ch === code[i]) continue;
        const changed = code.slice(0, i) + ch + code.slice(i + 1);
        expect(isValidCreditCode(changed)).toBe(false);
      }
    }
  });
});
