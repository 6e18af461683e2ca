/** Helpers for the jinlian side of each scenario (never imported by a baseline worker). */
import { createLogger, type Logger, type ServiceConfigShape, type ServiceModule, type ServiceParts } from "@jinlian/chassis";
import { createServiceParts } from "@jinlian/node";
import type { Knex } from "knex";

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
