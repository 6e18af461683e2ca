import type { Violations } from "./errors";

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
