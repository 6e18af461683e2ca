import { FailedPreconditionError, legalServicesEvents } from "@jinlian/chassis";
import { withCheckCharacter } from "@jinlian/kernel";
import type { DecisionContext } from "./common";
import type { Candidate, Shortlist } from "./matching";
import {
  checkSubmission,
  decideAnswer,
  decideAssignment,
  decideCityPoolAnswer,
  decideCityPoolClosed,
  decideCityPoolRequest,
  decideCompletion,
  decideExpiry,
  decideReferral,
  decideSubmission,
  decideWithdrawal,
  type LegalServiceRequest,
  type OfferPolicy,
} from "./request";

const T0 = new Date("2026-05-10T02:00:00Z");
const POLICY: OfferPolicy = { windowSeconds: { ROUTINE: 48 * 3600, URGENT: 4 * 3600 }, maxOffers: 2 };
const RIVAL_CODE = withCheckCharacter("91120102MA0000002");
const REQUESTER = { creditCode: withCheckCharacter("91120101MA0000001"), jurisdictionCode: "120101", name: "和平某科技公司" };

let ids = 0;
const ctx = (now = T0, here = "120101"): DecisionContext => ({
  here,
  now,
  newId: () => `00000000-0000-4000-8000-${String(++ids).padStart(12, "0")}`,
  audit: { actor: "officer", reason: "", requestId: "rq", occurTime: now, jurisdictionCode: here },
});
const atCity = (now = T0) => ctx(now, "120000");
const candidate = (name: string, rank: number): Candidate => ({
  providerId: `p-${name}`,
  name,
  kind: "LAWYER",
  districtCode: "120101",
  rank,
  score: 1 - rank / 10,
  components: [],
  fromCityPool: false,
});
const shortlist = (...names: string[]): Shortlist => ({
  candidates: names.map((n, i) => candidate(n, i + 1)),
  exclusions: [],
  exclusionsTotal: names.length === 0 ? 3 : 0,
  weights: { specialty: 0.35, district: 0.25, language: 0.15, load: 0.15, rating: 0.1 },
  fallbackReason: "",
  computedAt: T0,
});
const types = (events: ReturnType<typeof eventsOf>) => events.map((e) => e.descriptor.type);
const eventsOf = (d: { state: LegalServiceRequest; events: unknown }) =>
  (typeof d.events === "function" ? (d.events as (s: LegalServiceRequest) => never[])(d.state) : d.events) as {
    descriptor: { type: string };
  }[];

function submitted(urgency: "ROUTINE" | "URGENT" = "URGENT", list = shortlist("甲", "乙", "丙"), c_ = ctx()) {
  const c = checkSubmission({
    requesterCreditCode: REQUESTER.creditCode,
    type: "CONSULTATION",
    specialty: "LABOUR",
    districtCode: "120101",
    industrySection: "",
    language: "",
    urgency,
    counterparties: [{ creditCode: RIVAL_CODE, name: "河东某贸易公司" }],
    summary: "劳动合同纠纷咨询",
    disputeId: "",
  });
  return decideSubmission("req-1", c, REQUESTER, "C", list, POLICY, undefined, c_);
}

