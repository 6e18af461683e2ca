import { withCheckCharacter } from "@jinlian/kernel";
import { FailedPreconditionError } from "@jinlian/chassis";
import { AbortedError, AlreadyExistsError, liaisonEvents, type Decision } from "@jinlian/chassis";
import { preconditionType, violatedFields } from "@jinlian/chassis/testing";
import { liaisonEventsV1 } from "@jinlian/proto";
import {
  assertChangeable,
  decideAddContact,
  decideAddDepartment,
  decideDeactivation,
  decideRegistration,
  decideRemoveContact,
  decideRemoveDepartment,
  decideRename,
  REGISTRY_LIMITS,
  validateContact,
  validateRegistration,
  type Organisation,
  type Registration,
  type RegistryContext,
} from "./registry";

const CHAMBER: Registration = {
  type: "CHAMBER_OF_COMMERCE",
  name: "和平区总商会",
  creditCode: withCheckCharacter("51120101MJ7654321"),
  jurisdictionCode: "120101",
  departmentNames: ["秘书处"],
};

/** The fields named by the INVALID_ARGUMENT that `fn` must throw. */
function violations(fn: () => unknown): string[] {
  const fields = violatedFields(fn);
  if (fields.length === 0) throw new Error("expected INVALID_ARGUMENT");
  return fields;
}

describe("given a registration at the municipal node", () => {
  it("when everything is valid, then it is accepted with trimmed name and upper-cased code", () => {
    const valid = validateRegistration({ ...CHAMBER, name: " 和平区总商会 ", creditCode: CHAMBER.creditCode.toLowerCase() }, "120000");
    expect(valid).toEqual({ ...CHAMBER, departmentNames: ["秘书处"] });
  });

  it("when the credit code's check character is wrong, then credit_code is named", () => {
    const spoilt = CHAMBER.creditCode.slice(0, 17) + (CHAMBER.creditCode.endsWith("0") ? "1" : "0");
    expect(violations(() => validateRegistration({ ...CHAMBER, creditCode: spoilt }, "120000"))).toEqual(["credit_code"]);
  });

  it("when the type is missing and the jurisdiction is outside Tianjin, then both are named", () => {
    expect(violations(() => validateRegistration({ ...CHAMBER, type: undefined, jurisdictionCode: "110101" }, "120000")).sort()).toEqual([
      "jurisdiction_code",
      "type",
    ]);
  });

  it("when two departments share a name, then the second is named", () => {
    expect(violations(() => validateRegistration({ ...CHAMBER, departmentNames: ["秘书处", " 秘书处"] }, "120000"))).toEqual([
      "department_names[1]",
    ]);
  });
});

describe("given a registration at a district node", () => {
  it("when the organisation belongs to that district, then it is accepted", () => {
    expect(validateRegistration(CHAMBER, "120101").jurisdictionCode).toBe("120101");
  });

  it("when the organisation belongs to another district, then jurisdiction_code is named", () => {
    expect(violations(() => validateRegistration(CHAMBER, "120102"))).toEqual(["jurisdiction_code"]);
  });
});

describe("given a liaison contact", () => {
  const departments = ["d-1"];
  it("when it has a phone number, then no e-mail is needed", () => {
    expect(validateContact({ name: "张三", title: "", departmentId: "d-1", phone: "+86 22-2345-6789", email: "" }, departments).phone).toBe(
      "+86 22-2345-6789",
    );
  });

  it("when it has neither phone nor e-mail, then contact.phone says one is required", () => {
    expect(violations(() => validateContact({ name: "张三", title: "", departmentId: "", phone: "", email: "" }, departments))).toEqual([
      "contact.phone",
    ]);
  });

  it("when its department is not one of the organisation's, then contact.department_id is named", () => {
    expect(
      violations(() => validateContact({ name: "张三", title: "", departmentId: "d-9", phone: "", email: "a@b.cn" }, departments)),
    ).toEqual(["contact.department_id"]);
  });
});

describe("given a deactivated organisation", () => {
  it("when anything would change it, then it is a failed precondition", () => {
    expect(() => assertChangeable("o-1", "DEACTIVATED")).toThrow(FailedPreconditionError);
    expect(() => assertChangeable("o-1", "ACTIVE")).not.toThrow();
  });
});

// ---- decisions: given an organisation, when a command, then this state and these events ----

const NOW = new Date("2026-03-01T08:00:00Z");
const AUDIT = { actor: "registrar", reason: "annual review", requestId: "req-1", occurTime: NOW, jurisdictionCode: "120000" };

/** A context whose ids are id-1, id-2, … in the order the decision asks for them. */
function context(): RegistryContext {
  let n = 0;
  return { here: "120000", now: NOW, newId: () => `id-${++n}`, audit: AUDIT };
}

