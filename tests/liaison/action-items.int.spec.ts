/**
 * Action items at one node, against real Kafka and PostgreSQL: carry-over along a series,
 * progress rules, the inbound deliveries of cross-level tracking (applied through the area's
 * handlers), lists, and overdue alerts raised once per item and due date by the scheduled
 * scanner, also with several scanners at once.
 */
import { status } from "@grpc/grpc-js";
import { InvalidArgumentError, liaisonEvents, type ReceivedEvent } from "@jinlian/chassis";
import { liaisonModule } from "@jinlian/liaison";
import { liaisonEventsV1, liaisonV1 } from "@jinlian/proto";
import { fromKafkaMessage } from "@jinlian/subscriber";
import { Kafka, logLevel, type Consumer } from "kafkajs";
import { randomUUID } from "node:crypto";
import { kafkaBrokers, uniqueNamespace, waitFor } from "../harness/kafka";
import { consultationsOf } from "../support/answers";
import { query } from "../support/db";
import { OrgType, registerMechanismParties, registerParty, type Party } from "../support/liaison-fixtures";
import { bothSides, establishMechanism } from "../support/consultation-fixtures";
import { startTestNode, statusOf, TestClock, type TestNode } from "../support/nodes";

const L = liaisonV1;
const S = L.ActionItemStatus;
jest.setTimeout(90_000);

const ns = uniqueNamespace("action-items");
const clock = new TestClock();
let city: TestNode;
let district: TestNode;
let federation: Party;
let cityAttendees: liaisonV1.Attendee[];
let districtChamber: Party;

const DAY = 86_400_000;
const inDays = (n: number) => new Date(clock.now().getTime() + n * DAY);

beforeAll(async () => {
  [city, district] = await Promise.all([
    startTestNode({ jurisdictionCode: "120000", namespace: ns, clock, environment: { LIAISON_OVERDUE_SCAN_INTERVAL_MS: "200" } }),
    // Its own namespace: the handlers are driven directly here; delivery across nodes is the e2e test's.
    startTestNode({ jurisdictionCode: "120101", namespace: uniqueNamespace("action-items-district") }),
  ]);
  let bureau: Party;
  ({ bureau, federation } = await registerMechanismParties(city.liaison, "120000"));
  await establishMechanism(city.liaison, bureau, federation);
  cityAttendees = bothSides(bureau, federation);
  districtChamber = await registerParty(district.liaison, {
    type: OrgType.ORGANISATION_TYPE_CHAMBER_OF_COMMERCE,
    name: "和平区总商会",
    jurisdictionCode: "120101",
    departments: ["法律服务部"],
  });
});

afterAll(async () => {
  for (const n of [city, district]) await n?.stop();
  for (const n of [city, district]) await n?.database.drop();
});

function seamsOf(node: TestNode) {
  return node.node.seams(liaisonModule);
}

async function footprint(node: TestNode): Promise<Record<string, number>> {
  const [row] = await query<Record<string, string>>(
    node.database.url,
    `select (select count(*) from liaison.consultations) as consultations,
            (select coalesce(sum(revision), 0) from liaison.consultations) as consultation_revisions,
            (select count(*) from liaison.action_items) as action_items,
            (select coalesce(sum(revision), 0) from liaison.action_items) as action_item_revisions,
            (select coalesce(sum(carry_over_count), 0) from liaison.action_items) as carry_overs,
            (select count(*) from liaison.action_item_progress) as progress,
            (select count(*) from liaison.outbox) as outbox,
            (select count(*) from liaison.audit_entries) as audit`,
  );
  return Object.fromEntries(Object.entries(row!).map(([k, v]) => [k, Number(v)]));
}

async function refusedUnchanged(node: TestNode, call: () => Promise<unknown>, code: status) {
  const before = await footprint(node);
  const err = await statusOf(call());
  expect(status[err.code]).toBe(status[code]);
  expect(await footprint(node)).toEqual(before);
  return err;
}

const owner = () => ({
  organisationId: federation.organisation.organisationId,
  departmentId: federation.department("法律服务部"),
  creditCode: "",
});

async function schedule(title: string, seriesId = "") {
  const { consultation } = await consultationsOf(city).scheduleConsultation({
    kind: L.ConsultationKind.CONSULTATION_KIND_WORKING,
    title,
    seriesId,
    mechanismId: "",
    scheduledTime: inDays(7),
    location: "",
    agenda: [],
    attendees: cityAttendees,
    reason: "",
    concernedJurisdictionCodes: [],
  });
  return consultation!;
}

async function start(id: string) {
  await consultationsOf(city).startConsultation({ consultationId: id, expectedRevision: 0, reason: "" });
}

async function close(id: string) {
  return (await consultationsOf(city).closeConsultation({ consultationId: id, expectedRevision: 0, minutes: "纪要", reason: "" }))
    .consultation!;
}

/** Records an ACTION outcome and returns the action item created. */
async function decide(consultationId: string, title: string, action: Partial<liaisonV1.ActionSpec> = {}) {
  const { outcome } = await consultationsOf(city).recordOutcome({
    consultationId,
    expectedRevision: 0,
    type: L.OutcomeType.OUTCOME_TYPE_ACTION,
    text: `议定：${title}`,
    agendaItemId: "",
    action: { title, owner: owner(), assigneeJurisdictionCode: "", dueTime: inDays(30), jointOwners: [], ...action },
    reason: "",
  });
  return (await consultationsOf(city).getActionItem({ actionItemId: outcome!.actionItemId })).actionItem!;
}

const item = async (node: TestNode, id: string) => (await consultationsOf(node).getActionItem({ actionItemId: id })).actionItem!;
const tracked = async (id: string) =>
  (await consultationsOf(city).getConsultation({ consultationId: id })).consultation!.actionItems.map((a) => a.title).sort();

