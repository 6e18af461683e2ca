/**
 * Corrections and withdrawals of campaign activity reports (art. 7-8), and the city's roll-up that
 * follows them: given a district's report, when it is corrected or withdrawn, then the event that
 * goes up and the roll-up at the city. A property test drives any sequence of reports,
 * corrections and withdrawals (with redelivered and stale events) and checks the roll-up equals
 * the sum over the current reports after every step.
 */
import fc from "fast-check";
import { liaisonEvents, type AuditMetadata, type EventToEmit } from "@jinlian/chassis";
import { preconditionType as preconditionOf, violatedFields as violationsOf } from "@jinlian/chassis/testing";
import type { liaisonEventsV1 } from "@jinlian/proto";
import {
  campaignPeriod,
  decideCorrectActivity,
  decideReceivedActivity,
  decideReceivedRevision,
  decideReport,
  decideWithdrawActivity,
  rollUp,
  totalsOf,
  type Activity,
  type ActivityReport,
  type Campaign,
  type Delivery,
} from "./campaign";

const CAMPAIGN_ID = "6f1e4c7a-9b3d-4e8f-a1b2-c3d4e5f60718";
const WEEK = campaignPeriod("CONSTITUTION_WEEK", 2026);
const T0 = new Date("2026-12-02T02:00:00Z");
let clock = 0;
const stamp = (jurisdictionCode: string, reason = ""): AuditMetadata => ({
  actor: `user@${jurisdictionCode}`,
  reason,
  requestId: `req-${++clock}`,
  occurTime: new Date(T0.getTime() + clock * 1000),
  jurisdictionCode,
});

const base: Campaign = {
  campaignId: CAMPAIGN_ID,
  calendarNode: "CONSTITUTION_WEEK",
  calendarNodeName: "宪法宣传周",
  year: 2026,
  title: "2026年宪法宣传周",
  theme: "",
  topicTags: [],
  audienceKinds: [],
  coOrganisers: [],
  period: WEEK,
  status: "LAUNCHED",
  origin: "ISSUED",
  issuingJurisdictionCode: "120000",
  targets: ["120101", "120102"],
  revision: 2,
  createdAt: T0,
  updatedAt: T0,
};
/** The city's campaign and each district's copy. */
const atCity = base;
const atDistrict: Campaign = { ...base, origin: "RECEIVED", revision: 1 };

const report = (eventsHeld: number, audienceReached: number, title = "宪法进商会"): ActivityReport => ({
  title,
  heldTime: new Date("2026-12-03T02:00:00Z"),
  eventsHeld,
  audienceReached,
  reason: "",
});

