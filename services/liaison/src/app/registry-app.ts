import { CITY_JURISDICTION, creditCodeProblem, describeCreditCodeProblem, isJurisdictionCode } from "@jinlian/kernel";
import {
  type Actor,
  assertUuid,
  attributionFromEvent,
  type Decision,
  InvalidArgumentError,
  isUuid,
  NotFoundError,
  pageOf,
  parseEventSource,
  readPageRequest,
  type ReceivedEvent,
  type ServiceKit,
  textCursor,
  textField,
  Violations,
} from "@jinlian/chassis";
import type { Knex } from "knex";
import type { liaisonEventsV1, liaisonV1 } from "@jinlian/proto";
import {
  checkAffiliations,
  decideAffiliations,
  decideArrival,
  decideCorrection,
  decideMove,
  decideReactivation,
  decideUpdateContact,
  NO_ROLES,
  validateMove,
  type AffiliationsInput,
  type Correction,
  type OrganisationType,
  type ValidAffiliations,
  decideAddContact,
  decideAddDepartment,
  decideDeactivation,
  decideRegistration,
  decideRemoveContact,
  decideRemoveDepartment,
  decideRename,
  departmentName,
  organisationName,
  validateRegistration,
  type ContactInput,
  type Organisation,
  type OrganisationFilter,
  type Registration,
  type RegistryContext,
} from "../domain/registry";
import { organisationFromProto } from "../domain/registry-events";
import { organisationStore as store, registryRepository as repo } from "../persistence/registry-repository";
import { findOrganisations, resolveOrganisationNames, type OrganisationName } from "./organisations";
import { REASON_MAX } from "./support";

/** Industry and memberships as a request gives them (liaison.v1.Affiliations). */
export type AffiliationsRequest = liaisonV1.Affiliations | undefined;
/** An organisation of this registry as a request names it (liaison.v1.OrganisationKey). */
export type OrganisationKeyRequest = liaisonV1.OrganisationKey | undefined;

/** The corrections a request asks for; empty fields stay as they are. */
export interface CorrectionRequest {
  type: OrganisationType | undefined;
  name: string;
  creditCode: string;
  jurisdictionCode: string;
  chamber: OrganisationKeyRequest;
}

/**
 * Use cases of the registry of parties. Every change commits with an event on the node's
 * registry stream carrying the whole organisation, so other services can project from it.
 */
export class RegistryApp {
  constructor(private readonly kit: ServiceKit) {}

  /** The organisation, read in `trx` when given, else in a snapshot of its own (row and children as one state). */
  async view(id: string, trx?: Knex.Transaction): Promise<Organisation> {
    assertUuid(id, "organisation_id");
    const o = await (trx ? repo.load(trx, id) : this.kit.snapshot((s) => repo.load(s, id)));
    if (!o) throw new NotFoundError("organisation", id);
    return o;
  }

  register(
    input: Registration,
    reason: string,
    actor: Actor,
    affiliations: AffiliationsRequest = undefined,
    chamber: OrganisationKeyRequest = undefined,
  ): Promise<Organisation> {
    const valid = validateRegistration(input, this.kit.here);
    const why = reasonOf(reason);
    // An organisation's view is its rows and its related organisations as they stand, which the
    // state saved holds (the affiliations were read in this transaction): the answer.
    const organisationId = this.kit.newId();
    return this.kit.creation(
      "RegisterOrganisation",
      actor,
      organisationId,
      async (trx) => {
        const holder = await repo.holderOf(trx, valid.creditCode);
        const related = await this.affiliations(trx, valid.type, affiliations, chamber, "chamber", "affiliations");
        const ctx = this.context(actor, why);
        const decision = decideRegistration(organisationId, valid, holder, ctx, related);
        return this.kit.apply(trx, store, undefined, decision, { actor, reason: why }, 0, ctx.now);
      },
      (id, trx) => this.view(id, trx),
    );
  }

  rename(id: string, expectedRevision: number, name: string, reason: string, actor: Actor): Promise<Organisation> {
    const v = new Violations();
    const newName = organisationName(v, "name", name);
    const why = textField(v, "reason", reason, { max: REASON_MAX });
    v.throwIfAny();
    return this.change("UpdateOrganisation", id, expectedRevision, actor, why, (before, ctx) =>
      decideRename(before, { expectedRevision, name: newName }, ctx),
    );
  }

  async addDepartment(id: string, expectedRevision: number, name: string, reason: string, actor: Actor) {
    const v = new Violations();
    const deptName = departmentName(v, "name", name);
    const why = textField(v, "reason", reason, { max: REASON_MAX });
    v.throwIfAny();
    const organisation = await this.change("AddDepartment", id, expectedRevision, actor, why, (before, ctx) =>
      decideAddDepartment(before, { expectedRevision, name: deptName }, ctx),
    );
    // Found by name, which also answers a repeated request (same request id) that changed nothing.
    return { organisation, departmentId: organisation.departments.find((d) => d.name === deptName)!.departmentId };
  }

