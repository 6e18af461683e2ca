/**
 * ConsultationService over gRPC at the municipal node, against real Kafka and PostgreSQL:
 * scheduling, agenda and attendees, the planned -> in progress -> closed life with typed
 * outcomes, cancelling, lists, and refusals that change nothing.
 */
import { status } from "@grpc/grpc-js";
import { liaisonV1 } from "@jinlian/proto";
import { randomUUID } from "node:crypto";
import { uniqueNamespace } from "../harness/kafka";
import { consultationsOf } from "../support/answers";
import { query } from "../support/db";
import { OrgType, registerMechanismParties, registerParty, type Party } from "../support/liaison-fixtures";
import { attendee, bothSides, establishMechanism } from "../support/consultation-fixtures";
import { startTestNode, statusOf, type TestNode } from "../support/nodes";
import { changedTables, expectRefusedWithoutChange, snapshotSchemas } from "../support/refusals";

const L = liaisonV1;
const Kind = L.ConsultationKind;
const CStatus = L.ConsultationStatus;
const Outcome = L.OutcomeType;
jest.setTimeout(60_000);

let city: TestNode;
let bureau: Party;
let federation: Party;
let retired: Party;
let mechanism: liaisonV1.Mechanism;

const DAY = 86_400_000;
const inDays = (n: number) => new Date(Date.now() + n * DAY);

beforeAll(async () => {
  city = await startTestNode({ jurisdictionCode: "120000", namespace: uniqueNamespace("consultations") });
  ({ bureau, federation } = await registerMechanismParties(city.liaison, "120000"));
  // Consultations are held under the node's established mechanism.
  mechanism = await establishMechanism(city.liaison, bureau, federation);
  retired = await registerParty(city.liaison, {
    type: OrgType.ORGANISATION_TYPE_CHAMBER_OF_COMMERCE,
    name: "已撤销商会",
    jurisdictionCode: "120000",
    departments: ["秘书处"],
  });
  await city.liaison.registry.deactivateOrganisation({
    organisationId: retired.organisation.organisationId,
    expectedRevision: 0,
    reason: "合并",
  });
});

afterAll(async () => {
  await city?.stop();
  await city?.database.drop();
});

/** Expects the call to be refused with `code` and to leave every table of the liaison schema as it was. */
function refusedUnchanged(call: () => Promise<unknown>, code: status) {
  return expectRefusedWithoutChange({ url: city.database.url, schemas: ["liaison"] }, call, { code });
}

function scheduleRequest(overrides: Partial<liaisonV1.ScheduleConsultationRequest> = {}): liaisonV1.ScheduleConsultationRequest {
  return {
    kind: Kind.CONSULTATION_KIND_HIGH_LEVEL,
    title: "2026年度高层适时会商",
    seriesId: "",
    mechanismId: "",
    scheduledTime: inDays(7),
    location: "天津市司法局三楼会议室",
    agenda: [
      {
        agendaItemId: "",
        topic: "民营企业法治体检工作安排",
        presenter: "法治调研处 张处长",
        presenterOrganisationId: bureau.organisation.organisationId,
        durationMinutes: 30,
        presenterCreditCode: "",
      },
    ],
    // Both sides of the mechanism attend.
    attendees: bothSides(bureau, federation),
    reason: "年度会商计划",
    concernedJurisdictionCodes: [],
    ...overrides,
  };
}

async function schedule(overrides: Partial<liaisonV1.ScheduleConsultationRequest> = {}) {
  return (await consultationsOf(city).scheduleConsultation(scheduleRequest(overrides))).consultation!;
}

async function started(overrides: Partial<liaisonV1.ScheduleConsultationRequest> = {}) {
  const c = await schedule(overrides);
  return (await consultationsOf(city).startConsultation({ consultationId: c.consultationId, expectedRevision: c.revision, reason: "" }))
    .consultation!;
}

function actionOutcome(consultationId: string, action: Partial<liaisonV1.ActionSpec>): liaisonV1.RecordOutcomeRequest {
  return {
    consultationId,
    expectedRevision: 0,
    type: Outcome.OUTCOME_TYPE_ACTION,
    text: "议定：由市工商联牵头制定法治体检方案",
    agendaItemId: "",
    action: {
      title: "制定法治体检方案",
      owner: { organisationId: federation.organisation.organisationId, departmentId: federation.department("法律服务部"), creditCode: "" },
      assigneeJurisdictionCode: "",
      dueTime: inDays(30),
      jointOwners: [],
      ...action,
    },
    reason: "",
  };
}

