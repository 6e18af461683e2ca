/**
 * Bare grpc-js and a bare pg pool: GetBulletin runs the two statements BulletinsApp.view runs
 * (the row with its versions, recipients and each party's latest receipt aggregated as JSON, then
 * its read counts) and maps them by hand.
 */
import { bulletinOfRow } from "../../lib/bare-bulletin";
import { baselinePool } from "../../lib/database";
import type { ScenarioFactory } from "../../lib/protocol";
import { bareServer, getOnce, grpcRun, pgSizes, withPool } from "../grpc-common";
import { READ_COUNTS_SQL } from "../sql-list/baseline";

const LOAD_SQL = `select b.*,
    coalesce((select json_agg(v order by v.version) from bulletin_versions v where v.bulletin_id = b.bulletin_id), '[]') as versions,
    coalesce((select json_agg(r order by case r.role when 'MAIN' then 0 else 1 end, r.recipient_key)
                from bulletin_recipients r where r.bulletin_id = b.bulletin_id), '[]') as recipients,
    coalesce((select json_agg(x) from (
       select distinct on (recipient_key, party) recipient_key, party, version, acknowledged_at, acknowledged_by, reader_name
         from bulletin_receipts where bulletin_id = b.bulletin_id
        order by recipient_key, party, version desc, acknowledged_at desc, receipt_id desc) x), '[]') as reads
  from bulletins b where b.bulletin_id = $1`;

export const create: ScenarioFactory = async (config) => {
  const pool = baselinePool(config.databaseUrl, config.schemas.bulletins);
  const served = await bareServer({
    getBulletin: async ({ bulletinId: id }) => {
      const { rows } = await pool.query(LOAD_SQL, [id]);
      const r = rows[0];
      if (!r) throw Object.assign(new Error(`bulletin ${id} not found`), { code: 5 });
      // Recipients and receipts are read as the view reads them, though GetBulletin shows only counts.
      const versions = (r.versions as { occurred_at: string; ack_due_at: string | null }[]).map((v) => ({
        ...v,
        occurred_at: new Date(v.occurred_at),
        ack_due_at: v.ack_due_at === null ? null : new Date(v.ack_due_at),
      }));
      const counts = await pool.query(READ_COUNTS_SQL, [new Date(), [id]]);
      const c = counts.rows[0] ?? { recipients: "0", read: "0", overdue: "0" };
      const readCounts = { recipients: Number(c.recipients), read: Number(c.read), overdue: Number(c.overdue) };
      return { bulletin: bulletinOfRow(r, versions, readCounts) };
    },
  });
  return grpcRun(withPool(served, pool), getOnce(config.bulletinId), pgSizes(config.sizes));
};
