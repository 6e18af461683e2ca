import { keysetPage, type AggregateStore, type PageCursor } from "@jinlian/chassis";
import type { Knex } from "knex";
import type {
  Activity,
  ActivityVersion,
  AudienceKind,
  CalendarNode,
  Campaign,
  CampaignListFilter,
  CampaignOrigin,
  CampaignStatus,
  OrganiserRef,
} from "../domain/campaign";

interface CampaignRow {
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
  calendar_node_name: string;
  topic_tags: string[];
  audience_kinds: AudienceKind[];
  co_organisers: CoOrganiserJson[];
}

interface CoOrganiserJson {
  organisation_id?: string;
  credit_code: string;
  jurisdiction_code: string;
  name: string;
}

interface ActivityRow {
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
  revision: number;
  withdrawn: boolean;
  revised_by: string | null;
  revised_reason: string | null;
  revised_request_id: string | null;
  revised_in: string | null;
  revised_at: Date | null;
}

interface VersionRow {
  activity_id: string;
  revision: number;
  title: string;
  held_at: Date;
  events_held: number;
  audience_reached: string;
  organiser_organisation_id: string | null;
  organiser_credit_code: string | null;
  organiser_jurisdiction: string | null;
  organiser_name: string | null;
  made_by: string;
  reason: string;
  request_id: string;
  made_in: string;
  made_at: Date;
}

