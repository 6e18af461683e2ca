import {
  type Clock,
  containsPattern,
  eventSource,
  InvalidArgumentError,
  isJurisdictionCode,
  isUuid,
  type Logger,
  type NodeIdentity,
  pageOf,
  readPageRequest,
  type ReceivedEvent,
  Violations,
} from "@jinlian/chassis";
import type { liaisonV1 } from "@jinlian/proto";
import type { Knex } from "knex";
import type { Audience, OrganisationRef } from "../domain/bulletin";
import {
  assertNoneDeactivated,
  deactivatedAmong,
  knownOrganisationFrom,
  organisationsNamed,
  type KnownOrganisation,
  type RegistryChange,
} from "../domain/known-organisation";
import { knownOrganisationOf, knownOrganisations, type KnownOrganisationRow } from "../persistence/known-organisations";
import { organisationTypeCodec, registryStatusCodec } from "./codecs";

/** The part every registry event shares: the aggregate id and the whole organisation after the change. */
export interface RegistryEvent {
  organisationId: string;
  organisation?: liaisonV1.Organisation | undefined;
}

export interface KnownOrganisationFilter {
  jurisdictionCode?: string;
  text?: string;
}

const TEXT_MAX = 200;

export interface OrganisationProjectionDeps {
  db: Knex;
  node: NodeIdentity;
  clock: Clock;
  logger: Logger;
}

/**
 * The organisations of this node's liaison registry as bulletins knows them, built from the
 * registry's events (each carries the whole organisation, so the latest event per organisation
 * is enough, and a consumer that starts late replays the compacted topic from the start).
 */
export class OrganisationProjection {
  constructor(private readonly deps: OrganisationProjectionDeps) {}

  /** Applies a registry event in the consumer's inbox transaction; older or repeated states change nothing. */
  async apply(change: RegistryChange, event: ReceivedEvent<RegistryEvent>, trx: Knex.Transaction): Promise<void> {
    // The topic is node-local: only this node's liaison service writes registry events to it.
    const registry = eventSource(this.deps.node.jurisdictionCode, "liaison");
    if (event.source !== registry)
      throw new InvalidArgumentError(
        [{ field: "source", description: `must be ${registry}: bulletins projects this node's registry only` }],
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
      },
    });
    if (event.subject !== known.organisationId)
      throw new InvalidArgumentError(
        [{ field: "subject", description: "must be the organisation id" }],
        `registry event ${event.id} keyed ${event.subject} for organisation ${known.organisationId}`,
      );
    const applied = await knownOrganisations.upsertIfNewer(trx, known, this.deps.clock.now());
    this.deps.logger.info(
      { organisation_id: known.organisationId, revision: known.registryRevision, change, applied },
      applied ? "known organisation projected" : "registry event older than the projection; ignored",
    );
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
    const request = readPageRequest(v, filter, pageSize, pageToken);
    if (request.after && !isUuid(request.after.id)) v.add("page.page_token", "is not a valid page token");
    v.throwIfAny();
    const db = this.deps.db;
    const filtered = () => {
      const q = db<KnownOrganisationRow>("known_organisations");
      if (filter.jurisdictionCode) q.where("jurisdiction_code", filter.jurisdictionCode);
      if (filter.text) {
        const text = filter.text;
        q.where((w) => w.whereILike("name", containsPattern(text)).orWhere("credit_code", text.toUpperCase()));
      }
      return q;
    };
    const [{ n }] = await filtered().count<{ n: string }[]>({ n: "*" });
    const page = filtered().select("*");
    if (request.after) page.whereRaw("(name, organisation_id) > (?, ?::uuid)", [request.after.key, request.after.id]);
    const rows = (await page
      .orderBy([{ column: "name" }, { column: "organisation_id" }])
      .limit(request.size + 1)) as KnownOrganisationRow[];
    const { items, nextPageToken } = pageOf(rows, request, (r) => ({ key: r.name, id: r.organisation_id }));
    return { items: items.map(knownOrganisationOf), nextPageToken, totalSize: Number(n) };
  }
}

/**
 * Refuses (FAILED_PRECONDITION) a draft whose issuer or an addressed organisation the registry
 * knows only as deactivated. Runs in the draft's transaction, so a refused draft changes nothing.
 */
export async function assertNoDeactivatedOrganisation(
  trx: Knex.Transaction,
  issuer: OrganisationRef,
  main: Audience,
  copy: Audience,
): Promise<void> {
  const named = organisationsNamed(issuer, main, copy);
  const known = await knownOrganisations.byCreditCodes(
    trx,
    named.map((n) => n.organisation.creditCode),
  );
  assertNoneDeactivated(deactivatedAmong(named, known.map(knownOrganisationOf)));
}
