import {
  type Actor,
  assertUuid,
  type Attribution,
  type AuditMetadata,
  checkExpectedRevision as checkRevision,
  type DecisionWithRevision,
  NotFoundError,
  pageOf,
  parseEventSource,
  readPageRequest,
  type ReceivedEvent,
  type ServiceKit,
  textField,
  timeCursor,
  uuidField,
  validateExpectedRevision,
  Violations,
} from "@jinlian/chassis";
import type { ActivityDecision } from "../domain/campaign";
import type { liaisonEventsV1 } from "@jinlian/proto";
import type { Knex } from "knex";
import {
  assertKeepsRollUp,
  CAMPAIGN_LIMITS,
  checkDeliveredActivity,
  checkDeliveredCampaignId,
  decideCloseCampaign,
  decideCorrectActivity,
  decideLaunchCampaign,
  decidePlan,
  decideReceiveCampaign,
  decideReceivedActivity,
  decideReceivedClose,
  decideReceivedRevision,
  decideReport,
  decideWithdrawActivity,
  receivedCampaign,
  rollUp,
  totalsOf,
  validateActivity,
  validatePlan,
  type Activity,
  type ActivityRequest,
  type Campaign,
  type CampaignListFilter,
  type CampaignRollUp,
  type Delivery,
  type Organiser,
  type PlanRequest,
} from "../domain/campaign";
import { CALENDAR_LIMITS, DEFAULT_CALENDAR, type CampaignCalendar, type Period } from "../domain/campaign-calendar";
import { campaignRepository as repo, campaignStore as store } from "../persistence/campaign-repository";
import { findOrganisation, findOrganisations, resolveOrganisationNames } from "./organisations";
import { REASON_MAX } from "./support";

/** A campaign with the activities this node knows of (none in lists). */
export interface CampaignView {
  campaign: Campaign;
  activities: Activity[];
}

export interface ReportRequest extends ActivityRequest {
  organiserOrganisationId: string;
  /** The organiser by credit code ("" when not given). */
  organiserCreditCode?: string;
}

/** A correction replaces every figure of the activity; the reason is required. */
export interface CorrectRequest extends ReportRequest {
  activityId: string;
  expectedRevision: number;
}

/** An organisation a request names, by registry id or credit code. */
export interface NamedOrganisation {
  organisationId: string;
  creditCode: string;
}

export interface PlanInput extends PlanRequest {
  coOrganisers?: readonly NamedOrganisation[];
}

/** A calendar node and its period in a year. */
export interface CalendarEntry {
  code: string;
  name: string;
  period: Period;
  setForYear: boolean;
}

/** An inbound event as the domain's delivery decisions take it: with the node that sent it. */
function deliveryOf<T>(event: ReceivedEvent<T>): Delivery<T> {
  const from = parseEventSource(event.source)?.node ?? "";
  return { type: event.type, id: event.id, source: event.source, from, time: event.time, data: event.data };
}

/**
 * Legal-publicity campaigns (art. 7-8): planning and launching at the issuing node, pushing a
 * municipal campaign to its target districts, activity reports flowing up, and the issuer's
 * roll-up. Mutations run through kit.creation and kit.change (one transaction with audit and outbox rows);
 * inbound events run in the consumer's inbox transaction.
 */
export class CampaignApp {
  constructor(
    private readonly kit: ServiceKit,
    /** The node's calendar of legal publicity (LIAISON_CAMPAIGN_CALENDAR). */
    private readonly calendar: CampaignCalendar = DEFAULT_CALENDAR,
  ) {}

  private async load(db: Knex | Knex.Transaction, id: string, lock?: "update" | "share"): Promise<Campaign> {
    assertUuid(id, "campaign_id");
    const campaign = await repo.load(db, id, lock);
    if (!campaign) throw new NotFoundError("campaign", id);
    return campaign;
  }

  /** The campaign with its activities, read in `trx` when given, else in a snapshot of its own (one state). */
  async view(id: string, trx?: Knex.Transaction): Promise<CampaignView> {
    if (!trx) return this.kit.snapshot((s) => this.view(id, s));
    const campaign = await this.load(trx, id);
    return { campaign, activities: await repo.activities(trx, id) };
  }