const heping: Organisation = {
  organisationId: "o-1",
  type: "CHAMBER_OF_COMMERCE",
  name: "和平区总商会",
  creditCode: CHAMBER.creditCode,
  jurisdictionCode: "120101",
  status: "ACTIVE",
  revision: 3,
  createdAt: new Date("2026-01-01T00:00:00Z"),
  updatedAt: new Date("2026-02-01T00:00:00Z"),
  departments: [
    { departmentId: "d-1", name: "秘书处", position: 0 },
    { departmentId: "d-2", name: "法律部", position: 4 },
  ],
  contacts: [{ contactId: "c-1", name: "张三", title: "", departmentId: "d-2", phone: "022-23456789", email: "", position: 0 }],
};

/** The one event of a decision: its type, key and destinations, and its payload decoded as published. */
function onlyEvent<T>(d: Decision<Organisation>, codec: { decode(b: Uint8Array): T; encode(m: T): { finish(): Uint8Array } }) {
  expect(d.events).toHaveLength(1);
  const e = d.events[0]!;
  return { type: e.descriptor.type, subject: e.subject, to: e.to, data: codec.decode(codec.encode(e.data as T).finish()) };
}

const refusal = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error("expected a refusal");
};

describe("given a valid registration", () => {
  const valid = validateRegistration(CHAMBER, "120000");

  it("when its credit code is free, then the organisation is active at revision 1 and announced on the registry stream", () => {
    const d = decideRegistration("org-1", { ...valid, departmentNames: ["秘书处", "法律部"] }, undefined, context());
    expect(d.action).toBe("RegisterOrganisation");
    expect(d.state).toMatchObject({ organisationId: "org-1", status: "ACTIVE", revision: 1, createdAt: NOW, updatedAt: NOW, contacts: [] });
    expect(d.state.departments).toEqual([
      { departmentId: "id-1", name: "秘书处", position: 0 },
      { departmentId: "id-2", name: "法律部", position: 1 },
    ]);
    const e = onlyEvent(d, liaisonEventsV1.OrganisationRegistered);
    expect(e.type).toBe(liaisonEvents.organisationRegistered.type);
    expect(e.subject).toBe("org-1");
    expect(e.to).toEqual([{ local: "registry" }]);
    expect(e.data.organisation).toMatchObject({
      organisationId: "org-1",
      revision: 1,
      name: "和平区总商会",
      registryJurisdictionCode: "120000",
    });
    expect(e.data.audit).toEqual(AUDIT);
  });

  it("when its credit code is held already, then it already exists", () => {
    expect(
      refusal(() => decideRegistration("org-2", valid, { organisationId: "o-9", name: "某商会", status: "ACTIVE" }, context())),
    ).toBeInstanceOf(AlreadyExistsError);
  });
});

