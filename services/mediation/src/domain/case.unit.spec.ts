import { FailedPreconditionError, InvalidArgumentError, mediationEvents, PermissionDeniedError } from "@jinlian/chassis";
import { withCheckCharacter } from "@jinlian/kernel";
import {
  assertKeptBy,
  decideAgreement,
  decideConfirmation,
  decideConsent,
  decideDeadlines,
  decideDesignate,
  decideEndByParty,
  decideFailure,
  decideObjection,
  decideOpen,
  decidePause,
  decideReferral,
  decideResume,
  decideSignature,
  DEFAULT_CASE_POLICY,
  dueAt,
  watched,
  type AgreementInput,
  type Case,
} from "./case";
import type { Committee, Mediator } from "./committee";
import type { DecisionContext } from "./common";
import { conflictsOf, type LegalProviderFact } from "./conflicts";

const T0 = new Date("2026-05-10T02:00:00Z");
const DAY = 24 * 3600 * 1000;
const A = withCheckCharacter("91120101MA0000001");
const B = withCheckCharacter("91120102MA0000002");
let ids = 0;
const ctx = (now = T0): DecisionContext => ({
  here: "120101",
  now,
  newId: () => `00000000-0000-4000-8000-${String(++ids).padStart(12, "0")}`,
  audit: { actor: "officer", reason: "", requestId: "rq", occurTime: now, jurisdictionCode: "120101" },
});
const at = (days: number) => new Date(T0.getTime() + days * DAY);

const committee: Committee = {
  committeeId: "c0000000-0000-4000-8000-000000000001",
  committee: { creditCode: withCheckCharacter("52120101MJ0000003"), jurisdictionCode: "120101", name: "和平区总商会人民调解委员会" },
  chamber: { creditCode: withCheckCharacter("51120101MJ0000004"), jurisdictionCode: "120101", name: "和平区总商会" },
  justiceBureau: { creditCode: withCheckCharacter("11120101MB0000005"), jurisdictionCode: "120101", name: "和平区司法局" },
  members: [],
  termStartAt: at(-100),
  termEndAt: at(1000),
  registeredAt: at(-100),
  updatedAt: at(-100),
  revision: 1,
};

const mediator = (over: Partial<Mediator> = {}): Mediator => ({
  mediatorId: `m0000000-0000-4000-8000-00000000000${++ids % 10}`,
  committeeId: committee.committeeId,
  name: "王调解",
  gender: "FEMALE",
  licenceNumber: "",
  qualifications: [],
  trainings: [],
  pool: "PEOPLES",
  declaredInterests: [],
  status: "ACTIVE",
  createdAt: T0,
  updatedAt: T0,
  revision: 1,
  ...over,
});

function opened(consented = true, kind: "PEOPLES" | "COMMERCIAL" = "PEOPLES"): Case {
  return decideOpen(
    ctx().newId(),
    committee,
    {
      kind,
      parties: [
        { role: "APPLICANT", organisationCreditCode: A, person: undefined, consented },
        { role: "RESPONDENT", organisationCreditCode: B, person: undefined, consented },
      ],
      summary: "货款纠纷",
      commercial: kind === "COMMERCIAL" ? { feeFen: 50_000, feeNote: "按标的额收费" } : undefined,
    },
    new Map(),
    DEFAULT_CASE_POLICY,
    ctx(),
  ).state;
}

const withMediator = (c: Case, m = mediator()) => ({ ...decideDesignate(c, m, "COMMITTEE", [], 0, ctx()).state, revision: c.revision + 1 });

const written = (over: Partial<AgreementInput> = {}): AgreementInput => ({
  form: "WRITTEN",
  partyDetails: "甲：和平某公司；乙：河东某公司",
  facts: "甲向乙供货，乙欠付货款",
  issuesInDispute: "欠款数额及支付期限",
  responsibilities: "乙承担付款责任",
  terms: "乙向甲支付货款十万元",
  performanceManner: "银行转账",
  performanceDeadlineAt: at(20),
  oralRecord: "",
  ...over,
});

function violations(f: () => unknown): string[] {
  try {
    f();
  } catch (e) {
    if (e instanceof InvalidArgumentError) return e.violations.map((v) => v.field);
    throw e;
  }
  throw new Error("expected INVALID_ARGUMENT");
}
function preconditions(f: () => unknown): string[] {
  try {
    f();
  } catch (e) {
    if (e instanceof FailedPreconditionError) return e.violations.map((v) => v.type);
    throw e;
  }
  throw new Error("expected FAILED_PRECONDITION");
}

