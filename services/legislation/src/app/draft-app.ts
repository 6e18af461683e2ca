import type { Knex } from "knex";
import { CITY_JURISDICTION } from "@jinlian/kernel";
import {
  type Actor,
  checkExpectedRevision,
  type Decision,
  type Period,
  periodField,
  readPageRequest,
  type ServiceKit,
  textField,
  timeCursor,
  uuidField,
  Violations,
} from "@jinlian/chassis";
import { checkArticles, diffArticles, type Article } from "../domain/articles";
import { decideAddVersion, decideMoveToReview, decideRegisterDraft, decideSetFlags, type Draft, type DraftStatus } from "../domain/draft";
import { checkKindAt, LIMITS, type DraftKind } from "../domain/kinds";
import { roundForGate } from "../domain/round";
import { studyForGate } from "../domain/study";
import { drafts, draftStore, origins, plans, rounds, studies } from "../persistence/repositories";
import { contextOf, found, invalid, reasonField, revisionField, type Mutation } from "./support";

export interface DraftFilter {
  kind?: DraftKind;
  status?: DraftStatus;
  concernsPrivateEconomyOnly: boolean;
  planItemId?: string;
  text?: string;
  created: Period;
}

/** Drafts, their versions and the art. 5 review gate: use cases. */
export class DraftApp {
  constructor(private readonly kit: ServiceKit) {}

  private change(
    method: string,
    draftId: string,
    input: Mutation,
    actor: Actor,
    decide: (draft: Draft, trx: Knex.Transaction, now: Date) => Promise<Decision<Draft>> | Decision<Draft>,
  ): Promise<Draft> {
    return this.kit.change(
      `${method}:${draftId}`,
      actor,
      draftId,
      async (trx) => {
        const before = found(await draftStore.load(trx, draftId, true), "draft", draftId);
        // A stale revision is answered before any rule of the decision (ABORTED, not a precondition).
        checkExpectedRevision(draftStore.type, draftId, before.revision, input.expectedRevision);
        const now = this.kit.now();
        // The answer is the state saved: its origins were read with it (a change never moves a
        // draft to another plan item, which would bring other origins).
        return this.kit.apply(
          trx,
          draftStore,
          before,
          await decide(before, trx, now),
          { actor, reason: input.reason },
          input.expectedRevision,
          now,
        );
      },
      async (id, trx) => found(await draftStore.load(trx, id), "draft", id),
    );
  }

  async register(
    input: {
      kind: DraftKind | undefined;
      title: string;
      draftingUnit: string;
      concernsPrivateEconomy: boolean;
      closelyConcernsMarketEntities: boolean;
      planItemId: string;
      articles: readonly Article[];
      reason: string;
    },
    actor: Actor,
  ): Promise<Draft> {
    const v = new Violations();
    checkKindAt(v, "kind", input.kind, this.kit.here);
    const title = textField(v, "title", input.title, { required: true, max: LIMITS.title });
    const draftingUnit = textField(v, "drafting_unit", input.draftingUnit, { required: true, max: LIMITS.unit });
    const planItemId = input.planItemId.trim().toLowerCase();
    uuidField(v, "plan_item_id", planItemId, false);
    if (planItemId && this.kit.here !== CITY_JURISDICTION)
      v.add("plan_item_id", `plan items exist only at the municipal node ${CITY_JURISDICTION}`);
    const articles = checkArticles(v, "articles", input.articles);
    const reason = reasonField(v, input.reason);
    v.throwIfAny();
    const draftId = this.kit.newId();
    return this.kit.creation(
      "RegisterDraft",
      actor,
      draftId,
      async (trx) => {
        if (planItemId && !(await plans.itemExists(trx, planItemId)))
          throw invalid("plan_item_id", "is not an item of a legislative plan at this node");
        const now = this.kit.now();
        const decision = decideRegisterDraft(
          draftId,
          {
            kind: input.kind!,
            title,
            draftingUnit,
            concernsPrivateEconomy: input.concernsPrivateEconomy,
            closelyConcernsMarketEntities: input.closelyConcernsMarketEntities,
            planItemId,
            articles,
          },
          contextOf(this.kit, actor, reason, now),
        );
        // Its plan item's origins (liaison's research) are its own from the start.
        const draft = await this.kit.apply(trx, draftStore, undefined, decision, { actor, reason }, 0, now);
        return (await origins.attach(trx, [draft]))[0]!;
      },
      async (id, trx) => found(await draftStore.load(trx, id), "draft", id),
    );
  }

