import { DISTRICT_CODES } from "@jinlian/chassis";
import {
  assertHeldWithin,
  assertKeepsRollUp,
  assertTakesReports,
  campaignPeriod,
  checkReportedActivity,
  decideClose,
  decideLaunch,
  isWithin,
  parseAudience,
  rollUp,
  validateActivity,
  validatePlan,
  type ActivityRequest,
  type CampaignState,
  type IssuedCampaign,
  type PlanRequest,
  type ReportedActivity,
} from "./campaign";
import { preconditionType as preconditionOf, violatedFields as violationsOf } from "@jinlian/chassis/testing";

const plan = (r: Partial<PlanRequest> = {}): PlanRequest => ({
  calendarNode: "CONSTITUTION_WEEK",
  year: 2026,
  title: "2026年宪法宣传周",
  theme: "弘扬宪法精神 护航民营经济",
  targetJurisdictionCodes: [],
  reason: "",
  ...r,
});

const state = (s: Partial<CampaignState> = {}): CampaignState => ({
  campaignId: "c1",
  origin: "ISSUED",
  status: "PLANNED",
  issuingJurisdictionCode: "120000",
  ...s,
});

describe("given the calendar nodes of legal publicity in China Standard Time", () => {
  it("when National Constitution Day 2026 is asked for, then it runs from 4 December 00:00 to 5 December 00:00 CST", () => {
    const p = campaignPeriod("NATIONAL_CONSTITUTION_DAY", 2026);
    expect(p.start.toISOString()).toBe("2026-12-03T16:00:00.000Z");
    expect(p.end.toISOString()).toBe("2026-12-04T16:00:00.000Z");
  });

  it("when Constitution Week is asked for, then it runs from 1 December to 8 December (exclusive) CST", () => {
    const p = campaignPeriod("CONSTITUTION_WEEK", 2024);
    expect(p.start.toISOString()).toBe("2024-11-30T16:00:00.000Z");
    expect(p.end.toISOString()).toBe("2024-12-07T16:00:00.000Z");
  });

  it("when Civil Code Month is asked for, then it is the whole of May CST", () => {
    const p = campaignPeriod("CIVIL_CODE_MONTH", 2025);
    expect(p.start.toISOString()).toBe("2025-04-30T16:00:00.000Z");
    expect(p.end.toISOString()).toBe("2025-05-31T16:00:00.000Z");
  });

  it("when a time falls on the CST boundaries, then the start is inside and the end is outside", () => {
    const p = campaignPeriod("NATIONAL_CONSTITUTION_DAY", 2026);
    expect(isWithin(p, new Date("2026-12-03T16:00:00.000Z"))).toBe(true); // 00:00 on 4 Dec in Tianjin
    expect(isWithin(p, new Date("2026-12-03T15:59:59.999Z"))).toBe(false); // 23:59:59.999 on 3 Dec in Tianjin
    expect(isWithin(p, new Date("2026-12-04T15:59:59.999Z"))).toBe(true);
    expect(isWithin(p, new Date("2026-12-04T16:00:00.000Z"))).toBe(false); // 00:00 on 5 Dec in Tianjin
  });

  it("when 4 December is read in UTC, then its first eight CST hours belong to 3 December UTC and still count", () => {
    const p = campaignPeriod("NATIONAL_CONSTITUTION_DAY", 2026);
    expect(isWithin(p, new Date("2026-12-03T20:00:00.000Z"))).toBe(true); // 04:00 on 4 Dec in Tianjin
    expect(isWithin(p, new Date("2026-12-04T20:00:00.000Z"))).toBe(false); // 04:00 on 5 Dec in Tianjin
  });
});

