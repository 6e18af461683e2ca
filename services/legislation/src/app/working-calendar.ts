/**
 * The official working-day calendar: the chinese-days library's data (public holidays and make-up
 * working days, per year as the State Council announced them) with the service's override file on
 * top. A year is covered when either has data for it; anything else is refused, never guessed.
 */
import { readFileSync } from "node:fs";
import { workingCalendar, type CalendarYear, type WorkingCalendar } from "../domain/window";
import { CALENDAR_OVERRIDES } from "./calendar-overrides";

interface LibraryData {
  holidays: Record<string, string>;
  workdays: Record<string, string>;
}

/** The library's own data file, read as data (its date functions parse in the host's time zone). */
function libraryData(): { version: string; data: LibraryData } {
  const pkg = JSON.parse(readFileSync(require.resolve("chinese-days/package.json"), "utf8")) as { version: string };
  const data = JSON.parse(readFileSync(require.resolve("chinese-days/dist/chinese-days.json"), "utf8")) as LibraryData;
  return { version: pkg.version, data };
}

/** Per year of the library's data; a year with no public holiday listed has no data. */
export function libraryYears(data: LibraryData): Map<number, CalendarYear> {
  const years = new Map<number, { holidays: string[]; workdays: string[] }>();
  const year = (d: string) => {
    const y = Number(d.slice(0, 4));
    if (!years.has(y)) years.set(y, { holidays: [], workdays: [] });
    return years.get(y)!;
  };
  for (const d of Object.keys(data.holidays)) year(d).holidays.push(d);
  for (const d of Object.keys(data.workdays)) if (years.has(Number(d.slice(0, 4)))) year(d).workdays.push(d);
  return years;
}

export function officialCalendar(overrides = CALENDAR_OVERRIDES): WorkingCalendar {
  const { version, data } = libraryData();
  const years = libraryYears(data);
  for (const [y, v] of Object.entries(overrides.years)) years.set(Number(y), { holidays: [...v.holidays], workdays: [...v.workdays] });
  return workingCalendar(`chinese-days@${version}+${overrides.version}`, years);
}