  removeDepartment(id: string, expectedRevision: number, departmentId: string, reason: string, actor: Actor): Promise<Organisation> {
    const why = reasonOf(reason);
    assertUuid(departmentId, "department_id");
    return this.change("RemoveDepartment", id, expectedRevision, actor, why, async (before, ctx, trx) =>
      decideRemoveDepartment(before, { expectedRevision, departmentId }, await repo.mechanismsNamingDepartment(trx, departmentId), ctx),
    );
  }

  async addContact(id: string, expectedRevision: number, contact: ContactInput | undefined, reason: string, actor: Actor) {
    const why = reasonOf(reason);
    let contactId = "";
    const organisation = await this.change("AddLiaisonContact", id, expectedRevision, actor, why, (before, ctx) => {
      const decision = decideAddContact(before, { expectedRevision, contact }, ctx);
      contactId = decision.contactId;
      return decision;
    });
    // A repeated request (same request id) did not run the change: answer with the newest contact.
    return { organisation, contactId: contactId || (organisation.contacts[organisation.contacts.length - 1]?.contactId ?? "") };
  }

  removeContact(id: string, expectedRevision: number, contactId: string, reason: string, actor: Actor): Promise<Organisation> {
    const why = reasonOf(reason);
    assertUuid(contactId, "contact_id");
    return this.change("RemoveLiaisonContact", id, expectedRevision, actor, why, (before, ctx) =>
      decideRemoveContact(before, { expectedRevision, contactId }, ctx),
    );
  }

  deactivate(id: string, expectedRevision: number, reason: string, actor: Actor): Promise<Organisation> {
    const v = new Violations();
    const why = textField(v, "reason", reason, { required: true, max: REASON_MAX });
    v.throwIfAny();
    return this.change("DeactivateOrganisation", id, expectedRevision, actor, why, (before, ctx) =>
      decideDeactivation(before, { expectedRevision }, ctx),
    );
  }

  /** Corrects what was registered wrongly (see decideCorrection); a reason is required. */
  correct(id: string, expectedRevision: number, req: CorrectionRequest, reason: string, actor: Actor): Promise<Organisation> {
    const v = new Violations();
    const why = textField(v, "reason", reason, { required: true, max: REASON_MAX });
    const correction: { -readonly [K in keyof Correction]: Correction[K] } = { type: req.type };
    if (req.name.trim()) correction.name = organisationName(v, "name", req.name);
    const code = req.creditCode.trim().toUpperCase();
    if (code) {
      const problem = creditCodeProblem(code);
      if (problem) v.add("credit_code", describeCreditCodeProblem(problem));
      correction.creditCode = code;
    }
    const jurisdiction = req.jurisdictionCode.trim();
    if (jurisdiction) {
      if (!isJurisdictionCode(jurisdiction)) v.add("jurisdiction_code", "must be 120000 or one of the 16 district codes of Tianjin");
      else if (this.kit.here !== CITY_JURISDICTION && jurisdiction !== this.kit.here)
        v.add(
          "jurisdiction_code",
          `a district registry holds only its own district's organisations (${this.kit.here}); MoveOrganisation moves it to the city`,
        );
      correction.jurisdictionCode = jurisdiction;
    }
    v.throwIfAny();
    return this.change("CorrectOrganisation", id, expectedRevision, actor, why, async (before, ctx, trx) => {
      const type = correction.type ?? before.type;
      if (req.chamber && (req.chamber.organisationId.trim() || req.chamber.creditCode.trim())) {
        if (type !== "MEDIATION_COMMITTEE")
          throw new InvalidArgumentError([{ field: "chamber", description: "only a mediation committee has a chamber" }]);
        const related = await this.affiliations(trx, type, undefined, req.chamber, "chamber", "affiliations", id);
        correction.chamber = related.chamber;
      }
      const codeChanges = correction.creditCode !== undefined && correction.creditCode !== before.creditCode;
      const typeChanges = correction.type !== undefined && correction.type !== before.type;
      return decideCorrection(
        before,
        { expectedRevision, ...correction },
        {
          roles: typeChanges ? await repo.typeBoundRoles(trx, id) : NO_ROLES,
          creditCodeHolder: codeChanges ? await repo.holderOf(trx, correction.creditCode!) : undefined,
        },
        ctx,
      );
    });
  }

