/**
 * Moving an organisation between the city's and a district's registry on a real broker: the city
 * moves an enterprise to Heping (120101), which registers it under the same id and revision; both
 * nodes' registries and bulletins projections see the move. It then moves back up, and the city
 * revives the record it kept as MOVED.
 */
import { status } from "@grpc/grpc-js";
import type { BulletinsClient } from "@jinlian/client";
import { liaisonV1 } from "@jinlian/proto";
import { uniqueNamespace, waitFor } from "../harness/kafka";
import { OrgType, registerParty } from "../support/liaison-fixtures";
import { startTestNode, statusOf, type TestNode } from "../support/nodes";

const S = liaisonV1.OrganisationStatus;
const WAIT = { timeoutMs: 45_000, intervalMs: 250 };
jest.setTimeout(180_000);

const ns = uniqueNamespace("org-move");
let city: TestNode;
let heping: TestNode; // 120101

beforeAll(async () => {
  [city, heping] = await Promise.all([
    startTestNode({ jurisdictionCode: "120000", namespace: ns }),
    startTestNode({ jurisdictionCode: "120101", namespace: ns }),
  ]);
});

afterAll(async () => {
  for (const n of [city, heping]) await n?.stop();
  for (const n of [city, heping]) await n?.database.drop();
});

async function atNode(node: TestNode, id: string): Promise<liaisonV1.Organisation | undefined> {
  try {
    return (await node.liaison.registry.getOrganisation({ organisationId: id })).organisation;
  } catch {
    return undefined;
  }
}

async function knownIds(client: BulletinsClient, text: string): Promise<string[]> {
  const { organisations } = await client.listKnownOrganisations({ jurisdictionCode: "", text, page: { pageSize: 50, pageToken: "" } });
  return organisations.map((o) => o.organisationId);
}

it("moves an enterprise from the city to Heping and back; both registries and both bulletins projections follow", async () => {
  const party = await registerParty(city.liaison, {
    type: OrgType.ORGANISATION_TYPE_ENTERPRISE,
    name: "天津某迁址科技有限公司",
    jurisdictionCode: "120000",
    departments: ["法务部"],
  });
  const id = party.organisation.organisationId;
  const code = party.organisation.creditCode;
  await city.liaison.registry.addLiaisonContact({
    organisationId: id,
    expectedRevision: 1,
    contact: {
      contactId: "",
      name: "赵六",
      title: "法务总监",
      departmentId: party.department("法务部"),
      phone: "022-5555 6666",
      email: "",
    },
    reason: "",
  });
  await waitFor(async () => (await knownIds(city.bulletins, code)).includes(id) || undefined, { ...WAIT, what: "the city's projection" });

  const { organisation: left } = await city.liaison.registry.moveOrganisation({
    organisationId: id,
    expectedRevision: 2,
    toRegistryJurisdictionCode: "120101",
    jurisdictionCode: "",
    reason: "企业迁至和平区，由和平区登记",
  });
  expect(left).toMatchObject({
    status: S.ORGANISATION_STATUS_MOVED,
    registryJurisdictionCode: "120101",
    jurisdictionCode: "120101",
    revision: 3,
  });

  // Heping registers it under the same id and revision, with its departments and contacts.
  const arrived = await waitFor(() => atNode(heping, id), { ...WAIT, what: "the organisation at 120101" });
  expect(arrived).toMatchObject({
    organisationId: id,
    creditCode: code,
    status: S.ORGANISATION_STATUS_ACTIVE,
    jurisdictionCode: "120101",
    registryJurisdictionCode: "120101",
    revision: 3,
  });
  expect(arrived.departments.map((d) => d.name)).toEqual(["法务部"]);
  expect(arrived.contacts.map((c) => [c.name, c.departmentId])).toEqual([["赵六", party.department("法务部")]]);
  const audit = await heping.liaison.audit.listAuditEntries({ aggregateType: "organisation", aggregateId: id, actor: "" });
  expect(audit.entries.map((e) => [e.action, e.revision, e.audit!.reason])).toEqual([
    ["OrganisationMovedIn", 3, "企业迁至和平区，由和平区登记"],
  ]);

  // A district cannot move it to another district directly: that is two moves, via the city.
  const sideways = await statusOf(
    heping.liaison.registry.moveOrganisation({
      organisationId: id,
      expectedRevision: 0,
      toRegistryJurisdictionCode: "120102",
      jurisdictionCode: "",
      reason: "r",
    }),
  );
  expect(sideways.code).toBe(status.INVALID_ARGUMENT);

  // Each node's bulletins projection follows its own registry: addressable at Heping, not at the city.
  await waitFor(async () => (await knownIds(heping.bulletins, code)).includes(id) || undefined, { ...WAIT, what: "Heping's projection" });
  await waitFor(async () => ((await knownIds(city.bulletins, code)).length === 0 ? true : undefined), {
    ...WAIT,
    what: "gone from the city's projection",
  });

  // Changed at its new node; the city refuses changes to the record it keeps.
  const { organisation: renamed } = await heping.liaison.registry.updateOrganisation({
    organisationId: id,
    expectedRevision: 3,
    name: "天津某迁址科技（和平）有限公司",
    reason: "更名",
  });
  expect(renamed!.revision).toBe(4);
  const refused = await statusOf(
    city.liaison.registry.updateOrganisation({ organisationId: id, expectedRevision: 0, name: "x", reason: "" }),
  );
  expect(refused.preconditionViolations[0]!.type).toBe("ORGANISATION_MOVED");

  // Back up to the city, which revives its record at the newer revision.
  await heping.liaison.registry.moveOrganisation({
    organisationId: id,
    expectedRevision: 4,
    toRegistryJurisdictionCode: "120000",
    jurisdictionCode: "",
    reason: "迁回市级登记",
  });
  const back = await waitFor(
    async () => {
      const o = await atNode(city, id);
      return o?.status === S.ORGANISATION_STATUS_ACTIVE ? o : undefined;
    },
    { ...WAIT, what: "ACTIVE again at the city" },
  );
  expect(back).toMatchObject({
    name: "天津某迁址科技（和平）有限公司",
    jurisdictionCode: "120101",
    registryJurisdictionCode: "120000",
    revision: 5,
  });
  expect((await atNode(heping, id))!.status).toBe(S.ORGANISATION_STATUS_MOVED);
  await waitFor(async () => (await knownIds(city.bulletins, code)).includes(id) || undefined, {
    ...WAIT,
    what: "back in the city's projection",
  });
  await waitFor(async () => ((await knownIds(heping.bulletins, code)).length === 0 ? true : undefined), {
    ...WAIT,
    what: "gone from Heping's projection",
  });
});