function event<T>(type: string, from: string, data: T): ReceivedEvent<T> {
  const id = randomUUID();
  return {
    type,
    id,
    source: `/jinlian/${from}/liaison`,
    subject: "",
    time: new Date(),
    data,
    idempotencyKey: `/jinlian/${from}/liaison/${id}`,
    topic: "test",
    partition: 0,
    offset: "0",
  } as unknown as ReceivedEvent<T>;
}

describe("carry-over along a series", () => {
  it("moves unfinished items to the next consultation of the series, across three consultations", async () => {
    const first = await schedule("季度协商 第1次");
    await start(first.consultationId);
    const a = await decide(first.consultationId, "甲：起草合作备忘录");
    const b = await decide(first.consultationId, "乙：汇总商会诉求");
    await consultationsOf(city).updateActionItemProgress({
      actionItemId: b.actionItemId,
      expectedRevision: 0,
      status: S.ACTION_ITEM_STATUS_DONE,
      note: "已汇总",
      owner: undefined,
      jointOwners: [],
      reportingOrganisationId: "",
      reportingCreditCode: "",
    });
    // Closing with nothing planned next: the unfinished item waits at the closed consultation.
    await close(first.consultationId);
    expect(await tracked(first.consultationId)).toEqual(["乙：汇总商会诉求", "甲：起草合作备忘录"]);

    // Scheduling the second takes over what the closed first left unfinished (not the done item).
    const second = await schedule("季度协商 第2次", first.seriesId);
    expect(second.actionItems.map((x) => [x.title, x.carryOverCount, x.originConsultationId])).toEqual([
      ["甲：起草合作备忘录", 1, first.consultationId],
    ]);
    expect(await tracked(first.consultationId)).toEqual(["乙：汇总商会诉求"]);

    // The third is scheduled while the second is still planned: the second keeps its items.
    const third = await schedule("季度协商 第3次", first.seriesId);
    expect(third.actionItems).toEqual([]);

    await start(second.consultationId);
    const c = await decide(second.consultationId, "丙：组织法治讲座");
    // Closing the second passes its unfinished items to the earliest planned one: the third.
    const closedSecond = await close(second.consultationId);
    expect(closedSecond.actionItems).toEqual([]);
    const atThird = (await consultationsOf(city).getConsultation({ consultationId: third.consultationId })).consultation!.actionItems;
    expect(atThird.map((x) => [x.actionItemId, x.carryOverCount, x.consultationId, x.originConsultationId]).sort()).toEqual(
      [
        [a.actionItemId, 2, third.consultationId, first.consultationId],
        [c.actionItemId, 1, third.consultationId, second.consultationId],
      ].sort(),
    );
    expect((await item(city, a.actionItemId)).revision).toBe(3);
    const { entries } = await city.liaison.audit.listAuditEntries({ aggregateType: "action_item", aggregateId: a.actionItemId, actor: "" });
    expect(entries.map((e) => e.action).reverse()).toEqual(["RecordOutcome", "CarryOver", "CarryOver"]);

    const bySeries = await consultationsOf(city).listActionItems({ filter: { ...noFilter, seriesId: first.seriesId } });
    expect(bySeries.page!.totalSize).toBe(3);
  });

  it("passes the items of a cancelled consultation on to the next planned one", async () => {
    const first = await schedule("专项协商 第1次");
    await start(first.consultationId);
    const a = await decide(first.consultationId, "丁：梳理涉企法规");
    await close(first.consultationId);
    const second = await schedule("专项协商 第2次", first.seriesId);
    const third = await schedule("专项协商 第3次", first.seriesId);
    expect(second.actionItems.map((x) => x.actionItemId)).toEqual([a.actionItemId]);
    await consultationsOf(city).cancelConsultation({ consultationId: second.consultationId, expectedRevision: 0, reason: "改期" });
    expect(await tracked(third.consultationId)).toEqual(["丁：梳理涉企法规"]);
    expect((await item(city, a.actionItemId)).carryOverCount).toBe(2);
  });
});

const noFilter: liaisonV1.ActionItemFilter = {
  status: 0,
  consultationId: "",
  seriesId: "",
  ownerOrganisationId: "",
  assigneeJurisdictionCode: "",
  overdueOnly: false,
  origin: 0,
  dueBefore: undefined,
  originConsultationId: "",
  ownerCreditCode: "",
};

