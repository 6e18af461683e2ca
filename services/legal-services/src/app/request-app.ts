import { isDistrictCode } from "@jinlian/kernel";
import {
  type Actor,
  assertUuid,
  attributionFromEvent,
  InvalidArgumentError,
  isUuid,
  keysetPage,
  NotFoundError,
  pageOf,
  periodField,
  readPageRequest,
  type ReceivedEvent,
  type ServiceKit,
  timeCursor,
  uuidField,
  validateExpectedRevision,
  Violations,
} from "@jinlian/chassis";
import type { legalServicesEventsV1 } from "@jinlian/proto";
import type { Knex } from "knex";
import {
  creditCodeField,
  jurisdictionField,
  optionalReason,
  requestStatusCodec,
  requestTypeCodec,
  requiredReason,
  specialtyCodec,
  urgencyCodec,
  type DecisionContext,
  type RequestStatus,
  type RequestType,
} from "../domain/common";
import { eligibleKinds, matchRequest, type MatchFacts, type MatchSubject, type MatchWeights, type Shortlist } from "../domain/matching";
import {
  checkConsents,
  checkRequester,
  checkSubmission,
  decideAnswer,
  decideAssignment,
  decideCityPoolAnswer,
  decideCityPoolClosed,
  decideCityPoolRequest,
  decideCompletion,
  decideExpiry,
  decideReferral,
  decideSubmission,
  decideWithdrawal,
  REQUEST_LIMITS,
  type ConsentInput,
  type LegalServiceRequest,
  type OfferPolicy,
  type PoolRequest,
  type SubmissionInput,
} from "../domain/request";
import { cityPoolOutcomeCodec } from "../domain/request-events";
import { revive, type Db } from "@jinlian/chassis";
import {
  legalServiceCentre,
  loads,
  mediatorsOf,
  openMattersFor,
  providersByCreditCodes,
  providersOfKinds,
  providerStore,
  registryByCodes,
  requestStore as store,
} from "../persistence/stores";
import { contextOf } from "./context";

export interface MatchingSettings {
  policy: OfferPolicy;
  weights: MatchWeights;
  shortlistSize: number;
}

export interface RequestFilter {
  status?: RequestStatus;
  type?: RequestType;
  districtCode: string;
  requesterCreditCode: string;
  providerId: string;
  submitPeriod?: { startTime?: Date | undefined; endTime?: Date | undefined };
}

/**
 * Use cases of legal-service requests: submit (match and offer at once), answer an offer, the
 * centre's assignment, completion, withdrawal, referral to mediation, and the deadline scan.
 * Everything that changes who holds what runs under one transaction-scoped advisory lock, so two
 * requests matched at once never both fill a provider's last place.
 */
export class RequestApp {
  constructor(
    private readonly kit: ServiceKit,
    private readonly settings: MatchingSettings,
  ) {}

  private async load(db: Db, id: string, forUpdate = false): Promise<LegalServiceRequest> {
    const r = await store.load(db, id, forUpdate);
    if (!r) throw new NotFoundError("request", id);
    return r;
  }

  private async lockMatching(trx: Knex.Transaction): Promise<void> {
    await trx.raw("select pg_advisory_xact_lock(hashtext('jinlian.legal-services.matching'))");
  }

  /** What matching reads at this node for a request: providers of the kinds it needs, loads, conflicts, mediators. */
  private async factsFor(db: Db, r: MatchedRequest): Promise<MatchFacts> {
    const kinds = eligibleKinds(r.type);
    // Firms are read with lawyers: a lawyer's conflict is its firm's.
    const providers = await providersOfKinds(db, kinds.includes("LAWYER") ? [...kinds] : [...kinds, "LAW_FIRM"]);
    // One after another: a transaction is one connection.
    const load = await loads(db);
    const openMatters = await openMattersFor(
      db,
      r.counterparties.map((c) => c.creditCode),
    );
    const mediators = await mediatorsOf(db, r.disputeId);
    return { providers, load, openMatters, mediators };
  }

