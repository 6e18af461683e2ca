/**
 * Cross-level action tracking on a real broker: a municipal consultation's ACTION outcome is
 * assigned to the Heping district node, which receives it under the same id, designates an owner
 * from its own registry and reports progress back up, where the city sees each report. The city's
 * due-date extensions reach the district holding the item; a district raises an item up to the
 * city, which tracks it and reports back; a consultation's agenda reaches the districts concerned.
 */
import { status } from "@grpc/grpc-js";
import { liaisonV1 } from "@jinlian/proto";
import { uniqueNamespace, waitFor } from "../harness/kafka";
import { OrgType, registerParty, type Party } from "../support/liaison-fixtures";
import { bothSides, mechanismOf } from "../support/consultation-fixtures";
import { startTestNode, statusOf, type TestNode } from "../support/nodes";

const L = liaisonV1;
const S = L.ActionItemStatus;
jest.setTimeout(120_000);

const ns = uniqueNamespace("action-items");
let city: TestNode;
let heping: TestNode; // 120101
let cityAttendees: liaisonV1.Attendee[];
let hepingAttendees: liaisonV1.Attendee[];
let cityFederation: Party;
let hepingChamber: Party;

beforeAll(async () => {
  [city, heping] = await Promise.all([
    startTestNode({ jurisdictionCode: "120000", namespace: ns }),
    startTestNode({ jurisdictionCode: "120101", namespace: ns }),
  ]);
  // Consultations are held under each node's established mechanism, both sides attending.
  const [atCity, atHeping] = await Promise.all([mechanismOf(city.liaison, "120000"), mechanismOf(heping.liaison, "120101")]);
  cityAttendees = bothSides(atCity.bureau, atCity.federation);
  hepingAttendees = bothSides(atHeping.bureau, atHeping.federation);
  cityFederation = atCity.federation;
  hepingChamber = await registerParty(heping.liaison, {
    type: OrgType.ORGANISATION_TYPE_CHAMBER_OF_COMMERCE,
    name: "和平区总商会",
    jurisdictionCode: "120101",
    departments: ["法律服务部", "秘书处"],
  });
});

afterAll(async () => {
  for (const n of [city, heping]) await n?.stop();
  for (const n of [city, heping]) await n?.database.drop();
});

async function atNode(node: TestNode, id: string): Promise<liaisonV1.ActionItem | undefined> {
  try {
    return (await node.liaison.consultations.getActionItem({ actionItemId: id })).actionItem;
  } catch {
    return undefined;
  }
}