describe("progress on an item owned here", () => {
  it("moves it to in progress then done, appending reports; done is final; refusals change nothing", async () => {
    const c = await schedule("进度协商");
    await start(c.consultationId);
    const a = await decide(c.consultationId, "戊：建立联络员名册");

    const noNote = await refusedUnchanged(
      city,
      () =>
        consultationsOf(city).updateActionItemProgress({
          actionItemId: a.actionItemId,
          expectedRevision: 0,
          status: S.ACTION_ITEM_STATUS_OPEN,
          note: "",
          owner: undefined,
          jointOwners: [],
          reportingOrganisationId: "",
          reportingCreditCode: "",
        }),
      status.INVALID_ARGUMENT,
    );
    expect(noNote.fieldViolations.map((v) => v.field)).toEqual(["status", "note"]);
    const ownerHere = await refusedUnchanged(
      city,
      () =>
        consultationsOf(city).updateActionItemProgress({
          actionItemId: a.actionItemId,
          expectedRevision: 0,
          status: S.ACTION_ITEM_STATUS_IN_PROGRESS,
          note: "换人",
          owner: owner(),
          jointOwners: [],
          reportingOrganisationId: "",
          reportingCreditCode: "",
        }),
      status.INVALID_ARGUMENT,
    );
    expect(ownerHere.fieldViolations.map((v) => v.field)).toEqual(["owner"]);

    const { actionItem: working } = await consultationsOf(city).updateActionItemProgress({
      actionItemId: a.actionItemId,
      expectedRevision: 1,
      status: S.ACTION_ITEM_STATUS_IN_PROGRESS,
      note: "已征集名单",
      owner: undefined,
      jointOwners: [],
      reportingOrganisationId: "",
      reportingCreditCode: "",
    });
    expect(working!.status).toBe(S.ACTION_ITEM_STATUS_IN_PROGRESS);
    expect(working!.revision).toBe(2);
    await refusedUnchanged(
      city,
      () =>
        consultationsOf(city).updateActionItemProgress({
          actionItemId: a.actionItemId,
          expectedRevision: 1,
          status: S.ACTION_ITEM_STATUS_DONE,
          note: "完成",
          owner: undefined,
          jointOwners: [],
          reportingOrganisationId: "",
          reportingCreditCode: "",
        }),
      status.ABORTED,
    );
    const { actionItem: done } = await consultationsOf(city).updateActionItemProgress({
      actionItemId: a.actionItemId,
      expectedRevision: 2,
      status: S.ACTION_ITEM_STATUS_DONE,
      note: "名册已印发",
      owner: undefined,
      jointOwners: [],
      reportingOrganisationId: "",
      reportingCreditCode: "",
    });
    expect(done!.progress.map((p) => [p.status, p.note, p.audit!.actor, p.audit!.jurisdictionCode])).toEqual([
      [S.ACTION_ITEM_STATUS_IN_PROGRESS, "已征集名单", "test-operator", "120000"],
      [S.ACTION_ITEM_STATUS_DONE, "名册已印发", "test-operator", "120000"],
    ]);
    const final = await refusedUnchanged(
      city,
      () =>
        consultationsOf(city).updateActionItemProgress({
          actionItemId: a.actionItemId,
          expectedRevision: 0,
          status: S.ACTION_ITEM_STATUS_CANCELLED,
          note: "撤销",
          owner: undefined,
          jointOwners: [],
          reportingOrganisationId: "",
          reportingCreditCode: "",
        }),
      status.FAILED_PRECONDITION,
    );
    expect(final.preconditionViolations[0]!.subject).toBe(`action_item/${a.actionItemId}`);
    await refusedUnchanged(
      city,
      () =>
        consultationsOf(city).updateActionItemProgress({
          actionItemId: randomUUID(),
          expectedRevision: 0,
          status: S.ACTION_ITEM_STATUS_DONE,
          note: "完成",
          owner: undefined,
          jointOwners: [],
          reportingOrganisationId: "",
          reportingCreditCode: "",
        }),
      status.NOT_FOUND,
    );
  });
});

describe("cross-level tracking at the city", () => {
  let consultationId: string;
  const app = () => seamsOf(city).actionItems;
  const report = (actionItemId: string, sequence: number, s: liaisonV1.ActionItemStatus, from = "120101") =>
    event<liaisonEventsV1.ActionItemProgressReported>(liaisonEvents.actionItemProgressReported.type, from, {
      actionItemId,
      reportingJurisdictionCode: from,
      status: s,
      note: `第${sequence}次报告`,
      sequence,
      owner: { creditCode: "", jurisdictionCode: "120101", name: "和平区总商会" },
      audit: { actor: "district-operator", reason: "", requestId: "r", occurTime: new Date(), jurisdictionCode: from },
      reportedBy: undefined,
      jointOwners: [],
    });
  const apply = (e: ReceivedEvent<liaisonEventsV1.ActionItemProgressReported>) =>
    seamsOf(city).db.transaction((trx) => app().onProgressReported(e, trx));

  beforeAll(async () => {
    const c = await schedule("市级决定下达协商");
    await start(c.consultationId);
    consultationId = c.consultationId;
  });

  it("takes only a cancellation for an item assigned to a district: progress comes from the district", async () => {
    const a = await decide(consultationId, "己：区级落实", { owner: undefined, assigneeJurisdictionCode: "120101" });
    const err = await refusedUnchanged(
      city,
      () =>
        consultationsOf(city).updateActionItemProgress({
          actionItemId: a.actionItemId,
          expectedRevision: 0,
          status: S.ACTION_ITEM_STATUS_DONE,
          note: "代报完成",
          owner: undefined,
          jointOwners: [],
          reportingOrganisationId: "",
          reportingCreditCode: "",
        }),
      status.FAILED_PRECONDITION,
    );
    expect(err.preconditionViolations[0]!.type).toBe("ASSIGNED_ELSEWHERE");
    const { actionItem } = await consultationsOf(city).updateActionItemProgress({
      actionItemId: a.actionItemId,
      expectedRevision: 0,
      status: S.ACTION_ITEM_STATUS_CANCELLED,
      note: "市里决定取消",
      owner: undefined,
      jointOwners: [],
      reportingOrganisationId: "",
      reportingCreditCode: "",
    });
    expect(actionItem!.status).toBe(S.ACTION_ITEM_STATUS_CANCELLED);
    // A report the district sent before it knew is kept, but the item stays cancelled.
    await apply(report(a.actionItemId, 1, S.ACTION_ITEM_STATUS_DONE));
    const after = await item(city, a.actionItemId);
    expect(after.status).toBe(S.ACTION_ITEM_STATUS_CANCELLED);
    expect(after.progress.map((p) => p.status)).toEqual([S.ACTION_ITEM_STATUS_CANCELLED, S.ACTION_ITEM_STATUS_DONE]);
  });

  it("applies the district's reports once and in order, and refuses reports from another district", async () => {
    const a = await decide(consultationId, "庚：区级法治体检", { owner: undefined, assigneeJurisdictionCode: "120101" });
    await apply(report(a.actionItemId, 1, S.ACTION_ITEM_STATUS_IN_PROGRESS));
    let now = await item(city, a.actionItemId);
    expect(now.status).toBe(S.ACTION_ITEM_STATUS_IN_PROGRESS);
    expect(now.progress.map((p) => [p.note, p.audit!.actor, p.audit!.jurisdictionCode])).toEqual([
      ["第1次报告", "district-operator", "120101"],
    ]);

    const before = await footprint(city);
    await apply(report(a.actionItemId, 1, S.ACTION_ITEM_STATUS_IN_PROGRESS)); // a repeat
    expect(await footprint(city)).toEqual(before);

    await apply(report(a.actionItemId, 3, S.ACTION_ITEM_STATUS_DONE));
    await apply(report(a.actionItemId, 2, S.ACTION_ITEM_STATUS_IN_PROGRESS)); // older than the last applied
    now = await item(city, a.actionItemId);
    expect(now.status).toBe(S.ACTION_ITEM_STATUS_DONE);
    expect(now.progress.map((p) => p.note)).toEqual(["第1次报告", "第3次报告"]);

    const unchanged = await footprint(city);
    await expect(apply(report(a.actionItemId, 9, S.ACTION_ITEM_STATUS_DONE, "120102"))).rejects.toThrow(InvalidArgumentError);
    await expect(apply(report(randomUUID(), 1, S.ACTION_ITEM_STATUS_DONE))).rejects.toThrow(InvalidArgumentError);
    expect(await footprint(city)).toEqual(unchanged);
  });
});

