import { FailedPreconditionError, liaisonEvents, type DecisionWithRevision, type EventToEmit } from "@jinlian/chassis";
import { liaisonV1 } from "@jinlian/proto";
import type { ActionItem } from "./action-item";
import {
  currentText,
  currentVersion,
  decideCorrectOutcome,
  decideRemoveAgendaItem,
  decideRemoveAttendee,
  decideReschedule,
  validateCorrection,
  validateRemoval,
  validateReschedule,
  decideAddAgendaItem,
  decideCancel,
  decideClose,
  decideOutcome,
  decideRecordAttendees,
  decideSchedule,
  decideStart,
  type Consultation,
  type ConsultationContext,
  assertAgendaItemOf,
  assertSeriesKind,
  carriedOverOnSchedule,
  carryOverTarget,
  transition,
  validateCancellation,
  validateMinutes,
  validateOutcome,
  validateSchedule,
  type ConsultationAction,
  type ConsultationStatus,
  type MechanismFacts,
  type OutcomeInput,
  type ScheduleFacts,
  type ScheduleInput,
  type ValidOutcome,
  type ValidSchedule,
} from "./consultation";
import type { Parties, PartyRecord } from "./consultation-parties";
import { preconditionType as preconditionOf, violatedFields as fieldsOf } from "@jinlian/chassis/testing";

const ORG = "6f1c2a52-8d8a-4e0f-9a43-0d2f1d6c9a11";
/** The federation, the mechanism's other side (ORG is its justice bureau). */
const FED = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";
const MECHANISM = "5b4a3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d";
const DEPT = "0b7e3f0e-2c1a-4b6e-8f3d-5a9c7e1d2b44";
const NOW = new Date("2026-05-01T02:00:00Z");
const LATER = new Date("2026-06-01T02:00:00Z");

function schedule(overrides: Partial<ScheduleInput> = {}): ScheduleInput {
  return {
    kind: "HIGH_LEVEL",
    title: "2026年第一次高层会商",
    seriesId: "",
    mechanismId: "",
    scheduledTime: LATER,
    location: "市司法局302会议室",
    agenda: [{ topic: "民营企业法治体检", presenter: "张处长", presenterOrganisationId: "", durationMinutes: 30 }],
    attendees: [
      { name: "李明", organisationId: ORG, title: "副局长" },
      { name: "王芳", organisationId: FED, title: "副主席" },
    ],
    reason: "",
    ...overrides,
  };
}

function outcome(overrides: Partial<OutcomeInput> = {}): OutcomeInput {
  return { type: "DECISION", text: "议定：联合开展法治体检", agendaItemId: "", action: undefined, reason: "", ...overrides };
}

const ownedAction = {
  title: "制定体检方案",
  owner: { organisationId: ORG, departmentId: DEPT },
  assigneeJurisdictionCode: "",
  dueTime: LATER,
};
const ownedActionValid = { title: "制定体检方案", dueTime: LATER, owner: { organisationId: ORG, departmentId: DEPT }, jointOwners: [] };

describe("given a consultation to schedule", () => {
  it("when it is complete, then it is accepted with trimmed texts", () => {
    const s = validateSchedule(schedule({ title: "  会商  " }));
    expect(s.title).toBe("会商");
    expect(s.kind).toBe("HIGH_LEVEL");
  });

  it("when kind, title and time are missing, then each is named", () => {
    expect(fieldsOf(() => validateSchedule(schedule({ kind: undefined, title: " ", scheduledTime: undefined })))).toEqual([
      "kind",
      "title",
      "scheduled_time",
    ]);
  });

  it("when texts are too long and ids malformed, then the fields are named", () => {
    expect(
      fieldsOf(() => validateSchedule(schedule({ title: "题".repeat(201), location: "地".repeat(201), seriesId: "x", mechanismId: "y" }))),
    ).toEqual(["title", "series_id", "mechanism_id", "location"]);
  });

  it("when agenda items and attendees break their rules, then each is named by its position", () => {
    const fields = fieldsOf(() =>
      validateSchedule(
        schedule({
          agenda: [
            { topic: "议题", presenter: "", presenterOrganisationId: "", durationMinutes: 30 },
            { topic: "", presenter: "人".repeat(101), presenterOrganisationId: "nope", durationMinutes: 481 },
            { topic: "议题", presenter: "", presenterOrganisationId: "", durationMinutes: 0 },
          ],
          attendees: [
            { name: "", organisationId: "", title: "职".repeat(101) },
            { name: "王芳", organisationId: ORG, title: "" },
          ],
        }),
      ),
    );
    expect(fields).toEqual([
      "agenda[1].duration_minutes",
      "agenda[1].topic",
      "agenda[1].presenter",
      "agenda[1].presenter_organisation_id",
      "agenda[2].duration_minutes",
      "attendees[0].name",
      "attendees[0].organisation_id",
      "attendees[0].title",
    ]);
  });

  it("when it continues a series of the same kind, then that is allowed", () => {
    expect(() => assertSeriesKind("s", "WORKING", "WORKING")).not.toThrow();
  });

  it("when it continues a series of the other kind, then it is refused as FAILED_PRECONDITION", () => {
    expect(() => assertSeriesKind("s", "HIGH_LEVEL", "WORKING")).toThrow(FailedPreconditionError);
  });
});