  async updateContact(id: string, expectedRevision: number, contact: liaisonV1.LiaisonContact | undefined, reason: string, actor: Actor) {
    const why = reasonOf(reason);
    const contactId = contact?.contactId.trim().toLowerCase() ?? "";
    if (contact) assertUuid(contactId, "contact.contact_id");
    const organisation = await this.change("UpdateLiaisonContact", id, expectedRevision, actor, why, (before, ctx) =>
      decideUpdateContact(before, { expectedRevision, contactId, contact }, ctx),
    );
    return { organisation, contactId };
  }

  /** Sets the industry and memberships as they stand from now on. */
  updateAffiliations(id: string, expectedRevision: number, affiliations: AffiliationsRequest, reason: string, actor: Actor) {
    const why = reasonOf(reason);
    return this.change("UpdateAffiliations", id, expectedRevision, actor, why, async (before, ctx, trx) => {
      const related = await this.affiliations(trx, before.type, affiliations, undefined, "chamber", "affiliations", id);
      return decideAffiliations(before, { expectedRevision, affiliations: related }, ctx);
    });
  }

  reactivate(id: string, expectedRevision: number, reason: string, actor: Actor): Promise<Organisation> {
    const v = new Violations();
    const why = textField(v, "reason", reason, { required: true, max: REASON_MAX });
    v.throwIfAny();
    return this.change("ReactivateOrganisation", id, expectedRevision, actor, why, (before, ctx) =>
      decideReactivation(before, { expectedRevision }, ctx),
    );
  }

  /** Moves an organisation to another node's registry (see decideMove). */
  move(id: string, expectedRevision: number, to: string, jurisdictionCode: string, reason: string, actor: Actor): Promise<Organisation> {
    const v = new Violations();
    const why = textField(v, "reason", reason, { required: true, max: REASON_MAX });
    v.throwIfAny();
    return this.change("MoveOrganisation", id, expectedRevision, actor, why, async (before, ctx, trx) => {
      const target = validateMove(this.kit.here, to, jurisdictionCode, before.jurisdictionCode);
      return decideMove(before, { expectedRevision, ...target }, await repo.moveBlockers(trx, id), ctx);
    });
  }

  /**
   * At the receiving node: an organisation moved here from the other node's registry. Registered
   * under the same id and revision, audited as the mover's change, and announced on this node's
   * registry stream. A repeat changes nothing; a credit code another organisation holds here
   * refuses it (dead-lettered: correct or deactivate one of them at either node and move again).
   */
  async onOrganisationMoved(event: ReceivedEvent<liaisonEventsV1.OrganisationMoved>, trx: Knex.Transaction): Promise<void> {
    const e = event.data;
    const from = parseEventSource(event.source)?.node ?? "";
    const organisation = organisationFromProto(e.organisation);
    if (organisation.organisationId !== e.organisationId.toLowerCase())
      throw new InvalidArgumentError([{ field: "data.organisation.organisation_id", description: "must equal data.organisation_id" }]);
    const existing = await repo.load(trx, organisation.organisationId, true);
    const codes = [...(organisation.memberOf ?? []), ...(organisation.chamber ? [organisation.chamber] : [])].map((r) => r.creditCode);
    const now = this.kit.now();
    const by = attributionFromEvent(e.audit, from);
    const ctx: RegistryContext = {
      here: this.kit.here,
      now,
      newId: () => this.kit.newId(),
      // The events carry the mover's audit: who moved it, why, when, at which node.
      audit: e.audit ? { ...e.audit, occurTime: e.audit.occurTime ?? event.time } : this.kit.auditMetadata(by, now),
    };
    const decision = decideArrival(
      existing,
      { organisation, from, to: e.toRegistryJurisdictionCode, previousJurisdiction: e.previousJurisdictionCode },
      { holder: await repo.holderOf(trx, organisation.creditCode), here: await repo.heldByCreditCodes(trx, codes) },
      ctx,
    );
    if (!decision) return; // a repeat
    // The revision is the organisation's own, carried across nodes, not this node's next one.
    await store.save(trx, decision.state, existing);
    await this.kit.record(
      trx,
      { type: store.type, id: organisation.organisationId, revision: decision.state.revision },
      decision.action,
      by,
      decision.events,
      now,
    );
    this.kit.logger.info({ organisation_id: organisation.organisationId, from }, "organisation moved here from another node's registry");
  }

