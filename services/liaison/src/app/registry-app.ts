import {
  AlreadyExistsError,
  containsPattern,
  type EventDescriptor,
  FailedPreconditionError,
  InvalidArgumentError,
  isJurisdictionCode,
  liaisonEvents,
  NotFoundError,
  pageOf,
  readPageRequest,
  textField,
  Violations,
} from "@jinlian/chassis";
import { liaisonV1 } from "@jinlian/proto";
import type { Knex } from "knex";
import {
  assertChangeable,
  departmentName,
  organisationName,
  REGISTRY_LIMITS,
  validateContact,
  validateRegistration,
  type ContactInput,
  type OrganisationStatus,
  type OrganisationType,
  type Registration,
} from "../domain/registry";
import { registryRepository as repo, type OrganisationAggregate, type OrganisationRow } from "../persistence/registry-repository";
import { organisationChangeCodec, organisationStatusCodec, organisationTypeCodec } from "./codecs";
import { assertId, checkRevision, REASON_MAX, type Actor, type LiaisonContext } from "./support";

export interface OrganisationFilter {
  type?: OrganisationType;
  jurisdictionCode?: string;
  text?: string;
  status?: OrganisationStatus;
}

type Change = "DETAILS" | "DEPARTMENT_ADDED" | "DEPARTMENT_REMOVED" | "CONTACT_ADDED" | "CONTACT_REMOVED";

/** The organisation as the contract shows it (also the state every registry event carries). */
export function organisationToProto(a: OrganisationAggregate, registryJurisdiction: string): liaisonV1.Organisation {
  const r = a.row;
  return {
    organisationId: r.organisation_id,
    type: organisationTypeCodec.toProto(r.type),
    name: r.name,
    creditCode: r.credit_code,
    jurisdictionCode: r.jurisdiction_code,
    departments: a.departments.map((d) => ({ departmentId: d.department_id, name: d.name })),
    contacts: a.contacts.map((c) => ({
      contactId: c.contact_id,
      name: c.name,
      title: c.title,
      departmentId: c.department_id ?? "",
      phone: c.phone,
      email: c.email,
    })),
    status: organisationStatusCodec.toProto(r.status),
    revision: r.revision,
    createTime: r.created_at,
    updateTime: r.updated_at,
    registryJurisdictionCode: registryJurisdiction,
  };
}

/**
 * Use cases of the registry of parties. Every change commits with an event on the node's
 * registry stream carrying the whole organisation, so other services can project from it.
 */
export class RegistryApp {
  constructor(private readonly ctx: LiaisonContext) {}

  private async load(db: Knex | Knex.Transaction, id: string, forUpdate = false): Promise<OrganisationRow> {
    assertId(id, "organisation_id");
    const row = await repo.find(db, id, forUpdate);
    if (!row) throw new NotFoundError("organisation", id);
    return row;
  }

  async view(id: string, db: Knex | Knex.Transaction = this.ctx.db): Promise<OrganisationAggregate> {
    return repo.aggregate(db, await this.load(db, id));
  }

  async register(input: Registration, reason: string, actor: Actor): Promise<OrganisationAggregate> {
    const valid = validateRegistration(input, this.ctx.here);
    const why = reasonOf(reason);
    return this.ctx.mutation(
      "RegisterOrganisation",
      actor,
      async (trx) => {
        const taken = () =>
          new AlreadyExistsError("organisation", valid.creditCode, `credit code ${valid.creditCode} is already registered`);
        if (await repo.findByCreditCode(trx, valid.creditCode)) throw taken();
        const now = this.ctx.now();
        const id = this.ctx.newId();
        const inserted = await repo.insert(trx, {
          organisation_id: id,
          type: valid.type,
          name: valid.name,
          credit_code: valid.creditCode,
          jurisdiction_code: valid.jurisdictionCode,
          status: "ACTIVE",
          revision: 1,
          created_at: now,
          updated_at: now,
        });
        // A concurrent registration of the same code won the unique index meanwhile.
        if (!inserted) throw taken();
        await repo.insertDepartments(
          trx,
          valid.departmentNames.map((name, position) => ({ department_id: this.ctx.newId(), organisation_id: id, name, position })),
        );
        await this.recorded(trx, id, "RegisterOrganisation", liaisonEvents.organisationRegistered, undefined, actor, why, now);
        return id;
      },
      (id, trx) => this.view(id, trx),
    );
  }

  async rename(id: string, expectedRevision: number, name: string, reason: string, actor: Actor): Promise<OrganisationAggregate> {
    const v = new Violations();
    const newName = organisationName(v, "name", name);
    const why = textField(v, "reason", reason, { max: REASON_MAX });
    v.throwIfAny();
    return this.change("UpdateOrganisation", id, expectedRevision, actor, why, "DETAILS", async (trx) => {
      await repo.update(trx, id, { name: newName });
    });
  }

