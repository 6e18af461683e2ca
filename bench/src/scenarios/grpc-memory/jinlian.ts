/**
 * The chassis with an in-memory handler: `implement()` (trace context and SERVER span, request
 * id echoed in response metadata, deadline check, authentication and authorisation seam, request
 * context, metrics histogram, logs, error mapping) served by `GrpcServer` (health, reflection).
 */
import { GrpcServer, implement, MECHANISM, own, type AccessRules, type UnaryHandlers } from "@jinlian/chassis";
import { sampleBulletin } from "../../lib/fixtures";
import { benchLogger } from "../../lib/jinlian";
import type { ScenarioFactory } from "../../lib/protocol";
import { DEF, getOnce, grpcRun } from "../grpc-common";

export const create: ScenarioFactory = async (config) => {
  const response = { bulletin: sampleBulletin() };
  const logger = benchLogger();
  const notBenchmarked = async () => {
    throw new Error("not part of the benchmark");
  };
  const handlers = {
    ...Object.fromEntries(Object.keys(DEF).map((name) => [name, notBenchmarked])),
    getBulletin: async () => response,
  } as unknown as UnaryHandlers<typeof DEF>;
  // Development mode (every call allowed), as the node runs without JINLIAN_AUTH=jwt.
  const access = Object.fromEntries(Object.keys(DEF).map((name) => [name, own(...MECHANISM)])) as AccessRules<typeof DEF>;
  const server = new GrpcServer({ logger });
  server.add({
    name: "jinlian.bulletins.v1.BulletinsService",
    definition: DEF,
    implementation: implement(DEF, handlers, { logger, access }),
  });
  const port = await server.start("127.0.0.1", 0);
  server.setStatus("SERVING");
  const { grpcLatencyCalls, grpcThroughputCalls, grpcConcurrency } = config.sizes;
  return grpcRun({ port, stop: () => server.drain(2000) }, getOnce(response.bulletin.bulletinId), {
    latencyCalls: grpcLatencyCalls,
    throughputCalls: grpcThroughputCalls,
    concurrency: grpcConcurrency,
    warmupFraction: config.sizes.warmupFraction,
  });
};
