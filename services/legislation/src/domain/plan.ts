/**
 * The annual legislative plan (市政府年度立法计划, municipal node only) and the federation's project
 * suggestions (立法项目建议): every suggestion is answered before the plan is fixed. Pure.
 */
import { emit, FailedPreconditionError, InvalidArgumentError, legislationEvents, toLocal, type Decision } from "@jinlian/chassis";
import { at, type DecisionContext, type OrgRef, type Stamp } from "./context";
import { draftKindCodec } from "./codecs";
import type { DraftKind } from "./kinds";

export type PlanStatus = "DRAFTING" | "FIXED";
export type SuggestionOutcome = "PENDING" | "ACCEPTED" | "NOT_ACCEPTED";

export interface PlanItem {
  readonly planItemId: string;
  readonly title: string;
  readonly kind: DraftKind;
  readonly draftingUnit: string;
  readonly concernsPrivateEconomy: boolean;
  readonly suggestionId: string;
  readonly stamp: Stamp;
}

export interface ProjectSuggestion {
  readonly suggestionId: string;
  readonly suggestedBy: OrgRef;
  readonly title: string;
  readonly kind: DraftKind;
  readonly rationale: string;
  readonly outcome: SuggestionOutcome;
  readonly explanation: string;
  readonly planItemId: string;
  readonly submittedAt: Date;
  readonly answeredAt?: Date;
}

export interface Plan {
  readonly planId: string;
  readonly year: number;
  readonly status: PlanStatus;
  readonly items: readonly PlanItem[];
  readonly suggestions: readonly ProjectSuggestion[];
  readonly revision: number;
  readonly createdAt: Date;
}

export interface NewPlanItem {
  readonly title: string;
  readonly kind: DraftKind;
  readonly draftingUnit: string;
  readonly concernsPrivateEconomy: boolean;
}

function assertDrafting(plan: Plan, what: string): void {
  if (plan.status !== "DRAFTING")
    throw new FailedPreconditionError([
      { type: "PLAN_FIXED", subject: `plan/${plan.planId}`, description: `the ${plan.year} plan is fixed: ${what} no longer possible` },
    ]);
}

function listed(plan: Plan, item: PlanItem, ctx: DecisionContext) {
  return emit(
    legislationEvents.planItemListed,
    item.planItemId,
    {
      planItemId: item.planItemId,
      planId: plan.planId,
      year: plan.year,
      title: item.title,
      kind: draftKindCodec.toProto(item.kind),
      audit: ctx.stamp,
    },
    [toLocal("register")],
  );
}

export function decideCreatePlan(planId: string, year: number, ctx: DecisionContext): Decision<Plan> {
  return {
    state: { planId, year, status: "DRAFTING", items: [], suggestions: [], revision: 0, createdAt: at(ctx) },
    action: "CreatePlan",
    events: [],
  };
}

export function decideAddPlanItem(plan: Plan, input: NewPlanItem, ctx: DecisionContext): Decision<Plan> & { item: PlanItem } {
  assertDrafting(plan, "adding items is");
  const item: PlanItem = { planItemId: ctx.newId(), ...input, suggestionId: "", stamp: ctx.stamp };
  return { state: { ...plan, items: [...plan.items, item] }, action: "AddPlanItem", events: [listed(plan, item, ctx)], item };
}

export function decideSubmitSuggestion(
  plan: Plan,
  input: { suggestedBy: OrgRef; title: string; kind: DraftKind; rationale: string },
  ctx: DecisionContext,
): Decision<Plan> & { suggestion: ProjectSuggestion } {
  assertDrafting(plan, "suggesting projects is");
  const suggestion: ProjectSuggestion = {
    suggestionId: ctx.newId(),
    ...input,
    outcome: "PENDING",
    explanation: "",
    planItemId: "",
    submittedAt: at(ctx),
  };
  return { state: { ...plan, suggestions: [...plan.suggestions, suggestion] }, action: "SubmitProjectSuggestion", events: [], suggestion };
}

export function decideAnswerSuggestion(
  plan: Plan,
  input: {
    suggestionId: string;
    outcome: "ACCEPTED" | "NOT_ACCEPTED";
    explanation: string;
    draftingUnit: string;
    concernsPrivateEconomy: boolean;
  },
  ctx: DecisionContext,
): Decision<Plan> {
  assertDrafting(plan, "answering suggestions is");
  const s = plan.suggestions.find((x) => x.suggestionId === input.suggestionId);
  if (!s) throw new InvalidArgumentError([{ field: "suggestion_id", description: `is not a suggestion of the ${plan.year} plan` }]);
  if (s.outcome !== "PENDING")
    throw new FailedPreconditionError([
      {
        type: "SUGGESTION_ANSWERED",
        subject: `suggestion/${s.suggestionId}`,
        description: `the suggestion was already answered (${s.outcome})`,
      },
    ]);
  let items = plan.items;
  const events = [];
  let planItemId = "";
  if (input.outcome === "ACCEPTED") {
    const item: PlanItem = {
      planItemId: ctx.newId(),
      title: s.title,
      kind: s.kind,
      draftingUnit: input.draftingUnit,
      concernsPrivateEconomy: input.concernsPrivateEconomy,
      suggestionId: s.suggestionId,
      stamp: ctx.stamp,
    };
    items = [...items, item];
    planItemId = item.planItemId;
    events.push(listed(plan, item, ctx));
  }
  const answered: ProjectSuggestion = { ...s, outcome: input.outcome, explanation: input.explanation, planItemId, answeredAt: at(ctx) };
  return {
    state: { ...plan, items, suggestions: plan.suggestions.map((x) => (x === s ? answered : x)) },
    action: "AnswerProjectSuggestion",
    events,
  };
}

/** Fixing the plan: refused while any suggestion is unanswered, one violation per suggestion. */
export function decideFixPlan(plan: Plan): Decision<Plan> {
  assertDrafting(plan, "fixing it again is");
  const pending = plan.suggestions.filter((s) => s.outcome === "PENDING");
  if (pending.length > 0)
    throw new FailedPreconditionError(
      pending.map((s) => ({
        type: "SUGGESTION_UNANSWERED",
        subject: `suggestion/${s.suggestionId}`,
        description: `the suggestion "${s.title}" from ${s.suggestedBy.name} is not answered`,
      })),
    );
  return { state: { ...plan, status: "FIXED" }, action: "FixPlan", events: [] };
}