describe("given the consultation state machine", () => {
  const cases: [ConsultationStatus, ConsultationAction, ConsultationStatus | "refused"][] = [
    ["PLANNED", "addAgendaItem", "PLANNED"],
    ["PLANNED", "recordAttendees", "PLANNED"],
    ["PLANNED", "start", "IN_PROGRESS"],
    ["PLANNED", "recordOutcome", "refused"],
    ["PLANNED", "close", "refused"],
    ["PLANNED", "cancel", "CANCELLED"],
    ["IN_PROGRESS", "addAgendaItem", "refused"],
    ["IN_PROGRESS", "recordAttendees", "IN_PROGRESS"],
    ["IN_PROGRESS", "start", "refused"],
    ["IN_PROGRESS", "recordOutcome", "IN_PROGRESS"],
    ["IN_PROGRESS", "close", "CLOSED"],
    ["IN_PROGRESS", "cancel", "refused"],
    ["CLOSED", "recordOutcome", "refused"],
    ["CLOSED", "recordAttendees", "refused"],
    ["CLOSED", "close", "refused"],
    ["CLOSED", "start", "refused"],
    ["CANCELLED", "start", "refused"],
    ["CANCELLED", "addAgendaItem", "refused"],
  ];
  it.each(cases)("when a %s consultation is asked to %s, then the result is %s", (status, action, expected) => {
    if (expected === "refused") {
      expect(() => transition("c1", status, action)).toThrow(FailedPreconditionError);
    } else {
      expect(transition("c1", status, action)).toBe(expected);
    }
  });

  it("when a consultation that never started is closed, then the refusal says why", () => {
    try {
      transition("c1", "PLANNED", "close");
      throw new Error("not refused");
    } catch (e) {
      expect(e).toBeInstanceOf(FailedPreconditionError);
      const v = (e as FailedPreconditionError).violations[0]!;
      expect(v.type).toBe("STATE");
      expect(v.subject).toBe("consultation/c1");
      expect(v.description).toContain("has not started");
    }
  });

  it("when closing without minutes or cancelling without a reason, then the field is named", () => {
    expect(fieldsOf(() => validateMinutes(" ", ""))).toEqual(["minutes"]);
    expect(fieldsOf(() => validateMinutes("纪".repeat(20_001), ""))).toEqual(["minutes"]);
    expect(fieldsOf(() => validateCancellation(""))).toEqual(["reason"]);
    expect(validateCancellation(" 议题取消 ")).toBe("议题取消");
  });
});

describe("given an outcome to record", () => {
  const city = { here: "120000", now: NOW };
  const district = { here: "120101", now: NOW };

  it("when it is a decision with text, then it is accepted without an action", () => {
    expect(validateOutcome(outcome(), city)).toEqual({ type: "DECISION", text: "议定：联合开展法治体检", agendaItemId: "", reason: "" });
  });

  it("when type and text are missing, then both are named", () => {
    expect(fieldsOf(() => validateOutcome(outcome({ type: undefined, text: "" }), city))).toEqual(["type", "text"]);
  });

  it("when an ACTION outcome has no action, then action is named", () => {
    expect(fieldsOf(() => validateOutcome(outcome({ type: "ACTION" }), city))).toEqual(["action"]);
  });

  it("when an information outcome carries an action, then action is named", () => {
    expect(fieldsOf(() => validateOutcome(outcome({ type: "INFORMATION", action: ownedAction }), city))).toEqual(["action"]);
  });

  it("when an action has an owner and a future due time, then it is accepted", () => {
    const o = validateOutcome(outcome({ type: "ACTION", action: ownedAction }), district);
    expect(o.action).toEqual(ownedActionValid);
  });

  it("when an action lacks a title and is due in the past, then both are named", () => {
    const action = { ...ownedAction, title: "", dueTime: new Date(NOW.getTime() - 1000) };
    expect(fieldsOf(() => validateOutcome(outcome({ type: "ACTION", action }), city))).toEqual(["action.title", "action.due_time"]);
  });

  it("when an action names both an owner and an assignee, or neither, then action is named", () => {
    const both = { ...ownedAction, assigneeJurisdictionCode: "120101" };
    const neither = { ...ownedAction, owner: undefined };
    expect(fieldsOf(() => validateOutcome(outcome({ type: "ACTION", action: both }), city))).toEqual(["action"]);
    expect(fieldsOf(() => validateOutcome(outcome({ type: "ACTION", action: neither }), city))).toEqual(["action"]);
  });

  it("when the municipal node assigns an action to a district, then it is accepted", () => {
    const action = { ...ownedAction, owner: undefined, assigneeJurisdictionCode: "120101" };
    expect(validateOutcome(outcome({ type: "ACTION", action }), city).action).toEqual({
      title: "制定体检方案",
      dueTime: LATER,
      assigneeJurisdictionCode: "120101",
    });
  });

  it("when a district node assigns an action, or the city assigns one to a non-district, then the assignee is named", () => {
    const toDistrict = { ...ownedAction, owner: undefined, assigneeJurisdictionCode: "120102" };
    const toCity = { ...ownedAction, owner: undefined, assigneeJurisdictionCode: "120000" };
    expect(fieldsOf(() => validateOutcome(outcome({ type: "ACTION", action: toDistrict }), district))).toEqual([
      "action.assignee_jurisdiction_code",
    ]);
    expect(fieldsOf(() => validateOutcome(outcome({ type: "ACTION", action: toCity }), city))).toEqual([
      "action.assignee_jurisdiction_code",
    ]);
  });

  it("when the owner's ids are malformed, then they are named", () => {
    const action = { ...ownedAction, owner: { organisationId: "x", departmentId: "" } };
    expect(fieldsOf(() => validateOutcome(outcome({ type: "ACTION", action }), city))).toEqual([
      "action.owner.organisation_id",
      "action.owner.department_id",
    ]);
  });

  it("when it names an agenda item of another consultation, then agenda_item_id is named", () => {
    expect(fieldsOf(() => assertAgendaItemOf(["a1", "a2"], "a3"))).toEqual(["agenda_item_id"]);
    expect(fieldsOf(() => assertAgendaItemOf(["a1", "a2"], "a2"))).toEqual([]);
    expect(fieldsOf(() => assertAgendaItemOf([], ""))).toEqual([]);
  });
});