describe("who keeps a case", () => {
  it("given a caller acting for another committee, then it is refused; the case's committee, or a caller naming none, is not", () => {
    const other = withCheckCharacter("52120101MJ0000004");
    expect(() => assertKeptBy(committee.committee, other, "case c-1")).toThrow(PermissionDeniedError);
    expect(() => assertKeptBy(committee.committee, other, "case c-1")).toThrow(
      `case c-1 is kept by committee ${committee.committee.creditCode}`,
    );
    expect(() => assertKeptBy(committee.committee, committee.committee.creditCode, "case c-1")).not.toThrow();
    expect(() => assertKeptBy(committee.committee, undefined, "case c-1")).not.toThrow();
  });
});

describe("consent (art. 17, 23)", () => {
  it("given every party consented at intake, the case is accepted and its clock starts", () => {
    const c = opened(true);
    expect(c.status).toBe("IN_MEDIATION");
    expect(c.timeLimit.startAt).toEqual(T0);
    expect(dueAt(c.timeLimit, T0)).toEqual(at(30));
  });

  it("given a party refuses, the case ends as refused and nothing is mediated", () => {
    const c = opened(false);
    expect(c.status).toBe("AWAITING_CONSENT");
    expect(c.timeLimit.startAt).toBeNull();
    const refused = decideConsent(c, c.parties[1]!.partyId, false, "不同意调解", 0, ctx(at(1))).state;
    expect(refused.status).toBe("REFUSED");
    expect(refused.closedAt).toEqual(at(1));
    expect(preconditions(() => decideDesignate(refused, mediator(), "COMMITTEE", [], 0, ctx()))).toEqual(["CASE_STATE"]);
  });

  it("when the last party consents, the clock starts then", () => {
    let c = opened(false);
    c = decideConsent(c, c.parties[0]!.partyId, true, "", 0, ctx(at(1))).state;
    expect(c.status).toBe("AWAITING_CONSENT");
    c = decideConsent(c, c.parties[1]!.partyId, true, "", 0, ctx(at(2))).state;
    expect(c.status).toBe("IN_MEDIATION");
    expect(c.timeLimit.startAt).toEqual(at(2));
  });

  it("a party may end mediation at any time", () => {
    const c = withMediator(opened());
    const ended = decideEndByParty(c, c.parties[0]!.partyId, "另行起诉", 0, ctx(at(3))).state;
    expect(ended).toMatchObject({ status: "ENDED_BY_PARTY", endingPartyId: c.parties[0]!.partyId, endReason: "另行起诉" });
    expect(watched(ended)).toBe(false);
  });

  it("people's mediation charges no fee (art. 4); a commercial case may", () => {
    expect(
      violations(() =>
        decideOpen(
          ctx().newId(),
          committee,
          {
            kind: "PEOPLES",
            parties: [
              { role: "APPLICANT", organisationCreditCode: A, person: undefined, consented: true },
              {
                role: "RESPONDENT",
                organisationCreditCode: "",
                person: { name: "张三", identityNumber: "110101199003070000", phone: "" },
                consented: true,
              },
            ],
            summary: "x",
            commercial: { feeFen: 100, feeNote: "" },
          },
          new Map(),
          DEFAULT_CASE_POLICY,
          ctx(),
        ),
      ),
    ).toEqual(["parties[1].person.identity_number", "commercial"]);
    expect(opened(true, "COMMERCIAL").commercial).toEqual({ feeFen: 50_000, feeNote: "按标的额收费" });
  });
});

