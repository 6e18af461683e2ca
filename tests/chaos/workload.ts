/**
 * The chaos workload: domain work across two nodes in both directions, through the SDK with a
 * request id per intended change (a call retried after a kill, an outage or a lost answer is the
 * same request), and a record of every effect it meant to cause.
 *
 *   down: the city issues bulletins to 120101, corrects and recalls some; 120101 acknowledges
 *         (a receipt per party) and the receipts go up to the city;
 *   up:   120101 reports bulletins up (报送) to the city, corrects and recalls some; the city
 *         acknowledges and the receipts come down;
 *   activities: the city launches a campaign to 120101, which reports activities up, corrects
 *         and withdraws some.
 */
import { randomUUID } from "node:crypto";
import {
  AbortedError,
  bulletinsClient,
  CancelledError,
  DeadlineExceededError,
  InternalError,
  JinlianError,
  liaisonClient,
  ResourceExhaustedError,
  UnavailableError,
  type BulletinsClient,
  type LiaisonClient,
} from "@jinlian/client";
import { withCheckCharacter } from "@jinlian/kernel";
import { bulletinsV1, commonV1, liaisonV1 } from "@jinlian/proto";
import { testToken } from "../support/auth";
import { MUNICIPAL_FEDERATION, MUNICIPAL_JUSTICE_BUREAU } from "../support/fixtures";
import { registerIssuers } from "../support/issuers";
import type { Rng } from "./rng";

const B = bulletinsV1;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const HEPING_BUREAU = { creditCode: withCheckCharacter("11120101MB2345678"), jurisdictionCode: "120101", name: "和平区司法局" };
export const HEPING_FEDERATION = {
  creditCode: withCheckCharacter("51120101MJ2345679"),
  jurisdictionCode: "120101",
  name: "和平区工商业联合会",
};

export type Party = "JUSTICE_BUREAU" | "FEDERATION";
export type Change = "ORIGINAL" | "CORRECTION" | "RECALL";

export interface AckPlan {
  party: Party;
  version: number;
  requestId: string;
}

/** What one bulletin should look like at its issuer and at its recipient node once all is delivered. */
export interface BulletinPlan {
  id: string;
  direction: "down" | "up";
  issuer: string;
  receiver: string;
  /** Version sequence the issuer answered with, in order. */
  versions: { version: number; change: Change }[];
  title: string;
  status: "PUBLISHED" | "RECALLED";
  acks: AckPlan[];
  /** The script stopped part-way (a refusal, or a delivery it waited for too long): why. */
  incomplete?: string;
}

export interface ActivityPlan {
  id: string;
  revision: number;
  withdrawn: boolean;
  title: string;
  audienceReached: string;
  incomplete?: string;
}

export interface WorkloadOptions {
  downBulletins: number;
  upBulletins: number;
  activities: number;
  concurrency: number;
  /** Script starts are spread over this long, so the faults meet the workload throughout. */
  spanMs: number;
  /** How long one intended change may be retried (node restarts, outages) before it counts as unknown. */
  callBudgetMs: number;
  /** How long a script waits for a delivery it needs before going on (then noted, and checked at the end). */
  deliveryWaitMs: number;
}

export interface WorkloadCounters {
  calls: number;
  retries: number;
  /** Answers that should never come back (INTERNAL): by method. */
  internal: Record<string, number>;
  /** Calls retried past their budget: outcome unknown to the driver (the checks look at the nodes). */
  unknown: number;
  waits: number;
}

export interface Endpoints {
  city: string;
  district: string;
}

/** Calls a mutation with one request id until it is answered, retrying what a fault can cause. */
export class Caller {
  readonly counters: WorkloadCounters = { calls: 0, retries: 0, internal: {}, unknown: 0, waits: 0 };
  constructor(private readonly budgetMs: number) {}

  async call<T>(method: string, fn: (requestId: string) => Promise<T>, requestId = randomUUID()): Promise<T> {
    const deadline = Date.now() + this.budgetMs;
    this.counters.calls++;
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn(requestId);
      } catch (err) {
        if (!retriable(err)) throw err;
        if (err instanceof InternalError) this.counters.internal[method] = (this.counters.internal[method] ?? 0) + 1;
        if (Date.now() > deadline) {
          this.counters.unknown++;
          throw new Error(`${method}: no answer within ${this.budgetMs} ms (${(err as Error).message})`);
        }
        this.counters.retries++;
        await sleep(Math.min(2_000, 100 * 2 ** Math.min(attempt, 5)));
      }
    }
  }
}

