/**
 * The registry of parties over gRPC at one node, against real Kafka and PostgreSQL: registration
 * with credit-code validation, departments and contacts, optimistic concurrency, deactivation,
 * the audit trail, and one event per change on the node's registry stream.
 */
import { withCheckCharacter } from "@jinlian/kernel";
import { status } from "@grpc/grpc-js";
import { deadLetterTopic, ensureTopics, liaisonEvents, localTopic, Subscriber, type ReceivedEvent } from "@jinlian/chassis";
import { commonV1, liaisonEventsV1, liaisonV1 } from "@jinlian/proto";
import { Kafka, logLevel } from "kafkajs";
import { kafkaBrokers, uniqueNamespace, waitFor } from "../harness/kafka";
import { answersCheckedAgainstReads } from "../support/answers";
import { query } from "../support/db";
import { healthCheck, reflectedServices } from "../support/grpc-introspection";
import { readsDuring } from "../support/concurrent-reads";
import { creditCodeFor, OrgType, registerMechanismParties, registerParty } from "../support/liaison-fixtures";
import { startTestNode, statusOf, type TestNode } from "../support/nodes";
import { snapshotSchemas } from "../support/refusals";

jest.setTimeout(60_000);
const ns = uniqueNamespace("registry");
let city: TestNode;

beforeAll(async () => {
  city = await startTestNode({ jurisdictionCode: "120000", namespace: ns });
});
afterAll(async () => {
  await city?.stop();
  await city?.database.drop();
});

/**
 * Every table of the liaison schema (row counts and a digest of the rows), to prove that a refused
 * call changed nothing; taken before the call starts and after it answers.
 */
/** The registry, each write's answer checked against GetOrganisation right after. */
const registry = () =>
  answersCheckedAgainstReads(city.liaison.registry, "organisation", async (o: liaisonV1.Organisation) => {
    return (await city.liaison.registry.getOrganisation({ organisationId: o.organisationId })).organisation;
  });

const footprint = () => snapshotSchemas({ url: city.database.url, schemas: ["liaison"] });

describe("operability", () => {
  it("serves the six liaison services, with health and reflection", async () => {
    const names = [
      "RegistryService",
      "MechanismService",
      "ConsultationService",
      "JointResearchService",
      "CampaignService",
      "AuditTrailService",
    ].map((s) => `jinlian.liaison.v1.${s}`);
    expect(await reflectedServices(city.address)).toEqual(expect.arrayContaining(names));
    for (const name of names) expect(await healthCheck(city.address, name)).toBe("SERVING");
  });
});