describe("given unfinished action items in a series", () => {
  it("when a consultation is scheduled, then it takes over unfinished items whose consultation is over", () => {
    expect(
      carriedOverOnSchedule([
        { actionItemId: "open-closed", status: "OPEN", trackingStatus: "CLOSED" },
        { actionItemId: "working-closed", status: "IN_PROGRESS", trackingStatus: "CLOSED" },
        { actionItemId: "open-cancelled", status: "OPEN", trackingStatus: "CANCELLED" },
        { actionItemId: "open-planned", status: "OPEN", trackingStatus: "PLANNED" },
        { actionItemId: "open-in-progress", status: "OPEN", trackingStatus: "IN_PROGRESS" },
        { actionItemId: "done-closed", status: "DONE", trackingStatus: "CLOSED" },
        { actionItemId: "cancelled-closed", status: "CANCELLED", trackingStatus: "CLOSED" },
      ]),
    ).toEqual(["open-closed", "working-closed", "open-cancelled"]);
  });

  it("when a consultation closes, then its items go to the earliest planned consultation of the series", () => {
    const series = [
      { consultationId: "c1", status: "IN_PROGRESS" as const, scheduledTime: new Date("2026-01-01") },
      { consultationId: "c3", status: "PLANNED" as const, scheduledTime: new Date("2026-03-01") },
      { consultationId: "c2", status: "PLANNED" as const, scheduledTime: new Date("2026-02-01") },
      { consultationId: "c0", status: "CLOSED" as const, scheduledTime: new Date("2025-12-01") },
    ];
    expect(carryOverTarget("c1", series)).toBe("c2");
  });

  it("when a consultation closes and none is planned, then the items stay until one is scheduled", () => {
    expect(carryOverTarget("c1", [{ consultationId: "c1", status: "IN_PROGRESS", scheduledTime: NOW }])).toBeUndefined();
  });

  it("when a planned consultation is cancelled, then its items go to another planned one, not back to itself", () => {
    const series = [
      { consultationId: "c2", status: "PLANNED" as const, scheduledTime: new Date("2026-02-01") },
      { consultationId: "c3", status: "PLANNED" as const, scheduledTime: new Date("2026-03-01") },
    ];
    expect(carryOverTarget("c2", series)).toBe("c3");
  });
});

// ---- decisions ----

const AUDIT = { actor: "operator", reason: "", requestId: "req-1", occurTime: NOW, jurisdictionCode: "120000" };

/** A context whose new ids are id-1, id-2, … in order. */
/** decideSchedule with the consultation's id drawn first from the context, as the use case draws it first. */
const scheduleDecided = (s: ValidSchedule, facts: ScheduleFacts, ctx: ConsultationContext) => decideSchedule(ctx.newId(), s, facts, ctx);
/** decideOutcome with the outcome's id the use case would have drawn. */
const outcomeDecided = (c: Consultation, o: ValidOutcome, parties: Parties, ctx: ConsultationContext) =>
  decideOutcome(OUTCOME_ID, c, o, parties, ctx);
const OUTCOME_ID = "o-new";

function ctxAt(reason = "", here = "120000"): ConsultationContext {
  let n = 0;
  return { here, now: NOW, newId: () => `id-${++n}`, audit: { ...AUDIT, reason, jurisdictionCode: here } };
}
const AGENDA_ITEM = "3c9e8f2a-7b1d-4e5f-a6b7-c8d9e0f1a2b3";

const bureau: PartyRecord = {
  organisationId: ORG,
  name: "天津市司法局",
  creditCode: "11120000MB0000000X",
  jurisdictionCode: "120000",
  status: "ACTIVE",
  departments: [{ departmentId: DEPT }],
};
const federation: PartyRecord = {
  organisationId: FED,
  name: "天津市工商业联合会",
  creditCode: "51120000MB0000001Y",
  jurisdictionCode: "120000",
  status: "ACTIVE",
  departments: [{ departmentId: DEPT }],
};
const parties = new Map([
  [ORG, bureau],
  [FED, federation],
]);
const mechanism: MechanismFacts = {
  mechanismId: MECHANISM,
  status: "ESTABLISHED",
  justiceBureauOrganisationId: ORG,
  justiceBureauName: "天津市司法局",
  federationOrganisationId: FED,
  federationName: "天津市工商业联合会",
};
const none = new Map<string, PartyRecord>();

