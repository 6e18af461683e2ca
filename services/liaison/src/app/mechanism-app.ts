import {
  AlreadyExistsError,
  CITY_JURISDICTION,
  InvalidArgumentError,
  isDistrictCode,
  isJurisdictionCode,
  liaisonEvents,
  NotFoundError,
  pageOf,
  readPageRequest,
  Violations,
  type FieldViolation,
  type ReceivedEvent,
} from "@jinlian/chassis";
import type { liaisonEventsV1, liaisonV1 } from "@jinlian/proto";
import type { Knex } from "knex";
import {
  assertPartiesActive,
  decideParties,
  deliveryTopicSender,
  propose,
  reportViolations,
  rollUp,
  rollUpEntryOf,
  sourceNode,
  supersedes,
  transition,
  validateReason,
  type Mechanism,
  type MechanismAction,
  type MechanismParty,
  type MechanismStatus,
  type RollUp,
  type RollUpEntry,
  type RollUpStatus,
  type Side,
} from "../domain/mechanism";
import { mechanismRepository as repo } from "../persistence/mechanism-repository";
import { mechanismStatusCodec } from "./codecs";
import { findOrganisation } from "./organisations";
import {
  actorFromEvent,
  assertId,
  checkExpectedRevision,
  checkId,
  checkRevision,
  isUuid,
  REASON_MAX,
  type Actor,
  type LiaisonContext,
} from "./support";

/** One side of a proposal as the caller names it. */
export interface PartyRequest {
  organisationId: string;
  departmentId: string;
}

export interface ProposeInput {
  justiceBureau: PartyRequest | undefined;
  federation: PartyRequest | undefined;
  reason: string;
}

const RPC: Readonly<Record<MechanismAction, string>> = { establish: "EstablishMechanism", suspend: "SuspendMechanism" };

// ---- contract mapping, shared by the gRPC layer and the event this area emits ----

export function partyToProto(p: MechanismParty): liaisonV1.MechanismParty {
  return {
    organisationId: p.organisationId,
    departmentId: p.departmentId,
    organisation: { ...p.organisation },
    departmentName: p.departmentName,
  };
}

export function mechanismToProto(m: Mechanism): liaisonV1.Mechanism {
  return {
    mechanismId: m.mechanismId,
    jurisdictionCode: m.jurisdictionCode,
    justiceBureau: partyToProto(m.justiceBureau),
    federation: partyToProto(m.federation),
    status: mechanismStatusCodec.toProto(m.status),
    statusSinceTime: m.statusSince,
    firstEstablishedTime: m.firstEstablishedAt ?? undefined,
    history: m.history.map((t) => ({
      status: mechanismStatusCodec.toProto(t.status),
      audit: { actor: t.actor, reason: t.reason, requestId: t.requestId, occurTime: t.at, jurisdictionCode: t.jurisdictionCode },
    })),
    revision: m.revision,
  };
}

function partyFromProto(v: FieldViolation[], field: string, p: liaisonV1.MechanismParty | undefined): MechanismParty | undefined {
  if (!p || !isUuid(p.organisationId) || !isUuid(p.departmentId) || !p.organisation) {
    v.push({ field, description: "must name the organisation, its responsible department and their snapshot" });
    return undefined;
  }
  return {
    organisationId: p.organisationId,
    departmentId: p.departmentId,
    organisation: { creditCode: p.organisation.creditCode, jurisdictionCode: p.organisation.jurisdictionCode, name: p.organisation.name },
    departmentName: p.departmentName,
  };
}

/** The roll-up entry a district's report carries, or the violations that make it malformed. */
function reportedEntry(m: liaisonV1.Mechanism, reportedAt: Date): { entry?: RollUpEntry; violations: FieldViolation[] } {
  const v: FieldViolation[] = [];
  const f = (name: string) => `data.mechanism.${name}`;
  if (!isUuid(m.mechanismId)) v.push({ field: f("mechanism_id"), description: "must be a UUID" });
  const status = mechanismStatusCodec.fromProto(m.status);
  if (!status || status === "NONE") v.push({ field: f("status"), description: "must be PROPOSED, ESTABLISHED or SUSPENDED" });
  if (!m.statusSinceTime) v.push({ field: f("status_since_time"), description: "is required" });
  if (!Number.isInteger(m.revision) || m.revision < 1) v.push({ field: f("revision"), description: "must be 1 or more" });
  const justiceBureau = partyFromProto(v, f("justice_bureau"), m.justiceBureau);
  const federation = partyFromProto(v, f("federation"), m.federation);
  if (v.length > 0) return { violations: v };
  return {
    violations: v,
    entry: {
      jurisdictionCode: m.jurisdictionCode,
      mechanismId: m.mechanismId,
      status: status as MechanismStatus,
      statusSince: m.statusSinceTime!,
      firstEstablishedAt: m.firstEstablishedTime ?? null,
      revision: m.revision,
      justiceBureau: justiceBureau!,
      federation: federation!,
      reportedAt,
    },
  };
}

