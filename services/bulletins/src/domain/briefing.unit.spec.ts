import { compileBriefing, sumFigures, type BriefingFact } from "./briefing";

const at = (s: string) => new Date(s);
const from = at("2026-04-30T16:00:00Z"); // 2026-05-01 in China
const until = at("2026-05-31T16:00:00Z"); // 2026-06-01 in China
const fact = (over: Partial<BriefingFact>): BriefingFact => ({
  source: "mediation.statistics",
  key: "k",
  jurisdictionCode: "120101",
  at: from,
  periodEnd: until,
  seq: 1,
  figures: {},
  ...over,
});

describe("work briefings compiled from the districts' statistics", () => {
  it("sums the facts of the period: reports whose period lies within it, events that happened in it", () => {
    const facts = [
      fact({ figures: { casesOpened: 3, agreements: 2, failed: 1, referredToArbitration: 1 } }),
      fact({ key: "k2", jurisdictionCode: "120102", figures: { casesOpened: 4 } }),
      // A report for a longer period does not belong to this one.
      fact({ key: "k3", periodEnd: at("2026-06-30T16:00:00Z"), figures: { casesOpened: 100 } }),
      fact({
        source: "legal-services.statistics",
        key: "l",
        figures: { requests: 5, assigned: 4, referredToMediation: 1, enterprisesChecked: 9 },
      }),
      fact({
        source: "liaison.campaign-activity",
        key: "a1",
        at: at("2026-05-04T02:00:00Z"),
        periodEnd: null,
        figures: { activities: 1, events: 2, audience: 300 },
      }),
      fact({
        source: "liaison.campaign-activity",
        key: "a2",
        at: at("2026-06-04T02:00:00Z"),
        periodEnd: null,
        figures: { activities: 1, events: 5, audience: 999 },
      }),
      fact({
        source: "legislation.district-reply",
        key: "r",
        jurisdictionCode: "120103",
        at: at("2026-05-10T02:00:00Z"),
        periodEnd: null,
        figures: { replies: 1, opinions: 3 },
      }),
      // A mechanism established before the period still stands in it, but is no report of the period.
      fact({
        source: "liaison.mechanism",
        key: "120104",
        jurisdictionCode: "120104",
        at: at("2025-01-01T00:00:00Z"),
        periodEnd: null,
        figures: { established: 1 },
      }),
    ];
    const f = sumFigures(facts, from, until);
    expect(f).toEqual({
      mechanismsEstablished: 1,
      campaignActivities: 1,
      campaignEvents: 2,
      audienceReached: 300,
      districtReplies: 1,
      opinions: 3,
      legalServiceRequests: 5,
      legalServiceRequestsAssigned: 4,
      referredToMediation: 1,
      enterprisesChecked: 9,
      mediationCasesOpened: 7,
      mediationAgreements: 2,
      mediationFailed: 1,
      referredToArbitration: 1,
      districtsReporting: ["120101", "120102", "120103"],
    });
    const { title, body } = compileBriefing(
      { from, until },
      f,
      (c) => ({ "120101": "和平区", "120102": "河东区", "120103": "河西区" })[c] ?? c,
    );
    expect(title).toBe("工作简报（2026-05-01至2026-05-31）");
    expect(body).toContain("新受理调解案件7件，达成调解协议2件");
    expect(body).toContain("覆盖300人次");
    expect(body).toContain("上报区：和平区、河东区、河西区");
  });
});