  private match(r: MatchedRequest, facts: MatchFacts, asked: ReadonlySet<string>): Shortlist {
    return matchRequest({ ...r, asked }, facts, this.settings.weights, this.settings.shortlistSize, this.kit.now());
  }

  /** Matches a request now. */
  async shortlistOf(db: Db, r: MatchedRequest, asked: ReadonlySet<string>): Promise<Shortlist> {
    return this.match(r, await this.factsFor(db, r), asked);
  }

  /** Providers that declined or let the offer lapse by deadline, plus the pending one being answered. */
  private asked(r: LegalServiceRequest): Set<string> {
    return new Set(r.offers.map((o) => o.providerId));
  }

  submit(input: SubmissionInput, reason: string, actor: Actor): Promise<LegalServiceRequest> {
    const checked = checkSubmission(input);
    const v = new Violations();
    const why = optionalReason(v, reason);
    v.throwIfAny();
    // A request's view is its document: the state saved is the answer.
    const requestId = this.kit.newId();
    return this.kit.creation(
      "SubmitRequest",
      actor,
      requestId,
      async (trx) => {
        await this.lockMatching(trx);
        const registry = await registryByCodes(trx, [checked.requesterCreditCode, ...checked.counterparties.map((c) => c.creditCode)]);
        const requesterOrg = registry.get(checked.requesterCreditCode);
        const point =
          checked.type === "STAFF_DISPATCH"
            ? (await providersByCreditCodes(trx, [checked.requesterCreditCode])).find((p) => p.kind === "RIGHTS_PROTECTION_POINT")
            : undefined;
        const requester = checkRequester(checked.requesterCreditCode, requesterOrg, checked.type, point);
        // Counterparties keep the name given, or the registry's when the caller gave none.
        const counterparties = checked.counterparties.map((c) => ({ ...c, name: c.name || registry.get(c.creditCode)?.name || "" }));
        const ctx = contextOf(this.kit, actor, why);
        const industrySection = checked.industrySection || requesterOrg?.industrySection || "";
        const subject: MatchedRequest = {
          ...checked,
          requestId,
          requester,
          counterparties: counterparties.map((c) => ({ ...c, jurisdictionCode: "" })),
        };
        const shortlist = await this.shortlistOf(trx, subject, new Set());
        const centre = await legalServiceCentre(trx);
        const decision = decideSubmission(
          requestId,
          { ...checked, counterparties },
          requester,
          industrySection,
          shortlist,
          this.settings.policy,
          centre,
          ctx,
        );
        return this.kit.apply(trx, store, undefined, decision, { actor, reason: why }, 0, ctx.now);
      },
      (id, trx) => this.load(trx, id),
    );
  }

  async shortlist(id: string): Promise<Shortlist> {
    assertUuid(id, "request_id");
    const r = await this.load(this.kit.db, id);
    return this.shortlistOf(this.kit.db, r, new Set(r.offers.filter((o) => o.outcome !== "PENDING").map((o) => o.providerId)));
  }

  answer(
    id: string,
    expectedRevision: number,
    a: { providerId: string; accept: boolean; declineReason: string },
    reason: string,
    actor: Actor,
  ): Promise<LegalServiceRequest> {
    const v = new Violations();
    uuidField(v, "request_id", id);
    uuidField(v, "provider_id", a.providerId);
    validateExpectedRevision(v, expectedRevision);
    const declineReason = a.accept ? "" : requiredReason(v, "decline_reason", a.declineReason);
    const why = optionalReason(v, reason);
    v.throwIfAny();
    return this.kit.change(
      `AnswerOffer:${id}`,
      actor,
      id,
      async (trx) => {
        await this.lockMatching(trx);
        const before = await this.load(trx, id, true);
        const ctx = contextOf(this.kit, actor, why);
        // A decline needs a fresh match; it is computed only then (an acceptance changes no load).
        let next: { shortlist: Shortlist; centre: Awaited<ReturnType<typeof legalServiceCentre>> } | undefined;
        if (!a.accept) next = { shortlist: await this.shortlistOf(trx, before, this.asked(before)), centre: await legalServiceCentre(trx) };
        const decision = decideAnswer(before, { ...a, declineReason }, expectedRevision, () => next!, this.settings.policy, ctx);
        return this.kit.apply(trx, store, before, decision, { actor, reason: why }, expectedRevision, ctx.now);
      },
      (rid, trx) => this.load(trx, rid),
    );
  }