const uuid = (n: number) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, "0")}`;

/** The city as a store of activities, taking the district's events as the inbox would. */
class City {
  readonly activities = new Map<string, Activity>();

  deliver(e: EventToEmit, from: string): void {
    const d: Delivery<liaisonEventsV1.CampaignActivityReported> = {
      type: e.descriptor.type,
      id: `e${++clock}`,
      source: `/jinlian/${from}/liaison`,
      from,
      time: T0,
      data: e.data as liaisonEventsV1.CampaignActivityReported,
    };
    const id = d.data.activity!.activityId;
    if (e.descriptor.type === liaisonEvents.campaignActivityReported.type) {
      const decided = decideReceivedActivity(atCity, "120000", d);
      if (!this.activities.has(id)) this.activities.set(id, decided.activity); // a repeat changes nothing
      return;
    }
    const withdrawal = e.descriptor.type === liaisonEvents.campaignActivityWithdrawn.type;
    const decided = decideReceivedRevision(atCity, this.activities.get(id), "120000", d, withdrawal);
    if (decided) this.activities.set(id, decided.activity);
  }

  rollUp() {
    return rollUp("120000", atCity.targets, totalsOf([...this.activities.values()]));
  }
}

const figures = (r: ReturnType<City["rollUp"]>) =>
  r.jurisdictions.map((j) => [j.jurisdictionCode, j.activities, j.eventsHeld, j.audienceReached.toString()]);

describe("given an activity Heping reported up under a municipal campaign", () => {
  const reported = () => decideReport(atDistrict, report(2, 150), "", undefined, { activityId: uuid(1), by: stamp("120101") });

  it("when it is corrected, then revision 2 replaces the figures, revision 1 is history, and the correction goes up to the city", () => {
    const first = reported().activity;
    const d = decideCorrectActivity(atDistrict, first, report(2, 1500), "", undefined, { by: stamp("120101", "观众人数少录一个零") });
    expect(d.action).toBe("CorrectCampaignActivity");
    expect(d.activity).toMatchObject({ revision: 2, withdrawn: false, audienceReached: 1500, eventsHeld: 2 });
    expect(d.activity.revised?.reason).toBe("观众人数少录一个零");
    expect(d.activity.history).toEqual([expect.objectContaining({ revision: 1, audienceReached: 150, made: first.reported })]);
    expect(d.events.map((e) => [e.descriptor.type, e.subject, e.to])).toEqual([
      [liaisonEvents.campaignActivityCorrected.type, CAMPAIGN_ID, [{ node: "120000" }]],
    ]);
    const data = d.events[0]!.data as liaisonEventsV1.CampaignActivityCorrected;
    expect(data.activity).toMatchObject({ revision: 2, audienceReached: "1500", withdrawn: false, history: [] });
  });

  it("when it is corrected twice and withdrawn, then the city's roll-up shows the current figures after each step and nothing after the withdrawal", () => {
    const city = new City();
    const r1 = reported();
    city.deliver(r1.events[0]!, "120101");
    expect(figures(city.rollUp())[1]).toEqual(["120101", 1, 2, "150"]);

    const c1 = decideCorrectActivity(atDistrict, r1.activity, report(3, 15000), "", undefined, { by: stamp("120101", "录错") });
    city.deliver(c1.events[0]!, "120101");
    expect(figures(city.rollUp())[1]).toEqual(["120101", 1, 3, "15000"]);

    const c2 = decideCorrectActivity(atDistrict, c1.activity, report(3, 1500), "", undefined, { by: stamp("120101", "又录错") });
    city.deliver(c2.events[0]!, "120101");
    city.deliver(c1.events[0]!, "120101"); // a stale redelivery changes nothing
    expect(figures(city.rollUp())[1]).toEqual(["120101", 1, 3, "1500"]);
    expect(city.activities.get(uuid(1))!.history.map((h) => h.audienceReached)).toEqual([150, 15000]);

    const w = decideWithdrawActivity(atDistrict, c2.activity, { by: stamp("120101", "活动重复上报") });
    expect(w.events.map((e) => e.descriptor.type)).toEqual([liaisonEvents.campaignActivityWithdrawn.type]);
    city.deliver(w.events[0]!, "120101");
    const after = city.rollUp();
    expect(figures(after)[1]).toEqual(["120101", 0, 0, "0"]);
    expect(after.silentJurisdictionCodes).toEqual(["120101", "120102"]);
    expect(city.activities.get(uuid(1))).toMatchObject({ withdrawn: true, revision: 4 });
  });

  it("when a correction overtakes the report it corrects, then the city counts the corrected figures once", () => {
    const city = new City();
    const r1 = reported();
    const c1 = decideCorrectActivity(atDistrict, r1.activity, report(1, 99), "", undefined, { by: stamp("120101", "更正") });
    city.deliver(c1.events[0]!, "120101");
    city.deliver(r1.events[0]!, "120101");
    expect(figures(city.rollUp())[1]).toEqual(["120101", 1, 1, "99"]);
  });

  it("when it is withdrawn, then a further correction or withdrawal is refused: withdrawal is final", () => {
    const w = decideWithdrawActivity(atDistrict, reported().activity, { by: stamp("120101", "撤回") });
    expect(
      preconditionOf(() => decideCorrectActivity(atDistrict, w.activity, report(1, 1), "", undefined, { by: stamp("120101", "x") })),
    ).toBe("ACTIVITY_WITHDRAWN");
    expect(preconditionOf(() => decideWithdrawActivity(atDistrict, w.activity, { by: stamp("120101", "x") }))).toBe("ACTIVITY_WITHDRAWN");
  });

  it("when the city tries to correct or withdraw it, then only the reporting node may", () => {
    const city = new City();
    city.deliver(reported().events[0]!, "120101");
    const held = city.activities.get(uuid(1))!;
    expect(preconditionOf(() => decideWithdrawActivity(atCity, held, { by: stamp("120000", "x") }))).toBe("ACTIVITY_REPORTED_ELSEWHERE");
  });

  it("when the corrected report is held outside the period, then INVALID_ARGUMENT held_time", () => {
    const outside = { ...report(1, 1), heldTime: new Date("2026-12-08T00:00:00Z") };
    expect(
      violationsOf(() => decideCorrectActivity(atDistrict, reported().activity, outside, "", undefined, { by: stamp("120101", "x") })),
    ).toEqual(["held_time"]);
  });

  it("when the campaign is closed, then corrections are still taken (a wrong figure found later); while planned, never", () => {
    const closed = { ...atDistrict, status: "CLOSED" as const };
    expect(decideWithdrawActivity(closed, reported().activity, { by: stamp("120101", "x") }).activity.withdrawn).toBe(true);
    expect(
      preconditionOf(() => decideWithdrawActivity({ ...atDistrict, status: "PLANNED" }, reported().activity, { by: stamp("120101", "x") })),
    ).toBe("CAMPAIGN_NOT_LAUNCHED");
  });

  it("when the city's own activity is corrected, then nothing leaves the city", () => {
    const own = decideReport(atCity, report(1, 10), "", undefined, { activityId: uuid(2), by: stamp("120000") }).activity;
    expect(decideCorrectActivity(atCity, own, report(1, 20), "", undefined, { by: stamp("120000", "x") }).events).toEqual([]);
  });

  it("when a delivered revision is malformed, then it is refused: a withdrawal that says it is not, a revision 1, another district's activity", () => {
    const r1 = reported();
    const c1 = decideCorrectActivity(atDistrict, r1.activity, report(1, 5), "", undefined, { by: stamp("120101", "x") });
    const data = c1.events[0]!.data as liaisonEventsV1.CampaignActivityCorrected;
    const d = (activity: Partial<NonNullable<liaisonEventsV1.CampaignActivityCorrected["activity"]>>, from = "120101") => ({
      type: "t",
      id: "e",
      source: `/jinlian/${from}/liaison`,
      from,
      time: T0,
      data: { campaignId: CAMPAIGN_ID, activity: { ...data.activity!, ...activity } },
    });
    expect(violationsOf(() => decideReceivedRevision(atCity, undefined, "120000", d({}), true))).toEqual(["data.activity.withdrawn"]);
    expect(violationsOf(() => decideReceivedRevision(atCity, undefined, "120000", d({ revision: 1 }), false))).toEqual([
      "data.activity.revision",
    ]);
    const heldElsewhere = { ...r1.activity, jurisdictionCode: "120102" };
    expect(violationsOf(() => decideReceivedRevision(atCity, heldElsewhere, "120000", d({}), false))).toEqual([
      "data.activity.activity_id",
    ]);
  });
});

// ---- property: the roll-up is the sum over the current reports, whatever happened before ----

type Command =
  | { kind: "report"; district: number; eventsHeld: number; audience: number }
  | { kind: "correct"; pick: number; eventsHeld: number; audience: number }
  | { kind: "withdraw"; pick: number }
  | { kind: "redeliver"; pick: number };

const command: fc.Arbitrary<Command> = fc.oneof(
  fc.record({
    kind: fc.constant("report" as const),
    district: fc.integer({ min: 0, max: 1 }),
    eventsHeld: fc.integer({ min: 1, max: 10_000 }),
    audience: fc.integer({ min: 0, max: 1_000_000_000 }),
  }),
  fc.record({
    kind: fc.constant("correct" as const),
    pick: fc.nat(),
    eventsHeld: fc.integer({ min: 1, max: 10_000 }),
    audience: fc.integer({ min: 0, max: 1_000_000_000 }),
  }),
  fc.record({ kind: fc.constant("withdraw" as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant("redeliver" as const), pick: fc.nat() }),
);

describe("property: after any sequence of reports, corrections and withdrawals", () => {
  it("the city's roll-up equals the sum over the districts' current, not withdrawn reports, after every step", () => {
    fc.assert(
      fc.property(fc.array(command, { maxLength: 40 }), (commands) => {
        const districts = ["120101", "120102"];
        const truth = new Map<string, Activity>(); // what each district holds
        const sent: { event: EventToEmit; from: string }[] = [];
        const city = new City();
        let next = 1;
        for (const c of commands) {
          const current = [...truth.values()].filter((a) => !a.withdrawn);
          let decided: { activity: Activity; events: readonly EventToEmit[] } | undefined;
          if (c.kind === "report") {
            const by = stamp(districts[c.district]!);
            decided = decideReport(atDistrict, report(c.eventsHeld, c.audience), "", undefined, { activityId: uuid(next++), by });
          } else if (c.kind === "correct" && current.length > 0) {
            const a = current[c.pick % current.length]!;
            decided = decideCorrectActivity(atDistrict, a, report(c.eventsHeld, c.audience), "", undefined, {
              by: stamp(a.jurisdictionCode, "更正"),
            });
          } else if (c.kind === "withdraw" && current.length > 0) {
            const a = current[c.pick % current.length]!;
            decided = decideWithdrawActivity(atDistrict, a, { by: stamp(a.jurisdictionCode, "撤回") });
          } else if (c.kind === "redeliver" && sent.length > 0) {
            const old = sent[c.pick % sent.length]!; // a repeat or a stale event, as Kafka may redeliver
            city.deliver(old.event, old.from);
          }
          if (decided) {
            truth.set(decided.activity.activityId, decided.activity);
            for (const event of decided.events) {
              sent.push({ event, from: decided.activity.jurisdictionCode });
              city.deliver(event, decided.activity.jurisdictionCode);
            }
          }
          // Expected, computed apart from the code under test.
          const r = city.rollUp();
          for (const code of districts) {
            const mine = [...truth.values()].filter((a) => a.jurisdictionCode === code && !a.withdrawn);
            const row = r.jurisdictions.find((j) => j.jurisdictionCode === code)!;
            expect([row.activities, row.eventsHeld, row.audienceReached]).toEqual([
              mine.length,
              mine.reduce((s, a) => s + a.eventsHeld, 0),
              mine.reduce((s, a) => s + BigInt(a.audienceReached), 0n),
            ]);
          }
          const all = [...truth.values()].filter((a) => !a.withdrawn);
          expect(r.total.audienceReached).toBe(all.reduce((s, a) => s + BigInt(a.audienceReached), 0n));
          expect(r.silentJurisdictionCodes).toEqual(districts.filter((code) => !all.some((a) => a.jurisdictionCode === code)));
        }
      }),
      { numRuns: 200 },
    );
  });
});