  // ---- use cases ----

  async plan(r: PlanInput, actor: Actor): Promise<CampaignView> {
    const v = new Violations();
    const named = r.coOrganisers ?? [];
    if (named.length > CAMPAIGN_LIMITS.maxCoOrganisers)
      v.add("co_organisers", `must be at most ${CAMPAIGN_LIMITS.maxCoOrganisers} organisations`);
    named.forEach((o, i) => {
      if (o.organisationId.trim() === "" && o.creditCode.trim() === "") v.add(`co_organisers[${i}]`, "names no organisation");
      uuidField(v, `co_organisers[${i}].organisation_id`, o.organisationId.trim(), false);
    });
    const plan = validatePlan(r, this.kit.here, v, this.calendar);
    const campaignId = this.kit.newId();
    return this.kit.creation(
      "PlanCampaign",
      actor,
      campaignId,
      async (trx) => {
        const by = { actor, reason: plan.reason };
        const coOrganisers = await this.coOrganisers(trx, named);
        const at = this.kit.now();
        const ctx = { campaignId, by: this.kit.auditMetadata(by, at) };
        const planned = await this.kit.apply(trx, store, undefined, decidePlan(plan, coOrganisers, ctx), by, 0, at);
        this.kit.logger.info({ campaign_id: planned.campaignId, calendar_node: plan.calendarNode, year: plan.year }, "campaign planned");
        // A campaign just planned has no activities yet.
        return { campaign: planned, activities: [] };
      },
      (id, trx) => this.view(id, trx),
    );
  }

  async launch(id: string, expectedRevision: number, reason: string, actor: Actor): Promise<CampaignView> {
    return this.change("LaunchCampaign", id, expectedRevision, reason, actor, decideLaunchCampaign);
  }

  async close(id: string, expectedRevision: number, reason: string, actor: Actor): Promise<CampaignView> {
    return this.change("CloseCampaign", id, expectedRevision, reason, actor, decideCloseCampaign);
  }