describe("mediators (art. 19)", () => {
  it("a designated mediator is announced with the dispute and licence, for legal-services", () => {
    const c = opened();
    const m = mediator({ licenceNumber: "11201201510000001" });
    const d = decideDesignate(c, m, "PARTIES", [], 0, ctx());
    expect(d.events).toHaveLength(1);
    const e = (
      d.events as unknown as { descriptor: unknown; to: unknown; data: { disputeId: string; mediator: { licenceNumber: string } } }[]
    )[0]!;
    expect(e.descriptor).toBe(mediationEvents.mediatorAssigned);
    expect(e.to).toEqual([{ local: "cases" }]);
    expect(e.data.disputeId).toBe(c.disputeId);
    expect(e.data.mediator.licenceNumber).toBe("11201201510000001");
    expect(d.state.mediators[0]).toMatchObject({ designatedBy: "PARTIES", active: true });
  });

  it("a lawyer acting for a party is excluded with the reason", () => {
    const lawyer: LegalProviderFact = {
      providerId: "p1",
      kind: "LAWYER",
      lawyerKind: "PRACTISING",
      licenceNumber: "11201201510000001",
      name: "李律师",
      status: "ACTIVE",
      creditCode: "",
      firmCreditCode: withCheckCharacter("31120000MD0000006"),
      employerCreditCode: "",
      commissionCreditCode: "",
      rosterNumber: "",
      clientCreditCodes: [B],
      adviserChamberCreditCodes: [],
    };
    const m = mediator({ name: "李律师", licenceNumber: lawyer.licenceNumber });
    const conflicts = conflictsOf(m, [A, B], lawyer, undefined);
    expect(conflicts).toEqual([expect.objectContaining({ reason: "ACTS_FOR_PARTY", partyCreditCode: B })]);
    expect(preconditions(() => decideDesignate(opened(), m, "COMMITTEE", conflicts, 0, ctx()))).toEqual(["CONFLICT_OF_INTEREST"]);
    // Its firm advising a party's chamber is a conflict too; a declared interest as well.
    expect(conflictsOf(m, [A], { ...lawyer, clientCreditCodes: [] }, { ...lawyer, adviserChamberCreditCodes: [A] })[0]!.reason).toBe(
      "ADVISES_PARTY",
    );
    expect(conflictsOf(mediator({ declaredInterests: [A] }), [A, B], undefined, undefined)[0]!.reason).toBe("DECLARED_INTEREST");
  });

  it("a commercial case takes mediators of the commercial pool only", () => {
    expect(
      preconditions(() => decideDesignate(opened(true, "COMMERCIAL"), mediator({ pool: "PEOPLES" }), "COMMITTEE", [], 0, ctx())),
    ).toEqual(["MEDIATOR_POOL"]);
    expect(decideDesignate(opened(true, "COMMERCIAL"), mediator({ pool: "BOTH" }), "COMMITTEE", [], 0, ctx()).state.mediators).toHaveLength(
      1,
    );
  });

  it("an objected mediator leaves the case and cannot come back to it", () => {
    const m = mediator();
    const c = withMediator(opened(), m);
    const after = decideObjection(c, m.mediatorId, c.parties[1]!.partyId, "与申请人系亲属", 0, ctx()).state;
    expect(after.mediators[0]).toMatchObject({ active: false, objectingPartyId: c.parties[1]!.partyId });
    expect(preconditions(() => decideDesignate(after, m, "COMMITTEE", [], 0, ctx()))).toEqual(["MEDIATOR_OBJECTED"]);
    expect(decideDesignate(after, mediator(), "COMMITTEE", [], 0, ctx()).state.mediators.filter((x) => x.active)).toHaveLength(1);
  });
});

describe("the time limit", () => {
  it("warns at each offset once, and pausing moves the due time", () => {
    let c = withMediator(opened());
    expect(decideDeadlines(c, at(20), DEFAULT_CASE_POLICY)).toBeUndefined();
    const w1 = decideDeadlines(c, at(23.5), DEFAULT_CASE_POLICY)!;
    expect(w1.events).toHaveLength(1);
    expect((w1.events as unknown as { data: { warnedBeforeSeconds: string } }[])[0]!.data.warnedBeforeSeconds).toBe(String(7 * 24 * 3600));
    c = w1.state;
    expect(decideDeadlines(c, at(24), DEFAULT_CASE_POLICY)).toBeUndefined();
    // Paused for 5 days: the due time moves from day 30 to day 35.
    c = decidePause(c, "等待鉴定", 0, ctx(at(24))).state;
    expect(decideDeadlines(c, at(28), DEFAULT_CASE_POLICY)).toBeUndefined();
    c = decideResume(c, 0, ctx(at(29))).state;
    expect(dueAt(c.timeLimit, at(29))).toEqual(at(35));
    const w3 = decideDeadlines(c, at(32.5), DEFAULT_CASE_POLICY)!;
    expect((w3.events as unknown as { data: { warnedBeforeSeconds: string } }[])[0]!.data.warnedBeforeSeconds).toBe(String(3 * 24 * 3600));
    c = w3.state;
    const expired = decideDeadlines(c, at(35.1), DEFAULT_CASE_POLICY)!;
    expect((expired.events as unknown as { descriptor: unknown }[])[0]!.descriptor).toBe(mediationEvents.timeLimitExpired);
    expect(watched(expired.state)).toBe(false);
  });
});

