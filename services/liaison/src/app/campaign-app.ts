import {
  AlreadyExistsError,
  CITY_JURISDICTION,
  FailedPreconditionError,
  InvalidArgumentError,
  isDistrictCode,
  liaisonEvents,
  NotFoundError,
  pageOf,
  readPageRequest,
  type ReceivedEvent,
  textField,
  Violations,
} from "@jinlian/chassis";
import type { commonV1, liaisonEventsV1, liaisonV1 } from "@jinlian/proto";
import type { Knex } from "knex";
import {
  assertHeldWithin,
  assertKeepsRollUp,
  assertTakesReports,
  CAMPAIGN_LIMITS,
  campaignPeriod,
  checkReportedActivity,
  decideClose,
  decideLaunch,
  rollUp,
  validateActivity,
  validatePlan,
  type ActivityRequest,
  type CampaignRollUp,
  type PlanRequest,
} from "../domain/campaign";
import {
  campaignRepository as repo,
  campaignState,
  type ActivityRow,
  type CampaignListFilter,
  type CampaignRow,
} from "../persistence/campaign-repository";
import { calendarNodeCodec, campaignOriginCodec, campaignStatusCodec } from "./codecs";
import { findOrganisation } from "./organisations";
import {
  actorFromEvent,
  assertId,
  checkExpectedRevision,
  checkId,
  checkRevision,
  isUuid,
  REASON_MAX,
  type Actor,
  type LiaisonContext,
} from "./support";

/** A campaign with the activities this node knows of (none in lists). */
export interface CampaignView {
  row: CampaignRow;
  activities: ActivityRow[];
}

export interface ReportRequest extends ActivityRequest {
  organiserOrganisationId: string;
}

// ---- domain rows -> contract messages (gRPC answers and event payloads alike) ----

export function activityToProto(a: ActivityRow): liaisonV1.CampaignActivity {
  const organiser: commonV1.OrganisationRef | undefined =
    a.organiser_credit_code !== null
      ? { creditCode: a.organiser_credit_code, jurisdictionCode: a.organiser_jurisdiction ?? "", name: a.organiser_name ?? "" }
      : undefined;
  return {
    activityId: a.activity_id,
    jurisdictionCode: a.jurisdiction_code,
    title: a.title,
    heldTime: a.held_at,
    eventsHeld: a.events_held,
    audienceReached: String(a.audience_reached),
    organiser,
    audit: { actor: a.reported_by, reason: a.reason, requestId: a.request_id, occurTime: a.reported_at, jurisdictionCode: a.reported_in },
  };
}

export function campaignToProto(v: CampaignView): liaisonV1.Campaign {
  const r = v.row;
  return {
    campaignId: r.campaign_id,
    calendarNode: calendarNodeCodec.toProto(r.calendar_node),
    year: r.year,
    title: r.title,
    theme: r.theme,
    startTime: r.start_at,
    endTime: r.end_at,
    status: campaignStatusCodec.toProto(r.status),
    origin: campaignOriginCodec.toProto(r.origin),
    issuingJurisdictionCode: r.issuing_jurisdiction,
    targetJurisdictionCodes: [...r.target_codes],
    activities: v.activities.map(activityToProto),
    revision: r.revision,
  };
}

/** The node that sent an event, from its source "/jinlian/<node>/liaison". */
function sourceNode(source: string): string {
  return source.split("/")[2] ?? "";
}

function malformed(event: { type: string; id: string }, field: string, description: string): InvalidArgumentError {
  return new InvalidArgumentError([{ field, description }], `refused ${event.type} ${event.id}: ${field} ${description}`);
}

/**
 * Legal-publicity campaigns (art. 7-8): planning and launching at the issuing node, pushing a
 * municipal campaign to its target districts, activity reports flowing up, and the issuer's
 * roll-up. Mutations run through ctx.mutation (one transaction with audit and outbox rows);
 * inbound events run in the consumer's inbox transaction.
 */
export class CampaignApp {
  constructor(private readonly ctx: LiaisonContext) {}

