import type { Knex } from "knex";
import type { CalendarNode, CampaignOrigin, CampaignStatus, IssuedCampaign, ReportedTotals } from "../domain/campaign";

export interface CampaignRow {
  campaign_id: string;
  calendar_node: CalendarNode;
  year: number;
  title: string;
  theme: string;
  start_at: Date;
  end_at: Date;
  status: CampaignStatus;
  origin: CampaignOrigin;
  issuing_jurisdiction: string;
  target_codes: string[];
  revision: number;
  created_at: Date;
  updated_at: Date;
}

export interface ActivityRow {
  activity_id: string;
  campaign_id: string;
  jurisdiction_code: string;
  title: string;
  held_at: Date;
  events_held: number;
  /** bigint column: a decimal string. */
  audience_reached: string;
  organiser_organisation_id: string | null;
  organiser_credit_code: string | null;
  organiser_jurisdiction: string | null;
  organiser_name: string | null;
  reported_by: string;
  reason: string;
  request_id: string;
  reported_in: string;
  reported_at: Date;
}

export interface CampaignListFilter {
  calendarNode?: CalendarNode;
  year?: number;
  status?: CampaignStatus;
  origin?: CampaignOrigin;
}

/** The state lifecycle and report decisions need, from a row. */
export function campaignState(row: CampaignRow): IssuedCampaign {
  return {
    campaignId: row.campaign_id,
    origin: row.origin,
    status: row.status,
    issuingJurisdictionCode: row.issuing_jurisdiction,
    targets: row.target_codes,
    period: { start: row.start_at, end: row.end_at },
  };
}

/** Knex queries over the campaign tables; callers pass a transaction where one is needed. */
export const campaignRepository = {
  async find(db: Knex | Knex.Transaction, id: string, lock?: "update" | "share"): Promise<CampaignRow | undefined> {
    const q = db<CampaignRow>("campaigns").where({ campaign_id: id }).first();
    if (lock === "update") q.forUpdate();
    if (lock === "share") q.forShare();
    return q;
  },

  async findByNodeYear(db: Knex | Knex.Transaction, issuing: string, node: CalendarNode, year: number): Promise<CampaignRow | undefined> {
    return db<CampaignRow>("campaigns").where({ issuing_jurisdiction: issuing, calendar_node: node, year }).first();
  },

  /** Inserts unless a campaign with that id, or for that issuer, node and year, exists; true when inserted. */
  async insert(trx: Knex.Transaction, row: CampaignRow): Promise<boolean> {
    const inserted = await trx("campaigns").insert(row).onConflict().ignore().returning("campaign_id");
    return inserted.length > 0;
  },

  async update(trx: Knex.Transaction, id: string, patch: Partial<CampaignRow>): Promise<void> {
    await trx("campaigns").where({ campaign_id: id }).update(patch);
  },

  /** Inserts unless an activity with that id exists; true when inserted. */
  async insertActivity(trx: Knex.Transaction, row: ActivityRow): Promise<boolean> {
    const inserted = await trx("campaign_activities").insert(row).onConflict("activity_id").ignore().returning("activity_id");
    return inserted.length > 0;
  },

  async activity(db: Knex | Knex.Transaction, id: string): Promise<ActivityRow | undefined> {
    return db<ActivityRow>("campaign_activities").where({ activity_id: id }).first();
  },

  async activities(db: Knex | Knex.Transaction, campaignId: string): Promise<ActivityRow[]> {
    return db<ActivityRow>("campaign_activities")
      .where({ campaign_id: campaignId })
      .orderBy([
        { column: "held_at", order: "asc" },
        { column: "reported_at", order: "asc" },
        { column: "activity_id", order: "asc" },
      ]);
  },

  /** Activities, events and audience per reporting jurisdiction, with the latest report. */
  async totals(db: Knex | Knex.Transaction, campaignId: string): Promise<ReportedTotals[]> {
    const rows = (await db("campaign_activities")
      .where({ campaign_id: campaignId })
      .groupBy("jurisdiction_code")
      .select("jurisdiction_code")
      .count({ activities: "*" })
      .sum({ events_held: "events_held", audience_reached: "audience_reached" })
      .max({ last_report: "reported_at" })) as {
      jurisdiction_code: string;
      activities: string;
      events_held: string;
      audience_reached: string;
      last_report: Date;
    }[];
    return rows.map((r) => ({
      jurisdictionCode: r.jurisdiction_code,
      activities: Number(r.activities),
      eventsHeld: Number(r.events_held),
      audienceReached: BigInt(r.audience_reached),
      lastReportTime: r.last_report,
    }));
  },

  filtered(db: Knex, f: CampaignListFilter): Knex.QueryBuilder<CampaignRow> {
    const q = db<CampaignRow>("campaigns");
    if (f.calendarNode) q.where("calendar_node", f.calendarNode);
    if (f.year) q.where("year", f.year);
    if (f.status) q.where("status", f.status);
    if (f.origin) q.where("origin", f.origin);
    return q;
  },

  async count(db: Knex, f: CampaignListFilter): Promise<number> {
    const [{ n }] = await campaignRepository.filtered(db, f).count<{ n: string }[]>({ n: "*" });
    return Number(n);
  },

  /** Newest period first; `after` continues after the row with that start and id. */
  async page(db: Knex, f: CampaignListFilter, after: { start: string; id: string } | undefined, limit: number): Promise<CampaignRow[]> {
    const q = campaignRepository.filtered(db, f);
    if (after) q.whereRaw("(start_at, campaign_id) < (?::timestamptz, ?::uuid)", [after.start, after.id]);
    return (await q
      .orderBy([
        { column: "start_at", order: "desc" },
        { column: "campaign_id", order: "desc" },
      ])
      .limit(limit)) as CampaignRow[];
  },
};