describe("scheduling", () => {
  it("schedules a planned consultation starting its own series, with agenda, attendees and an audit entry", async () => {
    const c = await schedule();
    expect(c.status).toBe(CStatus.CONSULTATION_STATUS_PLANNED);
    expect(c.kind).toBe(Kind.CONSULTATION_KIND_HIGH_LEVEL);
    expect(c.seriesId).toBe(c.consultationId);
    expect(c.revision).toBe(1);
    expect(c.agenda).toEqual([
      expect.objectContaining({
        topic: "民营企业法治体检工作安排",
        durationMinutes: 30,
        presenterOrganisationId: bureau.organisation.organisationId,
      }),
    ]);
    expect(c.agenda[0]!.agendaItemId).toMatch(/^[0-9a-f-]{36}$/);
    // Each attendee gets an id and is shown with its organisation by reference.
    expect(c.attendees).toEqual([
      {
        name: "李明",
        organisationId: bureau.organisation.organisationId,
        title: "副局长",
        attendeeId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        creditCode: bureau.organisation.creditCode,
        organisation: { creditCode: bureau.organisation.creditCode, jurisdictionCode: "120000", name: bureau.organisation.name },
      },
      expect.objectContaining({ name: "王芳", organisationId: federation.organisation.organisationId }),
    ]);
    expect(c.mechanismId).toBe(mechanism.mechanismId);
    expect(c.actionItems).toEqual([]);
    const { entries } = await city.liaison.audit.listAuditEntries({
      aggregateType: "consultation",
      aggregateId: c.consultationId,
      actor: "",
    });
    expect(entries.map((e) => [e.action, e.revision, e.audit!.actor, e.audit!.reason])).toEqual([
      ["ScheduleConsultation", 1, "test-operator", "年度会商计划"],
    ]);
  });

  it("continues an existing series of the same kind", async () => {
    const first = await schedule({ kind: Kind.CONSULTATION_KIND_WORKING, title: "部门工作协商 第1次" });
    const next = await schedule({ kind: Kind.CONSULTATION_KIND_WORKING, title: "部门工作协商 第2次", seriesId: first.seriesId });
    expect(next.seriesId).toBe(first.consultationId);
    expect(next.consultationId).not.toBe(first.consultationId);
  });

  it("names every missing or malformed field and changes nothing", async () => {
    const err = await refusedUnchanged(
      () =>
        consultationsOf(city).scheduleConsultation(
          scheduleRequest({
            kind: 0,
            title: "",
            scheduledTime: undefined,
            location: "地".repeat(201),
            agenda: [
              {
                agendaItemId: "",
                topic: "议题一",
                presenter: "",
                presenterOrganisationId: "",
                durationMinutes: 30,
                presenterCreditCode: "",
              },
              { agendaItemId: "", topic: "", presenter: "", presenterOrganisationId: "", durationMinutes: 481, presenterCreditCode: "" },
            ],
            attendees: [{ name: "", organisationId: "nope", title: "", attendeeId: "", creditCode: "" }],
          }),
        ),
      status.INVALID_ARGUMENT,
    );
    expect(err.fieldViolations.map((v) => v.field)).toEqual([
      "kind",
      "title",
      "scheduled_time",
      "location",
      "agenda[1].duration_minutes",
      "agenda[1].topic",
      "attendees[0].name",
      "attendees[0].organisation_id",
    ]);
  });

  it("refuses an enum value the contract does not define", async () => {
    const err = await refusedUnchanged(
      () => consultationsOf(city).scheduleConsultation(scheduleRequest({ kind: 9 as liaisonV1.ConsultationKind })),
      status.INVALID_ARGUMENT,
    );
    expect(err.fieldViolations.map((v) => v.field)).toEqual(["kind"]);
  });

  it("refuses unregistered organisations (INVALID_ARGUMENT) and deactivated attendees (FAILED_PRECONDITION)", async () => {
    const unknown = await refusedUnchanged(
      () =>
        consultationsOf(city).scheduleConsultation(
          scheduleRequest({
            agenda: [
              {
                agendaItemId: "",
                topic: "议题",
                presenter: "",
                presenterOrganisationId: randomUUID(),
                durationMinutes: 20,
                presenterCreditCode: "",
              },
            ],
            attendees: [
              { name: "李明", organisationId: bureau.organisation.organisationId, title: "", attendeeId: "", creditCode: "" },
              { name: "王芳", organisationId: randomUUID(), title: "", attendeeId: "", creditCode: "" },
            ],
          }),
        ),
      status.INVALID_ARGUMENT,
    );
    expect(unknown.fieldViolations.map((v) => v.field)).toEqual(["agenda[0].presenter_organisation_id", "attendees[1].organisation_id"]);
    const deactivated = await refusedUnchanged(
      () =>
        consultationsOf(city).scheduleConsultation(
          scheduleRequest({
            attendees: [
              { name: "赵强", organisationId: retired.organisation.organisationId, title: "会长", attendeeId: "", creditCode: "" },
            ],
          }),
        ),
      status.FAILED_PRECONDITION,
    );
    expect(deactivated.preconditionViolations[0]!.type).toBe("ORGANISATION_DEACTIVATED");
  });

  it("refuses an unknown series or mechanism (INVALID_ARGUMENT) and a series of the other kind (FAILED_PRECONDITION)", async () => {
    const series = await refusedUnchanged(
      () => consultationsOf(city).scheduleConsultation(scheduleRequest({ seriesId: randomUUID() })),
      status.INVALID_ARGUMENT,
    );
    expect(series.fieldViolations.map((v) => v.field)).toEqual(["series_id"]);
    const mechanism = await refusedUnchanged(
      () => consultationsOf(city).scheduleConsultation(scheduleRequest({ mechanismId: randomUUID() })),
      status.INVALID_ARGUMENT,
    );
    expect(mechanism.fieldViolations.map((v) => v.field)).toEqual(["mechanism_id"]);
    const highLevel = await schedule();
    const kind = await refusedUnchanged(
      () =>
        consultationsOf(city).scheduleConsultation(scheduleRequest({ kind: Kind.CONSULTATION_KIND_WORKING, seriesId: highLevel.seriesId })),
      status.FAILED_PRECONDITION,
    );
    expect(kind.preconditionViolations[0]!.type).toBe("SERIES_KIND");
  });
});

