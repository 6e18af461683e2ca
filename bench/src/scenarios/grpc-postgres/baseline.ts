/**
 * Bare grpc-js and a bare pg pool: GetBulletin runs the five statements BulletinsApp.view runs
 * (the row, its versions, its recipients, each party's latest receipt, its read counts; SQL as
 * knex renders it) and maps them by hand.
 */
import { bulletinOfRow } from "../../lib/bare-bulletin";
import { baselinePool } from "../../lib/database";
import type { ScenarioFactory } from "../../lib/protocol";
import { bareServer, getOnce, grpcRun, pgSizes, withPool } from "../grpc-common";
import { READ_COUNTS_SQL } from "../sql-list/baseline";

export const create: ScenarioFactory = async (config) => {
  const pool = baselinePool(config.databaseUrl, config.schemas.bulletins);
  const served = await bareServer({
    getBulletin: async ({ bulletinId: id }) => {
      const { rows } = await pool.query('select * from "bulletins" where "bulletin_id" = $1 limit $2', [id, 1]);
      const r = rows[0];
      if (!r) throw Object.assign(new Error(`bulletin ${id} not found`), { code: 5 });
      const versions = await pool.query('select * from "bulletin_versions" where "bulletin_id" = $1 order by "version" asc', [id]);
      // Recipients and receipts are read as the view reads them, though GetBulletin shows only counts.
      await pool.query(
        `select * from "bulletin_recipients" where "bulletin_id" = $1 order by case role when 'MAIN' then 0 else 1 end, recipient_key`,
        [id],
      );
      await pool.query(
        `select distinct on (recipient_key, party) recipient_key, party, version, acknowledged_at, acknowledged_by, reader_name
         from bulletin_receipts where bulletin_id = $1
        order by recipient_key, party, version desc, acknowledged_at desc, receipt_id desc`,
        [id],
      );
      const counts = await pool.query(READ_COUNTS_SQL, [new Date(), [id]]);
      const c = counts.rows[0] ?? { recipients: "0", read: "0", overdue: "0" };
      const readCounts = { recipients: Number(c.recipients), read: Number(c.read), overdue: Number(c.overdue) };
      return { bulletin: bulletinOfRow(r, versions.rows, readCounts) };
    },
  });
  return grpcRun(withPool(served, pool), getOnce(config.bulletinId), pgSizes(config.sizes));
};