describe("cross-level tracking at a district", () => {
  const app = () => seamsOf(district).actionItems;
  const assignment = (actionItemId: string, assignee = "120101") =>
    event<liaisonEventsV1.ActionItemAssigned>(liaisonEvents.actionItemAssigned.type, "120000", {
      actionItemId,
      assigneeJurisdictionCode: assignee,
      title: "辛：落实市级部署",
      dueTime: inDays(14),
      consultationId: randomUUID(),
      consultationTitle: "市级会商",
      consultationKind: L.ConsultationKind.CONSULTATION_KIND_HIGH_LEVEL,
      outcomeText: "议定：各区落实",
      audit: { actor: "city-operator", reason: "部署", requestId: "r", occurTime: new Date(), jurisdictionCode: "120000" },
    });
  const receive = (e: ReceivedEvent<liaisonEventsV1.ActionItemAssigned>) =>
    seamsOf(district).db.transaction((trx) => app().onAssigned(e, trx));

  it("keeps an assignment under the city's id once, designates an owner and reports each update up", async () => {
    const id = randomUUID();
    const e = assignment(id);
    await receive(e);
    const received = await item(district, id);
    expect(received).toEqual(
      expect.objectContaining({
        actionItemId: id,
        origin: L.ActionItemOrigin.ACTION_ITEM_ORIGIN_ASSIGNED_BY_CITY,
        originJurisdictionCode: "120000",
        assigneeJurisdictionCode: "120101",
        consultationId: e.data.consultationId,
        originConsultationId: e.data.consultationId,
        status: S.ACTION_ITEM_STATUS_OPEN,
        owner: undefined,
        revision: 1,
      }),
    );
    const before = await footprint(district);
    await receive(assignment(id)); // a repeat, under a new event id
    expect(await footprint(district)).toEqual(before);

    const cancel = await refusedUnchanged(
      district,
      () =>
        consultationsOf(district).updateActionItemProgress({
          actionItemId: id,
          expectedRevision: 0,
          status: S.ACTION_ITEM_STATUS_CANCELLED,
          note: "不做了",
          owner: undefined,
          jointOwners: [],
          reportingOrganisationId: "",
          reportingCreditCode: "",
        }),
      status.FAILED_PRECONDITION,
    );
    expect(cancel.preconditionViolations[0]!.type).toBe("NOT_DECIDING_NODE");
    const unknownOwner = await refusedUnchanged(
      district,
      () =>
        consultationsOf(district).updateActionItemProgress({
          actionItemId: id,
          expectedRevision: 0,
          status: S.ACTION_ITEM_STATUS_IN_PROGRESS,
          note: "已部署",
          owner: { organisationId: randomUUID(), departmentId: randomUUID(), creditCode: "" },
          jointOwners: [],
          reportingOrganisationId: "",
          reportingCreditCode: "",
        }),
      status.INVALID_ARGUMENT,
    );
    expect(unknownOwner.fieldViolations.map((v) => v.field)).toEqual(["owner.organisation_id"]);

    const ownerHere = {
      organisationId: districtChamber.organisation.organisationId,
      departmentId: districtChamber.department("法律服务部"),
      creditCode: "",
    };
    await consultationsOf(district).updateActionItemProgress({
      actionItemId: id,
      expectedRevision: 1,
      status: S.ACTION_ITEM_STATUS_IN_PROGRESS,
      note: "已部署",
      owner: ownerHere,
      jointOwners: [],
      reportingOrganisationId: "",
      reportingCreditCode: "",
    });
    const { actionItem } = await consultationsOf(district).updateActionItemProgress({
      actionItemId: id,
      expectedRevision: 2,
      status: S.ACTION_ITEM_STATUS_DONE,
      note: "已完成",
      owner: undefined,
      jointOwners: [],
      reportingOrganisationId: "",
      reportingCreditCode: "",
    });
    expect(actionItem!.owner).toEqual({
      ...ownerHere,
      creditCode: districtChamber.organisation.creditCode,
      organisation: expect.objectContaining({ name: "和平区总商会" }),
    });
    const reports = await query<{ topic: string; payload: Buffer }>(
      district.database.url,
      "select topic, payload from liaison.outbox where event_type = $1 and message_key = $2 order by seq",
      [liaisonEvents.actionItemProgressReported.type, id],
    );
    expect(reports.map((r) => r.topic)).toEqual([
      expect.stringMatching(/\.120101\.liaison\.to\.120000$/),
      expect.stringMatching(/\.to\.120000$/),
    ]);
    const decoded = reports.map((r) => liaisonEventsV1.ActionItemProgressReported.decode(r.payload));
    expect(decoded.map((d) => [d.sequence, d.status, d.reportingJurisdictionCode, d.owner?.name])).toEqual([
      [1, S.ACTION_ITEM_STATUS_IN_PROGRESS, "120101", "和平区总商会"],
      [2, S.ACTION_ITEM_STATUS_DONE, "120101", "和平区总商会"],
    ]);
  });

  it("refuses an assignment addressed to another node or not from the city (dead letter), changing nothing", async () => {
    const before = await footprint(district);
    await expect(receive(assignment(randomUUID(), "120102"))).rejects.toThrow(InvalidArgumentError);
    const fromDistrict = { ...assignment(randomUUID()), source: "/jinlian/120102/liaison" };
    await expect(receive(fromDistrict)).rejects.toThrow(InvalidArgumentError);
    expect(await footprint(district)).toEqual(before);
  });
});

