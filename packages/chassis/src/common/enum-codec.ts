/** Maps a ts-proto numeric enum to domain names by stripping the enum's prefix. */
export function enumCodec<D extends string>(protoEnum: Record<string, string | number>, prefix: string, values: readonly D[]) {
  return {
    toProto(value: D): number {
      return protoEnum[`${prefix}${value}`] as number;
    },
    /** undefined for UNSPECIFIED or a number the contract does not define. */
    fromProto(value: number): D | undefined {
      const name = protoEnum[value];
      if (typeof name !== "string" || !name.startsWith(prefix)) return undefined;
      const d = name.slice(prefix.length) as D;
      return values.includes(d) ? d : undefined;
    },
  };
}
