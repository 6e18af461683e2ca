import {
  type Actor,
  assertUuid,
  FailedPreconditionError,
  InvalidArgumentError,
  keysetPage,
  loadEach,
  NotFoundError,
  pageOf,
  readPageRequest,
  type ServiceKit,
  timeCursor,
  Violations,
} from "@jinlian/chassis";
import {
  checkCandidate,
  decideAppointmentOutcome,
  decideRecommend,
  type ArbitratorPolicy,
  type ArbitratorRecommendation,
  type CandidateInput,
  type RecommendationStatus,
} from "../domain/arbitrator";
import { creditCodeField, optionalReason } from "../domain/common";
import type { LegalProviderFact } from "../domain/conflicts";
import { employerOf, federationOf } from "../domain/nomination";
import { revive, type Db } from "@jinlian/chassis";
import { recommendationStore, registryByCodes } from "../persistence/stores";
import { contextOf } from "./context";

/** Arbitrator recommendations to arbitration commissions (seed art. 18). */
export class ArbitratorApp {
  constructor(
    private readonly kit: ServiceKit,
    readonly policy: ArbitratorPolicy,
  ) {}

  private async load(db: Db, id: string, forUpdate = false): Promise<ArbitratorRecommendation> {
    const r = await recommendationStore.load(db, id, forUpdate);
    if (!r) throw new NotFoundError("arbitrator_recommendation", id);
    return r;
  }

  recommend(
    input: { federationCreditCode: string; commissionCreditCode: string; candidate: CandidateInput | undefined },
    reason: string,
    actor: Actor,
  ): Promise<ArbitratorRecommendation> {
    const v = new Violations();
    const federationCode = creditCodeField(v, "federation_credit_code", input.federationCreditCode);
    const commissionCode = creditCodeField(v, "commission_credit_code", input.commissionCreditCode);
    if (!input.candidate) v.add("candidate", "is required");
    const why = optionalReason(v, reason);
    v.throwIfAny();
    const candidate = checkCandidate(input.candidate!);
    // A recommendation's view is its saved state: the answer.
    const recommendationId = this.kit.newId();
    return this.kit.creation(
      `RecommendArbitrator:${commissionCode}`,
      actor,
      recommendationId,
      async (trx) => {
        await trx.raw("select pg_advisory_xact_lock(hashtext(?))", [`jinlian.mediation.arbitrator:${commissionCode}:${candidate.name}`]);
        const registry = await registryByCodes(trx, [federationCode, commissionCode, candidate.employerCreditCode]);
        const federation = federationOf(federationCode, registry, this.kit.here);
        const commission = registry.get(commissionCode);
        if (!commission)
          throw new InvalidArgumentError([
            { field: "commission_credit_code", description: "is not an organisation of this node's liaison registry" },
          ]);
        if (commission.type !== "ARBITRATION_COMMISSION")
          throw new InvalidArgumentError([
            { field: "commission_credit_code", description: `must be an ARBITRATION_COMMISSION, not ${commission.type}` },
          ]);
        if (!commission.active)
          throw new FailedPreconditionError([
            {
              type: "ORGANISATION_DEACTIVATED",
              subject: `organisation/${commission.creditCode}`,
              description: `${commission.name} is deactivated in the liaison registry`,
            },
          ]);
        const employer = employerOf("candidate.employer_credit_code", candidate.employerCreditCode, registry);
        // legal-services' roster of the commission, by the candidate's name.
        const rows = (await trx("legal_providers")
          .where({ kind: "ARBITRATOR", name: candidate.name })
          .whereNot("status", "RETIRED")
          .select("doc")) as { doc: unknown }[];
        const onRoster = rows.map((r) => revive<LegalProviderFact>(r.doc)).find((p) => p.commissionCreditCode === commissionCode);
        const pending = await trx("arbitrator_recommendations")
          .where({
            commission_credit_code: commissionCode,
            candidate_name: candidate.name,
            employer_credit_code: employer.creditCode,
            status: "RECOMMENDED",
          })
          .first("recommendation_id");
        const ctx = contextOf(this.kit, actor, why);
        const ref = { creditCode: commission.creditCode, jurisdictionCode: commission.jurisdictionCode, name: commission.name };
        const d = decideRecommend(
          recommendationId,
          { federation, commission: ref, employer, candidate },
          onRoster,
          !!pending,
          this.policy,
          ctx,
        );
        return this.kit.apply(trx, recommendationStore, undefined, d, { actor, reason: why }, 0, ctx.now);
      },
      (id, trx) => this.load(trx, id),
    );
  }

  recordOutcome(
    id: string,
    expectedRevision: number,
    input: { appointed: boolean; outcomeNote: string },
    reason: string,
    actor: Actor,
  ): Promise<ArbitratorRecommendation> {
    const rid = id.trim().toLowerCase();
    assertUuid(rid, "recommendation_id");
    const v = new Violations();
    const why = optionalReason(v, reason);
    v.throwIfAny();
    return this.kit.change(
      `RecordAppointmentOutcome:${rid}`,
      actor,
      rid,
      async (trx) => {
        const before = await this.load(trx, rid, true);
        const ctx = contextOf(this.kit, actor, why);
        const d = decideAppointmentOutcome(before, input, expectedRevision, ctx);
        return this.kit.apply(trx, recommendationStore, before, d, { actor, reason: why }, expectedRevision, ctx.now);
      },
      (x, trx) => this.load(trx, x),
    );
  }

  async get(id: string): Promise<ArbitratorRecommendation> {
    const rid = id.trim().toLowerCase();
    assertUuid(rid, "recommendation_id");
    return this.kit.snapshot((s) => this.load(s, rid));
  }

  async list(filter: { commissionCreditCode: string; status?: RecommendationStatus }, pageSize: number, pageToken: string) {
    const v = new Violations();
    const f = {
      commission: creditCodeField(v, "filter.commission_credit_code", filter.commissionCreditCode, false),
      status: filter.status ?? null,
    };
    const page = readPageRequest(v, f, pageSize, pageToken, timeCursor);
    v.throwIfAny();
    // One snapshot: the count, the page and each item's parts as one state.
    return this.kit.snapshot(async (db) => {
      const filtered = () => {
        const q = db("arbitrator_recommendations");
        if (f.commission) q.where("commission_credit_code", f.commission);
        if (f.status) q.where("status", f.status);
        return q;
      };
      const [{ n }] = (await filtered().count({ n: "*" })) as { n: string }[];
      const q = filtered().select("recommendation_id", "recommended_at");
      keysetPage(q, { key: "recommended_at", keyType: "timestamptz", id: "recommendation_id", direction: "desc" }, page.after);
      const rows = (await q.limit(page.size + 1)) as { recommendation_id: string; recommended_at: Date }[];
      const { items, nextPageToken } = pageOf(rows, page, (r) => ({ key: r.recommended_at.toISOString(), id: r.recommendation_id }));
      return { items: await loadEach(items, (r) => this.load(db, r.recommendation_id)), nextPageToken, totalSize: Number(n) };
    });
  }
}
