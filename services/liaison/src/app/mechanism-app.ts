import { CITY_JURISDICTION, isJurisdictionCode } from "@jinlian/kernel";
import {
  assertUuid,
  attributionFromEvent,
  InvalidArgumentError,
  isUuid,
  NotFoundError,
  pageOf,
  parseEventSource,
  readPageRequest,
  uuidField,
  validateExpectedRevision,
  Violations,
  type Actor,
  type Decision,
  type ReceivedEvent,
  type ServiceKit,
} from "@jinlian/chassis";
import type { liaisonEventsV1 } from "@jinlian/proto";
import type { Knex } from "knex";
import {
  decideMechanismChange,
  decideProposal,
  ownRollUpEntry,
  MECHANISM_RPC,
  rollUp,
  rollUpEntryOf,
  supersedes,
  validateReason,
  type Mechanism,
  type MechanismAction,
  type MechanismContext,
  type MechanismStatus,
  type PartyCandidate,
  type PartyRequest,
  type RollUp,
  type RollUpStatus,
  type Side,
} from "../domain/mechanism";
import { rollUpEntryFromReport } from "../domain/mechanism-events";
import { mechanismRepository as repo, mechanismStore as store } from "../persistence/mechanism-repository";
import { findOrganisations } from "./organisations";
import { REASON_MAX } from "./support";

export interface ProposeInput {
  justiceBureau: PartyRequest | undefined;
  federation: PartyRequest | undefined;
  reason: string;
}

/**
 * Use cases of liaison mechanisms (art. 2-3). Every change is audited; at a district node it is
 * reported up to the city, at the city it updates the roll-up in the same transaction.
 */
export class MechanismApp {
  constructor(private readonly kit: ServiceKit) {}

  private async load(db: Knex | Knex.Transaction, id: string, forUpdate = false): Promise<Mechanism> {
    const m = await repo.load(db, id, forUpdate);
    if (!m) throw new NotFoundError("mechanism", id);
    return m;
  }

  propose(input: ProposeInput, actor: Actor): Promise<Mechanism> {
    const v = new Violations();
    const sides: [Side, PartyRequest | undefined][] = [
      ["justice_bureau", input.justiceBureau],
      ["federation", input.federation],
    ];
    for (const [side, p] of sides) {
      if (!p) v.add(side, "is required");
      else {
        uuidField(v, `${side}.organisation_id`, p.organisationId);
        uuidField(v, `${side}.department_id`, p.departmentId);
      }
    }
    const reason = validateReason(v, input.reason, "propose", REASON_MAX);
    v.throwIfAny();
    // A mechanism's view is its rows, which hold the state saved: the answer.
    const mechanismId = this.kit.newId();
    return this.kit.creation(
      "ProposeMechanism",
      actor,
      mechanismId,
      async (trx) => {
        // FOR SHARE: a concurrent deactivation or department removal waits for this proposal.
        const registered = await findOrganisations(
          trx,
          sides.map(([, p]) => p!.organisationId),
          true,
        );
        const candidates: PartyCandidate[] = sides.map(([side, p]) => ({ side, ...p!, registered: registered.get(p!.organisationId) }));
        const existing = await repo.idAt(trx, this.kit.here);
        const ctx = this.context(actor, reason);
        const decision = decideProposal(mechanismId, [candidates[0]!, candidates[1]!], existing, ctx);
        const m = await this.apply(trx, undefined, decision, actor, reason, 0, ctx.now);
        this.kit.logger.info({ mechanism_id: m.mechanismId, actor: actor.subject }, "liaison mechanism proposed");
        return m;
      },
      (id, trx) => this.load(trx, id),
    );
  }

  establish(id: string, expectedRevision: number, reason: string, actor: Actor): Promise<Mechanism> {
    return this.change("establish", id, expectedRevision, reason, actor);
  }

  suspend(id: string, expectedRevision: number, reason: string, actor: Actor): Promise<Mechanism> {
    return this.change("suspend", id, expectedRevision, reason, actor);
  }

  private change(action: MechanismAction, id: string, expectedRevision: number, reason: string, actor: Actor): Promise<Mechanism> {
    const v = new Violations();
    uuidField(v, "mechanism_id", id);
    validateExpectedRevision(v, expectedRevision);
    const why = validateReason(v, reason, action, REASON_MAX);
    v.throwIfAny();
    return this.kit.change(
      `${MECHANISM_RPC[action]}:${id}`,
      actor,
      id,
      async (trx) => {
        const before = await this.load(trx, id, true);
        // Establishing reads both parties FOR SHARE: a concurrent deactivation waits for it.
        const cmd = action === "establish" ? { action, registered: await this.partiesOf(trx, before) } : { action };
        const ctx = this.context(actor, why);
        const decision = decideMechanismChange(before, cmd, expectedRevision, ctx);
        const m = await this.apply(trx, before, decision, actor, why, expectedRevision, ctx.now);
        this.kit.logger.info({ mechanism_id: id, status: m.status, actor: actor.subject }, "liaison mechanism status changed");
        return m;
      },
      (mid, trx) => this.load(trx, mid),
    );
  }

