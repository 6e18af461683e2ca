// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- an untyped module's declaration, in every compilation that takes this file
/// <reference path="./pg-utils.d.ts" />
import { escapeLiteral } from "pg";
import { prepareValue } from "pg/lib/utils";

/**
 * A value written into SQL as a literal, as node-postgres would send it as a parameter: its text
 * form (pg's prepareValue: dates with their offset, arrays as array literals, objects as JSON),
 * quoted and escaped; bytes as bytea's hex form. An untyped literal takes its type from where it
 * stands, as a parameter does.
 */
export function literalOf(value: unknown): string {
  // prepareValue hands bytes (and typed arrays, as bytes) back as a Buffer, null and undefined as null.
  const text = prepareValue(value) as string | Buffer | null;
  if (text === null) return "null";
  if (Buffer.isBuffer(text)) return `E'\\\\x${text.toString("hex")}'::bytea`;
  return escapeLiteral(text);
}

/**
 * `sql` with each `$n` replaced by the literal of `values[n - 1]`, for PostgreSQL's simple
 * protocol, which takes no parameters. `$n` inside quoted literals and identifiers is left alone.
 */
export function withLiterals(sql: string, values: readonly unknown[]): string {
  let out = "";
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === "'" || c === '"') {
      // A quoted literal or identifier, its quote doubled inside.
      let j = i + 1;
      for (;;) {
        const k = sql.indexOf(c, j);
        if (k < 0) throw new Error("unterminated quote in SQL");
        if (sql[k + 1] === c) {
          j = k + 2;
          continue;
        }
        j = k + 1;
        break;
      }
      out += sql.slice(i, j);
      i = j;
      continue;
    }
    if (c === "$") {
      const m = /^\$(\d+)/.exec(sql.slice(i, i + 8));
      if (m) {
        const n = Number(m[1]);
        if (n < 1 || n > values.length) throw new Error(`SQL names parameter $${n} of ${values.length}`);
        out += literalOf(values[n - 1]);
        i += m[0].length;
        continue;
      }
    }
    out += c;
    i++;
  }
  return out;
}
