import { DEFAULT_CALENDAR, parseCampaignCalendar, type CampaignCalendar } from "./campaign-calendar";

const calendarOf = (json: unknown): CampaignCalendar => {
  const r = parseCampaignCalendar(JSON.stringify(json));
  if ("problems" in r) throw new Error(r.problems.join("; "));
  return r.calendar;
};
const problemsOf = (text: string): string[] => {
  const r = parseCampaignCalendar(text);
  return "problems" in r ? r.problems : [];
};

describe("given the calendar configuration of legal publicity", () => {
  it("when nothing is configured, then the three built-in nodes hold, Constitution Week December 1-7 in CST", () => {
    expect(parseCampaignCalendar(undefined)).toEqual({ calendar: DEFAULT_CALENDAR });
    expect(DEFAULT_CALENDAR.nodes.map((n) => [n.code, n.name])).toEqual([
      ["NATIONAL_CONSTITUTION_DAY", "国家宪法日"],
      ["CONSTITUTION_WEEK", "宪法宣传周"],
      ["CIVIL_CODE_MONTH", "民法典宣传月"],
    ]);
    const p = DEFAULT_CALENDAR.period("CONSTITUTION_WEEK", 2025);
    expect([p.start.toISOString(), p.end.toISOString()]).toEqual(["2025-11-30T16:00:00.000Z", "2025-12-07T16:00:00.000Z"]);
  });

  it("when Constitution Week's dates are set for a year and a node is added, then that year follows them and the rule holds for other years", () => {
    const calendar = calendarOf([
      { code: "CONSTITUTION_WEEK", years: { "2026": { start: "11-30", end: "12-06" } } },
      { code: "NATIONAL_SECURITY_EDUCATION_DAY", name: "全民国家安全教育日", start: "04-15", end: "04-15" },
    ]);
    expect(calendar.nodes.map((n) => n.code)).toEqual([
      "NATIONAL_CONSTITUTION_DAY",
      "CONSTITUTION_WEEK",
      "CIVIL_CODE_MONTH",
      "NATIONAL_SECURITY_EDUCATION_DAY",
    ]);
    const set = calendar.period("CONSTITUTION_WEEK", 2026);
    expect([set.start.toISOString(), set.end.toISOString()]).toEqual(["2026-11-29T16:00:00.000Z", "2026-12-06T16:00:00.000Z"]);
    expect(calendar.setForYear("CONSTITUTION_WEEK", 2026)).toBe(true);
    expect(calendar.setForYear("CONSTITUTION_WEEK", 2027)).toBe(false);
    expect(calendar.period("CONSTITUTION_WEEK", 2027).start.toISOString()).toBe("2027-11-30T16:00:00.000Z");
    expect(calendar.node("CONSTITUTION_WEEK")!.name).toBe("宪法宣传周");
    const day = calendar.period("NATIONAL_SECURITY_EDUCATION_DAY", 2026);
    expect([day.start.toISOString(), day.end.toISOString()]).toEqual(["2026-04-14T16:00:00.000Z", "2026-04-15T16:00:00.000Z"]);
  });

  it("when the configuration is wrong, then every problem is named (the node refuses to start)", () => {
    expect(problemsOf("{")).toEqual(["must be a JSON array of calendar nodes"]);
    expect(
      problemsOf(
        JSON.stringify([
          { code: "bad code", name: "x", start: "01-01", end: "01-01" },
          { code: "NEW_NODE", start: "13-01", end: "12-01" },
          { code: "BACKWARDS", name: "倒序", start: "12-31", end: "01-01" },
          { code: "CONSTITUTION_WEEK", years: { "2025": { start: "02-29", end: "03-01" }, "1999": { start: "12-01", end: "12-07" } } },
          { code: "CONSTITUTION_WEEK" },
        ]),
      ),
    ).toEqual([
      '[0].code must be 2-64 upper-case letters, digits or "_", starting with a letter',
      "[1].name is required for a new node, 1-50 characters",
      '[1].start must be a day of the year as "MM-DD"',
      "[2].end must not be before [2].start (a node does not span the turn of the year)",
      "[3].years.1999: the year must be between 2000 and 2999",
      "[3].years.2025: 02-29 does not exist in 2025",
      "[4].code CONSTITUTION_WEEK is configured twice",
    ]);
  });
});
