// node-postgres' own conversion of a parameter to its text form (pg/lib/utils.js, untyped upstream).
declare module "pg/lib/utils" {
  export function prepareValue(value: unknown): string | Buffer | null;
}