describe("given a plan at the municipal node", () => {
  it("when no targets are named, then the campaign goes to all 16 districts", () => {
    const p = validatePlan(plan(), "120000");
    expect(p.targets).toEqual([...DISTRICT_CODES]);
    expect(p.period).toEqual(campaignPeriod("CONSTITUTION_WEEK", 2026));
    expect(p.title).toBe("2026年宪法宣传周");
  });

  it("when targets are named out of order, then they are kept in code order", () => {
    expect(validatePlan(plan({ targetJurisdictionCodes: ["120102", "120101"] }), "120000").targets).toEqual(["120101", "120102"]);
  });

  it("when a target is the city, unknown or repeated, then each is named by its index", () => {
    expect(violationsOf(() => validatePlan(plan({ targetJurisdictionCodes: ["120101", "120000", "120199", "120101"] }), "120000"))).toEqual(
      ["target_jurisdiction_codes[1]", "target_jurisdiction_codes[2]", "target_jurisdiction_codes[3]"],
    );
  });

  it("when everything is missing or out of range, then every field is named", () => {
    expect(
      violationsOf(() =>
        validatePlan(
          plan({ calendarNode: undefined, year: 1999, title: " ", theme: "题".repeat(501), reason: "因".repeat(501) }),
          "120000",
        ),
      ),
    ).toEqual(["calendar_node", "year", "title", "theme", "reason"]);
    expect(violationsOf(() => validatePlan(plan({ year: 3000, title: "标".repeat(201) }), "120000"))).toEqual(["year", "title"]);
  });

  it("when the year is at either end of 2000-2999 and the title exactly 200 characters, then it is accepted", () => {
    expect(() => validatePlan(plan({ year: 2000, title: "标".repeat(200) }), "120000")).not.toThrow();
    expect(() => validatePlan(plan({ year: 2999 }), "120000")).not.toThrow();
  });
});

describe("given a plan at a district node", () => {
  it("when it names no targets, then it is the district's own campaign", () => {
    expect(validatePlan(plan(), "120101").targets).toEqual([]);
  });

  it("when it names targets, then it is refused: only the city pushes campaigns", () => {
    expect(violationsOf(() => validatePlan(plan({ targetJurisdictionCodes: ["120102"] }), "120101"))).toEqual([
      "target_jurisdiction_codes",
    ]);
  });
});

describe("given the campaign lifecycle", () => {
  it("when a planned campaign is launched, then it is LAUNCHED; when it is launched again, then it is refused", () => {
    expect(decideLaunch(state())).toBe("LAUNCHED");
    expect(preconditionOf(() => decideLaunch(state({ status: "LAUNCHED" })))).toBe("CAMPAIGN_NOT_PLANNED");
    expect(preconditionOf(() => decideLaunch(state({ status: "CLOSED" })))).toBe("CAMPAIGN_NOT_PLANNED");
  });

  it("when a launched campaign is closed, then it is CLOSED; a planned or closed one cannot be closed", () => {
    expect(decideClose(state({ status: "LAUNCHED" }))).toBe("CLOSED");
    expect(preconditionOf(() => decideClose(state()))).toBe("CAMPAIGN_NOT_LAUNCHED");
    expect(preconditionOf(() => decideClose(state({ status: "CLOSED" })))).toBe("CAMPAIGN_NOT_LAUNCHED");
  });

  it("when a district tries to launch or close a campaign it received, then only the issuer may", () => {
    const received = state({ origin: "RECEIVED", status: "LAUNCHED" });
    expect(preconditionOf(() => decideClose(received))).toBe("CAMPAIGN_RECEIVED");
    expect(preconditionOf(() => decideLaunch({ ...received, status: "PLANNED" }))).toBe("CAMPAIGN_RECEIVED");
  });

  it("when activities are reported, then only a launched campaign takes them", () => {
    expect(() => assertTakesReports(state({ status: "LAUNCHED" }))).not.toThrow();
    expect(() => assertTakesReports(state({ status: "LAUNCHED", origin: "RECEIVED" }))).not.toThrow();
    expect(preconditionOf(() => assertTakesReports(state()))).toBe("CAMPAIGN_NOT_LAUNCHED");
    expect(preconditionOf(() => assertTakesReports(state({ status: "CLOSED" })))).toBe("CAMPAIGN_NOT_LAUNCHED");
  });

  it("when the roll-up is asked of a received campaign, then it is refused: the issuer keeps it", () => {
    expect(() => assertKeepsRollUp(state())).not.toThrow();
    expect(preconditionOf(() => assertKeepsRollUp(state({ origin: "RECEIVED" })))).toBe("CAMPAIGN_RECEIVED");
  });
});

