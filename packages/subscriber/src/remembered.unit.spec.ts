import { remembered } from "./remembered";

describe("remembered", () => {
  it("derives a key's value once, undefined included, and forgets everything when full", () => {
    const derived: string[] = [];
    const lengthOf = remembered((key) => (derived.push(key), key === "none" ? undefined : key.length), 3);
    expect([lengthOf("ab"), lengthOf("ab"), lengthOf("none"), lengthOf("none"), lengthOf("xyz")]).toEqual([2, 2, undefined, undefined, 3]);
    expect(derived).toEqual(["ab", "none", "xyz"]);
    lengthOf("four"); // a fourth key: the three held are forgotten
    lengthOf("ab");
    expect(derived).toEqual(["ab", "none", "xyz", "four", "ab"]);
  });
});
