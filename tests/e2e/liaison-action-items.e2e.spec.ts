/**
 * Cross-level action tracking on a real broker: a municipal consultation's ACTION outcome is
 * assigned to the Heping district node, which receives it under the same id, designates an owner
 * from its own registry and reports progress back up, where the city sees each report.
 */
import { status } from "@grpc/grpc-js";
import { liaisonV1 } from "@jinlian/proto";
import { uniqueNamespace, waitFor } from "../harness/kafka";
import { OrgType, registerMechanismParties, registerParty, type Party } from "../support/liaison-fixtures";
import { startTestNode, statusOf, type TestNode } from "../support/nodes";

const L = liaisonV1;
const S = L.ActionItemStatus;
jest.setTimeout(120_000);

const ns = uniqueNamespace("action-items");
let city: TestNode;
let heping: TestNode; // 120101
let cityBureau: Party;
let hepingChamber: Party;

beforeAll(async () => {
  [city, heping] = await Promise.all([
    startTestNode({ jurisdictionCode: "120000", namespace: ns }),
    startTestNode({ jurisdictionCode: "120101", namespace: ns }),
  ]);
  ({ bureau: cityBureau } = await registerMechanismParties(city.liaison, "120000"));
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
    agenda: [{ agendaItemId: "", topic: "各区商会法治体检", presenter: "法治调研处", presenterOrganisationId: "", durationMinutes: 40 }],
    attendees: [{ name: "李明", organisationId: cityBureau.organisation.organisationId, title: "副局长" }],
    reason: "",
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
    action: { title: "完成辖区商会法治体检", owner: undefined, assigneeJurisdictionCode: "120101", dueTime: due },
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
    }),
  );
  expect(byCity.code).toBe(status.FAILED_PRECONDITION);

  const ownerHere = { organisationId: hepingChamber.organisation.organisationId, departmentId: hepingChamber.department("法律服务部") };
  const { actionItem: working } = await heping.liaison.consultations.updateActionItemProgress({
    actionItemId: id,
    expectedRevision: received.revision,
    status: S.ACTION_ITEM_STATUS_IN_PROGRESS,
    note: "已制定体检方案，抽调律师12名",
    owner: ownerHere,
  });
  expect(working!.owner).toEqual(ownerHere);
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
    attendees: [],
    reason: "",
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
    }),
  );
  expect(late.code).toBe(status.FAILED_PRECONDITION);
});
