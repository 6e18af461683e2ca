/** Bare grpc-js, GetBulletin answered from memory. */
import { sampleBulletin } from "../../lib/fixtures";
import type { ScenarioFactory } from "../../lib/protocol";
import { bareServer, getOnce, grpcRun } from "../grpc-common";

export const create: ScenarioFactory = async (config) => {
  const response = { bulletin: sampleBulletin() };
  const served = await bareServer({ getBulletin: async () => response });
  const { grpcLatencyCalls, grpcThroughputCalls, grpcConcurrency } = config.sizes;
  return grpcRun(served, getOnce(response.bulletin.bulletinId), {
    latencyCalls: grpcLatencyCalls,
    throughputCalls: grpcThroughputCalls,
    concurrency: grpcConcurrency,
    warmupFraction: config.sizes.warmupFraction,
  });
};
