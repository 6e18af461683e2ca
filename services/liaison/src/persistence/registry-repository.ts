import { containsPattern, keysetPage, type AggregateStore } from "@jinlian/chassis";
import type { Knex } from "knex";
import {
  creditCodeTaken,
  type Contact,
  type CreditCodeHolder,
  type Department,
  type Organisation,
  type OrganisationFilter,
  type OrganisationSnapshot,
  type OrganisationType,
  type RegistryStatus,
  type Related,
  type TypeBoundRoles,
} from "../domain/registry";

interface OrganisationRow {
  organisation_id: string;
  type: OrganisationType;
  name: string;
  credit_code: string;
  jurisdiction_code: string;
  status: RegistryStatus;
  revision: number;
  created_at: Date;
  updated_at: Date;
  moved_to: string | null;
  industry_section: string | null;
  industry_description: string;
  chamber_organisation_id: string | null;
}

interface MembershipRow {
  organisation_id: string;
  member_of_organisation_id: string;
  position: number;
}

interface DepartmentRow {
  department_id: string;
  organisation_id: string;
  name: string;
  position: number;
}

interface ContactRow {
  contact_id: string;
  organisation_id: string;
  department_id: string | null;
  name: string;
  title: string;
  phone: string;
  email: string;
  position: number;
}

type Db = Knex | Knex.Transaction;

function organisationOf(
  row: OrganisationRow,
  departments: readonly DepartmentRow[],
  contacts: readonly ContactRow[],
  memberOf: readonly Related[] = [],
  chamber?: Related,
): Organisation {
  return {
    organisationId: row.organisation_id,
    type: row.type,
    name: row.name,
    creditCode: row.credit_code,
    jurisdictionCode: row.jurisdiction_code,
    status: row.status,
    revision: row.revision,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    departments: departments.map((d) => ({ departmentId: d.department_id, name: d.name, position: d.position })),
    contacts: contacts.map((c) => ({
      contactId: c.contact_id,
      name: c.name,
      title: c.title,
      departmentId: c.department_id ?? "",
      phone: c.phone,
      email: c.email,
      position: c.position,
    })),
    industry: row.industry_section ? { section: row.industry_section, description: row.industry_description } : undefined,
    memberOf,
    chamber,
    movedTo: row.moved_to ?? "",
  };
}

function organisationRow(o: Organisation): OrganisationRow {
  return {
    organisation_id: o.organisationId,
    type: o.type,
    name: o.name,
    credit_code: o.creditCode,
    jurisdiction_code: o.jurisdictionCode,
    status: o.status,
    revision: o.revision,
    created_at: o.createdAt,
    updated_at: o.updatedAt,
    moved_to: o.movedTo || null,
    industry_section: o.industry?.section ?? null,
    industry_description: o.industry?.description ?? "",
    chamber_organisation_id: o.chamber?.organisationId || null,
  };
}

const relatedOf = (r: Pick<OrganisationRow, "organisation_id" | "credit_code" | "name" | "jurisdiction_code">): Related => ({
  organisationId: r.organisation_id,
  creditCode: r.credit_code,
  name: r.name,
  jurisdictionCode: r.jurisdiction_code,
});

const departmentRow = (organisationId: string, d: Department): DepartmentRow => ({
  department_id: d.departmentId,
  organisation_id: organisationId,
  name: d.name,
  position: d.position,
});

const contactRow = (organisationId: string, c: Contact): ContactRow => ({
  contact_id: c.contactId,
  organisation_id: organisationId,
  department_id: c.departmentId || null,
  name: c.name,
  title: c.title,
  phone: c.phone,
  email: c.email,
  position: c.position,
});

/** Departments, contacts, memberships and chambers of many organisations at once, in their order. */
async function withChildren(db: Db, rows: readonly OrganisationRow[]): Promise<Organisation[]> {
  const ids = rows.map((r) => r.organisation_id);
  if (ids.length === 0) return [];
  // One after another: the executor may be a transaction (one connection).
  const departments: DepartmentRow[] = await db<DepartmentRow>("organisation_departments")
    .whereIn("organisation_id", ids)
    .orderBy("position");
  const contacts: ContactRow[] = await db<ContactRow>("liaison_contacts").whereIn("organisation_id", ids).orderBy("position");
  const memberships: MembershipRow[] = await db<MembershipRow>("organisation_memberships")
    .whereIn("organisation_id", ids)
    .orderBy("position");
  // The organisations referred to, read once (names and codes as they stand now).
  const relatedIds = [
    ...new Set([...memberships.map((m) => m.member_of_organisation_id), ...rows.flatMap((r) => r.chamber_organisation_id ?? [])]),
  ];
  const related = new Map(
    relatedIds.length === 0
      ? []
      : (
          (await db("organisations")
            .whereIn("organisation_id", relatedIds)
            .select("organisation_id", "credit_code", "name", "jurisdiction_code")) as OrganisationRow[]
        ).map((r) => [r.organisation_id, relatedOf(r)]),
  );
  return rows.map((row) =>
    organisationOf(
      row,
      departments.filter((d) => d.organisation_id === row.organisation_id),
      contacts.filter((c) => c.organisation_id === row.organisation_id),
      memberships.filter((m) => m.organisation_id === row.organisation_id).flatMap((m) => related.get(m.member_of_organisation_id) ?? []),
      row.chamber_organisation_id ? related.get(row.chamber_organisation_id) : undefined,
    ),
  );
}