  /** Expires one request's pending offer if its deadline passed (the scanner's step); false if nothing was due. */
  async expire(trx: Knex.Transaction, id: string): Promise<boolean> {
    await this.lockMatching(trx);
    const before = await store.load(trx, id, true);
    if (!before) return false;
    const actor: Actor = { subject: "system:offer-deadlines", requestId: "" };
    const ctx = contextOf(this.kit, actor, "offer deadline passed");
    const shortlist = await this.shortlistOf(trx, before, this.asked(before));
    const centre = await legalServiceCentre(trx);
    const decision = decideExpiry(before, () => ({ shortlist, centre }), this.settings.policy, ctx);
    if (!decision) return false;
    await this.kit.apply(trx, store, before, decision, { actor, reason: "offer deadline passed" }, 0, ctx.now);
    return true;
  }

  assign(id: string, expectedRevision: number, providerId: string, reason: string, actor: Actor): Promise<LegalServiceRequest> {
    const v = new Violations();
    uuidField(v, "request_id", id);
    uuidField(v, "provider_id", providerId);
    validateExpectedRevision(v, expectedRevision);
    const why = requiredReason(v, "reason", reason);
    v.throwIfAny();
    return this.kit.change(
      `AssignRequest:${id}`,
      actor,
      id,
      async (trx) => {
        await this.lockMatching(trx);
        const before = await this.load(trx, id, true);
        const provider = await providerStore.load(trx, providerId);
        if (!provider) throw new NotFoundError("provider", providerId);
        // The exclusions matching would give this provider now (a pending offer to it does not count against it).
        const asked = this.asked(before);
        const load = (await loads(trx, [providerId])).get(providerId) ?? 0;
        const pendingToIt = before.status === "OFFERED" && before.offers.at(-1)?.providerId === providerId ? 1 : 0;
        const verdict = await this.verdictFor(trx, before, provider.providerId, asked, load - pendingToIt);
        const ctx = contextOf(this.kit, actor, why);
        const decision = decideAssignment(
          before,
          provider,
          verdict.exclusion,
          eligibleKinds(before.type).includes(provider.kind),
          expectedRevision,
          ctx,
        );
        return this.kit.apply(trx, store, before, decision, { actor, reason: why }, expectedRevision, ctx.now);
      },
      (rid, trx) => this.load(trx, rid),
    );
  }

  /** What matching says of one provider for a request, with its load as given. */
  private async verdictFor(trx: Knex.Transaction, r: LegalServiceRequest, providerId: string, asked: ReadonlySet<string>, load: number) {
    const facts = await this.factsFor(trx, r);
    const judged = matchRequest(
      { ...r, asked },
      { ...facts, load: new Map([[providerId, load]]) },
      this.settings.weights,
      1,
      this.kit.now(),
      providerId,
    );
    return { exclusion: judged.exclusions.find((e) => e.providerId === providerId) };
  }

