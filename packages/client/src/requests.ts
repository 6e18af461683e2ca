import * as contracts from "@jinlian/proto";

/**
 * A request as callers may write it: any field may be left out and takes its protobuf default
 * (empty text, 0, false, empty list, unset message). Contracts grow by adding fields, so a caller
 * written before a field existed stays valid, in types and on the wire.
 */
export type DeepPartial<T> = T extends Date | Buffer | Uint8Array
  ? T
  : T extends readonly (infer E)[]
    ? readonly DeepPartial<E>[]
    : T extends { $case: string }
      ? { [K in keyof T]?: DeepPartial<T[K]> } & { $case: T["$case"] }
      : T extends object
        ? { [K in keyof T]?: DeepPartial<T[K]> }
        : T;

interface MessageCodec {
  fromPartial(object: unknown): unknown;
}

type Namespace = Record<string, unknown>;

/** Each protobuf package's generated namespace, found by the services it declares. */
const namespacesByPackage: ReadonlyMap<string, Namespace> = (() => {
  const out = new Map<string, Namespace>();
  for (const ns of Object.values(contracts)) {
    if (!ns || typeof ns !== "object") continue;
    for (const value of Object.values(ns as Namespace)) {
      if (!value || typeof value !== "object") continue;
      for (const method of Object.values(value as Namespace)) {
        const path = (method as { path?: unknown })?.path;
        if (typeof path !== "string" || !path.startsWith("/")) continue;
        const service = path.slice(1, path.indexOf("/", 1));
        out.set(service.slice(0, service.lastIndexOf(".")), ns as Namespace);
      }
    }
  }
  return out;
})();

/**
 * Fills a request's missing fields with their defaults before it is encoded (the generated
 * encoders expect every field), using the method's request message: `<Method>Request` in the
 * service's package, as buf lint requires. Returns the request unchanged when none is found.
 */
export function completerFor(path: string): (request: unknown) => unknown {
  const [, service = "", method = ""] = path.split("/");
  const ns = namespacesByPackage.get(service.slice(0, service.lastIndexOf(".")));
  const codec = ns?.[`${method}Request`] as Partial<MessageCodec> | undefined;
  return typeof codec?.fromPartial === "function" ? (r) => codec.fromPartial!(r ?? {}) : (r) => r;
}