describe("agenda and attendees", () => {
  it("adds agenda items only while planned and records attendees while planned or in progress", async () => {
    const c = await schedule({ agenda: [] });
    const { consultation: withItem } = await consultationsOf(city).addAgendaItem({
      consultationId: c.consultationId,
      expectedRevision: 1,
      item: {
        agendaItemId: "",
        topic: "商会调解工作",
        presenter: "王部长",
        presenterOrganisationId: "",
        durationMinutes: 45,
        presenterCreditCode: "",
      },
      reason: "补充议题",
    });
    expect(withItem!.agenda.map((a) => [a.topic, a.durationMinutes])).toEqual([["商会调解工作", 45]]);
    expect(withItem!.revision).toBe(2);

    const { consultation: attended } = await consultationsOf(city).recordAttendees({
      consultationId: c.consultationId,
      expectedRevision: 2,
      attendees: [{ name: "周华", organisationId: federation.organisation.organisationId, title: "部长", attendeeId: "", creditCode: "" }],
      reason: "",
    });
    expect(attended!.attendees.map((a) => a.name)).toEqual(["李明", "王芳", "周华"]);

    await consultationsOf(city).startConsultation({ consultationId: c.consultationId, expectedRevision: 3, reason: "" });
    const late = await refusedUnchanged(
      () =>
        consultationsOf(city).addAgendaItem({
          consultationId: c.consultationId,
          expectedRevision: 0,
          item: {
            agendaItemId: "",
            topic: "临时议题",
            presenter: "",
            presenterOrganisationId: "",
            durationMinutes: 10,
            presenterCreditCode: "",
          },
          reason: "",
        }),
      status.FAILED_PRECONDITION,
    );
    expect(late.preconditionViolations[0]).toEqual(expect.objectContaining({ type: "STATE", subject: `consultation/${c.consultationId}` }));

    const { consultation: more } = await consultationsOf(city).recordAttendees({
      consultationId: c.consultationId,
      expectedRevision: 0,
      attendees: [{ name: "钱进", organisationId: bureau.organisation.organisationId, title: "处长", attendeeId: "", creditCode: "" }],
      reason: "",
    });
    expect(more!.attendees.map((a) => a.name)).toEqual(["李明", "王芳", "周华", "钱进"]);
  });

  it("refuses a bad agenda item, no attendees, or an unknown attendee organisation, changing nothing", async () => {
    const c = await schedule();
    const bad = await refusedUnchanged(
      () =>
        consultationsOf(city).addAgendaItem({
          consultationId: c.consultationId,
          expectedRevision: 0,
          item: { agendaItemId: "", topic: "", presenter: "", presenterOrganisationId: "", durationMinutes: 0, presenterCreditCode: "" },
          reason: "",
        }),
      status.INVALID_ARGUMENT,
    );
    expect(bad.fieldViolations.map((v) => v.field)).toEqual(["item.duration_minutes", "item.topic"]);
    const none = await refusedUnchanged(
      () => consultationsOf(city).recordAttendees({ consultationId: c.consultationId, expectedRevision: 0, attendees: [], reason: "" }),
      status.INVALID_ARGUMENT,
    );
    expect(none.fieldViolations.map((v) => v.field)).toEqual(["attendees"]);
    const unknown = await refusedUnchanged(
      () =>
        consultationsOf(city).recordAttendees({
          consultationId: c.consultationId,
          expectedRevision: 0,
          attendees: [{ name: "孙丽", organisationId: randomUUID(), title: "", attendeeId: "", creditCode: "" }],
          reason: "",
        }),
      status.INVALID_ARGUMENT,
    );
    expect(unknown.fieldViolations.map((v) => v.field)).toEqual(["attendees[0].organisation_id"]);
  });
});

