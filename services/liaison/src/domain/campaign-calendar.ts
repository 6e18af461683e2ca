/**
 * The calendar of legal publicity (art. 7-8): the three built-in nodes and any others a node is
 * configured with (the seed text says 等各类节点), each with a rule for every year and dates set for
 * particular years (宪法宣传周 moves around 12-04). Pure: parsing the configuration and computing
 * periods in China Standard Time.
 */

/** A day of the year as configured: "MM-DD". */
export interface MonthDay {
  month: number;
  day: number;
}

export interface Dates {
  /** First day (inclusive). */
  start: MonthDay;
  /** Last day (inclusive), not before the first: a node never spans the turn of the year. */
  end: MonthDay;
}

export interface CalendarNodeDefinition extends Dates {
  /** e.g. "CONSTITUTION_WEEK": upper-case letters, digits and "_". */
  code: string;
  /** e.g. "宪法宣传周". */
  name: string;
  /** Dates set for particular years, overriding the rule. */
  years: ReadonlyMap<number, Dates>;
}

/** A campaign's period: [start, end) in absolute time. */
export interface Period {
  start: Date;
  end: Date;
}

/** The three calendar nodes the contract's CalendarNode enum names. */
export const BUILT_IN_CALENDAR_NODES = ["NATIONAL_CONSTITUTION_DAY", "CONSTITUTION_WEEK", "CIVIL_CODE_MONTH"] as const;
export type BuiltInCalendarNode = (typeof BUILT_IN_CALENDAR_NODES)[number];

export function isBuiltInCalendarNode(code: string): code is BuiltInCalendarNode {
  return (BUILT_IN_CALENDAR_NODES as readonly string[]).includes(code);
}

const md = (month: number, day: number): MonthDay => ({ month, day });

/** The built-in nodes: 12·4 国家宪法日, 宪法宣传周 (Dec 1-7 unless set for the year), 民法典宣传月 (May). */
export const DEFAULT_CALENDAR_NODES: readonly CalendarNodeDefinition[] = Object.freeze([
  { code: "NATIONAL_CONSTITUTION_DAY", name: "国家宪法日", start: md(12, 4), end: md(12, 4), years: new Map() },
  { code: "CONSTITUTION_WEEK", name: "宪法宣传周", start: md(12, 1), end: md(12, 7), years: new Map() },
  { code: "CIVIL_CODE_MONTH", name: "民法典宣传月", start: md(5, 1), end: md(5, 31), years: new Map() },
]);

export const CALENDAR_LIMITS = Object.freeze({ maxNodes: 50, nameChars: 50, minYear: 2000, maxYear: 2999 });

// China Standard Time is UTC+8 all year (no daylight saving), so local midnight is 16:00 UTC the day before.
const CST_OFFSET_MS = 8 * 3600 * 1000;
const DAY_MS = 24 * 3600 * 1000;

function cstMidnight(year: number, month: number, day: number): Date {
  return new Date(Date.UTC(year, month - 1, day) - CST_OFFSET_MS);
}

function exists(year: number, d: MonthDay): boolean {
  const t = new Date(Date.UTC(year, d.month - 1, d.day));
  return t.getUTCMonth() === d.month - 1 && t.getUTCDate() === d.day;
}

function periodOf(year: number, dates: Dates): Period {
  return {
    start: cstMidnight(year, dates.start.month, dates.start.day),
    end: new Date(cstMidnight(year, dates.end.month, dates.end.day).getTime() + DAY_MS),
  };
}

/** A node's calendar: the nodes in configuration order and their periods. */
export class CampaignCalendar {
  private readonly byCode: ReadonlyMap<string, CalendarNodeDefinition>;

  constructor(readonly nodes: readonly CalendarNodeDefinition[]) {
    this.byCode = new Map(nodes.map((n) => [n.code, n]));
  }

  node(code: string): CalendarNodeDefinition | undefined {
    return this.byCode.get(code);
  }

  /** The period of a node in a year: the dates set for that year, or the node's rule. */
  period(code: string, year: number): Period {
    const n = this.byCode.get(code);
    if (!n) throw new Error(`unknown calendar node ${code}`);
    return periodOf(year, n.years.get(year) ?? n);
  }

  /** Whether the year's dates were set for that very year. */
  setForYear(code: string, year: number): boolean {
    return this.byCode.get(code)?.years.has(year) ?? false;
  }
}

export const DEFAULT_CALENDAR = new CampaignCalendar(DEFAULT_CALENDAR_NODES);

// ---- configuration (LIAISON_CAMPAIGN_CALENDAR) ----

const CODE = /^[A-Z][A-Z0-9_]{1,63}$/;
const MONTH_DAY = /^(\d{2})-(\d{2})$/;

