/**
 * Window arithmetic against the official calendar as shipped (chinese-days data + the override
 * file): dated vectors over holidays and make-up working days (调休), the minimums per kind, and
 * the counting rule at its boundaries. Each vector's key days are first checked against the
 * library's own answers, so a data update that changes them fails here, not silently.
 */
import chineseDays from "chinese-days";
import { officialCalendar } from "../app/working-calendar";
import { CalendarNotCovered, countWindow, cstDayOf, endOfCstDay, windowRule, workingCalendar } from "./window";

const calendar = officialCalendar();
/** An instant given in China Standard Time. */
const cst = (local: string) => new Date(`${local}+08:00`);

describe("the calendar data the vectors rely on", () => {
  test.each([
    ["2026-02-14", true], // Saturday, make-up working day for 春节
    ["2026-02-16", false], // 春节
    ["2026-02-23", false], // 春节, Monday
    ["2026-02-28", true], // Saturday, make-up day
    ["2026-04-06", false], // 清明, Monday
    ["2026-09-20", true], // Sunday, make-up day for 国庆
    ["2026-10-05", false], // 国庆
    ["2026-10-10", true], // Saturday, make-up day
    ["2026-10-11", false], // Sunday
  ])("%s working: %s (library and service agree)", (day, working) => {
    expect(chineseDays.isWorkday(day)).toBe(working);
    expect(calendar.isWorkingDay(day)).toBe(working);
  });
});

describe("minimum windows per kind", () => {
  test("regulations and rules: 30 days", () => {
    expect(windowRule("LOCAL_REGULATION", false)).toEqual({ unit: "CALENDAR_DAYS", minimum: 30 });
    expect(windowRule("GOVERNMENT_RULE", true)).toEqual({ unit: "CALENDAR_DAYS", minimum: 30 });
  });
  test("normative documents: 7 working days, 30 days when closely concerning market entities", () => {
    expect(windowRule("NORMATIVE_DOCUMENT", false)).toEqual({ unit: "WORKING_DAYS", minimum: 7 });
    expect(windowRule("NORMATIVE_DOCUMENT", true)).toEqual({ unit: "CALENDAR_DAYS", minimum: 30 });
  });
});

describe("working-day windows", () => {
  test.each([
    // opened (CST), last day: why
    ["2026-09-28T10:00:00", "2026-10-13", "国庆 1-7 Oct off; Sat 10 Oct make-up counts; Sun 11 Oct off"],
    ["2026-09-18T09:00:00", "2026-09-29", "Sun 20 Sep make-up counts; 中秋 25-27 Sep off"],
    ["2026-02-10T15:00:00", "2026-02-26", "Sat 14 Feb make-up counts; 春节 15-23 Feb off"],
    ["2026-03-02T09:00:00", "2026-03-11", "an ordinary fortnight: weekends off"],
    ["2026-10-03T11:00:00", "2026-10-15", "opened on a holiday: day 1 is the next day; 8, 9, Sat 10 (make-up), 12-15 Oct"],
  ])("7 working days from %s end on %s (%s)", (opened, lastDay) => {
    const w = countWindow(calendar, cst(opened), "WORKING_DAYS", 7);
    expect(w.lastDay).toBe(lastDay);
    expect(w.closeTime).toEqual(endOfCstDay(lastDay));
  });
});

describe("calendar-day windows", () => {
  test.each([
    ["2026-03-02T09:00:00", "2026-04-01", "day 30 is a Wednesday: kept"],
    ["2026-09-05T09:00:00", "2026-10-08", "day 30 (5 Oct) is a holiday: moves past 国庆 to Thu 8 Oct"],
    ["2026-03-06T09:00:00", "2026-04-07", "day 30 (Sun 5 Apr) is 清明, and so is Mon 6 Apr: Tue 7 Apr"],
    ["2026-06-12T09:00:00", "2026-07-13", "day 30 is a Sunday: Monday"],
    ["2026-01-15T09:00:00", "2026-02-14", "day 30 is a Saturday but a make-up working day: kept"],
  ])("30 days from %s end on %s (%s)", (opened, lastDay) => {
    expect(countWindow(calendar, cst(opened), "CALENDAR_DAYS", 30).lastDay).toBe(lastDay);
  });
});

describe("the counting rule at its boundaries", () => {
  test("day 0 is the opening day in China Standard Time, not UTC", () => {
    // 2026-03-01 16:30 UTC is already 2 March 00:30 in Tianjin.
    expect(cstDayOf(new Date("2026-03-01T16:30:00Z"))).toBe("2026-03-02");
    expect(countWindow(calendar, new Date("2026-03-01T16:30:00Z"), "WORKING_DAYS", 7).lastDay).toBe("2026-03-11");
    // One minute before midnight CST it is still 1 March (a Sunday): day 1 is Monday 2 March.
    expect(countWindow(calendar, new Date("2026-03-01T15:59:00Z"), "WORKING_DAYS", 7).lastDay).toBe("2026-03-10");
  });
  test("the window closes at 24:00 CST of the last day", () => {
    const w = countWindow(calendar, cst("2026-03-02T09:00:00"), "WORKING_DAYS", 7);
    expect(w.closeTime.toISOString()).toBe("2026-03-11T16:00:00.000Z"); // 2026-03-12 00:00 CST
  });
  test("opening late in the day or early gives the same last day", () => {
    const early = countWindow(calendar, cst("2026-03-02T00:00:00"), "CALENDAR_DAYS", 30);
    const late = countWindow(calendar, cst("2026-03-02T23:59:59"), "CALENDAR_DAYS", 30);
    expect(early.lastDay).toBe(late.lastDay);
  });
});

describe("years the calendar does not cover", () => {
  test("a window ending in an uncovered year is refused, not guessed", () => {
    expect(calendar.covers(2026)).toBe(true);
    expect(calendar.covers(2027)).toBe(false);
    expect(() => countWindow(calendar, cst("2026-12-20T09:00:00"), "CALENDAR_DAYS", 30)).toThrow(CalendarNotCovered);
    expect(() => countWindow(calendar, cst("2026-12-28T09:00:00"), "WORKING_DAYS", 7)).toThrow(CalendarNotCovered);
  });
  test("a window wholly inside the covered year near its end is counted", () => {
    expect(countWindow(calendar, cst("2026-12-18T09:00:00"), "WORKING_DAYS", 7).lastDay).toBe("2026-12-29");
  });
  test("an override year makes it countable, and the version records it", () => {
    const years = new Map([
      [2026, { holidays: [], workdays: [] }],
      [2027, { holidays: ["2027-01-01"], workdays: [] }],
    ]);
    const withOverride = workingCalendar("test+overrides-1", years);
    // 2026-12-28 (Mon): 29, 30, 31 Dec, [1 Jan holiday], 4, 5, 6, 7 Jan.
    expect(countWindow(withOverride, cst("2026-12-28T09:00:00"), "WORKING_DAYS", 7)).toEqual(
      expect.objectContaining({ lastDay: "2027-01-07", calendarVersion: "test+overrides-1" }),
    );
  });
});
