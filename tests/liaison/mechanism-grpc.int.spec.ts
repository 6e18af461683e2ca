/**
 * MechanismService at the municipal node, against real Kafka and PostgreSQL: proposing the city's
 * mechanism from its registry, the proposed -> established <-> suspended lifecycle, refusals that
 * change nothing, the audit trail, and the roll-up, including hand-made district reports on the
 * delivery topic (applied once, newest revision wins, forged ones dead-lettered).
 */
import { DISTRICT_CODES } from "@jinlian/kernel";
import { randomUUID } from "node:crypto";
import { status } from "@grpc/grpc-js";
import { toKafkaHeaders, type CloudEvent } from "@jinlian/chassis";
import { liaisonEventsV1, liaisonV1 } from "@jinlian/proto";
import { Kafka, logLevel, Partitioners, type Producer } from "kafkajs";
import { kafkaBrokers, uniqueNamespace, waitFor } from "../harness/kafka";
import { query } from "../support/db";
import { healthCheck } from "../support/grpc-introspection";
import { OrgType, registerMechanismParties, registerParty, type Party } from "../support/liaison-fixtures";
import { readDeadLetters } from "../support/dead-letters";
import { changedTables, expectRefusedWithoutChange, settled, snapshotSchemas } from "../support/refusals";
import { startTestNode, statusOf, type TestNode } from "../support/nodes";

const S = liaisonV1.MechanismStatus;
jest.setTimeout(90_000);

const ns = uniqueNamespace("mechanism");
const kafka = new Kafka({ brokers: kafkaBrokers(), clientId: "mechanism-test", logLevel: logLevel.NOTHING });
let city: TestNode;
let producer: Producer;
let bureau: Party;
let federation: Party;
let districtBureau: Party; // 120101: not of the city's level
let chamber: Party; // wrong type
let retiredFederation: Party; // deactivated

beforeAll(async () => {
  city = await startTestNode({ jurisdictionCode: "120000", namespace: ns });
  producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  ({ bureau, federation } = await registerMechanismParties(city.liaison, "120000", {
    bureau: "天津市司法局",
    federation: "天津市工商业联合会",
  }));
  districtBureau = await registerParty(city.liaison, {
    type: OrgType.ORGANISATION_TYPE_JUSTICE_BUREAU,
    name: "和平区司法局",
    jurisdictionCode: "120101",
    departments: ["法治调研处"],
  });
  chamber = await registerParty(city.liaison, {
    type: OrgType.ORGANISATION_TYPE_CHAMBER_OF_COMMERCE,
    name: "天津市总商会",
    jurisdictionCode: "120000",
    departments: ["法律服务部"],
  });
  retiredFederation = await registerParty(city.liaison, {
    type: OrgType.ORGANISATION_TYPE_FEDERATION,
    name: "天津市工商联（旧）",
    jurisdictionCode: "120000",
    departments: ["法律服务部"],
  });
  await city.liaison.registry.deactivateOrganisation({
    organisationId: retiredFederation.organisation.organisationId,
    expectedRevision: 0,
    reason: "已撤并",
  });
});

afterAll(async () => {
  await producer?.disconnect();
  await city?.stop();
  await city?.database.drop();
});

/** The liaison service's whole schema: what a refused call must leave as it was. */
const liaisonSchema = () => ({ url: city.database.url, schemas: ["liaison"] });

const side = (p: Party, department: string) => ({
  organisationId: p.organisation.organisationId,
  departmentId: p.department(department),
  organisation: undefined,
  departmentName: "",
});
const proposal = (overrides: Partial<liaisonV1.ProposeMechanismRequest> = {}): liaisonV1.ProposeMechanismRequest => ({
  justiceBureau: side(bureau, "法治调研处"),
  federation: side(federation, "法律服务部"),
  reason: "津司发〔2024〕8号",
  ...overrides,
});

let mechanismId = "";

describe("operability", () => {
  it("reports SERVING for MechanismService", async () => {
    expect(await healthCheck(city.address, "jinlian.liaison.v1.MechanismService")).toBe("SERVING");
  });
});

