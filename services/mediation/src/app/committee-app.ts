import {
  type Actor,
  assertUuid,
  containsPattern,
  keysetPage,
  loadEach,
  NotFoundError,
  pageOf,
  readPageRequest,
  type ServiceKit,
  textCursor,
  Violations,
} from "@jinlian/chassis";
import {
  decideMediatorStatus,
  decideReelect,
  decideRegisterCommittee,
  decideRegisterMediator,
  decideTraining,
  type Committee,
  type CompositionPolicy,
  type Mediator,
  type MediatorInput,
  type MediatorPool,
  type MediatorStatus,
  type MemberInput,
  type RegisterCommitteeInput,
} from "../domain/committee";
import { creditCodeField, optionalReason } from "../domain/common";
import type { Db } from "@jinlian/chassis";
import { committeeStore, mediatorStore, registryByCodes } from "../persistence/stores";
import { contextOf } from "./context";

/** Committees registered with the justice bureau, and their mediators. */
export class CommitteeApp {
  constructor(
    private readonly kit: ServiceKit,
    private readonly policy: CompositionPolicy,
  ) {}

  async loadCommittee(db: Db, id: string, forUpdate = false): Promise<Committee> {
    const c = await committeeStore.load(db, id, forUpdate);
    if (!c) throw new NotFoundError("committee", id);
    return c;
  }

  async loadMediator(db: Db, id: string, forUpdate = false): Promise<Mediator> {
    const m = await mediatorStore.load(db, id, forUpdate);
    if (!m) throw new NotFoundError("mediator", id);
    return m;
  }

  private reason(reason: string): string {
    const v = new Violations();
    const why = optionalReason(v, reason);
    v.throwIfAny();
    return why;
  }

  registerCommittee(input: RegisterCommitteeInput, reason: string, actor: Actor): Promise<Committee> {
    const why = this.reason(reason);
    // A committee's view is its saved state: the answer.
    const committeeId = this.kit.newId();
    return this.kit.creation(
      `RegisterCommittee:${input.committeeCreditCode.trim().toUpperCase()}`,
      actor,
      committeeId,
      async (trx) => {
        const code = input.committeeCreditCode.trim().toUpperCase();
        // Serialises two registrations of the same committee.
        await trx.raw("select pg_advisory_xact_lock(hashtext(?))", [`jinlian.mediation.committee:${code}`]);
        const registry = await registryByCodes(trx, [code, input.justiceBureauCreditCode.trim().toUpperCase()]);
        const chamber = registry.get(code)?.chamberCreditCode;
        if (chamber) for (const [k, o] of await registryByCodes(trx, [chamber])) registry.set(k, o);
        const held = await trx("committees").where("credit_code", code).first("committee_id");
        const ctx = contextOf(this.kit, actor, why);
        const decision = decideRegisterCommittee(committeeId, input, registry, !!held, this.policy, ctx);
        return this.kit.apply(trx, committeeStore, undefined, decision, { actor, reason: why }, 0, ctx.now);
      },
      (id, trx) => this.loadCommittee(trx, id),
    );
  }

  reelect(id: string, expectedRevision: number, members: MemberInput[], termStartAt: Date | undefined, reason: string, actor: Actor) {
    assertUuid(id, "committee_id");
    const why = this.reason(reason);
    return this.kit.change(
      `ReelectCommittee:${id}`,
      actor,
      id,
      async (trx) => {
        const before = await this.loadCommittee(trx, id, true);
        const ctx = contextOf(this.kit, actor, why);
        const d = decideReelect(before, members, termStartAt, expectedRevision, this.policy, ctx);
        return this.kit.apply(trx, committeeStore, before, d, { actor, reason: why }, expectedRevision, ctx.now);
      },
      (cid, trx) => this.loadCommittee(trx, cid),
    );
  }

  async getCommittee(id: string): Promise<Committee> {
    assertUuid(id, "committee_id");
    return this.loadCommittee(this.kit.db, id);
  }

  async listCommittees(filter: { chamberCreditCode: string; text: string }, pageSize: number, pageToken: string) {
    const v = new Violations();
    const f = {
      chamber: creditCodeField(v, "filter.chamber_credit_code", filter.chamberCreditCode, false),
      text: filter.text.trim(),
    };
    if ([...f.text].length > 200) v.add("filter.text", "must be at most 200 characters");
    const page = readPageRequest(v, f, pageSize, pageToken, textCursor);
    v.throwIfAny();
    // One snapshot: the count, the page and each item's parts as one state.
    return this.kit.snapshot(async (db) => {
      const filtered = () => {
        const q = db("committees");
        if (f.chamber) q.where("chamber_credit_code", f.chamber);
        if (f.text) q.where((w) => w.whereILike("name", containsPattern(f.text)).orWhere("credit_code", f.text.toUpperCase()));
        return q;
      };
      const [{ n }] = (await filtered().count({ n: "*" })) as { n: string }[];
      const q = filtered().select("committee_id", "name");
      keysetPage(q, { key: "name", id: "committee_id", direction: "asc" }, page.after);
      const rows = (await q.limit(page.size + 1)) as {
        committee_id: string;
        name: string;
      }[];
      const { items, nextPageToken } = pageOf(rows, page, (r) => ({ key: r.name, id: r.committee_id }));
      return { items: await loadEach(items, (r) => this.loadCommittee(db, r.committee_id)), nextPageToken, totalSize: Number(n) };
    });
  }

