import { FailedPreconditionError } from "@jinlian/chassis";
import {
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
  type OutcomeInput,
  type ScheduleInput,
} from "./consultation";
import { violatedFields as fieldsOf } from "@jinlian/chassis/testing";

const ORG = "6f1c2a52-8d8a-4e0f-9a43-0d2f1d6c9a11";
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
    attendees: [{ name: "李明", organisationId: ORG, title: "副局长" }],
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
    expect(o.action).toEqual({ title: "制定体检方案", dueTime: LATER, owner: { organisationId: ORG, departmentId: DEPT } });
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