describe("proposing the city's mechanism", () => {
  const invalid: [string, () => liaisonV1.ProposeMechanismRequest, string[]][] = [
    ["an empty request", () => proposal({ justiceBureau: undefined, federation: undefined }), ["justice_bureau", "federation"]],
    [
      "malformed ids",
      () => proposal({ justiceBureau: { ...side(bureau, "法治调研处"), organisationId: "x", departmentId: "" } }),
      ["justice_bureau.organisation_id", "justice_bureau.department_id"],
    ],
    [
      "an unregistered organisation",
      () => proposal({ federation: { ...side(federation, "法律服务部"), organisationId: randomUUID() } }),
      ["federation.organisation_id"],
    ],
    [
      "a chamber as the federation (wrong type)",
      () => proposal({ federation: side(chamber, "法律服务部") }),
      ["federation.organisation_id"],
    ],
    [
      "a district's bureau (not of the same level)",
      () => proposal({ justiceBureau: side(districtBureau, "法治调研处") }),
      ["justice_bureau.organisation_id"],
    ],
    [
      "the bureau's department on the federation side",
      () => proposal({ federation: { ...side(federation, "法律服务部"), departmentId: bureau.department("办公室") } }),
      ["federation.department_id"],
    ],
    ["a reason over 500 characters", () => proposal({ reason: "因".repeat(501) }), ["reason"]],
  ];

  it.each(invalid)("refuses %s with INVALID_ARGUMENT naming the fields, changing nothing", async (_name, request, fields) => {
    const err = await expectRefusedWithoutChange(liaisonSchema(), () => city.liaison.mechanisms.proposeMechanism(request()), {
      code: status.INVALID_ARGUMENT,
      fields,
    });
    expect(err.fieldViolations.map((v) => v.field)).toEqual(fields);
  });

  it("refuses a deactivated federation with FAILED_PRECONDITION, changing nothing", async () => {
    const err = await expectRefusedWithoutChange(
      liaisonSchema(),
      () => city.liaison.mechanisms.proposeMechanism(proposal({ federation: side(retiredFederation, "法律服务部") })),
      { code: status.FAILED_PRECONDITION, precondition: "ORGANISATION_DEACTIVATED" },
    );
    expect(err.preconditionViolations[0]).toMatchObject({
      type: "ORGANISATION_DEACTIVATED",
      subject: `organisation/${retiredFederation.organisation.organisationId}`,
    });
  });

  it("proposes with snapshots of both parties and their responsible departments (art. 3)", async () => {
    const { mechanism } = await city.liaison.mechanisms.proposeMechanism(proposal());
    mechanismId = mechanism!.mechanismId;
    expect(mechanism).toMatchObject({
      jurisdictionCode: "120000",
      status: S.MECHANISM_STATUS_PROPOSED,
      revision: 1,
      firstEstablishedTime: undefined,
      justiceBureau: {
        organisationId: bureau.organisation.organisationId,
        departmentId: bureau.department("法治调研处"),
        departmentName: "法治调研处",
        organisation: { creditCode: bureau.organisation.creditCode, jurisdictionCode: "120000", name: "天津市司法局" },
      },
      federation: {
        organisationId: federation.organisation.organisationId,
        departmentName: "法律服务部",
        organisation: { creditCode: federation.organisation.creditCode, jurisdictionCode: "120000", name: "天津市工商业联合会" },
      },
    });
    expect(mechanism!.history).toHaveLength(1);
    expect(mechanism!.history[0]).toMatchObject({
      status: S.MECHANISM_STATUS_PROPOSED,
      audit: { actor: "test-operator", reason: "津司发〔2024〕8号", jurisdictionCode: "120000" },
    });
    expect(mechanism!.statusSinceTime).toEqual(mechanism!.history[0]!.audit!.occurTime);
    expect((await city.liaison.mechanisms.getMechanism({ mechanismId })).mechanism).toEqual(mechanism);
    // The city reports to no one: nothing in the outbox for a mechanism.
    const out = await query(city.database.url, "select 1 from liaison.outbox where event_type = 'jinlian.liaison.mechanism.reported.v1'");
    expect(out).toHaveLength(0);
  });

  it("refuses a second mechanism at the node with ALREADY_EXISTS, changing nothing", async () => {
    const err = await expectRefusedWithoutChange(
      liaisonSchema(),
      () => city.liaison.mechanisms.proposeMechanism(proposal({ reason: "again" })),
      {
        code: status.ALREADY_EXISTS,
      },
    );
    expect(err.message).toContain(mechanismId);
  });

  it("keeps the responsible departments: the registry refuses to remove one", async () => {
    const err = await expectRefusedWithoutChange(
      liaisonSchema(),
      () =>
        city.liaison.registry.removeDepartment({
          organisationId: federation.organisation.organisationId,
          expectedRevision: 0,
          departmentId: federation.department("法律服务部"),
          reason: "机构调整",
        }),
      { code: status.FAILED_PRECONDITION, precondition: "RESPONSIBLE_DEPARTMENT" },
    );
    expect(err.preconditionViolations[0]!.subject).toBe(`mechanism/${mechanismId}`);
  });
});