/** A unique violation on the credit code: a concurrent registration or correction took it. */
function isCreditCodeClash(err: unknown): boolean {
  const e = err as { code?: string; constraint?: string };
  return e.code === "23505" && (e.constraint ?? "").includes("credit_code");
}

export interface OrganisationPage {
  /** Each organisation with its sort key (the name), for the page token. */
  items: { organisation: Organisation; key: string }[];
  total: number;
}

/** Writes an organisation and its child rows; the audit trail knows it as "organisation". */
export const organisationStore: AggregateStore<Organisation> = {
  type: "organisation",
  id: (o) => o.organisationId,
  async save(trx, after, before) {
    const id = after.organisationId;
    if (!before) {
      const inserted = await trx("organisations")
        .insert(organisationRow(after))
        .onConflict("credit_code")
        .ignore()
        .returning("organisation_id");
      // A concurrent registration of the same code won the unique index meanwhile.
      if (inserted.length === 0) throw creditCodeTaken(after.creditCode);
    } else {
      const { organisation_id: _id, created_at: _created, ...changed } = organisationRow(after);
      try {
        // A savepoint, so that a clash leaves the caller's transaction usable for the error.
        await trx.transaction((sp) => sp("organisations").where({ organisation_id: id }).update(changed));
      } catch (err) {
        if (isCreditCodeClash(err)) throw creditCodeTaken(after.creditCode);
        throw err;
      }
    }
    // Children change by whole rows: removed ones are deleted, new ones inserted, others updated
    // where they differ (e.g. a contact whose department was removed).
    await syncChildren(
      trx,
      "organisation_departments",
      "department_id",
      (before?.departments ?? []).map((d) => departmentRow(id, d)),
      after.departments.map((d) => departmentRow(id, d)),
    );
    await syncChildren(
      trx,
      "liaison_contacts",
      "contact_id",
      (before?.contacts ?? []).map((c) => contactRow(id, c)),
      after.contacts.map((c) => contactRow(id, c)),
    );
    const ids = (o?: Organisation) => (o?.memberOf ?? []).map((m) => m.organisationId);
    if (JSON.stringify(ids(before)) !== JSON.stringify(ids(after))) {
      await trx("organisation_memberships").where({ organisation_id: id }).delete();
      if (ids(after).length > 0)
        await trx("organisation_memberships").insert(
          ids(after).map((m, position) => ({ organisation_id: id, member_of_organisation_id: m, position })),
        );
    }
  },
};

async function syncChildren<R extends object, K extends keyof R & string>(
  trx: Knex.Transaction,
  table: string,
  key: K,
  before: readonly R[],
  after: readonly R[],
): Promise<void> {
  const old = new Map(before.map((r) => [r[key], r]));
  const kept = new Set(after.map((r) => r[key]));
  const removed = before.filter((r) => !kept.has(r[key])).map((r) => r[key]);
  if (removed.length > 0)
    await trx(table)
      .whereIn(key, removed as string[])
      .delete();
  const added = after.filter((r) => !old.has(r[key]));
  if (added.length > 0) await trx(table).insert(added);
  for (const r of after) {
    const was = old.get(r[key]);
    if (was && JSON.stringify(was) !== JSON.stringify(r))
      await trx(table)
        .where({ [key]: r[key] })
        .update(r);
  }
}