describe("given an activity report", () => {
  const activity = (r: Partial<ActivityRequest> = {}): ActivityRequest => ({
    title: "宪法进商会",
    heldTime: new Date("2026-12-04T02:00:00Z"),
    eventsHeld: 3,
    audienceReached: "250",
    reason: "",
    ...r,
  });

  it("when it is complete, then the audience is read as a number", () => {
    expect(validateActivity(activity())).toMatchObject({ title: "宪法进商会", eventsHeld: 3, audienceReached: 250 });
    expect(validateActivity(activity({ audienceReached: "0" })).audienceReached).toBe(0);
    expect(validateActivity(activity({ audienceReached: "1000000000" })).audienceReached).toBe(1e9);
  });

  it("when title, time, events and audience are wrong, then each is named", () => {
    expect(
      violationsOf(() => validateActivity(activity({ title: "", heldTime: undefined, eventsHeld: 0, audienceReached: "-1" }))),
    ).toEqual(["title", "held_time", "events_held", "audience_reached"]);
  });

  it("when the audience is above 10^9, fractional or not a number, then it is refused", () => {
    for (const a of ["1000000001", "1.5", "abc", "", "99999999999999999999"]) expect(parseAudience(a)).toBeUndefined();
  });

  it("when the activity was held outside the period, then held_time is refused", () => {
    const week = campaignPeriod("CONSTITUTION_WEEK", 2026);
    expect(() => assertHeldWithin(week, new Date("2026-12-07T15:59:59Z"))).not.toThrow();
    expect(violationsOf(() => assertHeldWithin(week, new Date("2026-12-07T16:00:00Z")))).toEqual(["held_time"]);
    expect(violationsOf(() => assertHeldWithin(week, new Date("2026-11-30T15:59:59Z")))).toEqual(["held_time"]);
  });
});

describe("given an activity reported up to the issuing city", () => {
  const issued = (c: Partial<IssuedCampaign> = {}): IssuedCampaign => ({
    ...state({ status: "LAUNCHED" }),
    targets: ["120101", "120102"],
    period: campaignPeriod("CONSTITUTION_WEEK", 2026),
    ...c,
  });
  const reported = (a: Partial<ReportedActivity> = {}): ReportedActivity => ({
    activityId: "a1",
    jurisdictionCode: "120101",
    title: "宪法进商会",
    heldTime: new Date("2026-12-02T02:00:00Z"),
    eventsHeld: 2,
    audienceReached: "80",
    ...a,
  });

  it("when a target district reports its own activity, then it is accepted, also after the campaign closed", () => {
    expect(checkReportedActivity(issued(), "120000", "120101", reported())).toBe(80);
    expect(checkReportedActivity(issued({ status: "CLOSED" }), "120000", "120101", reported())).toBe(80);
  });

  it("when the campaign is unknown, received or never launched here, then the report is malformed", () => {
    expect(violationsOf(() => checkReportedActivity(undefined, "120000", "120101", reported()))).toEqual(["data.campaign_id"]);
    expect(violationsOf(() => checkReportedActivity(issued({ origin: "RECEIVED" }), "120000", "120101", reported()))).toEqual([
      "data.campaign_id",
    ]);
    expect(violationsOf(() => checkReportedActivity(issued({ status: "PLANNED" }), "120000", "120101", reported()))).toEqual([
      "data.campaign_id",
    ]);
  });

  it("when the sender is not the activity's jurisdiction or not a target, then it is refused", () => {
    expect(violationsOf(() => checkReportedActivity(issued(), "120000", "120102", reported()))).toEqual([
      "data.activity.jurisdiction_code",
    ]);
    expect(violationsOf(() => checkReportedActivity(issued(), "120000", "120103", reported({ jurisdictionCode: "120103" })))).toEqual([
      "data.activity.jurisdiction_code",
    ]);
  });

  it("when the activity is ill-formed or outside the period, then it is refused", () => {
    expect(
      violationsOf(() => checkReportedActivity(issued(), "120000", "120101", reported({ eventsHeld: 0, audienceReached: "x" }))),
    ).toEqual(["data.activity.events_held", "data.activity.audience_reached"]);
    expect(
      violationsOf(() => checkReportedActivity(issued(), "120000", "120101", reported({ heldTime: new Date("2026-12-08T00:00:00Z") }))),
    ).toEqual(["data.activity.held_time"]);
  });
});