  /**
   * Records an activity held under a launched campaign. At a district, an activity under a
   * campaign received from the city is also reported up to the city, which keeps the roll-up.
   */
  async report(campaignId: string, r: ReportRequest, actor: Actor): Promise<Activity> {
    const v = new Violations();
    uuidField(v, "campaign_id", campaignId);
    uuidField(v, "organiser_organisation_id", r.organiserOrganisationId.trim(), false);
    const activity = validateActivity(r, v);
    const activityId = this.kit.newId();
    return this.kit.creation(
      `ReportCampaignActivity:${campaignId}`,
      actor,
      activityId,
      async (trx) => {
        // A share lock: a concurrent close waits until this report is in (or the close goes first and this is refused).
        const campaign = await this.load(trx, campaignId, "share");
        const { organiserId, organiser } = await this.organiser(trx, r);
        const by = { actor, reason: activity.reason };
        const at = this.kit.now();
        const ctx = { activityId, by: this.kit.auditMetadata(by, at) };
        const decision = decideReport(campaign, activity, organiserId, organiser, ctx);
        await repo.insertActivity(trx, decision.activity);
        await this.kit.record(trx, this.aggregate(campaign), decision.action, by, decision.events, at);
        return decision.activity;
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
    const page = readPageRequest(v, filter, pageSize, pageToken, timeCursor);
    v.throwIfAny();
    const totalSize = await repo.count(this.kit.db, filter);
    const campaigns = await repo.page(this.kit.db, filter, page.after, page.size + 1);
    const { items, nextPageToken } = pageOf(campaigns, page, (c) => ({ key: c.period.start.toISOString(), id: c.campaignId }));
    return { items: items.map((campaign) => ({ campaign, activities: [] })), nextPageToken, totalSize };
  }

  /**
   * Corrects an activity reported here (a new revision; the earlier one kept as history). At a
   * district, a correction under a campaign received from the city goes up to its roll-up.
   */
  async correct(campaignId: string, r: CorrectRequest, actor: Actor): Promise<Activity> {
    const v = new Violations();
    uuidField(v, "campaign_id", campaignId);
    uuidField(v, "activity_id", r.activityId);
    validateExpectedRevision(v, r.expectedRevision);
    uuidField(v, "organiser_organisation_id", r.organiserOrganisationId.trim(), false);
    const report = validateActivity(r, v, true);
    return this.reviseActivity("CorrectCampaignActivity", campaignId, r, report.reason, actor, async (trx, campaign, before, by) => {
      const { organiserId, organiser } = await this.organiser(trx, r);
      return decideCorrectActivity(campaign, before, report, organiserId, organiser, { by });
    });
  }

  /** Withdraws an activity reported here: it leaves every roll-up (at a district, the city's too). */
  async withdraw(campaignId: string, r: { activityId: string; expectedRevision: number; reason: string }, actor: Actor): Promise<Activity> {
    const v = new Violations();
    uuidField(v, "campaign_id", campaignId);
    uuidField(v, "activity_id", r.activityId);
    validateExpectedRevision(v, r.expectedRevision);
    const reason = textField(v, "reason", r.reason, { required: true, max: REASON_MAX });
    v.throwIfAny();
    return this.reviseActivity("WithdrawCampaignActivity", campaignId, r, reason, actor, (_trx, campaign, before, by) =>
      decideWithdrawActivity(campaign, before, { by }),
    );
  }

  /** The roll-up over the activities as they stand: current revisions, withdrawn ones left out. */
  async rollUp(id: string): Promise<{ campaignId: string } & CampaignRollUp> {
    const { campaign, activities } = await this.view(id);
    assertKeepsRollUp(campaign);
    return { campaignId: id, ...rollUp(campaign.issuingJurisdictionCode, campaign.targets, totalsOf(activities)) };
  }

  /** The node's calendar nodes and their periods in a year. */
  calendarOf(year: number): CalendarEntry[] {
    if (!Number.isInteger(year) || year < CALENDAR_LIMITS.minYear || year > CALENDAR_LIMITS.maxYear) {
      const v = new Violations();
      v.add("year", `must be a year between ${CALENDAR_LIMITS.minYear} and ${CALENDAR_LIMITS.maxYear}`);
      v.throwIfAny();
    }
    return this.calendar.nodes.map((n) => ({
      code: n.code,
      name: n.name,
      period: this.calendar.period(n.code, year),
      setForYear: this.calendar.setForYear(n.code, year),
    }));
  }

  // ---- inbound deliveries (in the consumer's inbox transaction; a repeat changes nothing) ----

  /** A district receives a municipal campaign at launch and holds it as RECEIVED. */
  async onCampaignLaunched(event: ReceivedEvent<liaisonEventsV1.CampaignLaunched>, trx: Knex.Transaction): Promise<void> {
    const d = deliveryOf(event);
    const now = this.kit.now();
    const received = receivedCampaign(d, this.kit.here, now);
    const decision = decideReceiveCampaign(await repo.load(trx, received.campaignId), received, d);
    if (!decision) return; // already received
    await this.kit.apply(trx, store, undefined, decision, this.attributionOf(event.data.audit, event.source), 0, now);
    this.kit.logger.info({ campaign_id: received.campaignId, from: d.from }, "campaign received");
  }

  /** The city closed a campaign this district received: no more reports are taken here. */
  async onCampaignClosed(event: ReceivedEvent<liaisonEventsV1.CampaignClosed>, trx: Knex.Transaction): Promise<void> {
    const d = deliveryOf(event);
    checkDeliveredCampaignId(d);
    const before = await repo.load(trx, d.data.campaignId, "update");
    const now = this.kit.now();
    const decision = decideReceivedClose(before, d, now);
    if (!decision) return; // already applied
    await this.kit.apply(trx, store, before, decision, this.attributionOf(event.data.audit, event.source), 0, now);
    this.kit.logger.info({ campaign_id: d.data.campaignId, from: d.from }, "received campaign closed");
  }

  /** The issuing city takes an activity a target district reported. */
  async onCampaignActivityReported(event: ReceivedEvent<liaisonEventsV1.CampaignActivityReported>, trx: Knex.Transaction): Promise<void> {
    const d = deliveryOf(event);
    checkDeliveredActivity(d);
    const campaign = await repo.load(trx, d.data.campaignId, "share");
    const decision = decideReceivedActivity(campaign, this.kit.here, d);
    if (!(await repo.insertActivity(trx, decision.activity))) return; // a repeat
    const by = this.attributionOf(event.data.activity?.audit, event.source);
    await this.kit.record(trx, this.aggregate(campaign!), decision.action, by, decision.events);
  }

  /** The issuing city takes a district's correction of an activity it reported; the roll-up follows. */
  onCampaignActivityCorrected(event: ReceivedEvent<liaisonEventsV1.CampaignActivityCorrected>, trx: Knex.Transaction): Promise<void> {
    return this.onRevision(event, trx, false);
  }

  /** The issuing city takes a district's withdrawal of an activity it reported: it leaves the roll-up. */
  onCampaignActivityWithdrawn(event: ReceivedEvent<liaisonEventsV1.CampaignActivityWithdrawn>, trx: Knex.Transaction): Promise<void> {
    return this.onRevision(event, trx, true);
  }

  private async onRevision(
    event: ReceivedEvent<liaisonEventsV1.CampaignActivityCorrected | liaisonEventsV1.CampaignActivityWithdrawn>,
    trx: Knex.Transaction,
    withdrawal: boolean,
  ): Promise<void> {
    const d = deliveryOf(event);
    const { activityId } = checkDeliveredActivity(d);
    const campaign = await repo.load(trx, d.data.campaignId, "share");
    const held = await repo.activity(trx, activityId, true);
    const decision = decideReceivedRevision(campaign, held, this.kit.here, d, withdrawal);
    if (!decision) return; // a repeat, or older than what is held
    if (held) await repo.reviseActivity(trx, decision.activity, held);
    else await repo.insertActivity(trx, decision.activity); // overtook the report it revises
    const by = this.attributionOf(event.data.activity?.revisionAudit, event.source);
    await this.kit.record(trx, this.aggregate(campaign!), decision.action, by, decision.events);
  }

  // ---- helpers ----

  /**
   * Revises an activity reported here, at most once per request id: the campaign share-locked
   * (a close waits), the activity locked, and a stale expected revision of the activity is
   * ABORTED before any rule is looked at. The campaign keeps its revision.
   */
  private reviseActivity(
    method: string,
    campaignId: string,
    r: { activityId: string; expectedRevision: number },
    reason: string,
    actor: Actor,
    decide: (
      trx: Knex.Transaction,
      campaign: Campaign,
      before: Activity,
      by: AuditMetadata,
    ) => ActivityDecision | Promise<ActivityDecision>,
  ): Promise<Activity> {
    return this.kit.change(
      `${method}:${r.activityId}`,
      actor,
      r.activityId,
      async (trx) => {
        const campaign = await this.load(trx, campaignId, "share");
        const before = await repo.activity(trx, r.activityId, true);
        if (!before || before.campaignId !== campaignId) throw new NotFoundError("campaign activity", `${campaignId}/${r.activityId}`);
        checkRevision("campaign activity", r.activityId, before.revision, r.expectedRevision);
        const by = { actor, reason };
        const at = this.kit.now();
        const decision = await decide(trx, campaign, before, this.kit.auditMetadata(by, at));
        await repo.reviseActivity(trx, decision.activity, before);
        await this.kit.record(trx, this.aggregate(campaign), decision.action, by, decision.events, at);
        return decision.activity;
      },
      async (activityId, trx) => (await repo.activity(trx, activityId))!,
    );
  }

  /**
   * The organiser a report names, by id or credit code (both must agree), as the registry holds
   * it: FOR SHARE, so a concurrent deactivation waits until the report is committed (or refused).
   */
  private async organiser(
    trx: Knex.Transaction,
    r: { organiserOrganisationId: string; organiserCreditCode?: string },
  ): Promise<{ organiserId: string; organiser: Organiser | undefined }> {
    const v = new Violations();
    const [organiserId = ""] = await resolveOrganisationNames(trx, v, [
      {
        idField: "organiser_organisation_id",
        creditCodeField: "organiser_credit_code",
        organisationId: r.organiserOrganisationId,
        creditCode: r.organiserCreditCode ?? "",
      },
    ]);
    v.throwIfAny();
    return { organiserId, organiser: organiserId ? await findOrganisation(trx, organiserId, true) : undefined };
  }

  /** Co-organisers named by id or credit code, registered here (FOR SHARE), in the order given, no duplicates. */
  private async coOrganisers(trx: Knex.Transaction, named: readonly NamedOrganisation[]): Promise<Organiser[]> {
    const v = new Violations();
    const ids = await resolveOrganisationNames(
      trx,
      v,
      named.map((o, i) => ({
        idField: `co_organisers[${i}].organisation_id`,
        creditCodeField: `co_organisers[${i}].credit_code`,
        organisationId: o.organisationId,
        creditCode: o.creditCode,
      })),
    );
    const found = await findOrganisations(
      trx,
      ids.filter((id) => id !== ""),
      true,
    );
    const seen = new Map<string, number>();
    ids.forEach((id, i) => {
      if (id === "") return;
      if (!found.has(id) && named[i]!.creditCode.trim() === "")
        v.add(`co_organisers[${i}].organisation_id`, "is not a registered organisation");
      else if (seen.has(id)) v.add(`co_organisers[${i}]`, `duplicate of co_organisers[${seen.get(id)}]`);
      else seen.set(id, i);
    });
    v.throwIfAny();
    return [...seen.keys()].map((id) => found.get(id)!);
  }

  /**
   * Decides and applies a change of a campaign issued here, at most once per request id: locked,
   * and a stale expected revision is ABORTED before any rule is looked at.
   */
  private change(
    method: string,
    id: string,
    expectedRevision: number,
    reason: string,
    actor: Actor,
    decide: (campaign: Campaign, ctx: { by: AuditMetadata }) => DecisionWithRevision<Campaign>,
  ): Promise<CampaignView> {
    const v = new Violations();
    uuidField(v, "campaign_id", id);
    validateExpectedRevision(v, expectedRevision);
    const why = textField(v, "reason", reason, { max: REASON_MAX });
    v.throwIfAny();
    return this.kit.change(
      `${method}:${id}`,
      actor,
      id,
      async (trx) => {
        const before = await this.load(trx, id, "update");
        checkRevision("campaign", id, before.revision, expectedRevision);
        const by = { actor, reason: why };
        const at = this.kit.now();
        const decision = decide(before, { by: this.kit.auditMetadata(by, at) });
        const after = await this.kit.apply(trx, store, before, decision, by, expectedRevision, at);
        // "campaign launched", "campaign closed"
        this.kit.logger.info({ campaign_id: id, targets: after.targets.length }, `campaign ${after.status.toLowerCase()}`);
        // The campaign as saved; its activities are rows of their own, read as they stand.
        return { campaign: after, activities: await repo.activities(trx, id) };
      },
      (x, trx) => this.view(x, trx),
    );
  }

  /** Reports are recorded against the campaign as it stands: its revision does not change. */
  private aggregate(campaign: Campaign) {
    return { type: store.type, id: campaign.campaignId, revision: campaign.revision };
  }

  /**
   * Who changed something at another node, and why, for the audit trail here. Without an actor
   * in the event, the event's whole source is recorded (unlike the chassis' `node:<code>`).
   */
  private attributionOf(audit: { actor?: string; requestId?: string; reason?: string } | undefined, source: string): Attribution {
    return { actor: { subject: audit?.actor || source, requestId: audit?.requestId ?? "" }, reason: audit?.reason ?? "" };
  }
}