/**
 * Use cases of liaison mechanisms (art. 2-3). Every change is audited; at a district node it is
 * reported up to the city, at the city it updates the roll-up in the same transaction.
 */
export class MechanismApp {
  constructor(private readonly ctx: LiaisonContext) {}

  private async load(db: Knex | Knex.Transaction, id: string, forUpdate = false): Promise<Mechanism> {
    const m = await repo.find(db, id, forUpdate);
    if (!m) throw new NotFoundError("mechanism", id);
    return m;
  }

  async propose(input: ProposeInput, actor: Actor): Promise<Mechanism> {
    const v = new Violations();
    const sides: [Side, PartyRequest | undefined][] = [
      ["justice_bureau", input.justiceBureau],
      ["federation", input.federation],
    ];
    for (const [side, p] of sides) {
      if (!p) v.add(side, "is required");
      else {
        checkId(v, p.organisationId, `${side}.organisation_id`);
        checkId(v, p.departmentId, `${side}.department_id`);
      }
    }
    const reason = validateReason(v, input.reason, "propose", REASON_MAX);
    v.throwIfAny();
    const here = this.ctx.here;
    return this.ctx.mutation(
      "ProposeMechanism",
      actor,
      async (trx) => {
        // FOR SHARE: a concurrent deactivation or department removal waits for this proposal.
        const candidates = [];
        for (const [side, p] of sides) candidates.push({ side, ...p!, registered: await findOrganisation(trx, p!.organisationId, true) });
        const parties = decideParties(here, [candidates[0]!, candidates[1]!]);
        const existing = await repo.idAt(trx, here);
        if (existing) throw this.alreadyExists(existing);
        const now = this.ctx.now();
        const m = propose(this.ctx.newId(), here, parties, {
          actor: actor.subject,
          reason,
          requestId: actor.requestId,
          jurisdictionCode: here,
          at: now,
        });
        // The unique jurisdiction serialises two concurrent proposals: the second finds the first.
        if (!(await repo.insert(trx, m, now))) throw this.alreadyExists((await repo.idAt(trx, here)) ?? "");
        await this.recordChange(trx, m, "ProposeMechanism", actor, reason, now);
        this.ctx.logger.info({ mechanism_id: m.mechanismId, actor: actor.subject }, "liaison mechanism proposed");
        return m.mechanismId;
      },
      (id, trx) => this.load(trx, id),
    );
  }

  private alreadyExists(existing: string): AlreadyExistsError {
    return new AlreadyExistsError("mechanism", existing, `this node (${this.ctx.here}) already has a liaison mechanism: ${existing}`);
  }

  establish(id: string, expectedRevision: number, reason: string, actor: Actor): Promise<Mechanism> {
    return this.change("establish", id, expectedRevision, reason, actor);
  }

  suspend(id: string, expectedRevision: number, reason: string, actor: Actor): Promise<Mechanism> {
    return this.change("suspend", id, expectedRevision, reason, actor);
  }

  private change(action: MechanismAction, id: string, expectedRevision: number, reason: string, actor: Actor): Promise<Mechanism> {
    const v = new Violations();
    checkId(v, id, "mechanism_id");
    checkExpectedRevision(v, expectedRevision);
    const why = validateReason(v, reason, action, REASON_MAX);
    v.throwIfAny();
    const rpc = RPC[action];
    return this.ctx.mutation(
      `${rpc}:${id}`,
      actor,
      async (trx) => {
        const m = await this.load(trx, id, true);
        checkRevision("mechanism", id, m.revision, expectedRevision);
        const now = this.ctx.now();
        const next = transition(m, action, {
          actor: actor.subject,
          reason: why,
          requestId: actor.requestId,
          jurisdictionCode: this.ctx.here,
          at: now,
        });
        if (action === "establish") assertPartiesActive(m, await this.registeredParties(trx, m));
        await repo.update(trx, m, next, now);
        await this.recordChange(trx, next, rpc, actor, why, now);
        this.ctx.logger.info({ mechanism_id: id, status: next.status, actor: actor.subject }, "liaison mechanism status changed");
        return id;
      },
      (mid, trx) => this.load(trx, mid),
    );
  }

  /** The registry's answer for both parties, locked against a concurrent deactivation. */
  private async registeredParties(trx: Knex.Transaction, m: Mechanism) {
    return [
      await findOrganisation(trx, m.justiceBureau.organisationId, true),
      await findOrganisation(trx, m.federation.organisationId, true),
    ] as const;
  }

