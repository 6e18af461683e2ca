import { DEFAULT_WEIGHTS, matchRequest, type MatchFacts, type MatchSubject } from "./matching";
import type { Provider } from "./provider";

const NOW = new Date("2026-05-10T02:00:00Z");
const REQUESTER = { creditCode: "91120101MA0000001X", jurisdictionCode: "120101", name: "和平某科技公司" };
const RIVAL = { creditCode: "91120102MA0000002X", jurisdictionCode: "120102", name: "河东某贸易公司" };

let seq = 0;
function provider(over: Omit<Partial<Provider>, "profile"> & { profile?: Partial<Provider["profile"]> } = {}): Provider {
  seq++;
  const id = `00000000-0000-4000-8000-${String(seq).padStart(12, "0")}`;
  const { profile, ...rest } = over;
  return {
    providerId: id,
    kind: "LAWYER",
    name: `律师${seq}`,
    identityKey: `lawyer:${seq}`,
    organisation: null,
    licenceNumber: String(11201000000000000 + seq),
    lawyerKind: "PRACTISING",
    firm: null,
    firmProviderId: null,
    employer: null,
    commission: null,
    rosterNumber: "",
    chamber: null,
    status: "ACTIVE",
    appointments: [],
    revision: 1,
    createdAt: NOW,
    updatedAt: NOW,
    ...rest,
    profile: { specialties: ["LABOUR"], languages: ["zh"], districtCode: "120101", capacity: 5, rating: 4, clients: [], ...profile },
  };
}

const subject = (over: Partial<MatchSubject> = {}): MatchSubject => ({
  requestId: "r-1",
  type: "CONSULTATION",
  specialty: "LABOUR",
  districtCode: "120101",
  language: "zh",
  requester: REQUESTER,
  counterparties: [RIVAL],
  disputeId: "",
  asked: new Set(),
  ...over,
});

const facts = (providers: Provider[], over: Partial<MatchFacts> = {}): MatchFacts => ({
  providers,
  load: new Map(),
  openMatters: [],
  mediators: new Set(),
  ...over,
});

describe("given providers of a district and a labour consultation", () => {
  it("when matched, then candidates are ranked by score with each factor's weight, value and reason", () => {
    const expert = provider({ profile: { specialties: ["LABOUR"], languages: ["zh", "en"], rating: 5 } });
    const generalist = provider({ profile: { specialties: ["CONTRACT"], rating: 5 } });
    const busy = provider({ profile: { specialties: ["LABOUR"], capacity: 4, rating: 4 } });
    const s = matchRequest(
      subject(),
      facts([generalist, busy, expert], { load: new Map([[busy.providerId, 3]]) }),
      DEFAULT_WEIGHTS,
      5,
      NOW,
    );
    expect(s.candidates.map((c) => c.providerId)).toEqual([expert.providerId, busy.providerId, generalist.providerId]);
    expect(s.candidates.map((c) => c.rank)).toEqual([1, 2, 3]);
    const top = s.candidates[0]!;
    expect(top.components.map((c) => [c.factor, c.weight, c.value])).toEqual([
      ["SPECIALTY", 0.35, 1],
      ["DISTRICT", 0.25, 1],
      ["LANGUAGE", 0.15, 1],
      ["LOAD", 0.15, 1],
      ["RATING", 0.1, 1],
    ]);
    expect(top.score).toBe(1);
    const busyLoad = s.candidates[1]!.components.find((c) => c.factor === "LOAD")!;
    expect(busyLoad).toMatchObject({ value: 0.25, explanation: "load 3 of capacity 4" });
    expect(s.candidates[2]!.components[0]).toMatchObject({ value: 0, explanation: "lacks LABOUR" });
    expect(s.weights).toEqual(DEFAULT_WEIGHTS);
    expect(s.exclusions).toEqual([]);
  });
});