  async addVersion(input: Mutation & { draftId: string; articles: readonly Article[]; changelog: string }, actor: Actor): Promise<Draft> {
    const v = new Violations();
    uuidField(v, "draft_id", input.draftId);
    revisionField(v, input.expectedRevision);
    const articles = checkArticles(v, "articles", input.articles);
    const changelog = textField(v, "changelog", input.changelog, { required: true, max: LIMITS.text });
    const reason = reasonField(v, input.reason);
    v.throwIfAny();
    return this.change("AddDraftVersion", input.draftId, { ...input, reason }, actor, (d, _trx, now) =>
      decideAddVersion(d, articles, changelog, contextOf(this.kit, actor, reason, now)),
    );
  }

  async setFlags(
    input: Mutation & { draftId: string; concernsPrivateEconomy: boolean; closelyConcernsMarketEntities: boolean },
    actor: Actor,
  ) {
    const v = new Violations();
    uuidField(v, "draft_id", input.draftId);
    revisionField(v, input.expectedRevision);
    const reason = reasonField(v, input.reason);
    v.throwIfAny();
    return this.change("SetDraftFlags", input.draftId, { ...input, reason }, actor, (d) =>
      decideSetFlags(
        d,
        { concernsPrivateEconomy: input.concernsPrivateEconomy, closelyConcernsMarketEntities: input.closelyConcernsMarketEntities },
        reason,
      ),
    );
  }

  async moveToReview(input: Mutation & { draftId: string }, actor: Actor): Promise<Draft> {
    const v = new Violations();
    uuidField(v, "draft_id", input.draftId);
    revisionField(v, input.expectedRevision);
    const reason = reasonField(v, input.reason);
    v.throwIfAny();
    return this.change("MoveDraftToReview", input.draftId, { ...input, reason }, actor, async (d, trx, now) => {
      const held = await rounds.ofDraft(trx, d.draftId);
      // Symposia and surveys (art. 6) count too: their findings are answered like opinions.
      const studied = await studies.ofDraft(trx, d.draftId);
      return decideMoveToReview(
        d,
        held.map((r) => roundForGate(r, now)),
        studied.map(studyForGate),
      );
    });
  }

  async get(draftId: string): Promise<Draft> {
    const v = new Violations();
    uuidField(v, "draft_id", draftId);
    v.throwIfAny();
    return found(await this.kit.snapshot((s) => draftStore.load(s, draftId)), "draft", draftId);
  }

  async list(
    raw: {
      kind?: DraftKind;
      status?: DraftStatus;
      concernsPrivateEconomyOnly: boolean;
      planItemId: string;
      text: string;
      createPeriod?: { startTime?: Date; endTime?: Date };
    },
    pageSize: number,
    pageToken: string,
    v: Violations,
  ) {
    const planItemId = raw.planItemId.trim().toLowerCase();
    uuidField(v, "filter.plan_item_id", planItemId, false);
    const text = textField(v, "filter.text", raw.text, { max: LIMITS.title });
    const filter: DraftFilter = {
      kind: raw.kind,
      status: raw.status,
      concernsPrivateEconomyOnly: raw.concernsPrivateEconomyOnly,
      planItemId: planItemId || undefined,
      text: text || undefined,
      created: periodField(v, "filter.create_period", raw.createPeriod),
    };
    const request = readPageRequest(v, filter, pageSize, pageToken, timeCursor);
    v.throwIfAny();
    return this.kit.snapshot((s) => drafts.list(s, filter, request));
  }

  async diff(input: { draftId: string; fromVersion: number; toVersion: number }) {
    const v = new Violations();
    uuidField(v, "draft_id", input.draftId);
    if (input.fromVersion < 1) v.add("from_version", "must be a version number (1 or more)");
    if (input.toVersion < 1) v.add("to_version", "must be a version number (1 or more)");
    v.throwIfAny();
    const d = found(await draftStore.load(this.kit.db, input.draftId), "draft", input.draftId);
    const from = d.versions.find((x) => x.version === input.fromVersion);
    const to = d.versions.find((x) => x.version === input.toVersion);
    if (!from) v.add("from_version", `the draft has versions 1-${d.versions.length}`);
    if (!to) v.add("to_version", `the draft has versions 1-${d.versions.length}`);
    v.throwIfAny();
    return diffArticles(from!.articles, to!.articles);
  }
}
