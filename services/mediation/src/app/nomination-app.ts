import {
  type Actor,
  assertUuid,
  keysetPage,
  loadEach,
  NotFoundError,
  pageOf,
  periodField,
  personalDataKeyring,
  readPageRequest,
  type ServiceKit,
  timeCursor,
  Violations,
} from "@jinlian/chassis";
import { optionalReason } from "../domain/common";
import {
  checkCreateBatch,
  checkNomineeInput,
  decideAddDefaulter,
  decideAddNominee,
  decideCreateBatch,
  decideRemoveDefaulter,
  decideSelectionOutcome,
  decideSubmitBatch,
  eligibilityFindings,
  employerOf,
  federationOf,
  type CreateBatchInput,
  type Defaulter,
  type EligibilityFacts,
  type NominationBatch,
  type NominationBatchStatus,
  type NominationKind,
  type NominationPolicy,
  type NomineeInput,
} from "../domain/nomination";
import type { Db } from "@jinlian/chassis";
import { defaulterStore, nominationBatchStore, providersNamed, registryByCodes } from "../persistence/stores";
import { contextOf } from "./context";

/** Nominations of people's assessors and supervisors (seed art. 19) and the 失信被执行人 list. */
export class NominationApp {
  constructor(
    private readonly kit: ServiceKit,
    readonly policy: NominationPolicy,
  ) {}

  private reason(reason: string): string {
    const v = new Violations();
    const why = optionalReason(v, reason);
    v.throwIfAny();
    return why;
  }

  async load(db: Db, id: string, forUpdate = false): Promise<NominationBatch> {
    const b = await nominationBatchStore.load(db, id, forUpdate);
    if (!b) throw new NotFoundError("nomination_batch", id);
    return b;
  }

  createBatch(input: CreateBatchInput, reason: string, actor: Actor): Promise<NominationBatch> {
    const { federationCode, selectingBody } = checkCreateBatch(input);
    const why = this.reason(reason);
    // A batch's view is its saved state (nominees' numbers in the clear, as a read opens them).
    const batchId = this.kit.newId();
    return this.kit.creation(
      `CreateNominationBatch:${input.kind}:${selectingBody}:${input.referenceAt!.toISOString()}`,
      actor,
      batchId,
      async (trx) => {
        await trx.raw("select pg_advisory_xact_lock(hashtext(?))", [`jinlian.mediation.nomination:${input.kind}:${selectingBody}`]);
        const federation = federationOf(federationCode, await registryByCodes(trx, [federationCode]), this.kit.here);
        const exists = await trx("nomination_batches")
          .where({ kind: input.kind, selecting_body: selectingBody, reference_at: input.referenceAt })
          .first("batch_id");
        const ctx = contextOf(this.kit, actor, why);
        const d = decideCreateBatch(batchId, input, federation, selectingBody, !!exists, ctx);
        return this.kit.apply(trx, nominationBatchStore, undefined, d, { actor, reason: why }, 0, ctx.now);
      },
      (id, trx) => this.load(trx, id),
    );
  }

  /** What the node knows of a person: legal-services' lawyers and arbitrators, the defaulter list. */
  private async facts(db: Db, input: NomineeInput): Promise<EligibilityFacts> {
    const providers = await providersNamed(db, input.name, input.lawyerLicenceNumber);
    const row = (await db("defaulters")
      .where({ identity_number: personalDataKeyring().index(input.identityNumber.trim().toUpperCase()), active: true })
      .first("doc")) as { doc: Defaulter } | undefined;
    return { providers, defaulter: row ? { entryId: row.doc.entryId, source: row.doc.source } : undefined };
  }

  private checkBatchId(batchId: string): string {
    const id = batchId.trim().toLowerCase();
    assertUuid(id, "batch_id");
    return id;
  }

  async checkEligibility(batchId: string, input: NomineeInput) {
    const id = this.checkBatchId(batchId);
    const v = new Violations();
    checkNomineeInput(v, input, "nominee.");
    v.throwIfAny();
    // One snapshot: the batch and the nominee's facts as one state.
    return this.kit.snapshot(async (db) => {
      const b = await this.load(db, id);
      employerOf(
        "nominee.employer_credit_code",
        input.employerCreditCode,
        await registryByCodes(db, [input.employerCreditCode.trim().toUpperCase()]),
      );
      return eligibilityFindings(b.kind, b.referenceAt, input, await this.facts(db, input), this.policy);
    });
  }

