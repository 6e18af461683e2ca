import { AlreadyExistsError, InvalidArgumentError } from "@jinlian/chassis";
import { withCheckCharacter } from "@jinlian/kernel";
import { checkMembers, decideRegisterCommittee, DEFAULT_COMPOSITION, type MemberInput } from "./committee";
import type { DecisionContext, RegistryOrganisation } from "./common";
import { Violations } from "@jinlian/chassis";

const T0 = new Date("2026-05-10T02:00:00Z");
const ctx: DecisionContext = {
  here: "120101",
  now: T0,
  newId: () => "00000000-0000-4000-8000-000000000001",
  audit: { actor: "officer", reason: "", requestId: "rq", occurTime: T0, jurisdictionCode: "120101" },
};
const member = (name: string, gender: "FEMALE" | "MALE", role: "CHAIR" | "MEMBER" = "MEMBER"): MemberInput => ({ name, gender, role });
const board = [member("赵主任", "MALE", "CHAIR"), member("钱委员", "FEMALE"), member("孙委员", "MALE")];

const problems = (members: MemberInput[]) => {
  const v = new Violations();
  checkMembers(v, members, DEFAULT_COMPOSITION);
  return v.all.map((x) => x.description);
};

describe("committee composition (人民调解法 art. 8-9)", () => {
  it("takes 3-9 members with one chair and a woman", () => {
    expect(problems(board)).toEqual([]);
    expect(problems(board.slice(0, 2))).toEqual([expect.stringContaining("3-9 members")]);
    expect(problems([...board, ...Array.from({ length: 7 }, (_, i) => member(`委员${i}`, "MALE"))])).toEqual([
      expect.stringContaining("3-9 members"),
    ]);
    expect(problems([member("甲", "FEMALE"), member("乙", "MALE"), member("丙", "MALE")])).toEqual([
      expect.stringContaining("exactly one chair"),
    ]);
    expect(problems([member("甲", "MALE", "CHAIR"), member("乙", "MALE"), member("丙", "MALE")])).toEqual([
      expect.stringContaining("a woman"),
    ]);
  });

  const org = (
    type: RegistryOrganisation["type"],
    code: string,
    jurisdictionCode = "120101",
    chamberCreditCode = "",
  ): RegistryOrganisation => ({
    creditCode: code,
    name: `${type} ${code.slice(-3)}`,
    jurisdictionCode,
    type,
    active: true,
    chamberCreditCode,
  });
  const committeeCode = withCheckCharacter("52120101MJ0000003");
  const chamberCode = withCheckCharacter("51120101MJ0000004");
  const bureauCode = withCheckCharacter("11120101MB0000005");
  const otherBureau = withCheckCharacter("11120102MB0000008");
  const registry = new Map([
    [committeeCode, org("MEDIATION_COMMITTEE", committeeCode, "120101", chamberCode)],
    [chamberCode, org("CHAMBER_OF_COMMERCE", chamberCode)],
    [bureauCode, org("JUSTICE_BUREAU", bureauCode)],
    [otherBureau, org("JUSTICE_BUREAU", otherBureau, "120102")],
  ]);

  it("registers with the bureau of its jurisdiction, linked to its chamber, for three years", () => {
    const d = decideRegisterCommittee(
      ctx.newId(),
      { committeeCreditCode: committeeCode, justiceBureauCreditCode: bureauCode, members: board, termStartAt: undefined },
      registry,
      false,
      DEFAULT_COMPOSITION,
      ctx,
    );
    expect(d.state.chamber.creditCode).toBe(chamberCode);
    expect(d.state.termEndAt).toEqual(new Date("2029-05-10T02:00:00Z"));
  });

  it("refuses another district's bureau, a non-committee and a second registration", () => {
    const input = { committeeCreditCode: committeeCode, justiceBureauCreditCode: otherBureau, members: board, termStartAt: undefined };
    expect(() => decideRegisterCommittee(ctx.newId(), input, registry, false, DEFAULT_COMPOSITION, ctx)).toThrow(InvalidArgumentError);
    expect(() =>
      decideRegisterCommittee(
        ctx.newId(),
        { ...input, committeeCreditCode: chamberCode, justiceBureauCreditCode: bureauCode },
        registry,
        false,
        DEFAULT_COMPOSITION,
        ctx,
      ),
    ).toThrow(/must be a MEDIATION_COMMITTEE/);
    expect(() =>
      decideRegisterCommittee(ctx.newId(), { ...input, justiceBureauCreditCode: bureauCode }, registry, true, DEFAULT_COMPOSITION, ctx),
    ).toThrow(AlreadyExistsError);
  });
});