function consultation(overrides: Partial<Consultation> = {}): Consultation {
  return {
    consultationId: "c1",
    kind: "WORKING",
    seriesId: "c1",
    title: "季度协商",
    mechanismId: "",
    scheduledTime: LATER,
    location: "",
    status: "PLANNED",
    minutes: "",
    revision: 1,
    createTime: NOW,
    updateTime: NOW,
    agenda: [{ agendaItemId: AGENDA_ITEM, topic: "议题", presenter: "", presenterOrganisationId: "", durationMinutes: 30 }],
    attendees: [],
    outcomes: [],
    concernedJurisdictionCodes: [],
    ...overrides,
  };
}

function item(id: string, overrides: Partial<ActionItem> = {}): ActionItem {
  return {
    actionItemId: id,
    title: `事项${id}`,
    assigneeJurisdictionCode: "",
    dueTime: LATER,
    status: "OPEN",
    origin: "LOCAL",
    originJurisdictionCode: "120000",
    originConsultationId: "c0",
    consultationId: "c0",
    seriesId: "c0",
    carryOverCount: 0,
    revision: 1,
    createTime: NOW,
    updateTime: NOW,
    lastReportSequence: 0,
    progress: [],
    jointOwners: [],
    extensions: [],
    ...overrides,
  };
}

describe("given a valid request to schedule, when it is decided", () => {
  const facts = { mechanism, parties, inSeries: [] };

  it("then a planned consultation starts its own series, its agenda items get ids, and nothing is emitted", () => {
    const d = scheduleDecided(validateSchedule(schedule()), facts, ctxAt());
    expect(d.consultation.action).toBe("ScheduleConsultation");
    expect(d.consultation.events).toEqual([]);
    expect(d.consultation.state).toEqual(
      expect.objectContaining({ consultationId: "id-1", seriesId: "id-1", status: "PLANNED", createTime: NOW, minutes: "" }),
    );
    expect(d.consultation.state.agenda.map((a) => a.agendaItemId)).toEqual(["id-2"]);
    expect(d.carriedOver).toEqual([]);
  });

  it("then continuing a series takes over the unfinished items whose consultation is over", () => {
    const inSeries = [
      { item: item("left-behind"), trackingStatus: "CLOSED" as const },
      { item: item("still-tracked"), trackingStatus: "PLANNED" as const },
    ];
    const d = scheduleDecided(
      validateSchedule(schedule({ kind: "WORKING", seriesId: ORG })),
      { ...facts, series: { kind: "WORKING" }, inSeries },
      ctxAt(),
    );
    expect(d.consultation.state.seriesId).toBe(ORG);
    expect(d.carriedOver.map((c) => [c.before.actionItemId, c.decision.state.consultationId, c.decision.state.carryOverCount])).toEqual([
      ["left-behind", "id-1", 1],
    ]);
    expect(d.carryReason).toBe("carried over to consultation id-1");
  });

  it("then an unknown series or mechanism, or a series of the other kind, is refused", () => {
    const continuing = validateSchedule(schedule({ seriesId: ORG }));
    expect(fieldsOf(() => scheduleDecided(continuing, facts, ctxAt()))).toEqual(["series_id"]);
    expect(preconditionOf(() => scheduleDecided(continuing, { ...facts, series: { kind: "WORKING" } }, ctxAt()))).toBe("SERIES_KIND");
    const ofMechanism = validateSchedule(schedule({ mechanismId: DEPT }));
    expect(fieldsOf(() => scheduleDecided(ofMechanism, facts, ctxAt()))).toEqual(["mechanism_id"]);
  });

  it("then an unregistered attendee is named, and a deactivated one refused", () => {
    const s = validateSchedule(schedule());
    const onlyFederation = new Map([[FED, federation]]);
    expect(fieldsOf(() => scheduleDecided(s, { ...facts, parties: onlyFederation }, ctxAt()))).toEqual(["attendees[0].organisation_id"]);
    const retired = new Map([
      [ORG, { ...bureau, status: "DEACTIVATED" as const }],
      [FED, federation],
    ]);
    expect(preconditionOf(() => scheduleDecided(s, { ...facts, parties: retired }, ctxAt()))).toBe("ORGANISATION_DEACTIVATED");
  });
});

