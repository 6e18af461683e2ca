/**
 * Bare grpc-js and a bare pg pool: CreateBulletinDraft is one transaction with one insert of the
 * draft's row (returning it), mapped to the answer by hand. No idempotency, registry lookup,
 * audit entry or read-back: the floor a write can cost.
 */
import { randomUUID } from "node:crypto";
import { bulletinsV1 } from "@jinlian/proto";
import { bulletinOfRow } from "../../lib/bare-bulletin";
import { baselinePool } from "../../lib/database";
import type { ScenarioFactory } from "../../lib/protocol";
import { bareServer, createDraftOnce, grpcRun, pgSizes, withPool } from "../grpc-common";

const nameOf = (e: Record<number, string>, prefix: string, v: number) => e[v]!.slice(prefix.length);

const INSERT_DRAFT = `insert into bulletins (bulletin_id, origin, kind, issuer_credit_code, issuer_name, issuer_jurisdiction,
    issuing_jurisdiction, title, body, main_audience, copy_audience, urgency, classification, ack_window_seconds, status,
    current_version, revision, created_by, created_at, updated_at, co_issuers)
  values ($1, 'ISSUED', $2, $3, $4, $5, '120000', $6, $7, $8, $9, $10, $11, $12, 'DRAFT', 0, 1, 'bench', $13, $13, '[]'::jsonb)
  returning *`;

export const create: ScenarioFactory = async (config) => {
  const pool = baselinePool(config.databaseUrl, config.schemas.bulletins);
  const served = await bareServer({
    createBulletinDraft: async (req) => {
      const client = await pool.connect();
      try {
        await client.query("begin");
        const { rows } = await client.query(INSERT_DRAFT, [
          randomUUID(),
          nameOf(bulletinsV1.BulletinKind, "BULLETIN_KIND_", req.kind),
          req.issuer!.creditCode,
          req.issuer!.name,
          req.issuer!.jurisdictionCode,
          req.title,
          req.body,
          JSON.stringify(req.mainAudience),
          JSON.stringify(req.copyAudience),
          nameOf(bulletinsV1.Urgency, "URGENCY_", req.urgency),
          nameOf(bulletinsV1.Classification, "CLASSIFICATION_", req.classification),
          req.acknowledgementWindow ? Number(req.acknowledgementWindow.seconds) : null,
          new Date(),
        ]);
        await client.query("commit");
        return { bulletin: bulletinOfRow(rows[0], [], { recipients: 0, read: 0, overdue: 0 }) };
      } catch (err) {
        await client.query("rollback");
        throw err;
      } finally {
        client.release();
      }
    },
  });
  return grpcRun(withPool(served, pool), createDraftOnce, pgSizes(config.sizes));
};