it("assigns a municipal action to a district, which owns it and reports progress until the city sees it done", async () => {
  const { consultation: scheduled } = await city.liaison.consultations.scheduleConsultation({
    kind: L.ConsultationKind.CONSULTATION_KIND_HIGH_LEVEL,
    title: "全市民营经济法治保障高层会商",
    seriesId: "",
    mechanismId: "",
    scheduledTime: new Date(Date.now() + 86_400_000),
    location: "天津市司法局",
    agenda: [
      {
        agendaItemId: "",
        topic: "各区商会法治体检",
        presenter: "法治调研处",
        presenterOrganisationId: "",
        durationMinutes: 40,
        presenterCreditCode: "",
      },
    ],
    attendees: cityAttendees,
    reason: "",
    concernedJurisdictionCodes: [],
  });
  const consultationId = scheduled!.consultationId;
  await city.liaison.consultations.startConsultation({ consultationId, expectedRevision: 1, reason: "" });
  const due = new Date(Date.now() + 30 * 86_400_000);
  const { outcome } = await city.liaison.consultations.recordOutcome({
    consultationId,
    expectedRevision: 2,
    type: L.OutcomeType.OUTCOME_TYPE_ACTION,
    text: "议定：和平区于一个月内完成辖区商会法治体检",
    agendaItemId: scheduled!.agenda[0]!.agendaItemId,
    action: { title: "完成辖区商会法治体检", owner: undefined, assigneeJurisdictionCode: "120101", dueTime: due, jointOwners: [] },
    reason: "市级部署",
  });
  const id = outcome!.actionItemId;

  // The district receives it under the same id, not yet owned, naming the city's consultation.
  const received = await waitFor(() => atNode(heping, id), { timeoutMs: 30_000, intervalMs: 250, what: "the assignment at 120101" });
  expect(received).toEqual(
    expect.objectContaining({
      actionItemId: id,
      title: "完成辖区商会法治体检",
      dueTime: due,
      status: S.ACTION_ITEM_STATUS_OPEN,
      origin: L.ActionItemOrigin.ACTION_ITEM_ORIGIN_ASSIGNED_BY_CITY,
      originJurisdictionCode: "120000",
      assigneeJurisdictionCode: "120101",
      consultationId,
      originConsultationId: consultationId,
      owner: undefined,
    }),
  );

  // Only the city cancels; only the district reports progress.
  const cancel = await statusOf(
    heping.liaison.consultations.updateActionItemProgress({
      actionItemId: id,
      expectedRevision: 0,
      status: S.ACTION_ITEM_STATUS_CANCELLED,
      note: "取消",
      owner: undefined,
      jointOwners: [],
      reportingOrganisationId: "",
      reportingCreditCode: "",
    }),
  );
  expect(cancel.code).toBe(status.FAILED_PRECONDITION);
  const byCity = await statusOf(
    city.liaison.consultations.updateActionItemProgress({
      actionItemId: id,
      expectedRevision: 0,
      status: S.ACTION_ITEM_STATUS_DONE,
      note: "代报",
      owner: undefined,
      jointOwners: [],
      reportingOrganisationId: "",
      reportingCreditCode: "",
    }),
  );
  expect(byCity.code).toBe(status.FAILED_PRECONDITION);

  const ownerHere = {
    organisationId: hepingChamber.organisation.organisationId,
    departmentId: hepingChamber.department("法律服务部"),
    creditCode: "",
  };
  const { actionItem: working } = await heping.liaison.consultations.updateActionItemProgress({
    actionItemId: id,
    expectedRevision: received.revision,
    status: S.ACTION_ITEM_STATUS_IN_PROGRESS,
    note: "已制定体检方案，抽调律师12名",
    owner: ownerHere,
    jointOwners: [],
    reportingOrganisationId: "",
    reportingCreditCode: "",
  });
  expect(working!.owner).toMatchObject({
    organisationId: ownerHere.organisationId,
    departmentId: ownerHere.departmentId,
    creditCode: hepingChamber.organisation.creditCode,
  });
  await waitFor(async () => (await atNode(city, id))?.status === S.ACTION_ITEM_STATUS_IN_PROGRESS, {
    timeoutMs: 30_000,
    intervalMs: 250,
    what: "IN_PROGRESS at the city",
  });

  await heping.liaison.consultations.updateActionItemProgress({
    actionItemId: id,
    expectedRevision: working!.revision,
    status: S.ACTION_ITEM_STATUS_DONE,
    note: "完成38家商会体检，出具报告",
    owner: undefined,
    jointOwners: [],
    reportingOrganisationId: "",
    reportingCreditCode: "",
  });
  const done = await waitFor(
    async () => {
      const x = await atNode(city, id);
      return x?.status === S.ACTION_ITEM_STATUS_DONE ? x : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 250, what: "DONE at the city" },
  );
  expect(done.progress.map((p) => [p.status, p.note, p.audit!.jurisdictionCode, p.audit!.actor])).toEqual([
    [S.ACTION_ITEM_STATUS_IN_PROGRESS, "已制定体检方案，抽调律师12名", "120101", "test-operator"],
    [S.ACTION_ITEM_STATUS_DONE, "完成38家商会体检，出具报告", "120101", "test-operator"],
  ]);
  // At the city the item stays assigned to the district; its owner lives in the district's registry.
  expect(done.assigneeJurisdictionCode).toBe("120101");
  expect(done.owner).toBeUndefined();

  const { consultation } = await city.liaison.consultations.getConsultation({ consultationId });
  expect(consultation!.actionItems.map((a) => [a.actionItemId, a.status])).toEqual([[id, S.ACTION_ITEM_STATUS_DONE]]);
  const assigned = await city.liaison.consultations.listActionItems({
    filter: {
      status: S.ACTION_ITEM_STATUS_DONE,
      consultationId: "",
      seriesId: "",
      ownerOrganisationId: "",
      assigneeJurisdictionCode: "120101",
      overdueOnly: false,
      origin: 0,
      dueBefore: undefined,
      originConsultationId: "",
      ownerCreditCode: "",
    },
  });
  expect(assigned.actionItems.map((a) => a.actionItemId)).toEqual([id]);
  const audit = await city.liaison.audit.listAuditEntries({ aggregateType: "action_item", aggregateId: id, actor: "" });
  expect(audit.entries.map((e) => e.action).reverse()).toEqual([
    "RecordOutcome",
    "ActionItemProgressReported",
    "ActionItemProgressReported",
  ]);
});