describe("listing action items", () => {
  it("lists earliest due first with filters and paging", async () => {
    const c = await schedule("清单协商");
    await start(c.consultationId);
    const late = await decide(c.consultationId, "壬：晚到期", { dueTime: inDays(40) });
    const early = await decide(c.consultationId, "癸：早到期", { dueTime: inDays(5) });
    const assigned = await decide(c.consultationId, "子：区级", {
      dueTime: inDays(20),
      owner: undefined,
      assigneeJurisdictionCode: "120102",
    });
    const byConsultation = { ...noFilter, consultationId: c.consultationId };

    const page1 = await consultationsOf(city).listActionItems({ filter: byConsultation, page: { pageSize: 2, pageToken: "" } });
    expect(page1.actionItems.map((a) => a.actionItemId)).toEqual([early.actionItemId, assigned.actionItemId]);
    expect(page1.page!.totalSize).toBe(3);
    const page2 = await consultationsOf(city).listActionItems({
      filter: byConsultation,
      page: { pageSize: 2, pageToken: page1.page!.nextPageToken },
    });
    expect(page2.actionItems.map((a) => a.actionItemId)).toEqual([late.actionItemId]);
    expect(page2.page!.nextPageToken).toBe("");

    const toDistrict = await consultationsOf(city).listActionItems({
      filter: { ...byConsultation, assigneeJurisdictionCode: "120102" },
    });
    expect(toDistrict.actionItems.map((a) => a.actionItemId)).toEqual([assigned.actionItemId]);
    const owned = await consultationsOf(city).listActionItems({
      filter: { ...byConsultation, ownerOrganisationId: federation.organisation.organisationId },
    });
    expect(owned.page!.totalSize).toBe(2);
    const local = await consultationsOf(city).listActionItems({
      filter: { ...byConsultation, origin: L.ActionItemOrigin.ACTION_ITEM_ORIGIN_LOCAL },
    });
    expect(local.page!.totalSize).toBe(3);
    const open = await consultationsOf(city).listActionItems({ filter: { ...byConsultation, status: S.ACTION_ITEM_STATUS_DONE } });
    expect(open.page!.totalSize).toBe(0);
    const receivedAtDistrict = await consultationsOf(district).listActionItems({
      filter: { ...noFilter, origin: L.ActionItemOrigin.ACTION_ITEM_ORIGIN_ASSIGNED_BY_CITY },
    });
    expect(receivedAtDistrict.page!.totalSize).toBe(1);

    const bad = await statusOf(
      consultationsOf(city).listActionItems({
        filter: { ...noFilter, assigneeJurisdictionCode: "999999", status: 17 as liaisonV1.ActionItemStatus },
      }),
    );
    expect(bad.fieldViolations.map((v) => v.field).sort()).toEqual(["filter.assignee_jurisdiction_code", "filter.status"]);
  });
});