describe("registering organisations", () => {
  it("registers a chamber of commerce with departments, and refuses its credit code a second time", async () => {
    const creditCode = creditCodeFor("120101");
    const { organisation } = await registry().registerOrganisation({
      type: OrgType.ORGANISATION_TYPE_CHAMBER_OF_COMMERCE,
      name: "  和平区总商会 ",
      creditCode,
      jurisdictionCode: "120101",
      departmentNames: ["秘书处", "法律服务部"],
      reason: "首批入库",
    });
    expect(organisation).toMatchObject({
      type: OrgType.ORGANISATION_TYPE_CHAMBER_OF_COMMERCE,
      name: "和平区总商会",
      creditCode,
      jurisdictionCode: "120101",
      status: liaisonV1.OrganisationStatus.ORGANISATION_STATUS_ACTIVE,
      revision: 1,
      registryJurisdictionCode: "120000",
    });
    expect(organisation!.departments.map((d) => d.name)).toEqual(["秘书处", "法律服务部"]);

    const before = await footprint();
    const err = await statusOf(
      registry().registerOrganisation({
        type: OrgType.ORGANISATION_TYPE_ENTERPRISE,
        name: "另一家",
        creditCode,
        jurisdictionCode: "120101",
        departmentNames: [],
        reason: "",
      }),
    );
    expect(err.code).toBe(status.ALREADY_EXISTS);
    expect(await footprint()).toEqual(before);
  });

  it("of concurrent registrations of one credit code, exactly one succeeds and the others are ALREADY_EXISTS", async () => {
    const creditCode = creditCodeFor("120103");
    const attempt = (n: number) =>
      registry().registerOrganisation({
        type: OrgType.ORGANISATION_TYPE_ENTERPRISE,
        name: `并发企业${n}`,
        creditCode,
        jurisdictionCode: "120103",
        departmentNames: [],
        reason: "",
      });
    const results = await Promise.allSettled([1, 2, 3, 4].map(attempt));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const refused = results
      .filter((r): r is PromiseRejectedResult => r.status === "rejected")
      .map((r) => (r.reason as { code: number }).code);
    expect(refused).toEqual([status.ALREADY_EXISTS, status.ALREADY_EXISTS, status.ALREADY_EXISTS]);
    const rows = await query(city.database.url, "select 1 from liaison.organisations where credit_code = $1", [creditCode]);
    expect(rows).toHaveLength(1);
  });

  it.each([
    ["a wrong check character", (c: string) => c.slice(0, 17) + (c[17] === "0" ? "1" : "0"), "check character"],
    ["a letter outside the alphabet", (c: string) => "I" + c.slice(1), "may contain only"],
    ["17 characters", (c: string) => c.slice(0, 17), "18 characters"],
  ])("refuses a credit code with %s as INVALID_ARGUMENT naming credit_code", async (_what, spoil, message) => {
    const before = await footprint();
    const err = await statusOf(
      registry().registerOrganisation({
        type: OrgType.ORGANISATION_TYPE_LAW_FIRM,
        name: "某律师事务所",
        creditCode: spoil(creditCodeFor("120104", "31")),
        jurisdictionCode: "120104",
        departmentNames: [],
        reason: "",
      }),
    );
    expect(err.code).toBe(status.INVALID_ARGUMENT);
    expect(err.fieldViolations).toEqual([{ field: "credit_code", description: expect.stringContaining(message) }]);
    expect(await footprint()).toEqual(before);
  });

  it("names every bad field at once: type, name, jurisdiction, duplicated department", async () => {
    const err = await statusOf(
      registry().registerOrganisation({
        type: commonV1.OrganisationType.ORGANISATION_TYPE_UNSPECIFIED,
        name: " ",
        creditCode: withCheckCharacter("51120000MJ0000001"),
        jurisdictionCode: "110000",
        departmentNames: ["办公室", "办公室"],
        reason: "",
      }),
    );
    expect(err.code).toBe(status.INVALID_ARGUMENT);
    expect(err.fieldViolations.map((v) => v.field).sort()).toEqual(["department_names[1]", "jurisdiction_code", "name", "type"]);
  });

  it("a district registry holds only its own district's organisations", async () => {
    const district = await startTestNode({ jurisdictionCode: "120102", namespace: ns, target: "liaison" });
    try {
      const err = await statusOf(
        district.liaison.registry.registerOrganisation({
          type: OrgType.ORGANISATION_TYPE_ENTERPRISE,
          name: "某企业",
          creditCode: creditCodeFor("120101", "91"),
          jurisdictionCode: "120101",
          departmentNames: [],
          reason: "",
        }),
      );
      expect(err.code).toBe(status.INVALID_ARGUMENT);
      expect(err.fieldViolations[0]!.field).toBe("jurisdiction_code");
      const ok = await registerParty(district.liaison, {
        type: OrgType.ORGANISATION_TYPE_FEDERATION,
        name: "河东区工商联",
        jurisdictionCode: "120102",
      });
      expect(ok.organisation.registryJurisdictionCode).toBe("120102");
    } finally {
      await district.stop();
      await district.database.drop();
    }
  });
});

