import { DISTRICT_CODES } from "@jinlian/kernel";
import {
  assertHeldWithin,
  assertKeepsRollUp,
  assertTakesReports,
  campaignPeriod,
  checkReportedActivity,
  decideClose,
  decideCloseCampaign,
  decideLaunch,
  decideLaunchCampaign,
  decidePlan,
  decideReceiveCampaign,
  decideReceivedActivity,
  decideReceivedClose,
  decideReport,
  receivedCampaign,
  isWithin,
  parseAudience,
  rollUp,
  validateActivity,
  validatePlan,
  type ActivityRequest,
  type Campaign,
  type Delivery,
  type CampaignState,
  type IssuedCampaign,
  type PlanRequest,
  type ReportedActivity,
} from "./campaign";
import { liaisonEvents, type AuditMetadata, type EventToEmit } from "@jinlian/chassis";
import { preconditionType as preconditionOf, violatedFields as violationsOf } from "@jinlian/chassis/testing";
import { liaisonEventsV1 } from "@jinlian/proto";
import { campaignMessage } from "./campaign-events";

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

// ---- decisions: given a campaign, when a command or delivery, then the campaign after it and the events ----

const NOW = new Date("2026-11-20T02:00:00Z");
const stamp = (jurisdictionCode = "120000", reason = "年度计划"): AuditMetadata => ({
  actor: "user:wang",
  reason,
  requestId: "req-1",
  occurTime: NOW,
  jurisdictionCode,
});
const WEEK = campaignPeriod("CONSTITUTION_WEEK", 2026);

const campaign = (c: Partial<Campaign> = {}): Campaign => ({
  campaignId: "c1",
  calendarNode: "CONSTITUTION_WEEK",
  calendarNodeName: "宪法宣传周",
  year: 2026,
  title: "2026年宪法宣传周",
  theme: "",
  topicTags: ["宪法"],
  audienceKinds: ["ENTERPRISES"],
  coOrganisers: [],
  period: WEEK,
  status: "PLANNED",
  origin: "ISSUED",
  issuingJurisdictionCode: "120000",
  targets: ["120101", "120102"],
  revision: 2,
  createdAt: new Date("2026-11-01T00:00:00Z"),
  updatedAt: new Date("2026-11-01T00:00:00Z"),
  ...c,
});

/** Each event as type, key and destination nodes. */
const routed = (events: readonly EventToEmit[]) =>
  events.map((e) => ({ type: e.descriptor.type, subject: e.subject, to: e.to.map((d) => ("node" in d ? d.node : `local:${d.local}`)) }));

describe("given a plan at the municipal node", () => {
  const planned = validatePlan(plan({ targetJurisdictionCodes: ["120102", "120101"] }), "120000");

  it("when it is decided, then the campaign is PLANNED, ISSUED here, with no events", () => {
    const d = decidePlan(planned, [], { campaignId: "c9", by: stamp() });
    expect(d.action).toBe("PlanCampaign");
    expect(d.events).toEqual([]);
    expect(d.state).toMatchObject({
      campaignId: "c9",
      status: "PLANNED",
      origin: "ISSUED",
      issuingJurisdictionCode: "120000",
      targets: ["120101", "120102"],
      period: WEEK,
      createdAt: NOW,
    });
  });

  it("when a co-organiser is deactivated, then FAILED_PRECONDITION: it takes no new roles", () => {
    const chamber = { organisationId: "o1", creditCode: "C", jurisdictionCode: "120000", name: "市总商会" };
    const d = decidePlan(planned, [{ ...chamber, status: "ACTIVE" }], { campaignId: "c9", by: stamp() });
    expect(d.state.coOrganisers).toEqual([chamber]);
    expect(preconditionOf(() => decidePlan(planned, [{ ...chamber, status: "DEACTIVATED" }], { campaignId: "c9", by: stamp() }))).toBe(
      "ORGANISATION_DEACTIVATED",
    );
  });
});