  async list(filter: OrganisationFilter & { memberOfCreditCode?: string }, pageSize: number, pageToken: string) {
    const v = new Violations();
    if (filter.jurisdictionCode !== undefined && !isJurisdictionCode(filter.jurisdictionCode))
      v.add("filter.jurisdiction_code", "must be 120000 or one of the 16 district codes of Tianjin");
    if (filter.text !== undefined && [...filter.text].length > 200) v.add("filter.text", "must be at most 200 characters");
    if (filter.industrySection !== undefined && !/^[A-T]$/.test(filter.industrySection))
      v.add("filter.industry_section", "must be a GB/T 4754 section letter, A to T");
    if (filter.memberOfOrganisationId !== undefined && !isUuid(filter.memberOfOrganisationId))
      v.add("filter.member_of_organisation_id", "must be a UUID");
    const { memberOfCreditCode, ...rest } = filter;
    if (memberOfCreditCode !== undefined) {
      const [of] = await resolveOrganisationNames(this.kit.db, v, [
        {
          idField: "filter.member_of_organisation_id",
          creditCodeField: "filter.member_of_credit_code",
          organisationId: filter.memberOfOrganisationId ?? "",
          creditCode: memberOfCreditCode,
        },
      ]);
      rest.memberOfOrganisationId = of;
    }
    filter = rest;
    const page = readPageRequest(v, filter, pageSize, pageToken, textCursor);
    v.throwIfAny();
    const result = await this.kit.snapshot((s) => repo.list(s, filter, page.size + 1, page.after));
    const { items, nextPageToken } = pageOf(result.items, page, (i) => ({ key: i.key, id: i.organisation.organisationId }));
    return { items: items.map((i) => i.organisation), nextPageToken, totalSize: result.total };
  }

  /** One change to an organisation, at most once per request id: lock, decide, apply. */
  private change(
    method: string,
    id: string,
    expectedRevision: number,
    actor: Actor,
    reason: string,
    decide: (before: Organisation, ctx: RegistryContext, trx: Knex.Transaction) => Decision<Organisation> | Promise<Decision<Organisation>>,
  ): Promise<Organisation> {
    assertUuid(id, "organisation_id");
    return this.kit.change(
      `${method}:${id}`,
      actor,
      id,
      async (trx) => {
        const before = await repo.load(trx, id, true);
        if (!before) throw new NotFoundError("organisation", id);
        const ctx = this.context(actor, reason);
        const decision = await decide(before, ctx, trx);
        return this.kit.apply(trx, store, before, decision, { actor, reason }, expectedRevision, ctx.now);
      },
      (x, trx) => this.view(x, trx),
    );
  }

  /**
   * Resolves and checks the industry, memberships and chamber a request names (by id or credit
   * code), reading the named organisations locked against a concurrent deactivation.
   */
  private async affiliations(
    trx: Knex.Transaction,
    type: OrganisationType,
    a: AffiliationsRequest,
    chamber: OrganisationKeyRequest,
    chamberField: string,
    prefix: string,
    self?: string,
  ): Promise<ValidAffiliations> {
    const v = new Violations();
    const keys = a?.memberOf ?? [];
    if (keys.length > 200) {
      v.add(`${prefix}.member_of`, "too many memberships");
      v.throwIfAny();
    }
    const names: OrganisationName[] = keys.map((k, i) => ({
      idField: `${prefix}.member_of[${i}].organisation_id`,
      creditCodeField: `${prefix}.member_of[${i}].credit_code`,
      organisationId: k.organisationId,
      creditCode: k.creditCode,
    }));
    if (chamber)
      names.push({
        idField: `${chamberField}.organisation_id`,
        creditCodeField: `${chamberField}.credit_code`,
        organisationId: chamber.organisationId,
        creditCode: chamber.creditCode,
      });
    names.forEach((n) => {
      if (n.organisationId.trim() && !isUuid(n.organisationId.trim())) v.add(n.idField, "must be a UUID");
    });
    v.throwIfAny();
    const ids = await resolveOrganisationNames(trx, v, names);
    v.throwIfAny();
    const named = await findOrganisations(
      trx,
      ids.filter((id) => id !== ""),
      true,
    );
    const input: AffiliationsInput = { industry: a?.industry, memberOf: ids.slice(0, keys.length) };
    const chamberId = chamber ? ids[keys.length]! : "";
    return checkAffiliations(
      type,
      input,
      chamber || type === "MEDIATION_COMMITTEE" ? { field: chamberField, organisationId: chamberId } : undefined,
      named,
      { industry: `${prefix}.industry`, memberOf: `${prefix}.member_of` },
      self,
    );
  }

  private context(actor: Actor, reason: string): RegistryContext {
    const now = this.kit.now();
    return { here: this.kit.here, now, newId: () => this.kit.newId(), audit: this.kit.auditMetadata({ actor, reason }, now) };
  }
}

function reasonOf(reason: string): string {
  const v = new Violations();
  const why = textField(v, "reason", reason, { max: REASON_MAX });
  v.throwIfAny();
  return why;
}