describe("given a request submitted with candidates", () => {
  it("when submitted, then it is offered to the best candidate with the urgency's deadline, and both steps are events", () => {
    const d = submitted("URGENT");
    expect(d.state.status).toBe("OFFERED");
    expect(d.state.offers).toEqual([
      expect.objectContaining({ providerId: "p-甲", outcome: "PENDING", deadlineAt: new Date(T0.getTime() + 4 * 3600 * 1000) }),
    ]);
    expect(types(eventsOf(d))).toEqual([legalServicesEvents.requestSubmitted.type, legalServicesEvents.requestOffered.type]);
    expect(d.state.language).toBe("zh");
    expect(d.state.freeOfCharge).toBe(false);
  });

  it("when the candidate declines with a reason, then the next candidate of a fresh match is offered", () => {
    const r = { ...submitted().state, revision: 1 };
    const d = decideAnswer(
      r,
      { providerId: "p-甲", accept: false, declineReason: "利益冲突" },
      1,
      () => ({ shortlist: shortlist("乙", "丙"), centre: undefined }),
      POLICY,
      ctx(),
    );
    expect(d.state.offers.map((o) => [o.providerId, o.outcome, o.declineReason])).toEqual([
      ["p-甲", "DECLINED", "利益冲突"],
      ["p-乙", "PENDING", ""],
    ]);
    expect(types(eventsOf(d))).toEqual([legalServicesEvents.requestOfferDeclined.type, legalServicesEvents.requestOffered.type]);
  });

  it("when the offered provider accepts, then the request is assigned to it", () => {
    const r = { ...submitted().state, revision: 1 };
    const d = decideAnswer(
      r,
      { providerId: "p-甲", accept: true, declineReason: "" },
      1,
      () => {
        throw new Error("no match needed");
      },
      POLICY,
      ctx(),
    );
    expect(d.state).toMatchObject({ status: "ASSIGNED", assignedProviderId: "p-甲", assignedAt: T0 });
    expect(types(eventsOf(d))).toEqual([legalServicesEvents.requestAssigned.type]);
  });

  it("when another provider answers, then it is refused: only the pending offer can be answered", () => {
    const r = { ...submitted().state, revision: 1 };
    expect(() =>
      decideAnswer(
        r,
        { providerId: "p-乙", accept: true, declineReason: "" },
        1,
        () => ({ shortlist: shortlist(), centre: undefined }),
        POLICY,
        ctx(),
      ),
    ).toThrow(FailedPreconditionError);
  });

  it("when deadlines pass up to the allowed number of offers, then the request escalates to the legal-service centre", () => {
    let r = { ...submitted().state, revision: 1 };
    expect(
      decideExpiry(r, () => ({ shortlist: shortlist("乙"), centre: undefined }), POLICY, ctx(new Date(T0.getTime() + 3600 * 1000))),
    ).toBeUndefined();
    const later = new Date(T0.getTime() + 5 * 3600 * 1000);
    r = decideExpiry(r, () => ({ shortlist: shortlist("乙"), centre: undefined }), POLICY, ctx(later))!.state;
    expect(r.offers.map((o) => o.outcome)).toEqual(["EXPIRED", "PENDING"]);
    const muchLater = new Date(later.getTime() + 5 * 3600 * 1000);
    const d = decideExpiry(r, () => ({ shortlist: shortlist("丙"), centre: undefined }), POLICY, ctx(muchLater))!;
    expect(d.state.status).toBe("ESCALATED");
    expect(d.state.escalation).toMatchObject({ cause: "OFFERS_EXHAUSTED", escalatedAt: muchLater });
    expect(types(eventsOf(d))).toEqual([legalServicesEvents.requestOfferDeclined.type, legalServicesEvents.requestEscalated.type]);
  });
});

describe("given nobody can be offered a request", () => {
  it("when submitted at the municipal node, then it escalates at once with the cause, never sitting silent", () => {
    const d = submitted("ROUTINE", shortlist(), atCity());
    expect(d.state).toMatchObject({ status: "ESCALATED", offers: [] });
    expect(d.state.escalation).toMatchObject({ cause: "NO_CANDIDATE" });
    expect(d.state.escalation!.explanation).toMatch(/all 3 providers excluded/);
    expect(types(eventsOf(d))).toEqual([legalServicesEvents.requestSubmitted.type, legalServicesEvents.requestEscalated.type]);
  });

  it("when submitted at a district node, then it is offered to the city's pool with the reason, on the local stream and up to the city", () => {
    const d = submitted("ROUTINE", shortlist());
    expect(d.state).toMatchObject({ status: "OFFERED_TO_CITY", offers: [], escalation: null });
    expect(d.state.cityPool).toMatchObject({ outcome: "PENDING", offeredAt: T0 });
    expect(d.state.cityPool!.reason).toMatch(/^no free match in district 120101: no provider can be offered it: all 3 providers excluded/);
    const events = eventsOf(d) as unknown as { descriptor: { type: string }; to: unknown[] }[];
    expect(events.map((e) => [e.descriptor.type, e.to])).toEqual([
      [legalServicesEvents.requestSubmitted.type, [{ local: "requests" }]],
      [legalServicesEvents.requestOfferedToCityPool.type, [{ local: "requests" }, { node: "120000" }]],
    ]);
  });
});