describe("given a planned municipal campaign", () => {
  it("when it is launched, then it is LAUNCHED and CampaignLaunched carrying the new revision goes to each target", () => {
    const d = decideLaunchCampaign(campaign(), { by: stamp("120000", "启动") });
    expect(d.action).toBe("LaunchCampaign");
    expect(d.state.status).toBe("LAUNCHED");
    const after = { ...d.state, revision: 3 };
    const events = typeof d.events === "function" ? d.events(after) : d.events;
    expect(routed(events)).toEqual([{ type: liaisonEvents.campaignLaunched.type, subject: "c1", to: ["120101", "120102"] }]);
    const data = events[0]!.data as liaisonEventsV1.CampaignLaunched;
    expect(data.campaign).toEqual(campaignMessage(after));
    expect(data.campaign?.revision).toBe(3);
    expect(data.audit).toEqual(stamp("120000", "启动"));
  });

  it("when a district's own campaign is launched, then no event leaves the district", () => {
    const d = decideLaunchCampaign(campaign({ issuingJurisdictionCode: "120101", targets: [] }), { by: stamp("120101") });
    expect(routed(typeof d.events === "function" ? d.events(d.state) : d.events)).toEqual([
      { type: liaisonEvents.campaignLaunched.type, subject: "c1", to: [] },
    ]);
  });

  it("when it is closed, then it is refused: it was never launched", () => {
    expect(preconditionOf(() => decideCloseCampaign(campaign(), { by: stamp() }))).toBe("CAMPAIGN_NOT_LAUNCHED");
  });
});

describe("given a launched municipal campaign", () => {
  it("when it is closed, then it is CLOSED and CampaignClosed goes to each target", () => {
    const d = decideCloseCampaign(campaign({ status: "LAUNCHED" }), { by: stamp() });
    expect(d.action).toBe("CloseCampaign");
    expect(d.state.status).toBe("CLOSED");
    expect(routed(d.events)).toEqual([{ type: liaisonEvents.campaignClosed.type, subject: "c1", to: ["120101", "120102"] }]);
    expect(d.events[0]!.data).toEqual({ campaignId: "c1", audit: stamp() });
  });

  it("when the city reports an activity of its own, then it is recorded and no event is emitted", () => {
    const report = validateActivity({
      title: " 宪法进商会 ",
      heldTime: new Date("2026-12-02T02:00:00Z"),
      eventsHeld: 2,
      audienceReached: "80",
      reason: "",
    });
    const d = decideReport(campaign({ status: "LAUNCHED" }), report, "", undefined, { activityId: "a1", by: stamp() });
    expect(d.action).toBe("ReportCampaignActivity");
    expect(d.events).toEqual([]);
    expect(d.activity).toMatchObject({
      activityId: "a1",
      campaignId: "c1",
      jurisdictionCode: "120000",
      title: "宪法进商会",
      audienceReached: 80,
    });
    expect(d.activity.organiser).toBeUndefined();
  });
});

