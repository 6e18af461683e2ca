import {
  type Actor,
  assertUuid,
  type DecisionWithRevision,
  isUuid,
  keysetPage,
  loadEach,
  NotFoundError,
  pageOf,
  periodField,
  readPageRequest,
  type ServiceKit,
  timeCursor,
  Violations,
} from "@jinlian/chassis";
import type { Knex } from "knex";
import {
  decideAgreement,
  decideConfirmation,
  decideConsent,
  decideDesignate,
  decideEndByParty,
  assertKeptBy,
  decideFailure,
  decideObjection,
  decideOpen,
  decidePause,
  decidePerformance,
  decideReferral,
  decideResume,
  decideSession,
  decideSignature,
  type AgreementInput,
  type Case,
  type CaseKind,
  type CasePolicy,
  type CaseStatus,
  type DesignatedBy,
  type OpenCaseInput,
  type PerformanceStatus,
  type ReferralInput,
  type Route,
  type SignatureKind,
} from "../domain/case";
import { optionalReason, type DecisionContext, type OrgRef } from "../domain/common";
import { conflictsOf } from "../domain/conflicts";
import type { Db } from "@jinlian/chassis";
import { caseStore, lawyerFacts, registryByCodes } from "../persistence/stores";
import type { CommitteeApp } from "./committee-app";
import { contextOf } from "./context";

/** Cases: intake, consent, mediators, sessions, the clock, agreements, failure and referral. */
export class CaseApp {
  constructor(
    private readonly kit: ServiceKit,
    private readonly committees: CommitteeApp,
    readonly policy: CasePolicy,
    /** Runs in the change's transaction (a cross-district cooperation closes with its case). */
    private readonly afterChange?: (trx: Knex.Transaction, before: Case, after: Case) => Promise<void>,
  ) {}

  async load(db: Db, id: string, forUpdate = false): Promise<Case> {
    const c = await caseStore.load(db, id, forUpdate);
    if (!c) throw new NotFoundError("case", id);
    return c;
  }

  open(committeeId: string, input: OpenCaseInput, reason: string, actor: Actor): Promise<Case> {
    assertUuid(committeeId.trim(), "committee_id");
    const v = new Violations();
    const why = optionalReason(v, reason);
    v.throwIfAny();
    // The answer is the case as saved (its parties' personal data in the clear, as a read opens it).
    const caseId = this.kit.newId();
    return this.kit.creation(
      `OpenCase:${committeeId}`,
      actor,
      caseId,
      async (trx) => {
        const committee = await this.committees.loadCommittee(trx, committeeId.trim().toLowerCase());
        assertKeptBy(committee.committee, actor.organisation, `committee ${committee.committeeId}'s caseload`);
        const codes = input.parties.map((p) => p.organisationCreditCode.trim().toUpperCase()).filter(Boolean);
        const names = new Map<string, OrgRef>(
          [...(await registryByCodes(trx, codes))].map(([k, o]) => [
            k,
            { creditCode: o.creditCode, jurisdictionCode: o.jurisdictionCode, name: o.name },
          ]),
        );
        const ctx = contextOf(this.kit, actor, why);
        const d = decideOpen(caseId, committee, input, names, this.policy, ctx);
        return this.kit.apply(trx, caseStore, undefined, d, { actor, reason: why }, 0, ctx.now);
      },
      (id, trx) => this.load(trx, id),
    );
  }

  /** Loads the case for update, decides and applies; the common shape of every case change. */
  private change(
    method: string,
    id: string,
    expectedRevision: number,
    reason: string,
    actor: Actor,
    decide: (c: Case, ctx: DecisionContext, trx: Knex.Transaction) => Promise<DecisionWithRevision<Case>> | DecisionWithRevision<Case>,
  ): Promise<Case> {
    const caseId = id.trim().toLowerCase();
    const v = new Violations();
    if (!isUuid(caseId)) v.add("case_id", caseId ? "must be a UUID" : "is required");
    if (expectedRevision < 0) v.add("expected_revision", "must be 0 (no check) or a revision returned by the service");
    const why = optionalReason(v, reason);
    v.throwIfAny();
    // The answer is the case as saved (its parties' personal data in the clear, as a read opens
    // it): nothing is read back.
    return this.kit.change(
      `${method}:${caseId}`,
      actor,
      caseId,
      async (trx) => {
        const before = await this.load(trx, caseId, true);
        assertKeptBy(before.committee, actor.organisation, `case ${caseId}`);
        const ctx = contextOf(this.kit, actor, why);
        const d = await decide(before, ctx, trx);
        const after = await this.kit.apply(trx, caseStore, before, d, { actor, reason: why }, expectedRevision, ctx.now);
        await this.afterChange?.(trx, before, d.state);
        return after;
      },
      (cid, trx) => this.load(trx, cid),
    );
  }

  recordConsent(id: string, rev: number, partyId: string, consent: boolean, reason: string, actor: Actor) {
    return this.change("RecordConsent", id, rev, reason, actor, (c, ctx) => decideConsent(c, partyId, consent, reason.trim(), rev, ctx));
  }

  designate(id: string, rev: number, mediatorId: string, by: DesignatedBy | undefined, reason: string, actor: Actor) {
    const mid = mediatorId.trim().toLowerCase();
    assertUuid(mid, "mediator_id");
    return this.change("DesignateMediator", id, rev, reason, actor, async (c, ctx, trx) => {
      const m = await this.committees.loadMediator(trx, mid);
      const { lawyer, firm } = await lawyerFacts(trx, m.licenceNumber);
      const codes = c.parties.flatMap((p) => (p.organisation ? [p.organisation.creditCode] : []));
      return decideDesignate(c, m, by, conflictsOf(m, codes, lawyer, firm), rev, ctx);
    });
  }