  private async load(db: Knex | Knex.Transaction, id: string, lock?: "update" | "share"): Promise<CampaignRow> {
    assertId(id, "campaign_id");
    const row = await repo.find(db, id, lock);
    if (!row) throw new NotFoundError("campaign", id);
    return row;
  }

  async view(id: string, db: Knex | Knex.Transaction = this.ctx.db): Promise<CampaignView> {
    const row = await this.load(db, id);
    return { row, activities: await repo.activities(db, id) };
  }

  // ---- use cases ----

  async plan(r: PlanRequest, actor: Actor): Promise<CampaignView> {
    const plan = validatePlan(r, this.ctx.here);
    return this.ctx.mutation(
      "PlanCampaign",
      actor,
      async (trx) => {
        const exists = () =>
          new AlreadyExistsError(
            "campaign",
            `${plan.calendarNode}/${plan.year}`,
            `a ${plan.calendarNode} campaign for ${plan.year} has already been planned at ${this.ctx.here}`,
          );
        if (await repo.findByNodeYear(trx, this.ctx.here, plan.calendarNode, plan.year)) throw exists();
        const id = this.ctx.newId();
        const now = this.ctx.now();
        const inserted = await repo.insert(trx, {
          campaign_id: id,
          calendar_node: plan.calendarNode,
          year: plan.year,
          title: plan.title,
          theme: plan.theme,
          start_at: plan.period.start,
          end_at: plan.period.end,
          status: "PLANNED",
          origin: "ISSUED",
          issuing_jurisdiction: this.ctx.here,
          target_codes: plan.targets,
          revision: 1,
          created_at: now,
          updated_at: now,
        });
        // A concurrent plan for the same node and year committed first.
        if (!inserted) throw exists();
        await this.ctx.audit(trx, {
          aggregateType: "campaign",
          aggregateId: id,
          action: "PlanCampaign",
          revision: 1,
          actor,
          reason: plan.reason,
          at: now,
        });
        this.ctx.logger.info({ campaign_id: id, calendar_node: plan.calendarNode, year: plan.year }, "campaign planned");
        return id;
      },
      (id, trx) => this.view(id, trx),
    );
  }

  async launch(id: string, expectedRevision: number, reason: string, actor: Actor): Promise<CampaignView> {
    const why = this.checkChange(id, expectedRevision, reason);
    return this.ctx.mutation(
      `LaunchCampaign:${id}`,
      actor,
      async (trx) => {
        const row = await this.load(trx, id, "update");
        this.checkRevision(row, expectedRevision);
        const status = decideLaunch(campaignState(row));
        const now = this.ctx.now();
        const launched: CampaignRow = { ...row, status, revision: row.revision + 1, updated_at: now };
        await repo.update(trx, id, { status, revision: launched.revision, updated_at: now });
        await this.ctx.audit(trx, {
          aggregateType: "campaign",
          aggregateId: id,
          action: "LaunchCampaign",
          revision: launched.revision,
          actor,
          reason: why,
          at: now,
        });
        // A municipal campaign is pushed to each target district, which holds it as RECEIVED.
        await this.ctx.emit(
          trx,
          liaisonEvents.campaignLaunched,
          id,
          now,
          { campaignId: id, campaign: campaignToProto({ row: launched, activities: [] }), audit: this.ctx.auditProto(actor, why, now) },
          row.target_codes.map((d) => this.ctx.topicTo(d)),
        );
        this.ctx.logger.info({ campaign_id: id, targets: row.target_codes.length }, "campaign launched");
        return id;
      },
      (x, trx) => this.view(x, trx),
    );
  }

