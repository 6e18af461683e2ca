import { AbortedError, AlreadyExistsError, FailedPreconditionError, InvalidArgumentError, Violations } from "@jinlian/chassis";
import { withCheckCharacter } from "@jinlian/kernel";
import type { DecisionContext, RegistryOrganisation } from "./common";
import type { LegalProviderFact } from "./conflicts";
import {
  type EligibilityFacts,
  ageAt,
  birthDateOf,
  checkNomineeInput,
  decideAddNominee,
  decideCreateBatch,
  decideRemoveDefaulter,
  decideSelectionOutcome,
  decideSubmitBatch,
  DEFAULT_NOMINATION_POLICY,
  eligibilityFindings,
  type Declarations,
  type NominationBatch,
  type NominationKind,
  type NomineeInput,
} from "./nomination";

const T0 = new Date("2026-05-10T02:00:00Z");
let seq = 0;
const ctx: DecisionContext = {
  here: "120101",
  now: T0,
  newId: () => `00000000-0000-4000-8000-${String(++seq).padStart(12, "0")}`,
  audit: { actor: "officer", reason: "", requestId: "rq", occurTime: T0, jurisdictionCode: "120101" },
};

/** A 居民身份证号码 with this birth date (GB 11643 check character). */
function idNumber(birth: string, order = "123"): string {
  const body = `120101${birth}${order}`;
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = w.reduce((acc, x, i) => acc + x * Number(body[i]), 0);
  return body + "10X98765432"[sum % 11];
}

const enterprise = withCheckCharacter("91120101MA0000001");
const registry = new Map<string, RegistryOrganisation>([
  [
    enterprise,
    {
      creditCode: enterprise,
      jurisdictionCode: "120101",
      name: "和平某科技有限公司",
      type: "ENTERPRISE",
      active: true,
      chamberCreditCode: "",
    },
  ],
]);
const federation = { creditCode: withCheckCharacter("51120101MJ0000001"), jurisdictionCode: "120101", name: "和平区工商联" };
const allGood: Declarations = {
  supportsConstitution: true,
  goodConduct: true,
  fitForDuty: true,
  criminalPunishment: false,
  dismissedFromPublicOffice: false,
  licenceRevoked: false,
  removedAsAssessor: false,
  seriousViolation: false,
};
// The reference date: 2026-06-01 in China.
const REF = new Date("2026-05-31T16:00:00Z");

const nominee = (over: Partial<NomineeInput> = {}): NomineeInput => ({
  name: "周某某",
  gender: "FEMALE",
  identityNumber: idNumber("19800315"),
  education: "BACHELOR",
  educationException: "",
  occupations: ["ENTERPRISE_STAFF"],
  employerCreditCode: enterprise,
  lawyerLicenceNumber: "",
  declarations: allGood,
  clearedProviderIds: [],
  phone: "",
  ...over,
});
const noFacts: EligibilityFacts = { providers: [], defaulter: undefined };
const bars = (input: NomineeInput, kind: NominationKind = "PEOPLES_ASSESSOR", facts = noFacts) =>
  eligibilityFindings(kind, REF, input, facts, DEFAULT_NOMINATION_POLICY).findings.map((f) => f.bar);

const batch = (quota = 10, kind: NominationKind = "PEOPLES_ASSESSOR"): NominationBatch =>
  decideCreateBatch(
    ctx.newId(),
    { kind, federationCreditCode: federation.creditCode, selectingBody: "天津市和平区人民法院", quota, referenceAt: REF },
    federation,
    "天津市和平区人民法院",
    false,
    ctx,
  ).state;

const provider = (over: Partial<LegalProviderFact>): LegalProviderFact => ({
  providerId: "11111111-1111-4111-8111-111111111111",
  kind: "LAWYER",
  lawyerKind: "PRACTISING",
  licenceNumber: "11201200910123456",
  name: "周某某",
  status: "ACTIVE",
  creditCode: "",
  firmCreditCode: "",
  employerCreditCode: "",
  commissionCreditCode: "",
  rosterNumber: "",
  clientCreditCodes: [],
  adviserChamberCreditCodes: [],
  ...over,
});