describe("the city's pool (cross-node fallback)", () => {
  const upAtDistrict = () => ({ ...submitted("ROUTINE", shortlist()).state, revision: 1 });
  const pool = (r = upAtDistrict()) => ({
    requestId: r.requestId,
    requester: r.requester,
    type: r.type,
    specialty: r.specialty,
    districtCode: r.districtCode,
    industrySection: r.industrySection,
    language: r.language,
    urgency: r.urgency,
    counterparties: r.counterparties,
    summary: r.summary,
    disputeId: r.disputeId,
    freeOfCharge: r.freeOfCharge,
  });
  const heldAtCity = (list = shortlist("市甲")) => {
    const d = decideCityPoolRequest(undefined, pool(), "120101", list, POLICY, atCity())!;
    return { d, r: { ...d.state, revision: 1 } };
  };

  it("given the district's request, when the city's pool has a candidate, then the city holds it under the same id and offers it", () => {
    const { d, r } = heldAtCity();
    expect(r).toMatchObject({ requestId: "req-1", fromDistrict: "120101", status: "OFFERED" });
    expect(r.offers.map((o) => o.providerName)).toEqual(["市甲"]);
    expect(types(eventsOf(d))).toEqual([legalServicesEvents.requestSubmitted.type, legalServicesEvents.requestOffered.type]);
    // A repeat of the event changes nothing.
    expect(decideCityPoolRequest(r, pool(), "120101", shortlist("市甲"), POLICY, atCity())).toBeUndefined();
  });

  it("when the city's provider accepts, then the district is answered ASSIGNED with the provider", () => {
    const { r } = heldAtCity();
    const d = decideAnswer(
      r,
      { providerId: "p-市甲", accept: true, declineReason: "" },
      1,
      () => ({ shortlist: shortlist(), centre: undefined }),
      POLICY,
      atCity(),
    );
    const events = eventsOf(d) as unknown as { descriptor: { type: string }; to: unknown[]; data: Record<string, unknown> }[];
    expect(events.map((e) => [e.descriptor.type, e.to])).toEqual([
      [legalServicesEvents.requestAssigned.type, [{ local: "requests" }]],
      [legalServicesEvents.cityPoolAnswered.type, [{ node: "120101" }]],
    ]);
    expect(events[1]!.data).toMatchObject({ requestId: "req-1", districtCode: "120101", providerId: "p-市甲", providerName: "市甲" });
  });

  it("when the city's pool has nobody either, then it returns to the district answered NO_MATCH, never escalating at the city", () => {
    const { d, r } = heldAtCity(shortlist());
    expect(r).toMatchObject({ status: "RETURNED_TO_DISTRICT", escalation: { cause: "NO_CANDIDATE" } });
    const events = eventsOf(d) as unknown as { descriptor: { type: string }; to: unknown[] }[];
    expect(events.map((e) => [e.descriptor.type, e.to])).toEqual([
      [legalServicesEvents.requestSubmitted.type, [{ local: "requests" }]],
      [legalServicesEvents.requestClosed.type, [{ local: "requests" }]],
      [legalServicesEvents.cityPoolAnswered.type, [{ node: "120101" }]],
    ]);
  });

  it("given an answer at the district, then ASSIGNED holds it with the city's provider; NO_MATCH escalates with both reasons", () => {
    const r = upAtDistrict();
    const assigned = decideCityPoolAnswer(
      r,
      { outcome: "ASSIGNED", providerId: "p-市甲", providerName: "市甲", explanation: "" },
      undefined,
      ctx(),
    )!;
    expect(assigned.state).toMatchObject({ status: "ASSIGNED", assignedProviderName: "市甲", cityPool: { outcome: "ASSIGNED" } });
    expect(types(eventsOf(assigned))).toEqual([legalServicesEvents.requestAssigned.type]);
    const none = decideCityPoolAnswer(
      r,
      { outcome: "NO_MATCH", providerId: "", providerName: "", explanation: "市级无人可接" },
      undefined,
      ctx(),
    )!;
    expect(none.state).toMatchObject({ status: "ESCALATED", escalation: { cause: "CITY_POOL_NO_MATCH" } });
    expect(none.state.escalation!.explanation).toMatch(/^no free match in district 120101.*; the city's pool: 市级无人可接$/);
    // A repeat, or an answer after the district withdrew it, changes nothing.
    expect(
      decideCityPoolAnswer(
        { ...assigned.state, revision: 2 },
        { outcome: "NO_MATCH", providerId: "", providerName: "", explanation: "" },
        undefined,
        ctx(),
      ),
    ).toBeUndefined();
  });

  it("when the district withdraws or completes a request the city's pool holds, then its closing goes up; the city closes its copy", () => {
    const r = upAtDistrict();
    const withdrawn = decideWithdrawal(r, "企业自行解决", 1, ctx());
    expect(types(eventsOf(withdrawn))).toEqual([legalServicesEvents.requestClosed.type, legalServicesEvents.cityPoolRequestClosed.type]);
    const assigned = {
      ...decideCityPoolAnswer(r, { outcome: "ASSIGNED", providerId: "p", providerName: "市甲", explanation: "" }, undefined, ctx())!.state,
      revision: 2,
    };
    expect(types(eventsOf(decideCompletion(assigned, "已出具意见", 2, ctx())))).toEqual([
      legalServicesEvents.requestClosed.type,
      legalServicesEvents.cityPoolRequestClosed.type,
    ]);
    const { r: copy } = heldAtCity();
    const closed = decideCityPoolClosed(copy, { status: "COMPLETED", note: "已出具意见" }, atCity())!;
    expect(closed.state).toMatchObject({ status: "COMPLETED", offers: [expect.objectContaining({ outcome: "LAPSED" })] });
    expect(decideCityPoolClosed({ ...closed.state, revision: 2 }, { status: "COMPLETED", note: "" }, atCity())).toBeUndefined();
  });

  it("at the city, the district's request is closed by the district only (HELD_BY_DISTRICT)", () => {
    const { r } = heldAtCity();
    expect(() => decideWithdrawal(r, "x", 1, atCity())).toThrow(FailedPreconditionError);
    expect(() => decideCompletion({ ...r, status: "ASSIGNED" }, "x", 1, atCity())).toThrow(/district 120101 offered this request/);
  });

  it("while waiting for the city, the district's centre cannot assign it", () => {
    const r = upAtDistrict();
    const provider = { providerId: "p", name: "和平甲", kind: "LAW_FIRM" } as never;
    expect(() => decideAssignment(r, provider, undefined, true, 1, ctx())).toThrow(/only an unassigned request can be assigned/);
  });
});

describe("given a request that is really a dispute", () => {
  const committee = {
    creditCode: "53120101MJ0000009X",
    jurisdictionCode: "120101",
    name: "和平区总商会人民调解委员会",
    type: "MEDIATION_COMMITTEE" as const,
    active: true,
    industrySection: "",
    chamberCreditCode: "51120101MJ0000008X",
  };
  const chamber = { creditCode: "51120101MJ0000008X", jurisdictionCode: "120101", name: "和平区总商会" };
  it("when a party has not consented, then the referral is refused naming that party", () => {
    const r = { ...submitted().state, revision: 1 };
    const consents = [{ creditCode: REQUESTER.creditCode, consentAt: T0, form: "WRITTEN" as const }];
    try {
      decideReferral(r, committee, chamber, consents, 1, ctx());
      throw new Error("expected a refusal");
    } catch (err) {
      expect(err).toBeInstanceOf(FailedPreconditionError);
      expect((err as FailedPreconditionError).violations).toEqual([
        expect.objectContaining({ type: "CONSENT_MISSING", subject: `organisation/${RIVAL_CODE}` }),
      ]);
    }
  });

  it("when every party consented, then it is referred, the pending offer lapses and DisputeReferred goes to the referrals stream", () => {
    const r = { ...submitted().state, revision: 1 };
    const consents = [REQUESTER.creditCode, RIVAL_CODE].map((creditCode) => ({ creditCode, consentAt: T0, form: "WRITTEN" as const }));
    const d = decideReferral(r, committee, chamber, consents, 1, ctx());
    expect(d.state.status).toBe("REFERRED_TO_MEDIATION");
    expect(d.state.offers.at(-1)!.outcome).toBe("LAPSED");
    expect(d.state.referral).toMatchObject({ committee: { name: committee.name }, chamber, consents });
    const events = eventsOf(d) as unknown as { descriptor: { type: string }; to: unknown[] }[];
    expect(events.map((e) => [e.descriptor.type, e.to])).toEqual([
      [legalServicesEvents.disputeReferred.type, [{ local: "referrals" }]],
      [legalServicesEvents.requestClosed.type, [{ local: "requests" }]],
    ]);
  });
});