  registerMediator(committeeId: string, input: MediatorInput, reason: string, actor: Actor): Promise<Mediator> {
    assertUuid(committeeId, "committee_id");
    const why = this.reason(reason);
    // A mediator's view is its saved state: the answer.
    const mediatorId = this.kit.newId();
    return this.kit.creation(
      `RegisterMediator:${committeeId}`,
      actor,
      mediatorId,
      async (trx) => {
        const committee = await this.loadCommittee(trx, committeeId);
        const ctx = contextOf(this.kit, actor, why);
        const d = decideRegisterMediator(mediatorId, committee, input, ctx);
        return this.kit.apply(trx, mediatorStore, undefined, d, { actor, reason: why }, 0, ctx.now);
      },
      (id, trx) => this.loadMediator(trx, id),
    );
  }

  recordTraining(
    id: string,
    expectedRevision: number,
    input: { title: string; hours: number; completeAt: Date | undefined },
    reason: string,
    actor: Actor,
  ) {
    assertUuid(id, "mediator_id");
    const why = this.reason(reason);
    return this.kit.change(
      `RecordMediatorTraining:${id}`,
      actor,
      id,
      async (trx) => {
        const before = await this.loadMediator(trx, id, true);
        const ctx = contextOf(this.kit, actor, why);
        return this.kit.apply(
          trx,
          mediatorStore,
          before,
          decideTraining(before, input, expectedRevision, ctx),
          { actor, reason: why },
          expectedRevision,
          ctx.now,
        );
      },
      (mid, trx) => this.loadMediator(trx, mid),
    );
  }

  changeStatus(id: string, expectedRevision: number, status: MediatorStatus | undefined, reason: string, actor: Actor) {
    assertUuid(id, "mediator_id");
    const v = new Violations();
    const why = optionalReason(v, reason);
    v.throwIfAny();
    return this.kit.change(
      `ChangeMediatorStatus:${id}`,
      actor,
      id,
      async (trx) => {
        const before = await this.loadMediator(trx, id, true);
        const ctx = contextOf(this.kit, actor, why);
        const d = decideMediatorStatus(before, status, why, expectedRevision, ctx);
        return this.kit.apply(trx, mediatorStore, before, d, { actor, reason: why }, expectedRevision, ctx.now);
      },
      (mid, trx) => this.loadMediator(trx, mid),
    );
  }

  async getMediator(id: string): Promise<Mediator> {
    assertUuid(id, "mediator_id");
    return this.loadMediator(this.kit.db, id);
  }

  async listMediators(filter: { committeeId: string; status?: MediatorStatus; pool?: MediatorPool }, pageSize: number, pageToken: string) {
    const v = new Violations();
    const committeeId = filter.committeeId.trim().toLowerCase();
    if (committeeId && !/^[0-9a-f-]{36}$/.test(committeeId)) v.add("filter.committee_id", "must be a UUID");
    const f = { committeeId, status: filter.status ?? null, pool: filter.pool ?? null };
    const page = readPageRequest(v, f, pageSize, pageToken, textCursor);
    v.throwIfAny();
    // One snapshot: the count, the page and each item's parts as one state.
    return this.kit.snapshot(async (db) => {
      const filtered = () => {
        const q = db("mediators");
        if (f.committeeId) q.where("committee_id", f.committeeId);
        if (f.status) q.where("status", f.status);
        if (f.pool) q.whereIn("pool", f.pool === "BOTH" ? ["BOTH"] : [f.pool, "BOTH"]);
        return q;
      };
      const [{ n }] = (await filtered().count({ n: "*" })) as { n: string }[];
      const q = filtered().select("mediator_id", "name");
      keysetPage(q, { key: "name", id: "mediator_id", direction: "asc" }, page.after);
      const rows = (await q.limit(page.size + 1)) as {
        mediator_id: string;
        name: string;
      }[];
      const { items, nextPageToken } = pageOf(rows, page, (r) => ({ key: r.name, id: r.mediator_id }));
      return { items: await loadEach(items, (r) => this.loadMediator(db, r.mediator_id)), nextPageToken, totalSize: Number(n) };
    });
  }
}
