/**
 * Bare grpc-js and a bare pg pool: GetBulletin runs the five statements BulletinsApp.view runs
 * (the row, its versions, its recipients, each party's latest receipt, its read counts; SQL as
 * knex renders it) and maps them by hand.
 */
import { bulletinsV1 } from "@jinlian/proto";
import { baselinePool } from "../../lib/database";
import type { ScenarioFactory } from "../../lib/protocol";
import { bareServer, grpcRun } from "../grpc-common";
import { READ_COUNTS_SQL } from "../sql-list/baseline";

const P = bulletinsV1;
const enumOf = (e: Record<string, string | number>, prefix: string, v: string) => e[`${prefix}${v}`] as number;

export const create: ScenarioFactory = async (config) => {
  const pool = baselinePool(config.databaseUrl, config.schemas.bulletins);
  const served = await bareServer(async (id) => {
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
    const recipients = Number(c.recipients);
    const read = Number(c.read);
    const overdue = Number(c.overdue);
    return {
      bulletin: {
        bulletinId: r.bulletin_id,
        kind: enumOf(P.BulletinKind, "BULLETIN_KIND_", r.kind),
        issuer: { creditCode: r.issuer_credit_code, jurisdictionCode: r.issuer_jurisdiction, name: r.issuer_name },
        issuingJurisdictionCode: r.issuing_jurisdiction,
        issueNumber: r.year !== null ? { year: r.year, number: r.number } : undefined,
        displayNumber: r.year !== null ? `${r.year}年第${r.number}期` : "",
        title: r.title,
        body: r.body,
        mainAudience: r.main_audience,
        copyAudience: r.copy_audience,
        urgency: enumOf(P.Urgency, "URGENCY_", r.urgency),
        classification: enumOf(P.Classification, "CLASSIFICATION_", r.classification),
        acknowledgementDueTime: r.ack_due_at ?? undefined,
        status: enumOf(P.BulletinStatus, "BULLETIN_STATUS_", r.status),
        currentVersion: r.current_version,
        versions: versions.rows.map((x) => ({
          version: x.version,
          change: enumOf(P.VersionChange, "VERSION_CHANGE_", x.change),
          title: x.title,
          body: x.body,
          reason: x.reason,
          audit: { actor: x.actor, reason: x.reason, requestId: x.request_id, occurTime: x.occurred_at, jurisdictionCode: x.jurisdiction },
        })),
        revision: r.revision,
        origin: enumOf(P.Origin, "ORIGIN_", r.origin),
        createTime: r.created_at,
        publishTime: r.published_at ?? undefined,
        updateTime: r.updated_at,
        readSummary: { recipients, read, overdue, unread: recipients - read - overdue },
        acknowledgementWindow: r.ack_window_seconds === null ? undefined : { seconds: String(r.ack_window_seconds), nanos: 0 },
        coIssuers: r.co_issuers,
        approval: r.approval
          ? {
              approver: { name: r.approval.approverName, position: r.approval.approverPosition },
              audit: {
                actor: r.approval.actor,
                reason: r.approval.reason,
                requestId: r.approval.requestId,
                occurTime: new Date(r.approval.at),
                jurisdictionCode: r.approval.jurisdiction,
              },
            }
          : undefined,
      },
    };
  });
  const { grpcPgLatencyCalls, grpcPgThroughputCalls, grpcConcurrency } = config.sizes;
  return grpcRun(
    {
      port: served.port,
      stop: async () => {
        await served.stop();
        await pool.end();
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