describe("given an active organisation at revision 3", () => {
  it("when renamed, then it is at revision 4, updated now, and OrganisationUpdated(DETAILS) carries it", () => {
    const d = decideRename(heping, { expectedRevision: 3, name: "和平区工商联合会" }, context());
    expect(d.action).toBe("UpdateOrganisation");
    expect(d.state).toMatchObject({ name: "和平区工商联合会", revision: 4, updatedAt: NOW, createdAt: heping.createdAt });
    const e = onlyEvent(d, liaisonEventsV1.OrganisationUpdated);
    expect(e.type).toBe(liaisonEvents.organisationUpdated.type);
    expect(e.subject).toBe("o-1");
    expect(e.data.change).toBe(liaisonEventsV1.OrganisationChange.ORGANISATION_CHANGE_DETAILS);
    expect(e.data.organisation).toMatchObject({ name: "和平区工商联合会", revision: 4 });
  });

  it("when a change names another revision, then it is aborted; 0 skips the check", () => {
    expect(refusal(() => decideRename(heping, { expectedRevision: 2, name: "x" }, context()))).toBeInstanceOf(AbortedError);
    expect(decideRename(heping, { expectedRevision: 0, name: "x" }, context()).state.revision).toBe(4);
  });

  it("when a department is added, then it comes after the last one (gaps kept) with a new id", () => {
    const d = decideAddDepartment(heping, { expectedRevision: 0, name: "会员部" }, context());
    expect(d.state.departments.at(-1)).toEqual({ departmentId: "id-1", name: "会员部", position: 5 });
    expect(onlyEvent(d, liaisonEventsV1.OrganisationUpdated).data.change).toBe(
      liaisonEventsV1.OrganisationChange.ORGANISATION_CHANGE_DEPARTMENT_ADDED,
    );
  });

  it("when a department of the same name is added, then it already exists", () => {
    expect(refusal(() => decideAddDepartment(heping, { expectedRevision: 0, name: "秘书处" }, context()))).toBeInstanceOf(
      AlreadyExistsError,
    );
  });

  it("when it has as many departments as allowed, then one more is a failed precondition (LIMIT)", () => {
    const full: Organisation = {
      ...heping,
      departments: Array.from({ length: REGISTRY_LIMITS.departmentsPerOrganisation }, (_, i) => ({
        departmentId: `d-${i}`,
        name: `部${i}`,
        position: i,
      })),
    };
    expect(preconditionType(() => decideAddDepartment(full, { expectedRevision: 0, name: "会员部" }, context()))).toBe("LIMIT");
  });

  it("when a department is removed, then its contacts stay, belonging to no department", () => {
    const d = decideRemoveDepartment(heping, { expectedRevision: 3, departmentId: "d-2" }, [], context());
    expect(d.action).toBe("RemoveDepartment");
    expect(d.state.departments.map((x) => x.departmentId)).toEqual(["d-1"]);
    expect(d.state.contacts).toEqual([{ ...heping.contacts[0], departmentId: "" }]);
    const e = onlyEvent(d, liaisonEventsV1.OrganisationUpdated);
    expect(e.data.change).toBe(liaisonEventsV1.OrganisationChange.ORGANISATION_CHANGE_DEPARTMENT_REMOVED);
    expect(e.data.organisation!.contacts[0]!.departmentId).toBe("");
  });

  it("when the department removed is not its own, then department_id is named", () => {
    expect(violations(() => decideRemoveDepartment(heping, { expectedRevision: 0, departmentId: "d-9" }, [], context()))).toEqual([
      "department_id",
    ]);
  });

  it("when a mechanism names the department as responsible, then removing it is a failed precondition", () => {
    expect(preconditionType(() => decideRemoveDepartment(heping, { expectedRevision: 0, departmentId: "d-2" }, ["m-1"], context()))).toBe(
      "RESPONSIBLE_DEPARTMENT",
    );
  });

  it("when a contact is added, then it comes last, with a new id the decision names", () => {
    const contact = { name: " 李四 ", title: "秘书长", departmentId: "d-1", phone: "", email: "li@example.cn" };
    const d = decideAddContact(heping, { expectedRevision: 3, contact }, context());
    expect(d.action).toBe("AddLiaisonContact");
    expect(d.contactId).toBe("id-1");
    expect(d.state.contacts.at(-1)).toEqual({ ...contact, name: "李四", contactId: "id-1", position: 1 });
    expect(onlyEvent(d, liaisonEventsV1.OrganisationUpdated).data.change).toBe(
      liaisonEventsV1.OrganisationChange.ORGANISATION_CHANGE_CONTACT_ADDED,
    );
  });

  it("when a contact without any way to reach them is added, then contact.phone is named", () => {
    const contact = { name: "李四", title: "", departmentId: "", phone: "", email: "" };
    expect(violations(() => decideAddContact(heping, { expectedRevision: 0, contact }, context()))).toEqual(["contact.phone"]);
  });

  it("when a contact is removed, then it is gone; one of another organisation names contact_id", () => {
    const d = decideRemoveContact(heping, { expectedRevision: 0, contactId: "c-1" }, context());
    expect(d.state.contacts).toEqual([]);
    expect(onlyEvent(d, liaisonEventsV1.OrganisationUpdated).data.change).toBe(
      liaisonEventsV1.OrganisationChange.ORGANISATION_CHANGE_CONTACT_REMOVED,
    );
    expect(violations(() => decideRemoveContact(heping, { expectedRevision: 0, contactId: "c-9" }, context()))).toEqual(["contact_id"]);
  });

  it("when deactivated, then it is DEACTIVATED at revision 4 and OrganisationDeactivated carries it", () => {
    const d = decideDeactivation(heping, { expectedRevision: 3 }, context());
    expect(d.action).toBe("DeactivateOrganisation");
    expect(d.state).toMatchObject({ status: "DEACTIVATED", revision: 4, updatedAt: NOW });
    const e = onlyEvent(d, liaisonEventsV1.OrganisationDeactivated);
    expect(e.type).toBe(liaisonEvents.organisationDeactivated.type);
    expect(e.data.organisation).toMatchObject({ status: 2, revision: 4 });
  });
});

describe("given a deactivated organisation, when any change is decided", () => {
  const gone: Organisation = { ...heping, status: "DEACTIVATED" };
  it("then it is refused as deactivated, before the revision is looked at", () => {
    const ctx = context();
    for (const decide of [
      () => decideRename(gone, { expectedRevision: 1, name: "x" }, ctx),
      () => decideAddDepartment(gone, { expectedRevision: 1, name: "x" }, ctx),
      () => decideRemoveDepartment(gone, { expectedRevision: 1, departmentId: "d-1" }, [], ctx),
      () => decideRemoveContact(gone, { expectedRevision: 1, contactId: "c-1" }, ctx),
      () => decideDeactivation(gone, { expectedRevision: 1 }, ctx),
    ])
      expect(preconditionType(decide)).toBe("ORGANISATION_DEACTIVATED");
  });
});
