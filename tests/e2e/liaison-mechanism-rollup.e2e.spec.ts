/**
 * A municipal node and two district nodes on a real broker: each district proposes its liaison
 * mechanism from its own registry and reports every change up; the city's roll-up shows which
 * districts have an established mechanism, which do not, and since when.
 */

import { DISTRICT_CODES } from "@jinlian/kernel";
import { liaisonV1 } from "@jinlian/proto";
import { uniqueNamespace, waitFor } from "../harness/kafka";
import { registerMechanismParties } from "../support/liaison-fixtures";
import { startTestNode, type TestNode } from "../support/nodes";

const S = liaisonV1.MechanismStatus;
jest.setTimeout(120_000);

const ns = uniqueNamespace("mechanism-rollup");
let city: TestNode;
let heping: TestNode; // 120101: proposes, establishes, later suspends
let hedong: TestNode; // 120102: proposes only

beforeAll(async () => {
  [city, heping, hedong] = await Promise.all([
    startTestNode({ jurisdictionCode: "120000", namespace: ns }),
    startTestNode({ jurisdictionCode: "120101", namespace: ns }),
    startTestNode({ jurisdictionCode: "120102", namespace: ns }),
  ]);
});

afterAll(async () => {
  for (const n of [city, heping, hedong]) await n?.stop();
  for (const n of [city, heping, hedong]) await n?.database.drop();
});

async function propose(node: TestNode, code: string): Promise<liaisonV1.Mechanism> {
  const { bureau, federation } = await registerMechanismParties(node.liaison, code);
  const { mechanism } = await node.liaison.mechanisms.proposeMechanism({
    justiceBureau: {
      organisationId: bureau.organisation.organisationId,
      departmentId: bureau.department("法治调研处"),
      departmentName: "",
    },
    federation: {
      organisationId: federation.organisation.organisationId,
      departmentId: federation.department("法律服务部"),
      departmentName: "",
    },
    reason: "津司发〔2024〕8号 第二条",
  });
  return mechanism!;
}

/** The city's roll-up once `ready` holds for it. */
function rollUpWhen(ready: (r: liaisonV1.GetMechanismRollUpResponse) => boolean, what: string) {
  return waitFor(
    async () => {
      const r = await city.liaison.mechanisms.getMechanismRollUp({ status: 0 });
      return ready(r) ? r : undefined;
    },
    { timeoutMs: 45_000, intervalMs: 250, what },
  );
}

const row = (r: liaisonV1.GetMechanismRollUpResponse, code: string) => r.jurisdictions.find((j) => j.jurisdictionCode === code)!;

it("rolls up the districts' mechanisms at the city: established since when, proposed, none, and a later suspension", async () => {
  const proposedAtHeping = await propose(heping, "120101");
  const established = (
    await heping.liaison.mechanisms.establishMechanism({
      mechanismId: proposedAtHeping.mechanismId,
      expectedRevision: 1,
      reason: "联席会议成立",
    })
  ).mechanism!;
  const proposedAtHedong = await propose(hedong, "120102");

  const r = await rollUpWhen(
    (x) => row(x, "120101").status === S.MECHANISM_STATUS_ESTABLISHED && row(x, "120102").status === S.MECHANISM_STATUS_PROPOSED,
    "120101 established and 120102 proposed at the city",
  );
  expect(r.jurisdictions.map((j) => j.jurisdictionCode)).toEqual(["120000", ...DISTRICT_CODES]);
  expect(row(r, "120101")).toMatchObject({
    jurisdictionName: "和平区",
    mechanismId: established.mechanismId,
    statusSinceTime: established.statusSinceTime,
    firstEstablishedTime: established.statusSinceTime,
    justiceBureau: established.justiceBureau,
    federation: established.federation,
  });
  expect(row(r, "120101").reportTime).toBeDefined();
  expect(row(r, "120102")).toMatchObject({
    jurisdictionName: "河东区",
    mechanismId: proposedAtHedong.mechanismId,
    statusSinceTime: proposedAtHedong.statusSinceTime,
    firstEstablishedTime: undefined,
  });
  const silent = r.jurisdictions.filter((j) => !["120101", "120102"].includes(j.jurisdictionCode));
  expect(silent).toHaveLength(15);
  expect(silent.every((j) => j.status === S.MECHANISM_STATUS_NONE && j.mechanismId === "")).toBe(true);
  expect([r.districtsEstablished, r.districtsWithout]).toEqual([1, 15]);

  // Filters: who has none (the city itself has not proposed one), who is only proposed.
  const none = await city.liaison.mechanisms.getMechanismRollUp({ status: S.MECHANISM_STATUS_NONE });
  expect(none.jurisdictions.map((j) => j.jurisdictionCode)).toEqual(["120000", ...DISTRICT_CODES.filter((c) => c > "120102")]);
  expect([none.districtsEstablished, none.districtsWithout]).toEqual([1, 15]);
  const proposedOnly = await city.liaison.mechanisms.getMechanismRollUp({ status: S.MECHANISM_STATUS_PROPOSED });
  expect(proposedOnly.jurisdictions.map((j) => j.jurisdictionCode)).toEqual(["120102"]);

  // A district node answers for itself only.
  const own = await heping.liaison.mechanisms.getMechanismRollUp({ status: 0 });
  expect(own.jurisdictions.map((j) => [j.jurisdictionCode, j.status])).toEqual([["120101", S.MECHANISM_STATUS_ESTABLISHED]]);
  expect([own.districtsEstablished, own.districtsWithout]).toEqual([0, 0]);

  // Heping suspends: the city sees it, since the suspension, with the first establishment kept.
  const suspended = (
    await heping.liaison.mechanisms.suspendMechanism({ mechanismId: established.mechanismId, expectedRevision: 2, reason: "换届暂停" })
  ).mechanism!;
  const after = await rollUpWhen((x) => row(x, "120101").status === S.MECHANISM_STATUS_SUSPENDED, "120101 suspended at the city");
  expect(row(after, "120101")).toMatchObject({
    statusSinceTime: suspended.statusSinceTime,
    firstEstablishedTime: established.statusSinceTime,
  });
  expect([after.districtsEstablished, after.districtsWithout]).toEqual([0, 16]);

  // The city audited each applied report, with the district's actor and reason.
  const { entries } = await city.liaison.audit.listAuditEntries({
    aggregateType: "mechanism",
    aggregateId: established.mechanismId,
    actor: "",
    page: undefined,
  });
  expect(entries.map((e) => [e.action, e.revision, e.audit!.reason])).toEqual([
    ["MechanismStatusReported", 3, "换届暂停"],
    ["MechanismStatusReported", 2, "联席会议成立"],
    ["MechanismStatusReported", 1, "津司发〔2024〕8号 第二条"],
  ]);
});
