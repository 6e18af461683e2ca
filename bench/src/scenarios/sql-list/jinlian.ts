/** The bulletins use case ListBulletins (validation, page-token fingerprint, knex query builder, row mapping). */
import { bulletinsModule } from "@jinlian/bulletins";
import { createDatabase } from "@jinlian/chassis";
import { serviceParts } from "../../lib/jinlian";
import type { ScenarioFactory } from "../../lib/protocol";
import { PAGE_SIZE, sqlRun } from "../sql-common";

export const create: ScenarioFactory = async (config) => {
  const db = createDatabase({ url: config.databaseUrl, schema: config.schemas.bulletins, applicationName: "bench-jinlian" });
  const { app } = serviceParts(bulletinsModule, { db, schema: config.schemas.bulletins, namespace: config.namespace }).seams!;
  const list = async (): Promise<number> => (await app.list({}, PAGE_SIZE, "")).items.length;
  return sqlRun(config.sizes.sqlCalls, config.sizes.warmupFraction, list, () => db.destroy());
};
