import {
  type Actor,
  AlreadyExistsError,
  assertUuid,
  isUuid,
  keysetPage,
  loadEach,
  NotFoundError,
  pageOf,
  readPageRequest,
  type ServiceKit,
  timeCursor,
  validateExpectedRevision,
  Violations,
} from "@jinlian/chassis";
import { creditCodeField, optionalReason } from "../domain/common";
import {
  checkReferral,
  decideAnswer,
  decideIntake,
  referralFingerprint,
  type ArbitrationReferral,
  type ReferralInput,
} from "../domain/arbitration-referral";
import type { Db } from "@jinlian/chassis";
import { providersByCreditCodes, referralStore as store } from "../persistence/stores";
import { contextOf } from "./context";

/** The intake of arbitration referrals from mediation, and the commission's answer. */
export class ArbitrationReferralApp {
  constructor(private readonly kit: ServiceKit) {}

  private async load(db: Db, id: string, forUpdate = false): Promise<ArbitrationReferral> {
    const r = await store.load(db, id, forUpdate);
    if (!r) throw new NotFoundError("arbitration_referral", id);
    return r;
  }

  /** Idempotent by referral id: the same referral again is answered with the one held. */
  submit(input: ReferralInput, reason: string, actor: Actor): Promise<ArbitrationReferral> {
    const c = checkReferral(input);
    const v = new Violations();
    const why = optionalReason(v, reason);
    v.throwIfAny();
    // A referral's view is its saved state: the answer (the caller names its id).
    return this.kit.creation(
      `SubmitArbitrationReferral:${c.referralId}`,
      actor,
      c.referralId,
      async (trx) => {
        // Serialises two submissions of the same referral id.
        await trx.raw("select pg_advisory_xact_lock(hashtext(?))", [`jinlian.legal-services.referral:${c.referralId}`]);
        const held = await store.load(trx, c.referralId);
        const commission = (await providersByCreditCodes(trx, [c.commissionCreditCode])).find((p) => p.kind === "ARBITRATION_COMMISSION");
        const ctx = contextOf(this.kit, actor, why);
        const decision = decideIntake(c, commission, ctx);
        if (held) {
          if (referralFingerprint(held) === referralFingerprint(decision.state)) return held;
          throw new AlreadyExistsError("arbitration_referral", c.referralId, `referral ${c.referralId} was received with other content`);
        }
        return this.kit.apply(trx, store, undefined, decision, { actor, reason: why }, 0, ctx.now);
      },
      (id, trx) => this.load(trx, id),
    );
  }

  answer(id: string, expectedRevision: number, accept: boolean, note: string, reason: string, actor: Actor): Promise<ArbitrationReferral> {
    const v = new Violations();
    if (!isUuid(id)) v.add("referral_id", "must be a UUID");
    validateExpectedRevision(v, expectedRevision);
    const why = optionalReason(v, reason);
    v.throwIfAny();
    return this.kit.change(
      `AnswerArbitrationReferral:${id}`,
      actor,
      id,
      async (trx) => {
        const before = await this.load(trx, id, true);
        const ctx = contextOf(this.kit, actor, why);
        return this.kit.apply(
          trx,
          store,
          before,
          decideAnswer(before, accept, note, expectedRevision, ctx),
          { actor, reason: why },
          expectedRevision,
          ctx.now,
        );
      },
      (rid, trx) => this.load(trx, rid),
    );
  }

  async get(id: string): Promise<ArbitrationReferral> {
    assertUuid(id.toLowerCase(), "referral_id");
    return this.kit.snapshot((s) => this.load(s, id.toLowerCase()));
  }

  async list(filter: { status?: ArbitrationReferral["status"]; commissionCreditCode: string }, pageSize: number, pageToken: string) {
    const v = new Violations();
    const f = {
      status: filter.status ?? null,
      commission: creditCodeField(v, "filter.commission_credit_code", filter.commissionCreditCode, false),
    };
    const page = readPageRequest(v, f, pageSize, pageToken, timeCursor);
    v.throwIfAny();
    // One snapshot: the count, the page and each item's parts as one state.
    return this.kit.snapshot(async (db) => {
      const filtered = () => {
        const q = db("arbitration_referrals");
        if (f.status) q.where("status", f.status);
        if (f.commission) q.where("commission_credit_code", f.commission);
        return q;
      };
      const [{ n }] = (await filtered().count({ n: "*" })) as { n: string }[];
      const q = filtered().select("referral_id", "received_at");
      keysetPage(q, { key: "received_at", keyType: "timestamptz", id: "referral_id", direction: "desc" }, page.after);
      const rows = (await q.limit(page.size + 1)) as { referral_id: string; received_at: Date }[];
      const { items, nextPageToken } = pageOf(rows, page, (r) => ({ key: r.received_at.toISOString(), id: r.referral_id }));
      return { items: await loadEach(items, (r) => this.load(db, r.referral_id)), nextPageToken, totalSize: Number(n) };
    });
  }
}