function monthDay(raw: unknown, where: string, problems: string[]): MonthDay | undefined {
  const m = typeof raw === "string" ? MONTH_DAY.exec(raw) : null;
  // 2000 is a leap year: 02-29 passes here and is checked against each configured year.
  const d = m ? md(Number(m[1]), Number(m[2])) : undefined;
  if (!d || !exists(2000, d)) {
    problems.push(`${where} must be a day of the year as "MM-DD"`);
    return undefined;
  }
  return d;
}

function datesOf(raw: Record<string, unknown>, where: string, problems: string[], fallback?: Dates): Dates | undefined {
  if (raw.start === undefined && raw.end === undefined && fallback) return fallback;
  const start = monthDay(raw.start, `${where}.start`, problems);
  const end = monthDay(raw.end, `${where}.end`, problems);
  if (!start || !end) return undefined;
  if (end.month * 100 + end.day < start.month * 100 + start.day) {
    problems.push(`${where}.end must not be before ${where}.start (a node does not span the turn of the year)`);
    return undefined;
  }
  return { start, end };
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x);

/**
 * Reads the calendar configuration: a JSON array of nodes
 * `{"code", "name", "start": "MM-DD", "end": "MM-DD", "years": {"2025": {"start", "end"}}}`.
 * An entry with a built-in code overrides that node (name and rule optional: the built-in's are
 * kept); any other code adds a node (name, start and end required). The built-in nodes are always
 * there, first. Returns the calendar, or every problem found (for the start-up error).
 */
export function parseCampaignCalendar(text: string | undefined): { calendar: CampaignCalendar } | { problems: string[] } {
  if (text === undefined || text.trim() === "") return { calendar: DEFAULT_CALENDAR };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { problems: ["must be a JSON array of calendar nodes"] };
  }
  if (!Array.isArray(raw)) return { problems: ["must be a JSON array of calendar nodes"] };
  const problems: string[] = [];
  const nodes = new Map<string, CalendarNodeDefinition>(DEFAULT_CALENDAR_NODES.map((n) => [n.code, n]));
  const seen = new Set<string>();
  raw.forEach((entry, i) => {
    const where = `[${i}]`;
    if (!isObject(entry)) return void problems.push(`${where} must be an object`);
    const code = typeof entry.code === "string" ? entry.code.trim() : "";
    if (!CODE.test(code)) return void problems.push(`${where}.code must be 2-64 upper-case letters, digits or "_", starting with a letter`);
    if (seen.has(code)) return void problems.push(`${where}.code ${code} is configured twice`);
    seen.add(code);
    const base = nodes.get(code);
    const name = typeof entry.name === "string" ? entry.name.trim() : (base?.name ?? "");
    if (name === "" || [...name].length > CALENDAR_LIMITS.nameChars)
      problems.push(`${where}.name is required for a new node, 1-${CALENDAR_LIMITS.nameChars} characters`);
    const dates = datesOf(entry, where, problems, base);
    const years = new Map<number, Dates>(base?.years ?? []);
    if (entry.years !== undefined && !isObject(entry.years)) problems.push(`${where}.years must be an object by year`);
    for (const [y, v] of Object.entries(isObject(entry.years) ? entry.years : {})) {
      const year = Number(y);
      const at = `${where}.years.${y}`;
      if (!/^\d{4}$/.test(y) || year < CALENDAR_LIMITS.minYear || year > CALENDAR_LIMITS.maxYear) {
        problems.push(`${at}: the year must be between ${CALENDAR_LIMITS.minYear} and ${CALENDAR_LIMITS.maxYear}`);
        continue;
      }
      const d = isObject(v) ? datesOf(v, at, problems) : (problems.push(`${at} must be {"start": "MM-DD", "end": "MM-DD"}`), undefined);
      if (d && (!exists(year, d.start) || !exists(year, d.end))) problems.push(`${at}: 02-29 does not exist in ${year}`);
      else if (d) years.set(year, d);
    }
    if (dates?.start.month === 2 && dates.start.day === 29) problems.push(`${where}.start: 02-29 cannot be a rule for every year`);
    if (dates?.end.month === 2 && dates.end.day === 29) problems.push(`${where}.end: 02-29 cannot be a rule for every year`);
    if (dates) nodes.set(code, { code, name, start: dates.start, end: dates.end, years });
  });
  if (nodes.size > CALENDAR_LIMITS.maxNodes) problems.push(`at most ${CALENDAR_LIMITS.maxNodes} calendar nodes`);
  return problems.length > 0 ? { problems } : { calendar: new CampaignCalendar([...nodes.values()]) };
}