describe("overdue alerts", () => {
  const alertsTopic = () => `${ns}.120000.liaison.alerts`;
  const seen: { key: string; data: liaisonEventsV1.ActionItemOverdue }[] = [];
  let consumer: Consumer;
  let consultationId: string;

  beforeAll(async () => {
    const kafka = new Kafka({ brokers: kafkaBrokers(), clientId: "alerts-reader", logLevel: logLevel.NOTHING });
    consumer = kafka.consumer({ groupId: `${ns}-alerts-reader` });
    await consumer.connect();
    await consumer.subscribe({ topics: [alertsTopic()], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const ce = fromKafkaMessage(message);
        if (ce.type === liaisonEvents.actionItemOverdue.type)
          seen.push({ key: message.key!.toString(), data: liaisonEvents.actionItemOverdue.codec.decode(ce.data) });
      },
    });
    const c = await schedule("督办协商");
    await start(c.consultationId);
    consultationId = c.consultationId;
  });

  afterAll(async () => {
    await consumer?.disconnect();
  });

  const alertsInOutbox = async (id: string) =>
    Number(
      (
        await query<{ n: string }>(
          city.database.url,
          "select count(*) as n from liaison.outbox where event_type = $1 and message_key = $2",
          [liaisonEvents.actionItemOverdue.type, id],
        )
      )[0]!.n,
    );

  it("raises one alert per item and due date from the scheduled scanner, on the node's alerts stream", async () => {
    const a = await decide(consultationId, "丑：督办事项", { dueTime: new Date(clock.now().getTime() + 60_000) });
    expect(a.overdue).toBe(false);
    clock.advance(2 * 60_000);

    await waitFor(async () => (await alertsInOutbox(a.actionItemId)) === 1, {
      timeoutMs: 10_000,
      intervalMs: 100,
      what: "an overdue alert",
    });
    const alert = await waitFor(async () => seen.find((s) => s.key === a.actionItemId), {
      timeoutMs: 15_000,
      intervalMs: 100,
      what: "the alert on the alerts topic",
    });
    expect(alert.data).toEqual(
      expect.objectContaining({
        actionItemId: a.actionItemId,
        title: "丑：督办事项",
        dueTime: a.dueTime,
        status: S.ACTION_ITEM_STATUS_OPEN,
        owner: owner(),
        consultationId,
        originJurisdictionCode: "120000",
      }),
    );
    const overdue = await item(city, a.actionItemId);
    expect(overdue.overdue).toBe(true);
    expect(overdue.revision).toBe(a.revision); // raising an alert is not a change of the item
    const listed = await consultationsOf(city).listActionItems({ filter: { ...noFilter, overdueOnly: true } });
    expect(listed.actionItems.map((x) => x.actionItemId)).toContain(a.actionItemId);

    // Several more scheduled runs and a scan on demand raise nothing more for that due date.
    await new Promise((r) => setTimeout(r, 1500));
    expect(await seamsOf(city).overdueScanner().scan()).toBe(0);
    expect(await alertsInOutbox(a.actionItemId)).toBe(1);
    expect(seen.filter((s) => s.key === a.actionItemId)).toHaveLength(1);
  });

  it("raises each alert once with several scanners at once, and none for finished items", async () => {
    const due = new Date(clock.now().getTime() + 60_000);
    const items: liaisonV1.ActionItem[] = [];
    for (let i = 0; i < 6; i++) items.push(await decide(consultationId, `寅${i}：并发督办`, { dueTime: due }));
    const finished = await decide(consultationId, "卯：已办结", { dueTime: due });
    await consultationsOf(city).updateActionItemProgress({
      actionItemId: finished.actionItemId,
      expectedRevision: 0,
      status: S.ACTION_ITEM_STATUS_DONE,
      note: "办结",
      owner: undefined,
      jointOwners: [],
      reportingOrganisationId: "",
      reportingCreditCode: "",
    });
    clock.advance(2 * 60_000);
    // Two replicas' scanners with small batches, racing the node's own scheduled one.
    const replicas = [seamsOf(city).overdueScanner(2), seamsOf(city).overdueScanner(2)];
    await Promise.all(replicas.map((s) => s.scan()));
    await waitFor(async () => (await Promise.all(items.map((x) => alertsInOutbox(x.actionItemId)))).every((n) => n >= 1), {
      timeoutMs: 10_000,
      intervalMs: 100,
      what: "alerts for every overdue item",
    });
    await new Promise((r) => setTimeout(r, 1000));
    expect(await Promise.all(items.map((x) => alertsInOutbox(x.actionItemId)))).toEqual([1, 1, 1, 1, 1, 1]);
    expect(await alertsInOutbox(finished.actionItemId)).toBe(0);
    await waitFor(async () => items.every((x) => seen.some((s) => s.key === x.actionItemId)), {
      timeoutMs: 15_000,
      intervalMs: 100,
      what: "every alert on the topic",
    });
    for (const x of items) expect(seen.filter((s) => s.key === x.actionItemId)).toHaveLength(1);
  });
});

// ---- issue 9: due-date extensions, joint owners, items raised by a district, filters ----