describe("holding a consultation", () => {
  it("goes planned -> in progress -> closed, with typed outcomes and minutes, and audits each change", async () => {
    const c = await schedule();
    const { consultation: running } = await consultationsOf(city).startConsultation({
      consultationId: c.consultationId,
      expectedRevision: 1,
      reason: "按期召开",
    });
    expect(running!.status).toBe(CStatus.CONSULTATION_STATUS_IN_PROGRESS);
    expect(running!.startTime).toBeInstanceOf(Date);

    const agendaItemId = c.agenda[0]!.agendaItemId;
    const decision = await consultationsOf(city).recordOutcome({
      consultationId: c.consultationId,
      expectedRevision: 2,
      type: Outcome.OUTCOME_TYPE_DECISION,
      text: "议定：建立季度会商制度",
      agendaItemId,
      action: undefined,
      reason: "",
    });
    expect(decision.outcome).toEqual(
      expect.objectContaining({ type: Outcome.OUTCOME_TYPE_DECISION, agendaItemId, actionItemId: "", text: "议定：建立季度会商制度" }),
    );
    expect(decision.outcome!.audit!.actor).toBe("test-operator");
    await consultationsOf(city).recordOutcome({
      consultationId: c.consultationId,
      expectedRevision: 3,
      type: Outcome.OUTCOME_TYPE_INFORMATION,
      text: "通报：上半年法律服务情况",
      agendaItemId: "",
      action: undefined,
      reason: "",
    });
    const actionRequest = { ...actionOutcome(c.consultationId, {}), expectedRevision: 4 };
    const requestId = randomUUID();
    const action = await consultationsOf(city).recordOutcome(actionRequest, { requestId });
    const item = action.consultation!.actionItems[0]!;
    expect(action.outcome!.actionItemId).toBe(item.actionItemId);
    expect(item).toEqual(
      expect.objectContaining({
        title: "制定法治体检方案",
        owner: {
          organisationId: federation.organisation.organisationId,
          departmentId: federation.department("法律服务部"),
          creditCode: federation.organisation.creditCode,
          organisation: { creditCode: federation.organisation.creditCode, jurisdictionCode: "120000", name: federation.organisation.name },
        },
        assigneeJurisdictionCode: "",
        status: L.ActionItemStatus.ACTION_ITEM_STATUS_OPEN,
        overdue: false,
        origin: L.ActionItemOrigin.ACTION_ITEM_ORIGIN_LOCAL,
        originJurisdictionCode: "120000",
        originConsultationId: c.consultationId,
        consultationId: c.consultationId,
        seriesId: c.seriesId,
        carryOverCount: 0,
        revision: 1,
      }),
    );
    // A repeat of the request changes nothing and answers with the same outcome and item.
    const schemas = { url: city.database.url, schemas: ["liaison"] };
    const untouched = await snapshotSchemas(schemas);
    const repeated = await consultationsOf(city).recordOutcome(actionRequest, { requestId });
    expect(changedTables(untouched, await snapshotSchemas(schemas))).toEqual({});
    expect(repeated.outcome).toEqual(action.outcome);
    expect(repeated.consultation!.actionItems).toEqual(action.consultation!.actionItems);

    const { consultation: closed } = await consultationsOf(city).closeConsultation({
      consultationId: c.consultationId,
      expectedRevision: 5,
      minutes: "会议纪要：……",
      reason: "会议结束",
    });
    expect(closed!.status).toBe(CStatus.CONSULTATION_STATUS_CLOSED);
    expect(closed!.minutes).toBe("会议纪要：……");
    expect(closed!.endTime).toBeInstanceOf(Date);
    expect(closed!.outcomes.map((o) => o.type)).toEqual([
      Outcome.OUTCOME_TYPE_DECISION,
      Outcome.OUTCOME_TYPE_INFORMATION,
      Outcome.OUTCOME_TYPE_ACTION,
    ]);
    // No planned consultation follows in the series: the unfinished item stays until one is scheduled.
    expect(closed!.actionItems.map((a) => a.actionItemId)).toEqual([item.actionItemId]);

    const { entries } = await city.liaison.audit.listAuditEntries({
      aggregateType: "consultation",
      aggregateId: c.consultationId,
      actor: "",
    });
    expect(entries.map((e) => e.action).reverse()).toEqual([
      "ScheduleConsultation",
      "StartConsultation",
      "RecordOutcome",
      "RecordOutcome",
      "RecordOutcome",
      "CloseConsultation",
    ]);

    // An outcome on a closed consultation, or closing it again: refused, nothing changes.
    const onClosed = await refusedUnchanged(
      () =>
        consultationsOf(city).recordOutcome({
          consultationId: c.consultationId,
          expectedRevision: 0,
          type: Outcome.OUTCOME_TYPE_DECISION,
          text: "会后补充决定",
          agendaItemId: "",
          action: undefined,
          reason: "",
        }),
      status.FAILED_PRECONDITION,
    );
    expect(onClosed.preconditionViolations[0]!.description).toContain("is closed");
    await refusedUnchanged(
      () =>
        consultationsOf(city).closeConsultation({
          consultationId: c.consultationId,
          expectedRevision: 0,
          minutes: "再次",
          reason: "",
        }),
      status.FAILED_PRECONDITION,
    );
  });

  it("refuses closing or recording an outcome on a consultation that never started, changing nothing", async () => {
    const c = await schedule();
    const close = await refusedUnchanged(
      () =>
        consultationsOf(city).closeConsultation({
          consultationId: c.consultationId,
          expectedRevision: 0,
          minutes: "纪要",
          reason: "",
        }),
      status.FAILED_PRECONDITION,
    );
    expect(close.preconditionViolations[0]!.description).toContain("has not started");
    await refusedUnchanged(() => consultationsOf(city).recordOutcome(actionOutcome(c.consultationId, {})), status.FAILED_PRECONDITION);
  });

  it("refuses closing without minutes (INVALID_ARGUMENT) and a stale expected revision (ABORTED), changing nothing", async () => {
    const c = await started();
    const minutes = await refusedUnchanged(
      () => consultationsOf(city).closeConsultation({ consultationId: c.consultationId, expectedRevision: 0, minutes: " ", reason: "" }),
      status.INVALID_ARGUMENT,
    );
    expect(minutes.fieldViolations.map((v) => v.field)).toEqual(["minutes"]);
    await refusedUnchanged(
      () =>
        consultationsOf(city).closeConsultation({
          consultationId: c.consultationId,
          expectedRevision: 1,
          minutes: "纪要",
          reason: "",
        }),
      status.ABORTED,
    );
    await refusedUnchanged(
      () => consultationsOf(city).recordOutcome({ ...actionOutcome(c.consultationId, {}), expectedRevision: 1 }),
      status.ABORTED,
    );
    const { consultation } = await consultationsOf(city).closeConsultation({
      consultationId: c.consultationId,
      expectedRevision: 2,
      minutes: "纪要",
      reason: "",
    });
    expect(consultation!.revision).toBe(3);
    // A stale revision is answered before the state's refusal (starting a closed consultation).
    await refusedUnchanged(
      () => consultationsOf(city).startConsultation({ consultationId: c.consultationId, expectedRevision: 2, reason: "" }),
      status.ABORTED,
    );
  });

  it("cancels a planned consultation with a reason, and only then", async () => {
    const c = await schedule();
    const noReason = await refusedUnchanged(
      () => consultationsOf(city).cancelConsultation({ consultationId: c.consultationId, expectedRevision: 0, reason: " " }),
      status.INVALID_ARGUMENT,
    );
    expect(noReason.fieldViolations.map((v) => v.field)).toEqual(["reason"]);
    const { consultation } = await consultationsOf(city).cancelConsultation({
      consultationId: c.consultationId,
      expectedRevision: 1,
      reason: "领导另有公务",
    });
    expect(consultation!.status).toBe(CStatus.CONSULTATION_STATUS_CANCELLED);
    expect(consultation!.endTime).toBeInstanceOf(Date);
    await refusedUnchanged(
      () => consultationsOf(city).startConsultation({ consultationId: c.consultationId, expectedRevision: 0, reason: "" }),
      status.FAILED_PRECONDITION,
    );
    const running = await started();
    await refusedUnchanged(
      () => consultationsOf(city).cancelConsultation({ consultationId: running.consultationId, expectedRevision: 0, reason: "取消" }),
      status.FAILED_PRECONDITION,
    );
  });
});

