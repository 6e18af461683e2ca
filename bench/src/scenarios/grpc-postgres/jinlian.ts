/** The bulletins service as a node composes it (lib/jinlian.ts). GetBulletin never touches the bus. */
import { bulletinsServer } from "../../lib/jinlian";
import type { ScenarioFactory } from "../../lib/protocol";
import { getOnce, grpcRun } from "../grpc-common";

export const create: ScenarioFactory = async (config) => {
  const { grpcPgLatencyCalls, grpcPgThroughputCalls, grpcConcurrency } = config.sizes;
  return grpcRun(await bulletinsServer(config), getOnce(config.bulletinId), {
    latencyCalls: grpcPgLatencyCalls,
    throughputCalls: grpcPgThroughputCalls,
    concurrency: grpcConcurrency,
    warmupFraction: config.sizes.warmupFraction,
  });
};