describe("departments, contacts and concurrency", () => {
  it("adds and removes departments and contacts, each a new revision with an audit entry", async () => {
    const party = await registerParty(city.liaison, {
      type: OrgType.ORGANISATION_TYPE_JUSTICE_BUREAU,
      name: "天津市司法局",
      jurisdictionCode: "120000",
      departments: ["法治调研处"],
    });
    const id = party.organisation.organisationId;
    const added = await registry().addDepartment({
      organisationId: id,
      expectedRevision: 1,
      name: "公共法律服务处",
      reason: "职能调整",
    });
    expect(added.department!.name).toBe("公共法律服务处");
    expect(added.organisation!.revision).toBe(2);

    const withContact = await registry().addLiaisonContact({
      organisationId: id,
      expectedRevision: 2,
      contact: {
        contactId: "",
        name: "张三",
        title: "副处长",
        departmentId: party.department("法治调研处"),
        phone: "022-2345 6789",
        email: "",
      },
      reason: "明确联络员",
    });
    expect(withContact.contact).toMatchObject({ name: "张三", departmentId: party.department("法治调研处") });
    expect(withContact.organisation!.revision).toBe(3);

    // A stale revision is ABORTED and changes nothing.
    const before = await footprint();
    const stale = await statusOf(registry().updateOrganisation({ organisationId: id, expectedRevision: 2, name: "新名称", reason: "" }));
    expect(stale.code).toBe(status.ABORTED);
    expect(await footprint()).toEqual(before);

    const removed = await registry().removeLiaisonContact({
      organisationId: id,
      expectedRevision: 3,
      contactId: withContact.contact!.contactId,
      reason: "人员调动",
    });
    expect(removed.organisation!.contacts).toEqual([]);
    const renamed = await registry().updateOrganisation({
      organisationId: id,
      expectedRevision: 0,
      name: "天津市司法局（更名）",
      reason: "更名",
    });
    expect(renamed.organisation!.revision).toBe(5);

    const { entries } = await city.liaison.audit.listAuditEntries({ aggregateType: "", aggregateId: id, actor: "", page: undefined });
    expect(entries.map((e) => [e.action, e.revision, e.audit!.actor])).toEqual([
      ["UpdateOrganisation", 5, "test-operator"],
      ["RemoveLiaisonContact", 4, "test-operator"],
      ["AddLiaisonContact", 3, "test-operator"],
      ["AddDepartment", 2, "test-operator"],
      ["RegisterOrganisation", 1, "test-operator"],
    ]);
    expect(entries[1]!.audit!.reason).toBe("人员调动");
  });

  it("refuses a contact with no way to reach them, a bad e-mail, or a foreign department", async () => {
    const party = await registerParty(city.liaison, {
      type: OrgType.ORGANISATION_TYPE_NOTARY_OFFICE,
      name: "某公证处",
      jurisdictionCode: "120000",
    });
    const before = await footprint();
    const err = await statusOf(
      registry().addLiaisonContact({
        organisationId: party.organisation.organisationId,
        expectedRevision: 1,
        contact: {
          contactId: "",
          name: "李四",
          title: "",
          departmentId: "00000000-0000-4000-8000-000000000000",
          phone: "",
          email: "not-an-email",
        },
        reason: "",
      }),
    );
    expect(err.code).toBe(status.INVALID_ARGUMENT);
    expect(err.fieldViolations.map((v) => v.field).sort()).toEqual(["contact.department_id", "contact.email"]);
    expect(await footprint()).toEqual(before);
  });

  it("reads an organisation whose departments are being added as one state: one department per revision after the first", async () => {
    const party = await registerParty(city.liaison, {
      type: OrgType.ORGANISATION_TYPE_CHAMBER_OF_COMMERCE,
      name: "南开区工商联",
      jurisdictionCode: "120104",
    });
    const organisationId = party.organisation.organisationId;
    const seen = await readsDuring(
      async () => {
        for (let n = 1; n <= 15; n++) await registry().addDepartment({ organisationId, expectedRevision: 0, name: `第${n}部`, reason: "" });
      },
      async () => {
        const { organisation } = await registry().getOrganisation({ organisationId });
        return { revision: organisation!.revision, departments: organisation!.departments.length };
      },
    );
    expect(seen.length).toBeGreaterThan(1);
    for (const s of seen) expect(s).toEqual({ revision: s.departments + 1, departments: s.departments });
  });

  it("answers NOT_FOUND for an unknown organisation and INVALID_ARGUMENT for a malformed id", async () => {
    expect((await statusOf(registry().getOrganisation({ organisationId: "00000000-0000-4000-8000-000000000000" }))).code).toBe(
      status.NOT_FOUND,
    );
    const bad = await statusOf(registry().getOrganisation({ organisationId: "nope" }));
    expect(bad.code).toBe(status.INVALID_ARGUMENT);
    expect(bad.fieldViolations[0]!.field).toBe("organisation_id");
  });

  it("deactivates with a required reason; a deactivated organisation cannot change", async () => {
    const party = await registerParty(city.liaison, {
      type: OrgType.ORGANISATION_TYPE_ENTERPRISE,
      name: "某民营企业",
      jurisdictionCode: "120000",
    });
    const id = party.organisation.organisationId;
    const noReason = await statusOf(registry().deactivateOrganisation({ organisationId: id, expectedRevision: 1, reason: "" }));
    expect(noReason.code).toBe(status.INVALID_ARGUMENT);
    const { organisation } = await registry().deactivateOrganisation({
      organisationId: id,
      expectedRevision: 1,
      reason: "注销",
    });
    expect(organisation!.status).toBe(liaisonV1.OrganisationStatus.ORGANISATION_STATUS_DEACTIVATED);
    const before = await footprint();
    const refused = await statusOf(registry().addDepartment({ organisationId: id, expectedRevision: 0, name: "办公室", reason: "" }));
    expect(refused.code).toBe(status.FAILED_PRECONDITION);
    expect(refused.preconditionViolations[0]!.type).toBe("ORGANISATION_DEACTIVATED");
    expect(await footprint()).toEqual(before);
  });
});

