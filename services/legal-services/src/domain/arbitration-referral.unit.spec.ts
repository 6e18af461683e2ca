import { InvalidArgumentError } from "@jinlian/chassis";
import { withCheckCharacter } from "@jinlian/kernel";
import { checkReferral, referralFingerprint, type ReferralInput } from "./arbitration-referral";

const input = (over: Partial<ReferralInput> = {}): ReferralInput => ({
  referralId: "00000000-0000-4000-8000-000000000001",
  disputeId: "d-1",
  caseReference: "case-1",
  commissionCreditCode: withCheckCharacter("12120000MB0000001"),
  parties: [
    { creditCode: withCheckCharacter("91120101MA0000001"), name: "甲" },
    { creditCode: withCheckCharacter("91120101MA0000002"), name: "乙" },
  ],
  summary: "货款纠纷，调解不成",
  mediationEndedAt: undefined,
  ...over,
});

describe("the parties' arbitration agreement on a referral (仲裁法)", () => {
  it("is optional for older callers, and when given needs its form and text", () => {
    expect(checkReferral(input()).arbitrationAgreement).toBeUndefined();
    const given = checkReferral(
      input({ arbitrationAgreement: { form: "SEPARATE", content: " 提交天津仲裁委员会仲裁 ", concludedAt: undefined } }),
    );
    expect(given.arbitrationAgreement).toEqual({ form: "SEPARATE", content: "提交天津仲裁委员会仲裁", concludedAt: undefined });
    try {
      checkReferral(input({ arbitrationAgreement: { form: undefined, content: "", concludedAt: undefined } }));
      throw new Error("not refused");
    } catch (e) {
      expect((e as InvalidArgumentError).violations.map((v) => v.field)).toEqual([
        "arbitration_agreement.form",
        "arbitration_agreement.content",
      ]);
    }
  });

  it("keeps the fingerprint of referrals held from before the field, and tells agreements apart", () => {
    const base = { disputeId: "d-1", commission: { creditCode: "C", jurisdictionCode: "", name: "" }, parties: [], summary: "s" };
    expect(referralFingerprint(base)).toBe(JSON.stringify(["d-1", "C", [], "s"]));
    expect(referralFingerprint({ ...base, arbitrationAgreement: null })).toBe(referralFingerprint(base));
    const a = { form: "SEPARATE" as const, content: "x", concludedAt: null };
    expect(referralFingerprint({ ...base, arbitrationAgreement: a })).not.toBe(
      referralFingerprint({ ...base, arbitrationAgreement: { ...a, content: "y" } }),
    );
  });
});