describe("outcome rules", () => {
  let c: liaisonV1.Consultation;
  beforeAll(async () => {
    c = await started();
  });

  it("requires an action for an ACTION outcome, and none for others", async () => {
    const missing = await refusedUnchanged(
      () => consultationsOf(city).recordOutcome({ ...actionOutcome(c.consultationId, {}), action: undefined }),
      status.INVALID_ARGUMENT,
    );
    expect(missing.fieldViolations.map((v) => v.field)).toEqual(["action"]);
    const extra = await refusedUnchanged(
      () => consultationsOf(city).recordOutcome({ ...actionOutcome(c.consultationId, {}), type: Outcome.OUTCOME_TYPE_DECISION }),
      status.INVALID_ARGUMENT,
    );
    expect(extra.fieldViolations.map((v) => v.field)).toEqual(["action"]);
  });

  it("refuses an owner that is unknown, has no such department, or is deactivated", async () => {
    const unknown = await refusedUnchanged(
      () =>
        consultationsOf(city).recordOutcome(
          actionOutcome(c.consultationId, { owner: { organisationId: randomUUID(), departmentId: randomUUID(), creditCode: "" } }),
        ),
      status.INVALID_ARGUMENT,
    );
    expect(unknown.fieldViolations).toEqual([{ field: "action.owner.organisation_id", description: "is not a registered organisation" }]);
    const department = await refusedUnchanged(
      () =>
        consultationsOf(city).recordOutcome(
          actionOutcome(c.consultationId, {
            owner: {
              organisationId: federation.organisation.organisationId,
              departmentId: bureau.department("法治调研处"),
              creditCode: "",
            },
          }),
        ),
      status.INVALID_ARGUMENT,
    );
    expect(department.fieldViolations.map((v) => v.field)).toEqual(["action.owner.department_id"]);
    const deactivated = await refusedUnchanged(
      () =>
        consultationsOf(city).recordOutcome(
          actionOutcome(c.consultationId, {
            owner: { organisationId: retired.organisation.organisationId, departmentId: retired.department("秘书处"), creditCode: "" },
          }),
        ),
      status.FAILED_PRECONDITION,
    );
    expect(deactivated.preconditionViolations[0]!.subject).toBe(`organisation/${retired.organisation.organisationId}`);
  });

  it("refuses a due time in the past, both owner and assignee, a non-district assignee, and a foreign agenda item", async () => {
    const past = await refusedUnchanged(
      () => consultationsOf(city).recordOutcome(actionOutcome(c.consultationId, { dueTime: new Date(Date.now() - 60_000), title: "" })),
      status.INVALID_ARGUMENT,
    );
    expect(past.fieldViolations.map((v) => v.field)).toEqual(["action.title", "action.due_time"]);
    const both = await refusedUnchanged(
      () => consultationsOf(city).recordOutcome(actionOutcome(c.consultationId, { assigneeJurisdictionCode: "120101" })),
      status.INVALID_ARGUMENT,
    );
    expect(both.fieldViolations.map((v) => v.field)).toEqual(["action"]);
    const notDistrict = await refusedUnchanged(
      () => consultationsOf(city).recordOutcome(actionOutcome(c.consultationId, { owner: undefined, assigneeJurisdictionCode: "110000" })),
      status.INVALID_ARGUMENT,
    );
    expect(notDistrict.fieldViolations.map((v) => v.field)).toEqual(["action.assignee_jurisdiction_code"]);
    const other = await schedule();
    const foreign = await refusedUnchanged(
      () => consultationsOf(city).recordOutcome({ ...actionOutcome(c.consultationId, {}), agendaItemId: other.agenda[0]!.agendaItemId }),
      status.INVALID_ARGUMENT,
    );
    expect(foreign.fieldViolations.map((v) => v.field)).toEqual(["agenda_item_id"]);
  });

  it("assigns an action to a district node: the item names the assignee and an assignment goes to the district's topic", async () => {
    const { outcome, consultation } = await consultationsOf(city).recordOutcome(
      actionOutcome(c.consultationId, { owner: undefined, assigneeJurisdictionCode: "120101", title: "和平区开展商会法治体检" }),
    );
    const item = consultation!.actionItems.find((a) => a.actionItemId === outcome!.actionItemId)!;
    expect(item.assigneeJurisdictionCode).toBe("120101");
    expect(item.owner).toBeUndefined();
    const rows = await query<{ topic: string; message_key: string }>(
      city.database.url,
      "select topic, message_key from liaison.outbox where event_type = 'jinlian.liaison.action-item.assigned.v1' and message_key = $1",
      [item.actionItemId],
    );
    expect(rows).toEqual([{ topic: expect.stringMatching(/\.120000\.liaison\.to\.120101$/), message_key: item.actionItemId }]);
  });
});

