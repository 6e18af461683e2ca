import { CITY_JURISDICTION } from "@jinlian/kernel";
import type { Knex } from "knex";
import {
  type Actor,
  AlreadyExistsError,
  checkExpectedRevision,
  type Decision,
  InvalidArgumentError,
  readPageRequest,
  type ServiceKit,
  textField,
  timeCursor,
  uuidField,
  Violations,
} from "@jinlian/chassis";
import { checkPlanKind, LIMITS, type DraftKind } from "../domain/kinds";
import {
  decideAddPlanItem,
  decideAnswerSuggestion,
  decideCreatePlan,
  decideFixPlan,
  decideSubmitSuggestion,
  type Plan,
  type PlanStatus,
} from "../domain/plan";
import { plans, planStore } from "../persistence/repositories";
import {
  CONSULTED_TYPES,
  contextOf,
  creditCodeField,
  found,
  reasonField,
  resolveOrganisations,
  revisionField,
  type Mutation,
} from "./support";

/** The annual legislative plan and project suggestions: use cases (municipal node only). */
export class PlanApp {
  constructor(private readonly kit: ServiceKit) {}

  private assertCity(): void {
    if (this.kit.here !== CITY_JURISDICTION)
      throw new InvalidArgumentError([
        { field: "", description: `the annual legislative plan exists only at the municipal node ${CITY_JURISDICTION}` },
      ]);
  }

  /** Loads, decides and applies one change to a plan; answers with the plan (and `extra` of the decision). */
  private change<X = undefined>(
    method: string,
    planId: string,
    input: Mutation,
    actor: Actor,
    decide: (plan: Plan, trx: Knex.Transaction, now: Date) => Promise<{ decision: Decision<Plan>; extra?: X }>,
  ): Promise<{ plan: Plan; extra?: X }> {
    return this.kit.change(
      `${method}:${planId}`,
      actor,
      planId,
      async (trx) => {
        const before = found(await planStore.load(trx, planId, true), "plan", planId);
        // A stale revision is answered before any rule of the decision (ABORTED, not a precondition).
        checkExpectedRevision(planStore.type, planId, before.revision, input.expectedRevision);
        const now = this.kit.now();
        const made = await decide(before, trx, now);
        // A plan's view is its document: the state saved is the answer.
        const plan = await this.kit.apply(
          trx,
          planStore,
          before,
          made.decision,
          { actor, reason: input.reason },
          input.expectedRevision,
          now,
        );
        return { plan, extra: made.extra };
      },
      async (id, trx) => ({ plan: found(await planStore.load(trx, id), "plan", id) }),
    );
  }

  async create(input: { year: number; reason: string }, actor: Actor): Promise<Plan> {
    this.assertCity();
    const v = new Violations();
    if (!Number.isInteger(input.year) || input.year < 2000 || input.year > 2100) v.add("year", "must be a year between 2000 and 2100");
    const reason = reasonField(v, input.reason);
    v.throwIfAny();
    const planId = this.kit.newId();
    return this.kit.creation(
      `CreatePlan:${input.year}`,
      actor,
      planId,
      async (trx) => {
        if (await plans.byYear(trx, input.year))
          throw new AlreadyExistsError("plan", String(input.year), `the ${input.year} plan already exists`);
        const now = this.kit.now();
        const decision = decideCreatePlan(planId, input.year, contextOf(this.kit, actor, reason, now));
        return this.kit.apply(trx, planStore, undefined, decision, { actor, reason }, 0, now);
      },
      async (id, trx) => found(await planStore.load(trx, id), "plan", id),
    );
  }

  async addItem(
    input: Mutation & { planId: string; title: string; kind: DraftKind | undefined; draftingUnit: string; concernsPrivateEconomy: boolean },
    actor: Actor,
  ) {
    this.assertCity();
    const v = new Violations();
    uuidField(v, "plan_id", input.planId);
    revisionField(v, input.expectedRevision);
    const title = textField(v, "title", input.title, { required: true, max: LIMITS.title });
    checkPlanKind(v, "kind", input.kind);
    const draftingUnit = textField(v, "drafting_unit", input.draftingUnit, { required: true, max: LIMITS.unit });
    const reason = reasonField(v, input.reason);
    v.throwIfAny();
    const result = await this.change("AddPlanItem", input.planId, { ...input, reason }, actor, async (plan, _trx, now) => {
      const d = decideAddPlanItem(
        plan,
        { title, kind: input.kind!, draftingUnit, concernsPrivateEconomy: input.concernsPrivateEconomy },
        contextOf(this.kit, actor, reason, now),
      );
      return { decision: d, extra: d.item.planItemId };
    });
    return { plan: result.plan, item: result.plan.items.find((i) => i.planItemId === result.extra) };
  }

