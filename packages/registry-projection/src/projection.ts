import { creditCodeProblem, isJurisdictionCode, ORGANISATION_TYPES } from "@jinlian/kernel";
import {
  type Clock,
  type ConsumerDeclaration,
  containsPattern,
  enumCodec,
  type EventDescriptor,
  eventSource,
  inboxHandler,
  inboxRun,
  InvalidArgumentError,
  keysetPage,
  liaisonEvents,
  type Logger,
  type NodeIdentity,
  type OpeningRead,
  pageOf,
  readPageRequest,
  type ReceivedEvent,
  sqlLiteral,
  textCursor,
  Violations,
} from "@jinlian/chassis";
import { commonV1, liaisonV1 } from "@jinlian/proto";
import type { Knex } from "knex";
import {
  assertNoneDeactivated,
  deactivatedAmong,
  knownOrganisationFrom,
  type KnownOrganisation,
  type NamedOrganisation,
  type RegistryChange,
} from "./known-organisation";
import { knownOrganisationOf, knownOrganisations, type KnownOrganisationRow } from "./store";

// The liaison registry's enums, as its events carry them.
const organisationTypeCodec = enumCodec(commonV1.OrganisationType, "ORGANISATION_TYPE_", ORGANISATION_TYPES);
const registryStatusCodec = enumCodec(liaisonV1.OrganisationStatus, "ORGANISATION_STATUS_", ["ACTIVE", "DEACTIVATED", "MOVED"] as const);

/** The part every registry event shares: the aggregate id and the whole organisation after the change. */
export interface RegistryEvent {
  organisationId: string;
  organisation?: liaisonV1.Organisation | undefined;
}

export interface KnownOrganisationFilter {
  jurisdictionCode?: string;
  text?: string;
  /** GB/T 4754 section letter A-T. */
  industrySection?: string;
  /** Members of the organisation with this credit code. */
  memberOf?: string;
}

const TEXT_MAX = 200;

/** The registry's events and the change each records. Both nodes of a move publish it: MOVED at the node it left, ACTIVE at the node it joined. */
const REGISTRY_CHANGES: readonly (readonly [EventDescriptor<unknown>, RegistryChange])[] = [
  [liaisonEvents.organisationRegistered, "REGISTERED"],
  [liaisonEvents.organisationUpdated, "UPDATED"],
  [liaisonEvents.organisationDeactivated, "DEACTIVATED"],
  [liaisonEvents.organisationCorrected, "CORRECTED"],
  [liaisonEvents.organisationReactivated, "REACTIVATED"],
  [liaisonEvents.organisationMoved, "MOVED"],
];

export interface RegistryProjectionDeps {
  db: Knex;
  node: NodeIdentity;
  clock: Clock;
  logger: Logger;
}

/**
 * The organisations of this node's liaison registry as a service knows them, built from the
 * registry's events (each carries the whole organisation, so the latest event per organisation
 * is enough, and a consumer that starts late replays the compacted topic from the start).
 * A service adds `registryProjectionMigration` to its migrations and `consumer()` to its
 * module's consumers; the stream catalogue must list it among the registry's subscribers.
 */
export class RegistryProjection {
  constructor(private readonly deps: RegistryProjectionDeps) {}

  /**
   * The consumer the service's module declares: the node's registry stream, with this
   * projection's handlers. Consecutive registry events in a run are projected together, in one
   * statement (a late join replays the whole registry).
   */
  consumer(): ConsumerDeclaration {
    const changes = new Map(REGISTRY_CHANGES.map(([descriptor, change]) => [descriptor.type, change]));
    const run = inboxRun<RegistryEvent>((events, trx) =>
      this.applyAll(
        events.map((e) => ({ change: changes.get(e.type)!, event: e })),
        trx,
      ),
    );
    return {
      stream: { service: "liaison", stream: "registry" },
      handlers: REGISTRY_CHANGES.map(([descriptor, change]) =>
        inboxHandler(descriptor as EventDescriptor<RegistryEvent>, (e, trx) => this.apply(change, e, trx), undefined, run),
      ),
    };
  }

  /** Applies a registry event in the consumer's inbox transaction; older or repeated states change nothing. */
  async apply(change: RegistryChange, event: ReceivedEvent<RegistryEvent>, trx: Knex.Transaction): Promise<void> {
    const known = this.knownFrom(change, event);
    const applied = await knownOrganisations.upsertIfNewer(trx, known, this.deps.clock.now());
    this.deps.logger.info(
      { organisation_id: known.organisationId, revision: known.registryRevision, change, applied },
      applied ? "known organisation projected" : "registry event older than the projection; ignored",
    );
  }

  /** Applies registry events in order, as `apply` would one by one, in one statement. */
  async applyAll(events: readonly { change: RegistryChange; event: ReceivedEvent<RegistryEvent> }[], trx: Knex.Transaction): Promise<void> {
    const known = events.map(({ change, event }) => this.knownFrom(change, event));
    const written = await knownOrganisations.upsertAllIfNewer(trx, known, this.deps.clock.now());
    this.deps.logger.info({ events: events.length, written }, "known organisations projected");
  }

