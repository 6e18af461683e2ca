import { randomBytes } from "node:crypto";
import { openPersonalData, PersonalDataKeyring, sealPersonalData } from "./personal-data";

const key = () => randomBytes(32).toString("base64");
const ring = (current: string, keys: Record<string, string>, index: string) =>
  PersonalDataKeyring.parse(JSON.stringify({ current, keys, index }));
const ID = "12010119800315123X";

describe("the personal-data keyring", () => {
  const [k1, k2, idx] = [key(), key(), key()];
  const before = ring("2026", { "2026": k1 }, idx);
  const after = ring("2027", { "2026": k1, "2027": k2 }, idx);

  it("given a value, when it is sealed, then the stored form hides it and opens to it again", () => {
    const sealed = before.seal(ID);
    expect(sealed).toMatch(/^pd1:2026:/);
    expect(sealed).not.toContain(ID);
    expect(before.seal(ID)).not.toBe(sealed); // a fresh nonce each time
    expect(before.open(sealed)).toBe(ID);
  });

  it("given a rotation, then values sealed under the old key still open and new ones use the new key", () => {
    const old = before.seal(ID);
    expect(after.open(old)).toBe(ID);
    expect(after.seal(ID)).toMatch(/^pd1:2027:/);
  });

  it("given a keyring without the key a value was sealed with, then opening it fails and says which key", () => {
    expect(() => before.open(after.seal(ID))).toThrow('key "2027"');
  });

  it("given a tampered value, then opening it fails", () => {
    const sealed = before.seal(ID);
    const tampered = sealed.slice(0, -4) + (sealed.endsWith("AAAA") ? "BBBB" : "AAAA");
    expect(() => before.open(tampered)).toThrow();
  });

  it("given a value stored before sealing began, then it opens as it is", () => {
    expect(before.open(ID)).toBe(ID);
  });

  it("gives the same index for the same value under every encryption key, and another for another value", () => {
    expect(before.index(ID)).toBe(after.index(ID));
    expect(before.index(ID)).not.toBe(before.index("120101198003151231"));
    expect(before.index(ID)).not.toContain(ID);
  });

  it.each([
    ["not JSON", "{", /not JSON/],
    ["no keys", JSON.stringify({ current: "a", index: key() }), /"keys"/],
    ["a current key it does not hold", JSON.stringify({ current: "b", keys: { a: key() }, index: key() }), /"current"/],
    ["a short key", JSON.stringify({ current: "a", keys: { a: "c2hvcnQ=" }, index: key() }), /key a must be 32 bytes/],
    ["no index key", JSON.stringify({ current: "a", keys: { a: key() } }), /"index" must be 32 bytes/],
  ])("given a keyring file with %s, then it is refused with the reason", (_what, text, why) => {
    expect(() => PersonalDataKeyring.parse(text)).toThrow(why);
  });
});

describe("sealing the personal data of a document", () => {
  const keyring = ring("k", { k: key() }, key());
  const names = new Set(["identityNumber", "phone"]);
  const doc = {
    caseId: "c1",
    openedAt: new Date("2026-11-30T00:00:00Z"),
    parties: [
      { role: "APPLICANT", person: { name: "张某", identityNumber: ID, phone: "13900000000" } },
      { role: "RESPONDENT", person: undefined },
    ],
    phone: "",
  };

  it("seals the named fields at any depth, leaves empty values and everything else, and opens back to the same document", () => {
    const sealed = sealPersonalData(doc, names, keyring) as typeof doc;
    expect(JSON.stringify(sealed)).not.toContain(ID);
    expect(JSON.stringify(sealed)).not.toContain("13900000000");
    expect(sealed.parties[0]!.person!.name).toBe("张某");
    expect(sealed.phone).toBe("");
    expect(sealed.openedAt).toEqual(doc.openedAt);
    expect(openPersonalData(JSON.parse(JSON.stringify(sealed)), names, keyring)).toEqual(JSON.parse(JSON.stringify(doc)));
  });
});