  async close(id: string, expectedRevision: number, reason: string, actor: Actor): Promise<CampaignView> {
    const why = this.checkChange(id, expectedRevision, reason);
    return this.ctx.mutation(
      `CloseCampaign:${id}`,
      actor,
      async (trx) => {
        const row = await this.load(trx, id, "update");
        this.checkRevision(row, expectedRevision);
        const status = decideClose(campaignState(row));
        const now = this.ctx.now();
        const revision = row.revision + 1;
        await repo.update(trx, id, { status, revision, updated_at: now });
        await this.ctx.audit(trx, {
          aggregateType: "campaign",
          aggregateId: id,
          action: "CloseCampaign",
          revision,
          actor,
          reason: why,
          at: now,
        });
        await this.ctx.emit(
          trx,
          liaisonEvents.campaignClosed,
          id,
          now,
          { campaignId: id, audit: this.ctx.auditProto(actor, why, now) },
          row.target_codes.map((d) => this.ctx.topicTo(d)),
        );
        this.ctx.logger.info({ campaign_id: id }, "campaign closed");
        return id;
      },
      (x, trx) => this.view(x, trx),
    );
  }

  /**
   * Records an activity held under a launched campaign. At a district, an activity under a
   * campaign received from the city is also reported up to the city, which keeps the roll-up.
   */
  async report(campaignId: string, r: ReportRequest, actor: Actor): Promise<ActivityRow> {
    const v = new Violations();
    checkId(v, campaignId, "campaign_id");
    const organiserId = r.organiserOrganisationId.trim();
    checkId(v, organiserId, "organiser_organisation_id", false);
    const activity = validateActivity(r, v);
    return this.ctx.mutation(
      `ReportCampaignActivity:${campaignId}`,
      actor,
      async (trx) => {
        // A share lock: a concurrent close waits until this report is in (or the close goes first and this is refused).
        const row = await this.load(trx, campaignId, "share");
        const state = campaignState(row);
        assertTakesReports(state);
        assertHeldWithin(state.period, activity.heldTime);
        let organiser: { id: string; creditCode: string; jurisdictionCode: string; name: string } | undefined;
        if (organiserId) {
          const org = await findOrganisation(trx, organiserId, true);
          if (!org)
            throw new InvalidArgumentError([{ field: "organiser_organisation_id", description: "is not a registered organisation" }]);
          if (org.status !== "ACTIVE")
            throw new FailedPreconditionError([
              {
                type: "ORGANISATION_DEACTIVATED",
                subject: `organisation/${org.organisationId}`,
                description: `${org.name} is deactivated`,
              },
            ]);
          organiser = { id: org.organisationId, creditCode: org.creditCode, jurisdictionCode: org.jurisdictionCode, name: org.name };
        }
        const now = this.ctx.now();
        const stored: ActivityRow = {
          activity_id: this.ctx.newId(),
          campaign_id: campaignId,
          jurisdiction_code: this.ctx.here,
          title: activity.title,
          held_at: activity.heldTime,
          events_held: activity.eventsHeld,
          audience_reached: String(activity.audienceReached),
          organiser_organisation_id: organiser?.id ?? null,
          organiser_credit_code: organiser?.creditCode ?? null,
          organiser_jurisdiction: organiser?.jurisdictionCode ?? null,
          organiser_name: organiser?.name ?? null,
          reported_by: actor.subject,
          reason: activity.reason,
          request_id: actor.requestId,
          reported_in: this.ctx.here,
          reported_at: now,
        };
        await repo.insertActivity(trx, stored);
        await this.ctx.audit(trx, {
          aggregateType: "campaign",
          aggregateId: campaignId,
          action: "ReportCampaignActivity",
          revision: row.revision,
          actor,
          reason: activity.reason,
          at: now,
        });
        if (row.origin === "RECEIVED")
          await this.ctx.emit(
            trx,
            liaisonEvents.campaignActivityReported,
            campaignId,
            now,
            { campaignId, activity: activityToProto(stored) },
            [this.ctx.topicTo(row.issuing_jurisdiction)],
          );
        return stored.activity_id;
      },
      async (activityId, trx) => (await repo.activity(trx, activityId))!,
    );
  }