  object(id: string, rev: number, mediatorId: string, partyId: string, objection: string, reason: string, actor: Actor) {
    return this.change("ObjectToMediator", id, rev, reason, actor, (c, ctx) =>
      decideObjection(c, mediatorId, partyId, objection, rev, ctx),
    );
  }

  recordSession(
    id: string,
    rev: number,
    input: { heldAt: Date | undefined; place: string; record: string; attendingPartyIds: string[] },
    reason: string,
    actor: Actor,
  ) {
    return this.change("RecordSession", id, rev, reason, actor, (c, ctx) => decideSession(c, input, rev, ctx));
  }

  pause(id: string, rev: number, reason: string, actor: Actor) {
    return this.change("PauseTimeLimit", id, rev, reason, actor, (c, ctx) => decidePause(c, reason, rev, ctx));
  }

  resume(id: string, rev: number, reason: string, actor: Actor) {
    return this.change("ResumeTimeLimit", id, rev, reason, actor, (c, ctx) => decideResume(c, rev, ctx));
  }

  endByParty(id: string, rev: number, partyId: string, reason: string, actor: Actor) {
    return this.change("EndMediationByParty", id, rev, reason, actor, (c, ctx) => decideEndByParty(c, partyId, reason, rev, ctx));
  }

  recordAgreement(id: string, rev: number, input: AgreementInput, reason: string, actor: Actor) {
    return this.change("RecordAgreement", id, rev, reason, actor, (c, ctx) => decideAgreement(c, input, rev, this.policy, ctx));
  }

  sign(
    id: string,
    rev: number,
    input: { kind: SignatureKind | undefined; partyId: string; mediatorId: string; signAt: Date | undefined },
    reason: string,
    actor: Actor,
  ) {
    return this.change("SignAgreement", id, rev, reason, actor, (c, ctx) => decideSignature(c, input, rev, this.policy, ctx));
  }

  recordConfirmation(id: string, rev: number, input: { applyAt: Date | undefined; court: string }, reason: string, actor: Actor) {
    return this.change("RecordJudicialConfirmation", id, rev, reason, actor, (c, ctx) => decideConfirmation(c, input, rev, ctx));
  }

  recordPerformance(id: string, rev: number, input: { status: PerformanceStatus | undefined; note: string }, reason: string, actor: Actor) {
    return this.change("RecordPerformance", id, rev, reason, actor, (c, ctx) => decidePerformance(c, input, rev, ctx));
  }

  fail(id: string, rev: number, routes: (Route | undefined)[], note: string, reason: string, actor: Actor) {
    return this.change("FailMediation", id, rev, reason, actor, (c, ctx) => decideFailure(c, routes, note, rev, ctx));
  }

  refer(id: string, rev: number, input: ReferralInput, reason: string, actor: Actor) {
    return this.change("ReferToArbitration", id, rev, reason, actor, (c, ctx) => decideReferral(c, input, rev, ctx));
  }

  async get(id: string): Promise<Case> {
    const caseId = id.trim().toLowerCase();
    assertUuid(caseId, "case_id");
    return this.kit.snapshot((s) => this.load(s, caseId));
  }

  async list(
    filter: {
      committeeId: string;
      status?: CaseStatus;
      kind?: CaseKind;
      openPeriod?: { startTime?: Date | undefined; endTime?: Date | undefined };
      disputeId: string;
    },
    pageSize: number,
    pageToken: string,
  ) {
    const v = new Violations();
    const committeeId = filter.committeeId.trim().toLowerCase();
    if (committeeId && !isUuid(committeeId)) v.add("filter.committee_id", "must be a UUID");
    const period = periodField(v, "filter.open_period", filter.openPeriod);
    const disputeId = filter.disputeId.trim();
    if ([...disputeId].length > 64) v.add("filter.dispute_id", "must be at most 64 characters");
    const f = {
      committeeId,
      status: filter.status ?? null,
      kind: filter.kind ?? null,
      from: period.from?.toISOString() ?? null,
      until: period.until?.toISOString() ?? null,
      disputeId,
    };
    const page = readPageRequest(v, f, pageSize, pageToken, timeCursor);
    v.throwIfAny();
    // One snapshot: the count, the page and each item's parts as one state.
    return this.kit.snapshot(async (db) => {
      const filtered = () => {
        const q = db("cases");
        if (f.committeeId) q.where("committee_id", f.committeeId);
        if (f.status) q.where("status", f.status);
        if (f.kind) q.where("kind", f.kind);
        if (period.from) q.where("opened_at", ">=", period.from);
        if (period.until) q.where("opened_at", "<", period.until);
        if (f.disputeId) q.where("dispute_id", f.disputeId);
        return q;
      };
      const [{ n }] = (await filtered().count({ n: "*" })) as { n: string }[];
      const q = filtered().select("case_id", "opened_at");
      keysetPage(q, { key: "opened_at", keyType: "timestamptz", id: "case_id", direction: "desc" }, page.after);
      const rows = (await q.limit(page.size + 1)) as { case_id: string; opened_at: Date }[];
      const { items, nextPageToken } = pageOf(rows, page, (r) => ({ key: r.opened_at.toISOString(), id: r.case_id }));
      return { items: await loadEach(items, (r) => this.load(db, r.case_id)), nextPageToken, totalSize: Number(n) };
    });
  }
}