describe("corrections, reactivation, industry and memberships", () => {
  const R = () => city.liaison.registry;
  const A = liaisonV1.OrganisationStatus;

  it("corrects type, name, credit code and jurisdiction with a required reason, audited, one OrganisationCorrected", async () => {
    const party = await registerParty(city.liaison, {
      type: OrgType.ORGANISATION_TYPE_LAW_FIRM,
      name: "某商会（误录）",
      jurisdictionCode: "120101",
    });
    const id = party.organisation.organisationId;
    const newCode = creditCodeFor("120102");
    const before = await footprint();
    const noReason = await statusOf(
      R().correctOrganisation({
        organisationId: id,
        expectedRevision: 1,
        type: 0,
        name: "x",
        creditCode: "",
        jurisdictionCode: "",
        chamber: undefined,
        reason: "",
      }),
    );
    expect(noReason.code).toBe(status.INVALID_ARGUMENT);
    expect(noReason.fieldViolations.map((v) => v.field)).toEqual(["reason"]);
    const stale = await statusOf(
      R().correctOrganisation({
        organisationId: id,
        expectedRevision: 7,
        type: 0,
        name: "x",
        creditCode: "",
        jurisdictionCode: "",
        chamber: undefined,
        reason: "r",
      }),
    );
    expect(stale.code).toBe(status.ABORTED);
    const badCode = await statusOf(
      R().correctOrganisation({
        organisationId: id,
        expectedRevision: 1,
        type: 0,
        name: "",
        creditCode: newCode.slice(0, 17),
        jurisdictionCode: "110000",
        chamber: undefined,
        reason: "r",
      }),
    );
    expect(badCode.fieldViolations.map((v) => v.field).sort()).toEqual(["credit_code", "jurisdiction_code"]);
    expect(await footprint()).toEqual(before);

    const { organisation } = await R().correctOrganisation({
      organisationId: id,
      expectedRevision: 1,
      type: OrgType.ORGANISATION_TYPE_CHAMBER_OF_COMMERCE,
      name: "河东区某商会",
      creditCode: newCode,
      jurisdictionCode: "120102",
      chamber: undefined,
      reason: "类型、名称、代码录入错误",
    });
    expect(organisation).toMatchObject({
      type: OrgType.ORGANISATION_TYPE_CHAMBER_OF_COMMERCE,
      name: "河东区某商会",
      creditCode: newCode,
      jurisdictionCode: "120102",
      revision: 2,
    });
    // The old code is free again; the new one is taken.
    await registerParty(city.liaison, { type: OrgType.ORGANISATION_TYPE_ENTERPRISE, name: "另一家", jurisdictionCode: "120101" });
    const taken = await statusOf(
      R().registerOrganisation({
        type: OrgType.ORGANISATION_TYPE_ENTERPRISE,
        name: "重复",
        creditCode: newCode,
        jurisdictionCode: "120102",
        departmentNames: [],
        reason: "",
      }),
    );
    expect(taken.code).toBe(status.ALREADY_EXISTS);
    const { entries } = await city.liaison.audit.listAuditEntries({ aggregateType: "", aggregateId: id, actor: "", page: undefined });
    expect(entries.map((e) => [e.action, e.revision, e.audit!.reason])[0]).toEqual(["CorrectOrganisation", 2, "类型、名称、代码录入错误"]);
  });

  it("refuses a type correction while the organisation is a mechanism's party, naming the mechanism; nothing changes", async () => {
    const { bureau, federation } = await registerMechanismParties(city.liaison, "120000");
    const party = (organisationId: string, departmentId: string) => ({
      organisationId,
      departmentId,
      organisation: undefined,
      departmentName: "",
    });
    const { mechanism } = await city.liaison.mechanisms.proposeMechanism({
      justiceBureau: party(bureau.organisation.organisationId, bureau.department("法治调研处")),
      federation: party(federation.organisation.organisationId, federation.department("法律服务部")),
      reason: "",
    });
    const before = await footprint();
    const err = await statusOf(
      R().correctOrganisation({
        organisationId: bureau.organisation.organisationId,
        expectedRevision: 0,
        type: OrgType.ORGANISATION_TYPE_FEDERATION,
        name: "",
        creditCode: "",
        jurisdictionCode: "",
        chamber: undefined,
        reason: "类型错误",
      }),
    );
    expect(err.code).toBe(status.FAILED_PRECONDITION);
    expect(err.preconditionViolations).toEqual([
      expect.objectContaining({ type: "ORGANISATION_ROLE", subject: `mechanism/${mechanism!.mechanismId}` }),
    ]);
    expect(await footprint()).toEqual(before);
  });

  it("answers ALREADY_EXISTS naming a deactivated holder, who is reactivated (reason required) and then takes changes again", async () => {
    const party = await registerParty(city.liaison, {
      type: OrgType.ORGANISATION_TYPE_ENTERPRISE,
      name: "注销后复业企业",
      jurisdictionCode: "120000",
    });
    const id = party.organisation.organisationId;
    await R().deactivateOrganisation({ organisationId: id, expectedRevision: 1, reason: "误注销" });
    const again = await statusOf(
      R().registerOrganisation({
        type: OrgType.ORGANISATION_TYPE_ENTERPRISE,
        name: "注销后复业企业",
        creditCode: party.organisation.creditCode,
        jurisdictionCode: "120000",
        departmentNames: [],
        reason: "",
      }),
    );
    expect(again.code).toBe(status.ALREADY_EXISTS);
    expect(again.message).toContain(`organisation/${id}, deactivated`);
    const before = await footprint();
    expect((await statusOf(R().reactivateOrganisation({ organisationId: id, expectedRevision: 2, reason: "" }))).code).toBe(
      status.INVALID_ARGUMENT,
    );
    expect((await statusOf(R().reactivateOrganisation({ organisationId: id, expectedRevision: 1, reason: "r" }))).code).toBe(
      status.ABORTED,
    );
    expect(await footprint()).toEqual(before);
    const { organisation } = await R().reactivateOrganisation({ organisationId: id, expectedRevision: 2, reason: "误注销，恢复" });
    expect(organisation).toMatchObject({ status: A.ORGANISATION_STATUS_ACTIVE, revision: 3 });
    const active = await statusOf(R().reactivateOrganisation({ organisationId: id, expectedRevision: 0, reason: "r" }));
    expect(active.code).toBe(status.FAILED_PRECONDITION);
    expect(active.preconditionViolations[0]!.type).toBe("ORGANISATION_ACTIVE");
    await R().addDepartment({ organisationId: id, expectedRevision: 3, name: "办公室", reason: "" });
  });

  it("corrects a liaison contact in place", async () => {
    const party = await registerParty(city.liaison, {
      type: OrgType.ORGANISATION_TYPE_NOTARY_OFFICE,
      name: "某公证处（联络员）",
      jurisdictionCode: "120000",
    });
    const id = party.organisation.organisationId;
    const { contact } = await R().addLiaisonContact({
      organisationId: id,
      expectedRevision: 1,
      contact: { contactId: "", name: "王五", title: "", departmentId: "", phone: "022-1111 2222", email: "" },
      reason: "",
    });
    const before = await footprint();
    const bad = await statusOf(
      R().updateLiaisonContact({ organisationId: id, expectedRevision: 2, contact: { ...contact!, phone: "", email: "x" }, reason: "" }),
    );
    expect(bad.fieldViolations.map((v) => v.field).sort()).toEqual(["contact.email"]);
    expect(await footprint()).toEqual(before);
    const updated = await R().updateLiaisonContact({
      organisationId: id,
      expectedRevision: 2,
      contact: { ...contact!, phone: "022-3333 4444" },
      reason: "电话有误",
    });
    expect(updated.contact).toEqual({ ...contact!, phone: "022-3333 4444" });
    expect(updated.organisation!.revision).toBe(3);
  });

  it("records industry and memberships (enterprise → chamber → federation) and a committee's chamber, and filters by them", async () => {
    const federation = await registerParty(city.liaison, {
      type: OrgType.ORGANISATION_TYPE_FEDERATION,
      name: "西青区工商联",
      jurisdictionCode: "120111",
    });
    const chamber = await registerParty(city.liaison, {
      type: OrgType.ORGANISATION_TYPE_CHAMBER_OF_COMMERCE,
      name: "西青区汽车零部件商会",
      jurisdictionCode: "120111",
    });
    const fedKey = { organisationId: "", creditCode: federation.organisation.creditCode };
    const chamberKey = { organisationId: chamber.organisation.organisationId, creditCode: "" };
    const { organisation: c } = await R().updateAffiliations({
      organisationId: chamber.organisation.organisationId,
      expectedRevision: 1,
      affiliations: { industry: { section: "c", description: "汽车零部件" }, memberOf: [fedKey] },
      reason: "",
    });
    expect(c!.industry).toEqual({ section: "C", description: "汽车零部件" });
    expect(c!.memberOf.map((m) => [m.organisationId, m.organisation!.creditCode])).toEqual([
      [federation.organisation.organisationId, federation.organisation.creditCode],
    ]);
    const { organisation: e } = await R().registerOrganisation({
      type: OrgType.ORGANISATION_TYPE_ENTERPRISE,
      name: "西青某汽配企业",
      creditCode: creditCodeFor("120111", "91"),
      jurisdictionCode: "120111",
      departmentNames: [],
      reason: "",
      affiliations: { industry: { section: "C", description: "" }, memberOf: [chamberKey] },
    });
    expect(e!.memberOf[0]!.organisation!.name).toBe("西青区汽车零部件商会");

    const before = await footprint();
    // An enterprise cannot join a federation; a law firm has no industry; a committee needs a chamber.
    const wrong = await statusOf(
      R().updateAffiliations({
        organisationId: e!.organisationId,
        expectedRevision: 0,
        affiliations: { industry: undefined, memberOf: [fedKey] },
        reason: "",
      }),
    );
    expect(wrong.fieldViolations.map((v) => v.field)).toEqual(["affiliations.member_of[0]"]);
    const noChamber = await statusOf(
      R().registerOrganisation({
        type: OrgType.ORGANISATION_TYPE_MEDIATION_COMMITTEE,
        name: "某调委会",
        creditCode: creditCodeFor("120111"),
        jurisdictionCode: "120111",
        departmentNames: [],
        reason: "",
        chamber: { organisationId: federation.organisation.organisationId, creditCode: "" },
      }),
    );
    expect(noChamber.fieldViolations.map((v) => v.field)).toEqual(["chamber"]);
    expect(await footprint()).toEqual(before);
    const { organisation: committee } = await R().registerOrganisation({
      type: OrgType.ORGANISATION_TYPE_MEDIATION_COMMITTEE,
      name: "西青区汽车零部件商会人民调解委员会",
      creditCode: creditCodeFor("120111"),
      jurisdictionCode: "120111",
      departmentNames: [],
      reason: "",
      chamber: { organisationId: "", creditCode: chamber.organisation.creditCode },
    });
    expect(committee!.chamber!.organisationId).toBe(chamber.organisation.organisationId);

    // The chamber has a member, a committee and a federation: it cannot become an enterprise.
    const role = await statusOf(
      R().correctOrganisation({
        organisationId: chamber.organisation.organisationId,
        expectedRevision: 0,
        type: OrgType.ORGANISATION_TYPE_ENTERPRISE,
        name: "",
        creditCode: "",
        jurisdictionCode: "",
        chamber: undefined,
        reason: "r",
      }),
    );
    expect(role.preconditionViolations.map((v) => v.subject).sort()).toEqual(
      // Its members, its committee, and its own membership of the federation (an enterprise cannot be one).
      [
        `organisation/${e!.organisationId}`,
        `organisation/${committee!.organisationId}`,
        `organisation/${federation.organisation.organisationId}`,
      ].sort(),
    );

    const byIndustry = {
      type: 0,
      jurisdictionCode: "120111",
      text: "",
      status: 0,
      industrySection: "C",
      memberOfOrganisationId: "",
      memberOfCreditCode: "",
    };
    const industryList = await R().listOrganisations({ filter: byIndustry, page: undefined });
    expect(industryList.organisations.map((o) => o.name).sort()).toEqual(["西青区汽车零部件商会", "西青某汽配企业"].sort());
    const members = await R().listOrganisations({
      filter: { ...byIndustry, industrySection: "", memberOfCreditCode: chamber.organisation.creditCode },
      page: undefined,
    });
    expect(members.organisations.map((o) => o.organisationId)).toEqual([e!.organisationId]);
  });
});