describe("given exclusions", () => {
  const firm = provider({ kind: "LAW_FIRM", lawyerKind: null, name: "某律师事务所", licenceNumber: "" });
  const partner = provider({ name: "张律师", firmProviderId: firm.providerId });
  const colleague = provider({ name: "李律师", firmProviderId: firm.providerId });
  const outsider = provider({ name: "王律师" });

  it("when a lawyer of a firm acts for the counterparty in an open matter, then the firm and every lawyer of it are excluded", () => {
    const s = matchRequest(
      subject(),
      facts([firm, partner, colleague, outsider], {
        openMatters: [{ providerId: partner.providerId, clientCreditCode: RIVAL.creditCode, requestId: "r-0" }],
      }),
      DEFAULT_WEIGHTS,
      5,
      NOW,
    );
    expect(s.candidates.map((c) => c.name)).toEqual(["王律师"]);
    expect(s.exclusions.map((e) => [e.name, e.reason])).toEqual([
      ["某律师事务所", "CONFLICT_OF_INTEREST"],
      ["张律师", "CONFLICT_OF_INTEREST"],
      ["李律师", "CONFLICT_OF_INTEREST"],
    ]);
    expect(s.exclusions[2]!.explanation).toMatch(
      /张律师 acts for counterparty 河东某贸易公司 .* in open matter r-0; 张律师 and 李律师 are of the same firm/,
    );
  });

  it("when the firm itself declared the counterparty as a client, then its lawyers are excluded too", () => {
    const declaring = { ...firm, profile: { ...firm.profile, clients: [RIVAL] } };
    const s = matchRequest(subject(), facts([declaring, partner, outsider]), DEFAULT_WEIGHTS, 5, NOW);
    expect(s.exclusions.map((e) => [e.name, e.reason])).toEqual([
      ["某律师事务所", "CONFLICT_OF_INTEREST"],
      ["张律师", "CONFLICT_OF_INTEREST"],
    ]);
  });

  it("when the open matter is for someone who is not a counterparty, then nobody is conflicted", () => {
    const s = matchRequest(
      subject(),
      facts([firm, partner], {
        openMatters: [{ providerId: partner.providerId, clientCreditCode: "91120103MA0000003X", requestId: "r-9" }],
      }),
      DEFAULT_WEIGHTS,
      5,
      NOW,
    );
    expect(s.exclusions).toEqual([]);
  });

  it("when providers are at capacity, company or public-sector lawyers, suspended, or asked before, then each is excluded with why", () => {
    const full = provider({ name: "满额律师", profile: { capacity: 2 } });
    const company = provider({
      name: "公司律师",
      lawyerKind: "COMPANY",
      employer: { creditCode: "91120104MA0000004X", jurisdictionCode: "120104", name: "某集团" },
    });
    const publicSector = provider({
      name: "公职律师",
      lawyerKind: "PUBLIC_SECTOR",
      employer: { creditCode: "11120000MB0000005X", jurisdictionCode: "120000", name: "某局" },
    });
    const suspended = provider({ name: "停业律师", status: "SUSPENDED" });
    const declined = provider({ name: "已拒律师" });
    const s = matchRequest(
      subject({ asked: new Set([declined.providerId]) }),
      facts([full, company, publicSector, suspended, declined], { load: new Map([[full.providerId, 2]]) }),
      DEFAULT_WEIGHTS,
      5,
      NOW,
    );
    expect(s.candidates).toEqual([]);
    expect(Object.fromEntries(s.exclusions.map((e) => [e.name, e.reason]))).toEqual({
      满额律师: "AT_CAPACITY",
      公司律师: "OWN_EMPLOYER_ONLY",
      公职律师: "OWN_EMPLOYER_ONLY",
      停业律师: "NOT_ACTIVE",
      已拒律师: "ALREADY_ASKED",
    });
    expect(s.exclusionsTotal).toBe(5);
  });

  it("when the requester is the company lawyer's own employer, then it is a candidate", () => {
    const company = provider({ name: "公司律师", lawyerKind: "COMPANY", employer: REQUESTER });
    expect(matchRequest(subject(), facts([company]), DEFAULT_WEIGHTS, 5, NOW).candidates.map((c) => c.name)).toEqual(["公司律师"]);
  });

  it("when a lawyer mediated the request's dispute, then it is excluded for that dispute only", () => {
    const mediator = provider({ name: "调解过的律师" });
    const mediated = facts([mediator], { mediators: new Set([mediator.licenceNumber]) });
    const s = matchRequest(subject({ disputeId: "D-1" }), mediated, DEFAULT_WEIGHTS, 5, NOW);
    expect(s.exclusions).toEqual([expect.objectContaining({ reason: "MEDIATED_SAME_DISPUTE", explanation: "mediated dispute D-1" })]);
    expect(matchRequest(subject({ disputeId: "" }), mediated, DEFAULT_WEIGHTS, 5, NOW).candidates).toHaveLength(1);
  });
});

describe("given a district without a free match", () => {
  it("when matched, then the city's pool of other districts is offered, with the reason", () => {
    const local = provider({ name: "本区满额", profile: { capacity: 1 } });
    const elsewhere = provider({ name: "河西律师", profile: { districtCode: "120103" } });
    const s = matchRequest(subject(), facts([local, elsewhere], { load: new Map([[local.providerId, 1]]) }), DEFAULT_WEIGHTS, 5, NOW);
    expect(s.candidates).toEqual([expect.objectContaining({ name: "河西律师", fromCityPool: true })]);
    expect(s.fallbackReason).toMatch(/no free match in district 120101/);
  });

  it("when a city-wide provider is free, then it is a local candidate at half the district score", () => {
    const citywide = provider({ name: "市级律师", profile: { districtCode: "120000" } });
    const s = matchRequest(subject(), facts([citywide]), DEFAULT_WEIGHTS, 5, NOW);
    expect(s.candidates[0]).toMatchObject({ fromCityPool: false });
    expect(s.candidates[0]!.components.find((c) => c.factor === "DISTRICT")!.value).toBe(0.5);
    expect(s.fallbackReason).toBe("");
  });
});
