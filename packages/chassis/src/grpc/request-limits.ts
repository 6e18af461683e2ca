/**
 * Bounds every decoded request before a handler sees it: the number of elements of each repeated
 * field and the length of each string or bytes field, at any depth. Services declare the limits
 * their domain has per field path; every other field gets a conservative default, so a method
 * added later is bounded without anyone remembering to. One linear walk over the decoded message
 * (itself bounded by the server's receive limit); an over-long repeated field is reported by its
 * count and its elements are not visited.
 */
import { Violations } from "../common/errors";

/** Bounds that apply to every field no service declared a limit for. */
export const DEFAULT_REQUEST_BOUNDS = Object.freeze({
  /** Elements of a repeated field; above every per-field count a Jinlian domain has today. */
  items: 1_000,
  /** Characters (code points) of a string, bytes of a bytes field; above every text limit but a bulletin body. */
  chars: 20_000,
  /** Nesting of messages; protobuf messages of Jinlian nest a handful of levels. */
  depth: 32,
});

type Leaf = string | number | boolean | bigint | Date | Uint8Array;
type Prev = [never, 0, 1, 2, 3, 4, 5];
type ElementOf<T> = T extends readonly (infer E)[] ? E : T;
type Nested<K extends string, V, D extends number> = [ElementOf<NonNullable<V>>] extends [Leaf]
  ? K
  : K | `${K}.${FieldPath<ElementOf<NonNullable<V>>, D>}`;

/**
 * Dotted path of a field in a ts-proto message, without indices: "departmentNames",
 * "mainAudience.organisations", "mainAudience.organisations.name". A oneof (unions-value) is
 * named by its case: "recipient.organisation.name".
 */
export type FieldPath<T, D extends number = 5> = [D] extends [never]
  ? never
  : T extends { $case: infer C extends string; value: infer V }
    ? Nested<C, V, Prev[D]>
    : T extends Leaf
      ? never
      : T extends object
        ? { [K in keyof T & string]-?: Nested<K, T[K], Prev[D]> }[keyof T & string]
        : never;

/**
 * Limits of one request type by field path: for a repeated field the most elements, for a string
 * the most characters, for bytes the most bytes.
 */
export type FieldLimits<T> = { readonly [P in FieldPath<T>]?: number };

/** Limits a service declares, by method (the keys of its ts-proto service definition). */
export type RequestLimits<S> = {
  readonly [K in keyof S]?: FieldLimits<S[K] extends { requestDeserialize: (b: Buffer) => infer R } ? R : never>;
};

/** Code points of s exceed max? Bounded work: only strings between max and 2*max units are counted. */
function longerThan(s: string, max: number): boolean {
  if (s.length <= max) return false;
  if (s.length > 2 * max) return true;
  let chars = 0;
  for (let i = 0; i < s.length; i++) {
    const unit = s.charCodeAt(i);
    // A low surrogate completes a character already counted with its high surrogate.
    if (unit < 0xdc00 || unit > 0xdfff) chars++;
  }
  return chars > max;
}

const snake = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/**
 * Checks a decoded request against limits (by field path) and the defaults; throws
 * InvalidArgumentError with the first violations and a count of the rest.
 */
export function checkRequestBounds(
  request: unknown,
  limits: Readonly<Record<string, number>> = {},
  defaults: { items: number; chars: number; depth: number } = DEFAULT_REQUEST_BOUNDS,
): void {
  const v = new Violations();
  // Field names for the caller (proto names with indices) are built only when a violation is reported.
  const where: (string | number)[] = [];
  const reported = () =>
    where.reduce<string>((acc, s) => (typeof s === "number" ? `${acc}[${s}]` : acc ? `${acc}.${snake(s)}` : snake(s)), "");

  const value = (x: unknown, path: string, depth: number): void => {
    if (typeof x === "string") {
      const max = limits[path] ?? defaults.chars;
      if (longerThan(x, max)) v.add(reported(), `must be at most ${max} characters`);
    } else if (ArrayBuffer.isView(x)) {
      const max = limits[path] ?? defaults.chars;
      if (x.byteLength > max) v.add(reported(), `must be at most ${max} bytes`);
    } else if (x !== null && typeof x === "object" && !(x instanceof Date)) {
      message(x as Record<string, unknown>, path, depth + 1);
    }
  };

  const field = (x: unknown, path: string, depth: number): void => {
    if (!Array.isArray(x)) return value(x, path, depth);
    const max = limits[path] ?? defaults.items;
    // Too many elements: reported by count, the elements themselves are not looked at.
    if (x.length > max) {
      v.add(reported(), `must have at most ${max} elements (has ${x.length})`);
      return;
    }
    for (let i = 0; i < x.length; i++) {
      where.push(i);
      value(x[i], path, depth);
      where.pop();
    }
  };

  const message = (m: Record<string, unknown>, path: string, depth: number): void => {
    if (depth > defaults.depth) {
      v.add(reported(), `nests deeper than ${defaults.depth} messages`);
      return;
    }
    // ts-proto oneof (unions-value): { $case: "organisation", value: … } is the field "organisation".
    const oneofCase = typeof m.$case === "string" ? m.$case : undefined;
    for (const key in m) {
      if (key === "$case") continue;
      const name = oneofCase !== undefined && key === "value" ? oneofCase : key;
      where.push(name);
      field(m[key], path ? `${path}.${name}` : name, depth);
      where.pop();
    }
  };

  if (request !== null && typeof request === "object") message(request as Record<string, unknown>, "", 0);
  v.throwIfAny();
}