describe("given the reports of a municipal campaign", () => {
  const t1 = new Date("2026-12-02T03:00:00Z");
  const t2 = new Date("2026-12-03T03:00:00Z");
  const t3 = new Date("2026-12-04T03:00:00Z");

  it("when rolled up, then the city comes first, then each target in code order, with totals and silent districts", () => {
    const r = rollUp(
      "120000",
      ["120103", "120101", "120102"],
      [
        { jurisdictionCode: "120101", activities: 2, eventsHeld: 5, audienceReached: 300n, lastReportTime: t2 },
        { jurisdictionCode: "120000", activities: 1, eventsHeld: 1, audienceReached: 1000n, lastReportTime: t1 },
        { jurisdictionCode: "120103", activities: 1, eventsHeld: 4, audienceReached: 50n, lastReportTime: t3 },
      ],
    );
    expect(r.jurisdictions.map((j) => [j.jurisdictionCode, j.jurisdictionName, j.activities, j.eventsHeld, j.audienceReached])).toEqual([
      ["120000", "天津市", 1, 1, 1000n],
      ["120101", "和平区", 2, 5, 300n],
      ["120102", "河东区", 0, 0, 0n],
      ["120103", "河西区", 1, 4, 50n],
    ]);
    expect(r.jurisdictions[2]!.lastReportTime).toBeUndefined();
    expect(r.total).toEqual({
      jurisdictionCode: "120000",
      jurisdictionName: "天津市",
      activities: 4,
      eventsHeld: 10,
      audienceReached: 1350n,
      lastReportTime: t3,
    });
    expect(r.silentJurisdictionCodes).toEqual(["120102"]);
  });

  it("when nothing has been reported, then every target is silent and the totals are zero", () => {
    const r = rollUp("120000", ["120101", "120102"], []);
    expect(r.total).toMatchObject({ activities: 0, eventsHeld: 0, audienceReached: 0n, lastReportTime: undefined });
    expect(r.silentJurisdictionCodes).toEqual(["120101", "120102"]);
    expect(r.jurisdictions).toHaveLength(3);
  });

  it("when audiences are large, then the sum does not lose precision", () => {
    const big = { activities: 1, eventsHeld: 1, lastReportTime: t1 };
    const r = rollUp(
      "120000",
      ["120101"],
      [
        { jurisdictionCode: "120000", audienceReached: 9_007_199_254_740_991n, ...big },
        { jurisdictionCode: "120101", audienceReached: 2n, ...big },
      ],
    );
    expect(r.total.audienceReached.toString()).toBe("9007199254740993");
  });

  it("when a district rolls up its own campaign, then only its own row appears and nobody is silent", () => {
    const r = rollUp(
      "120101",
      [],
      [{ jurisdictionCode: "120101", activities: 1, eventsHeld: 2, audienceReached: 30n, lastReportTime: t1 }],
    );
    expect(r.jurisdictions.map((j) => j.jurisdictionCode)).toEqual(["120101"]);
    expect(r.total).toMatchObject({ jurisdictionCode: "120101", activities: 1, eventsHeld: 2, audienceReached: 30n });
    expect(r.silentJurisdictionCodes).toEqual([]);
  });
});