describe("the lifecycle", () => {
  it("refuses transitions that make no sense, bad ids and stale revisions, changing nothing", async () => {
    const m = city.liaison.mechanisms;
    const suspendProposed = await expectRefusedWithoutChange(
      liaisonSchema(),
      () => m.suspendMechanism({ mechanismId, expectedRevision: 0, reason: "暂停" }),
      { code: status.FAILED_PRECONDITION, precondition: "STATE" },
    );
    expect(suspendProposed.preconditionViolations[0]).toMatchObject({ type: "STATE", subject: `mechanism/${mechanismId}` });

    const noReason = await expectRefusedWithoutChange(
      liaisonSchema(),
      () => m.suspendMechanism({ mechanismId, expectedRevision: 0, reason: "  " }),
      { code: status.INVALID_ARGUMENT, fields: ["reason"] },
    );
    expect(noReason.fieldViolations.map((v) => v.field)).toEqual(["reason"]);

    await expectRefusedWithoutChange(liaisonSchema(), () => m.establishMechanism({ mechanismId, expectedRevision: 7, reason: "" }), {
      code: status.ABORTED,
      reason: "STALE_REVISION",
    });

    const negative = await expectRefusedWithoutChange(
      liaisonSchema(),
      () => m.establishMechanism({ mechanismId, expectedRevision: -1, reason: "" }),
      { code: status.INVALID_ARGUMENT, fields: ["expected_revision"] },
    );
    expect(negative.fieldViolations.map((v) => v.field)).toEqual(["expected_revision"]);

    await expectRefusedWithoutChange(
      liaisonSchema(),
      () => m.establishMechanism({ mechanismId: randomUUID(), expectedRevision: 0, reason: "" }),
      {
        code: status.NOT_FOUND,
      },
    );

    const malformed = await expectRefusedWithoutChange(
      liaisonSchema(),
      () => m.establishMechanism({ mechanismId: "m-1", expectedRevision: 0, reason: "" }),
      { code: status.INVALID_ARGUMENT, fields: ["mechanism_id"] },
    );
    expect(malformed.fieldViolations).toEqual([{ field: "mechanism_id", description: "must be a UUID" }]);

    expect((await statusOf(m.getMechanism({ mechanismId: randomUUID() }))).code).toBe(status.NOT_FOUND);
    expect((await statusOf(m.getMechanism({ mechanismId: "nope" }))).fieldViolations.map((v) => v.field)).toEqual(["mechanism_id"]);
  });

  it("establishes, suspends with a reason and re-establishes, keeping the first establishment", async () => {
    const m = city.liaison.mechanisms;
    const established = (await m.establishMechanism({ mechanismId, expectedRevision: 1, reason: "联席会议成立" })).mechanism!;
    expect(established).toMatchObject({ status: S.MECHANISM_STATUS_ESTABLISHED, revision: 2 });
    expect(established.firstEstablishedTime).toEqual(established.statusSinceTime);
    // A change answers with the mechanism as it saved it, which is what a read then shows.
    const read = async () => (await m.getMechanism({ mechanismId })).mechanism;
    expect(established).toEqual(await read());

    await expectRefusedWithoutChange(liaisonSchema(), () => m.establishMechanism({ mechanismId, expectedRevision: 0, reason: "" }), {
      code: status.FAILED_PRECONDITION,
      precondition: "STATE",
    });

    // A repeat of the same request (same request id) is answered once and changes nothing more.
    const requestId = `suspend-${randomUUID()}`;
    const suspended = (await m.suspendMechanism({ mechanismId, expectedRevision: 2, reason: "换届暂停" }, { requestId })).mechanism!;
    const before = await snapshotSchemas(liaisonSchema());
    const repeat = (await m.suspendMechanism({ mechanismId, expectedRevision: 2, reason: "换届暂停" }, { requestId })).mechanism!;
    expect(changedTables(before, await snapshotSchemas(liaisonSchema()))).toEqual({});
    expect(repeat).toEqual(suspended);
    expect(suspended).toEqual(await read());
    expect(suspended).toMatchObject({
      status: S.MECHANISM_STATUS_SUSPENDED,
      revision: 3,
      firstEstablishedTime: established.firstEstablishedTime,
    });
    expect(suspended.statusSinceTime!.getTime()).toBeGreaterThanOrEqual(established.statusSinceTime!.getTime());

    const again = (await m.establishMechanism({ mechanismId, expectedRevision: 3, reason: "恢复" })).mechanism!;
    expect(again).toMatchObject({
      status: S.MECHANISM_STATUS_ESTABLISHED,
      revision: 4,
      firstEstablishedTime: established.firstEstablishedTime,
    });
    expect(again.history.map((t) => [t.status, t.audit!.reason])).toEqual([
      [S.MECHANISM_STATUS_PROPOSED, "津司发〔2024〕8号"],
      [S.MECHANISM_STATUS_ESTABLISHED, "联席会议成立"],
      [S.MECHANISM_STATUS_SUSPENDED, "换届暂停"],
      [S.MECHANISM_STATUS_ESTABLISHED, "恢复"],
    ]);
    expect(again.statusSinceTime).toEqual(again.history[3]!.audit!.occurTime);
  });

  it("records who did what and why in the audit trail, one entry per change", async () => {
    const { entries, page } = await city.liaison.audit.listAuditEntries({
      aggregateType: "mechanism",
      aggregateId: mechanismId,
      actor: "",
      page: undefined,
    });
    expect(page!.totalSize).toBe(4);
    expect(entries.map((e) => [e.action, e.revision, e.audit!.actor, e.audit!.reason])).toEqual([
      ["EstablishMechanism", 4, "test-operator", "恢复"],
      ["SuspendMechanism", 3, "test-operator", "换届暂停"],
      ["EstablishMechanism", 2, "test-operator", "联席会议成立"],
      ["ProposeMechanism", 1, "test-operator", "津司发〔2024〕8号"],
    ]);
  });

  it("lists the node's mechanisms by status, with paging", async () => {
    const m = city.liaison.mechanisms;
    const all = await m.listMechanisms({ status: 0, page: { pageSize: 1, pageToken: "" } });
    expect(all.mechanisms.map((x) => x.mechanismId)).toEqual([mechanismId]);
    expect(all.page).toEqual({ nextPageToken: "", totalSize: 1 });
    expect((await m.listMechanisms({ status: S.MECHANISM_STATUS_ESTABLISHED, page: undefined })).mechanisms).toHaveLength(1);
    expect((await m.listMechanisms({ status: S.MECHANISM_STATUS_SUSPENDED, page: undefined })).page!.totalSize).toBe(0);
    const none = await statusOf(m.listMechanisms({ status: S.MECHANISM_STATUS_NONE, page: undefined }));
    expect(none.fieldViolations.map((v) => v.field)).toEqual(["status"]);
    const unknown = await statusOf(m.listMechanisms({ status: 99 as liaisonV1.MechanismStatus, page: undefined }));
    expect(unknown.fieldViolations.map((v) => v.field)).toEqual(["status"]);
    const token = await statusOf(m.listMechanisms({ status: 0, page: { pageSize: 0, pageToken: "garbage" } }));
    expect(token.fieldViolations.map((v) => v.field)).toEqual(["page.page_token"]);
  });
});

