/**
 * Statutory consultation windows and how they are counted. Pure: the official calendar comes in
 * as data (app/working-calendar.ts builds it from the chinese-days library and the override file).
 *
 * Minimums (defaults from law, configurable policy):
 * - local regulations and government rules: 30 days (规章制定程序条例 art. 16);
 * - normative documents: 7 working days (国办发〔2018〕37号, 一般不少于7个工作日), but 30 days
 *   where they closely concern market entities (优化营商环境条例 art. 62).
 *
 * Counting rule:
 * - days are civil dates in China Standard Time (UTC+8, no daylight saving);
 * - day 1 is the day after the opening (or reopening) day, whatever the hour of opening;
 * - calendar days: the last day is day N; if it is not a working day (a weekend or a public holiday
 *   that is not a make-up working day 调休), the window runs to the next working day (as 民法典
 *   art. 203 moves a period's last day off a statutory rest day);
 * - working days: the last day is the N-th working day from day 1 (make-up days count, holidays and
 *   weekends do not);
 * - the window closes at 24:00 CST of the last day: an opinion is on time strictly before it;
 * - every day looked at must be in a year the calendar covers; otherwise the window cannot be
 *   counted and the request is refused, never guessed.
 */
import type { DraftKind } from "./kinds";

export type WindowUnit = "CALENDAR_DAYS" | "WORKING_DAYS";
export const SHORTER_WINDOW_REASONS = ["URGENT", "HIGHER_DEADLINE", "FOLLOW_UP_ROUND", "OTHER"] as const;
export type ShorterWindowReason = (typeof SHORTER_WINDOW_REASONS)[number];

/** A civil date, YYYY-MM-DD. */
export type CivilDate = string;

/** The official calendar of working days, for the years it covers. */
export interface WorkingCalendar {
  readonly version: string;
  covers(year: number): boolean;
  /** Whether the (covered) day is a working day. */
  isWorkingDay(day: CivilDate): boolean;
}

/** One year's official data: public holidays and make-up working days (调休). */
export interface CalendarYear {
  readonly holidays: readonly CivilDate[];
  readonly workdays: readonly CivilDate[];
}

/** A calendar from per-year data; a year without data is not covered. */
export function workingCalendar(version: string, years: ReadonlyMap<number, CalendarYear>): WorkingCalendar {
  const holidays = new Set<string>();
  const workdays = new Set<string>();
  for (const y of years.values()) {
    y.holidays.forEach((d) => holidays.add(d));
    y.workdays.forEach((d) => workdays.add(d));
  }
  return {
    version,
    covers: (year) => years.has(year),
    isWorkingDay(day) {
      if (workdays.has(day)) return true;
      if (holidays.has(day)) return false;
      const wd = new Date(`${day}T00:00:00Z`).getUTCDay();
      return wd !== 0 && wd !== 6;
    },
  };
}

/** The day in China Standard Time of an instant. */
export function cstDayOf(instant: Date): CivilDate {
  return new Date(instant.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
}

export function addDays(day: CivilDate, n: number): CivilDate {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** 24:00 CST of a day, i.e. 00:00 CST of the next: 16:00 UTC of the day itself. */
export function endOfCstDay(day: CivilDate): Date {
  return new Date(`${day}T16:00:00Z`);
}

export const WINDOW_POLICY = { statuteDays: 30, normativeWorkingDays: 7, marketEntityDays: 30 } as const;

/** The unit and minimum of a kind's window. */
export function windowRule(kind: DraftKind, closelyConcernsMarketEntities: boolean): { unit: WindowUnit; minimum: number } {
  if (kind !== "NORMATIVE_DOCUMENT") return { unit: "CALENDAR_DAYS", minimum: WINDOW_POLICY.statuteDays };
  return closelyConcernsMarketEntities
    ? { unit: "CALENDAR_DAYS", minimum: WINDOW_POLICY.marketEntityDays }
    : { unit: "WORKING_DAYS", minimum: WINDOW_POLICY.normativeWorkingDays };
}

/** A day the calendar does not cover was needed: the window cannot be counted. */
export class CalendarNotCovered extends Error {
  constructor(
    readonly year: number,
    readonly calendarVersion: string,
  ) {
    super(`the official working-day calendar (${calendarVersion}) does not cover ${year}`);
  }
}

function working(calendar: WorkingCalendar, day: CivilDate): boolean {
  const year = Number(day.slice(0, 4));
  if (!calendar.covers(year)) throw new CalendarNotCovered(year, calendar.version);
  return calendar.isWorkingDay(day);
}

export interface CountedWindow {
  readonly unit: WindowUnit;
  readonly length: number;
  readonly startTime: Date;
  readonly lastDay: CivilDate;
  readonly closeTime: Date;
  readonly calendarVersion: string;
}

/** Counts a window of `length` units from `start` by the rule above; throws CalendarNotCovered. */
export function countWindow(calendar: WorkingCalendar, start: Date, unit: WindowUnit, length: number): CountedWindow {
  const day0 = cstDayOf(start);
  let last: CivilDate;
  if (unit === "CALENDAR_DAYS") {
    last = addDays(day0, length);
    while (!working(calendar, last)) last = addDays(last, 1);
  } else {
    last = day0;
    for (let counted = 0; counted < length;) {
      last = addDays(last, 1);
      if (working(calendar, last)) counted++;
    }
  }
  return { unit, length, startTime: start, lastDay: last, closeTime: endOfCstDay(last), calendarVersion: calendar.version };
}