describe("moves between nodes (at one node)", () => {
  it("refuses a move while something here needs the organisation, a district-to-district move, and a deactivated one", async () => {
    const party = await registerParty(city.liaison, {
      type: OrgType.ORGANISATION_TYPE_ENTERPRISE,
      name: "待迁企业",
      jurisdictionCode: "120000",
    });
    const id = party.organisation.organisationId;
    await city.liaison.research.proposeJointResearch({
      topic: "民营企业合规",
      leadOrganisationId: id,
      description: "",
      reason: "",
      leadCreditCode: "",
    });
    const before = await footprint();
    const busy = await statusOf(
      registry().moveOrganisation({
        organisationId: id,
        expectedRevision: 0,
        toRegistryJurisdictionCode: "120101",
        jurisdictionCode: "",
        reason: "迁入和平区",
      }),
    );
    expect(busy.code).toBe(status.FAILED_PRECONDITION);
    expect(busy.preconditionViolations[0]!.subject).toMatch(/^research\//);
    const self = await statusOf(
      registry().moveOrganisation({
        organisationId: id,
        expectedRevision: 0,
        toRegistryJurisdictionCode: "120000",
        jurisdictionCode: "",
        reason: "r",
      }),
    );
    expect(self.fieldViolations.map((v) => v.field)).toEqual(["to_registry_jurisdiction_code"]);
    const noReason = await statusOf(
      registry().moveOrganisation({
        organisationId: id,
        expectedRevision: 0,
        toRegistryJurisdictionCode: "120101",
        jurisdictionCode: "",
        reason: "",
      }),
    );
    expect(noReason.fieldViolations.map((v) => v.field)).toEqual(["reason"]);
    expect(await footprint()).toEqual(before);
  });

  it("keeps a moved organisation on record as MOVED, out of the default list, refusing changes", async () => {
    const party = await registerParty(city.liaison, {
      type: OrgType.ORGANISATION_TYPE_LAW_FIRM,
      name: "迁出律所",
      jurisdictionCode: "120000",
    });
    const id = party.organisation.organisationId;
    const { organisation } = await registry().moveOrganisation({
      organisationId: id,
      expectedRevision: 1,
      toRegistryJurisdictionCode: "120104",
      jurisdictionCode: "",
      reason: "迁至南开区",
    });
    expect(organisation).toMatchObject({
      status: liaisonV1.OrganisationStatus.ORGANISATION_STATUS_MOVED,
      registryJurisdictionCode: "120104",
      jurisdictionCode: "120104",
      revision: 2,
    });
    const filter = {
      type: 0,
      jurisdictionCode: "",
      text: "迁出律所",
      status: 0,
      industrySection: "",
      memberOfOrganisationId: "",
      memberOfCreditCode: "",
    };
    expect((await registry().listOrganisations({ filter, page: undefined })).organisations).toEqual([]);
    const moved = await registry().listOrganisations({
      filter: { ...filter, status: liaisonV1.OrganisationStatus.ORGANISATION_STATUS_MOVED },
      page: undefined,
    });
    expect(moved.organisations.map((o) => o.organisationId)).toEqual([id]);
    const refused = await statusOf(registry().updateOrganisation({ organisationId: id, expectedRevision: 0, name: "x", reason: "" }));
    expect(refused.preconditionViolations[0]!.type).toBe("ORGANISATION_MOVED");
  });
});

describe("listing", () => {
  it("filters by type, jurisdiction and text, and pages with a token bound to the filter", async () => {
    for (const n of ["甲", "乙", "丙"])
      await registerParty(city.liaison, {
        type: OrgType.ORGANISATION_TYPE_ARBITRATION_COMMISSION,
        name: `仲裁委员会${n}`,
        jurisdictionCode: "120116",
      });
    const filter = {
      type: OrgType.ORGANISATION_TYPE_ARBITRATION_COMMISSION,
      jurisdictionCode: "120116",
      text: "仲裁",
      status: 0,
      industrySection: "",
      memberOfOrganisationId: "",
      memberOfCreditCode: "",
    };
    const first = await registry().listOrganisations({ filter, page: { pageSize: 2, pageToken: "" } });
    expect(first.page).toEqual({ nextPageToken: expect.any(String), totalSize: 3 });
    expect(first.organisations).toHaveLength(2);
    const second = await registry().listOrganisations({ filter, page: { pageSize: 2, pageToken: first.page!.nextPageToken } });
    expect(second.organisations).toHaveLength(1);
    expect(second.page!.nextPageToken).toBe("");
    const names = [...first.organisations, ...second.organisations].map((o) => o.name);
    expect(new Set(names).size).toBe(3);
    const mismatched = await statusOf(
      registry().listOrganisations({
        filter: { ...filter, text: "" },
        page: { pageSize: 2, pageToken: first.page!.nextPageToken },
      }),
    );
    expect(mismatched.code).toBe(status.INVALID_ARGUMENT);
    expect(mismatched.fieldViolations[0]!.field).toBe("page.page_token");
  });
});

describe("the registry stream", () => {
  it("carries one event per change, keyed by organisation, each with the whole organisation", async () => {
    const kafka = new Kafka({ brokers: kafkaBrokers(), clientId: "registry-test", logLevel: logLevel.NOTHING });
    const dlq = deadLetterTopic(ns, "registry-test", "liaison");
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, [{ topic: dlq, partitions: 1 }]);
    const configs = await admin.describeConfigs({
      resources: [{ type: 2, name: localTopic(ns, "120000", "liaison", "registry"), configNames: ["cleanup.policy"] }],
      includeSynonyms: false,
    });
    await admin.disconnect();
    expect(configs.resources[0]!.configEntries[0]!.configValue).toBe("compact");

    const party = await registerParty(city.liaison, {
      type: OrgType.ORGANISATION_TYPE_LEGAL_SERVICE_CENTER,
      name: "公共法律服务中心",
      jurisdictionCode: "120000",
    });
    const id = party.organisation.organisationId;
    await registry().addDepartment({ organisationId: id, expectedRevision: 1, name: "调解室", reason: "" });
    await registry().deactivateOrganisation({ organisationId: id, expectedRevision: 2, reason: "撤销" });

    const seen: ReceivedEvent<liaisonEventsV1.OrganisationRegistered | liaisonEventsV1.OrganisationUpdated>[] = [];
    const subscriber = new Subscriber({
      kafka,
      name: "registry-test",
      groupId: uniqueNamespace("reg"),
      topics: [localTopic(ns, "120000", "liaison", "registry")],
      deadLetterTopic: dlq,
    })
      .on(liaisonEvents.organisationRegistered, async (e) => void (e.subject === id && seen.push(e)))
      .on(liaisonEvents.organisationUpdated, async (e) => void (e.subject === id && seen.push(e)))
      .on(liaisonEvents.organisationDeactivated, async (e) => void (e.subject === id && seen.push(e)));
    await subscriber.start();
    try {
      await waitFor(async () => seen.length >= 3, { timeoutMs: 30_000, intervalMs: 100, what: "three registry events" });
    } finally {
      await subscriber.stop();
    }
    expect(seen.map((e) => [e.type, e.data.organisation!.revision])).toEqual([
      ["jinlian.liaison.organisation.registered.v1", 1],
      ["jinlian.liaison.organisation.updated.v1", 2],
      ["jinlian.liaison.organisation.deactivated.v1", 3],
    ]);
    expect((seen[1]!.data as liaisonEventsV1.OrganisationUpdated).change).toBe(
      liaisonEventsV1.OrganisationChange.ORGANISATION_CHANGE_DEPARTMENT_ADDED,
    );
    expect(seen[1]!.data.organisation!.departments.map((d) => d.name)).toEqual(["调解室"]);
    expect(seen[2]!.data.organisation!.status).toBe(liaisonV1.OrganisationStatus.ORGANISATION_STATUS_DEACTIVATED);
    expect(seen[0]!.source).toBe("/jinlian/120000/liaison");
  });
});
