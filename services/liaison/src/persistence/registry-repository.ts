import type { Knex } from "knex";
import type { OrganisationStatus, OrganisationType } from "../domain/registry";

export interface OrganisationRow {
  organisation_id: string;
  type: OrganisationType;
  name: string;
  credit_code: string;
  jurisdiction_code: string;
  status: OrganisationStatus;
  revision: number;
  created_at: Date;
  updated_at: Date;
}

export interface DepartmentRow {
  department_id: string;
  organisation_id: string;
  name: string;
  position: number;
}

export interface ContactRow {
  contact_id: string;
  organisation_id: string;
  department_id: string | null;
  name: string;
  title: string;
  phone: string;
  email: string;
  position: number;
}

/** An organisation with its departments and contacts, as one aggregate. */
export interface OrganisationAggregate {
  row: OrganisationRow;
  departments: DepartmentRow[];
  contacts: ContactRow[];
}

type Db = Knex | Knex.Transaction;

export const registryRepository = {
  async find(db: Db, id: string, forUpdate = false): Promise<OrganisationRow | undefined> {
    const q = db<OrganisationRow>("organisations").where({ organisation_id: id }).first();
    if (forUpdate) q.forUpdate();
    return (await q) as OrganisationRow | undefined;
  },

  async findByCreditCode(db: Db, creditCode: string): Promise<OrganisationRow | undefined> {
    return (await db<OrganisationRow>("organisations").where({ credit_code: creditCode }).first()) as OrganisationRow | undefined;
  },

  async aggregate(db: Db, row: OrganisationRow): Promise<OrganisationAggregate> {
    const [departments, contacts] = await Promise.all([
      db<DepartmentRow>("organisation_departments").where({ organisation_id: row.organisation_id }).orderBy("position"),
      db<ContactRow>("liaison_contacts").where({ organisation_id: row.organisation_id }).orderBy("position"),
    ]);
    return { row, departments: departments as DepartmentRow[], contacts: contacts as ContactRow[] };
  },

  /** Departments and contacts of many organisations at once (list pages). */
  async aggregates(db: Db, rows: readonly OrganisationRow[]): Promise<OrganisationAggregate[]> {
    const ids = rows.map((r) => r.organisation_id);
    if (ids.length === 0) return [];
    const [departments, contacts] = (await Promise.all([
      db<DepartmentRow>("organisation_departments").whereIn("organisation_id", ids).orderBy("position"),
      db<ContactRow>("liaison_contacts").whereIn("organisation_id", ids).orderBy("position"),
    ])) as [DepartmentRow[], ContactRow[]];
    return rows.map((row) => ({
      row,
      departments: departments.filter((d) => d.organisation_id === row.organisation_id),
      contacts: contacts.filter((c) => c.organisation_id === row.organisation_id),
    }));
  },

  /** Inserts unless the credit code is taken (also by a concurrent registration); false then. */
  async insert(trx: Knex.Transaction, row: OrganisationRow): Promise<boolean> {
    const inserted = await trx("organisations").insert(row).onConflict("credit_code").ignore().returning("organisation_id");
    return inserted.length > 0;
  },

  async update(trx: Knex.Transaction, id: string, patch: Partial<OrganisationRow>): Promise<void> {
    await trx("organisations").where({ organisation_id: id }).update(patch);
  },

  async insertDepartments(trx: Knex.Transaction, rows: DepartmentRow[]): Promise<void> {
    if (rows.length > 0) await trx("organisation_departments").insert(rows);
  },

  async deleteDepartment(trx: Knex.Transaction, departmentId: string): Promise<void> {
    await trx("organisation_departments").where({ department_id: departmentId }).delete();
  },

  async insertContact(trx: Knex.Transaction, row: ContactRow): Promise<void> {
    await trx("liaison_contacts").insert(row);
  },

  async deleteContact(trx: Knex.Transaction, contactId: string): Promise<void> {
    await trx("liaison_contacts").where({ contact_id: contactId }).delete();
  },

  /** Liaison mechanisms naming a department as responsible (art. 3). */
  async mechanismsNamingDepartment(trx: Knex.Transaction, departmentId: string): Promise<string[]> {
    const rows = (await trx("mechanisms")
      .where("justice_bureau_department_id", departmentId)
      .orWhere("federation_department_id", departmentId)
      .select("mechanism_id")) as { mechanism_id: string }[];
    return rows.map((r) => r.mechanism_id);
  },
};