  async addDepartment(
    id: string,
    expectedRevision: number,
    name: string,
    reason: string,
    actor: Actor,
  ): Promise<{ organisation: OrganisationAggregate; departmentId: string }> {
    const v = new Violations();
    const deptName = departmentName(v, "name", name);
    const why = textField(v, "reason", reason, { max: REASON_MAX });
    v.throwIfAny();
    const organisation = await this.change("AddDepartment", id, expectedRevision, actor, why, "DEPARTMENT_ADDED", async (trx, current) => {
      if (current.departments.some((d) => d.name === deptName))
        throw new AlreadyExistsError("department", deptName, `${current.row.name} already has a department "${deptName}"`);
      if (current.departments.length >= REGISTRY_LIMITS.departmentsPerOrganisation)
        throw new FailedPreconditionError([
          {
            type: "LIMIT",
            subject: `organisation/${id}`,
            description: `at most ${REGISTRY_LIMITS.departmentsPerOrganisation} departments`,
          },
        ]);
      const position = Math.max(-1, ...current.departments.map((d) => d.position)) + 1;
      await repo.insertDepartments(trx, [{ department_id: this.ctx.newId(), organisation_id: id, name: deptName, position }]);
    });
    return { organisation, departmentId: organisation.departments.find((d) => d.name === deptName)!.department_id };
  }

  async removeDepartment(id: string, expectedRevision: number, departmentId: string, reason: string, actor: Actor) {
    const v = new Violations();
    const why = textField(v, "reason", reason, { max: REASON_MAX });
    v.throwIfAny();
    assertId(departmentId, "department_id");
    return this.change("RemoveDepartment", id, expectedRevision, actor, why, "DEPARTMENT_REMOVED", async (trx, current) => {
      if (!current.departments.some((d) => d.department_id === departmentId))
        throw new InvalidArgumentError([{ field: "department_id", description: "is not a department of this organisation" }]);
      const naming = await repo.mechanismsNamingDepartment(trx, departmentId);
      if (naming.length > 0)
        throw new FailedPreconditionError(
          naming.map((m) => ({
            type: "RESPONSIBLE_DEPARTMENT",
            subject: `mechanism/${m}`,
            description: "the department is the responsible department of a liaison mechanism (art. 3)",
          })),
        );
      await repo.deleteDepartment(trx, departmentId);
    });
  }

  async addContact(
    id: string,
    expectedRevision: number,
    contact: ContactInput | undefined,
    reason: string,
    actor: Actor,
  ): Promise<{ organisation: OrganisationAggregate; contactId: string }> {
    const v = new Violations();
    const why = textField(v, "reason", reason, { max: REASON_MAX });
    v.throwIfAny();
    let contactId = "";
    const organisation = await this.change("AddLiaisonContact", id, expectedRevision, actor, why, "CONTACT_ADDED", async (trx, current) => {
      const valid = validateContact(
        contact,
        current.departments.map((d) => d.department_id),
      );
      if (current.contacts.length >= REGISTRY_LIMITS.contactsPerOrganisation)
        throw new FailedPreconditionError([
          { type: "LIMIT", subject: `organisation/${id}`, description: `at most ${REGISTRY_LIMITS.contactsPerOrganisation} contacts` },
        ]);
      contactId = this.ctx.newId();
      await repo.insertContact(trx, {
        contact_id: contactId,
        organisation_id: id,
        department_id: valid.departmentId || null,
        name: valid.name,
        title: valid.title,
        phone: valid.phone,
        email: valid.email,
        position: Math.max(-1, ...current.contacts.map((c) => c.position)) + 1,
      });
    });
    // A repeated request (same request id) did not run the change: answer with the newest contact.
    return { organisation, contactId: contactId || (organisation.contacts[organisation.contacts.length - 1]?.contact_id ?? "") };
  }

  async removeContact(id: string, expectedRevision: number, contactId: string, reason: string, actor: Actor) {
    const v = new Violations();
    const why = textField(v, "reason", reason, { max: REASON_MAX });
    v.throwIfAny();
    assertId(contactId, "contact_id");
    return this.change("RemoveLiaisonContact", id, expectedRevision, actor, why, "CONTACT_REMOVED", async (trx, current) => {
      if (!current.contacts.some((c) => c.contact_id === contactId))
        throw new InvalidArgumentError([{ field: "contact_id", description: "is not a liaison contact of this organisation" }]);
      await repo.deleteContact(trx, contactId);
    });
  }