  async list(
    filter: CampaignListFilter,
    pageSize: number,
    pageToken: string,
    v = new Violations(),
  ): Promise<{ items: CampaignView[]; nextPageToken: string; totalSize: number }> {
    if (filter.year !== undefined && (filter.year < CAMPAIGN_LIMITS.minYear || filter.year > CAMPAIGN_LIMITS.maxYear))
      v.add("filter.year", `must be 0 (any) or a year between ${CAMPAIGN_LIMITS.minYear} and ${CAMPAIGN_LIMITS.maxYear}`);
    const page = readPageRequest(v, filter, pageSize, pageToken);
    if (page.after && (Number.isNaN(Date.parse(page.after.key)) || !isUuid(page.after.id)))
      v.add("page.page_token", "is not a valid page token");
    v.throwIfAny();
    const totalSize = await repo.count(this.ctx.db, filter);
    const rows = await repo.page(this.ctx.db, filter, page.after && { start: page.after.key, id: page.after.id }, page.size + 1);
    const { items, nextPageToken } = pageOf(rows, page, (r) => ({ key: r.start_at.toISOString(), id: r.campaign_id }));
    return { items: items.map((row) => ({ row, activities: [] })), nextPageToken, totalSize };
  }

  async rollUp(id: string): Promise<{ campaignId: string } & CampaignRollUp> {
    const row = await this.load(this.ctx.db, id);
    assertKeepsRollUp(campaignState(row));
    const totals = await repo.totals(this.ctx.db, id);
    return { campaignId: id, ...rollUp(row.issuing_jurisdiction, row.target_codes, totals) };
  }

  // ---- inbound deliveries (in the consumer's inbox transaction; a repeat changes nothing) ----

  /** A district receives a municipal campaign at launch and holds it as RECEIVED. */
  async onCampaignLaunched(event: ReceivedEvent<liaisonEventsV1.CampaignLaunched>, trx: Knex.Transaction): Promise<void> {
    const e = event.data;
    const from = sourceNode(event.source);
    const c = e.campaign;
    if (!isUuid(e.campaignId)) throw malformed(event, "data.campaign_id", "must be a UUID");
    if (!c || c.campaignId !== e.campaignId) throw malformed(event, "data.campaign", "must be the campaign named by campaign_id");
    if (from !== CITY_JURISDICTION || c.issuingJurisdictionCode !== from)
      throw malformed(event, "data.campaign.issuing_jurisdiction_code", `must be the city ${CITY_JURISDICTION}, which sent it`);
    const calendarNode = calendarNodeCodec.fromProto(c.calendarNode);
    if (!calendarNode) throw malformed(event, "data.campaign.calendar_node", `unknown value ${c.calendarNode}`);
    if (!Number.isInteger(c.year) || c.year < CAMPAIGN_LIMITS.minYear || c.year > CAMPAIGN_LIMITS.maxYear)
      throw malformed(event, "data.campaign.year", "must be a year between 2000 and 2999");
    if (c.title.trim() === "") throw malformed(event, "data.campaign.title", "is required");
    if (!c.targetJurisdictionCodes.every(isDistrictCode))
      throw malformed(event, "data.campaign.target_jurisdiction_codes", "must all be district codes");
    if (!c.targetJurisdictionCodes.includes(this.ctx.here))
      throw malformed(event, "data.campaign.target_jurisdiction_codes", `does not include this node ${this.ctx.here}`);
    const existing = await repo.find(trx, e.campaignId);
    if (existing) {
      if (existing.origin === "RECEIVED") return; // already received
      throw malformed(event, "data.campaign_id", "names a campaign issued at this node");
    }
    const period = campaignPeriod(calendarNode, c.year);
    const now = this.ctx.now();
    const inserted = await repo.insert(trx, {
      campaign_id: e.campaignId,
      calendar_node: calendarNode,
      year: c.year,
      title: c.title,
      theme: c.theme,
      start_at: period.start,
      end_at: period.end,
      status: "LAUNCHED",
      origin: "RECEIVED",
      issuing_jurisdiction: from,
      target_codes: [...new Set(c.targetJurisdictionCodes)].sort(),
      revision: 1,
      created_at: e.audit?.occurTime ?? event.time,
      updated_at: now,
    });
    if (!inserted)
      throw malformed(event, "data.campaign_id", `another ${calendarNode} campaign for ${c.year} from ${from} is already held here`);
    await this.ctx.audit(trx, {
      aggregateType: "campaign",
      aggregateId: e.campaignId,
      action: "CampaignLaunched",
      revision: 1,
      actor: actorFromEvent(e.audit, event.source),
      reason: e.audit?.reason ?? "",
      at: now,
    });
    this.ctx.logger.info({ campaign_id: e.campaignId, from }, "campaign received");
  }