describe("reading", () => {
  it("answers NOT_FOUND for an unknown consultation and INVALID_ARGUMENT for a malformed id", async () => {
    expect((await statusOf(consultationsOf(city).getConsultation({ consultationId: randomUUID() }))).code).toBe(status.NOT_FOUND);
    const bad = await statusOf(consultationsOf(city).getConsultation({ consultationId: "c-1" }));
    expect(bad.code).toBe(status.INVALID_ARGUMENT);
    expect(bad.fieldViolations).toEqual([{ field: "consultation_id", description: "must be a UUID" }]);
    await refusedUnchanged(
      () => consultationsOf(city).startConsultation({ consultationId: randomUUID(), expectedRevision: 0, reason: "" }),
      status.NOT_FOUND,
    );
  });

  it("lists consultations newest scheduled first, filtered by kind, status, series and title text, paged with total_size", async () => {
    const tag = `清单${Date.now()}`;
    const first = await schedule({ kind: Kind.CONSULTATION_KIND_WORKING, title: `${tag} 一`, scheduledTime: inDays(10) });
    const second = await schedule({
      kind: Kind.CONSULTATION_KIND_WORKING,
      title: `${tag} 二`,
      scheduledTime: inDays(20),
      seriesId: first.seriesId,
    });
    const third = await schedule({
      kind: Kind.CONSULTATION_KIND_WORKING,
      title: `${tag} 三`,
      scheduledTime: inDays(15),
      seriesId: first.seriesId,
    });
    await consultationsOf(city).startConsultation({ consultationId: first.consultationId, expectedRevision: 0, reason: "" });
    const filter = (f: Partial<liaisonV1.ConsultationFilter>): liaisonV1.ConsultationFilter => ({
      kind: 0,
      status: 0,
      seriesId: "",
      text: tag,
      mechanismId: "",
      period: undefined,
      ...f,
    });

    const page1 = await consultationsOf(city).listConsultations({ filter: filter({}), page: { pageSize: 2, pageToken: "" } });
    expect(page1.consultations.map((c) => c.consultationId)).toEqual([second.consultationId, third.consultationId]);
    expect(page1.page!.totalSize).toBe(3);
    expect(page1.consultations[0]!.agenda).toHaveLength(1);
    const page2 = await consultationsOf(city).listConsultations({
      filter: filter({}),
      page: { pageSize: 2, pageToken: page1.page!.nextPageToken },
    });
    expect(page2.consultations.map((c) => c.consultationId)).toEqual([first.consultationId]);
    expect(page2.page!.nextPageToken).toBe("");

    const planned = await consultationsOf(city).listConsultations({ filter: filter({ status: CStatus.CONSULTATION_STATUS_PLANNED }) });
    expect(planned.page!.totalSize).toBe(2);
    const highLevel = await consultationsOf(city).listConsultations({ filter: filter({ kind: Kind.CONSULTATION_KIND_HIGH_LEVEL }) });
    expect(highLevel.page!.totalSize).toBe(0);
    const series = await consultationsOf(city).listConsultations({ filter: filter({ text: "", seriesId: first.seriesId }) });
    expect(series.page!.totalSize).toBe(3);

    const otherFilter = await statusOf(
      consultationsOf(city).listConsultations({
        filter: filter({ kind: Kind.CONSULTATION_KIND_WORKING }),
        page: { pageSize: 2, pageToken: page1.page!.nextPageToken },
      }),
    );
    expect(otherFilter.code).toBe(status.INVALID_ARGUMENT);
    const badEnum = await statusOf(
      consultationsOf(city).listConsultations({ filter: filter({ status: 42 as liaisonV1.ConsultationStatus }) }),
    );
    expect(badEnum.fieldViolations.map((v) => v.field)).toEqual(["filter.status"]);
  });
});

// ---- issue 9: the mechanism and both sides, the agenda sent down, reschedule, removals, corrections, naming, filters ----

describe("the mechanism and both sides (art. 1-2)", () => {
  it("refuses to schedule while the node's mechanism is suspended (FAILED_PRECONDITION), changing nothing", async () => {
    const m = city.liaison.mechanisms;
    const { mechanism: suspended } = await m.suspendMechanism({ mechanismId: mechanism.mechanismId, expectedRevision: 0, reason: "换届" });
    try {
      const err = await refusedUnchanged(() => schedule(), status.FAILED_PRECONDITION);
      expect(err.preconditionViolations[0]).toMatchObject({
        type: "MECHANISM_NOT_ESTABLISHED",
        subject: `mechanism/${mechanism.mechanismId}`,
      });
    } finally {
      await m.establishMechanism({ mechanismId: suspended!.mechanismId, expectedRevision: 0, reason: "换届完成" });
    }
  });

  it("refuses a consultation without the federation attending (FAILED_PRECONDITION), changing nothing", async () => {
    const err = await refusedUnchanged(() => schedule({ attendees: [attendee("李明", bureau)] }), status.FAILED_PRECONDITION);
    expect(err.preconditionViolations.map((v) => [v.type, v.subject])).toEqual([
      ["BOTH_SIDES", `organisation/${federation.organisation.organisationId}`],
    ]);
  });

  it("refuses another mechanism's id (INVALID_ARGUMENT), changing nothing", async () => {
    const err = await refusedUnchanged(() => schedule({ mechanismId: randomUUID() }), status.INVALID_ARGUMENT);
    expect(err.fieldViolations.map((v) => v.field)).toEqual(["mechanism_id"]);
  });
});

describe("rescheduling", () => {
  it("moves a planned consultation with a reason, audited; refuses no reason, a stale revision, and once started", async () => {
    const c = await schedule();
    const { consultation: moved } = await consultationsOf(city).rescheduleConsultation({
      consultationId: c.consultationId,
      expectedRevision: c.revision,
      scheduledTime: inDays(9),
      location: "天津市工商联五楼会议室",
      reason: "与全市大会冲突",
    });
    expect([moved!.location, moved!.revision, moved!.status]).toEqual(["天津市工商联五楼会议室", 2, CStatus.CONSULTATION_STATUS_PLANNED]);
    expect(Math.abs(moved!.scheduledTime!.getTime() - inDays(9).getTime())).toBeLessThan(60_000);
    const { entries } = await city.liaison.audit.listAuditEntries({
      aggregateType: "consultation",
      aggregateId: c.consultationId,
      actor: "",
    });
    expect(entries.map((e) => [e.action, e.audit!.reason])).toContainEqual(["RescheduleConsultation", "与全市大会冲突"]);

    const req = { consultationId: c.consultationId, expectedRevision: 0, scheduledTime: inDays(10), location: "", reason: "" };
    const noReason = await refusedUnchanged(() => consultationsOf(city).rescheduleConsultation(req), status.INVALID_ARGUMENT);
    expect(noReason.fieldViolations.map((v) => v.field)).toEqual(["reason"]);
    await refusedUnchanged(
      () => consultationsOf(city).rescheduleConsultation({ ...req, expectedRevision: 1, reason: "再改" }),
      status.ABORTED,
    );
    await consultationsOf(city).startConsultation({ consultationId: c.consultationId, expectedRevision: 0, reason: "" });
    const held = await refusedUnchanged(
      () => consultationsOf(city).rescheduleConsultation({ ...req, reason: "再改" }),
      status.FAILED_PRECONDITION,
    );
    expect(held.preconditionViolations[0]!.type).toBe("STATE");
  });
});

