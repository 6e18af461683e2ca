import { InvalidArgumentError, type Violations } from "./errors";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids of Jinlian aggregates are UUIDs; anything else is bad input, never a database error. */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/**
 * Trims a text field of a request and checks it is present (when required) and at most `max`
 * characters (code points, so a Chinese character counts once). Returns the trimmed text.
 */
export function textField(v: Violations, field: string, value: string, opts: { required?: boolean; max: number }): string {
  const t = value.trim();
  if (opts.required && t.length === 0) v.add(field, "is required");
  else if ([...t].length > opts.max) v.add(field, `must be at most ${opts.max} characters`);
  return t;
}

/** An id in a request must be a UUID; anything else is INVALID_ARGUMENT naming the field. */
export function assertUuid(value: string, field: string): void {
  if (!isUuid(value)) throw new InvalidArgumentError([{ field, description: "must be a UUID" }]);
}

/** Adds a violation when an id field is not a UUID (for collecting several problems at once). */
export function uuidField(v: Violations, field: string, value: string, required = true): void {
  if (value === "" && !required) return;
  if (!isUuid(value)) v.add(field, value === "" ? "is required" : "must be a UUID");
}

/** A request's expected_revision: 0 (no check) or a revision the service returned; whether it is current is the kit's check. */
export function validateExpectedRevision(v: Violations, value: number): number {
  if (value < 0) v.add("expected_revision", "must be 0 (no check) or a revision returned by the service");
  return value;
}

/** A list filter's period, as a half-open interval; an absent bound is open. */
export interface Period {
  readonly from?: Date;
  readonly until?: Date;
}

/**
 * Reads a `jinlian.common.v1.TimeRange` filter field: each bound, if set, must be a valid time,
 * and `end_time` must be after `start_time`. Violations name `<field>.start_time` / `<field>.end_time`.
 */
export function periodField(
  v: Violations,
  field: string,
  range: { startTime?: Date | undefined; endTime?: Date | undefined } | undefined,
): Period {
  const from = range?.startTime;
  const until = range?.endTime;
  const valid = (d: Date | undefined, name: string): boolean => {
    if (d === undefined) return true;
    if (Number.isNaN(d.getTime())) {
      v.add(`${field}.${name}`, "must be a valid time");
      return false;
    }
    return true;
  };
  const ok = valid(from, "start_time") && valid(until, "end_time");
  if (ok && from && until && until.getTime() <= from.getTime()) v.add(`${field}.end_time`, "must be after start_time");
  return { ...(from ? { from } : {}), ...(until ? { until } : {}) };
}