describe("the roll-up at the city", () => {
  it("shows the city's own mechanism first, then the 16 districts, none of them reported", async () => {
    const r = await city.liaison.mechanisms.getMechanismRollUp({ status: 0 });
    expect(r.jurisdictions.map((j) => j.jurisdictionCode)).toEqual(["120000", ...DISTRICT_CODES]);
    const own = (await city.liaison.mechanisms.getMechanism({ mechanismId })).mechanism!;
    expect(r.jurisdictions[0]).toMatchObject({
      jurisdictionName: "天津市",
      status: S.MECHANISM_STATUS_ESTABLISHED,
      mechanismId,
      statusSinceTime: own.statusSinceTime,
      firstEstablishedTime: own.firstEstablishedTime,
      reportTime: own.statusSinceTime,
      justiceBureau: own.justiceBureau,
      federation: own.federation,
    });
    expect(r.jurisdictions[1]).toEqual({
      jurisdictionCode: "120101",
      jurisdictionName: "和平区",
      status: S.MECHANISM_STATUS_NONE,
      statusSinceTime: undefined,
      firstEstablishedTime: undefined,
      mechanismId: "",
      justiceBureau: undefined,
      federation: undefined,
      reportTime: undefined,
    });
    expect([r.districtsEstablished, r.districtsWithout]).toEqual([0, 16]);
    const established = await city.liaison.mechanisms.getMechanismRollUp({ status: S.MECHANISM_STATUS_ESTABLISHED });
    expect(established.jurisdictions.map((j) => j.jurisdictionCode)).toEqual(["120000"]);
    const bad = await statusOf(city.liaison.mechanisms.getMechanismRollUp({ status: 42 as liaisonV1.MechanismStatus }));
    expect(bad.fieldViolations.map((v) => v.field)).toEqual(["status"]);
  });
});