describe("removing agenda items and attendees", () => {
  it("removes an agenda item and an attendee while planned, with a reason; positions stay consistent for later additions", async () => {
    const c = await schedule({ attendees: [...bothSides(bureau, federation), attendee("周华", federation, "部长")] });
    const { consultation: trimmed } = await consultationsOf(city).removeAgendaItem({
      consultationId: c.consultationId,
      expectedRevision: 0,
      agendaItemId: c.agenda[0]!.agendaItemId,
      reason: "并入下次会商",
    });
    expect(trimmed!.agenda).toEqual([]);
    const guest = c.attendees.find((a) => a.name === "周华")!;
    const { consultation: fewer } = await consultationsOf(city).removeAttendee({
      consultationId: c.consultationId,
      expectedRevision: 0,
      attendeeId: guest.attendeeId,
      reason: "另有公务",
    });
    expect(fewer!.attendees.map((a) => a.name)).toEqual(["李明", "王芳"]);
    const { consultation: again } = await consultationsOf(city).recordAttendees({
      consultationId: c.consultationId,
      expectedRevision: 0,
      attendees: [attendee("钱进", bureau, "处长")],
      reason: "",
    });
    expect(again!.attendees.map((a) => a.name)).toEqual(["李明", "王芳", "钱进"]);
    const { entries } = await city.liaison.audit.listAuditEntries({
      aggregateType: "consultation",
      aggregateId: c.consultationId,
      actor: "",
    });
    expect(entries.map((e) => [e.action, e.audit!.reason])).toEqual(
      expect.arrayContaining([
        ["RemoveAgendaItem", "并入下次会商"],
        ["RemoveAttendee", "另有公务"],
      ]),
    );
  });

  it("refuses removing the last attendee of a side (FAILED_PRECONDITION), an unknown item (INVALID_ARGUMENT), no reason, and once started", async () => {
    const c = await schedule();
    const federationAttendee = c.attendees.find((a) => a.organisationId === federation.organisation.organisationId)!;
    const side = await refusedUnchanged(
      () =>
        consultationsOf(city).removeAttendee({
          consultationId: c.consultationId,
          expectedRevision: 0,
          attendeeId: federationAttendee.attendeeId,
          reason: "临时请假",
        }),
      status.FAILED_PRECONDITION,
    );
    expect(side.preconditionViolations[0]!.type).toBe("BOTH_SIDES");
    const unknown = await refusedUnchanged(
      () =>
        consultationsOf(city).removeAgendaItem({
          consultationId: c.consultationId,
          expectedRevision: 0,
          agendaItemId: randomUUID(),
          reason: "x",
        }),
      status.INVALID_ARGUMENT,
    );
    expect(unknown.fieldViolations.map((v) => v.field)).toEqual(["agenda_item_id"]);
    const noReason = await refusedUnchanged(
      () =>
        consultationsOf(city).removeAgendaItem({
          consultationId: c.consultationId,
          expectedRevision: 0,
          agendaItemId: c.agenda[0]!.agendaItemId,
          reason: " ",
        }),
      status.INVALID_ARGUMENT,
    );
    expect(noReason.fieldViolations.map((v) => v.field)).toEqual(["reason"]);
    await consultationsOf(city).startConsultation({ consultationId: c.consultationId, expectedRevision: 0, reason: "" });
    await refusedUnchanged(
      () =>
        consultationsOf(city).removeAgendaItem({
          consultationId: c.consultationId,
          expectedRevision: 0,
          agendaItemId: c.agenda[0]!.agendaItemId,
          reason: "x",
        }),
      status.FAILED_PRECONDITION,
    );
  });
});

describe("correcting an outcome", () => {
  it("corrects a closed consultation's outcome as a new version with its reason, keeping the original, audited", async () => {
    const c = await started();
    const { outcome } = await consultationsOf(city).recordOutcome({
      consultationId: c.consultationId,
      expectedRevision: 0,
      type: Outcome.OUTCOME_TYPE_DECISION,
      text: "议定：每季度召开一次工作协商",
      agendaItemId: "",
      action: undefined,
      reason: "",
    });
    await consultationsOf(city).closeConsultation({
      consultationId: c.consultationId,
      expectedRevision: 0,
      minutes: "纪要",
      reason: "",
    });
    const { outcome: corrected, consultation } = await consultationsOf(city).correctOutcome({
      consultationId: c.consultationId,
      expectedRevision: 0,
      outcomeId: outcome!.outcomeId,
      text: "议定：每半年召开一次工作协商",
      reason: "纪要笔误，经双方确认",
    });
    expect(corrected!.text).toBe("议定：每半年召开一次工作协商");
    expect(corrected!.version).toBe(2);
    expect(corrected!.history.map((h) => [h.version, h.text, h.audit!.reason])).toEqual([
      [1, "议定：每季度召开一次工作协商", ""],
      [2, "议定：每半年召开一次工作协商", "纪要笔误，经双方确认"],
    ]);
    expect(consultation!.status).toBe(CStatus.CONSULTATION_STATUS_CLOSED);
    // Read back: the correction is stored, the original kept.
    const { consultation: read } = await consultationsOf(city).getConsultation({ consultationId: c.consultationId });
    expect(read!.outcomes[0]!.history).toHaveLength(2);
    const { entries } = await city.liaison.audit.listAuditEntries({
      aggregateType: "consultation",
      aggregateId: c.consultationId,
      actor: "",
    });
    expect(entries[0]).toMatchObject({ action: "CorrectOutcome", audit: expect.objectContaining({ reason: "纪要笔误，经双方确认" }) });

    const same = await refusedUnchanged(
      () =>
        consultationsOf(city).correctOutcome({
          consultationId: c.consultationId,
          expectedRevision: 0,
          outcomeId: outcome!.outcomeId,
          text: "议定：每半年召开一次工作协商",
          reason: "再改",
        }),
      status.INVALID_ARGUMENT,
    );
    expect(same.fieldViolations.map((v) => v.field)).toEqual(["text"]);
    const noReason = await refusedUnchanged(
      () =>
        consultationsOf(city).correctOutcome({
          consultationId: c.consultationId,
          expectedRevision: 0,
          outcomeId: outcome!.outcomeId,
          text: "议定：其他",
          reason: "",
        }),
      status.INVALID_ARGUMENT,
    );
    expect(noReason.fieldViolations.map((v) => v.field)).toEqual(["reason"]);
  });

  it("refuses correcting on a consultation not yet held (FAILED_PRECONDITION)", async () => {
    const c = await schedule();
    await refusedUnchanged(
      () =>
        consultationsOf(city).correctOutcome({
          consultationId: c.consultationId,
          expectedRevision: 0,
          outcomeId: randomUUID(),
          text: "议定",
          reason: "x",
        }),
      status.FAILED_PRECONDITION,
    );
  });
});

