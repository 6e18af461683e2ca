/**
 * The bulletins service as a node composes it: its gRPC transport (through `implement()`), the
 * BulletinsApp use case and its knex pool, served by `GrpcServer`. GetBulletin never touches the
 * bus, so the Kafka client the service is given is never connected.
 */
import { randomUUID } from "node:crypto";
import { createBulletinsService } from "@jinlian/bulletins";
import { createDatabase, createKafka, createProducer, GrpcServer, systemClock } from "@jinlian/chassis";
import { benchLogger } from "../../lib/jinlian";
import type { ScenarioFactory } from "../../lib/protocol";
import { grpcRun } from "../grpc-common";

export const create: ScenarioFactory = async (config) => {
  const logger = benchLogger();
  const db = createDatabase({ url: config.databaseUrl, schema: config.schemas.bulletins, applicationName: "bench-jinlian" });
  const kafka = createKafka({ brokers: config.brokers, clientId: "bench-grpc", logger });
  const instance = createBulletinsService({
    node: { jurisdictionCode: "120000", topicNamespace: config.namespace },
    db,
    databaseUrl: config.databaseUrl,
    schema: config.schemas.bulletins,
    kafka,
    producer: createProducer(kafka),
    logger,
    clock: systemClock,
    ids: { newId: () => randomUUID() },
  });
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
