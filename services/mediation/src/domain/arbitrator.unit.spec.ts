import { AlreadyExistsError, FailedPreconditionError, InvalidArgumentError } from "@jinlian/chassis";
import { withCheckCharacter } from "@jinlian/kernel";
import {
  assessRoutes,
  checkCandidate,
  decideAppointmentOutcome,
  decideRecommend,
  DEFAULT_ARBITRATOR_POLICY,
  type CandidateInput,
} from "./arbitrator";
import type { DecisionContext } from "./common";
import type { LegalProviderFact } from "./conflicts";

const T0 = new Date("2026-05-10T02:00:00Z");
const ctx: DecisionContext = {
  here: "120101",
  now: T0,
  newId: () => "00000000-0000-4000-8000-000000000001",
  audit: { actor: "officer", reason: "", requestId: "rq", occurTime: T0, jurisdictionCode: "120101" },
};
const org = (name: string) => ({ creditCode: "X", jurisdictionCode: "120101", name });
const candidate = (over: Partial<CandidateInput> = {}): CandidateInput => ({
  name: "冯某",
  gender: "MALE",
  employerCreditCode: withCheckCharacter("91120101MA0000001"),
  legalProfessionalQualification: false,
  experiences: [],
  seniorTitleField: undefined,
  seniorTitle: "",
  equivalentProfessionalLevel: false,
  legalKnowledge: false,
  fairAndUpright: true,
  specialties: ["国际贸易"],
  phone: "",
  ...over,
});
const met = (over: Partial<CandidateInput>) =>
  assessRoutes(checkCandidate(candidate(over)), DEFAULT_ARBITRATOR_POLICY)
    .filter((r) => r.met)
    .map((r) => r.route);
const recommend = (over: Partial<CandidateInput>, onRoster?: LegalProviderFact, pending = false) =>
  decideRecommend(
    ctx.newId(),
    {
      federation: org("和平区工商联"),
      commission: org("天津仲裁委员会"),
      employer: org("和平某公司"),
      candidate: checkCandidate(candidate(over)),
    },
    onRoster,
    pending,
    DEFAULT_ARBITRATOR_POLICY,
    ctx,
  );

describe("arbitrator qualifications (仲裁法, 2017 text art. 13)", () => {
  it("meets each route on its own terms", () => {
    expect(met({ legalProfessionalQualification: true, experiences: [{ kind: "ARBITRATION_WORK", years: 8 }] })).toEqual([
      "ARBITRATION_WORK",
    ]);
    expect(met({ legalProfessionalQualification: false, experiences: [{ kind: "ARBITRATION_WORK", years: 12 }] })).toEqual([]);
    expect(met({ experiences: [{ kind: "LAWYER", years: 8 }] })).toEqual(["LAWYER"]);
    expect(met({ experiences: [{ kind: "LAWYER", years: 7 }] })).toEqual([]);
    expect(met({ experiences: [{ kind: "JUDGE", years: 10 }] })).toEqual(["JUDGE"]);
    expect(met({ seniorTitleField: "LEGAL_RESEARCH_TEACHING", seniorTitle: "教授" })).toEqual(["LEGAL_RESEARCH"]);
    expect(met({ seniorTitleField: "ECONOMIC_TRADE", seniorTitle: "高级经济师" })).toEqual([]); // legal knowledge missing
    expect(met({ seniorTitleField: "ECONOMIC_TRADE", seniorTitle: "高级经济师", legalKnowledge: true })).toEqual(["ECONOMIC_TRADE"]);
    expect(met({ equivalentProfessionalLevel: true, legalKnowledge: true })).toEqual(["ECONOMIC_TRADE"]);
  });

  it("refuses an unqualified candidate with the reason each route is not met", () => {
    try {
      recommend({ experiences: [{ kind: "LAWYER", years: 5 }] });
      throw new Error("not refused");
    } catch (e) {
      const v = (e as FailedPreconditionError).violations;
      expect(v.map((x) => x.subject)).toEqual([
        "route/ARBITRATION_WORK",
        "route/LAWYER",
        "route/JUDGE",
        "route/LEGAL_RESEARCH",
        "route/ECONOMIC_TRADE",
      ]);
      expect(v[1]!.description).toBe("仲裁法 (2017 text) art. 13(2): 5 year(s) as a lawyer, fewer than 8");
    }
  });

  it("requires fairness (公道正派), refuses one on the roster already or pending, and records the routes", () => {
    expect(() => recommend({ experiences: [{ kind: "LAWYER", years: 9 }], fairAndUpright: false })).toThrow(/公道正派/);
    const roster = { providerId: "p", name: "冯某", rosterNumber: "77" } as LegalProviderFact;
    expect(() => recommend({ experiences: [{ kind: "LAWYER", years: 9 }] }, roster)).toThrow(/roster of 天津仲裁委员会 \(number 77\)/);
    expect(() => recommend({ experiences: [{ kind: "LAWYER", years: 9 }] }, undefined, true)).toThrow(AlreadyExistsError);
    const r = recommend({ experiences: [{ kind: "LAWYER", years: 9 }] }).state;
    expect(r.status).toBe("RECOMMENDED");
    expect(r.routes.find((x) => x.route === "LAWYER")).toMatchObject({ met: true });
    expect(() => decideAppointmentOutcome(r, { appointed: false, outcomeNote: "" }, 0, ctx)).toThrow(InvalidArgumentError);
    const appointed = decideAppointmentOutcome(r, { appointed: true, outcomeNote: "" }, 0, ctx).state;
    expect(appointed.status).toBe("APPOINTED");
    expect(() => decideAppointmentOutcome(appointed, { appointed: true, outcomeNote: "" }, 0, ctx)).toThrow(FailedPreconditionError);
  });

  it("names bad candidate fields", () => {
    try {
      checkCandidate(candidate({ name: "", gender: undefined, experiences: [{ kind: undefined, years: 99 }], seniorTitle: "教授" }));
      throw new Error("not refused");
    } catch (e) {
      expect((e as InvalidArgumentError).violations.map((v) => v.field)).toEqual([
        "candidate.name",
        "candidate.gender",
        "candidate.experiences[0].kind",
        "candidate.experiences[0].years",
        "candidate.senior_title_field",
      ]);
    }
  });
});
