/** BulletinsApp.list (validation, page-token fingerprint, knex query builder, row mapping). */
import { randomUUID } from "node:crypto";
import { BulletinsApp } from "@jinlian/bulletins";
import { createDatabase, systemClock } from "@jinlian/chassis";
import { benchLogger } from "../../lib/jinlian";
import type { ScenarioFactory } from "../../lib/protocol";
import { PAGE_SIZE, sqlRun } from "../sql-common";

export const create: ScenarioFactory = async (config) => {
  const db = createDatabase({ url: config.databaseUrl, schema: config.schemas.bulletins, applicationName: "bench-jinlian" });
  const app = new BulletinsApp({
    db,
    schema: config.schemas.bulletins,
    node: { jurisdictionCode: "120000", topicNamespace: config.namespace },
    clock: systemClock,
    ids: { newId: () => randomUUID() },
    logger: benchLogger(),
  });
  const list = async (): Promise<number> => (await app.list({}, PAGE_SIZE, "")).items.length;
  return sqlRun(config.sizes.sqlCalls, config.sizes.warmupFraction, list, () => db.destroy());
};
