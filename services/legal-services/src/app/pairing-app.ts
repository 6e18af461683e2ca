import {
  type Actor,
  assertUuid,
  type CursorCheck,
  attributionFromEvent,
  type DecisionWithRevision,
  InvalidArgumentError,
  isUuid,
  keysetPage,
  loadEach,
  NotFoundError,
  pageOf,
  parseEventSource,
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
import { creditCodeField, jurisdictionField, optionalReason, requiredReason } from "../domain/common";
import {
  checkProgramme,
  decideConfirm,
  decideFirmWithdrawal,
  decideProgramme,
  decidePairRecord,
  decideSolve,
  type Pair,
  type PairingProgramme,
  type PairRecord,
  type PairStatus,
  type ProgrammeInput,
  type ProgrammeStatus,
} from "../domain/pairing";
import { pairFromProto } from "../domain/pairing-events";
import { revive, type Db } from "@jinlian/chassis";
import { inMakingOrder, programmeStore as store, providersByCreditCodes, registryByCodes, saveReceivedPairs } from "../persistence/stores";
import { contextOf } from "./context";

/** A pair list's cursor: "<programme id>|<chamber credit code>" and the pair's id. */
const pairCursor: CursorCheck = (c) => {
  const [programme, chamber, ...rest] = c.key.split("|");
  return rest.length === 0 && chamber !== undefined && isUuid(programme!) && isUuid(c.id);
};

const elapsed = () => performance.now();

/** Use cases of 万所联万会 programmes (art. 14) at the city, and the pairs a district receives. */
export class PairingApp {
  constructor(private readonly kit: ServiceKit) {}

  private async load(db: Db, id: string, forUpdate = false): Promise<PairingProgramme> {
    const p = await store.load(db, id, forUpdate);
    if (!p) throw new NotFoundError("pairing_programme", id);
    return p;
  }

  create(input: ProgrammeInput, reason: string, actor: Actor): Promise<PairingProgramme> {
    const checked = checkProgramme(input);
    const v = new Violations();
    const why = optionalReason(v, reason);
    v.throwIfAny();
    // A programme's view is its saved state, pairs in making order: the answer.
    const programmeId = this.kit.newId();
    return this.kit.creation(
      "CreatePairingProgramme",
      actor,
      programmeId,
      async (trx) => {
        const firms = await providersByCreditCodes(
          trx,
          checked.firms.map((f) => f.creditCode),
        );
        const byCode = new Map(firms.filter((p) => p.kind === "LAW_FIRM").map((p) => [p.organisation!.creditCode, p]));
        const registry = await registryByCodes(
          trx,
          checked.chambers.map((c) => c.creditCode),
        );
        const ctx = contextOf(this.kit, actor, why);
        const p = await this.kit.apply(
          trx,
          store,
          undefined,
          decideProgramme(programmeId, checked, byCode, registry, ctx),
          { actor, reason: why },
          0,
          ctx.now,
        );
        return inMakingOrder(p);
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
    decide: (before: PairingProgramme, ctx: ReturnType<typeof contextOf>, why: string) => DecisionWithRevision<PairingProgramme>,
    reasonRequired = false,
  ): Promise<PairingProgramme> {
    const v = new Violations();
    uuidField(v, "programme_id", id);
    validateExpectedRevision(v, expectedRevision);
    const why = reasonRequired ? requiredReason(v, "reason", reason) : optionalReason(v, reason);
    v.throwIfAny();
    return this.kit.change(
      `${method}:${id}`,
      actor,
      id,
      async (trx) => {
        const before = await this.load(trx, id, true);
        const ctx = contextOf(this.kit, actor, why);
        const after = await this.kit.apply(trx, store, before, decide(before, ctx, why), { actor, reason: why }, expectedRevision, ctx.now);
        return inMakingOrder(after);
      },
      (pid, trx) => this.load(trx, pid),
    );
  }

  solve(id: string, expectedRevision: number, reason: string, actor: Actor): Promise<PairingProgramme> {
    return this.change("SolvePairingProgramme", id, expectedRevision, reason, actor, (p, ctx) =>
      decideSolve(p, expectedRevision, ctx, elapsed),
    );
  }

  confirm(id: string, expectedRevision: number, reason: string, actor: Actor): Promise<PairingProgramme> {
    return this.change("ConfirmPairingProgramme", id, expectedRevision, reason, actor, (p, ctx) => decideConfirm(p, expectedRevision, ctx));
  }

  async withdrawFirm(
    id: string,
    expectedRevision: number,
    firmCreditCode: string,
    reason: string,
    actor: Actor,
  ): Promise<{ programme: PairingProgramme; ended: Pair[]; made: Pair[] }> {
    const v = new Violations();
    const code = creditCodeField(v, "firm_credit_code", firmCreditCode);
    v.throwIfAny();
    const programme = await this.change(
      "WithdrawPairingFirm",
      id,
      expectedRevision,
      reason,
      actor,
      (p, ctx, why) => decideFirmWithdrawal(p, code, why, expectedRevision, ctx, elapsed).decision,
      true,
    );
    // The pairs of the round the withdrawal made (also when the call was a repeat).
    const round = programme.result?.round ?? 0;
    const ended = programme.pairs.filter(
      (x) => x.status === "ENDED" && x.endAt && programme.result && x.endAt.getTime() === programme.result.solvedAt.getTime(),
    );
    return { programme, ended, made: programme.pairs.filter((x) => x.round === round && round > 1) };
  }

  record(
    id: string,
    expectedRevision: number,
    pairId: string,
    record: PairRecord,
    reason: string,
    actor: Actor,
  ): Promise<{ pair: Pair; revision: number }> {
    const v = new Violations();
    uuidField(v, "pair_id", pairId);
    v.throwIfAny();
    const method =
      record.kind === "agreement" ? "RecordPairAgreement" : record.kind === "activity" ? "RecordPairActivity" : "RecordPairReview";
    return this.change(
      method,
      id,
      expectedRevision,
      reason,
      actor,
      (p, ctx) => decidePairRecord(p, pairId, record, expectedRevision, ctx).decision,
    ).then((p) => ({
      pair: p.pairs.find((x) => x.pairId === pairId)!,
      revision: p.revision,
    }));
  }

  async get(id: string): Promise<PairingProgramme> {
    assertUuid(id, "programme_id");
    return this.kit.snapshot((s) => this.load(s, id));
  }

  async list(filter: { year: number; status?: ProgrammeStatus }, pageSize: number, pageToken: string) {
    const v = new Violations();
    const f = { year: filter.year || null, status: filter.status ?? null };
    const page = readPageRequest(v, f, pageSize, pageToken, timeCursor);
    v.throwIfAny();
    // One snapshot: the count, the page and each item's parts as one state.
    return this.kit.snapshot(async (db) => {
      const filtered = () => {
        const q = db("pairing_programmes");
        if (f.year) q.where("year", f.year);
        if (f.status) q.where("status", f.status);
        return q;
      };
      const [{ n }] = (await filtered().count({ n: "*" })) as { n: string }[];
      const q = filtered().select("programme_id", "created_at");
      keysetPage(q, { key: "created_at", keyType: "timestamptz", id: "programme_id", direction: "desc" }, page.after);
      const rows = (await q.limit(page.size + 1)) as { programme_id: string; created_at: Date }[];
      const { items, nextPageToken } = pageOf(rows, page, (r) => ({ key: r.created_at.toISOString(), id: r.programme_id }));
      return { items: await loadEach(items, (r) => this.load(db, r.programme_id)), nextPageToken, totalSize: Number(n) };
    });
  }

  async listPairs(
    filter: { programmeId: string; districtCode: string; chamberCreditCode: string; firmCreditCode: string; status?: PairStatus },
    pageSize: number,
    pageToken: string,
  ): Promise<{ items: Pair[]; nextPageToken: string; totalSize: number }> {
    const v = new Violations();
    const f = {
      programme: filter.programmeId.trim(),
      district: jurisdictionField(v, "filter.district_code", filter.districtCode, false),
      chamber: creditCodeField(v, "filter.chamber_credit_code", filter.chamberCreditCode, false),
      firm: creditCodeField(v, "filter.firm_credit_code", filter.firmCreditCode, false),
      status: filter.status ?? null,
    };
    uuidField(v, "filter.programme_id", f.programme, false);
    const page = readPageRequest(v, f, pageSize, pageToken, pairCursor);
    v.throwIfAny();
    // One snapshot: the count, the page and each item's parts as one state.
    return this.kit.snapshot(async (db) => {
      const filtered = () => {
        const q = db("pairs");
        if (f.programme) q.where("programme_id", f.programme);
        if (f.district) q.where((w) => w.where("chamber_district", f.district).orWhere("firm_district", f.district));
        if (f.chamber) q.where("chamber_credit_code", f.chamber);
        if (f.firm) q.where("firm_credit_code", f.firm);
        if (f.status) q.where("status", f.status);
        return q;
      };
      const [{ n }] = (await filtered().count({ n: "*" })) as { n: string }[];
      const q = filtered().select("pair_id", "programme_id", "chamber_credit_code", "doc");
      if (page.after) {
        const [programme, chamber] = page.after.key.split("|");
        q.whereRaw("(programme_id, chamber_credit_code, pair_id) > (?::uuid, ?, ?::uuid)", [programme, chamber, page.after.id]);
      }
      const rows = (await q.orderBy(["programme_id", "chamber_credit_code", "pair_id"]).limit(page.size + 1)) as {
        pair_id: string;
        programme_id: string;
        chamber_credit_code: string;
        doc: unknown;
      }[];
      const { items, nextPageToken } = pageOf(rows, page, (r) => ({ key: `${r.programme_id}|${r.chamber_credit_code}`, id: r.pair_id }));
      return { items: items.map((r) => revive<Pair>(r.doc)), nextPageToken, totalSize: Number(n) };
    });
  }

  /** Pairs from the city for this district's chambers and firms: kept as they stand in the latest round. */
  async onPairsAssigned(event: ReceivedEvent<legalServicesEventsV1.PairsAssigned>, trx: Knex.Transaction): Promise<void> {
    const d = event.data;
    if (!isUuid(d.programmeId) || d.districtCode !== this.kit.here)
      throw new InvalidArgumentError(
        [{ field: "data.district_code", description: `must be this node (${this.kit.here})` }],
        `pairs event ${event.id} misaddressed`,
      );
    const pairs = d.pairs.map((p, i) => {
      const pair = pairFromProto(p);
      if (!pair) throw new InvalidArgumentError([{ field: `data.pairs[${i}]`, description: "is not a complete pair" }]);
      return pair;
    });
    await saveReceivedPairs(trx, pairs);
    const by = attributionFromEvent(d.audit, parseEventSource(event.source)?.node ?? "120000");
    await this.kit.record(trx, { type: store.type, id: d.programmeId, revision: d.round }, "PairsAssigned", by, []);
  }
}
