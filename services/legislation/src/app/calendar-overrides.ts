/**
 * The versioned override of the official working-day calendar. The State Council announces each
 * year's public holidays and make-up working days (调休) late in the year before; until the
 * chinese-days library ships that year, or when it is wrong, the year goes here. A year listed
 * here replaces the library's data for that year entirely. Bump `version` with every change: each
 * window records the calendar version it was counted with.
 *
 * Format per year: `holidays` (days off) and `workdays` (make-up working days on a weekend), YYYY-MM-DD.
 */
import type { CalendarYear } from "../domain/window";

export const CALENDAR_OVERRIDES: { readonly version: string; readonly years: Readonly<Record<number, CalendarYear>> } = {
  version: "overrides-2026.1",
  years: {},
};
