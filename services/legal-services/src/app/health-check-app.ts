import {
  type Actor,
  assertUuid,
  type DecisionWithRevision,
  keysetPage,
  loadEach,
  NotFoundError,
  pageOf,
  readPageRequest,
  type ServiceKit,
  timeCursor,
  uuidField,
  validateExpectedRevision,
  Violations,
} from "@jinlian/chassis";
import { jurisdictionField, optionalReason } from "../domain/common";
import {
  checkCampaign,
  decideCampaign,
  decideClose,
  decideFinding,
  decideFollowUp,
  decideFollowUpDone,
  followUpOverdue,
  type CampaignInput,
  type HealthCheckCampaign,
  type RiskLevel,
} from "../domain/health-check";
import type { DecisionContext } from "../domain/common";
import type { Db } from "@jinlian/chassis";
import { campaignStore as store, registryByCodes } from "../persistence/stores";
import { contextOf } from "./context";

/** Use cases of legal health checks (art. 13), and the scan that alerts overdue follow-ups. */
export class HealthCheckApp {
  constructor(private readonly kit: ServiceKit) {}

  private async load(db: Db, id: string, forUpdate = false): Promise<HealthCheckCampaign> {
    const c = await store.load(db, id, forUpdate);
    if (!c) throw new NotFoundError("health_check_campaign", id);
    return c;
  }

  create(input: CampaignInput, reason: string, actor: Actor): Promise<HealthCheckCampaign> {
    const checked = checkCampaign(input);
    const v = new Violations();
    const why = optionalReason(v, reason);
    v.throwIfAny();
    // A campaign's view is its document: the state saved is the answer.
    const campaignId = this.kit.newId();
    return this.kit.creation(
      "CreateHealthCheckCampaign",
      actor,
      campaignId,
      async (trx) => {
        const registry = await registryByCodes(trx, [checked.organiserCreditCode, ...checked.targetCreditCodes]);
        const ctx = contextOf(this.kit, actor, why);
        const decision = decideCampaign(campaignId, checked, registry, ctx);
        return this.kit.apply(trx, store, undefined, decision, { actor, reason: why }, 0, ctx.now);
      },
      (id, trx) => this.load(trx, id),
    );
  }

  private change<T = undefined>(
    method: string,
    id: string,
    expectedRevision: number,
    reason: string,
    actor: Actor,
    decide: (c: HealthCheckCampaign, ctx: DecisionContext) => { decision: DecisionWithRevision<HealthCheckCampaign>; out?: T },
  ): Promise<{ campaign: HealthCheckCampaign; out?: T }> {
    const v = new Violations();
    uuidField(v, "campaign_id", id);
    validateExpectedRevision(v, expectedRevision);
    const why = optionalReason(v, reason);
    v.throwIfAny();
    let out: T | undefined;
    return (
      this.kit
        // The answer is the campaign as saved: nothing is read back.
        .change(
          `${method}:${id}`,
          actor,
          id,
          async (trx) => {
            const before = await this.load(trx, id, true);
            const ctx = contextOf(this.kit, actor, why);
            const d = decide(before, ctx);
            out = d.out;
            return this.kit.apply(trx, store, before, d.decision, { actor, reason: why }, expectedRevision, ctx.now);
          },
          (cid, trx) => this.load(trx, cid),
        )
        .then((campaign) => ({ campaign, out }))
    );
  }

  recordFinding(
    id: string,
    expectedRevision: number,
    f: { enterpriseCreditCode: string; itemId: string; riskLevel: RiskLevel | undefined; description: string },
    reason: string,
    actor: Actor,
  ) {
    return this.change("RecordHealthCheckFinding", id, expectedRevision, reason, actor, (c, ctx) => {
      const d = decideFinding(c, f, expectedRevision, ctx);
      return { decision: d.decision, out: d.findingId };
    });
  }

  addFollowUp(
    id: string,
    expectedRevision: number,
    f: { findingId: string; action: string; dueAt: Date | undefined },
    reason: string,
    actor: Actor,
  ) {
    return this.change("AddHealthCheckFollowUp", id, expectedRevision, reason, actor, (c, ctx) => {
      const d = decideFollowUp(c, f, expectedRevision, ctx);
      return { decision: d.decision, out: d.followUpId };
    });
  }