describe("districts concerned and naming organisations by credit code", () => {
  it("sends the agenda to each district concerned (and its reschedule), not to others", async () => {
    const c = await schedule({ concernedJurisdictionCodes: ["120101", "120116"] });
    expect(c.concernedJurisdictionCodes).toEqual(["120101", "120116"]);
    await consultationsOf(city).rescheduleConsultation({
      consultationId: c.consultationId,
      expectedRevision: 0,
      scheduledTime: inDays(12),
      location: "",
      reason: "改期",
    });
    const rows = await query<{ topic: string }>(
      city.database.url,
      "select topic from liaison.outbox where event_type = 'jinlian.liaison.consultation.agenda-sent.v1' and message_key = $1 order by seq",
      [c.consultationId],
    );
    expect(rows.map((r) => r.topic.split(".").slice(-1)[0])).toEqual(["120101", "120116", "120101", "120116"]);
  });

  it("refuses bad or repeated district codes (INVALID_ARGUMENT), changing nothing", async () => {
    const err = await refusedUnchanged(
      () => schedule({ concernedJurisdictionCodes: ["120101", "120101", "310101"] }),
      status.INVALID_ARGUMENT,
    );
    expect(err.fieldViolations.map((v) => v.field)).toEqual(["concerned_jurisdiction_codes[1]", "concerned_jurisdiction_codes[2]"]);
  });

  it("takes attendees, presenters and owners by credit code; refuses an unknown code or one disagreeing with the id", async () => {
    const byCode = (p: Party, name: string) => ({ ...attendee(name, p), organisationId: "", creditCode: p.organisation.creditCode });
    const c = await schedule({
      attendees: [byCode(bureau, "李明"), byCode(federation, "王芳")],
      agenda: [
        {
          agendaItemId: "",
          topic: "议题",
          presenter: "张处长",
          presenterOrganisationId: "",
          presenterCreditCode: bureau.organisation.creditCode.toLowerCase(),
          durationMinutes: 20,
        },
      ],
    });
    expect(c.attendees.map((a) => a.organisationId)).toEqual([bureau.organisation.organisationId, federation.organisation.organisationId]);
    expect(c.agenda[0]!.presenterOrganisationId).toBe(bureau.organisation.organisationId);

    const disagreeing = { ...attendee("王芳", federation), creditCode: bureau.organisation.creditCode };
    const err = await refusedUnchanged(
      () =>
        schedule({
          attendees: [
            attendee("李明", bureau),
            disagreeing,
            byCode(retired, "赵强"),
            { ...byCode(bureau, "x"), creditCode: "91120000MA05XXXXXX" },
          ],
        }),
      status.INVALID_ARGUMENT,
    );
    expect(err.fieldViolations.map((v) => v.field)).toEqual(["attendees[1].credit_code", "attendees[3].credit_code"]);

    const started_ = await started();
    const { outcome } = await consultationsOf(city).recordOutcome(
      actionOutcome(started_.consultationId, {
        owner: { organisationId: "", departmentId: federation.department("法律服务部"), creditCode: federation.organisation.creditCode },
        jointOwners: [{ organisationId: "", departmentId: bureau.department("法治调研处"), creditCode: bureau.organisation.creditCode }],
      }),
    );
    const { actionItem } = await consultationsOf(city).getActionItem({ actionItemId: outcome!.actionItemId });
    expect(actionItem!.owner!.organisationId).toBe(federation.organisation.organisationId);
    expect(actionItem!.jointOwners.map((o) => [o.organisationId, o.organisation?.name])).toEqual([
      [bureau.organisation.organisationId, bureau.organisation.name],
    ]);
  });
});

describe("list filters: period and mechanism", () => {
  it("lists consultations scheduled in a period and of a mechanism; refuses a period that ends before it starts", async () => {
    const tag = `期间-${randomUUID().slice(0, 8)}`;
    const early = await schedule({ title: `${tag} 早`, scheduledTime: inDays(40) });
    const late = await schedule({ title: `${tag} 晚`, scheduledTime: inDays(60) });
    const filter = (f: Partial<liaisonV1.ConsultationFilter>): liaisonV1.ConsultationFilter => ({
      kind: 0,
      status: 0,
      seriesId: "",
      text: tag,
      mechanismId: "",
      period: undefined,
      ...f,
    });
    const list = async (f: Partial<liaisonV1.ConsultationFilter>) =>
      (await consultationsOf(city).listConsultations({ filter: filter(f) })).consultations.map((c) => c.consultationId);
    expect(await list({ period: { startTime: inDays(50), endTime: undefined } })).toEqual([late.consultationId]);
    expect(await list({ period: { startTime: inDays(30), endTime: inDays(50) } })).toEqual([early.consultationId]);
    expect(await list({ mechanismId: mechanism.mechanismId })).toEqual([late.consultationId, early.consultationId]);
    expect(await list({ mechanismId: randomUUID() })).toEqual([]);
    const bad = await statusOf(
      consultationsOf(city).listConsultations({ filter: filter({ period: { startTime: inDays(5), endTime: inDays(1) } }) }),
    );
    expect(bad.code).toBe(status.INVALID_ARGUMENT);
    expect(bad.fieldViolations.map((v) => v.field)).toEqual(["filter.period.end_time"]);
  });
});
