import {
  type Actor,
  assertUuid,
  attributionFromEvent,
  InvalidArgumentError,
  isUuid,
  keysetPage,
  loadEach,
  NotFoundError,
  pageOf,
  readPageRequest,
  type ReceivedEvent,
  type ServiceKit,
  timeCursor,
  Violations,
} from "@jinlian/chassis";
import { CITY_JURISDICTION } from "@jinlian/kernel";
import type { mediationEventsV1 } from "@jinlian/proto";
import type { Knex } from "knex";
import { decidePartnerSession, FINAL_STATUSES, type Case } from "../domain/case";
import { optionalReason } from "../domain/common";
import {
  checkRequest,
  decideAnswer,
  decideOwnerAnswered,
  decideOwnerClose,
  decidePartnerClosed,
  decidePartnerReceived,
  decideRelay,
  decideReportSession,
  decideRequest,
  decideSessionArrived,
  type Cooperation,
  type CooperationCodecs,
  type CooperationMessage,
  type CooperationRole,
  type CooperationStatus,
  type RequestInput,
} from "../domain/cooperation";
import type { Db } from "@jinlian/chassis";
import { caseStore, cooperationStore } from "../persistence/stores";
import { contextOf } from "./context";

/**
 * Cross-district cooperation on a case, through the city: the owner's requests and closes, the
 * partner's answers and sessions, and the city passing each on.
 */
export class CooperationApp {
  constructor(
    private readonly kit: ServiceKit,
    private readonly codecs: CooperationCodecs,
  ) {}

  private async load(db: Db, id: string, forUpdate = false): Promise<Cooperation> {
    const c = await cooperationStore.load(db, id, forUpdate);
    if (!c) throw new NotFoundError("cooperation", id);
    return c;
  }

  private async openOf(db: Db, caseId: string): Promise<Cooperation | undefined> {
    const row = (await db("cooperations")
      .where({ case_id: caseId, role: "OWNER" })
      .whereIn("status", ["REQUESTED", "ACCEPTED"])
      .first("cooperation_id")) as { cooperation_id: string } | undefined;
    return row ? cooperationStore.load(db, row.cooperation_id) : undefined;
  }

  request(caseId: string, expectedRevision: number, input: RequestInput, reason: string, actor: Actor): Promise<Cooperation> {
    const id = caseId.trim().toLowerCase();
    assertUuid(id, "case_id");
    const checked = checkRequest(input, this.kit.here);
    const v = new Violations();
    const why = optionalReason(v, reason);
    v.throwIfAny();
    // A cooperation's view is its saved state: the answer.
    const cooperationId = this.kit.newId();
    return this.kit.creation(
      `RequestCooperation:${id}`,
      actor,
      cooperationId,
      async (trx) => {
        const c = await caseStore.load(trx, id, true);
        if (!c) throw new NotFoundError("case", id);
        const ctx = contextOf(this.kit, actor, why);
        const d = decideRequest(cooperationId, c, checked, await this.openOf(trx, id), expectedRevision, this.codecs, ctx);
        return this.kit.apply(trx, cooperationStore, undefined, d, { actor, reason: why }, 0, ctx.now);
      },
      (cid, trx) => this.load(trx, cid),
    );
  }

  private change(
    method: string,
    id: string,
    expectedRevision: number,
    reason: string,
    actor: Actor,
    decide: (c: Cooperation, ctx: ReturnType<typeof contextOf>) => ReturnType<typeof decideAnswer>,
  ): Promise<Cooperation> {
    const cid = id.trim().toLowerCase();
    assertUuid(cid, "cooperation_id");
    const v = new Violations();
    const why = optionalReason(v, reason);
    v.throwIfAny();
    // The answer is the cooperation as saved: nothing is read back.
    return this.kit.change(
      `${method}:${cid}`,
      actor,
      cid,
      async (trx) => {
        const before = await this.load(trx, cid, true);
        const ctx = contextOf(this.kit, actor, why);
        const d = decide(before, ctx);
        return this.kit.apply(trx, cooperationStore, before, d, { actor, reason: why }, expectedRevision, ctx.now);
      },
      (x, trx) => this.load(trx, x),
    );
  }

  answer(id: string, rev: number, input: { accept: boolean; answerNote: string }, reason: string, actor: Actor) {
    return this.change("AnswerCooperation", id, rev, reason, actor, (c, ctx) => decideAnswer(c, input, rev, ctx));
  }

  reportSession(id: string, rev: number, input: { heldAt: Date | undefined; place: string; record: string }, reason: string, actor: Actor) {
    return this.change("ReportCooperationSession", id, rev, reason, actor, (c, ctx) => decideReportSession(c, input, rev, ctx));
  }

  /** Called in the case's transaction: a case that became final closes its open cooperation. */
  async onCaseChanged(trx: Knex.Transaction, before: Case, after: Case): Promise<void> {
    if (FINAL_STATUSES.includes(before.status) || !FINAL_STATUSES.includes(after.status)) return;
    const open = await this.openOf(trx, after.caseId);
    if (!open) return;
    const locked = (await cooperationStore.load(trx, open.cooperationId, true))!;
    const now = this.kit.now();
    const d = decideOwnerClose(locked, after, this.codecs, now);
    if (d)
      await this.kit.apply(
        trx,
        cooperationStore,
        locked,
        d,
        { actor: { subject: "mediation:case-closed", requestId: "" }, reason: "" },
        0,
        now,
      );
  }

  async get(id: string): Promise<Cooperation> {
    const cid = id.trim().toLowerCase();
    assertUuid(cid, "cooperation_id");
    return this.kit.snapshot((s) => this.load(s, cid));
  }