it("a cancellation by the city reaches the district, whose copy becomes final", async () => {
  const { consultation: scheduled } = await city.liaison.consultations.scheduleConsultation({
    kind: L.ConsultationKind.CONSULTATION_KIND_WORKING,
    title: "法律服务部与法治调研处工作协商",
    seriesId: "",
    mechanismId: "",
    scheduledTime: new Date(Date.now() + 86_400_000),
    location: "天津市工商联",
    agenda: [],
    attendees: cityAttendees,
    reason: "",
    concernedJurisdictionCodes: [],
  });
  const consultationId = scheduled!.consultationId;
  await city.liaison.consultations.startConsultation({ consultationId, expectedRevision: 0, reason: "" });
  const { outcome } = await city.liaison.consultations.recordOutcome({
    consultationId,
    expectedRevision: 0,
    type: L.OutcomeType.OUTCOME_TYPE_ACTION,
    text: "和平区开展商会调解员培训",
    agendaItemId: "",
    action: {
      title: "商会调解员培训",
      owner: undefined,
      assigneeJurisdictionCode: "120101",
      dueTime: new Date(Date.now() + 7 * 86_400_000),
      jointOwners: [],
    },
    reason: "",
  });
  const id = outcome!.actionItemId;
  await waitFor(() => atNode(heping, id), { timeoutMs: 30_000, intervalMs: 250, what: "the assignment at 120101" });

  await city.liaison.consultations.updateActionItemProgress({
    actionItemId: id,
    expectedRevision: 0,
    status: S.ACTION_ITEM_STATUS_CANCELLED,
    note: "并入全市统一培训",
    owner: undefined,
    jointOwners: [],
    reportingOrganisationId: "",
    reportingCreditCode: "",
  });
  const cancelled = await waitFor(
    async () => {
      const x = await atNode(heping, id);
      return x?.status === S.ACTION_ITEM_STATUS_CANCELLED ? x : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 250, what: "CANCELLED at 120101" },
  );
  expect(cancelled.progress.map((p) => [p.status, p.note, p.audit!.jurisdictionCode])).toEqual([
    [S.ACTION_ITEM_STATUS_CANCELLED, "并入全市统一培训", "120000"],
  ]);
  const late = await statusOf(
    heping.liaison.consultations.updateActionItemProgress({
      actionItemId: id,
      expectedRevision: 0,
      status: S.ACTION_ITEM_STATUS_IN_PROGRESS,
      note: "已开始",
      owner: undefined,
      jointOwners: [],
      reportingOrganisationId: "",
      reportingCreditCode: "",
    }),
  );
  expect(late.code).toBe(status.FAILED_PRECONDITION);
});

const wait = { timeoutMs: 30_000, intervalMs: 250 };
const inDays = (n: number) => new Date(Date.now() + n * 86_400_000);

async function agendaAt(node: TestNode, consultationId: string): Promise<liaisonV1.ConsultationAgenda | undefined> {
  try {
    return (await node.liaison.consultations.getReceivedAgenda({ consultationId })).agenda;
  } catch {
    return undefined;
  }
}

/** A consultation held at `node` (scheduled and started), for outcomes. */
async function held(node: TestNode, attendees: liaisonV1.Attendee[], title: string) {
  const { consultation } = await node.liaison.consultations.scheduleConsultation({
    kind: L.ConsultationKind.CONSULTATION_KIND_WORKING,
    title,
    seriesId: "",
    mechanismId: "",
    scheduledTime: inDays(1),
    location: "",
    agenda: [],
    attendees,
    reason: "",
    concernedJurisdictionCodes: [],
  });
  await node.liaison.consultations.startConsultation({ consultationId: consultation!.consultationId, expectedRevision: 0, reason: "" });
  return consultation!;
}

