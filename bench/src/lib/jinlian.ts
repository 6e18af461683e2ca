/** Helpers for the jinlian side of each scenario (never imported by a baseline worker). */
import { bulletinsModule } from "@jinlian/bulletins";
import {
  createDatabase,
  createLogger,
  GrpcServer,
  type Logger,
  type ServiceConfigShape,
  type ServiceModule,
  type ServiceParts,
} from "@jinlian/chassis";
import { createServiceParts } from "@jinlian/node";
import type { Knex } from "knex";
import type { WorkerConfig } from "./protocol";

/**
 * The production logger (pino JSON at "info", with the trace/request mixin) writing to a sink
 * that drops info lines, as a log shipper would take them off stdout; warnings and errors go to
 * stderr so a failing run explains itself. Hot paths log at debug, so they format nothing.
 */
export function benchLogger(): Logger {
  return createLogger({
    level: "info",
    base: { service: "bench" },
    destination: {
      write(line: string) {
        if (line.includes('"level":"warn"') || line.includes('"level":"error"') || line.includes('"level":"fatal"')) {
          process.stderr.write(line);
        }
      },
    },
  });
}

/** A module's parts as a node would create them at 120000, over the given pool (no relay, no consumers). */
export function serviceParts<Seams>(
  module: ServiceModule<ServiceConfigShape, Seams>,
  options: { db: Knex; schema: string; namespace: string },
): ServiceParts<Seams> {
  return createServiceParts(module, {
    node: { jurisdictionCode: "120000", topicNamespace: options.namespace },
    db: options.db,
    schema: options.schema,
    logger: benchLogger(),
    environment: {},
  });
}

/**
 * The bulletins service as a node composes it: its gRPC transport (through `implement()`), its use
 * cases and knex pool, served by `GrpcServer`.
 */
export async function bulletinsServer(config: WorkerConfig): Promise<{ port: number; stop(): Promise<void> }> {
  const db = createDatabase({ url: config.databaseUrl, schema: config.schemas.bulletins, applicationName: "bench-jinlian" });
  const instance = serviceParts(bulletinsModule, { db, schema: config.schemas.bulletins, namespace: config.namespace });
  const server = new GrpcServer({ logger: benchLogger() });
  for (const s of instance.grpcServices) server.add(s);
  const port = await server.start("127.0.0.1", 0);
  server.setStatus("SERVING");
  return {
    port,
    stop: async () => {
      await server.drain(2000);
      await db.destroy();
    },
  };
}
