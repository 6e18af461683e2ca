import {
  containsPattern,
  keysetPage,
  sqlLiteral,
  writeNowOrAlongside,
  type AggregateStore,
  type OpeningRead,
  type WritesAlongside,
} from "@jinlian/chassis";
import type { Knex } from "knex";
import {
  BULLETIN_AGGREGATE,
  type Approval,
  type Audience,
  type Bulletin,
  type BulletinFilter,
  type BulletinKind,
  type BulletinStatus,
  type BulletinVersion,
  type Classification,
  type Origin,
  type ReadCounts,
  type Receipt,
  type Recipient,
  type RecipientEntry,
  type RecipientRole,
  type Urgency,
  type VersionChange,
  type OrganisationRef,
} from "../domain/bulletin";
import type { Reader, RegisteredParty } from "../domain/office";
import { latestReadsQuery, partyOfColumn, partyReadsOf, withPartyReads, type LatestReadJson } from "./receipts-repository";

interface BulletinRow {
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
  co_issuers: OrganisationRef[];
  approval: (Omit<Approval, "at"> & { at: string }) | null;
}

interface VersionRow {
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

interface RecipientRow {
  bulletin_id: string;
  recipient_key: string;
  recipient: Recipient;
  role: RecipientRole;
  delivery_jurisdiction: string;
  acknowledged_version: number;
  acknowledged_at: Date | null;
  acknowledged_by: string | null;
  reader_name: string | null;
  withdrawn_version: number | null;
  forwarded_by?: string | null;
  forward_reason?: string;
}

interface ReceiptRow {
  receipt_id: string;
  bulletin_id: string;
  recipient_key: string;
  version: number;
  acknowledged_at: Date;
  acknowledged_by: string;
  reader_name: string;
  reason: string;
  request_id: string;
  party: string;
}

function bulletinOf(row: BulletinRow, versions: VersionRow[], recipients: RecipientRow[]): Bulletin {
  return {
    bulletinId: row.bulletin_id,
    origin: row.origin,
    status: row.status,
    revision: row.revision,
    currentVersion: row.current_version,
    kind: row.kind,
    issuer: { creditCode: row.issuer_credit_code, jurisdictionCode: row.issuer_jurisdiction, name: row.issuer_name },
    coIssuers: row.co_issuers ?? [],
    approval: row.approval ? { ...row.approval, at: new Date(row.approval.at) } : null,
    issuingJurisdiction: row.issuing_jurisdiction,
    issueNumber: row.year !== null && row.number !== null ? { year: row.year, number: row.number } : null,
    title: row.title,
    body: row.body,
    mainAudience: row.main_audience,
    copyAudience: row.copy_audience,
    urgency: row.urgency,
    classification: row.classification,
    ackWindowSeconds: row.ack_window_seconds,
    ackDueAt: row.ack_due_at,
    createdBy: row.created_by,
    createdAt: row.created_at,
    publishedAt: row.published_at,
    updatedAt: row.updated_at,
    versions: versions.map(versionOf),
    recipients: recipients.map(recipientOf),
  };
}

function rowOf(b: Bulletin): Record<string, unknown> {
  return {
    bulletin_id: b.bulletinId,
    origin: b.origin,
    kind: b.kind,
    issuer_credit_code: b.issuer.creditCode,
    issuer_name: b.issuer.name,
    issuer_jurisdiction: b.issuer.jurisdictionCode,
    issuing_jurisdiction: b.issuingJurisdiction,
    year: b.issueNumber?.year ?? null,
    number: b.issueNumber?.number ?? null,
    title: b.title,
    body: b.body,
    main_audience: JSON.stringify(b.mainAudience),
    copy_audience: JSON.stringify(b.copyAudience),
    urgency: b.urgency,
    classification: b.classification,
    ack_window_seconds: b.ackWindowSeconds,
    ack_due_at: b.ackDueAt,
    status: b.status,
    current_version: b.currentVersion,
    revision: b.revision,
    created_by: b.createdBy,
    created_at: b.createdAt,
    published_at: b.publishedAt,
    updated_at: b.updatedAt,
    co_issuers: JSON.stringify(b.coIssuers),
    approval: b.approval ? JSON.stringify(b.approval) : null,
  };
}

function versionOf(r: VersionRow): BulletinVersion {
  return {
    version: r.version,
    change: r.change,
    title: r.title,
    body: r.body,
    reason: r.reason,
    actor: r.actor,
    requestId: r.request_id,
    jurisdiction: r.jurisdiction,
    occurredAt: r.occurred_at,
    ackDueAt: r.ack_due_at,
  };
}

function recipientOf(r: RecipientRow): RecipientEntry {
  return {
    key: r.recipient_key,
    recipient: r.recipient,
    role: r.role,
    deliveryJurisdiction: r.delivery_jurisdiction,
    acknowledgedVersion: r.acknowledged_version,
    acknowledgedAt: r.acknowledged_at,
    acknowledgedBy: r.acknowledged_by,
    readerName: r.reader_name,
    withdrawnVersion: r.withdrawn_version ?? null,
    forwardedBy: r.forwarded_by ?? null,
    forwardReason: r.forward_reason ?? "",
  };
}

/** A row of `bulletin_versions` or `bulletin_recipients` as JSON carries it: timestamps as text. */
type AsJson<T> = { [K in keyof T]: T[K] extends Date ? string : T[K] extends Date | null ? string | null : T[K] };

const dateOf = (text: string | null): Date | null => (text === null ? null : new Date(text));

/**
 * The bulletin's row with its versions, its recipients (main (主送) before copy (抄送), as on the
 * printed page) and each party's latest receipt, aggregated as JSON: one statement, one snapshot.
 */
const LOAD_SQL = `select b.*,
        coalesce((select json_agg(v order by v.version) from bulletin_versions v where v.bulletin_id = b.bulletin_id), '[]') as versions,
        coalesce((select json_agg(r order by case r.role when 'MAIN' then 0 else 1 end, r.recipient_key)
                    from bulletin_recipients r where r.bulletin_id = b.bulletin_id), '[]') as recipients,
        coalesce((select json_agg(x) from (${latestReadsQuery("b.bulletin_id")}) x), '[]') as reads
   from bulletins b where b.bulletin_id = ?`;

type LoadedRow = BulletinRow & { versions: AsJson<VersionRow>[]; recipients: AsJson<RecipientRow>[]; reads: LatestReadJson[] };

function loadedBulletin(row: LoadedRow): Bulletin {
  const versions = row.versions.map((v) => ({ ...v, occurred_at: new Date(v.occurred_at), ack_due_at: dateOf(v.ack_due_at) }));
  const recipients = row.recipients.map((r) => ({ ...r, acknowledged_at: dateOf(r.acknowledged_at) }));
  // Each party's latest acknowledgement (a receipt per party: persistence/receipts-repository.ts).
  return withPartyReads(bulletinOf(row, versions, recipients), partyReadsOf(row.reads));
}

/**
 * How the service kit writes a bulletin: the row, and the versions and recipients it did not
 * have before (both are only ever added; a recipient's latest acknowledgement is written with
 * its receipt, see `recordReceipt`).
 */
export const bulletinStore: AggregateStore<Bulletin> = {
  type: BULLETIN_AGGREGATE,
  id: (b) => b.bulletinId,
  async save(trx, after, before, alongside) {
    const writes = [
      before ? trx("bulletins").where({ bulletin_id: after.bulletinId }).update(rowOf(after)) : trx("bulletins").insert(rowOf(after)),
    ];
    const lastVersion = before?.versions.reduce((n, v) => Math.max(n, v.version), 0) ?? 0;
    const versions = after.versions.filter((v) => v.version > lastVersion);
    if (versions.length > 0)
      writes.push(
        trx("bulletin_versions")
          .insert(
            versions.map((v) => ({
              bulletin_id: after.bulletinId,
              version: v.version,
              change: v.change,
              title: v.title,
              body: v.body,
              reason: v.reason,
              actor: v.actor,
              request_id: v.requestId,
              jurisdiction: v.jurisdiction,
              occurred_at: v.occurredAt,
              ack_due_at: v.ackDueAt,
            })),
          )
          .onConflict(["bulletin_id", "version"])
          .ignore(),
      );
    const known = new Set(before?.recipients.map((r) => r.key) ?? []);
    const recipients = after.recipients.filter((r) => !known.has(r.key));
    if (recipients.length > 0)
      writes.push(
        trx("bulletin_recipients")
          .insert(
            recipients.map((r) => ({
              bulletin_id: after.bulletinId,
              recipient_key: r.key,
              recipient: JSON.stringify(r.recipient),
              role: r.role,
              delivery_jurisdiction: r.deliveryJurisdiction,
            })),
          )
          .onConflict(["bulletin_id", "recipient_key"])
          .ignore(),
      );
    const changes = audienceChanges(after, before);
    // The writes are independent (new versions and recipients, the row, recipients tracked before)
    // unless a recipient inserted here is changed too; and a large audience is kept off the
    // statement carrying them, which binds at most 65,535 parameters.
    const independent = changes.every((r) => known.has(r.key)) && recipients.length <= MAX_RECIPIENTS_ALONGSIDE;
    return writeNowOrAlongside(
      [
        ...writes,
        ...changes.map((r) => trx("bulletin_recipients").where({ bulletin_id: after.bulletinId, recipient_key: r.key }).update(r.change)),
      ],
      independent ? alongside : undefined,
    );
  },
};

/** New recipients whose rows may ride with the change's audit entry (5 parameters each). */
const MAX_RECIPIENTS_ALONGSIDE = 2_000;

/**
 * A correction of the audience changes recipients already tracked: their role, and whether they
 * are withdrawn (a recipient addressed again is tracked again, with its receipts). A recipient
 * first tracked already withdrawn is inserted as addressed, then changed.
 */
function audienceChanges(
  after: Bulletin,
  before: Bulletin | undefined,
): { key: string; change: { role: string; withdrawn_version: number | null } }[] {
  const was = new Map((before?.recipients ?? []).map((r) => [r.key, r]));
  const changes = [];
  for (const r of after.recipients) {
    const b = was.get(r.key);
    if (b && b.role === r.role && (b.withdrawnVersion ?? null) === (r.withdrawnVersion ?? null)) continue;
    if (!b && (r.withdrawnVersion ?? null) === null) continue; // inserted as addressed
    changes.push({ key: r.key, change: { role: r.role, withdrawn_version: r.withdrawnVersion ?? null } });
  }
  return changes;
}

/** The filters officers work with: urgency, classification, publication period, recipient, issuing node. */
function officeFilters(db: Knex, q: Knex.QueryBuilder, filter: BulletinFilter): void {
  if (filter.urgency) q.where("b.urgency", filter.urgency);
  if (filter.classification) q.where("b.classification", filter.classification);
  if (filter.publishedFrom) q.where("b.published_at", ">=", filter.publishedFrom);
  if (filter.publishedUntil) q.where("b.published_at", "<", filter.publishedUntil);
  if (filter.issuingJurisdiction) q.where("b.issuing_jurisdiction", filter.issuingJurisdiction);
  const keys = [
    ...(filter.recipientJurisdiction ? [`node:${filter.recipientJurisdiction}`] : []),
    ...(filter.recipientCreditCode ? [`org:${filter.recipientCreditCode}`] : []),
  ];
  for (const key of keys)
    q.whereExists(
      db("bulletin_recipients as f")
        .whereRaw("f.bulletin_id = b.bulletin_id")
        .where("f.recipient_key", key)
        .whereNull("f.withdrawn_version"),
    );
}

/** Visibility of 限制分发 bulletins in lists: their issuers and the recipients tracked here, still addressed. */
function restrictVisibility(db: Knex, q: Knex.QueryBuilder, reader: Reader | undefined): void {
  if (!reader) {
    q.whereNot("b.classification", "RESTRICTED");
    return;
  }
  q.where((w) =>
    w
      .whereNot("b.classification", "RESTRICTED")
      .orWhere("b.issuer_credit_code", reader.creditCode)
      .orWhereRaw("b.co_issuers @> ?::jsonb", [JSON.stringify([{ creditCode: reader.creditCode }])])
      .orWhereExists(
        db("bulletin_recipients as v")
          .whereRaw("v.bulletin_id = b.bulletin_id")
          .whereIn("v.recipient_key", reader.keys)
          .whereNull("v.withdrawn_version"),
      ),
  );
}

/** Knex queries over the bulletins schema; callers pass a transaction where one is needed. */
export const repository = {
  /**
   * The bulletin with its versions, recipients and reads, in one statement: a change committed
   * meanwhile is seen whole or not at all. `forUpdate` locks the row first and then reads, so
   * that what is read includes any change the lock waited for (a locking read that waited sees
   * the newest row, but its subqueries would keep the snapshot taken before the wait).
   */
  async load(db: Knex | Knex.Transaction, id: string, forUpdate = false): Promise<Bulletin | undefined> {
    if (forUpdate) {
      const locked = await db("bulletins").where({ bulletin_id: id }).forUpdate().select(db.raw("1"));
      if (locked.length === 0) return undefined;
    }
    const { rows } = await db.raw<{ rows: LoadedRow[] }>(LOAD_SQL, [id]);
    return rows[0] ? loadedBulletin(rows[0]) : undefined;
  },

  /**
   * Locks the bulletin's row as a change's first statement, sent with BEGIN (`kit.change`); the
   * answer is whether it is held here. `load` after it reads what the lock waited for. `id` must
   * be a uuid (`assertUuid`): it is written into the SQL.
   */
  lockRead(id: string): OpeningRead<boolean> {
    return { sql: `select 1 from bulletins where bulletin_id = ${sqlLiteral(id)} for update`, of: (rows) => rows.length > 0 };
  },

  /** Whether the bulletin is held at this node, without reading it. */
  async exists(db: Knex | Knex.Transaction, id: string): Promise<boolean> {
    const rows = await db("bulletins").where({ bulletin_id: id }).select(db.raw("1")).limit(1);
    return rows.length > 0;
  },

  /** What this node's registry projection knows of these credit codes (every record of each). */
  async parties(db: Knex | Knex.Transaction, codes: readonly string[]): Promise<RegisteredParty[]> {
    if (codes.length === 0) return [];
    const rows = (await db("known_organisations")
      .whereIn("credit_code", [...new Set(codes)])
      .select("credit_code", "name", "type", "jurisdiction_code", "active")) as {
      credit_code: string;
      name: string;
      type: string;
      jurisdiction_code: string;
      active: boolean;
    }[];
    return rows.map((r) => ({
      creditCode: r.credit_code,
      name: r.name,
      type: r.type,
      jurisdictionCode: r.jurisdiction_code,
      active: r.active,
    }));
  },

  /** Deletes a draft (it has no versions, recipients or receipts). */
  async deleteDraft(trx: Knex.Transaction, id: string): Promise<void> {
    await trx("bulletins").where({ bulletin_id: id, status: "DRAFT" }).delete();
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

  /**
   * Adds the receipt (with its party) and moves the recipient's own acknowledgement (read status)
   * to what `after` says every party has now read; without `after`, to the receipt's version.
   */
  async recordReceipt(trx: Knex.Transaction, r: Receipt, after?: RecipientEntry, alongside?: WritesAlongside): Promise<void> {
    const receipt = trx("bulletin_receipts").insert({
      party: r.party ?? "",
      receipt_id: r.receiptId,
      bulletin_id: r.bulletinId,
      recipient_key: r.recipientKey,
      version: r.version,
      acknowledged_at: r.at,
      acknowledged_by: r.by,
      reader_name: r.readerName,
      reason: r.reason,
      request_id: r.requestId,
    });
    const whole = after
      ? { version: after.acknowledgedVersion, at: after.acknowledgedAt, by: after.acknowledgedBy, readerName: after.readerName }
      : { version: r.version, at: r.at, by: r.by, readerName: r.readerName };
    // The receipt and the recipient's row are independent writes: they may go alongside.
    return writeNowOrAlongside(
      [
        receipt,
        trx("bulletin_recipients")
          .where({ bulletin_id: r.bulletinId, recipient_key: r.recipientKey })
          .where("acknowledged_version", "<", whole.version)
          .update({
            acknowledged_version: whole.version,
            acknowledged_at: whole.at,
            acknowledged_by: whole.by,
            reader_name: whole.readerName,
          }),
      ],
      alongside,
    );
  },

  /** Every receipt recorded for a bulletin at this node, oldest first. */
  async receipts(db: Knex | Knex.Transaction, id: string): Promise<Receipt[]> {
    const rows = (await db("bulletin_receipts as x")
      .join("bulletin_recipients as r", function () {
        this.on("r.bulletin_id", "x.bulletin_id").andOn("r.recipient_key", "x.recipient_key");
      })
      .where("x.bulletin_id", id)
      .select("x.*", "r.recipient")
      .orderBy([
        { column: "x.acknowledged_at", order: "asc" },
        { column: "x.receipt_id", order: "asc" },
      ])) as (ReceiptRow & { recipient: Recipient })[];
    return rows.map((x) => ({
      receiptId: x.receipt_id,
      bulletinId: x.bulletin_id,
      recipientKey: x.recipient_key,
      recipient: x.recipient,
      version: x.version,
      at: x.acknowledged_at,
      by: x.acknowledged_by,
      readerName: x.reader_name,
      reason: x.reason,
      requestId: x.request_id,
      party: partyOfColumn(x.party),
    }));
  },

  /** One page of bulletins, newest first (by publication, else creation), without versions or recipients. */
  async list(
    db: Knex,
    filter: BulletinFilter,
    now: Date,
    page: { size: number; after?: { key: string; id: string } },
    reader?: Reader,
  ): Promise<{ items: (Bulletin & { sortKey: string })[]; total: number }> {
    const filtered = () => {
      const q = db<BulletinRow>("bulletins as b");
      restrictVisibility(db, q, reader);
      officeFilters(db, q, filter);
      if (filter.issuerCreditCode) {
        const code = filter.issuerCreditCode;
        // The lead issuer or a joint issuer (联合印发).
        q.where((w) =>
          w.where("b.issuer_credit_code", code).orWhereRaw("b.co_issuers @> ?::jsonb", [JSON.stringify([{ creditCode: code }])]),
        );
      }
      if (filter.kind) q.where("b.kind", filter.kind);
      if (filter.year) q.where("b.year", filter.year);
      if (filter.origin) q.where("b.origin", filter.origin);
      if (filter.status) q.where("b.status", filter.status);
      if (filter.text) {
        const pattern = containsPattern(filter.text);
        q.where((w) => w.whereILike("b.title", pattern).orWhereILike("b.body", pattern));
      }
      const unread = db("bulletin_recipients as r")
        .whereRaw("r.bulletin_id = b.bulletin_id")
        .whereNull("r.withdrawn_version")
        .whereRaw("r.acknowledged_version < b.current_version");
      if (filter.readStatus === "HAS_UNREAD") q.where("b.status", "PUBLISHED").whereExists(unread);
      if (filter.readStatus === "HAS_OVERDUE") q.where("b.status", "PUBLISHED").whereExists(unread.clone().where("b.ack_due_at", "<", now));
      if (filter.readStatus === "ALL_READ")
        q.where("b.status", "PUBLISHED")
          .whereNotExists(unread)
          .whereExists(db("bulletin_recipients as r2").whereRaw("r2.bulletin_id = b.bulletin_id"));
      return q;
    };
    const [{ n }] = await filtered().count<{ n: string }[]>({ n: "*" });
    const sortKey = "coalesce(b.published_at, b.created_at)";
    const q = filtered().select("b.*", db.raw(`${sortKey} as sort_key`));
    keysetPage(q, { key: sortKey, keyType: "timestamptz", id: "b.bulletin_id", direction: "desc" }, page.after);
    const rows = (await q.limit(page.size + 1)) as (BulletinRow & { sort_key: Date })[];
    return { items: rows.map((r) => ({ ...bulletinOf(r, [], []), sortKey: r.sort_key.toISOString() })), total: Number(n) };
  },

  /** Read counts per bulletin at `now`, for the given ids. */
  async readCounts(db: Knex | Knex.Transaction, ids: readonly string[], now: Date): Promise<Map<string, ReadCounts>> {
    const out = new Map<string, ReadCounts>();
    if (ids.length === 0) return out;
    const { rows } = await db.raw<{ rows: { bulletin_id: string; recipients: string; read: string; overdue: string }[] }>(
      `select r.bulletin_id,
              count(*) as recipients,
              count(*) filter (where r.acknowledged_version >= b.current_version) as read,
              count(*) filter (where r.acknowledged_version < b.current_version and b.ack_due_at is not null and b.ack_due_at < ?) as overdue
         from bulletin_recipients r join bulletins b using (bulletin_id)
        where r.bulletin_id = any(?::uuid[]) and b.status = 'PUBLISHED' and r.withdrawn_version is null
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