it("sends a municipal consultation's agenda to the district concerned, then its reschedule and cancellation", async () => {
  const { consultation: c } = await city.liaison.consultations.scheduleConsultation({
    kind: L.ConsultationKind.CONSULTATION_KIND_HIGH_LEVEL,
    title: "和平区民营企业法治保障专题会商",
    seriesId: "",
    mechanismId: "",
    scheduledTime: inDays(7),
    location: "天津市司法局",
    agenda: [
      {
        agendaItemId: "",
        topic: "和平区商会调解工作",
        presenter: "法律服务部",
        presenterOrganisationId: cityFederation.organisation.organisationId,
        durationMinutes: 30,
        presenterCreditCode: "",
      },
    ],
    attendees: cityAttendees,
    reason: "专题会商",
    concernedJurisdictionCodes: ["120101"],
  });
  const id = c!.consultationId;
  const received = await waitFor(() => agendaAt(heping, id), { ...wait, what: "the agenda at 120101" });
  expect(received).toEqual(
    expect.objectContaining({
      consultationId: id,
      issuingJurisdictionCode: "120000",
      title: "和平区民营企业法治保障专题会商",
      location: "天津市司法局",
      status: L.ConsultationStatus.CONSULTATION_STATUS_PLANNED,
      concernedJurisdictionCodes: ["120101"],
      revision: 1,
    }),
  );
  expect(received.agenda.map((a) => [a.topic, a.presenterOrganisation?.creditCode])).toEqual([
    ["和平区商会调解工作", cityFederation.organisation.creditCode],
  ]);
  expect(received.attendees.map((a) => a.organisation?.jurisdictionCode)).toEqual(["120000", "120000"]);

  await city.liaison.consultations.rescheduleConsultation({
    consultationId: id,
    expectedRevision: 1,
    scheduledTime: inDays(9),
    location: "天津市工商联",
    reason: "与全市大会冲突",
  });
  const moved = await waitFor(async () => ((await agendaAt(heping, id))?.revision === 2 ? agendaAt(heping, id) : undefined), {
    ...wait,
    what: "the reschedule at 120101",
  });
  expect([moved!.location, moved!.reason]).toEqual(["天津市工商联", "与全市大会冲突"]);

  await city.liaison.consultations.cancelConsultation({ consultationId: id, expectedRevision: 2, reason: "合并至季度会商" });
  await waitFor(async () => (await agendaAt(heping, id))?.status === L.ConsultationStatus.CONSULTATION_STATUS_CANCELLED, {
    ...wait,
    what: "the cancellation at 120101",
  });
  const list = await heping.liaison.consultations.listReceivedAgendas({
    filter: { period: { startTime: inDays(8), endTime: inDays(10) }, status: L.ConsultationStatus.CONSULTATION_STATUS_CANCELLED },
  });
  expect(list.agendas.map((a) => a.consultationId)).toEqual([id]);
});

it("extends the due date of an item assigned to a district; the district's copy follows and is not overdue", async () => {
  const c = await held(city, cityAttendees, "延期协商");
  const { outcome } = await city.liaison.consultations.recordOutcome({
    consultationId: c.consultationId,
    expectedRevision: 0,
    type: L.OutcomeType.OUTCOME_TYPE_ACTION,
    text: "议定：和平区开展涉企法治宣传",
    agendaItemId: "",
    action: { title: "涉企法治宣传", owner: undefined, assigneeJurisdictionCode: "120101", dueTime: inDays(5), jointOwners: [] },
    reason: "",
  });
  const id = outcome!.actionItemId;
  await waitFor(() => atNode(heping, id), { ...wait, what: "the assignment at 120101" });

  const newDue = inDays(35);
  await city.liaison.consultations.extendActionItemDueDate({
    actionItemId: id,
    expectedRevision: 0,
    dueTime: newDue,
    reason: "和平区申请延期：宣传月调整",
  });
  const extended = await waitFor(
    async () => {
      const x = await atNode(heping, id);
      return x?.extensions.length === 1 ? x : undefined;
    },
    { ...wait, what: "the extension at 120101" },
  );
  expect(extended.dueTime).toEqual(newDue);
  expect(extended.overdue).toBe(false);
  expect(extended.extensions.map((e) => [e.dueTime, e.audit!.reason, e.audit!.jurisdictionCode])).toEqual([
    [newDue, "和平区申请延期：宣传月调整", "120000"],
  ]);
});