describe("given a municipal campaign a district received", () => {
  const received = campaign({ status: "LAUNCHED", origin: "RECEIVED" });
  const report = validateActivity({
    title: "宪法进企业",
    heldTime: new Date("2026-12-03T02:00:00Z"),
    eventsHeld: 1,
    audienceReached: "40",
    reason: "",
  });
  const organiser = {
    organisationId: "o1",
    creditCode: "91120101MA05ABCD1X",
    jurisdictionCode: "120101",
    name: "和平区工商联",
    status: "ACTIVE" as const,
  };

  it("when the district reports an activity, then CampaignActivityReported goes up to the city, with the organiser's reference", () => {
    const d = decideReport(received, report, "o1", organiser, { activityId: "a1", by: stamp("120101") });
    expect(routed(d.events)).toEqual([{ type: liaisonEvents.campaignActivityReported.type, subject: "c1", to: ["120000"] }]);
    const data = d.events[0]!.data as liaisonEventsV1.CampaignActivityReported;
    expect(data.activity).toMatchObject({
      activityId: "a1",
      jurisdictionCode: "120101",
      audienceReached: "40",
      organiser: { creditCode: organiser.creditCode, jurisdictionCode: "120101", name: "和平区工商联" },
      audit: stamp("120101"),
    });
    expect(d.activity.organiser?.organisationId).toBe("o1");
  });

  it("when the organiser is unknown or deactivated, then it is refused", () => {
    expect(violationsOf(() => decideReport(received, report, "o1", undefined, { activityId: "a1", by: stamp("120101") }))).toEqual([
      "organiser_organisation_id",
    ]);
    expect(
      preconditionOf(() =>
        decideReport(received, report, "o1", { ...organiser, status: "DEACTIVATED" }, { activityId: "a1", by: stamp("120101") }),
      ),
    ).toBe("ORGANISATION_DEACTIVATED");
  });

  it("when the activity was held outside the period, or the campaign is closed, then it is refused", () => {
    const late = { ...report, heldTime: new Date("2026-12-08T00:00:00Z") };
    expect(violationsOf(() => decideReport(received, late, "", undefined, { activityId: "a1", by: stamp("120101") }))).toEqual([
      "held_time",
    ]);
    expect(
      preconditionOf(() =>
        decideReport({ ...received, status: "CLOSED" }, report, "", undefined, { activityId: "a1", by: stamp("120101") }),
      ),
    ).toBe("CAMPAIGN_NOT_LAUNCHED");
  });

  it("when a district tries to launch or close it, then only the issuer may", () => {
    expect(preconditionOf(() => decideCloseCampaign(received, { by: stamp("120101") }))).toBe("CAMPAIGN_RECEIVED");
    expect(preconditionOf(() => decideLaunchCampaign({ ...received, status: "PLANNED" }, { by: stamp("120101") }))).toBe(
      "CAMPAIGN_RECEIVED",
    );
  });
});

describe("given deliveries from the city at district 120101", () => {
  const delivery = <T>(data: T, from = "120000"): Delivery<T> => ({
    type: "t",
    id: "e1",
    source: `/jinlian/${from}/liaison`,
    from,
    time: new Date("2026-11-25T00:00:00Z"),
    data,
  });
  const ID = "6f1e4c7a-9b3d-4e8f-a1b2-c3d4e5f60718";
  const launched = (c: Partial<Campaign> = {}): liaisonEventsV1.CampaignLaunched => ({
    campaignId: ID,
    campaign: campaignMessage(campaign({ campaignId: ID, status: "LAUNCHED", ...c })),
    audit: stamp(),
  });

  it("when CampaignLaunched arrives, then the district holds the campaign RECEIVED and LAUNCHED, created when the city launched it", () => {
    const c = receivedCampaign(delivery(launched()), "120101", NOW);
    expect(c).toMatchObject({
      campaignId: ID,
      status: "LAUNCHED",
      origin: "RECEIVED",
      issuingJurisdictionCode: "120000",
      period: WEEK,
      createdAt: NOW,
      updatedAt: NOW,
    });
    const d = decideReceiveCampaign(undefined, c, delivery(launched()));
    expect(d).toMatchObject({ action: "CampaignLaunched", events: [] });
  });

  it("when it arrives again, then nothing changes; when its id is a campaign issued here, then it is malformed", () => {
    const c = receivedCampaign(delivery(launched()), "120101", NOW);
    expect(decideReceiveCampaign(c, c, delivery(launched()))).toBeUndefined();
    expect(violationsOf(() => decideReceiveCampaign({ ...c, origin: "ISSUED" }, c, delivery(launched())))).toEqual(["data.campaign_id"]);
  });

  it("when it does not target this district, names no valid node or comes from a district, then it is malformed", () => {
    expect(violationsOf(() => receivedCampaign(delivery(launched({ targets: ["120102"] })), "120101", NOW))).toEqual([
      "data.campaign.target_jurisdiction_codes",
    ]);
    expect(violationsOf(() => receivedCampaign(delivery(launched(), "120102"), "120101", NOW))).toEqual([
      "data.campaign.issuing_jurisdiction_code",
    ]);
    expect(violationsOf(() => receivedCampaign(delivery({ ...launched(), campaignId: "x" }), "120101", NOW))).toEqual(["data.campaign_id"]);
  });

  it("when CampaignClosed arrives, then the received campaign is CLOSED; again, nothing changes", () => {
    const held = campaign({ campaignId: ID, status: "LAUNCHED", origin: "RECEIVED" });
    const d = decideReceivedClose(held, delivery({ campaignId: ID, audit: stamp() }), NOW);
    expect(d).toMatchObject({ action: "CampaignClosed", events: [], state: { status: "CLOSED", updatedAt: NOW } });
    expect(decideReceivedClose({ ...held, status: "CLOSED" }, delivery({ campaignId: ID, audit: stamp() }), NOW)).toBeUndefined();
    expect(
      violationsOf(() => decideReceivedClose(campaign({ campaignId: ID }), delivery({ campaignId: ID, audit: stamp() }), NOW)),
    ).toEqual(["data.campaign_id"]);
  });
});

