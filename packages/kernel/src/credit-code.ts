/**
 * 统一社会信用代码 (unified social credit code), GB 32100-2015: 18 characters from an alphabet of
 * 31 (digits and upper-case letters without I, O, Z, S, V); the 18th is a check character over the
 * first 17 with fixed weights. Characters 3-8 are an administrative division code.
 */
const ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28] as const;

export type CreditCodeProblem = "length" | "character" | "check";

/** Expected check character for the first 17 characters, or undefined if one is outside the alphabet. */
export function creditCodeCheckCharacter(first17: string): string | undefined {
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const value = ALPHABET.indexOf(first17.charAt(i));
    if (value < 0) return undefined;
    sum += value * WEIGHTS[i]!;
  }
  return ALPHABET.charAt((31 - (sum % 31)) % 31);
}

/** Why a code is not a valid unified social credit code, or undefined if it is. */
export function creditCodeProblem(code: string): CreditCodeProblem | undefined {
  if (code.length !== 18) return "length";
  for (const ch of code) if (!ALPHABET.includes(ch)) return "character";
  return creditCodeCheckCharacter(code.slice(0, 17)) === code.charAt(17) ? undefined : "check";
}

export function isValidCreditCode(code: string): boolean {
  return creditCodeProblem(code) === undefined;
}

export function describeCreditCodeProblem(problem: CreditCodeProblem): string {
  switch (problem) {
    case "length":
      return "must be 18 characters (GB 32100-2015)";
    case "character":
      return "may contain only 0-9 and A-H, J-N, P-R, T, U, W-Y (GB 32100-2015)";
    case "check":
      return "check character does not match (GB 32100-2015)";
  }
}

/** Completes 17 characters with their check character; for fixtures and demo data. */
export function withCheckCharacter(first17: string): string {
  const check = creditCodeCheckCharacter(first17);
  if (check === undefined || first17.length !== 17) throw new Error(`not 17 valid characters: ${first17}`);
  return first17 + check;
}