  async deactivate(id: string, expectedRevision: number, reason: string, actor: Actor): Promise<OrganisationAggregate> {
    const v = new Violations();
    const why = textField(v, "reason", reason, { required: true, max: REASON_MAX });
    v.throwIfAny();
    return this.ctx.mutation(
      `DeactivateOrganisation:${id}`,
      actor,
      async (trx) => {
        const row = await this.load(trx, id, true);
        assertChangeable(id, row.status);
        checkRevision("organisation", id, row.revision, expectedRevision);
        const now = this.ctx.now();
        await repo.update(trx, id, { status: "DEACTIVATED", revision: row.revision + 1, updated_at: now });
        await this.recorded(trx, id, "DeactivateOrganisation", liaisonEvents.organisationDeactivated, undefined, actor, why, now);
        return id;
      },
      (x, trx) => this.view(x, trx),
    );
  }

  async list(filter: OrganisationFilter, pageSize: number, pageToken: string) {
    const v = new Violations();
    if (filter.jurisdictionCode !== undefined && !isJurisdictionCode(filter.jurisdictionCode))
      v.add("filter.jurisdiction_code", "must be 120000 or one of the 16 district codes of Tianjin");
    if (filter.text !== undefined && [...filter.text].length > 200) v.add("filter.text", "must be at most 200 characters");
    const page = readPageRequest(v, filter, pageSize, pageToken);
    v.throwIfAny();
    const db = this.ctx.db;
    const filtered = () => {
      const q = db<OrganisationRow>("organisations");
      if (filter.type) q.where("type", filter.type);
      if (filter.jurisdictionCode) q.where("jurisdiction_code", filter.jurisdictionCode);
      if (filter.status) q.where("status", filter.status);
      if (filter.text) {
        const t = filter.text;
        q.where((w) => w.whereILike("name", containsPattern(t)).orWhere("credit_code", t.toUpperCase()));
      }
      return q;
    };
    const [{ n }] = await filtered().count<{ n: string }[]>({ n: "*" });
    const q = filtered();
    if (page.after) q.whereRaw("(name, organisation_id::text) > (?, ?)", [page.after.key, page.after.id]);
    const rows = (await q.orderBy([{ column: "name" }, { column: "organisation_id" }]).limit(page.size + 1)) as OrganisationRow[];
    const { items, nextPageToken } = pageOf(rows, page, (r) => ({ key: r.name, id: r.organisation_id }));
    return { items: await repo.aggregates(db, items), nextPageToken, totalSize: Number(n) };
  }

  /** One change to an organisation: lock, check state and revision, change, bump, audit, publish. */
  private change(
    method: string,
    id: string,
    expectedRevision: number,
    actor: Actor,
    reason: string,
    change: Change,
    apply: (trx: Knex.Transaction, current: OrganisationAggregate) => Promise<void>,
  ): Promise<OrganisationAggregate> {
    assertId(id, "organisation_id");
    return this.ctx.mutation(
      `${method}:${id}`,
      actor,
      async (trx) => {
        const row = await this.load(trx, id, true);
        assertChangeable(id, row.status);
        checkRevision("organisation", id, row.revision, expectedRevision);
        await apply(trx, await repo.aggregate(trx, row));
        const now = this.ctx.now();
        await repo.update(trx, id, { revision: row.revision + 1, updated_at: now });
        await this.recorded(trx, id, method, liaisonEvents.organisationUpdated, change, actor, reason, now);
        return id;
      },
      (x, trx) => this.view(x, trx),
    );
  }

  /** The audit entry and the registry event of a change, with the organisation as it now stands. */
  private async recorded(
    trx: Knex.Transaction,
    id: string,
    method: string,
    descriptor: EventDescriptor<unknown>,
    change: Change | undefined,
    actor: Actor,
    reason: string,
    at: Date,
  ): Promise<void> {
    const organisation = organisationToProto(await this.view(id, trx), this.ctx.here);
    await this.ctx.audit(trx, {
      aggregateType: "organisation",
      aggregateId: id,
      action: method,
      revision: organisation.revision,
      actor,
      reason,
      at,
    });
    const audit = this.ctx.auditProto(actor, reason, at);
    const data = { organisationId: id, organisation, audit, ...(change ? { change: organisationChangeCodec.toProto(change) } : {}) };
    await this.ctx.emit(trx, descriptor as EventDescriptor<typeof data>, id, at, data, [this.ctx.localTopic("registry")]);
  }
}

function reasonOf(reason: string): string {
  const v = new Violations();
  const why = textField(v, "reason", reason, { max: REASON_MAX });
  v.throwIfAny();
  return why;
}
