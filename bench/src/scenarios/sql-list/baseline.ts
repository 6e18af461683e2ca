/**
 * The statements BulletinsApp.list runs for an unfiltered first page, as knex renders them,
 * through a bare pg pool: the total count, the page (one row more, to know if there is a next
 * page), and the read counts of the page's bulletins. Without a reader, restricted bulletins
 * (限制分发) are left out. Rows are mapped to plain objects.
 */
import { baselinePool } from "../../lib/database";
import type { ScenarioFactory } from "../../lib/protocol";
import { PAGE_SIZE, sqlRun } from "../sql-common";

export const READ_COUNTS_SQL = `select r.bulletin_id,
              count(*) as recipients,
              count(*) filter (where r.acknowledged_version >= b.current_version) as read,
              count(*) filter (where r.acknowledged_version < b.current_version and b.ack_due_at is not null and b.ack_due_at < $1) as overdue
         from bulletin_recipients r join bulletins b using (bulletin_id)
        where r.bulletin_id = any($2::uuid[]) and b.status = 'PUBLISHED' and r.withdrawn_version is null
        group by r.bulletin_id`;

export const create: ScenarioFactory = async (config) => {
  const pool = baselinePool(config.databaseUrl, config.schemas.bulletins);
  const list = async (): Promise<number> => {
    const total = await pool.query('select count(*) as "n" from "bulletins" as "b" where not "b"."classification" = $1', ["RESTRICTED"]);
    const page = await pool.query(
      'select "b".*, coalesce(b.published_at, b.created_at) as sort_key from "bulletins" as "b" where not "b"."classification" = $1 ' +
        "order by coalesce(b.published_at, b.created_at) desc, b.bulletin_id desc limit $2",
      ["RESTRICTED", PAGE_SIZE + 1],
    );
    const items = page.rows.slice(0, PAGE_SIZE);
    const counts = await pool.query(READ_COUNTS_SQL, [new Date(), items.map((r) => r.bulletin_id)]);
    const byId = new Map(counts.rows.map((c) => [c.bulletin_id, c]));
    const result = {
      items: items.map(({ sort_key: _s, ...row }) => ({ row, counts: byId.get(row.bulletin_id) })),
      more: page.rows.length > PAGE_SIZE,
      totalSize: Number(total.rows[0].n),
    };
    return result.items.length;
  };
  return sqlRun(config.sizes.sqlCalls, config.sizes.warmupFraction, list, () => pool.end());
};
