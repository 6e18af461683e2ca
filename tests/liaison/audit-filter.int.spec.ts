/**
 * The audit trail's one filter shape (`filter` + `page`) on a real node: a period narrows to the
 * changes that took effect in it, the deprecated top-level fields still work, and a field given
 * both ways must agree. Shared by every service through the chassis.
 */
import { status } from "@grpc/grpc-js";
import { uniqueNamespace } from "../harness/kafka";
import { creditCodeFor, OrgType } from "../support/liaison-fixtures";
import { startTestNode, statusOf, TestClock, type TestNode } from "../support/nodes";

jest.setTimeout(60_000);

const DAY = 24 * 3600 * 1000;
const clock = new TestClock();
let city: TestNode;
const ids: string[] = [];
const times: Date[] = [];

beforeAll(async () => {
  city = await startTestNode({ jurisdictionCode: "120000", namespace: uniqueNamespace("audit-filter"), clock });
  // Three registrations two days apart, so each falls in a period of its own.
  for (const name of ["和平区甲商会", "和平区乙商会", "和平区丙商会"]) {
    times.push(clock.now());
    const { organisation } = await city.liaison.registry.registerOrganisation({
      type: OrgType.ORGANISATION_TYPE_CHAMBER_OF_COMMERCE,
      name,
      creditCode: creditCodeFor("120101"),
      jurisdictionCode: "120101",
      departmentNames: [],
      reason: "入库",
    });
    ids.push(organisation!.organisationId);
    clock.advance(2 * DAY);
  }
});

afterAll(async () => {
  await city?.stop();
  await city?.database.drop();
});

const list = (filter: object, top: object = {}) =>
  city.liaison.audit.listAuditEntries({
    aggregateType: "",
    aggregateId: "",
    actor: "",
    ...top,
    filter: { aggregateType: "", aggregateId: "", actor: "", ...filter },
  });

it("narrows to the changes that took effect in a half-open period", async () => {
  const middle = await list({
    occurPeriod: { startTime: new Date(times[1]!.getTime() - DAY), endTime: new Date(times[1]!.getTime() + DAY) },
  });
  expect(middle.entries.map((e) => e.aggregateId)).toEqual([ids[1]]);
  // The end is exclusive: a period ending at the second registration's time leaves it out.
  const upTo = await list({ occurPeriod: { endTime: times[1] } });
  expect(upTo.entries.map((e) => e.aggregateId)).toEqual([ids[0]]);
  const from = await list({ occurPeriod: { startTime: times[1] } });
  expect(from.entries.map((e) => e.aggregateId)).toEqual([ids[2], ids[1]]);
  expect(from.page!.totalSize).toBe(2);
});

it("keeps the deprecated top-level fields working, and refuses a field given two different ways", async () => {
  const top = await city.liaison.audit.listAuditEntries({ aggregateType: "", aggregateId: ids[0]!, actor: "" });
  expect(top.entries.map((e) => e.action)).toEqual(["RegisterOrganisation"]);
  const both = await list({ aggregateId: ids[0] }, { aggregateId: ids[0] });
  expect(both.entries).toHaveLength(1);
  const err = await statusOf(list({ aggregateId: ids[0] }, { aggregateId: ids[1] }));
  expect(err.code).toBe(status.INVALID_ARGUMENT);
  expect(err.fieldViolations.map((v) => v.field)).toEqual(["filter.aggregate_id"]);
});

it("refuses a period whose end is not after its start, naming the field", async () => {
  const err = await statusOf(list({ occurPeriod: { startTime: times[1], endTime: times[0] } }));
  expect(err.code).toBe(status.INVALID_ARGUMENT);
  expect(err.fieldViolations).toEqual([{ field: "filter.occur_period.end_time", description: "must be after start_time" }]);
});