/** What a fault can cause and the same request may safely be sent again for. */
function retriable(err: unknown): boolean {
  if (!(err instanceof JinlianError)) return true; // transport trouble below the SDK
  if (err instanceof UnavailableError || err instanceof DeadlineExceededError || err instanceof CancelledError) return true;
  if (err instanceof ResourceExhaustedError) return err.reason === "OVERLOADED";
  if (err instanceof AbortedError) return err.reason === "CONCURRENT_CHANGE";
  // A connection cut mid-call (the node SIGKILLed) can surface as INTERNAL from the transport;
  // counted, and retried with the same request id.
  return err instanceof InternalError;
}

function body(rng: Rng, i: number, large: boolean): string {
  const para = `第${i}期：民营企业法治体检、万所联万会进展与下一步安排。`;
  return large ? para.repeat(Math.floor(40_000 / para.length)) : `${para}${"工作情况".repeat(1 + rng.int(40))}`;
}

const year = Number(new Intl.DateTimeFormat("en", { timeZone: "Asia/Shanghai", year: "numeric" }).format(new Date()));
/** A time in Tianjin (UTC+8) on a December day of this year's Constitution Week. */
const onDecember = (day: number, hour: number) => new Date(Date.UTC(year, 11, day, hour - 8));

export class Workload {
  readonly bulletins: BulletinPlan[] = [];
  readonly activities: ActivityPlan[] = [];
  campaignId = "";
  readonly caller: Caller;
  private readonly city: { bulletins: BulletinsClient; liaison: LiaisonClient };
  private readonly district: { bulletins: BulletinsClient; liaison: LiaisonClient };

  constructor(
    endpoints: Endpoints,
    private readonly options: WorkloadOptions,
    private readonly rng: Rng,
    private readonly log: (line: string) => void,
  ) {
    this.caller = new Caller(options.callBudgetMs);
    // Each node's officers, with tokens of the tests' issuer (the nodes run JINLIAN_AUTH=jwt).
    const clients = (address: string, jurisdiction: string) => {
      const token = () => testToken(jurisdiction, "chaos-driver");
      return {
        bulletins: bulletinsClient({ address, actor: "chaos-driver", deadlineMs: 10_000, token }),
        liaison: liaisonClient({ address, actor: "chaos-driver", deadlineMs: 10_000, token }),
      };
    };
    this.city = clients(endpoints.city, "120000");
    this.district = clients(endpoints.district, "120101");
  }

  close(): void {
    for (const n of [this.city, this.district]) {
      n.bulletins.close();
      n.liaison.close();
    }
  }

  /** Issuers in both registries and the campaign at both nodes: before any fault. */
  async setUp(): Promise<void> {
    const T = commonV1.OrganisationType;
    await registerIssuers(this.city, [
      { ref: MUNICIPAL_JUSTICE_BUREAU, type: T.ORGANISATION_TYPE_JUSTICE_BUREAU },
      { ref: MUNICIPAL_FEDERATION, type: T.ORGANISATION_TYPE_FEDERATION },
    ]);
    await registerIssuers(this.district, [
      { ref: HEPING_BUREAU, type: T.ORGANISATION_TYPE_JUSTICE_BUREAU },
      { ref: HEPING_FEDERATION, type: T.ORGANISATION_TYPE_FEDERATION },
    ]);
    if (this.options.activities > 0) {
      const { campaign } = await this.city.liaison.campaigns.planCampaign({
        calendarNode: liaisonV1.CalendarNode.CALENDAR_NODE_CONSTITUTION_WEEK,
        year,
        title: `${year}年宪法宣传周（chaos）`,
        theme: "大力弘扬宪法精神 护航民营经济发展",
        targetJurisdictionCodes: ["120101"],
        reason: "chaos suite",
        topicTags: ["宪法"],
        audienceKinds: [liaisonV1.AudienceKind.AUDIENCE_KIND_ENTERPRISES],
      });
      this.campaignId = campaign!.campaignId;
      await this.city.liaison.campaigns.launchCampaign({ campaignId: this.campaignId, expectedRevision: 0, reason: "启动" });
      await this.waitUntil("the campaign at 120101", async () => {
        const { campaign: c } = await this.district.liaison.campaigns.getCampaign({ campaignId: this.campaignId });
        return c?.status === liaisonV1.CampaignStatus.CAMPAIGN_STATUS_LAUNCHED;
      });
    }
  }

  private readonly bursts: Promise<void>[] = [];
  private burstCount = 0;

  /**
   * Starts `n` more bulletin scripts at once (part of the record like every other), so a fault
   * can aim at a node while its relay or consumers have work in hand.
   */
  burst(direction: "down" | "up", n: number): void {
    for (let k = 0; k < n; k++) this.bursts.push(this.bulletinScript(direction, 100_000 + this.burstCount++, this.rng.fork()));
  }

  /** Waits for the scripts bursts started. */
  async settle(): Promise<void> {
    await Promise.all(this.bursts);
  }