export const registryRepository = {
  /** One organisation with its departments and contacts; `forUpdate` locks its row. */
  async load(db: Db, id: string, forUpdate = false): Promise<Organisation | undefined> {
    const q = db<OrganisationRow>("organisations").where({ organisation_id: id }).first();
    if (forUpdate) q.forUpdate();
    const row = (await q) as OrganisationRow | undefined;
    return row ? (await withChildren(db, [row]))[0] : undefined;
  },

  /** The organisation holding a credit code, if any, whatever its status. */
  async holderOf(db: Db, creditCode: string): Promise<CreditCodeHolder | undefined> {
    const row = (await db("organisations").where({ credit_code: creditCode }).first("organisation_id", "name", "status")) as
      Pick<OrganisationRow, "organisation_id" | "name" | "status"> | undefined;
    return row && { organisationId: row.organisation_id, name: row.name, status: row.status };
  },

  /** The organisations holding each of several credit codes, by code; codes nobody holds are absent. */
  async holdersOf(db: Db, creditCodes: readonly string[]): Promise<Map<string, string>> {
    if (creditCodes.length === 0) return new Map();
    const rows = (await db("organisations")
      .whereIn("credit_code", [...creditCodes])
      .select("credit_code", "organisation_id")) as {
      credit_code: string;
      organisation_id: string;
    }[];
    return new Map(rows.map((r) => [r.credit_code, r.organisation_id]));
  },

  /**
   * Identity, type, status and departments of one organisation, for the other liaison areas'
   * checks in their own transaction; `forShare` locks the row against a concurrent deactivation
   * until that transaction ends.
   */
  async snapshot(db: Db, id: string, forShare = false): Promise<OrganisationSnapshot | undefined> {
    return (await registryRepository.snapshots(db, [id], forShare)).get(id);
  },

  /**
   * The snapshots of several organisations in two queries, keyed by the ids as given (a UUID in
   * upper case finds its organisation too); unknown ids are absent. `forShare` locks their rows,
   * taken in id order so that concurrent readers cannot deadlock.
   */
  async snapshots(db: Db, ids: readonly string[], forShare = false): Promise<Map<string, OrganisationSnapshot>> {
    const found = new Map<string, OrganisationSnapshot>();
    const wanted = [...new Set(ids)];
    if (wanted.length === 0) return found;
    const q = db<OrganisationRow>("organisations").whereIn("organisation_id", wanted).orderBy("organisation_id");
    if (forShare) q.forShare();
    const rows = (await q) as OrganisationRow[];
    if (rows.length === 0) return found;
    const departments = (await db("organisation_departments")
      .whereIn(
        "organisation_id",
        rows.map((r) => r.organisation_id),
      )
      .orderBy("position")
      .select("organisation_id", "department_id", "name")) as { organisation_id: string; department_id: string; name: string }[];
    // PostgreSQL answers a uuid in lower case.
    const byId = new Map<string, OrganisationSnapshot>();
    for (const row of rows)
      byId.set(row.organisation_id, {
        organisationId: row.organisation_id,
        type: row.type,
        name: row.name,
        creditCode: row.credit_code,
        jurisdictionCode: row.jurisdiction_code,
        // A moved organisation takes no roles here, as a deactivated one.
        status: row.status === "MOVED" ? "DEACTIVATED" : row.status,
        revision: row.revision,
        departments: departments
          .filter((d) => d.organisation_id === row.organisation_id)
          .map((d) => ({ departmentId: d.department_id, name: d.name })),
      });
    for (const id of wanted) {
      const snapshot = byId.get(id.toLowerCase());
      if (snapshot) found.set(id, snapshot);
    }
    return found;
  },

  /** Up to `limit` organisations by (name, id) after a cursor, with the total under the filter. */
  async list(db: Db, filter: OrganisationFilter, limit: number, after?: { key: string; id: string }): Promise<OrganisationPage> {
    const filtered = () => {
      const q = db<OrganisationRow>("organisations");
      if (filter.type) q.where("type", filter.type);
      if (filter.jurisdictionCode) q.where("jurisdiction_code", filter.jurisdictionCode);
      if (filter.status) q.where("status", filter.status);
      else q.whereNot("status", "MOVED");
      if (filter.industrySection) q.where("industry_section", filter.industrySection);
      if (filter.memberOfOrganisationId) {
        const of = filter.memberOfOrganisationId;
        q.whereExists((e) =>
          e
            .from("organisation_memberships as m")
            .whereRaw("m.organisation_id = organisations.organisation_id")
            .where("m.member_of_organisation_id", of),
        );
      }
      if (filter.text) {
        const t = filter.text;
        q.where((w) => w.whereILike("name", containsPattern(t)).orWhere("credit_code", t.toUpperCase()));
      }
      return q;
    };
    const [{ n }] = await filtered().count<{ n: string }[]>({ n: "*" });
    const q = filtered();
    // The cursor's id is a uuid (registry-app checks it), compared as the uuid the order sorts by.
    keysetPage(q, { key: "name", id: "organisation_id", direction: "asc" }, after);
    const rows = (await q.limit(limit)) as OrganisationRow[];
    const organisations = await withChildren(db, rows);
    return { items: organisations.map((organisation) => ({ organisation, key: organisation.name })), total: Number(n) };
  },

  /** Liaison mechanisms naming a department as responsible (art. 3). */
  async mechanismsNamingDepartment(db: Db, departmentId: string): Promise<string[]> {
    const rows = (await db("mechanisms")
      .where("justice_bureau_department_id", departmentId)
      .orWhere("federation_department_id", departmentId)
      .select("mechanism_id")) as { mechanism_id: string }[];
    return rows.map((r) => r.mechanism_id);
  },

  /** The snapshots of the organisations this registry holds (not moved away) under several credit codes, by code. */
  async heldByCreditCodes(db: Db, creditCodes: readonly string[]): Promise<Map<string, OrganisationSnapshot>> {
    if (creditCodes.length === 0) return new Map();
    const rows = (await db("organisations")
      .whereIn("credit_code", [...new Set(creditCodes)])
      .whereNot("status", "MOVED")
      .select("organisation_id", "credit_code")) as { organisation_id: string; credit_code: string }[];
    const snapshots = await registryRepository.snapshots(
      db,
      rows.map((r) => r.organisation_id),
    );
    return new Map(rows.flatMap((r) => (snapshots.has(r.organisation_id) ? [[r.credit_code, snapshots.get(r.organisation_id)!]] : [])));
  },

  /** What binds an organisation's type at this node (see TypeBoundRoles). */
  async typeBoundRoles(db: Db, id: string): Promise<TypeBoundRoles> {
    const mechanisms = await registryRepository.mechanismsNaming(db, id);
    const consultations = await registryRepository.openConsultationsNaming(db, id);
    const members = await (db("organisation_memberships as m")
      .join("organisations as o", "o.organisation_id", "m.organisation_id")
      .where("m.member_of_organisation_id", id)
      .whereNot("o.status", "MOVED")
      .orderBy("o.name")
      .select("o.organisation_id", "o.name") as Promise<{ organisation_id: string; name: string }[]>);
    const committees = await (db("organisations")
      .where("chamber_organisation_id", id)
      .whereNot("status", "MOVED")
      .orderBy("name")
      .select("organisation_id", "name") as Promise<{ organisation_id: string; name: string }[]>);
    const named = (rows: { organisation_id: string; name: string }[]) =>
      rows.map((r) => ({ organisationId: r.organisation_id, name: r.name }));
    return { mechanisms, openConsultations: consultations, members: named(members), committees: named(committees) };
  },

  /**
   * What at this node still needs an organisation, so that it cannot move away: mechanisms naming
   * it, consultations not yet closed it attends or presents at, unfinished action items it owns,
   * research not yet concluded it leads or is invited to.
   */
  async moveBlockers(db: Db, id: string): Promise<{ subject: string; description: string }[]> {
    const mechanisms = await registryRepository.mechanismsNaming(db, id);
    const consultations = await registryRepository.openConsultationsNaming(db, id);
    const actionItems = await (db("action_items")
      .where("owner_organisation_id", id)
      .whereIn("status", ["OPEN", "IN_PROGRESS"])
      .pluck("action_item_id") as Promise<string[]>);
    const research = await (db("research_projects as r")
      .whereIn("r.status", ["PROPOSED", "ONGOING"])
      .where((w) =>
        w
          .where("r.lead_organisation_id", id)
          .orWhereExists((e) =>
            e
              .from("research_invitations as i")
              .whereRaw("i.research_id = r.research_id")
              .where("i.organisation_id", id)
              .whereIn("i.status", ["PENDING", "ACCEPTED"]),
          ),
      )
      .pluck("r.research_id") as Promise<string[]>);
    return [
      ...mechanisms.map((m) => ({ subject: `mechanism/${m}`, description: "the organisation is a party of this liaison mechanism" })),
      ...consultations.map((c) => ({
        subject: `consultation/${c}`,
        description: "the organisation takes part in this consultation, not yet closed",
      })),
      ...actionItems.map((a) => ({ subject: `action_item/${a}`, description: "the organisation owns this unfinished action item" })),
      ...research.map((r) => ({
        subject: `research/${r}`,
        description: "the organisation leads or is invited to this research, not yet concluded",
      })),
    ];
  },

  /** Liaison mechanisms naming an organisation as a party. */
  async mechanismsNaming(db: Db, id: string): Promise<string[]> {
    return (await db("mechanisms")
      .where("justice_bureau_organisation_id", id)
      .orWhere("federation_organisation_id", id)
      .orderBy("mechanism_id")
      .pluck("mechanism_id")) as string[];
  },

  /** Consultations planned or in progress an organisation attends or presents at. */
  async openConsultationsNaming(db: Db, id: string): Promise<string[]> {
    return (await db("consultations as c")
      .whereIn("c.status", ["PLANNED", "IN_PROGRESS"])
      .where((w) =>
        w
          .whereExists((e) =>
            e.from("consultation_attendees as a").whereRaw("a.consultation_id = c.consultation_id").where("a.organisation_id", id),
          )
          .orWhereExists((e) =>
            e
              .from("consultation_agenda_items as g")
              .whereRaw("g.consultation_id = c.consultation_id")
              .where("g.presenter_organisation_id", id),
          ),
      )
      .orderBy("c.consultation_id")
      .pluck("c.consultation_id")) as string[];
  },
};