  /** The organisation a registry event carries, as this node knows it; refuses an event not of this node's registry. */
  private knownFrom(change: RegistryChange, event: ReceivedEvent<RegistryEvent>): KnownOrganisation {
    // The topic is node-local: only this node's liaison service writes registry events to it.
    const registry = eventSource(this.deps.node.jurisdictionCode, "liaison");
    if (event.source !== registry)
      throw new InvalidArgumentError(
        [{ field: "source", description: `must be ${registry}: the projection follows this node's registry only` }],
        `registry event ${event.id} from ${event.source}`,
      );
    const o = event.data.organisation;
    const known = knownOrganisationFrom(change, {
      organisationId: event.data.organisationId,
      organisation: o && {
        organisationId: o.organisationId,
        creditCode: o.creditCode,
        name: o.name,
        type: organisationTypeCodec.fromProto(o.type),
        jurisdictionCode: o.jurisdictionCode,
        status: registryStatusCodec.fromProto(o.status),
        revision: o.revision,
        industry: o.industry,
        memberOf: o.memberOf.flatMap((m) => m.organisation?.creditCode ?? []),
        chamberCreditCode: o.chamber?.organisation?.creditCode ?? "",
      },
    });
    if (event.subject !== known.organisationId)
      throw new InvalidArgumentError(
        [{ field: "subject", description: "must be the organisation id" }],
        `registry event ${event.id} keyed ${event.subject} for organisation ${known.organisationId}`,
      );
    return known;
  }

  async list(
    filter: KnownOrganisationFilter,
    pageSize: number,
    pageToken: string,
  ): Promise<{ items: KnownOrganisation[]; nextPageToken: string; totalSize: number }> {
    const v = new Violations();
    if (filter.jurisdictionCode !== undefined && !isJurisdictionCode(filter.jurisdictionCode))
      v.add("jurisdiction_code", "must be 120000 or one of the 16 district codes of Tianjin");
    if (filter.text !== undefined && [...filter.text].length > TEXT_MAX) v.add("text", `must be at most ${TEXT_MAX} characters`);
    if (filter.industrySection !== undefined && !/^[A-T]$/.test(filter.industrySection))
      v.add("industry_section", "must be a GB/T 4754 section letter, A to T");
    if (filter.memberOf !== undefined && creditCodeProblem(filter.memberOf)) v.add("member_of", "is not a valid credit code");
    const request = readPageRequest(v, filter, pageSize, pageToken, textCursor);
    v.throwIfAny();
    const db = this.deps.db;
    const filtered = () => {
      // Organisations that moved to another node's registry are no longer addressable here.
      const q = db<KnownOrganisationRow>("known_organisations").where("held_here", true);
      if (filter.industrySection) q.where("industry_section", filter.industrySection);
      if (filter.memberOf) q.whereRaw("? = any(member_of)", [filter.memberOf]);
      if (filter.jurisdictionCode) q.where("jurisdiction_code", filter.jurisdictionCode);
      if (filter.text) {
        const text = filter.text;
        q.where((w) => w.whereILike("name", containsPattern(text)).orWhere("credit_code", text.toUpperCase()));
      }
      return q;
    };
    const [{ n }] = await filtered().count<{ n: string }[]>({ n: "*" });
    const page = filtered().select("*");
    keysetPage(page, { key: "name", id: "organisation_id", direction: "asc" }, request.after);
    const rows = (await page.limit(request.size + 1)) as KnownOrganisationRow[];
    const { items, nextPageToken } = pageOf(rows, request, (r) => ({ key: r.name, id: r.organisation_id }));
    return { items: items.map(knownOrganisationOf), nextPageToken, totalSize: Number(n) };
  }

  /**
   * Refuses (FAILED_PRECONDITION) a request naming an organisation the registry knows only as
   * deactivated. Runs in the request's transaction, so a refused request changes nothing.
   */
  async assertNoneDeactivated(trx: Knex.Transaction, named: readonly NamedOrganisation[]): Promise<void> {
    const known = await knownOrganisations.byCreditCodes(
      trx,
      named.map((n) => n.organisation.creditCode),
    );
    assertNoneDeactivated(deactivatedAmong(named, known.map(knownOrganisationOf)));
  }

  /**
   * Every record this node's projection holds of these credit codes, those of organisations that
   * moved away included: one read a request can serve several checks from (`refuseDeactivated`),
   * sent with the transaction's BEGIN (`ServiceKit.creation`) as the use case's first read.
   */
  recordsRead(codes: readonly string[]): OpeningRead<KnownOrganisation[]> {
    // PostgreSQL's text holds no NUL, so a code with one is held by no record (and would end the query).
    const unique = [...new Set(codes)].filter((c) => !c.includes("\0"));
    return {
      sql: `select * from known_organisations where ${unique.length === 0 ? "false" : `credit_code in (${unique.map(sqlLiteral).join(", ")})`}`,
      of: (rows) => (rows as readonly unknown[] as readonly KnownOrganisationRow[]).map(knownOrganisationOf),
    };
  }

  /**
   * `assertNoneDeactivated` over records already read by `recordsRead`, which must cover every
   * named credit code. An organisation that moved away is not this node's to refuse.
   */
  refuseDeactivated(named: readonly NamedOrganisation[], records: readonly KnownOrganisation[]): void {
    assertNoneDeactivated(
      deactivatedAmong(
        named,
        records.filter((r) => r.heldHere),
      ),
    );
  }
}