describe("given a planned consultation", () => {
  const agendaItem = { topic: "新议题", presenter: "王处长", presenterOrganisationId: ORG, durationMinutes: 20 };

  it("when an agenda item is added, then it is appended with a new id", () => {
    const d = decideAddAgendaItem(consultation(), agendaItem, parties, ctxAt());
    expect(d.action).toBe("AddAgendaItem");
    expect(d.state.agenda.map((a) => [a.agendaItemId, a.topic])).toEqual([
      [AGENDA_ITEM, "议题"],
      ["id-1", "新议题"],
    ]);
    expect(d.state.status).toBe("PLANNED");
  });

  it("when the presenter is not registered or the agenda is full, then the field is named", () => {
    expect(fieldsOf(() => decideAddAgendaItem(consultation(), agendaItem, none, ctxAt()))).toEqual(["item.presenter_organisation_id"]);
    const full = consultation({ agenda: Array.from({ length: 50 }, (_, i) => ({ ...agendaItem, agendaItemId: `a${i}` })) });
    expect(fieldsOf(() => decideAddAgendaItem(full, agendaItem, parties, ctxAt()))).toEqual(["item"]);
  });

  it("when attendees are recorded, then they are appended; beyond the limit, attendees is named", () => {
    const attendee = { name: "李明", organisationId: ORG, title: "副局长" };
    const d = decideRecordAttendees(consultation({ attendees: [{ ...attendee, attendeeId: "t0" }] }), [attendee], parties, ctxAt());
    expect(d.action).toBe("RecordAttendees");
    expect(d.state.attendees).toHaveLength(2);
    const crowded = consultation({ attendees: Array.from({ length: 200 }, (_, i) => ({ ...attendee, attendeeId: `t${i}` })) });
    expect(fieldsOf(() => decideRecordAttendees(crowded, [attendee], parties, ctxAt()))).toEqual(["attendees"]);
  });

  it("when it starts, then it is in progress from now", () => {
    const d = decideStart(consultation(), ctxAt());
    expect(d).toEqual({
      state: expect.objectContaining({ status: "IN_PROGRESS", startTime: NOW, updateTime: NOW }),
      action: "StartConsultation",
      events: [],
    });
  });

  it("when it is cancelled, then its unfinished items go to another planned consultation of the series", () => {
    const series = [
      { consultationId: "c1", status: "PLANNED" as const, scheduledTime: LATER },
      { consultationId: "c2", status: "PLANNED" as const, scheduledTime: LATER },
    ];
    const d = decideCancel(consultation(), { series, tracked: [item("x", { consultationId: "c1" })] }, ctxAt());
    expect(d.consultation.state).toEqual(expect.objectContaining({ status: "CANCELLED", endTime: NOW }));
    expect(d.consultation.action).toBe("CancelConsultation");
    expect(d.carriedOver.map((c) => c.decision.state.consultationId)).toEqual(["c2"]);
  });

  it("when an outcome is recorded or it is closed, then that is refused: it has not started", () => {
    expect(
      preconditionOf(() => outcomeDecided(consultation(), validateOutcome(outcome(), { here: "120000", now: NOW }), none, ctxAt())),
    ).toBe("STATE");
    expect(preconditionOf(() => decideClose(consultation(), "纪要", { series: [], tracked: [] }, ctxAt()))).toBe("STATE");
  });
});

describe("given a consultation in progress", () => {
  const running = consultation({ status: "IN_PROGRESS", startTime: NOW, revision: 2 });
  const city = { here: "120000", now: NOW };

  it("when a decision is recorded, then it is appended with who recorded it, and no action item is created", () => {
    const d = outcomeDecided(
      running,
      validateOutcome(outcome({ agendaItemId: AGENDA_ITEM, reason: "会上议定" }), city),
      none,
      ctxAt("会上议定"),
    );
    expect(d.actionItem).toBeUndefined();
    expect(d.consultation.action).toBe("RecordOutcome");
    expect(d.consultation.state.outcomes).toEqual([
      {
        outcomeId: OUTCOME_ID,
        type: "DECISION",
        text: "议定：联合开展法治体检",
        agendaItemId: AGENDA_ITEM,
        actionItemId: "",
        reason: "会上议定",
        recorded: { actor: "operator", requestId: "req-1", jurisdiction: "120000", at: NOW },
        corrections: [],
      },
    ]);
    expect(d.outcomeId).toBe(OUTCOME_ID);
  });

  it("when an action owned here is decided, then an open item tracked by this consultation is created, nothing emitted", () => {
    const d = outcomeDecided(running, validateOutcome(outcome({ type: "ACTION", action: ownedAction }), city), parties, ctxAt());
    expect(d.actionItem!.action).toBe("RecordOutcome");
    expect(d.actionItem!.events).toEqual([]);
    expect(d.actionItem!.state).toEqual(
      expect.objectContaining({
        actionItemId: "id-1",
        owner: { organisationId: ORG, departmentId: DEPT },
        status: "OPEN",
        origin: "LOCAL",
        originJurisdictionCode: "120000",
        originConsultationId: "c1",
        consultationId: "c1",
        seriesId: "c1",
      }),
    );
    expect(d.consultation.state.outcomes[0]!.actionItemId).toBe("id-1");
  });

  it("when the owner is not registered or lacks the department, then the field is named", () => {
    const o = validateOutcome(outcome({ type: "ACTION", action: ownedAction }), city);
    expect(fieldsOf(() => outcomeDecided(running, o, none, ctxAt()))).toEqual(["action.owner.organisation_id"]);
    const noDept = new Map([[ORG, { ...bureau, departments: [] }]]);
    expect(fieldsOf(() => outcomeDecided(running, o, noDept, ctxAt()))).toEqual(["action.owner.department_id"]);
  });

  it("when the city assigns an action to a district, then the assignment goes to that district's node", () => {
    const action = { ...ownedAction, owner: undefined, assigneeJurisdictionCode: "120101" };
    const d = outcomeDecided(running, validateOutcome(outcome({ type: "ACTION", action, reason: "部署" }), city), none, ctxAt("部署"));
    expect(d.actionItem!.state.assigneeJurisdictionCode).toBe("120101");
    expect(d.actionItem!.events).toEqual([
      {
        descriptor: liaisonEvents.actionItemAssigned,
        subject: "id-1",
        data: {
          actionItemId: "id-1",
          assigneeJurisdictionCode: "120101",
          title: "制定体检方案",
          dueTime: LATER,
          consultationId: "c1",
          consultationTitle: "季度协商",
          consultationKind: liaisonV1.ConsultationKind.CONSULTATION_KIND_WORKING,
          outcomeText: "议定：联合开展法治体检",
          audit: { ...AUDIT, reason: "部署" },
        },
        to: [{ node: "120101" }],
      },
    ]);
  });

  it("when it closes, then the minutes are kept and its unfinished items go to the earliest planned one", () => {
    const series = [
      { consultationId: "c1", status: "IN_PROGRESS" as const, scheduledTime: NOW },
      { consultationId: "c3", status: "PLANNED" as const, scheduledTime: new Date("2026-08-01") },
      { consultationId: "c2", status: "PLANNED" as const, scheduledTime: new Date("2026-07-01") },
    ];
    const d = decideClose(running, "会议纪要", { series, tracked: [item("x", { consultationId: "c1" })] }, ctxAt());
    expect(d.consultation).toEqual({
      state: expect.objectContaining({ status: "CLOSED", minutes: "会议纪要", endTime: NOW, revision: 2 }),
      action: "CloseConsultation",
      events: [],
    });
    expect(d.carriedOver.map((c) => [c.decision.state.consultationId, c.decision.action])).toEqual([["c2", "CarryOver"]]);
    expect(d.carryReason).toBe("carried over to consultation c2");
  });

  it("when it closes with nothing planned next, then its items stay until one is scheduled", () => {
    const d = decideClose(running, "纪要", { series: [], tracked: [item("x")] }, ctxAt());
    expect(d.carriedOver).toEqual([]);
  });
});