describe("extending a due date (申请延期)", () => {
  let consultationId: string;
  beforeAll(async () => {
    const c = await schedule("延期协商");
    await start(c.consultationId);
    consultationId = c.consultationId;
  });

  const extend = (actionItemId: string, r: Partial<liaisonV1.ExtendActionItemDueDateRequest> = {}) =>
    consultationsOf(city).extendActionItemDueDate({
      actionItemId,
      expectedRevision: 0,
      dueTime: inDays(60),
      reason: "调研范围扩大",
      ...r,
    });

  it("extends with a reason at the deciding node: the new date holds, the extension is listed and audited", async () => {
    const a = await decide(consultationId, "辰：可延期事项", { dueTime: inDays(10) });
    const { actionItem } = await extend(a.actionItemId, { expectedRevision: a.revision, dueTime: inDays(45) });
    expect(actionItem!.revision).toBe(a.revision + 1);
    expect(Math.abs(actionItem!.dueTime!.getTime() - inDays(45).getTime())).toBeLessThan(60_000);
    expect(actionItem!.extensions.map((e) => [e.previousDueTime, e.audit!.reason, e.audit!.jurisdictionCode])).toEqual([
      [a.dueTime, "调研范围扩大", "120000"],
    ]);
    const { entries } = await city.liaison.audit.listAuditEntries({ aggregateType: "action_item", aggregateId: a.actionItemId, actor: "" });
    expect(entries[0]).toMatchObject({ action: "ExtendActionItemDueDate", audit: expect.objectContaining({ reason: "调研范围扩大" }) });
  });

  it("refuses no reason or an earlier date (INVALID_ARGUMENT), a stale revision (ABORTED), a finished item and an unknown one", async () => {
    const a = await decide(consultationId, "巳：延期拒绝", { dueTime: inDays(10) });
    const bad = await refusedUnchanged(city, () => extend(a.actionItemId, { reason: " ", dueTime: undefined }), status.INVALID_ARGUMENT);
    expect(bad.fieldViolations.map((v) => v.field)).toEqual(["due_time", "reason"]);
    const earlier = await refusedUnchanged(city, () => extend(a.actionItemId, { dueTime: inDays(5) }), status.INVALID_ARGUMENT);
    expect(earlier.fieldViolations.map((v) => v.field)).toEqual(["due_time"]);
    await refusedUnchanged(city, () => extend(a.actionItemId, { expectedRevision: 9 }), status.ABORTED);
    await consultationsOf(city).updateActionItemProgress({
      actionItemId: a.actionItemId,
      expectedRevision: 0,
      status: S.ACTION_ITEM_STATUS_DONE,
      note: "办结",
      owner: undefined,
      jointOwners: [],
      reportingOrganisationId: "",
      reportingCreditCode: "",
    });
    const final = await refusedUnchanged(city, () => extend(a.actionItemId), status.FAILED_PRECONDITION);
    expect(final.preconditionViolations[0]!.type).toBe("STATE");
    await refusedUnchanged(city, () => extend(randomUUID()), status.NOT_FOUND);
  });

  it("an item overdue before its extension is not overdue after, and the scanner raises no alert for it", async () => {
    const a = await decide(consultationId, "午：逾期后延期", { dueTime: new Date(clock.now().getTime() + 60_000) });
    clock.advance(2 * 60_000);
    expect((await item(city, a.actionItemId)).overdue).toBe(true);
    const { actionItem } = await extend(a.actionItemId, { dueTime: inDays(30) });
    expect(actionItem!.overdue).toBe(false);
    await seamsOf(city).overdueScanner().scan();
    const alerts = await query<{ n: string }>(
      city.database.url,
      "select count(*) as n from liaison.outbox where event_type = $1 and message_key = $2",
      [liaisonEvents.actionItemOverdue.type, a.actionItemId],
    );
    // The scheduled scanner may have alerted the old date before the extension; the new date raises none.
    expect(Number(alerts[0]!.n)).toBeLessThanOrEqual(1);
    const [{ alerted }] = await query<{ alerted: Date | null }>(
      city.database.url,
      "select overdue_alert_due_at as alerted from liaison.action_items where action_item_id = $1",
      [a.actionItemId],
    );
    expect(alerted?.getTime()).not.toBe(actionItem!.dueTime!.getTime());
  });

  it("sends the extension of an item assigned to a district down to it; the district cannot extend (NOT_DECIDING_NODE)", async () => {
    const a = await decide(consultationId, "未：区级延期", { owner: undefined, assigneeJurisdictionCode: "120101", dueTime: inDays(10) });
    await extend(a.actionItemId, { dueTime: inDays(40), reason: "区里申请延期" });
    const rows = await query<{ topic: string }>(
      city.database.url,
      "select topic from liaison.outbox where event_type = $1 and message_key = $2",
      [liaisonEvents.actionItemDueDateExtended.type, a.actionItemId],
    );
    expect(rows.map((r) => r.topic)).toEqual([expect.stringMatching(/\.120000\.liaison\.to\.120101$/)]);

    // At the district: the assignment, then the extension, applied through the area's handlers.
    const app = seamsOf(district).actionItems;
    await seamsOf(district).db.transaction((trx) =>
      app.onAssigned(
        event<liaisonEventsV1.ActionItemAssigned>(liaisonEvents.actionItemAssigned.type, "120000", {
          actionItemId: a.actionItemId,
          assigneeJurisdictionCode: "120101",
          title: a.title,
          dueTime: a.dueTime,
          consultationId,
          consultationTitle: "延期协商",
          consultationKind: L.ConsultationKind.CONSULTATION_KIND_WORKING,
          outcomeText: "议定",
          audit: undefined,
        }),
        trx,
      ),
    );
    const extended = event<liaisonEventsV1.ActionItemDueDateExtended>(liaisonEvents.actionItemDueDateExtended.type, "120000", {
      actionItemId: a.actionItemId,
      assigneeJurisdictionCode: "120101",
      previousDueTime: a.dueTime,
      dueTime: inDays(40),
      sequence: 1,
      audit: { actor: "city-operator", reason: "区里申请延期", requestId: "r", occurTime: new Date(), jurisdictionCode: "120000" },
    });
    await seamsOf(district).db.transaction((trx) => app.onDueDateExtended(extended, trx));
    await seamsOf(district).db.transaction((trx) => app.onDueDateExtended({ ...extended, id: randomUUID() }, trx)); // a repeat
    const there = await item(district, a.actionItemId);
    expect(there.extensions.map((e) => e.audit!.reason)).toEqual(["区里申请延期"]);
    expect(Math.abs(there.dueTime!.getTime() - inDays(40).getTime())).toBeLessThan(60_000);
    const refused = await refusedUnchanged(
      district,
      () =>
        consultationsOf(district).extendActionItemDueDate({
          actionItemId: a.actionItemId,
          expectedRevision: 0,
          dueTime: inDays(90),
          reason: "再延",
        }),
      status.FAILED_PRECONDITION,
    );
    expect(refused.preconditionViolations[0]!.type).toBe("NOT_DECIDING_NODE");
  });
});

