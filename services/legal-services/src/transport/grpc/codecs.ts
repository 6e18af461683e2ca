/**
 * Reads an optional enum filter: 0 means no filter, a number the contract does not define is a
 * violation naming the field.
 */
export function optionalEnum<D>(
  v: { add(field: string, description: string): unknown },
  field: string,
  value: number,
  codec: { fromProto(n: number): D | undefined },
): D | undefined {
  if (value === 0) return undefined;
  const d = codec.fromProto(value);
  if (d === undefined) v.add(field, `unknown value ${value}`);
  return d;
}

/** A required enum of a request: undefined (for the domain to name as missing) when 0 or unknown. */
export const requiredEnum = <D>(value: number, codec: { fromProto(n: number): D | undefined }): D | undefined => codec.fromProto(value);
