// Entry point of the generated contracts. Everything under gen/ comes from `pnpm gen`.
import { existsSync } from "node:fs";
import path from "node:path";

// One namespace per protobuf package, from the package's index (gen.sh writes it from the
// package's files), so splitting or adding a .proto file changes nothing here.
export * as commonV1 from "../gen/jinlian/common/v1/index";
export * as bulletinsV1 from "../gen/jinlian/bulletins/v1/index";
export * as bulletinsEventsV1 from "../gen/jinlian/bulletins/events/v1/index";
export * as liaisonV1 from "../gen/jinlian/liaison/v1/index";
export * as liaisonEventsV1 from "../gen/jinlian/liaison/events/v1/index";
export * as legislationV1 from "../gen/jinlian/legislation/v1/index";
export * as legislationEventsV1 from "../gen/jinlian/legislation/events/v1/index";
export * as legalServicesV1 from "../gen/jinlian/legal_services/v1/index";
export * as legalServicesEventsV1 from "../gen/jinlian/legal_services/events/v1/index";
export * as mediationV1 from "../gen/jinlian/mediation/v1/index";
export * as mediationEventsV1 from "../gen/jinlian/mediation/events/v1/index";
export * as federationEventsV1 from "../gen/jinlian/federation/events/v1/index";
export * as googleRpc from "../gen/google/rpc/status";
export * as googleRpcDetails from "../gen/google/rpc/error_details";
export { Timestamp } from "../gen/google/protobuf/timestamp";
export { Duration } from "../gen/google/protobuf/duration";

function packageRoot(): string {
  // src/ when run from sources (tests), dist/src/ when compiled.
  let dir = __dirname;
  while (!existsSync(path.join(dir, "package.json"))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error("@jinlian/proto: package root not found");
    dir = parent;
  }
  return dir;
}

/** Path of the FileDescriptorSet of every Jinlian contract (built by `buf build`), for reflection. */
export function descriptorSetPath(): string {
  return path.join(packageRoot(), "gen", "jinlian.binpb");
}

/** Directory holding the .proto sources, e.g. for documentation tooling. */
export function protoRoot(): string {
  return packageRoot();
}
