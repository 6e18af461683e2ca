/**
 * Corrections, reactivation, moves between nodes, industry and memberships of the registry of
 * parties: given an organisation, when a command, then this state and these events (or this
 * refusal, before anything changes).
 */
import { withCheckCharacter } from "@jinlian/kernel";
import { AbortedError, AlreadyExistsError, liaisonEvents, type Decision } from "@jinlian/chassis";
import { preconditionType, violatedFields } from "@jinlian/chassis/testing";
import { commonV1, liaisonEventsV1, liaisonV1 } from "@jinlian/proto";
import {
  checkAffiliations,
  decideArrival,
  decideCorrection,
  decideDeactivation,
  decideMove,
  decideReactivation,
  decideRegistration,
  decideUpdateContact,
  NO_ROLES,
  validateMove,
  validateRegistration,
  type Organisation,
  type OrganisationSnapshot,
  type RegistryContext,
} from "./registry";

const NOW = new Date("2026-03-01T08:00:00Z");
const AUDIT = { actor: "registrar", reason: "登记有误", requestId: "req-1", occurTime: NOW, jurisdictionCode: "120000" };
const context = (here = "120000"): RegistryContext => {
  let n = 0;
  return { here, now: NOW, newId: () => `id-${++n}`, audit: AUDIT };
};

const ENTERPRISE_CODE = withCheckCharacter("91120101MA0000001");
const enterprise: Organisation = {
  organisationId: "o-1",
  type: "ENTERPRISE",
  name: "天津某科技有限公司",
  creditCode: ENTERPRISE_CODE,
  jurisdictionCode: "120101",
  status: "ACTIVE",
  revision: 3,
  createdAt: new Date("2026-01-01T00:00:00Z"),
  updatedAt: new Date("2026-02-01T00:00:00Z"),
  departments: [{ departmentId: "d-1", name: "法务部", position: 0 }],
  contacts: [{ contactId: "c-1", name: "张三", title: "法务", departmentId: "d-1", phone: "022-23456789", email: "", position: 0 }],
  industry: { section: "C", description: "汽车零部件制造" },
  memberOf: [],
};

const snapshot = (
  id: string,
  type: OrganisationSnapshot["type"],
  status: OrganisationSnapshot["status"] = "ACTIVE",
): OrganisationSnapshot => ({
  organisationId: id,
  type,
  name: `${type} ${id}`,
  creditCode: withCheckCharacter(`51120101MJ${id.replace(/\D/g, "").padStart(7, "0")}`),
  jurisdictionCode: "120101",
  status,
  revision: 1,
  departments: [],
});
const chamber = snapshot("o-7", "CHAMBER_OF_COMMERCE");
const federation = snapshot("o-8", "FEDERATION");
const named = new Map(
  [chamber, federation, snapshot("o-9", "LAW_FIRM"), snapshot("o-6", "CHAMBER_OF_COMMERCE", "DEACTIVATED")].map((o) => [
    o.organisationId,
    o,
  ]),
);
const FIELDS = { industry: "affiliations.industry", memberOf: "affiliations.member_of" };

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