  completeFollowUp(id: string, expectedRevision: number, followUpId: string, note: string, reason: string, actor: Actor) {
    return this.change("CompleteHealthCheckFollowUp", id, expectedRevision, reason, actor, (c, ctx) => ({
      decision: decideFollowUpDone(c, followUpId, note, expectedRevision, ctx),
    }));
  }

  close(id: string, expectedRevision: number, reason: string, actor: Actor) {
    return this.change("CloseHealthCheckCampaign", id, expectedRevision, reason, actor, (c, ctx) => ({
      decision: decideClose(c, expectedRevision, ctx),
    }));
  }

  async get(id: string): Promise<HealthCheckCampaign> {
    assertUuid(id, "campaign_id");
    return this.kit.snapshot((s) => this.load(s, id));
  }

  async list(filter: { districtCode: string; status?: "OPEN" | "CLOSED"; hasOverdue: boolean }, pageSize: number, pageToken: string) {
    const v = new Violations();
    const f = {
      district: jurisdictionField(v, "filter.district_code", filter.districtCode, false),
      status: filter.status ?? null,
      overdue: filter.hasOverdue,
    };
    const page = readPageRequest(v, f, pageSize, pageToken, timeCursor);
    v.throwIfAny();
    // One snapshot: the count, the page and each item's parts as one state.
    return this.kit.snapshot(async (db) => {
      const now = this.kit.now();
      const filtered = () => {
        const q = db("health_check_campaigns as c");
        if (f.district) q.where("c.district_code", f.district);
        if (f.status) q.where("c.status", f.status);
        if (f.overdue)
          q.whereExists(
            db("health_check_follow_ups as u")
              .whereRaw("u.campaign_id = c.campaign_id")
              .where("u.done", false)
              .where("u.due_at", "<=", now),
          );
        return q;
      };
      const [{ n }] = (await filtered().count({ n: "*" })) as { n: string }[];
      const q = filtered().select("c.campaign_id", "c.created_at");
      keysetPage(q, { key: "c.created_at", keyType: "timestamptz", id: "c.campaign_id", direction: "desc" }, page.after);
      const rows = (await q.limit(page.size + 1)) as { campaign_id: string; created_at: Date }[];
      const { items, nextPageToken } = pageOf(rows, page, (r) => ({ key: r.created_at.toISOString(), id: r.campaign_id }));
      return { items: await loadEach(items, (r) => this.load(db, r.campaign_id)), nextPageToken, totalSize: Number(n) };
    });
  }

  /**
   * One scan: an alert for each follow-up open past its due date not yet alerted for that due
   * date. The mark is taken with SKIP LOCKED, so replicas scanning at once never alert twice.
   */
  async scanOverdue(batchSize = 100): Promise<number> {
    let raised = 0;
    for (;;) {
      const n = await this.kit.db.transaction(async (trx) => {
        const now = this.kit.now();
        const due = (await trx("health_check_follow_ups")
          .where("done", false)
          .where("due_at", "<=", now)
          .where((w) => w.whereNull("alerted_due_at").orWhereRaw("alerted_due_at <> due_at"))
          .orderBy("due_at")
          .limit(batchSize)
          .forUpdate()
          .skipLocked()
          .select("follow_up_id", "campaign_id")) as { follow_up_id: string; campaign_id: string }[];
        const campaigns = new Map<string, HealthCheckCampaign>();
        for (const d of due) if (!campaigns.has(d.campaign_id)) campaigns.set(d.campaign_id, (await store.load(trx, d.campaign_id))!);
        const events = due.flatMap((d) => {
          const c = campaigns.get(d.campaign_id)!;
          const f = c.followUps.find((x) => x.followUpId === d.follow_up_id);
          return f ? [followUpOverdue(c, f, now)] : [];
        });
        if (due.length > 0)
          await trx("health_check_follow_ups")
            .whereIn(
              "follow_up_id",
              due.map((d) => d.follow_up_id),
            )
            .update({ alerted_due_at: trx.ref("due_at") });
        await this.kit.publish(trx, events, now);
        return due.length;
      });
      raised += n;
      if (n < batchSize) return raised;
    }
  }
}