  /** The city closed a campaign this district received: no more reports are taken here. */
  async onCampaignClosed(event: ReceivedEvent<liaisonEventsV1.CampaignClosed>, trx: Knex.Transaction): Promise<void> {
    const e = event.data;
    const from = sourceNode(event.source);
    if (!isUuid(e.campaignId)) throw malformed(event, "data.campaign_id", "must be a UUID");
    const row = await repo.find(trx, e.campaignId, "update");
    if (!row || row.origin !== "RECEIVED" || row.issuing_jurisdiction !== from)
      throw malformed(event, "data.campaign_id", `is not a campaign this node received from ${from}`);
    if (row.status === "CLOSED") return; // already applied
    const now = this.ctx.now();
    const revision = row.revision + 1;
    await repo.update(trx, row.campaign_id, { status: "CLOSED", revision, updated_at: now });
    await this.ctx.audit(trx, {
      aggregateType: "campaign",
      aggregateId: row.campaign_id,
      action: "CampaignClosed",
      revision,
      actor: actorFromEvent(e.audit, event.source),
      reason: e.audit?.reason ?? "",
      at: now,
    });
    this.ctx.logger.info({ campaign_id: row.campaign_id, from }, "received campaign closed");
  }

  /** The issuing city takes an activity a target district reported. */
  async onCampaignActivityReported(event: ReceivedEvent<liaisonEventsV1.CampaignActivityReported>, trx: Knex.Transaction): Promise<void> {
    const e = event.data;
    const a = e.activity;
    const from = sourceNode(event.source);
    if (!isUuid(e.campaignId)) throw malformed(event, "data.campaign_id", "must be a UUID");
    if (!a || !isUuid(a.activityId)) throw malformed(event, "data.activity.activity_id", "must be a UUID");
    const row = await repo.find(trx, e.campaignId, "share");
    const audience = checkReportedActivity(row && campaignState(row), this.ctx.here, from, a);
    const at = a.audit?.occurTime ?? event.time;
    const inserted = await repo.insertActivity(trx, {
      activity_id: a.activityId,
      campaign_id: e.campaignId,
      jurisdiction_code: a.jurisdictionCode,
      title: a.title.trim(),
      held_at: a.heldTime!,
      events_held: a.eventsHeld,
      audience_reached: String(audience),
      organiser_organisation_id: null, // ids are the district registry's own
      organiser_credit_code: a.organiser?.creditCode ?? null,
      organiser_jurisdiction: a.organiser?.jurisdictionCode ?? null,
      organiser_name: a.organiser?.name ?? null,
      reported_by: a.audit?.actor || event.source,
      reason: a.audit?.reason ?? "",
      request_id: a.audit?.requestId ?? "",
      reported_in: a.audit?.jurisdictionCode || from,
      reported_at: at,
    });
    if (!inserted) return; // a repeat
    await this.ctx.audit(trx, {
      aggregateType: "campaign",
      aggregateId: e.campaignId,
      action: "CampaignActivityReported",
      revision: row!.revision,
      actor: actorFromEvent(a.audit, event.source),
      reason: a.audit?.reason ?? "",
      at: this.ctx.now(),
    });
  }

  // ---- helpers ----

  /** Input checks shared by launch and close; answers the trimmed reason. */
  private checkChange(id: string, expectedRevision: number, reason: string): string {
    const v = new Violations();
    checkId(v, id, "campaign_id");
    checkExpectedRevision(v, expectedRevision);
    const why = textField(v, "reason", reason, { max: REASON_MAX });
    v.throwIfAny();
    return why;
  }

  private checkRevision(row: CampaignRow, expected: number): void {
    checkRevision("campaign", row.campaign_id, row.revision, expected);
  }
}