describe("district reports arriving at the city", () => {
  const inbound = `${ns}.120101.liaison.to.120000`;
  const dlq = `${ns}.120000.liaison.dlq`;
  const hepingMechanism = randomUUID();

  function report(
    revision: number,
    st: liaisonV1.MechanismStatus,
    o: { source?: string; code?: string; mechanismCode?: string } = {},
  ): CloudEvent {
    const code = o.code ?? "120101";
    const at = new Date(Date.UTC(2026, 0, revision));
    const party = (name: string) => ({
      organisationId: randomUUID(),
      departmentId: randomUUID(),
      organisation: { creditCode: "11120101MB0000000X", jurisdictionCode: code, name },
      departmentName: "法治调研处",
    });
    const data = liaisonEventsV1.MechanismStatusReported.encode({
      jurisdictionCode: code,
      mechanism: {
        mechanismId: hepingMechanism,
        jurisdictionCode: o.mechanismCode ?? code,
        justiceBureau: party("和平区司法局"),
        federation: party("和平区工商联"),
        status: st,
        statusSinceTime: at,
        firstEstablishedTime: st === S.MECHANISM_STATUS_PROPOSED ? undefined : new Date(Date.UTC(2026, 0, 2)),
        history: [],
        revision,
      },
      audit: { actor: "heping-operator", reason: `rev ${revision}`, requestId: "r", occurTime: at, jurisdictionCode: code },
    }).finish();
    return {
      id: randomUUID(),
      source: o.source ?? `/jinlian/${code}/liaison`,
      type: "jinlian.liaison.mechanism.reported.v1",
      time: at,
      subject: code,
      dataschema: "urn:jinlian:protobuf:jinlian.liaison.events.v1.MechanismStatusReported",
      data,
    };
  }

  async function send(...events: CloudEvent[]): Promise<void> {
    await producer.send({
      topic: inbound,
      acks: -1,
      messages: events.map((e) => ({ key: e.subject, value: Buffer.from(e.data), headers: toKafkaHeaders(e) })),
    });
  }

  const heping = async () =>
    (await city.liaison.mechanisms.getMechanismRollUp({ status: 0 })).jurisdictions.find((j) => j.jurisdictionCode === "120101")!;

  const deadLetters = async (expected: number) => (await readDeadLetters(kafka, dlq, expected)).map((l) => l.error);

  it("applies a newer revision once; a repeat or a stale report changes nothing", async () => {
    const proposed = report(1, S.MECHANISM_STATUS_PROPOSED);
    await send(proposed, proposed, report(2, S.MECHANISM_STATUS_ESTABLISHED), report(1, S.MECHANISM_STATUS_PROPOSED));
    // The same key keeps order: once revision 3 is in, everything before it was handled.
    await send(report(3, S.MECHANISM_STATUS_SUSPENDED), report(2, S.MECHANISM_STATUS_ESTABLISHED));
    await send(report(4, S.MECHANISM_STATUS_ESTABLISHED));
    const row = await waitFor(
      async () =>
        (await heping()).status === S.MECHANISM_STATUS_ESTABLISHED && (await heping()).statusSinceTime?.getTime() === Date.UTC(2026, 0, 4)
          ? heping()
          : undefined,
      {
        timeoutMs: 30_000,
        intervalMs: 200,
        what: "revision 4 of 120101 at the city",
      },
    );
    expect(row).toMatchObject({
      jurisdictionName: "和平区",
      mechanismId: hepingMechanism,
      firstEstablishedTime: new Date(Date.UTC(2026, 0, 2)),
    });
    const r = await city.liaison.mechanisms.getMechanismRollUp({ status: 0 });
    expect([r.districtsEstablished, r.districtsWithout]).toEqual([1, 15]);
    const { entries } = await city.liaison.audit.listAuditEntries({
      aggregateType: "mechanism",
      aggregateId: hepingMechanism,
      actor: "",
      page: undefined,
    });
    expect(entries.map((e) => [e.action, e.revision, e.audit!.actor])).toEqual([
      ["MechanismStatusReported", 4, "heping-operator"],
      ["MechanismStatusReported", 3, "heping-operator"],
      ["MechanismStatusReported", 2, "heping-operator"],
      ["MechanismStatusReported", 1, "heping-operator"],
    ]);
  });

  it("dead-letters a report from a node other than the district it names, changing nothing", async () => {
    const before = await snapshotSchemas(liaisonSchema());
    await send(
      report(9, S.MECHANISM_STATUS_SUSPENDED, { source: "/jinlian/120102/liaison" }), // 120102 speaking for 120101
      report(9, S.MECHANISM_STATUS_SUSPENDED, { mechanismCode: "120102" }), // someone else's mechanism
      report(9, S.MECHANISM_STATUS_SUSPENDED, { code: "120000", source: "/jinlian/120000/liaison" }), // not a district
      report(9, S.MECHANISM_STATUS_SUSPENDED, { code: "120102", source: "/jinlian/120101/liaison" }), // 120101 reporting for 120102
    );
    // Consistent in itself, but sent on Heping's delivery topic: not from 120102's node.
    await send(report(9, S.MECHANISM_STATUS_SUSPENDED, { code: "120102" }));
    const errors = await deadLetters(5);
    expect(errors.join("\n")).toMatch(/names node 120102, but .* is written by node 120101/);
    expect(errors.join("\n")).toMatch(/names node 120000, but .* is written by node 120101/);
    expect(errors.join("\n")).toMatch(/reports for "120102", but was sent by node 120101/);
    expect(errors.join("\n")).toMatch(/data\.mechanism\.jurisdiction_code/);
    expect(changedTables(before, await snapshotSchemas(liaisonSchema()))).toEqual({});
    expect((await heping()).status).toBe(S.MECHANISM_STATUS_ESTABLISHED);
    const r = await city.liaison.mechanisms.getMechanismRollUp({ status: S.MECHANISM_STATUS_NONE });
    expect(r.jurisdictions.map((j) => j.jurisdictionCode)).toContain("120102");
  });
});

describe("a party deactivated after the proposal", () => {
  it("blocks re-establishing a suspended mechanism, changing nothing", async () => {
    const m = city.liaison.mechanisms;
    await m.suspendMechanism({ mechanismId, expectedRevision: 4, reason: "工商联撤并" });
    await city.liaison.registry.deactivateOrganisation({
      organisationId: federation.organisation.organisationId,
      expectedRevision: 0,
      reason: "撤并",
    });
    // The deactivation's own events have reached every consumer before the refusal's snapshots.
    await settled(liaisonSchema());
    const err = await expectRefusedWithoutChange(
      liaisonSchema(),
      () => m.establishMechanism({ mechanismId, expectedRevision: 5, reason: "恢复" }),
      {
        code: status.FAILED_PRECONDITION,
        precondition: "ORGANISATION_DEACTIVATED",
      },
    );
    expect(err.preconditionViolations.map((v) => [v.type, v.subject])).toEqual([
      ["ORGANISATION_DEACTIVATED", `organisation/${federation.organisation.organisationId}`],
    ]);
    expect((await m.getMechanismRollUp({ status: 0 })).jurisdictions[0]!.status).toBe(S.MECHANISM_STATUS_SUSPENDED);
  });
});
