import {
  checkAssignment,
  decideProgress,
  decideReportedProgress,
  isOverdue,
  nodeOfSource,
  overdueAlertDue,
  validateProgress,
  type ActionItemState,
  type ProgressInput,
} from "./action-item";
import { preconditionType as preconditionOf, violatedFields as fieldsOf } from "@jinlian/chassis/testing";

const ID = "7d0f5a8e-1b2c-4d3e-9f40-112233445566";
const CONSULTATION = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d";
const ORG = "6f1c2a52-8d8a-4e0f-9a43-0d2f1d6c9a11";
const DEPT = "0b7e3f0e-2c1a-4b6e-8f3d-5a9c7e1d2b44";
const NOW = new Date("2026-05-01T02:00:00Z");

const progress = (p: Partial<ProgressInput> = {}) =>
  validateProgress({ status: "IN_PROGRESS", note: "已召开专题会", owner: undefined, ...p });
const ownedHere: ActionItemState = { actionItemId: ID, status: "OPEN", origin: "LOCAL", assigneeJurisdictionCode: "" };
const assignedToDistrict: ActionItemState = { ...ownedHere, assigneeJurisdictionCode: "120101" };
const receivedFromCity: ActionItemState = { ...ownedHere, origin: "ASSIGNED_BY_CITY", assigneeJurisdictionCode: "120101" };

describe("given an action item and the clock", () => {
  const due = new Date(NOW.getTime() - 1);
  it("when it is unfinished and past due, then it is overdue", () => {
    expect(isOverdue({ status: "OPEN", dueTime: due }, NOW)).toBe(true);
    expect(isOverdue({ status: "IN_PROGRESS", dueTime: due }, NOW)).toBe(true);
  });

  it("when it is done, cancelled or not yet due, then it is not overdue", () => {
    expect(isOverdue({ status: "DONE", dueTime: due }, NOW)).toBe(false);
    expect(isOverdue({ status: "CANCELLED", dueTime: due }, NOW)).toBe(false);
    expect(isOverdue({ status: "OPEN", dueTime: NOW }, NOW)).toBe(false);
  });

  it("when an alert was raised for its due date, then no second alert is due; for a new due date one is", () => {
    expect(overdueAlertDue({ status: "OPEN", dueTime: due, alertedDueTime: null }, NOW)).toBe(true);
    expect(overdueAlertDue({ status: "OPEN", dueTime: due, alertedDueTime: new Date(due) }, NOW)).toBe(false);
    expect(overdueAlertDue({ status: "OPEN", dueTime: due, alertedDueTime: new Date(due.getTime() - 86_400_000) }, NOW)).toBe(true);
  });
});

describe("given a progress update request", () => {
  it("when the status is OPEN or missing and the note empty, then both are named", () => {
    expect(fieldsOf(() => progress({ status: "OPEN", note: " " }))).toEqual(["status", "note"]);
    expect(fieldsOf(() => progress({ status: undefined }))).toEqual(["status"]);
    expect(fieldsOf(() => progress({ note: "记".repeat(2001) }))).toEqual(["note"]);
  });

  it("when an owner is given with malformed ids, then they are named", () => {
    expect(fieldsOf(() => progress({ owner: { organisationId: "x", departmentId: "" } }))).toEqual([
      "owner.organisation_id",
      "owner.department_id",
    ]);
  });
});

describe("given an action item owned at this node", () => {
  it.each(["IN_PROGRESS", "DONE", "CANCELLED"] as const)("when it moves to %s, then that is accepted and nothing goes up", (status) => {
    expect(decideProgress(ownedHere, "120000", progress({ status }))).toEqual({ status, reportToCity: false, notifyAssignee: false });
  });

  it.each(["DONE", "CANCELLED"] as const)("when it is %s, then any further update is refused: it is final", (status) => {
    expect(preconditionOf(() => decideProgress({ ...ownedHere, status }, "120000", progress()))).toBe("STATE");
  });

  it("when an owner is designated, then that is refused (only for actions assigned by the city)", () => {
    expect(fieldsOf(() => decideProgress(ownedHere, "120000", progress({ owner: { organisationId: ORG, departmentId: DEPT } })))).toEqual([
      "owner",
    ]);
  });
});