describe("agreements (art. 28-29, 33)", () => {
  it("a written agreement missing parts is refused with a violation per missing part", () => {
    const c = withMediator(opened());
    expect(
      violations(() =>
        decideAgreement(c, written({ partyDetails: "", facts: "", responsibilities: "", terms: "" }), 0, DEFAULT_CASE_POLICY, ctx()),
      ),
    ).toEqual(["agreement.party_details", "agreement.facts", "agreement.terms"]);
    expect(violations(() => decideAgreement(c, written({ performanceDeadlineAt: undefined }), 0, DEFAULT_CASE_POLICY, ctx()))).toEqual([
      "agreement.performance_deadline_time",
    ]);
  });

  it("takes effect when the parties, a mediator and the committee's seal are on it; the window counts from then", () => {
    const m = mediator();
    let c = withMediator(opened(), m);
    c = decideAgreement(c, written(), 0, DEFAULT_CASE_POLICY, ctx(at(1))).state;
    expect(c.status).toBe("AGREEMENT_SIGNING");
    const sign = (k: Case, kind: "PARTY_SIGNATURE" | "PARTY_FINGERPRINT" | "MEDIATOR" | "COMMITTEE_SEAL", day: number, partyId = "") =>
      decideSignature(k, { kind, partyId, mediatorId: m.mediatorId, signAt: at(day) }, 0, DEFAULT_CASE_POLICY, ctx(at(5))).state;
    c = sign(c, "PARTY_SIGNATURE", 1, c.parties[0]!.partyId);
    c = sign(c, "MEDIATOR", 1);
    c = sign(c, "COMMITTEE_SEAL", 1);
    expect(c.status).toBe("AGREEMENT_SIGNING");
    c = sign(c, "PARTY_FINGERPRINT", 2, c.parties[1]!.partyId);
    expect(c.status).toBe("AGREED");
    expect(c.agreement!.effectiveAt).toEqual(at(2));
    expect(c.agreement!.confirmationDeadlineAt).toEqual(at(32));
    expect(preconditions(() => decideConfirmation(c, { applyAt: at(32.5), court: "和平区人民法院" }, 0, ctx(at(33))))).toEqual([
      "CONFIRMATION_WINDOW_CLOSED",
    ]);
    expect(decideConfirmation(c, { applyAt: at(31), court: "和平区人民法院" }, 0, ctx(at(31))).state.agreement!.confirmationCourt).toBe(
      "和平区人民法院",
    );
  });

  it("an oral agreement is recorded by the mediator and takes effect at once", () => {
    const c = withMediator(opened());
    expect(violations(() => decideAgreement(c, written({ form: "ORAL" }), 0, DEFAULT_CASE_POLICY, ctx()))).toEqual([
      "agreement.oral_record",
    ]);
    const oral = decideAgreement(c, written({ form: "ORAL", oralRecord: "乙当场支付五千元" }), 0, DEFAULT_CASE_POLICY, ctx(at(3))).state;
    expect(oral).toMatchObject({ status: "AGREED", closedAt: at(3) });
    expect(oral.agreement!.confirmationDeadlineAt).toEqual(at(33));
  });

  it("reminds before the confirmation window closes and raises performance overdue once", () => {
    let c = withMediator(opened());
    c = decideAgreement(c, written({ form: "ORAL", oralRecord: "x", performanceDeadlineAt: at(10) }), 0, DEFAULT_CASE_POLICY, ctx()).state;
    const d = decideDeadlines(c, at(24), DEFAULT_CASE_POLICY)!;
    expect((d.events as unknown as { descriptor: unknown }[]).map((e) => e.descriptor)).toEqual([
      mediationEvents.confirmationWindowClosing,
      mediationEvents.performanceOverdue,
    ]);
    expect(decideDeadlines(d.state, at(25), DEFAULT_CASE_POLICY)).toBeUndefined();
  });
});

describe("failure and arbitration (art. 26; seed art. 18)", () => {
  it("records the routes and refers with the arbitration agreement", () => {
    const failed = decideFailure(withMediator(opened()), ["ARBITRATION", "JUDICIAL"], "双方分歧过大", 0, ctx()).state;
    expect(failed).toMatchObject({ status: "FAILED", failure: { routes: ["ARBITRATION", "JUDICIAL"] } });
    const commission = withCheckCharacter("12120000MB0000007");
    expect(
      violations(() => decideReferral(failed, { commissionCreditCode: commission, agreement: undefined, summary: "x" }, 0, ctx())),
    ).toEqual(["agreement"]);
    const referred = decideReferral(
      failed,
      {
        commissionCreditCode: commission,
        agreement: { form: "CONTRACT_CLAUSE", content: "提交天津仲裁委员会仲裁", concludeAt: at(-300) },
        summary: "货款纠纷",
      },
      0,
      ctx(),
    ).state;
    expect(referred.referral).toMatchObject({ status: "PENDING", commission: { creditCode: commission } });
  });

  it("refuses a referral when arbitration was not a route told", () => {
    const failed = decideFailure(withMediator(opened()), ["JUDICIAL"], "", 0, ctx()).state;
    expect(
      preconditions(() =>
        decideReferral(
          failed,
          {
            commissionCreditCode: withCheckCharacter("12120000MB0000007"),
            agreement: { form: "SEPARATE", content: "x", concludeAt: undefined },
            summary: "x",
          },
          0,
          ctx(),
        ),
      ),
    ).toEqual(["ROUTE_NOT_OPEN"]);
  });
});
