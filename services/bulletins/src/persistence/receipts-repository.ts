/**
 * Persistence of what recipients have read, per party, of recipients added by forwarding (转发),
 * of unread work and of overdue alerts. Receipts are the record: each party's read state is the
 * latest receipt that counts for it ('' in the party column is the whole recipient).
 */
import { keysetPage } from "@jinlian/chassis";
import type { Knex } from "knex";
import type { Bulletin, Recipient, RecipientEntry } from "../domain/bulletin";
import type { RegisteredOrganisation } from "../domain/forwarding";
import { PARTIES, type Party, type PartyRead } from "../domain/receipts";

export function partyOfColumn(value: string): Party | null {
  return (PARTIES as readonly string[]).includes(value) ? (value as Party) : null;
}

/**
 * Each recipient's latest receipt per party ('' for the whole recipient) of the bulletin whose id
 * `bulletinId` names (a column of the outer query), as a subquery of `repository.load`.
 */
export function latestReadsQuery(bulletinId: string): string {
  return `select distinct on (recipient_key, party) recipient_key, party, version, acknowledged_at, acknowledged_by, reader_name
            from bulletin_receipts where bulletin_id = ${bulletinId}
           order by recipient_key, party, version desc, acknowledged_at desc, receipt_id desc`;
}

/** A row of `latestReadsQuery` as JSON carries it (timestamps as text). */
export interface LatestReadJson {
  recipient_key: string;
  party: string;
  version: number;
  acknowledged_at: string;
  acknowledged_by: string;
  reader_name: string;
}

/** The rows of `latestReadsQuery` by recipient key. */
export function partyReadsOf(rows: readonly LatestReadJson[]): Map<string, PartyRead[]> {
  const out = new Map<string, PartyRead[]>();
  for (const r of rows) {
    const reads = out.get(r.recipient_key) ?? [];
    reads.push({
      party: partyOfColumn(r.party),
      version: r.version,
      at: new Date(r.acknowledged_at),
      by: r.acknowledged_by,
      readerName: r.reader_name,
    });
    out.set(r.recipient_key, reads);
  }
  return out;
}

export function withPartyReads(b: Bulletin, reads: Map<string, PartyRead[]>): Bulletin {
  return { ...b, recipients: b.recipients.map((r) => ({ ...r, reads: reads.get(r.key) ?? [] })) };
}

/**
 * At the issuer: recipients a forwarding node reports it added, held at that node. Only ever
 * added (a repeat changes nothing); the bulletin's revision does not change, as for receipts.
 * Returns how many were new.
 */
export async function addForwardedRecipients(
  trx: Knex.Transaction,
  bulletinId: string,
  entries: readonly RecipientEntry[],
): Promise<number> {
  if (entries.length === 0) return 0;
  const added = await trx("bulletin_recipients")
    .insert(
      entries.map((r) => ({
        bulletin_id: bulletinId,
        recipient_key: r.key,
        recipient: JSON.stringify(r.recipient),
        role: r.role,
        delivery_jurisdiction: r.deliveryJurisdiction,
        forwarded_by: r.forwardedBy ?? null,
        forward_reason: r.forwardReason ?? "",
      })),
    )
    .onConflict(["bulletin_id", "recipient_key"])
    .ignore()
    .returning("recipient_key");
  return added.length;
}

/** One bulletin a recipient held here has not read in its current version. */
export interface UnreadRow {
  bulletinId: string;
  ackDueAt: Date | null;
  currentVersion: number;
  entry: RecipientEntry;
}

/**
 * Bulletins (published, not recalled) where the recipient is held at `here` and the party asked
 * for — or, for `party` null on a node, either party — has not read the current version. Overdue
 * first: ordered by deadline (none last), then id; keyset-paged on that order.
 */
export async function unreadFor(
  db: Knex,
  q: { recipientKey: string; here: string; party: Party | null; node: boolean; overdueOnly: boolean; now: Date },
  page: { size: number; after?: { key: string; id: string } },
): Promise<{ rows: { bulletin_id: string; sort_key: string }[]; total: number }> {
  // What a party has read: its own receipts and those for the whole recipient.
  const readBy = (party: string) =>
    db.raw(
      `not exists (select 1 from bulletin_receipts x where x.bulletin_id = b.bulletin_id and x.recipient_key = r.recipient_key
                      and x.party in (?, '') and x.version >= b.current_version)`,
      [party],
    );
  const filtered = () => {
    const s = db("bulletins as b")
      .join("bulletin_recipients as r", "r.bulletin_id", "b.bulletin_id")
      .where("b.status", "PUBLISHED")
      .where("r.recipient_key", q.recipientKey)
      .where("r.delivery_jurisdiction", q.here)
      // A recipient a correction of the audience withdrew has nothing left to read.
      .whereNull("r.withdrawn_version")
      // The recipient row holds what every party has read: below the current version, someone has not.
      .whereRaw("r.acknowledged_version < b.current_version");
    if (q.party) s.whereRaw(readBy(q.party));
    else if (!q.node) s.whereRaw(readBy(""));
    if (q.overdueOnly) s.where("b.ack_due_at", "<", q.now);
    return s;
  };
  const [{ n }] = await filtered().count<{ n: string }[]>({ n: "*" });
  const sortKey = "coalesce(b.ack_due_at, 'infinity'::timestamptz)";
  const s = filtered().select("b.bulletin_id", db.raw(`${sortKey}::text as sort_key`));
  keysetPage(s, { key: sortKey, keyType: "timestamptz", id: "b.bulletin_id", direction: "asc" }, page.after);
  const rows = (await s.limit(page.size + 1)) as {
    bulletin_id: string;
    sort_key: string;
  }[];
  return { rows, total: Number(n) };
}