  /** Runs every script, `concurrency` at a time, in a seeded order. */
  async run(): Promise<void> {
    const tasks: (() => Promise<void>)[] = [];
    for (let i = 0; i < this.options.downBulletins; i++) tasks.push(() => this.bulletinScript("down", i, this.rng.fork()));
    for (let i = 0; i < this.options.upBulletins; i++) tasks.push(() => this.bulletinScript("up", i, this.rng.fork()));
    for (let i = 0; i < this.options.activities; i++) tasks.push(() => this.activityScript(i, this.rng.fork()));
    this.rng.shuffle(tasks);
    let next = 0;
    let done = 0;
    const total = tasks.length;
    const began = Date.now();
    const worker = async () => {
      while (next < tasks.length) {
        const k = next++;
        const task = tasks[k]!;
        const startAt = began + (k * this.options.spanMs) / total;
        if (startAt > Date.now()) await sleep(startAt - Date.now());
        await task();
        done++;
        if (done % Math.max(1, Math.floor(total / 10)) === 0) this.log(`workload: ${done}/${total} scripts done`);
      }
    };
    await Promise.all(Array.from({ length: this.options.concurrency }, worker));
  }

  private async waitUntil(what: string, ready: () => Promise<boolean>, timeoutMs = this.options.deliveryWaitMs): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    this.caller.counters.waits++;
    while (Date.now() < deadline) {
      try {
        if (await ready()) return true;
      } catch {
        // not there yet, or the node is restarting
      }
      await sleep(300);
    }
    this.log(`workload: gave up waiting for ${what} after ${timeoutMs} ms (checked again at the end)`);
    return false;
  }

  private async bulletinScript(direction: "down" | "up", i: number, rng: Rng): Promise<void> {
    const [issuer, receiver] = direction === "down" ? [this.city, this.district] : [this.district, this.city];
    const issuerCode = direction === "down" ? "120000" : "120101";
    const receiverCode = direction === "down" ? "120101" : "120000";
    const plan: BulletinPlan = {
      id: "",
      direction,
      issuer: issuerCode,
      receiver: receiverCode,
      versions: [],
      title: "",
      status: "PUBLISHED",
      acks: [],
    };
    const large = rng.chance(0.08);
    try {
      const title = `${direction === "down" ? "市级" : "和平区报送"}简报 ${i}`;
      // Built once: a retry resends the same request under the same request id (a different one
      // would rightly be refused as a reused id).
      const draftRequest = {
        kind: B.BulletinKind.BULLETIN_KIND_WORK_BRIEFING,
        issuer: direction === "down" ? MUNICIPAL_JUSTICE_BUREAU : HEPING_BUREAU,
        title,
        body: body(rng, i, large),
        mainAudience: { allDistricts: false, jurisdictionCodes: [receiverCode], organisations: [] },
        urgency: B.Urgency.URGENCY_ROUTINE,
        classification: B.Classification.CLASSIFICATION_INTERNAL,
        acknowledgementWindow: { seconds: String(3 * 24 * 3600), nanos: 0 },
      };
      const { bulletin: draft } = await this.caller.call("CreateBulletinDraft", (requestId) =>
        issuer.bulletins.createBulletinDraft(draftRequest, { requestId }),
      );
      plan.id = draft!.bulletinId;
      this.bulletins.push(plan);
      const approveId = randomUUID();
      const published = await this.caller.call("PublishBulletin", async (requestId) => {
        // Approval and publication, each under its own request id across retries.
        await issuer.bulletins
          .approveBulletin(
            { bulletinId: plan.id, expectedRevision: 0, approver: { name: "王五", position: "局长" }, reason: "" },
            { requestId: approveId },
          )
          .catch((err: unknown) => {
            if (err instanceof JinlianError && err.reason === "BULLETIN_ALREADY_APPROVED") return; // a retry after the first answer was lost
            throw err;
          });
        return (await issuer.bulletins.publishBulletin({ bulletinId: plan.id, expectedRevision: 0, reason: "" }, { requestId })).bulletin!;
      });
      plan.versions.push({ version: published.currentVersion, change: "ORIGINAL" });
      plan.title = published.title;

      const ack = async (version: number, parties: Party[]) => {
        const there = await this.waitUntil(`bulletin ${plan.id} v${version} at ${receiverCode}`, async () => {
          const { bulletin } = await receiver.bulletins.getBulletin({ bulletinId: plan.id, readerCreditCode: "" });
          return (bulletin?.currentVersion ?? 0) >= version;
        });
        if (!there) return false;
        for (const party of parties) {
          const requestId = randomUUID();
          await this.caller.call(
            "AcknowledgeBulletin",
            (rid) =>
              receiver.bulletins.acknowledgeBulletin(
                {
                  bulletinId: plan.id,
                  recipient: { recipient: { $case: "jurisdictionCode", value: receiverCode } },
                  version,
                  readerName: `${party === "JUSTICE_BUREAU" ? "司法局" : "工商联"} 读者${i}`,
                  reason: "",
                  party: party === "JUSTICE_BUREAU" ? B.Party.PARTY_JUSTICE_BUREAU : B.Party.PARTY_FEDERATION,
                },
                { requestId: rid },
              ),
            requestId,
          );
          plan.acks.push({ party, version, requestId });
        }
        return true;
      };

      // Sometimes the first version is read before it is corrected.
      if (rng.chance(0.4) && !(await ack(1, ["JUSTICE_BUREAU"]))) {
        plan.incomplete = "version 1 not delivered while the script ran";
        return;
      }
      const corrections = rng.int(3);
      for (let c = 1; c <= corrections; c++) {
        const correction = {
          bulletinId: plan.id,
          expectedRevision: 0,
          title: `（更正${c}）${title}`,
          body: body(rng, i, large || rng.chance(0.05)),
          reason: `第${c}次更正`,
        };
        const corrected = await this.caller.call("CorrectBulletin", (requestId) =>
          issuer.bulletins.correctBulletin(correction, { requestId }),
        );
        plan.versions.push({ version: corrected.bulletin!.currentVersion, change: "CORRECTION" });
        plan.title = corrected.bulletin!.title;
      }
      if (rng.chance(0.2)) {
        const recalled = await this.caller.call("RecallBulletin", (requestId) =>
          issuer.bulletins.recallBulletin({ bulletinId: plan.id, expectedRevision: 0, reason: "撤回" }, { requestId }),
        );
        plan.versions.push({ version: recalled.bulletin!.currentVersion, change: "RECALL" });
        plan.status = "RECALLED";
        return;
      }
      const final = plan.versions[plan.versions.length - 1]!.version;
      const picked: Party[] = rng.chance(0.5) ? ["JUSTICE_BUREAU", "FEDERATION"] : [rng.chance(0.5) ? "JUSTICE_BUREAU" : "FEDERATION"];
      // A party reads a version once: acknowledging it again records nothing.
      const parties = picked.filter((p) => !plan.acks.some((a) => a.party === p && a.version === final));
      if (!(await ack(final, parties))) plan.incomplete = `version ${final} not delivered while the script ran`;
    } catch (err) {
      plan.incomplete = (err as Error).message;
      if (!plan.id) this.log(`workload: a ${direction} bulletin was never created: ${(err as Error).message}`);
    }
  }

  private async activityScript(i: number, rng: Rng): Promise<void> {
    const campaigns = this.district.liaison.campaigns;
    const plan: ActivityPlan = { id: "", revision: 0, withdrawn: false, title: "", audienceReached: "" };
    try {
      const title = `宪法进商会 ${i}`;
      const audience = String(10 + rng.int(500));
      // Built once, so a retry is the same request (see bulletinScript).
      const report = {
        campaignId: this.campaignId,
        title,
        heldTime: onDecember(1 + rng.int(6), 9 + rng.int(8)),
        eventsHeld: 1 + rng.int(5),
        audienceReached: audience,
        reason: "",
      };
      const { activity } = await this.caller.call("ReportCampaignActivity", (requestId) =>
        campaigns.reportCampaignActivity(report, { requestId }),
      );
      Object.assign(plan, { id: activity!.activityId, revision: activity!.revision, title, audienceReached: audience });
      this.activities.push(plan);
      const corrections = rng.int(3);
      for (let c = 1; c <= corrections; c++) {
        const newAudience = String(10 + rng.int(500));
        const { activity: corrected } = await this.caller.call("CorrectCampaignActivity", (requestId) =>
          campaigns.correctCampaignActivity(
            {
              campaignId: this.campaignId,
              activityId: plan.id,
              expectedRevision: 0,
              title: `${title}（更正${c}）`,
              heldTime: onDecember(2, 14),
              eventsHeld: 2,
              audienceReached: newAudience,
              reason: `第${c}次更正`,
            },
            { requestId },
          ),
        );
        Object.assign(plan, { revision: corrected!.revision, title: corrected!.title, audienceReached: newAudience });
      }
      if (rng.chance(0.15)) {
        const { activity: withdrawn } = await this.caller.call("WithdrawCampaignActivity", (requestId) =>
          campaigns.withdrawCampaignActivity(
            { campaignId: this.campaignId, activityId: plan.id, expectedRevision: 0, reason: "重复报送" },
            { requestId },
          ),
        );
        Object.assign(plan, { revision: withdrawn!.revision, withdrawn: true });
      }
    } catch (err) {
      plan.incomplete = (err as Error).message;
      if (!plan.id) this.log(`workload: an activity was never reported: ${(err as Error).message}`);
    }
  }
}