// ---- issue 9: the mechanism and both sides, the agenda sent down, reschedule, removals, corrections ----

/** The events a decision emits once saved at `revision`. */
function emitted(d: DecisionWithRevision<Consultation>, revision: number): readonly EventToEmit[] {
  return typeof d.events === "function" ? d.events({ ...d.state, revision }) : d.events;
}

const attendees = [
  { attendeeId: "a-bureau", name: "李明", organisationId: ORG, title: "副局长" },
  { attendeeId: "a-federation", name: "王芳", organisationId: FED, title: "副主席" },
  { attendeeId: "a-guest", name: "赵强", organisationId: FED, title: "法律服务部部长" },
];

describe("given the node's mechanism, when a consultation is scheduled", () => {
  const facts = { mechanism, parties, inSeries: [] };

  it("then it is held under that mechanism even when the request names none", () => {
    const d = scheduleDecided(validateSchedule(schedule()), facts, ctxAt());
    expect(d.consultation.state.mechanismId).toBe(MECHANISM);
    expect(d.consultation.state.attendees.map((a) => [a.attendeeId, a.organisationId])).toEqual([
      ["id-3", ORG],
      ["id-4", FED],
    ]);
  });

  it.each([undefined, { ...mechanism, status: "PROPOSED" as const }, { ...mechanism, status: "SUSPENDED" as const }])(
    "then without an established mechanism (%j) it is refused as MECHANISM_NOT_ESTABLISHED",
    (m) => {
      expect(preconditionOf(() => scheduleDecided(validateSchedule(schedule()), { ...facts, mechanism: m }, ctxAt()))).toBe(
        "MECHANISM_NOT_ESTABLISHED",
      );
    },
  );

  it("then without the federation, or without either side, it is refused as BOTH_SIDES naming each missing side", () => {
    const bureauOnly = validateSchedule(schedule({ attendees: [{ name: "李明", organisationId: ORG, title: "" }] }));
    const err = (() => {
      try {
        scheduleDecided(bureauOnly, facts, ctxAt());
      } catch (e) {
        return e as FailedPreconditionError;
      }
      throw new Error("not refused");
    })();
    expect(err.violations.map((x) => [x.type, x.subject])).toEqual([["BOTH_SIDES", `organisation/${FED}`]]);
    const nobody = validateSchedule(schedule({ attendees: [] }));
    expect(() => scheduleDecided(nobody, facts, ctxAt())).toThrow(FailedPreconditionError);
  });
});