  complete(id: string, expectedRevision: number, note: string, reason: string, actor: Actor): Promise<LegalServiceRequest> {
    const v = new Violations();
    uuidField(v, "request_id", id);
    validateExpectedRevision(v, expectedRevision);
    const outcome = note.trim();
    if (!outcome) v.add("outcome_note", "is required: what was done");
    else if ([...outcome].length > REQUEST_LIMITS.note) v.add("outcome_note", `must be at most ${REQUEST_LIMITS.note} characters`);
    const why = optionalReason(v, reason);
    v.throwIfAny();
    return this.kit.change(
      `CompleteRequest:${id}`,
      actor,
      id,
      async (trx) => {
        const before = await this.load(trx, id, true);
        const ctx = contextOf(this.kit, actor, why);
        return this.kit.apply(
          trx,
          store,
          before,
          decideCompletion(before, outcome, expectedRevision, ctx),
          { actor, reason: why },
          expectedRevision,
          ctx.now,
        );
      },
      (rid, trx) => this.load(trx, rid),
    );
  }

  withdraw(id: string, expectedRevision: number, reason: string, actor: Actor): Promise<LegalServiceRequest> {
    const v = new Violations();
    uuidField(v, "request_id", id);
    validateExpectedRevision(v, expectedRevision);
    const why = requiredReason(v, "reason", reason);
    v.throwIfAny();
    return this.kit.change(
      `WithdrawRequest:${id}`,
      actor,
      id,
      async (trx) => {
        const before = await this.load(trx, id, true);
        const ctx = contextOf(this.kit, actor, why);
        return this.kit.apply(
          trx,
          store,
          before,
          decideWithdrawal(before, why, expectedRevision, ctx),
          { actor, reason: why },
          expectedRevision,
          ctx.now,
        );
      },
      (rid, trx) => this.load(trx, rid),
    );
  }

  referToMediation(
    id: string,
    expectedRevision: number,
    committeeCreditCode: string,
    consents: ConsentInput[],
    reason: string,
    actor: Actor,
  ): Promise<LegalServiceRequest> {
    const v = new Violations();
    uuidField(v, "request_id", id);
    validateExpectedRevision(v, expectedRevision);
    const committeeCode = creditCodeField(v, "committee_credit_code", committeeCreditCode);
    const checked = checkConsents(v, consents, this.kit.now());
    const why = optionalReason(v, reason);
    v.throwIfAny();
    return this.kit.change(
      `ReferRequestToMediation:${id}`,
      actor,
      id,
      async (trx) => {
        const before = await this.load(trx, id, true);
        const registry = await registryByCodes(trx, [committeeCode]);
        const committee = registry.get(committeeCode);
        if (!committee || committee.type !== "MEDIATION_COMMITTEE")
          throw new InvalidArgumentError([
            {
              field: "committee_credit_code",
              description: committee
                ? `must be a MEDIATION_COMMITTEE, not ${committee.type}`
                : "is not an organisation of this node's liaison registry",
            },
          ]);
        const chamberOrg = (await registryByCodes(trx, [committee.chamberCreditCode])).get(committee.chamberCreditCode);
        const chamber = chamberOrg
          ? { creditCode: chamberOrg.creditCode, jurisdictionCode: chamberOrg.jurisdictionCode, name: chamberOrg.name }
          : { creditCode: committee.chamberCreditCode, jurisdictionCode: "", name: "" };
        const ctx = contextOf(this.kit, actor, why);
        const decision = decideReferral(before, committee, chamber, checked, expectedRevision, ctx);
        return this.kit.apply(trx, store, before, decision, { actor, reason: why }, expectedRevision, ctx.now);
      },
      (rid, trx) => this.load(trx, rid),
    );
  }

  async get(id: string): Promise<LegalServiceRequest> {
    assertUuid(id, "request_id");
    return this.kit.snapshot((s) => this.load(s, id));
  }

