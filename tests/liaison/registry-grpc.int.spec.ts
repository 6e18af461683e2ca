/**
 * The registry of parties over gRPC at one node, against real Kafka and PostgreSQL: registration
 * with credit-code validation, departments and contacts, optimistic concurrency, deactivation,
 * the audit trail, and one event per change on the node's registry stream.
 */
import { status } from "@grpc/grpc-js";
import {
  deadLetterTopic,
  ensureTopics,
  liaisonEvents,
  localTopic,
  Subscriber,
  withCheckCharacter,
  type ReceivedEvent,
} from "@jinlian/chassis";
import { commonV1, liaisonEventsV1, liaisonV1 } from "@jinlian/proto";
import { Kafka, logLevel } from "kafkajs";
import { kafkaBrokers, uniqueNamespace, waitFor } from "../harness/kafka";
import { query } from "../support/db";
import { healthCheck, reflectedServices } from "../support/grpc-introspection";
import { creditCodeFor, OrgType, registerParty } from "../support/liaison-fixtures";
import { startTestNode, statusOf, type TestNode } from "../support/nodes";

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

/** Row counts a registry mutation touches, to prove that a refused call changed nothing. */
async function footprint(): Promise<Record<string, number>> {
  const [row] = await query<Record<string, string>>(
    city.database.url,
    `select (select count(*) from liaison.organisations) as organisations,
            (select coalesce(sum(revision), 0) from liaison.organisations) as revisions,
            (select count(*) from liaison.organisation_departments) as departments,
            (select count(*) from liaison.liaison_contacts) as contacts,
            (select count(*) from liaison.audit_entries) as audit,
            (select count(*) from liaison.outbox) as outbox`,
  );
  return Object.fromEntries(Object.entries(row!).map(([k, v]) => [k, Number(v)]));
}

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
    const { organisation } = await city.liaison.registry.registerOrganisation({
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
      city.liaison.registry.registerOrganisation({
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
      city.liaison.registry.registerOrganisation({
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
      city.liaison.registry.registerOrganisation({
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
      city.liaison.registry.registerOrganisation({
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
    const added = await city.liaison.registry.addDepartment({
      organisationId: id,
      expectedRevision: 1,
      name: "公共法律服务处",
      reason: "职能调整",
    });
    expect(added.department!.name).toBe("公共法律服务处");
    expect(added.organisation!.revision).toBe(2);

    const withContact = await city.liaison.registry.addLiaisonContact({
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
    const stale = await statusOf(
      city.liaison.registry.updateOrganisation({ organisationId: id, expectedRevision: 2, name: "新名称", reason: "" }),
    );
    expect(stale.code).toBe(status.ABORTED);
    expect(await footprint()).toEqual(before);

    const removed = await city.liaison.registry.removeLiaisonContact({
      organisationId: id,
      expectedRevision: 3,
      contactId: withContact.contact!.contactId,
      reason: "人员调动",
    });
    expect(removed.organisation!.contacts).toEqual([]);
    const renamed = await city.liaison.registry.updateOrganisation({
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
      city.liaison.registry.addLiaisonContact({
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

  it("answers NOT_FOUND for an unknown organisation and INVALID_ARGUMENT for a malformed id", async () => {
    expect((await statusOf(city.liaison.registry.getOrganisation({ organisationId: "00000000-0000-4000-8000-000000000000" }))).code).toBe(
      status.NOT_FOUND,
    );
    const bad = await statusOf(city.liaison.registry.getOrganisation({ organisationId: "nope" }));
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
    const noReason = await statusOf(city.liaison.registry.deactivateOrganisation({ organisationId: id, expectedRevision: 1, reason: "" }));
    expect(noReason.code).toBe(status.INVALID_ARGUMENT);
    const { organisation } = await city.liaison.registry.deactivateOrganisation({
      organisationId: id,
      expectedRevision: 1,
      reason: "注销",
    });
    expect(organisation!.status).toBe(liaisonV1.OrganisationStatus.ORGANISATION_STATUS_DEACTIVATED);
    const before = await footprint();
    const refused = await statusOf(
      city.liaison.registry.addDepartment({ organisationId: id, expectedRevision: 0, name: "办公室", reason: "" }),
    );
    expect(refused.code).toBe(status.FAILED_PRECONDITION);
    expect(refused.preconditionViolations[0]!.type).toBe("ORGANISATION_DEACTIVATED");
    expect(await footprint()).toEqual(before);
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
    const filter = { type: OrgType.ORGANISATION_TYPE_ARBITRATION_COMMISSION, jurisdictionCode: "120116", text: "仲裁", status: 0 };
    const first = await city.liaison.registry.listOrganisations({ filter, page: { pageSize: 2, pageToken: "" } });
    expect(first.page).toEqual({ nextPageToken: expect.any(String), totalSize: 3 });
    expect(first.organisations).toHaveLength(2);
    const second = await city.liaison.registry.listOrganisations({ filter, page: { pageSize: 2, pageToken: first.page!.nextPageToken } });
    expect(second.organisations).toHaveLength(1);
    expect(second.page!.nextPageToken).toBe("");
    const names = [...first.organisations, ...second.organisations].map((o) => o.name);
    expect(new Set(names).size).toBe(3);
    const mismatched = await statusOf(
      city.liaison.registry.listOrganisations({
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
      type: OrgType.ORGANISATION_TYPE_MEDIATION_COMMITTEE,
      name: "商会人民调解委员会",
      jurisdictionCode: "120000",
    });
    const id = party.organisation.organisationId;
    await city.liaison.registry.addDepartment({ organisationId: id, expectedRevision: 1, name: "调解室", reason: "" });
    await city.liaison.registry.deactivateOrganisation({ organisationId: id, expectedRevision: 2, reason: "撤销" });

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
