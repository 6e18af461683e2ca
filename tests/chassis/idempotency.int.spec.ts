/**
 * A caller's request id makes a mutation happen at most once, on a real node: the same request
 * repeated is answered with the first result; the same id sent with a different request is
 * refused (INVALID_ARGUMENT on x-request-id) and changes nothing, rather than silently answering
 * with the first call's result as though the second had been applied.
 */
import { randomUUID } from "node:crypto";
import { status } from "@grpc/grpc-js";
import { uniqueNamespace } from "../harness/kafka";
import { query } from "../support/db";
import { creditCodeFor, OrgType } from "../support/liaison-fixtures";
import { startTestNode, statusOf, type TestNode } from "../support/nodes";

jest.setTimeout(60_000);

let city: TestNode;

beforeAll(async () => {
  city = await startTestNode({ jurisdictionCode: "120000", namespace: uniqueNamespace("idempotency"), target: "liaison" });
});

afterAll(async () => {
  await city?.stop();
  await city?.database.drop();
});

const registration = (name: string) => ({
  type: OrgType.ORGANISATION_TYPE_CHAMBER_OF_COMMERCE,
  name,
  creditCode: creditCodeFor("120101"),
  jurisdictionCode: "120101",
  departmentNames: [],
  reason: "入库",
});

const count = async () => Number((await query<{ n: string }>(city.database.url, "select count(*) as n from liaison.organisations"))[0]!.n);

it("answers a repeated request with the first result, once", async () => {
  const requestId = randomUUID();
  const request = registration("河西区商会");
  const first = await city.liaison.registry.registerOrganisation(request, { requestId });
  const before = await count();
  const again = await city.liaison.registry.registerOrganisation(request, { requestId });
  expect(again.organisation!.organisationId).toBe(first.organisation!.organisationId);
  expect(await count()).toBe(before);
});

it("refuses the same request id with a different request, changing nothing", async () => {
  const requestId = randomUUID();
  await city.liaison.registry.registerOrganisation(registration("南开区商会"), { requestId });
  const before = await count();
  const err = await statusOf(city.liaison.registry.registerOrganisation(registration("红桥区商会"), { requestId }));
  expect(err.code).toBe(status.INVALID_ARGUMENT);
  expect(err.fieldViolations.map((v) => v.field)).toEqual(["x-request-id"]);
  expect(await count()).toBe(before);
});