  async list(filter: { role?: CooperationRole; status?: CooperationStatus; caseId: string }, pageSize: number, pageToken: string) {
    const v = new Violations();
    const caseId = filter.caseId.trim().toLowerCase();
    if (caseId && !isUuid(caseId)) v.add("filter.case_id", "must be a UUID");
    const f = { role: filter.role ?? null, status: filter.status ?? null, caseId };
    const page = readPageRequest(v, f, pageSize, pageToken, timeCursor);
    v.throwIfAny();
    // One snapshot: the count, the page and each item's parts as one state.
    return this.kit.snapshot(async (db) => {
      const filtered = () => {
        const q = db("cooperations");
        if (f.role) q.where("role", f.role);
        if (f.status) q.where("status", f.status);
        if (f.caseId) q.where("case_id", f.caseId);
        return q;
      };
      const [{ n }] = (await filtered().count({ n: "*" })) as { n: string }[];
      const q = filtered().select("cooperation_id", "requested_at");
      keysetPage(q, { key: "requested_at", keyType: "timestamptz", id: "cooperation_id", direction: "desc" }, page.after);
      const rows = (await q.limit(page.size + 1)) as { cooperation_id: string; requested_at: Date }[];
      const { items, nextPageToken } = pageOf(rows, page, (r) => ({ key: r.requested_at.toISOString(), id: r.cooperation_id }));
      return { items: await loadEach(items, (r) => this.load(db, r.cooperation_id)), nextPageToken, totalSize: Number(n) };
    });
  }

  // ---- inbound: the city passes on; the districts apply ----

  private by(event: ReceivedEvent<unknown>) {
    return attributionFromEvent(undefined, event.source.split("/")[2] ?? "");
  }

  private ctx() {
    const now = this.kit.now();
    return {
      here: this.kit.here,
      now,
      newId: () => this.kit.newId(),
      audit: this.kit.auditMetadata({ actor: { subject: "mediation", requestId: "" }, reason: "" }, now),
    };
  }

  /** Any cooperation message: at the city it is passed on; at a district it is applied. */
  async onMessage(m: CooperationMessage, event: ReceivedEvent<unknown>, trx: Knex.Transaction): Promise<void> {
    const d = m.data;
    const before = await cooperationStore.load(trx, d.cooperationId, true);
    if (this.kit.here === CITY_JURISDICTION) {
      const decision = decideRelay(before, m, this.codecs, this.ctx());
      if (decision.events.length === 0 && before) return;
      await this.kit.apply(trx, cooperationStore, before, decision, this.by(event), 0, this.kit.now());
      return;
    }
    // A district: only messages addressed to it, in its role.
    const mine = m.type === "requested" || m.type === "closed" ? d.partnerJurisdictionCode : d.ownerJurisdictionCode;
    if (mine !== this.kit.here)
      throw new InvalidArgumentError([
        {
          field: m.type === "requested" || m.type === "closed" ? "data.partner_jurisdiction_code" : "data.owner_jurisdiction_code",
          description: `is not this node (${this.kit.here})`,
        },
      ]);
    if (m.type === "requested") {
      if (before) return; // applied already
      const row = (await trx("committees").where("credit_code", m.data.partnerCommitteeCreditCode).first("doc", "committee_id")) as
        { committee_id: string; doc: { committee: { creditCode: string; jurisdictionCode: string; name: string } } } | undefined;
      const committee = row ? { committeeId: row.committee_id, committee: row.doc.committee } : undefined;
      await this.kit.apply(
        trx,
        cooperationStore,
        undefined,
        decidePartnerReceived(m.data, committee, this.codecs, this.ctx()),
        this.by(event),
        0,
        this.kit.now(),
      );
      return;
    }
    if (!before) throw new InvalidArgumentError([{ field: "data.cooperation_id", description: "is not a cooperation held at this node" }]);
    const expected: CooperationRole = m.type === "closed" ? "PARTNER" : "OWNER";
    if (before.role !== expected)
      throw new InvalidArgumentError([
        { field: "data.cooperation_id", description: `is held here as ${before.role.toLowerCase()}, not ${expected.toLowerCase()}` },
      ]);
    const now = this.kit.now();
    if (m.type === "answered") {
      const decision = decideOwnerAnswered(before, m.data);
      if (decision) await this.kit.apply(trx, cooperationStore, before, decision, this.by(event), 0, now);
    } else if (m.type === "closed") {
      const decision = decidePartnerClosed(before, this.codecs.statusFromProto(m.data.caseOutcome), m.data.closeTime ?? now);
      if (decision) await this.kit.apply(trx, cooperationStore, before, decision, this.by(event), 0, now);
    } else {
      const s = m.data.session;
      if (!s?.sessionId || !s.heldTime) throw new InvalidArgumentError([{ field: "data.session", description: "needs its id and time" }]);
      const session = { sessionId: s.sessionId, heldAt: s.heldTime, place: s.place, record: s.record };
      const decision = decideSessionArrived(before, session);
      if (!decision) return;
      await this.kit.apply(trx, cooperationStore, before, decision, this.by(event), 0, now);
      // The partner's record joins the owner's case file (人民调解法 art. 27).
      const c = await caseStore.load(trx, before.caseId, true);
      const joined = c && decidePartnerSession(c, session, before.partnerJurisdictionCode);
      if (c && joined) await this.kit.apply(trx, caseStore, c, joined, this.by(event), 0, now);
    }
  }
}

export type CooperationEvent =
  | mediationEventsV1.CooperationRequested
  | mediationEventsV1.CooperationAnswered
  | mediationEventsV1.CooperationSessionReported
  | mediationEventsV1.CooperationClosed;