describe("given districts concerned by a municipal consultation", () => {
  it("when a district node names them, or codes are bad or repeated, then the field is named", () => {
    expect(fieldsOf(() => validateSchedule(schedule({ concernedJurisdictionCodes: ["120101"] }), { here: "120101" }))).toEqual([
      "concerned_jurisdiction_codes",
    ]);
    expect(fieldsOf(() => validateSchedule(schedule({ concernedJurisdictionCodes: ["120101", "120000", "120101"] })))).toEqual([
      "concerned_jurisdiction_codes[1]",
      "concerned_jurisdiction_codes[2]",
    ]);
  });

  it("when the city schedules it, then each district concerned is sent the agenda at the new revision, organisations by reference", () => {
    const s = validateSchedule(
      schedule({
        concernedJurisdictionCodes: ["120101", "120102"],
        agenda: [{ topic: "法治体检", presenter: "张处长", presenterOrganisationId: ORG, durationMinutes: 30 }],
      }),
    );
    const d = scheduleDecided(s, { mechanism, parties, inSeries: [] }, ctxAt("年度会商"));
    const [event, ...more] = emitted(d.consultation, 1);
    expect(more).toEqual([]);
    expect(event!.descriptor).toBe(liaisonEvents.consultationAgendaSent);
    expect(event!.to).toEqual([{ node: "120101" }, { node: "120102" }]);
    const data = event!.data as { agenda: liaisonV1.ConsultationAgenda };
    expect(data.agenda).toEqual(
      expect.objectContaining({
        consultationId: "id-1",
        issuingJurisdictionCode: "120000",
        revision: 1,
        status: liaisonV1.ConsultationStatus.CONSULTATION_STATUS_PLANNED,
        concernedJurisdictionCodes: ["120101", "120102"],
        reason: "年度会商",
      }),
    );
    expect(data.agenda.agenda[0]!.presenterOrganisation).toEqual({
      creditCode: bureau.creditCode,
      jurisdictionCode: "120000",
      name: "天津市司法局",
    });
    expect(data.agenda.attendees.map((a) => a.organisation?.name)).toEqual(["天津市司法局", "天津市工商业联合会"]);
  });

  it("when a consultation concerning no district changes, then nothing is sent", () => {
    const d = decideReschedule(consultation(), { scheduledTime: NOW, location: "", reason: "改期" }, parties, ctxAt("改期"));
    expect(emitted(d, 2)).toEqual([]);
  });

  it("when it is rescheduled or cancelled, then the districts receive the change (CANCELLED at cancelling)", () => {
    const concerning = consultation({ concernedJurisdictionCodes: ["120101"], attendees });
    const moved = decideReschedule(
      concerning,
      { scheduledTime: NOW, location: "市工商联", reason: "与人大会议冲突" },
      parties,
      ctxAt("与人大会议冲突"),
    );
    const sent = emitted(moved, 2)[0]!.data as { agenda: liaisonV1.ConsultationAgenda };
    expect([sent.agenda.scheduledTime, sent.agenda.location, sent.agenda.revision, sent.agenda.reason]).toEqual([
      NOW,
      "市工商联",
      2,
      "与人大会议冲突",
    ]);
    const cancelled = decideCancel(concerning, { series: [], tracked: [], parties }, ctxAt("取消"));
    const told = emitted(cancelled.consultation, 2)[0]!;
    expect(told.to).toEqual([{ node: "120101" }]);
    expect((told.data as { agenda: liaisonV1.ConsultationAgenda }).agenda.status).toBe(
      liaisonV1.ConsultationStatus.CONSULTATION_STATUS_CANCELLED,
    );
  });
});

describe("given a consultation to reschedule", () => {
  it("when time or reason is missing, then each is named", () => {
    expect(fieldsOf(() => validateReschedule({ scheduledTime: undefined, location: "", reason: " " }))).toEqual([
      "scheduled_time",
      "reason",
    ]);
  });

  it("when it is planned, then time and place move (an empty place keeps the current one)", () => {
    const d = decideReschedule(consultation({ location: "302" }), { scheduledTime: NOW, location: "", reason: "改期" }, parties, ctxAt());
    expect(d.action).toBe("RescheduleConsultation");
    expect([d.state.scheduledTime, d.state.location, d.state.status]).toEqual([NOW, "302", "PLANNED"]);
  });

  it("when nothing would change, then scheduled_time is named", () => {
    expect(
      fieldsOf(() => decideReschedule(consultation(), { scheduledTime: LATER, location: "", reason: "改期" }, parties, ctxAt())),
    ).toEqual(["scheduled_time"]);
  });

  it.each(["IN_PROGRESS", "CLOSED", "CANCELLED"] as const)(
    "when it is %s, then it is refused: once held or cancelled, the time is history",
    (status) => {
      expect(
        preconditionOf(() =>
          decideReschedule(consultation({ status }), { scheduledTime: NOW, location: "", reason: "改期" }, parties, ctxAt()),
        ),
      ).toBe("STATE");
    },
  );
});

describe("given a planned consultation's agenda and attendees to trim", () => {
  it("when a removal lacks its id or reason, then each is named", () => {
    expect(fieldsOf(() => validateRemoval("agenda_item_id", "x", ""))).toEqual(["agenda_item_id", "reason"]);
  });

  it("when an agenda item is removed, then the agenda no longer has it", () => {
    const d = decideRemoveAgendaItem(consultation(), AGENDA_ITEM.toUpperCase(), parties, ctxAt("合并议题"));
    expect(d.action).toBe("RemoveAgendaItem");
    expect(d.state.agenda).toEqual([]);
  });

  it("when the agenda item is not its own, then agenda_item_id is named; once held, it is refused", () => {
    expect(fieldsOf(() => decideRemoveAgendaItem(consultation(), DEPT, parties, ctxAt()))).toEqual(["agenda_item_id"]);
    expect(preconditionOf(() => decideRemoveAgendaItem(consultation({ status: "IN_PROGRESS" }), AGENDA_ITEM, parties, ctxAt()))).toBe(
      "STATE",
    );
  });

  it("when an attendee is removed and both sides still attend, then it is gone", () => {
    const d = decideRemoveAttendee(consultation({ attendees }), "a-guest", mechanism, parties, ctxAt("另有公务"));
    expect(d.state.attendees.map((a) => a.attendeeId)).toEqual(["a-bureau", "a-federation"]);
  });

  it("when removing an attendee leaves a side absent, then it is refused as BOTH_SIDES", () => {
    const two = consultation({ attendees: attendees.slice(0, 2) });
    expect(preconditionOf(() => decideRemoveAttendee(two, "a-bureau", mechanism, parties, ctxAt()))).toBe("BOTH_SIDES");
    // The federation still attends through another attendee: allowed.
    expect(decideRemoveAttendee(consultation({ attendees }), "a-federation", mechanism, parties, ctxAt()).state.attendees).toHaveLength(2);
  });

  it("when the attendee is unknown, then attendee_id is named; once held, it is refused", () => {
    expect(fieldsOf(() => decideRemoveAttendee(consultation({ attendees }), "nobody", mechanism, parties, ctxAt()))).toEqual([
      "attendee_id",
    ]);
    expect(
      preconditionOf(() =>
        decideRemoveAttendee(consultation({ attendees, status: "IN_PROGRESS" }), "a-guest", mechanism, parties, ctxAt()),
      ),
    ).toBe("STATE");
  });
});