it("a district raises an item to the city, which tracks it and reports progress back down to the district", async () => {
  const c = await held(heping, hepingAttendees, "和平区工作协商");
  const { outcome } = await heping.liaison.consultations.recordOutcome({
    consultationId: c.consultationId,
    expectedRevision: 0,
    type: L.OutcomeType.OUTCOME_TYPE_ACTION,
    text: "议定：跨区执法问题提请市级协调",
    agendaItemId: "",
    action: { title: "协调跨区联合执法", owner: undefined, assigneeJurisdictionCode: "120000", dueTime: inDays(20), jointOwners: [] },
    reason: "提请市级",
  });
  const id = outcome!.actionItemId;
  const atCity = await waitFor(() => atNode(city, id), { ...wait, what: "the raised item at 120000" });
  expect(atCity).toEqual(
    expect.objectContaining({
      title: "协调跨区联合执法",
      origin: L.ActionItemOrigin.ACTION_ITEM_ORIGIN_RAISED_BY_DISTRICT,
      originJurisdictionCode: "120101",
      assigneeJurisdictionCode: "120000",
      originConsultationId: c.consultationId,
      status: S.ACTION_ITEM_STATUS_OPEN,
    }),
  );

  // The city designates an owner from its own registry and reports; the district sees it.
  await city.liaison.consultations.updateActionItemProgress({
    actionItemId: id,
    expectedRevision: atCity.revision,
    status: S.ACTION_ITEM_STATUS_IN_PROGRESS,
    note: "已协调市场监管部门",
    owner: {
      organisationId: "",
      departmentId: cityFederation.department("法律服务部"),
      creditCode: cityFederation.organisation.creditCode,
    },
    jointOwners: [],
    reportingOrganisationId: "",
    reportingCreditCode: "",
  });
  const reported = await waitFor(
    async () => {
      const x = await atNode(heping, id);
      return x?.status === S.ACTION_ITEM_STATUS_IN_PROGRESS ? x : undefined;
    },
    { ...wait, what: "IN_PROGRESS at 120101" },
  );
  expect(reported.progress.map((p) => [p.note, p.audit!.jurisdictionCode])).toEqual([["已协调市场监管部门", "120000"]]);
  // Only the deciding district cancels or extends.
  expect(
    (
      await statusOf(
        city.liaison.consultations.extendActionItemDueDate({ actionItemId: id, expectedRevision: 0, dueTime: inDays(40), reason: "x" }),
      )
    ).code,
  ).toBe(status.FAILED_PRECONDITION);
});

it("a district raises an item to the city with RaiseActionItem, outside any consultation; the city holds it and reports back", async () => {
  const { actionItem: raised } = await heping.liaison.consultations.raiseActionItem({
    title: "协调市级部门解决涉企执法标准不一",
    dueTime: inDays(25),
    reason: "多家商会反映，区级无法协调",
  });
  expect(raised).toEqual(
    expect.objectContaining({
      origin: L.ActionItemOrigin.ACTION_ITEM_ORIGIN_LOCAL,
      assigneeJurisdictionCode: "120000",
      originJurisdictionCode: "120101",
      originConsultationId: "",
      consultationId: "",
      status: S.ACTION_ITEM_STATUS_OPEN,
    }),
  );
  const id = raised!.actionItemId;
  const atCity = await waitFor(() => atNode(city, id), { ...wait, what: "the directly raised item at 120000" });
  expect(atCity).toEqual(
    expect.objectContaining({
      title: "协调市级部门解决涉企执法标准不一",
      origin: L.ActionItemOrigin.ACTION_ITEM_ORIGIN_RAISED_BY_DISTRICT,
      originJurisdictionCode: "120101",
      originConsultationId: "",
      dueTime: raised!.dueTime,
    }),
  );
  await city.liaison.consultations.updateActionItemProgress({
    actionItemId: id,
    expectedRevision: atCity.revision,
    status: S.ACTION_ITEM_STATUS_IN_PROGRESS,
    note: "已转市场监管委研究",
    owner: {
      organisationId: "",
      departmentId: cityFederation.department("法律服务部"),
      creditCode: cityFederation.organisation.creditCode,
    },
    jointOwners: [],
    reportingOrganisationId: "",
    reportingCreditCode: "",
  });
  await waitFor(async () => (await atNode(heping, id))?.status === S.ACTION_ITEM_STATUS_IN_PROGRESS, {
    ...wait,
    what: "the city's report at 120101",
  });
  // The raising district extends it; the city's copy follows.
  const due = inDays(45);
  await heping.liaison.consultations.extendActionItemDueDate({
    actionItemId: id,
    expectedRevision: 0,
    dueTime: due,
    reason: "市级部门需会签",
  });
  await waitFor(async () => (await atNode(city, id))?.dueTime?.getTime() === due.getTime(), { ...wait, what: "the extension at 120000" });
  // The city has nobody above it.
  const refused = await statusOf(city.liaison.consultations.raiseActionItem({ title: "x", dueTime: inDays(5), reason: "y" }));
  expect(refused.code).toBe(status.FAILED_PRECONDITION);
  expect(refused.preconditionViolations[0]!.type).toBe("DISTRICT_NODE_ONLY");
});