  /** Applies a decision and, at the city, puts its own mechanism in the roll-up in the same transaction. */
  private async apply(
    trx: Knex.Transaction,
    before: Mechanism | undefined,
    decision: Decision<Mechanism>,
    actor: Actor,
    reason: string,
    expectedRevision: number,
    /** The decision's time, so the audit entry and the events agree with the state. */
    at: Date,
  ): Promise<Mechanism> {
    const m = await this.kit.apply(trx, store, before, decision, { actor, reason }, expectedRevision, at);
    const own = ownRollUpEntry(this.kit.here, m);
    if (own) await repo.upsertRollUp(trx, own);
    return m;
  }

  /** The registry's answer for the justice bureau, then the federation, both locked FOR SHARE. */
  private async partiesOf(trx: Knex.Transaction, m: Mechanism) {
    const ids = [m.justiceBureau.organisationId, m.federation.organisationId] as const;
    const found = await findOrganisations(trx, ids, true);
    return [found.get(ids[0]), found.get(ids[1])] as const;
  }

  private context(actor: Actor, reason: string): MechanismContext {
    const now = this.kit.now();
    return { here: this.kit.here, now, newId: () => this.kit.newId(), audit: this.kit.auditMetadata({ actor, reason }, now) };
  }

  async get(id: string): Promise<Mechanism> {
    assertUuid(id, "mechanism_id");
    return this.kit.snapshot((s) => this.load(s, id));
  }

  async list(
    status: MechanismStatus | undefined,
    pageSize: number,
    pageToken: string,
  ): Promise<{ items: Mechanism[]; nextPageToken: string; totalSize: number }> {
    const v = new Violations();
    const filter = { status: status ?? null };
    const page = readPageRequest(v, filter, pageSize, pageToken, (c) => isJurisdictionCode(c.key) && isUuid(c.id));
    v.throwIfAny();
    const result = await this.kit.snapshot((s) => repo.list(s, { status }, page.size + 1, page.after));
    const { items, nextPageToken } = pageOf(result.items, page, (i) => ({ key: i.key, id: i.mechanism.mechanismId }));
    return { items: items.map((i) => i.mechanism), nextPageToken, totalSize: result.total };
  }

  /** The city's roll-up across jurisdictions; a district node answers for itself only. */
  async rollUp(filter: RollUpStatus | undefined): Promise<RollUp> {
    const here = this.kit.here;
    // One snapshot: every mechanism in the roll-up as one state.
    return this.kit.snapshot(async (db) => {
      if (here === CITY_JURISDICTION) return rollUp(here, await repo.rollUpEntries(db), filter);
      const id = await repo.idAt(db, here);
      const own = id ? await repo.load(db, id) : undefined;
      return rollUp(here, own ? [rollUpEntryOf(own, own.statusSince)] : [], filter);
    });
  }

  // ---- inbound deliveries (in the consumer's inbox transaction) ----

  /**
   * A district reported its mechanism: kept in the roll-up if it is newer than what the city
   * holds. The chassis has refused a report from any other node than the district it names
   * (reportsFor); a report inconsistent in itself is refused here (dead-lettered).
   */
  async onMechanismStatusReported(event: ReceivedEvent<liaisonEventsV1.MechanismStatusReported>, trx: Knex.Transaction): Promise<void> {
    const d = event.data;
    const now = this.kit.now();
    const { entry, violations } = rollUpEntryFromReport(this.kit.here, d, now);
    if (!entry)
      throw new InvalidArgumentError(
        violations,
        `refused ${event.type} ${event.id} from ${event.source}: ${violations.map((v) => `${v.field}: ${v.description}`).join("; ")}`,
      );
    const held = await repo.heldRollUp(trx, entry.jurisdictionCode);
    if (!supersedes(held, entry.revision) || !(await repo.upsertRollUp(trx, entry))) {
      this.kit.logger.debug(
        { jurisdiction: entry.jurisdictionCode, revision: entry.revision },
        "stale or repeated mechanism report ignored",
      );
      return;
    }
    const by = attributionFromEvent(d.audit, parseEventSource(event.source)?.node ?? d.jurisdictionCode);
    await this.kit.record(
      trx,
      { type: store.type, id: entry.mechanismId, revision: entry.revision },
      "MechanismStatusReported",
      by,
      [],
      now,
    );
    this.kit.logger.info(
      { jurisdiction: entry.jurisdictionCode, status: entry.status, revision: entry.revision },
      "mechanism report applied",
    );
  }
}