describe("given a recorded outcome to correct", () => {
  const recorded = { actor: "secretary", requestId: "r0", jurisdiction: "120000", at: NOW };
  const original = {
    outcomeId: "o1",
    type: "DECISION" as const,
    text: "议定：每季度召开一次",
    agendaItemId: "",
    actionItemId: "",
    reason: "",
    recorded,
    corrections: [],
  };

  it("when text or reason is missing, then each is named", () => {
    expect(fieldsOf(() => validateCorrection(ORG, " ", ""))).toEqual(["text", "reason"]);
  });

  it.each(["IN_PROGRESS", "CLOSED"] as const)(
    "when the consultation is %s, then a new version is added and the original kept",
    (status) => {
      const d = decideCorrectOutcome(
        consultation({ status, outcomes: [original] }),
        { outcomeId: "o1", text: "议定：每半年召开一次", reason: "纪要笔误" },
        ctxAt("纪要笔误"),
      );
      expect(d.action).toBe("CorrectOutcome");
      const o = d.state.outcomes[0]!;
      expect([o.text, currentText(o), currentVersion(o)]).toEqual(["议定：每季度召开一次", "议定：每半年召开一次", 2]);
      expect(o.corrections).toEqual([
        {
          version: 2,
          text: "议定：每半年召开一次",
          reason: "纪要笔误",
          recorded: { actor: "operator", requestId: "req-1", jurisdiction: "120000", at: NOW },
        },
      ]);
    },
  );

  it("when the text is unchanged or the outcome unknown, then the field is named", () => {
    const c = consultation({ status: "CLOSED", outcomes: [original] });
    expect(fieldsOf(() => decideCorrectOutcome(c, { outcomeId: "o1", text: original.text, reason: "x" }, ctxAt()))).toEqual(["text"]);
    expect(fieldsOf(() => decideCorrectOutcome(c, { outcomeId: "o2", text: "新", reason: "x" }, ctxAt()))).toEqual(["outcome_id"]);
  });

  it.each(["PLANNED", "CANCELLED"] as const)("when the consultation is %s, then it is refused", (status) => {
    expect(
      preconditionOf(() =>
        decideCorrectOutcome(consultation({ status, outcomes: [original] }), { outcomeId: "o1", text: "新", reason: "x" }, ctxAt()),
      ),
    ).toBe("STATE");
  });
});

describe("given an action with joint owners, or raised by a district", () => {
  const running = consultation({ status: "IN_PROGRESS", startTime: NOW, revision: 2 });
  const city = { here: "120000", now: NOW };
  const district = { here: "120101", now: NOW };

  it("when joint owners repeat the owner or each other, then they are named by position", () => {
    const action = {
      ...ownedAction,
      jointOwners: [
        { organisationId: ORG, departmentId: DEPT },
        { organisationId: FED, departmentId: DEPT },
        { organisationId: FED, departmentId: DEPT },
      ],
    };
    expect(fieldsOf(() => validateOutcome(outcome({ type: "ACTION", action }), city))).toEqual([
      "action.joint_owners[0].organisation_id",
      "action.joint_owners[2].organisation_id",
    ]);
  });

  it("when an owned action has a joint owner, then the item carries both owners, each checked in the registry", () => {
    const action = { ...ownedAction, jointOwners: [{ organisationId: FED, departmentId: DEPT }] };
    const o = validateOutcome(outcome({ type: "ACTION", action }), city);
    const d = outcomeDecided(running, o, parties, ctxAt());
    expect(d.actionItem!.state.jointOwners).toEqual([{ organisationId: FED, departmentId: DEPT }]);
    expect(fieldsOf(() => outcomeDecided(running, o, new Map([[ORG, bureau]]), ctxAt()))).toEqual([
      "action.joint_owners[0].organisation_id",
    ]);
  });

  it("when a district raises an action to the city, then the item is held by the city and the raise goes up", () => {
    const action = { ...ownedAction, owner: undefined, assigneeJurisdictionCode: "120000" };
    const d = outcomeDecided(running, validateOutcome(outcome({ type: "ACTION", action }), district), none, ctxAt("提请市级", "120101"));
    expect(d.actionItem!.state).toEqual(
      expect.objectContaining({ assigneeJurisdictionCode: "120000", origin: "LOCAL", originJurisdictionCode: "120101" }),
    );
    expect(d.actionItem!.events.map((e) => [e.descriptor, e.to])).toEqual([[liaisonEvents.actionItemRaised, [{ node: "120000" }]]]);
    expect(d.actionItem!.events[0]!.data).toEqual(expect.objectContaining({ raisingJurisdictionCode: "120101", consultationId: "c1" }));
  });
});