  /** The audit entry, and the roll-up (city) or the report up to the city (district), in the change's transaction. */
  private async recordChange(trx: Knex.Transaction, m: Mechanism, action: string, actor: Actor, reason: string, at: Date): Promise<void> {
    const here = this.ctx.here;
    await this.ctx.audit(trx, { aggregateType: "mechanism", aggregateId: m.mechanismId, action, revision: m.revision, actor, reason, at });
    if (here === CITY_JURISDICTION) await repo.upsertRollUp(trx, rollUpEntryOf(m, at));
    else if (isDistrictCode(here)) {
      const data: liaisonEventsV1.MechanismStatusReported = {
        jurisdictionCode: here,
        mechanism: mechanismToProto(m),
        audit: this.ctx.auditProto(actor, reason, at),
      };
      await this.ctx.emit(trx, liaisonEvents.mechanismStatusReported, here, at, data, [this.ctx.topicTo(CITY_JURISDICTION)]);
    }
  }

  async get(id: string): Promise<Mechanism> {
    assertId(id, "mechanism_id");
    return this.load(this.ctx.db, id);
  }

  async list(
    status: MechanismStatus | undefined,
    pageSize: number,
    pageToken: string,
  ): Promise<{ items: Mechanism[]; nextPageToken: string; totalSize: number }> {
    const v = new Violations();
    const filter = { status: status ?? null };
    const page = readPageRequest(v, filter, pageSize, pageToken);
    if (page.after && (!isJurisdictionCode(page.after.key) || !isUuid(page.after.id)))
      v.add("page.page_token", "is not a valid page token");
    v.throwIfAny();
    const result = await repo.list(this.ctx.db, { status }, page.size + 1, page.after);
    const { items, nextPageToken } = pageOf(result.items, page, (i) => ({ key: i.key, id: i.mechanism.mechanismId }));
    return { items: items.map((i) => i.mechanism), nextPageToken, totalSize: result.total };
  }

  /** The city's roll-up across jurisdictions; a district node answers for itself only. */
  async rollUp(filter: RollUpStatus | undefined): Promise<RollUp> {
    const here = this.ctx.here;
    if (here === CITY_JURISDICTION) return rollUp(here, await repo.rollUpEntries(this.ctx.db), filter);
    const id = await repo.idAt(this.ctx.db, here);
    const own = id ? await repo.find(this.ctx.db, id) : undefined;
    return rollUp(here, own ? [rollUpEntryOf(own, own.statusSince)] : [], filter);
  }

  // ---- inbound deliveries (in the consumer's inbox transaction) ----

  /**
   * A district reported its mechanism: kept in the roll-up if it is newer than what the city
   * holds. A report from a node other than the district it names is refused (dead-lettered).
   */
  async onMechanismStatusReported(event: ReceivedEvent<liaisonEventsV1.MechanismStatusReported>, trx: Knex.Transaction): Promise<void> {
    const d = event.data;
    const now = this.ctx.now();
    const violations = reportViolations(
      this.ctx.here,
      event.source,
      {
        jurisdictionCode: d.jurisdictionCode,
        mechanismJurisdictionCode: d.mechanism?.jurisdictionCode,
      },
      deliveryTopicSender(event.topic),
    );
    const reported = d.mechanism
      ? reportedEntry(d.mechanism, now)
      : { violations: [{ field: "data.mechanism", description: "is required" }] };
    violations.push(...reported.violations);
    if (violations.length > 0 || !reported.entry)
      throw new InvalidArgumentError(
        violations,
        `refused ${event.type} ${event.id} from ${event.source}: ${violations.map((v) => `${v.field}: ${v.description}`).join("; ")}`,
      );
    const entry = reported.entry;
    const held = await repo.heldRollUp(trx, entry.jurisdictionCode);
    if (!supersedes(held, entry.revision) || !(await repo.upsertRollUp(trx, entry))) {
      this.ctx.logger.debug(
        { jurisdiction: entry.jurisdictionCode, revision: entry.revision },
        "stale or repeated mechanism report ignored",
      );
      return;
    }
    await this.ctx.audit(trx, {
      aggregateType: "mechanism",
      aggregateId: entry.mechanismId,
      action: "MechanismStatusReported",
      revision: entry.revision,
      actor: actorFromEvent(d.audit, `node:${sourceNode(event.source)}`),
      reason: d.audit?.reason ?? "",
      at: now,
    });
    this.ctx.logger.info(
      { jurisdiction: entry.jurisdictionCode, status: entry.status, revision: entry.revision },
      "mechanism report applied",
    );
  }
}
