import type { Knex } from "knex";
import type {
  Audience,
  BulletinKind,
  BulletinState,
  BulletinStatus,
  Classification,
  Origin,
  Recipient,
  RecipientRole,
  Urgency,
  VersionChange,
} from "../domain/bulletin";

export interface BulletinRow {
  bulletin_id: string;
  origin: Origin;
  kind: BulletinKind;
  issuer_credit_code: string;
  issuer_name: string;
  issuer_jurisdiction: string;
  issuing_jurisdiction: string;
  year: number | null;
  number: number | null;
  title: string;
  body: string;
  main_audience: Audience;
  copy_audience: Audience;
  urgency: Urgency;
  classification: Classification;
  ack_window_seconds: number | null;
  ack_due_at: Date | null;
  status: BulletinStatus;
  current_version: number;
  revision: number;
  created_by: string;
  created_at: Date;
  published_at: Date | null;
  updated_at: Date;
}

export interface VersionRow {
  bulletin_id: string;
  version: number;
  change: VersionChange;
  title: string;
  body: string;
  reason: string;
  actor: string;
  request_id: string;
  jurisdiction: string;
  occurred_at: Date;
  ack_due_at: Date | null;
}

export interface RecipientRow {
  bulletin_id: string;
  recipient_key: string;
  recipient: Recipient;
  role: RecipientRole;
  delivery_jurisdiction: string;
  acknowledged_version: number;
  acknowledged_at: Date | null;
  acknowledged_by: string | null;
  reader_name: string | null;
}

export interface ReadCounts {
  recipients: number;
  read: number;
  unread: number;
  overdue: number;
}

export function stateOf(row: BulletinRow): BulletinState {
  return {
    bulletinId: row.bulletin_id,
    origin: row.origin,
    status: row.status,
    revision: row.revision,
    currentVersion: row.current_version,
  };
}

/** Knex queries over the bulletins schema; callers pass a transaction where one is needed. */
export const repository = {
  async find(db: Knex | Knex.Transaction, id: string, forUpdate = false): Promise<BulletinRow | undefined> {
    const q = db<BulletinRow>("bulletins").where({ bulletin_id: id }).first();
    return forUpdate ? q.forUpdate() : q;
  },

  async insert(db: Knex | Knex.Transaction, row: BulletinRow): Promise<void> {
    await db("bulletins").insert({
      ...row,
      main_audience: JSON.stringify(row.main_audience),
      copy_audience: JSON.stringify(row.copy_audience),
    });
  },

  async update(trx: Knex.Transaction, id: string, patch: Partial<BulletinRow>): Promise<void> {
    const values: Record<string, unknown> = { ...patch };
    if (patch.main_audience) values.main_audience = JSON.stringify(patch.main_audience);
    if (patch.copy_audience) values.copy_audience = JSON.stringify(patch.copy_audience);
    await trx("bulletins").where({ bulletin_id: id }).update(values);
  },

  /** Next number in the issuer's series for a kind and year; the row lock serialises issuers. */
  async nextIssueNumber(trx: Knex.Transaction, issuerCreditCode: string, kind: BulletinKind, year: number): Promise<number> {
    const { rows } = await trx.raw<{ rows: { last_number: number }[] }>(
      `insert into issue_number_series (issuer_credit_code, kind, year, last_number) values (?, ?, ?, 1)
       on conflict (issuer_credit_code, kind, year) do update set last_number = issue_number_series.last_number + 1
       returning last_number`,
      [issuerCreditCode, kind, year],
    );
    return rows[0]!.last_number;
  },

  async insertVersion(trx: Knex.Transaction, row: VersionRow): Promise<void> {
    await trx("bulletin_versions").insert(row).onConflict(["bulletin_id", "version"]).ignore();
  },

  async versions(db: Knex, id: string): Promise<VersionRow[]> {
    return db<VersionRow>("bulletin_versions").where({ bulletin_id: id }).orderBy("version");
  },

  async insertRecipients(
    trx: Knex.Transaction,
    rows: readonly Omit<RecipientRow, "acknowledged_version" | "acknowledged_at" | "acknowledged_by" | "reader_name">[],
  ): Promise<void> {
    if (rows.length === 0) return;
    await trx("bulletin_recipients")
      .insert(rows.map((r) => ({ ...r, recipient: JSON.stringify(r.recipient) })))
      .onConflict(["bulletin_id", "recipient_key"])
      .ignore();
  },

  async recipients(db: Knex | Knex.Transaction, id: string): Promise<RecipientRow[]> {
    // Main recipients (主送) before copy recipients (抄送), as on the printed page.
    return db<RecipientRow>("bulletin_recipients")
      .where({ bulletin_id: id })
      .orderByRaw("case role when 'MAIN' then 0 else 1 end, recipient_key");
  },

  async recipient(db: Knex | Knex.Transaction, id: string, key: string, forUpdate = false): Promise<RecipientRow | undefined> {
    const q = db<RecipientRow>("bulletin_recipients").where({ bulletin_id: id, recipient_key: key }).first();
    return forUpdate ? q.forUpdate() : q;
  },

  async recordAcknowledgement(
    trx: Knex.Transaction,
    id: string,
    key: string,
    ack: { version: number; at: Date; by: string; readerName: string },
  ): Promise<void> {
    await trx("bulletin_recipients")
      .where({ bulletin_id: id, recipient_key: key })
      .where("acknowledged_version", "<", ack.version)
      .update({ acknowledged_version: ack.version, acknowledged_at: ack.at, acknowledged_by: ack.by, reader_name: ack.readerName });
  },

  /** Read counts per bulletin at `now`, for the given ids. */
  async readCounts(db: Knex, ids: readonly string[], now: Date): Promise<Map<string, ReadCounts>> {
    const out = new Map<string, ReadCounts>();
    if (ids.length === 0) return out;
    const { rows } = await db.raw<{ rows: { bulletin_id: string; recipients: string; read: string; overdue: string }[] }>(
      `select r.bulletin_id,
              count(*) as recipients,
              count(*) filter (where r.acknowledged_version >= b.current_version) as read,
              count(*) filter (where r.acknowledged_version < b.current_version and b.ack_due_at is not null and b.ack_due_at < ?) as overdue
         from bulletin_recipients r join bulletins b using (bulletin_id)
        where r.bulletin_id = any(?::uuid[]) and b.status = 'PUBLISHED'
        group by r.bulletin_id`,
      [now, ids as string[]],
    );
    for (const r of rows) {
      const recipients = Number(r.recipients);
      const read = Number(r.read);
      const overdue = Number(r.overdue);
      out.set(r.bulletin_id, { recipients, read, overdue, unread: recipients - read - overdue });
    }
    return out;
  },
};
