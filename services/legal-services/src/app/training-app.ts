import {
  type Actor,
  assertUuid,
  type DecisionWithRevision,
  keysetPage,
  loadEach,
  NotFoundError,
  pageOf,
  periodField,
  readPageRequest,
  type ServiceKit,
  timeCursor,
  uuidField,
  validateExpectedRevision,
  Violations,
} from "@jinlian/chassis";
import { optionalReason, requiredReason, type DecisionContext } from "../domain/common";
import {
  decideAttendance,
  decideCancel,
  decideHeld,
  decidePlan,
  type Training,
  type TrainingInput,
  type TrainingKind,
} from "../domain/training";
import type { Db } from "@jinlian/chassis";
import { registryByCodes, trainingStore as store } from "../persistence/stores";
import { contextOf } from "./context";

/** Use cases of trainings and conferences (art. 8, 9, 11, 16). */
export class TrainingApp {
  constructor(private readonly kit: ServiceKit) {}

  private async load(db: Db, id: string, forUpdate = false): Promise<Training> {
    const t = await store.load(db, id, forUpdate);
    if (!t) throw new NotFoundError("training", id);
    return t;
  }

  plan(input: TrainingInput, reason: string, actor: Actor): Promise<Training> {
    const v = new Violations();
    const why = optionalReason(v, reason);
    v.throwIfAny();
    // A training's view is its document: the state saved is the answer.
    const trainingId = this.kit.newId();
    return this.kit.creation(
      "PlanTraining",
      actor,
      trainingId,
      async (trx) => {
        const registry = await registryByCodes(
          trx,
          input.organiserCreditCodes.map((c) => c.trim().toUpperCase()),
        );
        const ctx = contextOf(this.kit, actor, why);
        const decision = decidePlan(trainingId, input, registry, ctx);
        return this.kit.apply(trx, store, undefined, decision, { actor, reason: why }, 0, ctx.now);
      },
      (id, trx) => this.load(trx, id),
    );
  }

  private change(
    method: string,
    id: string,
    expectedRevision: number,
    reason: string,
    actor: Actor,
    decide: (t: Training, ctx: DecisionContext, trx: Db) => Promise<DecisionWithRevision<Training>>,
    reasonRequired = false,
  ): Promise<Training> {
    const v = new Violations();
    uuidField(v, "training_id", id);
    validateExpectedRevision(v, expectedRevision);
    const why = reasonRequired ? requiredReason(v, "reason", reason) : optionalReason(v, reason);
    v.throwIfAny();
    // The answer is the training as saved: nothing is read back.
    return this.kit.change(
      `${method}:${id}`,
      actor,
      id,
      async (trx) => {
        const before = await this.load(trx, id, true);
        const ctx = contextOf(this.kit, actor, why);
        return this.kit.apply(trx, store, before, await decide(before, ctx, trx), { actor, reason: why }, expectedRevision, ctx.now);
      },
      (tid, trx) => this.load(trx, tid),
    );
  }

  recordAttendance(
    id: string,
    expectedRevision: number,
    entries: { creditCode: string; attendees: number }[],
    reason: string,
    actor: Actor,
  ) {
    return this.change("RecordTrainingAttendance", id, expectedRevision, reason, actor, async (t, _ctx, trx) =>
      decideAttendance(
        t,
        entries,
        await registryByCodes(
          trx,
          entries.map((e) => e.creditCode.trim().toUpperCase()),
        ),
        expectedRevision,
      ),
    );
  }

  markHeld(id: string, expectedRevision: number, heldAt: Date | undefined, reason: string, actor: Actor) {
    return this.change("MarkTrainingHeld", id, expectedRevision, reason, actor, async (t, ctx) =>
      decideHeld(t, heldAt, expectedRevision, ctx),
    );
  }

  cancel(id: string, expectedRevision: number, reason: string, actor: Actor) {
    return this.change("CancelTraining", id, expectedRevision, reason, actor, async (t) => decideCancel(t, expectedRevision), true);
  }

  async get(id: string): Promise<Training> {
    assertUuid(id, "training_id");
    return this.kit.snapshot((s) => this.load(s, id));
  }

  async list(
    filter: {
      kind?: TrainingKind;
      status?: Training["status"];
      startPeriod?: { startTime?: Date | undefined; endTime?: Date | undefined };
    },
    pageSize: number,
    pageToken: string,
  ) {
    const v = new Violations();
    const f = {
      kind: filter.kind ?? null,
      status: filter.status ?? null,
      period: periodField(v, "filter.start_period", filter.startPeriod),
    };
    const page = readPageRequest(v, f, pageSize, pageToken, timeCursor);
    v.throwIfAny();
    // One snapshot: the count, the page and each item's parts as one state.
    return this.kit.snapshot(async (db) => {
      const filtered = () => {
        const q = db("trainings");
        if (f.kind) q.where("kind", f.kind);
        if (f.status) q.where("status", f.status);
        if (f.period.from) q.where("start_at", ">=", f.period.from);
        if (f.period.until) q.where("start_at", "<", f.period.until);
        return q;
      };
      const [{ n }] = (await filtered().count({ n: "*" })) as { n: string }[];
      const q = filtered().select("training_id", "start_at");
      keysetPage(q, { key: "start_at", keyType: "timestamptz", id: "training_id", direction: "desc" }, page.after);
      const rows = (await q.limit(page.size + 1)) as { training_id: string; start_at: Date }[];
      const { items, nextPageToken } = pageOf(rows, page, (r) => ({ key: r.start_at.toISOString(), id: r.training_id }));
      return { items: await loadEach(items, (r) => this.load(db, r.training_id)), nextPageToken, totalSize: Number(n) };
    });
  }
}