describe("joint owners", () => {
  let consultationId: string;
  let chamber: Party;
  beforeAll(async () => {
    const c = await schedule("共同负责协商");
    await start(c.consultationId);
    consultationId = c.consultationId;
    chamber = await registerParty(city.liaison, {
      type: OrgType.ORGANISATION_TYPE_CHAMBER_OF_COMMERCE,
      name: "天津市总商会",
      jurisdictionCode: "120000",
      departments: ["法律部"],
    });
  });

  it("keeps joint owners, shows them, lists the item under any owner (by id or credit code), and takes progress from any owner", async () => {
    const a = await decide(consultationId, "申：共同负责事项", {
      jointOwners: [{ organisationId: chamber.organisation.organisationId, departmentId: chamber.department("法律部"), creditCode: "" }],
    });
    expect(a.jointOwners.map((o) => [o.organisationId, o.organisation?.name])).toEqual([
      [chamber.organisation.organisationId, "天津市总商会"],
    ]);
    const byJoint = await consultationsOf(city).listActionItems({
      filter: { ...noFilter, consultationId, ownerOrganisationId: chamber.organisation.organisationId },
    });
    expect(byJoint.actionItems.map((x) => x.actionItemId)).toEqual([a.actionItemId]);
    const byCode = await consultationsOf(city).listActionItems({
      filter: { ...noFilter, consultationId, ownerCreditCode: chamber.organisation.creditCode },
    });
    expect(byCode.actionItems.map((x) => x.actionItemId)).toEqual([a.actionItemId]);

    const { actionItem } = await consultationsOf(city).updateActionItemProgress({
      actionItemId: a.actionItemId,
      expectedRevision: 0,
      status: S.ACTION_ITEM_STATUS_IN_PROGRESS,
      note: "总商会已组织律师团",
      owner: undefined,
      jointOwners: [],
      reportingOrganisationId: "",
      reportingCreditCode: chamber.organisation.creditCode,
    });
    expect(actionItem!.progress[0]!.reportedBy).toEqual({
      creditCode: chamber.organisation.creditCode,
      jurisdictionCode: "120000",
      name: "天津市总商会",
    });
  });

  it("refuses a joint owner twice or the owner itself, and a report from an organisation that owns nothing, changing nothing", async () => {
    const c = await consultationsOf(city).getConsultation({ consultationId });
    const dup = await refusedUnchanged(
      city,
      () =>
        consultationsOf(city).recordOutcome({
          consultationId,
          expectedRevision: c.consultation!.revision,
          type: L.OutcomeType.OUTCOME_TYPE_ACTION,
          text: "议定",
          agendaItemId: "",
          action: { title: "酉", owner: owner(), assigneeJurisdictionCode: "", dueTime: inDays(30), jointOwners: [owner()] },
          reason: "",
        }),
      status.INVALID_ARGUMENT,
    );
    expect(dup.fieldViolations.map((v) => v.field)).toEqual(["action.joint_owners[0].organisation_id"]);
    const a = await decide(consultationId, "戌：单独负责");
    const stranger = await refusedUnchanged(
      city,
      () =>
        consultationsOf(city).updateActionItemProgress({
          actionItemId: a.actionItemId,
          expectedRevision: 0,
          status: S.ACTION_ITEM_STATUS_IN_PROGRESS,
          note: "x",
          owner: undefined,
          jointOwners: [],
          reportingOrganisationId: chamber.organisation.organisationId,
          reportingCreditCode: "",
        }),
      status.INVALID_ARGUMENT,
    );
    expect(stranger.fieldViolations.map((v) => v.field)).toEqual(["reporting_organisation_id"]);
  });
});

describe("an item a district raises to the city, at the city", () => {
  it("keeps it under the district's id once, shows it as RAISED_BY_DISTRICT, and refuses one from another district than it names", async () => {
    const id = randomUUID();
    const raised = (from: string, raising = from) =>
      event<liaisonEventsV1.ActionItemRaised>(liaisonEvents.actionItemRaised.type, from, {
        actionItemId: id,
        raisingJurisdictionCode: raising,
        title: "协调跨区联合执法",
        dueTime: inDays(20),
        consultationId: randomUUID(),
        consultationTitle: "和平区工作协商",
        consultationKind: L.ConsultationKind.CONSULTATION_KIND_WORKING,
        outcomeText: "议定：提请市级协调",
        audit: { actor: "district-operator", reason: "提请市级", requestId: "r", occurTime: new Date(), jurisdictionCode: from },
      });
    const app = seamsOf(city).actionItems;
    await expect(seamsOf(city).db.transaction((trx) => app.onRaised(raised("120101", "120102"), trx))).rejects.toThrow(
      InvalidArgumentError,
    );
    await seamsOf(city).db.transaction((trx) => app.onRaised(raised("120101"), trx));
    await seamsOf(city).db.transaction((trx) => app.onRaised(raised("120101"), trx)); // a repeat
    const held = await item(city, id);
    expect(held).toEqual(
      expect.objectContaining({
        origin: L.ActionItemOrigin.ACTION_ITEM_ORIGIN_RAISED_BY_DISTRICT,
        originJurisdictionCode: "120101",
        assigneeJurisdictionCode: "120000",
        status: S.ACTION_ITEM_STATUS_OPEN,
        revision: 1,
      }),
    );
    const listed = await consultationsOf(city).listActionItems({
      filter: { ...noFilter, origin: L.ActionItemOrigin.ACTION_ITEM_ORIGIN_RAISED_BY_DISTRICT },
    });
    expect(listed.actionItems.map((x) => x.actionItemId)).toContain(id);
  });
});

describe("list filters: due before and originating consultation", () => {
  it("lists items due before a time and decided by a consultation (also after carry-over)", async () => {
    const first = await schedule("筛选协商一");
    await start(first.consultationId);
    const soon = await decide(first.consultationId, "亥：近期", { dueTime: inDays(3) });
    const later = await decide(first.consultationId, "甲：远期", { dueTime: inDays(50) });
    await close(first.consultationId);
    // Carried over to the next consultation of the series: still decided by the first.
    const next = await schedule("筛选协商二", first.seriesId);
    const byOrigin = await consultationsOf(city).listActionItems({
      filter: { ...noFilter, originConsultationId: first.consultationId },
    });
    expect(byOrigin.actionItems.map((x) => [x.actionItemId, x.consultationId])).toEqual([
      [soon.actionItemId, next.consultationId],
      [later.actionItemId, next.consultationId],
    ]);
    const dueSoon = await consultationsOf(city).listActionItems({
      filter: { ...noFilter, originConsultationId: first.consultationId, dueBefore: inDays(10) },
    });
    expect(dueSoon.actionItems.map((x) => x.actionItemId)).toEqual([soon.actionItemId]);
    const bad = await statusOf(consultationsOf(city).listActionItems({ filter: { ...noFilter, originConsultationId: "x" } }));
    expect(bad.fieldViolations.map((v) => v.field)).toEqual(["filter.origin_consultation_id"]);
  });
});