describe("given an action the city assigned to a district, at the city", () => {
  it("when progress is reported here, then it is refused: the district reports it", () => {
    expect(preconditionOf(() => decideProgress(assignedToDistrict, "120000", progress({ status: "DONE" })))).toBe("ASSIGNED_ELSEWHERE");
  });

  it("when it is cancelled here, then that is accepted and the district is told", () => {
    expect(decideProgress(assignedToDistrict, "120000", progress({ status: "CANCELLED" }))).toEqual({
      status: "CANCELLED",
      reportToCity: false,
      notifyAssignee: true,
    });
  });
});

describe("given an action received from the city, at the district", () => {
  it("when progress is reported with an owner, then it is accepted and goes up to the city", () => {
    const p = progress({ owner: { organisationId: ORG, departmentId: DEPT } });
    expect(decideProgress(receivedFromCity, "120101", p)).toEqual({ status: "IN_PROGRESS", reportToCity: true, notifyAssignee: false });
  });

  it("when the district tries to cancel it, then that is refused: only the deciding node cancels", () => {
    expect(preconditionOf(() => decideProgress(receivedFromCity, "120101", progress({ status: "CANCELLED" })))).toBe("NOT_DECIDING_NODE");
  });

  it("when it is done, then further progress is refused", () => {
    expect(preconditionOf(() => decideProgress({ ...receivedFromCity, status: "DONE" }, "120101", progress()))).toBe("STATE");
  });
});

describe("given an assignment arriving at a district node", () => {
  const assignment = {
    actionItemId: ID,
    assigneeJurisdictionCode: "120101",
    title: "开展体检",
    dueTime: NOW,
    consultationId: CONSULTATION,
  };

  it("when it is complete and addressed here, then it is accepted", () => {
    expect(() => checkAssignment(assignment, "120101", "120000")).not.toThrow();
  });

  it("when it is addressed to another district, then it is malformed here (dead letter)", () => {
    expect(fieldsOf(() => checkAssignment(assignment, "120102", "120000"))).toEqual(["assignee_jurisdiction_code"]);
  });

  it("when it lacks data or does not come from the city, then every problem is named", () => {
    expect(
      fieldsOf(() =>
        checkAssignment(
          { actionItemId: "x", assigneeJurisdictionCode: "120101", title: "", dueTime: undefined, consultationId: "" },
          "120101",
          "120102",
        ),
      ),
    ).toEqual(["source", "action_item_id", "title", "due_time", "consultation_id"]);
  });

  it("when the source of an event is read, then the node is its second segment", () => {
    expect(nodeOfSource("/jinlian/120101/liaison")).toBe("120101");
  });
});

describe("given a progress report from a district, at the city", () => {
  const item = { ...assignedToDistrict, lastReportSequence: 1 };

  it("when it is the next report from the assignee, then it applies with its status", () => {
    expect(decideReportedProgress(item, "120000", { from: "120101", sequence: 2, status: "DONE" })).toEqual({
      apply: true,
      status: "DONE",
    });
  });

  it("when it repeats or is older than the last applied, then nothing changes", () => {
    expect(decideReportedProgress(item, "120000", { from: "120101", sequence: 1, status: "DONE" }).apply).toBe(false);
    expect(
      decideReportedProgress({ ...item, lastReportSequence: 3 }, "120000", { from: "120101", sequence: 2, status: "DONE" }).apply,
    ).toBe(false);
  });

  it("when the city already cancelled the item, then the report is kept but the status stays cancelled", () => {
    expect(decideReportedProgress({ ...item, status: "CANCELLED" }, "120000", { from: "120101", sequence: 2, status: "DONE" })).toEqual({
      apply: true,
      status: "CANCELLED",
    });
  });

  it("when it comes from another district than the assignee, then it is malformed", () => {
    expect(fieldsOf(() => decideReportedProgress(item, "120000", { from: "120102", sequence: 2, status: "DONE" }))).toEqual([
      "reporting_jurisdiction_code",
    ]);
  });

  it("when the item was not assigned to a district, then it is malformed", () => {
    expect(
      fieldsOf(() =>
        decideReportedProgress({ ...ownedHere, lastReportSequence: 0 }, "120000", { from: "120101", sequence: 1, status: "DONE" }),
      ),
    ).toEqual(["action_item_id"]);
  });

  it("when it reports a cancellation or has no sequence, then it is malformed", () => {
    expect(fieldsOf(() => decideReportedProgress(item, "120000", { from: "120101", sequence: 0, status: "CANCELLED" }))).toEqual([
      "status",
      "sequence",
    ]);
  });
});