  addNominee(batchId: string, expectedRevision: number, input: NomineeInput, reason: string, actor: Actor): Promise<NominationBatch> {
    const id = this.checkBatchId(batchId);
    const v = new Violations();
    checkNomineeInput(v, input, "nominee.");
    if (expectedRevision < 0) v.add("expected_revision", "must be 0 (no check) or a revision returned by the service");
    const why = optionalReason(v, reason);
    v.throwIfAny();
    return this.kit.change(
      `AddNominee:${id}`,
      actor,
      id,
      async (trx) => {
        const before = await this.load(trx, id, true);
        const registry = await registryByCodes(trx, [input.employerCreditCode.trim().toUpperCase()]);
        const ctx = contextOf(this.kit, actor, why);
        const d = decideAddNominee(before, input, registry, await this.facts(trx, input), expectedRevision, this.policy, ctx);
        return this.kit.apply(trx, nominationBatchStore, before, d, { actor, reason: why }, expectedRevision, ctx.now);
      },
      (bid, trx) => this.load(trx, bid),
    );
  }

  submit(batchId: string, expectedRevision: number, reason: string, actor: Actor): Promise<NominationBatch> {
    const id = this.checkBatchId(batchId);
    const why = this.reason(reason);
    return this.kit.change(
      `SubmitNominationBatch:${id}`,
      actor,
      id,
      async (trx) => {
        const before = await this.load(trx, id, true);
        const ctx = contextOf(this.kit, actor, why);
        const d = decideSubmitBatch(before, expectedRevision, ctx);
        return this.kit.apply(trx, nominationBatchStore, before, d, { actor, reason: why }, expectedRevision, ctx.now);
      },
      (bid, trx) => this.load(trx, bid),
    );
  }

  recordOutcome(
    batchId: string,
    expectedRevision: number,
    input: { nomineeId: string; selected: boolean; outcomeNote: string },
    reason: string,
    actor: Actor,
  ): Promise<NominationBatch> {
    const id = this.checkBatchId(batchId);
    const why = this.reason(reason);
    return this.kit.change(
      `RecordSelectionOutcome:${id}`,
      actor,
      id,
      async (trx) => {
        const before = await this.load(trx, id, true);
        const ctx = contextOf(this.kit, actor, why);
        const d = decideSelectionOutcome(before, input, expectedRevision, ctx);
        return this.kit.apply(trx, nominationBatchStore, before, d, { actor, reason: why }, expectedRevision, ctx.now);
      },
      (bid, trx) => this.load(trx, bid),
    );
  }

  async get(batchId: string): Promise<NominationBatch> {
    const id = this.checkBatchId(batchId);
    return this.kit.snapshot((s) => this.load(s, id));
  }

  async list(
    filter: {
      kind?: NominationKind;
      status?: NominationBatchStatus;
      createPeriod?: { startTime?: Date | undefined; endTime?: Date | undefined };
    },
    pageSize: number,
    pageToken: string,
  ) {
    const v = new Violations();
    const period = periodField(v, "filter.create_period", filter.createPeriod);
    const f = {
      kind: filter.kind ?? null,
      status: filter.status ?? null,
      from: period.from?.toISOString() ?? null,
      until: period.until?.toISOString() ?? null,
    };
    const page = readPageRequest(v, f, pageSize, pageToken, timeCursor);
    v.throwIfAny();
    // One snapshot: the count, the page and each item's parts as one state.
    return this.kit.snapshot(async (db) => {
      const filtered = () => {
        const q = db("nomination_batches");
        if (f.kind) q.where("kind", f.kind);
        if (f.status) q.where("status", f.status);
        if (period.from) q.where("created_at", ">=", period.from);
        if (period.until) q.where("created_at", "<", period.until);
        return q;
      };
      const [{ n }] = (await filtered().count({ n: "*" })) as { n: string }[];
      const q = filtered().select("batch_id", "created_at");
      keysetPage(q, { key: "created_at", keyType: "timestamptz", id: "batch_id", direction: "desc" }, page.after);
      const rows = (await q.limit(page.size + 1)) as { batch_id: string; created_at: Date }[];
      const { items, nextPageToken } = pageOf(rows, page, (r) => ({ key: r.created_at.toISOString(), id: r.batch_id }));
      return { items: await loadEach(items, (r) => this.load(db, r.batch_id)), nextPageToken, totalSize: Number(n) };
    });
  }