describe("eligibility of people's assessors (人民陪审员法 art. 5-7)", () => {
  it("finds nothing against an eligible nominee", () => {
    expect(bars(nominee())).toEqual([]);
  });

  it("counts the age in full years at the fixed reference date, on the China calendar date", () => {
    const birth = birthDateOf(idNumber("19980601"))!;
    expect(ageAt(birth, REF)).toBe(28); // the 28th birthday is the reference date itself
    expect(ageAt(birthDateOf(idNumber("19980602"))!, REF)).toBe(27);
    expect(bars(nominee({ identityNumber: idNumber("19980601") }))).toEqual([]);
    const young = eligibilityFindings(
      "PEOPLES_ASSESSOR",
      REF,
      nominee({ identityNumber: idNumber("19980602") }),
      noFacts,
      DEFAULT_NOMINATION_POLICY,
    );
    expect(young.findings).toEqual([
      {
        bar: "AGE",
        basis: "人民陪审员法 art. 5(2)",
        explanation: expect.stringContaining("27 at the reference date 2026-06-01, under 28"),
      },
    ]);
  });

  it.each<[string, Partial<NomineeInput>, string]>([
    ["education below high school without a reason", { education: "JUNIOR_HIGH" }, "EDUCATION"],
    ["no support for the Constitution", { declarations: { ...allGood, supportsConstitution: false } }, "CONSTITUTION"],
    ["good conduct not declared", { declarations: { ...allGood, goodConduct: false } }, "CONDUCT"],
    ["fitness not declared", { declarations: { ...allGood, fitForDuty: false } }, "FITNESS"],
    ["a court's staff (art. 6(1))", { occupations: ["COURT"] }, "OCCUPATION"],
    ["a standing committee member (art. 6(1))", { occupations: ["ENTERPRISE_STAFF", "PEOPLES_CONGRESS_STANDING_COMMITTEE"] }, "OCCUPATION"],
    ["a lawyer (art. 6(2))", { occupations: ["LAWYER"] }, "OCCUPATION"],
    ["a notary (art. 6(2))", { occupations: ["NOTARY"] }, "OCCUPATION"],
    ["an arbitrator (art. 6(2))", { occupations: ["ARBITRATOR"] }, "OCCUPATION"],
    ["a grassroots legal worker (art. 6(2))", { occupations: ["GRASSROOTS_LEGAL_WORKER"] }, "OCCUPATION"],
    ["a criminal punishment (art. 7(1))", { declarations: { ...allGood, criminalPunishment: true } }, "CRIMINAL_PUNISHMENT"],
    [
      "dismissal from public office (art. 7(2))",
      { declarations: { ...allGood, dismissedFromPublicOffice: true } },
      "DISMISSED_FROM_PUBLIC_OFFICE",
    ],
    ["a revoked licence (art. 7(3))", { declarations: { ...allGood, licenceRevoked: true } }, "LICENCE_REVOKED"],
    ["removal as an assessor (art. 7(5))", { declarations: { ...allGood, removedAsAssessor: true } }, "REMOVED_AS_ASSESSOR"],
    ["another serious violation (art. 7(6))", { declarations: { ...allGood, seriousViolation: true } }, "SERIOUS_VIOLATION"],
  ])("bars %s, with its reason", (_, over, bar) => {
    expect(bars(nominee(over))).toEqual([bar]);
  });

  it("takes a lower education with its reason (一般应当), and finds every bar at once", () => {
    expect(bars(nominee({ education: "JUNIOR_HIGH", educationException: "长期从事行业调解，熟悉商事习惯" }))).toEqual([]);
    expect(bars(nominee({ occupations: ["LAWYER", "COURT"], declarations: undefined }))).toEqual([
      "CONSTITUTION",
      "CONDUCT",
      "FITNESS",
      "OCCUPATION",
      "OCCUPATION",
    ]);
  });

  it("bars a person on the 失信被执行人 list (art. 7(4))", () => {
    const findings = eligibilityFindings(
      "PEOPLES_ASSESSOR",
      REF,
      nominee(),
      { providers: [], defaulter: { entryId: "e1", source: "中国执行信息公开网" } },
      DEFAULT_NOMINATION_POLICY,
    ).findings;
    expect(findings).toEqual([
      { bar: "DEFAULTER", basis: "人民陪审员法 art. 7(4)", explanation: expect.stringContaining("中国执行信息公开网") },
    ]);
  });

  it("catches a lawyer or arbitrator legal-services knows: by licence number, or by name unless cleared", () => {
    const lawyer = provider({});
    expect(
      bars(nominee({ lawyerLicenceNumber: lawyer.licenceNumber }), "PEOPLES_ASSESSOR", { providers: [lawyer], defaulter: undefined }),
    ).toEqual(["KNOWN_TO_LEGAL_SERVICES"]);
    const company = provider({ lawyerKind: "COMPANY", licenceNumber: "11201200910999999" });
    const byName = eligibilityFindings(
      "PEOPLES_ASSESSOR",
      REF,
      nominee(),
      { providers: [company], defaulter: undefined },
      DEFAULT_NOMINATION_POLICY,
    ).findings;
    expect(byName).toEqual([
      { bar: "KNOWN_TO_LEGAL_SERVICES", basis: "人民陪审员法 art. 6(2)", explanation: expect.stringContaining("company lawyer") },
    ]);
    expect(
      bars(nominee({ clearedProviderIds: [company.providerId] }), "PEOPLES_ASSESSOR", { providers: [company], defaulter: undefined }),
    ).toEqual([]);
    // A licence number match cannot be cleared.
    expect(
      bars(nominee({ lawyerLicenceNumber: lawyer.licenceNumber, clearedProviderIds: [lawyer.providerId] }), "PEOPLES_ASSESSOR", {
        providers: [lawyer],
        defaulter: undefined,
      }),
    ).toEqual(["KNOWN_TO_LEGAL_SERVICES"]);
    const arbitrator = provider({ kind: "ARBITRATOR", lawyerKind: "", licenceNumber: "", commissionCreditCode: "X", rosterNumber: "42" });
    expect(bars(nominee(), "PEOPLES_ASSESSOR", { providers: [arbitrator], defaulter: undefined })).toEqual(["KNOWN_TO_LEGAL_SERVICES"]);
    expect(bars(nominee(), "PEOPLES_ASSESSOR", { providers: [{ ...arbitrator, status: "RETIRED" }], defaulter: undefined })).toEqual([]);
  });
});