/** A recipient party held here that has passed the deadline of the current version, not yet alerted. */
export interface OverdueCandidate {
  bulletinId: string;
  recipientKey: string;
  recipient: Recipient;
  party: Party | null;
  version: number;
  forwardedBy: string | null;
}

/**
 * Marks up to `limit` overdue recipient parties held at `here` as alerted for the current version
 * and returns them: one statement, so two scanners (replicas) never alert the same one twice (the
 * primary key of the alerts refuses the second).
 */
export async function markOverdue(trx: Knex.Transaction, here: string, now: Date, limit: number): Promise<OverdueCandidate[]> {
  const { rows } = await trx.raw<{
    rows: {
      bulletin_id: string;
      recipient_key: string;
      recipient: Recipient;
      party: string;
      version: number;
      forwarded_by: string | null;
    }[];
  }>(
    `with due as (
       select b.bulletin_id, r.recipient_key, p.party, b.current_version as version
         from bulletins b
         join bulletin_recipients r on r.bulletin_id = b.bulletin_id
         cross join lateral unnest(case when r.recipient_key like 'node:%' then array['JUSTICE_BUREAU', 'FEDERATION'] else array[''] end) as p(party)
        where b.status = 'PUBLISHED' and b.ack_due_at is not null and b.ack_due_at < ?
          and r.delivery_jurisdiction = ? and r.withdrawn_version is null and r.acknowledged_version < b.current_version
          and not exists (select 1 from bulletin_receipts x where x.bulletin_id = b.bulletin_id and x.recipient_key = r.recipient_key
                             and x.party in (p.party, '') and x.version >= b.current_version)
          and not exists (select 1 from bulletin_overdue_alerts a where a.bulletin_id = b.bulletin_id and a.recipient_key = r.recipient_key
                             and a.party = p.party and a.version = b.current_version)
        order by b.ack_due_at, b.bulletin_id, r.recipient_key, p.party
        limit ?
     ), marked as (
       insert into bulletin_overdue_alerts (bulletin_id, recipient_key, party, version, alerted_at)
       select bulletin_id, recipient_key, party, version, ? from due
       on conflict do nothing
       returning bulletin_id, recipient_key, party, version
     )
     select m.*, r.recipient, r.forwarded_by
       from marked m join bulletin_recipients r on r.bulletin_id = m.bulletin_id and r.recipient_key = m.recipient_key
      order by m.bulletin_id, m.recipient_key, m.party`,
    [now, here, limit, now],
  );
  return rows.map((r) => ({
    bulletinId: r.bulletin_id,
    recipientKey: r.recipient_key,
    recipient: r.recipient,
    party: partyOfColumn(r.party),
    version: r.version,
    forwardedBy: r.forwarded_by,
  }));
}

/**
 * Organisations of this node's registry projection (known_organisations, kept by
 * @jinlian/registry-projection) by id and by credit code; for a credit code held by several
 * records, an active one.
 */
export async function registeredOrganisations(
  db: Knex | Knex.Transaction,
  ids: readonly string[],
  creditCodes: readonly string[],
): Promise<{ byId: Map<string, RegisteredOrganisation>; byCode: Map<string, RegisteredOrganisation> }> {
  const rows =
    ids.length + creditCodes.length === 0
      ? []
      : ((await db("known_organisations")
          .whereIn("organisation_id", [...new Set(ids)])
          .orWhereIn("credit_code", [...new Set(creditCodes)])) as {
          organisation_id: string;
          credit_code: string;
          name: string;
          type: string;
          jurisdiction_code: string;
          active: boolean;
        }[]);
  const byId = new Map<string, RegisteredOrganisation>();
  const byCode = new Map<string, RegisteredOrganisation>();
  for (const r of rows) {
    const o: RegisteredOrganisation = {
      organisationId: r.organisation_id,
      creditCode: r.credit_code,
      name: r.name,
      type: r.type,
      jurisdictionCode: r.jurisdiction_code,
      active: r.active,
    };
    byId.set(o.organisationId, o);
    const held = byCode.get(o.creditCode);
    if (!held || (!held.active && o.active)) byCode.set(o.creditCode, o);
  }
  return { byId, byCode };
}