function campaignOf(r: CampaignRow): Campaign {
  return {
    campaignId: r.campaign_id,
    calendarNode: r.calendar_node,
    calendarNodeName: r.calendar_node_name,
    year: r.year,
    title: r.title,
    theme: r.theme,
    topicTags: r.topic_tags,
    audienceKinds: r.audience_kinds,
    coOrganisers: r.co_organisers.map((o) => ({
      organisationId: o.organisation_id,
      creditCode: o.credit_code,
      jurisdictionCode: o.jurisdiction_code,
      name: o.name,
    })),
    period: { start: r.start_at, end: r.end_at },
    status: r.status,
    origin: r.origin,
    issuingJurisdictionCode: r.issuing_jurisdiction,
    targets: r.target_codes,
    revision: r.revision,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function rowOf(c: Campaign): CampaignRow {
  return {
    campaign_id: c.campaignId,
    calendar_node: c.calendarNode,
    calendar_node_name: c.calendarNodeName,
    year: c.year,
    title: c.title,
    theme: c.theme,
    topic_tags: [...c.topicTags],
    audience_kinds: [...c.audienceKinds],
    co_organisers: c.coOrganisers.map((o) => ({
      ...(o.organisationId ? { organisation_id: o.organisationId } : {}),
      credit_code: o.creditCode,
      jurisdiction_code: o.jurisdictionCode,
      name: o.name,
    })),
    start_at: c.period.start,
    end_at: c.period.end,
    status: c.status,
    origin: c.origin,
    issuing_jurisdiction: c.issuingJurisdictionCode,
    target_codes: [...c.targets],
    revision: c.revision,
    created_at: c.createdAt,
    updated_at: c.updatedAt,
  };
}

function organiserOf(r: {
  organiser_organisation_id: string | null;
  organiser_credit_code: string | null;
  organiser_jurisdiction: string | null;
  organiser_name: string | null;
}): OrganiserRef | undefined {
  return r.organiser_credit_code !== null
    ? {
        organisationId: r.organiser_organisation_id ?? undefined,
        creditCode: r.organiser_credit_code,
        jurisdictionCode: r.organiser_jurisdiction ?? "",
        name: r.organiser_name ?? "",
      }
    : undefined;
}

function organiserColumns(o: OrganiserRef | undefined) {
  return {
    organiser_organisation_id: o?.organisationId ?? null,
    organiser_credit_code: o?.creditCode ?? null,
    organiser_jurisdiction: o?.jurisdictionCode ?? null,
    organiser_name: o?.name ?? null,
  };
}

function versionOf(r: VersionRow): ActivityVersion {
  return {
    revision: r.revision,
    title: r.title,
    heldTime: r.held_at,
    eventsHeld: r.events_held,
    audienceReached: Number(r.audience_reached),
    organiser: organiserOf(r),
    made: { actor: r.made_by, reason: r.reason, requestId: r.request_id, occurTime: r.made_at, jurisdictionCode: r.made_in },
  };
}

function versionRowOf(activityId: string, v: ActivityVersion): VersionRow {
  return {
    activity_id: activityId,
    revision: v.revision,
    title: v.title,
    held_at: v.heldTime,
    events_held: v.eventsHeld,
    audience_reached: String(v.audienceReached),
    ...organiserColumns(v.organiser),
    made_by: v.made.actor,
    reason: v.made.reason,
    request_id: v.made.requestId,
    made_in: v.made.jurisdictionCode,
    made_at: v.made.occurTime,
  };
}

function activityOf(r: ActivityRow, history: readonly ActivityVersion[] = []): Activity {
  return {
    activityId: r.activity_id,
    campaignId: r.campaign_id,
    jurisdictionCode: r.jurisdiction_code,
    title: r.title,
    heldTime: r.held_at,
    eventsHeld: r.events_held,
    audienceReached: Number(r.audience_reached),
    organiser: organiserOf(r),
    revision: r.revision,
    withdrawn: r.withdrawn,
    revised:
      r.revised_at !== null
        ? {
            actor: r.revised_by ?? "",
            reason: r.revised_reason ?? "",
            requestId: r.revised_request_id ?? "",
            occurTime: r.revised_at,
            jurisdictionCode: r.revised_in ?? "",
          }
        : undefined,
    history,
    reported: {
      actor: r.reported_by,
      reason: r.reason,
      requestId: r.request_id,
      occurTime: r.reported_at,
      jurisdictionCode: r.reported_in,
    },
  };
}

function activityRowOf(a: Activity): ActivityRow {
  return {
    activity_id: a.activityId,
    campaign_id: a.campaignId,
    jurisdiction_code: a.jurisdictionCode,
    title: a.title,
    held_at: a.heldTime,
    events_held: a.eventsHeld,
    audience_reached: String(a.audienceReached),
    ...organiserColumns(a.organiser),
    reported_by: a.reported.actor,
    reason: a.reported.reason,
    request_id: a.reported.requestId,
    reported_in: a.reported.jurisdictionCode,
    reported_at: a.reported.occurTime,
    revision: a.revision,
    withdrawn: a.withdrawn,
    revised_by: a.revised?.actor ?? null,
    revised_reason: a.revised?.reason ?? null,
    revised_request_id: a.revised?.requestId ?? null,
    revised_in: a.revised?.jurisdictionCode ?? null,
    revised_at: a.revised?.occurTime ?? null,
  };
}

/** Activities of one campaign (or one activity), each with its history. */
async function activitiesWhere(db: Knex | Knex.Transaction, where: Record<string, string>, lock = false): Promise<Activity[]> {
  const q = db<ActivityRow>("campaign_activities")
    .where(where)
    .orderBy([
      { column: "held_at", order: "asc" },
      { column: "reported_at", order: "asc" },
      { column: "activity_id", order: "asc" },
    ]);
  const rows = (await (lock ? q.forUpdate() : q)) as ActivityRow[];
  if (rows.length === 0) return [];
  const versions = await db<VersionRow>("campaign_activity_versions")
    .whereIn(
      "activity_id",
      rows.map((r) => r.activity_id),
    )
    .orderBy(["activity_id", "revision"]);
  const history = new Map<string, ActivityVersion[]>();
  for (const v of versions) history.set(v.activity_id, [...(history.get(v.activity_id) ?? []), versionOf(v)]);
  return rows.map((r) => activityOf(r, history.get(r.activity_id)));
}

/** How the kit writes a campaign. Only status, revision and time change after creation. */
export const campaignStore: AggregateStore<Campaign> = {
  type: "campaign",
  id: (c) => c.campaignId,
  async save(trx, after, before) {
    if (before) {
      await trx("campaigns")
        .where({ campaign_id: after.campaignId })
        .update({ status: after.status, revision: after.revision, updated_at: after.updatedAt });
      return;
    }
    await trx("campaigns").insert({ ...rowOf(after), co_organisers: JSON.stringify(rowOf(after).co_organisers) });
  },
};

/** Knex queries over the campaign tables; callers pass a transaction where one is needed. */
export const campaignRepository = {
  async load(db: Knex | Knex.Transaction, id: string, lock?: "update" | "share"): Promise<Campaign | undefined> {
    const q = db<CampaignRow>("campaigns").where({ campaign_id: id }).first();
    if (lock === "update") q.forUpdate();
    if (lock === "share") q.forShare();
    const row = await q;
    return row && campaignOf(row);
  },

  /** Inserts unless an activity with that id exists; true when inserted. */
  async insertActivity(trx: Knex.Transaction, activity: Activity): Promise<boolean> {
    const inserted = await trx("campaign_activities")
      .insert(activityRowOf(activity))
      .onConflict("activity_id")
      .ignore()
      .returning("activity_id");
    return inserted.length > 0;
  },

  /** One activity with its history; `forUpdate` locks its row until the transaction ends. */
  async activity(db: Knex | Knex.Transaction, id: string, forUpdate = false): Promise<Activity | undefined> {
    return (await activitiesWhere(db, { activity_id: id }, forUpdate))[0];
  },

  /** A campaign's activities as they stand (withdrawn ones included), each with its history. */
  async activities(db: Knex | Knex.Transaction, campaignId: string): Promise<Activity[]> {
    return activitiesWhere(db, { campaign_id: campaignId });
  },

  /**
   * Writes a revision of an activity: the row takes the new revision, the revision it replaces
   * goes to history. Only from the revision `before` holds (the caller locked the row).
   */
  async reviseActivity(trx: Knex.Transaction, after: Activity, before: Activity): Promise<void> {
    const replaced = after.history.at(-1);
    if (!replaced || replaced.revision !== before.revision)
      throw new Error(`activity ${after.activityId}: history must end with the revision replaced`);
    await trx("campaign_activity_versions").insert(versionRowOf(after.activityId, replaced));
    const row = activityRowOf(after);
    const updated = await trx("campaign_activities").where({ activity_id: after.activityId, revision: before.revision }).update({
      title: row.title,
      held_at: row.held_at,
      events_held: row.events_held,
      audience_reached: row.audience_reached,
      organiser_organisation_id: row.organiser_organisation_id,
      organiser_credit_code: row.organiser_credit_code,
      organiser_jurisdiction: row.organiser_jurisdiction,
      organiser_name: row.organiser_name,
      revision: row.revision,
      withdrawn: row.withdrawn,
      revised_by: row.revised_by,
      revised_reason: row.revised_reason,
      revised_request_id: row.revised_request_id,
      revised_in: row.revised_in,
      revised_at: row.revised_at,
    });
    if (updated !== 1) throw new Error(`activity ${after.activityId} is not at revision ${before.revision}`);
  },

  async count(db: Knex, f: CampaignListFilter): Promise<number> {
    const [{ n }] = await filtered(db, f).count<{ n: string }[]>({ n: "*" });
    return Number(n);
  },

  /** Newest period first; `after` continues after the campaign with that start and id. */
  async page(db: Knex, f: CampaignListFilter, after: PageCursor | undefined, limit: number): Promise<Campaign[]> {
    const q = keysetPage(filtered(db, f), { key: "start_at", keyType: "timestamptz", id: "campaign_id", direction: "desc" }, after);
    const rows = (await q.limit(limit)) as CampaignRow[];
    return rows.map(campaignOf);
  },
};

function filtered(db: Knex, f: CampaignListFilter): Knex.QueryBuilder<CampaignRow> {
  const q = db<CampaignRow>("campaigns");
  if (f.calendarNode) q.where("calendar_node", f.calendarNode);
  if (f.targetJurisdictionCode) q.whereRaw("target_codes @> array[?]::text[]", [f.targetJurisdictionCode]);
  if (f.topicTag) q.whereRaw("topic_tags @> array[?]::text[]", [f.topicTag]);
  if (f.year) q.where("year", f.year);
  if (f.status) q.where("status", f.status);
  if (f.origin) q.where("origin", f.origin);
  return q;
}