describe("eligibility of people's supervisors", () => {
  it("takes 23 and over, high school without exception, and bars serving assessors", () => {
    const twentyFour = nominee({ identityNumber: idNumber("20020101") });
    expect(bars(twentyFour, "PEOPLES_SUPERVISOR")).toEqual([]);
    expect(bars(twentyFour, "PEOPLES_ASSESSOR")).toEqual(["AGE"]);
    expect(bars(nominee({ identityNumber: idNumber("20040101") }), "PEOPLES_SUPERVISOR")).toEqual(["AGE"]);
    expect(bars(nominee({ education: "JUNIOR_HIGH", educationException: "理由" }), "PEOPLES_SUPERVISOR")).toEqual(["EDUCATION"]);
    expect(bars(nominee({ occupations: ["PEOPLES_ASSESSOR"] }), "PEOPLES_SUPERVISOR")).toEqual(["OCCUPATION"]);
    expect(bars(nominee({ occupations: ["NOTARY"] }), "PEOPLES_SUPERVISOR")).toEqual(["OCCUPATION"]);
  });
});

describe("nominee input", () => {
  it("names each bad field", () => {
    const v = new Violations();
    checkNomineeInput(
      v,
      nominee({
        name: "",
        identityNumber: "120101198003151234",
        education: undefined,
        occupations: [undefined],
        lawyerLicenceNumber: "12",
        clearedProviderIds: ["x"],
      }),
      "nominee.",
    );
    expect(v.all.map((x) => x.field)).toEqual([
      "nominee.name",
      "nominee.identity_number",
      "nominee.education",
      "nominee.occupations[0]",
      "nominee.lawyer_licence_number",
      "nominee.cleared_provider_ids[0]",
    ]);
  });
});