  async submitSuggestion(
    input: Mutation & { planId: string; creditCode: string; title: string; kind: DraftKind | undefined; rationale: string },
    actor: Actor,
  ) {
    this.assertCity();
    const v = new Violations();
    uuidField(v, "plan_id", input.planId);
    revisionField(v, input.expectedRevision);
    const code = creditCodeField(v, "suggested_by_credit_code", input.creditCode);
    const title = textField(v, "title", input.title, { required: true, max: LIMITS.title });
    checkPlanKind(v, "kind", input.kind);
    const rationale = textField(v, "rationale", input.rationale, { required: true, max: LIMITS.text });
    const reason = reasonField(v, input.reason);
    v.throwIfAny();
    const result = await this.change("SubmitProjectSuggestion", input.planId, { ...input, reason }, actor, async (plan, trx, now) => {
      const [suggestedBy] = await resolveOrganisations(trx, [{ field: "suggested_by_credit_code", creditCode: code }], CONSULTED_TYPES);
      const d = decideSubmitSuggestion(
        plan,
        { suggestedBy: suggestedBy!, title, kind: input.kind!, rationale },
        contextOf(this.kit, actor, reason, now),
      );
      return { decision: d, extra: d.suggestion.suggestionId };
    });
    return { plan: result.plan, suggestion: result.plan.suggestions.find((s) => s.suggestionId === result.extra) };
  }

  async answerSuggestion(
    input: Mutation & {
      planId: string;
      suggestionId: string;
      outcome: "ACCEPTED" | "NOT_ACCEPTED" | undefined;
      explanation: string;
      draftingUnit: string;
      concernsPrivateEconomy: boolean;
    },
    actor: Actor,
  ): Promise<Plan> {
    this.assertCity();
    const v = new Violations();
    uuidField(v, "plan_id", input.planId);
    uuidField(v, "suggestion_id", input.suggestionId);
    revisionField(v, input.expectedRevision);
    if (!input.outcome) v.add("outcome", "must be SUGGESTION_OUTCOME_ACCEPTED or SUGGESTION_OUTCOME_NOT_ACCEPTED");
    const explanation = textField(v, "explanation", input.explanation, { required: input.outcome === "NOT_ACCEPTED", max: LIMITS.text });
    const draftingUnit = textField(v, "drafting_unit", input.draftingUnit, { required: input.outcome === "ACCEPTED", max: LIMITS.unit });
    const reason = reasonField(v, input.reason);
    v.throwIfAny();
    const result = await this.change("AnswerProjectSuggestion", input.planId, { ...input, reason }, actor, async (plan, _trx, now) => ({
      decision: decideAnswerSuggestion(
        plan,
        {
          suggestionId: input.suggestionId,
          outcome: input.outcome!,
          explanation,
          draftingUnit,
          concernsPrivateEconomy: input.concernsPrivateEconomy,
        },
        contextOf(this.kit, actor, reason, now),
      ),
    }));
    return result.plan;
  }

  async fix(input: Mutation & { planId: string }, actor: Actor): Promise<Plan> {
    this.assertCity();
    const v = new Violations();
    uuidField(v, "plan_id", input.planId);
    revisionField(v, input.expectedRevision);
    const reason = reasonField(v, input.reason);
    v.throwIfAny();
    return (await this.change("FixPlan", input.planId, { ...input, reason }, actor, async (plan) => ({ decision: decideFixPlan(plan) })))
      .plan;
  }

  async get(planId: string): Promise<Plan> {
    const v = new Violations();
    uuidField(v, "plan_id", planId);
    v.throwIfAny();
    return found(await this.kit.snapshot((s) => planStore.load(s, planId)), "plan", planId);
  }

  async list(filter: { status?: PlanStatus; year?: number }, pageSize: number, pageToken: string, v: Violations) {
    const request = readPageRequest(v, filter, pageSize, pageToken, timeCursor);
    v.throwIfAny();
    return this.kit.snapshot((s) => plans.list(s, filter, request));
  }
}
