/**
 * The bulletins service as a node composes it: its gRPC transport (through `implement()`), its
 * use cases and knex pool, served by `GrpcServer`. GetBulletin never touches the bus.
 */
import { bulletinsModule } from "@jinlian/bulletins";
import { createDatabase, GrpcServer } from "@jinlian/chassis";
import { benchLogger, serviceParts } from "../../lib/jinlian";
import type { ScenarioFactory } from "../../lib/protocol";
import { grpcRun } from "../grpc-common";

export const create: ScenarioFactory = async (config) => {
  const logger = benchLogger();
  const db = createDatabase({ url: config.databaseUrl, schema: config.schemas.bulletins, applicationName: "bench-jinlian" });
  const instance = serviceParts(bulletinsModule, { db, schema: config.schemas.bulletins, namespace: config.namespace });
  const server = new GrpcServer({ logger });
  for (const s of instance.grpcServices) server.add(s);
  const port = await server.start("127.0.0.1", 0);
  server.setStatus("SERVING");
  const { grpcPgLatencyCalls, grpcPgThroughputCalls, grpcConcurrency } = config.sizes;
  return grpcRun(
    {
      port,
      stop: async () => {
        await server.drain(2000);
        await db.destroy();
      },
    },
    config.bulletinId,
    {
      latencyCalls: grpcPgLatencyCalls,
      throughputCalls: grpcPgThroughputCalls,
      concurrency: grpcConcurrency,
      warmupFraction: config.sizes.warmupFraction,
    },
  );
};