describe("batches", () => {
  it("adds eligible nominees up to one fifth of the quota (人民陪审员法 art. 11)", () => {
    let b = batch(10); // cap 2
    b = decideAddNominee(b, nominee(), registry, noFacts, 0, DEFAULT_NOMINATION_POLICY, ctx).state;
    expect(b.nominees[0]).toMatchObject({
      status: "NOMINATED",
      birthDate: "1980-03-15",
      ageAtReference: 46,
      employer: { name: "和平某科技有限公司" },
    });
    expect(() => decideAddNominee(b, nominee(), registry, noFacts, 0, DEFAULT_NOMINATION_POLICY, ctx)).toThrow(AlreadyExistsError);
    b = decideAddNominee(
      b,
      nominee({ name: "吴某", identityNumber: idNumber("19750101") }),
      registry,
      noFacts,
      0,
      DEFAULT_NOMINATION_POLICY,
      ctx,
    ).state;
    const third = () =>
      decideAddNominee(
        b,
        nominee({ name: "郑某", identityNumber: idNumber("19700101") }),
        registry,
        noFacts,
        0,
        DEFAULT_NOMINATION_POLICY,
        ctx,
      );
    expect(third).toThrow(FailedPreconditionError);
    expect(() => third()).toThrow(/one fifth of the quota of 10/);
    // A quota under five leaves the federation route nothing.
    expect(() => decideAddNominee(batch(4), nominee(), registry, noFacts, 0, DEFAULT_NOMINATION_POLICY, ctx)).toThrow(
      /FEDERATION_CAP_REACHED|0 nominee/,
    );
  });

  it("refuses an ineligible nominee with one violation per bar, and a stale revision before any rule", () => {
    const b = batch(10);
    try {
      decideAddNominee(
        b,
        nominee({ occupations: ["ARBITRATOR"], identityNumber: idNumber("20000101") }),
        registry,
        noFacts,
        0,
        DEFAULT_NOMINATION_POLICY,
        ctx,
      );
      throw new Error("not refused");
    } catch (e) {
      expect((e as FailedPreconditionError).violations.map((v) => [v.type, v.subject])).toEqual([
        ["NOMINEE_INELIGIBLE", "bar/AGE"],
        ["NOMINEE_INELIGIBLE", "bar/OCCUPATION"],
      ]);
    }
    expect(() =>
      decideAddNominee(b, nominee({ occupations: ["ARBITRATOR"] }), registry, noFacts, 7, DEFAULT_NOMINATION_POLICY, ctx),
    ).toThrow(AbortedError);
    expect(() =>
      decideAddNominee(b, nominee({ employerCreditCode: federation.creditCode }), registry, noFacts, 0, DEFAULT_NOMINATION_POLICY, ctx),
    ).toThrow(InvalidArgumentError);
  });

  it("goes from nominated to selected or rejected; the batch is decided when every nominee is", () => {
    let b = batch(10);
    expect(() => decideSubmitBatch(b, 0, ctx)).toThrow(/at least one nominee/);
    b = decideAddNominee(b, nominee(), registry, noFacts, 0, DEFAULT_NOMINATION_POLICY, ctx).state;
    b = decideAddNominee(
      b,
      nominee({ name: "吴某", identityNumber: idNumber("19750101") }),
      registry,
      noFacts,
      0,
      DEFAULT_NOMINATION_POLICY,
      ctx,
    ).state;
    const [first, second] = b.nominees.map((n) => n.nomineeId) as [string, string];
    expect(() => decideSelectionOutcome(b, { nomineeId: first, selected: true, outcomeNote: "" }, 0, ctx)).toThrow(
      /once the batch is submitted/,
    );
    b = decideSubmitBatch(b, 0, ctx).state;
    expect(b.status).toBe("SUBMITTED");
    expect(() =>
      decideAddNominee(
        b,
        nominee({ name: "郑某", identityNumber: idNumber("19700101") }),
        registry,
        noFacts,
        0,
        DEFAULT_NOMINATION_POLICY,
        ctx,
      ),
    ).toThrow(/while it is open/);
    b = decideSelectionOutcome(b, { nomineeId: first, selected: true, outcomeNote: "" }, 0, ctx).state;
    expect(b.status).toBe("SUBMITTED");
    expect(() => decideSelectionOutcome(b, { nomineeId: second, selected: false, outcomeNote: "" }, 0, ctx)).toThrow(InvalidArgumentError);
    expect(() => decideSelectionOutcome(b, { nomineeId: first, selected: false, outcomeNote: "x" }, 0, ctx)).toThrow(/selected already/);
    b = decideSelectionOutcome(b, { nomineeId: second, selected: false, outcomeNote: "名额已满" }, 0, ctx).state;
    expect(b.status).toBe("DECIDED");
    expect(b.nominees.map((n) => n.status)).toEqual(["SELECTED", "REJECTED"]);
  });

  it("removes a list entry once, with a reason", () => {
    const d = {
      entryId: "e",
      identityNumber: idNumber("19800101"),
      name: "某",
      source: "s",
      active: true,
      addedAt: T0,
      removedAt: null,
      removeReason: "",
      revision: 1,
    };
    expect(() => decideRemoveDefaulter(d, "", 0, ctx)).toThrow(InvalidArgumentError);
    const removed = decideRemoveDefaulter(d, "已从名单移除", 0, ctx).state;
    expect(removed).toMatchObject({ active: false, removeReason: "已从名单移除" });
    expect(() => decideRemoveDefaulter(removed, "again", 0, ctx)).toThrow(FailedPreconditionError);
  });
});