describe("given an organisation registered with a wrong type, name, credit code and jurisdiction", () => {
  const newCode = withCheckCharacter("91120102MA0000002");

  it("when corrected, then every changed field is named in OrganisationCorrected, at the next revision", () => {
    const d = decideCorrection(
      enterprise,
      { expectedRevision: 3, type: "CHAMBER_OF_COMMERCE", name: "河东区某商会", creditCode: newCode, jurisdictionCode: "120102" },
      { roles: NO_ROLES },
      context(),
    );
    expect(d.action).toBe("CorrectOrganisation");
    expect(d.state).toMatchObject({
      type: "CHAMBER_OF_COMMERCE",
      name: "河东区某商会",
      creditCode: newCode,
      jurisdictionCode: "120102",
      revision: 4,
    });
    // A chamber has an industry too: it stays.
    expect(d.state.industry).toEqual(enterprise.industry);
    const e = onlyEvent(d, liaisonEventsV1.OrganisationCorrected);
    expect(e.type).toBe(liaisonEvents.organisationCorrected.type);
    expect(e.to).toEqual([{ local: "registry" }]);
    expect(e.data.corrections).toEqual([
      { field: "type", before: "ENTERPRISE", after: "CHAMBER_OF_COMMERCE" },
      { field: "name", before: enterprise.name, after: "河东区某商会" },
      { field: "credit_code", before: ENTERPRISE_CODE, after: newCode },
      { field: "jurisdiction_code", before: "120101", after: "120102" },
    ]);
    expect(e.data.organisation).toMatchObject({
      creditCode: newCode,
      revision: 4,
      type: commonV1.OrganisationType.ORGANISATION_TYPE_CHAMBER_OF_COMMERCE,
    });
    expect(e.data.audit!.reason).toBe("登记有误");
  });

  it("when the type becomes one without an industry, then the industry goes and the correction says so", () => {
    const d = decideCorrection(enterprise, { expectedRevision: 0, type: "LAW_FIRM" }, { roles: NO_ROLES }, context());
    expect(d.state.industry).toBeUndefined();
    expect(onlyEvent(d, liaisonEventsV1.OrganisationCorrected).data.corrections.map((c) => c.field)).toEqual(["type", "industry"]);
  });

  it("when nothing given differs from the record, then it is INVALID_ARGUMENT", () => {
    expect(
      violatedFields(() => decideCorrection(enterprise, { expectedRevision: 3, name: enterprise.name }, { roles: NO_ROLES }, context())),
    ).toEqual(["organisation_id"]);
  });

  it("when the revision is stale, then it is ABORTED before any rule", () => {
    expect(refusal(() => decideCorrection(enterprise, { expectedRevision: 2 }, { roles: NO_ROLES }, context()))).toBeInstanceOf(
      AbortedError,
    );
  });

  it("when another organisation here holds the corrected credit code, then it already exists, naming the holder", () => {
    const err = refusal(() =>
      decideCorrection(
        enterprise,
        { expectedRevision: 0, creditCode: newCode },
        { roles: NO_ROLES, creditCodeHolder: { organisationId: "o-5", name: "旧企业", status: "DEACTIVATED" } },
        context(),
      ),
    ) as Error;
    expect(err).toBeInstanceOf(AlreadyExistsError);
    expect(err.message).toMatch(/旧企业 \(organisation\/o-5, deactivated: reactivate it/);
  });

  it("when it is deactivated, then it can still be corrected (the record must be right), but not once moved away", () => {
    const retired = decideDeactivation(enterprise, { expectedRevision: 0 }, context()).state;
    expect(decideCorrection(retired, { expectedRevision: 0, name: "正确名称" }, { roles: NO_ROLES }, context()).state.status).toBe(
      "DEACTIVATED",
    );
    const moved: Organisation = { ...enterprise, status: "MOVED", movedTo: "120102" };
    expect(preconditionType(() => decideCorrection(moved, { expectedRevision: 0, name: "x" }, { roles: NO_ROLES }, context()))).toBe(
      "ORGANISATION_MOVED",
    );
  });
});

describe("given an organisation holding roles bound to its type", () => {
  const bureau: Organisation = { ...enterprise, organisationId: "o-2", type: "JUSTICE_BUREAU", industry: undefined };

  it("when a justice bureau that is a mechanism's party and attends an open consultation gets another type, then each reference is named", () => {
    const err = refusal(() =>
      decideCorrection(
        bureau,
        { expectedRevision: 0, type: "FEDERATION" },
        { roles: { ...NO_ROLES, mechanisms: ["m-1"], openConsultations: ["k-1"] } },
        context(),
      ),
    ) as { violations: { type: string; subject: string }[] };
    expect(err.violations.map((v) => [v.type, v.subject])).toEqual([
      ["ORGANISATION_ROLE", "mechanism/m-1"],
      ["ORGANISATION_ROLE", "consultation/k-1"],
    ]);
  });

  it("when only its name is corrected, then its roles do not matter", () => {
    const d = decideCorrection(
      bureau,
      { expectedRevision: 0, name: "天津市司法局" },
      { roles: { ...NO_ROLES, mechanisms: ["m-1"] } },
      context(),
    );
    expect(d.state.name).toBe("天津市司法局");
  });

  it("when a chamber with members and a committee becomes an enterprise, then the members and the committee are named", () => {
    const aChamber: Organisation = { ...enterprise, type: "CHAMBER_OF_COMMERCE" };
    const err = refusal(() =>
      decideCorrection(
        aChamber,
        { expectedRevision: 0, type: "ENTERPRISE" },
        {
          roles: {
            ...NO_ROLES,
            members: [{ organisationId: "o-3", name: "会员企业" }],
            committees: [{ organisationId: "o-4", name: "调委会" }],
          },
        },
        context(),
      ),
    ) as { violations: { subject: string }[] };
    expect(err.violations.map((v) => v.subject)).toEqual(["organisation/o-3", "organisation/o-4"]);
  });

  it("when an enterprise that is a chamber's member becomes a chamber, then its own membership is named", () => {
    const member: Organisation = {
      ...enterprise,
      memberOf: [{ organisationId: "o-7", creditCode: chamber.creditCode, name: "商会", jurisdictionCode: "120101" }],
    };
    expect(
      preconditionType(() =>
        decideCorrection(member, { expectedRevision: 0, type: "CHAMBER_OF_COMMERCE" }, { roles: NO_ROLES }, context()),
      ),
    ).toBe("ORGANISATION_ROLE");
  });

  it("when a type becomes MEDIATION_COMMITTEE, then its chamber is required, and is set when given", () => {
    const lawFirm: Organisation = { ...enterprise, type: "LAW_FIRM", industry: undefined };
    expect(
      violatedFields(() => decideCorrection(lawFirm, { expectedRevision: 0, type: "MEDIATION_COMMITTEE" }, { roles: NO_ROLES }, context())),
    ).toEqual(["chamber"]);
    const related = { organisationId: "o-7", creditCode: chamber.creditCode, name: chamber.name, jurisdictionCode: "120101" };
    const d = decideCorrection(
      lawFirm,
      { expectedRevision: 0, type: "MEDIATION_COMMITTEE", chamber: related },
      { roles: NO_ROLES },
      context(),
    );
    expect(d.state.chamber).toEqual(related);
    expect(onlyEvent(d, liaisonEventsV1.OrganisationCorrected).data.corrections.at(-1)).toEqual({
      field: "chamber",
      before: "",
      after: chamber.creditCode,
    });
  });
});

describe("given a deactivated organisation", () => {
  const retired: Organisation = { ...enterprise, status: "DEACTIVATED" };

  it("when reactivated, then it is ACTIVE at the next revision and OrganisationReactivated carries it", () => {
    const d = decideReactivation(retired, { expectedRevision: 3 }, context());
    expect(d.state).toMatchObject({ status: "ACTIVE", revision: 4 });
    const e = onlyEvent(d, liaisonEventsV1.OrganisationReactivated);
    expect(e.type).toBe(liaisonEvents.organisationReactivated.type);
    expect(e.data.organisation!.status).toBe(liaisonV1.OrganisationStatus.ORGANISATION_STATUS_ACTIVE);
  });

  it("when an active one is reactivated, then it is a failed precondition; a stale revision is ABORTED first", () => {
    expect(preconditionType(() => decideReactivation(enterprise, { expectedRevision: 0 }, context()))).toBe("ORGANISATION_ACTIVE");
    expect(refusal(() => decideReactivation(enterprise, { expectedRevision: 1 }, context()))).toBeInstanceOf(AbortedError);
  });

  it("when its credit code is registered again, then ALREADY_EXISTS names the deactivated holder", () => {
    const valid = validateRegistration(
      { type: "ENTERPRISE", name: "新登记", creditCode: ENTERPRISE_CODE, jurisdictionCode: "120101", departmentNames: [] },
      "120000",
    );
    const err = refusal(() =>
      decideRegistration("org-1", valid, { organisationId: "o-1", name: enterprise.name, status: "DEACTIVATED" }, context()),
    ) as Error;
    expect(err).toBeInstanceOf(AlreadyExistsError);
    expect(err.message).toContain("organisation/o-1, deactivated");
  });
});

describe("given industry and memberships", () => {
  it("when an enterprise joins a chamber with an industry, then both are taken", () => {
    const a = checkAffiliations(
      "ENTERPRISE",
      { industry: { section: "c", description: " 制造 " }, memberOf: ["o-7"] },
      undefined,
      named,
      FIELDS,
    );
    expect(a.industry).toEqual({ section: "C", description: "制造" });
    expect(a.memberOf.map((m) => m.organisationId)).toEqual(["o-7"]);
  });

  it("when an enterprise names a federation, an unknown id and itself, then each is named", () => {
    expect(
      violatedFields(() => checkAffiliations("ENTERPRISE", { memberOf: ["o-8", "", "o-1"] }, undefined, named, FIELDS, "o-1")).sort(),
    ).toEqual(["affiliations.member_of[0]", "affiliations.member_of[1]", "affiliations.member_of[2]"]);
  });

  it("when a chamber joins two federations, a law firm joins anything, or has an industry, then it is INVALID_ARGUMENT", () => {
    expect(violatedFields(() => checkAffiliations("CHAMBER_OF_COMMERCE", { memberOf: ["o-8", "o-8"] }, undefined, named, FIELDS))).toEqual([
      "affiliations.member_of",
    ]);
    expect(violatedFields(() => checkAffiliations("LAW_FIRM", { memberOf: ["o-7"] }, undefined, named, FIELDS))).toEqual([
      "affiliations.member_of",
    ]);
    expect(
      violatedFields(() =>
        checkAffiliations("LAW_FIRM", { industry: { section: "L", description: "" }, memberOf: [] }, undefined, named, FIELDS),
      ),
    ).toEqual(["affiliations.industry"]);
    expect(
      violatedFields(() =>
        checkAffiliations("ENTERPRISE", { industry: { section: "Z", description: "" }, memberOf: [] }, undefined, named, FIELDS),
      ),
    ).toEqual(["affiliations.industry.section"]);
  });

  it("when the chamber joined is deactivated, then it is a failed precondition", () => {
    expect(preconditionType(() => checkAffiliations("ENTERPRISE", { memberOf: ["o-6"] }, undefined, named, FIELDS))).toBe(
      "ORGANISATION_DEACTIVATED",
    );
  });

  it("when a mediation committee has no chamber, or a law firm, then chamber is named; another type may not have one", () => {
    expect(
      violatedFields(() =>
        checkAffiliations("MEDIATION_COMMITTEE", { memberOf: [] }, { field: "chamber", organisationId: "" }, named, FIELDS),
      ),
    ).toEqual(["chamber"]);
    expect(
      violatedFields(() =>
        checkAffiliations("MEDIATION_COMMITTEE", { memberOf: [] }, { field: "chamber", organisationId: "o-9" }, named, FIELDS),
      ),
    ).toEqual(["chamber"]);
    expect(
      violatedFields(() => checkAffiliations("ENTERPRISE", { memberOf: [] }, { field: "chamber", organisationId: "o-7" }, named, FIELDS)),
    ).toEqual(["chamber"]);
    expect(
      checkAffiliations("MEDIATION_COMMITTEE", { memberOf: [] }, { field: "chamber", organisationId: "o-7" }, named, FIELDS).chamber
        ?.organisationId,
    ).toBe("o-7");
  });

  it("when a mediation committee is registered without a chamber, then the decision refuses it", () => {
    const valid = validateRegistration(
      { type: "MEDIATION_COMMITTEE", name: "调委会", creditCode: ENTERPRISE_CODE, jurisdictionCode: "120101", departmentNames: [] },
      "120000",
    );
    expect(violatedFields(() => decideRegistration("org-1", valid, undefined, context()))).toEqual(["chamber"]);
  });
});

describe("given a liaison contact with a wrong phone number", () => {
  it("when corrected, then it keeps its id and position, and OrganisationUpdated(CONTACT_UPDATED) carries it", () => {
    const d = decideUpdateContact(
      enterprise,
      {
        expectedRevision: 3,
        contactId: "c-1",
        contact: { name: "张三", title: "法务经理", departmentId: "d-1", phone: "022-87654321", email: "" },
      },
      context(),
    );
    expect(d.state.contacts).toEqual([
      { contactId: "c-1", name: "张三", title: "法务经理", departmentId: "d-1", phone: "022-87654321", email: "", position: 0 },
    ]);
    expect(onlyEvent(d, liaisonEventsV1.OrganisationUpdated).data.change).toBe(
      liaisonEventsV1.OrganisationChange.ORGANISATION_CHANGE_CONTACT_UPDATED,
    );
  });

  it("when the contact is not the organisation's, then contact.contact_id is named", () => {
    const contact = { name: "李四", title: "", departmentId: "", phone: "022-87654321", email: "" };
    expect(violatedFields(() => decideUpdateContact(enterprise, { expectedRevision: 0, contactId: "c-9", contact }, context()))).toEqual([
      "contact.contact_id",
    ]);
  });
});

describe("given a move between nodes", () => {
  it("when the city moves to a district, the jurisdiction becomes that district; a district moves to the city only", () => {
    expect(validateMove("120000", "120101", "", "120000")).toEqual({ to: "120101", jurisdictionCode: "120101" });
    expect(validateMove("120101", "120000", "", "120101")).toEqual({ to: "120000", jurisdictionCode: "120101" });
    expect(validateMove("120101", "120000", "120000", "120101")).toEqual({ to: "120000", jurisdictionCode: "120000" });
    expect(violatedFields(() => validateMove("120101", "120102", "", "120101"))).toEqual(["to_registry_jurisdiction_code"]);
    expect(violatedFields(() => validateMove("120000", "120000", "", "120000"))).toEqual(["to_registry_jurisdiction_code"]);
    expect(violatedFields(() => validateMove("120000", "120101", "120102", "120000"))).toEqual(["jurisdiction_code"]);
  });

  it("when an organisation moves, then it is MOVED here and OrganisationMoved goes to this node's registry and to the receiving node", () => {
    const d = decideMove(enterprise, { expectedRevision: 3, to: "120101", jurisdictionCode: "120101" }, [], context());
    expect(d.state).toMatchObject({ status: "MOVED", movedTo: "120101", revision: 4 });
    const e = onlyEvent(d, liaisonEventsV1.OrganisationMoved);
    expect(e.type).toBe(liaisonEvents.organisationMoved.type);
    expect(e.to).toEqual([{ local: "registry" }, { node: "120101" }]);
    expect(e.data).toMatchObject({
      fromRegistryJurisdictionCode: "120000",
      toRegistryJurisdictionCode: "120101",
      previousJurisdictionCode: "120101",
    });
    expect(e.data.organisation).toMatchObject({
      status: liaisonV1.OrganisationStatus.ORGANISATION_STATUS_MOVED,
      registryJurisdictionCode: "120101",
      revision: 4,
    });
  });

  it("when something at this node still needs it, then each blocker is named; a deactivated one does not move", () => {
    const blockers = [{ subject: "mechanism/m-1", description: "party" }];
    expect(
      preconditionType(() =>
        decideMove(enterprise, { expectedRevision: 0, to: "120101", jurisdictionCode: "120101" }, blockers, context()),
      ),
    ).toBe("ORGANISATION_ROLE");
    expect(
      preconditionType(() =>
        decideMove(
          { ...enterprise, status: "DEACTIVATED" },
          { expectedRevision: 0, to: "120101", jurisdictionCode: "120101" },
          [],
          context(),
        ),
      ),
    ).toBe("ORGANISATION_DEACTIVATED");
  });

  const sent = decideMove(
    {
      ...enterprise,
      memberOf: [{ organisationId: "city-chamber", creditCode: chamber.creditCode, name: "市商会", jurisdictionCode: "120000" }],
    },
    { expectedRevision: 0, to: "120101", jurisdictionCode: "120101" },
    [],
    context(),
  ).state;
  const arrival = { organisation: sent, from: "120000", to: "120101", previousJurisdiction: "120101" };

  it("when it arrives, then it is ACTIVE under the same id and revision, its memberships re-resolved by credit code, announced locally", () => {
    const d = decideArrival(undefined, arrival, { here: new Map([[chamber.creditCode, chamber]]) }, context("120101"))!;
    expect(d.action).toBe("OrganisationMovedIn");
    expect(d.state).toMatchObject({ organisationId: "o-1", status: "ACTIVE", movedTo: "", revision: 4, jurisdictionCode: "120101" });
    expect(d.state.memberOf!.map((m) => m.organisationId)).toEqual(["o-7"]);
    const e = onlyEvent(d, liaisonEventsV1.OrganisationMoved);
    expect(e.to).toEqual([{ local: "registry" }]);
    expect(e.data.organisation).toMatchObject({
      registryJurisdictionCode: "120101",
      status: liaisonV1.OrganisationStatus.ORGANISATION_STATUS_ACTIVE,
    });
  });

  it("when memberships name organisations this registry does not hold, then they are dropped", () => {
    expect(decideArrival(undefined, arrival, { here: new Map() }, context("120101"))!.state.memberOf).toEqual([]);
  });

  it("when it arrives again (a repeat), then nothing is decided; at the wrong node or held by another here, it is refused", () => {
    expect(decideArrival({ ...sent, status: "MOVED", revision: 4 }, arrival, { here: new Map() }, context("120101"))).toBeUndefined();
    expect(violatedFields(() => decideArrival(undefined, arrival, { here: new Map() }, context("120102")))).toEqual([
      "data.to_registry_jurisdiction_code",
      "data.organisation.jurisdiction_code",
    ]);
    expect(
      refusal(() =>
        decideArrival(
          undefined,
          arrival,
          { holder: { organisationId: "o-5", name: "重复", status: "ACTIVE" }, here: new Map() },
          context("120101"),
        ),
      ),
    ).toBeInstanceOf(AlreadyExistsError);
  });

  it("when it comes back to a node it left, then the record kept there as MOVED is revived at the newer revision", () => {
    const kept: Organisation = { ...enterprise, status: "MOVED", movedTo: "120000", revision: 2 };
    const d = decideArrival(kept, arrival, { here: new Map() }, context("120101"))!;
    expect(d.state).toMatchObject({ status: "ACTIVE", revision: 4, createdAt: kept.createdAt });
  });
});