  async list(
    f: RequestFilter,
    pageSize: number,
    pageToken: string,
  ): Promise<{ items: LegalServiceRequest[]; nextPageToken: string; totalSize: number }> {
    const v = new Violations();
    const filter = {
      status: f.status ?? null,
      type: f.type ?? null,
      district: jurisdictionField(v, "filter.district_code", f.districtCode, false),
      requester: creditCodeField(v, "filter.requester_credit_code", f.requesterCreditCode, false),
      provider: f.providerId.trim(),
      period: periodField(v, "filter.submit_period", f.submitPeriod),
    };
    uuidField(v, "filter.provider_id", filter.provider, false);
    const page = readPageRequest(v, filter, pageSize, pageToken, timeCursor);
    v.throwIfAny();
    // One snapshot: the count, the page and each item's parts as one state.
    return this.kit.snapshot(async (db) => {
      const filtered = () => {
        const q = db("requests");
        if (filter.status) q.where("status", filter.status);
        if (filter.type) q.where("type", filter.type);
        if (filter.district) q.where("district_code", filter.district);
        if (filter.requester) q.where("requester_credit_code", filter.requester);
        if (filter.provider) q.where("provider_id", filter.provider);
        if (filter.period.from) q.where("submitted_at", ">=", filter.period.from);
        if (filter.period.until) q.where("submitted_at", "<", filter.period.until);
        return q;
      };
      const [{ n }] = (await filtered().count({ n: "*" })) as { n: string }[];
      const q = filtered().select("request_id", "submitted_at", "doc", "revision");
      keysetPage(q, { key: "submitted_at", keyType: "timestamptz", id: "request_id", direction: "desc" }, page.after);
      const rows = (await q.limit(page.size + 1)) as { request_id: string; submitted_at: Date; doc: unknown; revision: number }[];
      const { items, nextPageToken } = pageOf(rows, page, (r) => ({ key: r.submitted_at.toISOString(), id: r.request_id }));
      return {
        items: items.map((r) => ({ ...revive<LegalServiceRequest>(r.doc), revision: r.revision })),
        nextPageToken,
        totalSize: Number(n),
      };
    });
  }

  // ---- the city's pool: cross-node fallback ----

  /** The decision context of an inbound event: this node, now, the sender's audit metadata as given. */
  private inboundContext(e: ReceivedEvent<{ audit?: { actor?: string; reason?: string; requestId?: string } | undefined }>, from: string) {
    const by = attributionFromEvent(e.data.audit, from);
    return { ctx: contextOf(this.kit, by.actor, by.reason) as DecisionContext, by };
  }

  /**
   * At the city: a district offered a request with no free match there to the city's pool. The
   * city holds it under the same id, matches it against its own providers and offers it; whoever
   * takes it is answered down, and if nobody can, it goes back (NO_MATCH).
   */
  async onOfferedToCityPool(e: ReceivedEvent<legalServicesEventsV1.RequestOfferedToCityPool>, trx: Knex.Transaction): Promise<void> {
    const d = e.data;
    if (isDistrictCode(this.kit.here))
      throw new InvalidArgumentError([{ field: "data", description: "the city's pool is at the municipal node" }]);
    const pool = poolRequestFrom(d);
    await this.lockMatching(trx);
    const existing = await store.load(trx, pool.requestId, true);
    const { ctx, by } = this.inboundContext(e, d.fromJurisdictionCode);
    const shortlist = existing ? undefined : await this.shortlistOf(trx, pool, new Set());
    const decision = decideCityPoolRequest(existing, pool, d.fromJurisdictionCode, shortlist!, this.settings.policy, ctx);
    if (decision) await this.kit.apply(trx, store, undefined, decision, by, 0, ctx.now);
  }

  /** At the district: the city's pool answered a request offered to it. */
  async onCityPoolAnswered(e: ReceivedEvent<legalServicesEventsV1.CityPoolAnswered>, trx: Knex.Transaction): Promise<void> {
    const d = e.data;
    const outcome = cityPoolOutcomeCodec.fromProto(d.outcome);
    if (d.districtCode !== this.kit.here || (outcome !== "ASSIGNED" && outcome !== "NO_MATCH") || !isUuid(d.requestId))
      throw new InvalidArgumentError([
        { field: "data", description: `must answer a request of this node ${this.kit.here} with ASSIGNED or NO_MATCH` },
      ]);
    await this.lockMatching(trx);
    const before = await store.load(trx, d.requestId, true);
    if (!before) throw new InvalidArgumentError([{ field: "data.request_id", description: "is not a request of this node" }]);
    const { ctx, by } = this.inboundContext(e, CITY_POOL_SENDER);
    const answer = { outcome, providerId: d.providerId, providerName: d.providerName, explanation: d.explanation };
    const decision = decideCityPoolAnswer(before, answer, await legalServiceCentre(trx), ctx);
    if (decision) await this.kit.apply(trx, store, before, decision, by, 0, ctx.now);
  }