describe("given an activity a target district reported up to the city", () => {
  const ID = "6f1e4c7a-9b3d-4e8f-a1b2-c3d4e5f60718";
  const ACTIVITY = "7a1e4c7a-9b3d-4e8f-a1b2-c3d4e5f60718";
  const issued = campaign({ campaignId: ID, status: "LAUNCHED" });
  const delivery = (
    activity: Partial<NonNullable<liaisonEventsV1.CampaignActivityReported["activity"]>> = {},
  ): Delivery<liaisonEventsV1.CampaignActivityReported> => ({
    type: "t",
    id: "e1",
    source: "/jinlian/120101/liaison",
    from: "120101",
    time: new Date("2026-12-04T00:00:00Z"),
    data: liaisonEventsV1.CampaignActivityReported.fromPartial({
      campaignId: ID,
      activity: {
        activityId: ACTIVITY,
        jurisdictionCode: "120101",
        title: " 宪法进商会 ",
        heldTime: new Date("2026-12-02T02:00:00Z"),
        eventsHeld: 2,
        audienceReached: "80",
        organiser: { creditCode: "91120101MA05ABCD1X", jurisdictionCode: "120101", name: "和平区工商联" },
        audit: stamp("120101", "上报"),
        ...activity,
      },
    }),
  });

  it("when it arrives, then the city records it as the district reported it, without the district's organisation id", () => {
    const d = decideReceivedActivity(issued, "120000", delivery());
    expect(d.action).toBe("CampaignActivityReported");
    expect(d.events).toEqual([]);
    expect(d.activity).toMatchObject({
      activityId: ACTIVITY,
      jurisdictionCode: "120101",
      title: "宪法进商会",
      audienceReached: 80,
      reported: stamp("120101", "上报"),
    });
    expect(d.activity.organiser).toEqual({ creditCode: "91120101MA05ABCD1X", jurisdictionCode: "120101", name: "和平区工商联" });
  });

  it("when it carries no audit, then the sender's source and the event time stand in", () => {
    const d = decideReceivedActivity(issued, "120000", delivery({ audit: undefined }));
    expect(d.activity.reported).toEqual({
      actor: "/jinlian/120101/liaison",
      reason: "",
      requestId: "",
      occurTime: new Date("2026-12-04T00:00:00Z"),
      jurisdictionCode: "120101",
    });
  });

  it("when the activity id is not a UUID or the campaign is not issued here, then it is malformed", () => {
    expect(violationsOf(() => decideReceivedActivity(issued, "120000", delivery({ activityId: "a1" })))).toEqual([
      "data.activity.activity_id",
    ]);
    expect(violationsOf(() => decideReceivedActivity(undefined, "120000", delivery()))).toEqual(["data.campaign_id"]);
  });
});