  // ---- the 失信被执行人 list ----

  private async loadDefaulter(db: Db, id: string, forUpdate = false): Promise<Defaulter> {
    const d = await defaulterStore.load(db, id, forUpdate);
    if (!d) throw new NotFoundError("defaulter", id);
    return d;
  }

  addDefaulter(input: { identityNumber: string; name: string; source: string }, reason: string, actor: Actor): Promise<Defaulter> {
    const why = this.reason(reason);
    const idNumber = input.identityNumber.trim().toUpperCase();
    // An entry's view is its saved state (the number in the clear, as a read opens it).
    const entryId = this.kit.newId();
    return this.kit.creation(
      // Scoped by the number's keyed index: idempotency keys are kept in plain text.
      `AddDefaulter:${personalDataKeyring().index(idNumber)}`,
      actor,
      entryId,
      async (trx) => {
        await trx.raw("select pg_advisory_xact_lock(hashtext(?))", [`jinlian.mediation.defaulter:${idNumber}`]);
        const exists = idNumber
          ? await trx("defaulters")
              .where({ identity_number: personalDataKeyring().index(idNumber), active: true })
              .first("entry_id")
          : undefined;
        const ctx = contextOf(this.kit, actor, why);
        const d = decideAddDefaulter(entryId, input, !!exists, ctx);
        return this.kit.apply(trx, defaulterStore, undefined, d, { actor, reason: why }, 0, ctx.now);
      },
      (id, trx) => this.loadDefaulter(trx, id),
    );
  }

  removeDefaulter(entryId: string, expectedRevision: number, reason: string, actor: Actor): Promise<Defaulter> {
    const id = entryId.trim().toLowerCase();
    assertUuid(id, "entry_id");
    const why = this.reason(reason);
    return this.kit.change(
      `RemoveDefaulter:${id}`,
      actor,
      id,
      async (trx) => {
        const before = await this.loadDefaulter(trx, id, true);
        const ctx = contextOf(this.kit, actor, why);
        const d = decideRemoveDefaulter(before, reason, expectedRevision, ctx);
        return this.kit.apply(trx, defaulterStore, before, d, { actor, reason: why }, expectedRevision, ctx.now);
      },
      (eid, trx) => this.loadDefaulter(trx, eid),
    );
  }

  async listDefaulters(filter: { identityNumber: string; includeRemoved: boolean }, pageSize: number, pageToken: string) {
    const v = new Violations();
    const f = { identityNumber: filter.identityNumber.trim().toUpperCase(), includeRemoved: filter.includeRemoved };
    if ([...f.identityNumber].length > 18) v.add("filter.identity_number", "must be at most 18 characters");
    const page = readPageRequest(v, f, pageSize, pageToken, timeCursor);
    v.throwIfAny();
    // One snapshot: the count, the page and each item's parts as one state.
    return this.kit.snapshot(async (db) => {
      const filtered = () => {
        const q = db("defaulters");
        if (f.identityNumber) q.where("identity_number", personalDataKeyring().index(f.identityNumber));
        if (!f.includeRemoved) q.where("active", true);
        return q;
      };
      const [{ n }] = (await filtered().count({ n: "*" })) as { n: string }[];
      const q = filtered().select("entry_id", "added_at");
      keysetPage(q, { key: "added_at", keyType: "timestamptz", id: "entry_id", direction: "desc" }, page.after);
      const rows = (await q.limit(page.size + 1)) as { entry_id: string; added_at: Date }[];
      const { items, nextPageToken } = pageOf(rows, page, (r) => ({ key: r.added_at.toISOString(), id: r.entry_id }));
      return { items: await loadEach(items, (r) => this.loadDefaulter(db, r.entry_id)), nextPageToken, totalSize: Number(n) };
    });
  }
}