  /** At the city: the district closed a request it had offered to the pool. */
  async onCityPoolRequestClosed(e: ReceivedEvent<legalServicesEventsV1.CityPoolRequestClosed>, trx: Knex.Transaction): Promise<void> {
    const d = e.data;
    const status = requestStatusCodec.fromProto(d.status);
    if (status !== "COMPLETED" && status !== "WITHDRAWN" && status !== "REFERRED_TO_MEDIATION")
      throw new InvalidArgumentError([{ field: "data.status", description: "must be COMPLETED, WITHDRAWN or REFERRED_TO_MEDIATION" }]);
    await this.lockMatching(trx);
    const before = isUuid(d.requestId) ? await store.load(trx, d.requestId, true) : undefined;
    if (!before || before.fromDistrict !== d.fromJurisdictionCode)
      throw new InvalidArgumentError([{ field: "data.request_id", description: `is not a pool request of ${d.fromJurisdictionCode}` }]);
    const { ctx, by } = this.inboundContext(e, d.fromJurisdictionCode);
    const decision = decideCityPoolClosed(before, { status, note: d.note }, ctx);
    if (decision) await this.kit.apply(trx, store, before, decision, by, 0, ctx.now);
  }

  /**
   * A fact from the mediation service: a lawyer (by licence number) mediated a dispute, so it is
   * excluded from matching requests about it. Idempotent. Fed by the inbound binding of the
   * mediation event documented in docs/events.md; tests call it directly.
   */
  async recordMediatedBy(
    trx: Knex.Transaction,
    fact: { disputeId: string; licenceNumber: string; mediatorName: string; source: string },
  ): Promise<void> {
    await trx("mediated_by")
      .insert({
        dispute_id: fact.disputeId,
        licence_number: fact.licenceNumber,
        mediator_name: fact.mediatorName,
        source: fact.source,
        recorded_at: this.kit.now(),
      })
      .onConflict(["dispute_id", "licence_number"])
      .ignore();
  }
}

/** A request as matching reads it. */
type MatchedRequest = Omit<MatchSubject, "asked">;

const CITY_POOL_SENDER = "120000";

/** The request a district sent up to the city's pool, as matching and the offer chain need it. */
function poolRequestFrom(d: legalServicesEventsV1.RequestOfferedToCityPool): PoolRequest {
  const r = d.request;
  const type = r && requestTypeCodec.fromProto(r.type);
  const urgency = r && urgencyCodec.fromProto(r.urgency);
  const specialty = r && r.specialty ? specialtyCodec.fromProto(r.specialty) : null;
  if (!r || !isUuid(d.requestId) || r.requestId !== d.requestId || !type || !urgency || specialty === undefined || !r.requester)
    throw new InvalidArgumentError([
      { field: "data.request", description: "must carry the request with known type, specialty and urgency" },
    ]);
  const org = (o: { creditCode: string; jurisdictionCode: string; name: string }) => ({
    creditCode: o.creditCode,
    jurisdictionCode: o.jurisdictionCode,
    name: o.name,
  });
  return {
    requestId: d.requestId,
    requester: org(r.requester),
    type,
    specialty,
    districtCode: r.districtCode,
    industrySection: r.industrySection,
    language: r.language,
    urgency,
    counterparties: r.counterparties.map(org),
    summary: r.summary,
    disputeId: r.disputeId,
    freeOfCharge: r.freeOfCharge,
  };
}
