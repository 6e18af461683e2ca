import { liaisonEvents } from "@jinlian/chassis";
import { liaisonV1 } from "@jinlian/proto";
import {
  decideExtendDueDate,
  decideExtensionReceived,
  decideRaised,
  decideRaiseDirectly,
  validateDirectRaise,
  validateExtension,
  checkAssignment,
  decideAssigned,
  decideCancelledByCity,
  decideCarryOver,
  decideProgress,
  decideReportedProgress,
  isOverdue,
  overdueAlertDue,
  progressRule,
  validateProgress,
  type ActionItem,
  type ActionItemState,
  type InboundContext,
  type ProgressInput,
} from "./action-item";
import { overdueEvent } from "./action-item-events";
import type { PartyRecord } from "./consultation-parties";
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
    expect(progressRule(ownedHere, "120000", progress({ status }))).toEqual({ status, reportToDecider: false, notifyAssignee: false });
  });

  it.each(["DONE", "CANCELLED"] as const)("when it is %s, then any further update is refused: it is final", (status) => {
    expect(preconditionOf(() => progressRule({ ...ownedHere, status }, "120000", progress()))).toBe("STATE");
  });

  it("when an owner is designated, then that is refused (only for actions assigned by the city)", () => {
    expect(fieldsOf(() => progressRule(ownedHere, "120000", progress({ owner: { organisationId: ORG, departmentId: DEPT } })))).toEqual([
      "owner",
    ]);
  });
});

describe("given an action the city assigned to a district, at the city", () => {
  it("when progress is reported here, then it is refused: the district reports it", () => {
    expect(preconditionOf(() => progressRule(assignedToDistrict, "120000", progress({ status: "DONE" })))).toBe("ASSIGNED_ELSEWHERE");
  });

  it("when it is cancelled here, then that is accepted and the district is told", () => {
    expect(progressRule(assignedToDistrict, "120000", progress({ status: "CANCELLED" }))).toEqual({
      status: "CANCELLED",
      reportToDecider: false,
      notifyAssignee: true,
    });
  });
});

describe("given an action received from the city, at the district", () => {
  it("when progress is reported with an owner, then it is accepted and goes up to the city", () => {
    const p = progress({ owner: { organisationId: ORG, departmentId: DEPT } });
    expect(progressRule(receivedFromCity, "120101", p)).toEqual({ status: "IN_PROGRESS", reportToDecider: true, notifyAssignee: false });
  });

  it("when the district tries to cancel it, then that is refused: only the deciding node cancels", () => {
    expect(preconditionOf(() => progressRule(receivedFromCity, "120101", progress({ status: "CANCELLED" })))).toBe("NOT_DECIDING_NODE");
  });

  it("when it is done, then further progress is refused", () => {
    expect(preconditionOf(() => progressRule({ ...receivedFromCity, status: "DONE" }, "120101", progress()))).toBe("STATE");
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
});

// ---- decisions ----

const CITY_OP = { actor: "city-operator", reason: "", requestId: "req-1", occurTime: NOW, jurisdictionCode: "120000" };
const DISTRICT_OP = { ...CITY_OP, actor: "district-operator", jurisdictionCode: "120101" };
const cityCtx = (reason = "") => ({ here: "120000", now: NOW, audit: { ...CITY_OP, reason } });
const districtCtx = (reason = "") => ({ here: "120101", now: NOW, audit: { ...DISTRICT_OP, reason } });

function actionItem(overrides: Partial<ActionItem> = {}): ActionItem {
  return {
    actionItemId: ID,
    title: "制定体检方案",
    assigneeJurisdictionCode: "",
    dueTime: new Date("2026-06-01T00:00:00Z"),
    status: "OPEN",
    origin: "LOCAL",
    originJurisdictionCode: "120000",
    originConsultationId: CONSULTATION,
    consultationId: CONSULTATION,
    seriesId: CONSULTATION,
    carryOverCount: 0,
    revision: 1,
    createTime: new Date("2026-04-01T00:00:00Z"),
    updateTime: new Date("2026-04-01T00:00:00Z"),
    lastReportSequence: 0,
    progress: [],
    jointOwners: [],
    extensions: [],
    ...overrides,
  };
}

const chamber: PartyRecord = {
  organisationId: ORG,
  name: "和平区总商会",
  creditCode: "51120101MJ0000000X",
  jurisdictionCode: "120101",
  status: "ACTIVE",
  departments: [{ departmentId: DEPT }],
};
const parties = new Map([[ORG, chamber]]);
const none = new Map<string, PartyRecord>();

describe("given an item owned here, when its progress is updated", () => {
  it("then the report is appended, the status moves and no event leaves the node", () => {
    const d = decideProgress(actionItem(), progress({ status: "DONE", note: "已印发" }), none, cityCtx("已印发"));
    expect(d.action).toBe("UpdateActionItemProgress");
    expect(d.events).toEqual([]);
    expect(d.state.status).toBe("DONE");
    expect(d.state.updateTime).toBe(NOW);
    expect(d.state.progress).toEqual([
      { status: "DONE", note: "已印发", recorded: { actor: "city-operator", requestId: "req-1", jurisdiction: "120000", at: NOW } },
    ]);
  });
});

describe("given an item the city assigned to a district, at the city, when it is cancelled", () => {
  it("then the district is sent the cancellation with who and why", () => {
    const d = decideProgress(
      actionItem({ assigneeJurisdictionCode: "120101" }),
      progress({ status: "CANCELLED", note: "市里决定取消" }),
      none,
      cityCtx("市里决定取消"),
    );
    expect(d.state.status).toBe("CANCELLED");
    expect(d.events).toEqual([
      {
        descriptor: liaisonEvents.actionItemCancelled,
        subject: ID,
        data: { actionItemId: ID, assigneeJurisdictionCode: "120101", audit: { ...CITY_OP, reason: "市里决定取消" } },
        to: [{ node: "120101" }],
      },
    ]);
  });
});

describe("given an item received from the city, at the district, when progress is reported with an owner", () => {
  const received = actionItem({ origin: "ASSIGNED_BY_CITY", assigneeJurisdictionCode: "120101", seriesId: "" });

  it("then the owner is designated and the report goes up to the city, numbered by its position", () => {
    const first = decideProgress(received, progress({ owner: { organisationId: ORG, departmentId: DEPT } }), parties, districtCtx());
    expect(first.state.owner).toEqual({ organisationId: ORG, departmentId: DEPT });
    const second = decideProgress({ ...first.state, revision: 2 }, progress({ status: "DONE", note: "已完成" }), parties, districtCtx());
    expect(second.events).toHaveLength(1);
    const e = second.events[0]!;
    expect(e.descriptor).toBe(liaisonEvents.actionItemProgressReported);
    expect(e.to).toEqual([{ node: "120000" }]);
    expect(e.data).toEqual(
      expect.objectContaining({
        actionItemId: ID,
        reportingJurisdictionCode: "120101",
        status: liaisonV1.ActionItemStatus.ACTION_ITEM_STATUS_DONE,
        note: "已完成",
        sequence: 2,
        owner: { creditCode: chamber.creditCode, jurisdictionCode: "120101", name: "和平区总商会" },
      }),
    );
  });

  it("then an owner that is not registered, lacks the department or is deactivated is refused", () => {
    const owner = { organisationId: ORG, departmentId: DEPT };
    expect(fieldsOf(() => decideProgress(received, progress({ owner }), none, districtCtx()))).toEqual(["owner.organisation_id"]);
    expect(
      fieldsOf(() => decideProgress(received, progress({ owner: { ...owner, departmentId: CONSULTATION } }), parties, districtCtx())),
    ).toEqual(["owner.department_id"]);
    const retired = new Map([[ORG, { ...chamber, status: "DEACTIVATED" as const }]]);
    expect(preconditionOf(() => decideProgress(received, progress({ owner }), retired, districtCtx()))).toBe("ORGANISATION_DEACTIVATED");
  });

  it("then the progress rule refuses before the owner is looked at", () => {
    const done = { ...received, status: "DONE" as const };
    expect(
      preconditionOf(() => decideProgress(done, progress({ owner: { organisationId: ORG, departmentId: DEPT } }), none, districtCtx())),
    ).toBe("STATE");
  });
});

describe("given unfinished items, when they are carried over", () => {
  it("then each is tracked by the next consultation with its count raised, and nothing is emitted", () => {
    const [c] = decideCarryOver([actionItem({ carryOverCount: 1 })], "next-consultation", NOW);
    expect(c!.before.carryOverCount).toBe(1);
    expect(c!.decision).toEqual({
      state: expect.objectContaining({ consultationId: "next-consultation", carryOverCount: 2, originConsultationId: CONSULTATION }),
      action: "CarryOver",
      events: [],
    });
  });
});

describe("given an overdue item, when the scanner finds it", () => {
  it("then an alert goes to this node's alerts stream with the item's owner and due date", () => {
    const item = actionItem({ owner: { organisationId: ORG, departmentId: DEPT }, status: "IN_PROGRESS" });
    expect(overdueEvent(item, NOW)).toEqual({
      descriptor: liaisonEvents.actionItemOverdue,
      subject: ID,
      data: {
        actionItemId: ID,
        title: item.title,
        dueTime: item.dueTime,
        status: liaisonV1.ActionItemStatus.ACTION_ITEM_STATUS_IN_PROGRESS,
        owner: { organisationId: ORG, departmentId: DEPT, creditCode: "", organisation: undefined },
        assigneeJurisdictionCode: "",
        consultationId: CONSULTATION,
        originJurisdictionCode: "120000",
        detectTime: NOW,
        jointOwners: [],
      },
      to: [{ local: "alerts" }],
    });
  });
});

const recorded = { actor: "district-operator", requestId: "r", jurisdiction: "120101", at: NOW };
const fromDistrict: InboundContext = { here: "120000", from: "120101", now: NOW, recorded };
const fromCity: InboundContext = { here: "120101", from: "120000", now: NOW, recorded: { ...recorded, jurisdiction: "120000" } };

describe("given an assignment arriving at a district, when it is applied", () => {
  const assignment = {
    actionItemId: ID,
    assigneeJurisdictionCode: "120101",
    title: " 开展体检 ",
    dueTime: NOW,
    consultationId: CONSULTATION,
  };

  it("then the item is kept under the city's id, owned by no one yet, tracked by the city's consultation", () => {
    const d = decideAssigned(undefined, assignment, fromCity)!;
    expect(d.action).toBe("ActionItemAssigned");
    expect(d.events).toEqual([]);
    expect(d.state).toEqual(
      expect.objectContaining({
        actionItemId: ID,
        title: "开展体检",
        origin: "ASSIGNED_BY_CITY",
        originJurisdictionCode: "120000",
        assigneeJurisdictionCode: "120101",
        originConsultationId: CONSULTATION,
        consultationId: CONSULTATION,
        seriesId: "",
        status: "OPEN",
      }),
    );
    expect(d.state.owner).toBeUndefined();
  });

  it("then a repeat changes nothing, and one addressed elsewhere is malformed", () => {
    expect(decideAssigned(actionItem(), assignment, fromCity)).toBeUndefined();
    expect(fieldsOf(() => decideAssigned(undefined, { ...assignment, assigneeJurisdictionCode: "120102" }, fromCity))).toEqual([
      "assignee_jurisdiction_code",
    ]);
  });
});

describe("given an item the city assigned here, when the city cancels it", () => {
  const received = actionItem({ origin: "ASSIGNED_BY_CITY", assigneeJurisdictionCode: "120101" });
  const cancellation = { assigneeJurisdictionCode: "120101", reason: "取消部署", eventId: "e1" };

  it("then it becomes final with the city's reason as its last report", () => {
    const d = decideCancelledByCity(received, cancellation, fromCity)!;
    expect(d.action).toBe("ActionItemCancelled");
    expect(d.state.status).toBe("CANCELLED");
    expect(d.state.progress).toEqual([{ status: "CANCELLED", note: "取消部署", recorded: fromCity.recorded }]);
  });

  it("then a repeat changes nothing; an item of this node's own, or a cancellation not from the city, is malformed", () => {
    expect(decideCancelledByCity({ ...received, status: "CANCELLED" }, cancellation, fromCity)).toBeUndefined();
    expect(fieldsOf(() => decideCancelledByCity(actionItem(), cancellation, fromCity))).toEqual(["action_item_id"]);
    expect(fieldsOf(() => decideCancelledByCity(received, cancellation, { ...fromCity, from: "120102" }))).toEqual(["action_item_id"]);
    expect(fieldsOf(() => decideCancelledByCity(undefined, cancellation, fromCity))).toEqual(["action_item_id"]);
  });
});

describe("given a progress report from a district, at the city", () => {
  const item = actionItem({ assigneeJurisdictionCode: "120101", lastReportSequence: 1 });
  const report = (r: Partial<Parameters<typeof decideReportedProgress>[1]> = {}) => ({
    from: "120101",
    sequence: 2,
    status: "DONE" as const,
    note: "已完成",
    ...r,
  });

  it("when it is the next report from the assignee, then it applies with its status and is kept", () => {
    const d = decideReportedProgress(item, report(), fromDistrict)!;
    expect(d.action).toBe("ActionItemProgressReported");
    expect(d.events).toEqual([]);
    expect(d.state).toEqual(expect.objectContaining({ status: "DONE", lastReportSequence: 2 }));
    expect(d.state.progress).toEqual([{ status: "DONE", note: "已完成", recorded }]);
  });

  it("when it repeats or is older than the last applied, then nothing changes", () => {
    expect(decideReportedProgress(item, report({ sequence: 1 }), fromDistrict)).toBeUndefined();
    expect(decideReportedProgress({ ...item, lastReportSequence: 3 }, report(), fromDistrict)).toBeUndefined();
  });

  it("when the city already cancelled the item, then the report is kept but the status stays cancelled", () => {
    const d = decideReportedProgress({ ...item, status: "CANCELLED" }, report(), fromDistrict)!;
    expect(d.state.status).toBe("CANCELLED");
    expect(d.state.progress.map((p) => p.status)).toEqual(["DONE"]);
  });

  it("when it comes from another district than the assignee, then it is malformed", () => {
    expect(fieldsOf(() => decideReportedProgress(item, report({ from: "120102" }), fromDistrict))).toEqual(["reporting_jurisdiction_code"]);
  });

  it("when the item was not assigned to a district, then it is malformed", () => {
    expect(fieldsOf(() => decideReportedProgress(actionItem(), report({ sequence: 1 }), fromDistrict))).toEqual(["action_item_id"]);
  });

  it("when it reports a cancellation or has no sequence, then it is malformed", () => {
    expect(fieldsOf(() => decideReportedProgress(item, report({ sequence: 0, status: "CANCELLED" }), fromDistrict))).toEqual([
      "status",
      "sequence",
    ]);
  });
});

// ---- issue 9: due-date extensions, joint owners, actions raised by a district ----

const ORG2 = "1d2c3b4a-5f6e-4d7c-8b9a-0f1e2d3c4b5a";
const partner: PartyRecord = { ...chamber, organisationId: ORG2, name: "和平区律师协会", creditCode: "51120101MJ0000001Y" };

describe("given an extension request (申请延期)", () => {
  it("when the new date or the reason is missing, then each is named", () => {
    expect(fieldsOf(() => validateExtension({ dueTime: undefined, reason: " " }))).toEqual(["due_time", "reason"]);
  });
});

describe("given an unfinished item at the deciding node, when its due date is extended", () => {
  const later = new Date("2026-07-01T00:00:00Z");

  it("then the new date holds, the extension is kept with its reason, and an item owned here sends nothing", () => {
    const d = decideExtendDueDate(actionItem(), { dueTime: later, reason: "调研范围扩大" }, cityCtx("调研范围扩大"));
    expect(d.action).toBe("ExtendActionItemDueDate");
    expect(d.state.dueTime).toEqual(later);
    expect(d.state.extensions).toEqual([
      {
        previousDueTime: new Date("2026-06-01T00:00:00Z"),
        dueTime: later,
        reason: "调研范围扩大",
        recorded: { actor: "city-operator", requestId: "req-1", jurisdiction: "120000", at: NOW },
      },
    ]);
    expect(d.events).toEqual([]);
  });

  it("then an item overdue before is not overdue after: its overdue state follows the new date", () => {
    const overdue = actionItem({ dueTime: new Date(NOW.getTime() - 1) });
    expect(isOverdue(overdue, NOW)).toBe(true);
    const d = decideExtendDueDate(overdue, { dueTime: later, reason: "延期" }, cityCtx());
    expect(isOverdue(d.state, NOW)).toBe(false);
    // No alert for the new date until it passes; one for the old date stays raised (not due again).
    expect(overdueAlertDue({ ...d.state, alertedDueTime: overdue.dueTime }, NOW)).toBe(false);
    expect(overdueAlertDue({ ...d.state, alertedDueTime: overdue.dueTime }, new Date(later.getTime() + 1))).toBe(true);
  });

  it("then an item assigned to a district sends the new date down to it, numbered", () => {
    const d = decideExtendDueDate(actionItem({ assigneeJurisdictionCode: "120101" }), { dueTime: later, reason: "延期" }, cityCtx("延期"));
    expect(d.events.map((e) => [e.descriptor, e.to])).toEqual([[liaisonEvents.actionItemDueDateExtended, [{ node: "120101" }]]]);
    expect(d.events[0]!.data).toEqual(
      expect.objectContaining({
        assigneeJurisdictionCode: "120101",
        dueTime: later,
        previousDueTime: new Date("2026-06-01T00:00:00Z"),
        sequence: 1,
      }),
    );
  });

  it("then an item a district raised to the city sends the new date up", () => {
    const raised = actionItem({ assigneeJurisdictionCode: "120000", originJurisdictionCode: "120101" });
    const d = decideExtendDueDate(raised, { dueTime: later, reason: "延期" }, districtCtx("延期"));
    expect(d.events.map((e) => e.to)).toEqual([[{ node: "120000" }]]);
  });

  it("when the date is not after the current one, or is in the past, then due_time is named", () => {
    expect(
      fieldsOf(() => decideExtendDueDate(actionItem(), { dueTime: new Date("2026-05-15T00:00:00Z"), reason: "x" }, cityCtx())),
    ).toEqual(["due_time"]);
    const past = actionItem({ dueTime: new Date("2026-01-01T00:00:00Z") });
    expect(fieldsOf(() => decideExtendDueDate(past, { dueTime: new Date("2026-02-01T00:00:00Z"), reason: "x" }, cityCtx()))).toEqual([
      "due_time",
    ]);
  });

  it("when the item is final, or held here but decided elsewhere, then it is refused", () => {
    expect(preconditionOf(() => decideExtendDueDate(actionItem({ status: "DONE" }), { dueTime: later, reason: "x" }, cityCtx()))).toBe(
      "STATE",
    );
    const received = actionItem({ origin: "ASSIGNED_BY_CITY", assigneeJurisdictionCode: "120101" });
    expect(preconditionOf(() => decideExtendDueDate(received, { dueTime: later, reason: "x" }, districtCtx()))).toBe("NOT_DECIDING_NODE");
  });
});

describe("given an extension arriving at the node holding the item", () => {
  const received = actionItem({ origin: "ASSIGNED_BY_CITY", assigneeJurisdictionCode: "120101", seriesId: "" });
  const later = new Date("2026-07-01T00:00:00Z");
  const extension = (e: Partial<Parameters<typeof decideExtensionReceived>[1]> = {}) => ({
    assigneeJurisdictionCode: "120101",
    previousDueTime: received.dueTime,
    dueTime: later,
    sequence: 1,
    reason: "调研范围扩大",
    eventId: "e1",
    ...e,
  });

  it("when it is the next one from the deciding node, then the due date follows and the extension is kept", () => {
    const d = decideExtensionReceived(received, extension(), fromCity)!;
    expect(d.action).toBe("ActionItemDueDateExtended");
    expect(d.state.dueTime).toEqual(later);
    expect(d.state.extensions).toEqual([
      { previousDueTime: received.dueTime, dueTime: later, reason: "调研范围扩大", recorded: fromCity.recorded },
    ]);
  });

  it("when it repeats, then nothing changes", () => {
    const once = decideExtensionReceived(received, extension(), fromCity)!.state;
    expect(decideExtensionReceived(once, extension(), fromCity)).toBeUndefined();
  });

  it("when it is for an item owned here, comes from another node or lacks its date, then it is malformed", () => {
    expect(fieldsOf(() => decideExtensionReceived(actionItem(), extension(), fromCity))).toEqual(["action_item_id"]);
    expect(fieldsOf(() => decideExtensionReceived(received, extension(), { ...fromCity, from: "120102" }))).toEqual(["action_item_id"]);
    expect(fieldsOf(() => decideExtensionReceived(received, extension({ dueTime: undefined, sequence: 0 }), fromCity))).toEqual([
      "due_time",
      "sequence",
    ]);
  });
});

describe("given an item with joint owners", () => {
  const both = new Map([
    [ORG, chamber],
    [ORG2, partner],
  ]);
  const owned = actionItem({
    owner: { organisationId: ORG, departmentId: DEPT },
    jointOwners: [{ organisationId: ORG2, departmentId: DEPT }],
  });

  it("when a joint owner reports progress, then the report names it", () => {
    const d = decideProgress(owned, progress({ reportingOrganisationId: ORG2 }), both, cityCtx());
    expect(d.state.progress[0]!.reportedBy).toEqual({ creditCode: partner.creditCode, jurisdictionCode: "120101", name: "和平区律师协会" });
  });

  it("when an organisation that owns nothing reports, then reporting_organisation_id is named", () => {
    expect(fieldsOf(() => decideProgress(actionItem(), progress({ reportingOrganisationId: ORG2 }), both, cityCtx()))).toEqual([
      "reporting_organisation_id",
    ]);
  });

  it("when the district holding a city item designates joint owners, then they are checked and reported up with the owner", () => {
    const received = actionItem({ origin: "ASSIGNED_BY_CITY", assigneeJurisdictionCode: "120101", seriesId: "" });
    const p = progress({ owner: { organisationId: ORG, departmentId: DEPT }, jointOwners: [{ organisationId: ORG2, departmentId: DEPT }] });
    const d = decideProgress(received, p, both, districtCtx());
    expect(d.state.jointOwners).toEqual([{ organisationId: ORG2, departmentId: DEPT }]);
    expect(d.events[0]!.data).toEqual(
      expect.objectContaining({ jointOwners: [{ creditCode: partner.creditCode, jurisdictionCode: "120101", name: "和平区律师协会" }] }),
    );
    expect(fieldsOf(() => decideProgress(received, p, parties, districtCtx()))).toEqual(["joint_owners[0].organisation_id"]);
  });

  it("when joint owners are designated for an item decided here, or repeat the owner, then they are named", () => {
    expect(
      fieldsOf(() => progressRule(ownedHere, "120000", progress({ jointOwners: [{ organisationId: ORG2, departmentId: DEPT }] }))),
    ).toEqual(["joint_owners"]);
    expect(
      fieldsOf(() =>
        progress({ owner: { organisationId: ORG, departmentId: DEPT }, jointOwners: [{ organisationId: ORG, departmentId: DEPT }] }),
      ),
    ).toEqual(["joint_owners[0].organisation_id"]);
  });
});

describe("given an action a district raised, at the city", () => {
  const raise = {
    actionItemId: ID,
    raisingJurisdictionCode: "120101",
    title: " 协调跨区执法 ",
    dueTime: NOW,
    consultationId: CONSULTATION,
  };

  it("when it arrives, then the city holds it under the district's id, decided by the district", () => {
    const d = decideRaised(undefined, raise, fromDistrict)!;
    expect(d.action).toBe("ActionItemRaised");
    expect(d.state).toEqual(
      expect.objectContaining({
        actionItemId: ID,
        title: "协调跨区执法",
        origin: "RAISED_BY_DISTRICT",
        originJurisdictionCode: "120101",
        assigneeJurisdictionCode: "120000",
        originConsultationId: CONSULTATION,
        status: "OPEN",
      }),
    );
  });

  it("when it repeats, then nothing changes; from another district than it names, or at a district, it is malformed", () => {
    expect(decideRaised(actionItem(), raise, fromDistrict)).toBeUndefined();
    expect(fieldsOf(() => decideRaised(undefined, { ...raise, raisingJurisdictionCode: "120102" }, fromDistrict))).toEqual([
      "raising_jurisdiction_code",
    ]);
    expect(fieldsOf(() => decideRaised(undefined, raise, { ...fromDistrict, here: "120102" }))).toEqual(["raising_jurisdiction_code"]);
  });

  it("when the city reports progress on it, then the report goes down to the raising district; the city cannot cancel it", () => {
    const held = decideRaised(undefined, raise, fromDistrict)!.state;
    const d = decideProgress({ ...held, revision: 1 }, progress(), none, cityCtx());
    expect(d.events.map((e) => [e.descriptor, e.to])).toEqual([[liaisonEvents.actionItemProgressReported, [{ node: "120101" }]]]);
    expect(preconditionOf(() => decideProgress({ ...held, revision: 1 }, progress({ status: "CANCELLED" }), none, cityCtx()))).toBe(
      "NOT_DECIDING_NODE",
    );
  });

  it("when the district (deciding node) receives the city's report, or cancels, then it applies there / goes up", () => {
    const atDistrict = actionItem({ assigneeJurisdictionCode: "120000", originJurisdictionCode: "120101" });
    const applied = decideReportedProgress(atDistrict, { from: "120000", sequence: 1, status: "IN_PROGRESS", note: "已协调" }, fromCity)!;
    expect(applied.state.status).toBe("IN_PROGRESS");
    const cancel = decideProgress(atDistrict, progress({ status: "CANCELLED", note: "已解决" }), none, districtCtx());
    expect(cancel.events.map((e) => [e.descriptor, e.to])).toEqual([[liaisonEvents.actionItemCancelled, [{ node: "120000" }]]]);
    const cityCopy = decideRaised(undefined, raise, fromDistrict)!.state;
    const final = decideCancelledByCity(cityCopy, { assigneeJurisdictionCode: "120000", reason: "已解决", eventId: "e" }, fromDistrict)!;
    expect(final.state.status).toBe("CANCELLED");
  });
});

describe("given a district raising an action to the city directly (RaiseActionItem)", () => {
  const later = new Date(NOW.getTime() + 10 * 86_400_000);
  const raiseHere = (here: string) =>
    decideRaiseDirectly({ title: "协调市级部门", dueTime: later }, { ...districtCtx("区级无法协调"), here, actionItemId: ID });

  it("when decided at a district, then the item is held by the city, has no consultation, and ActionItemRaised goes up with the reason", () => {
    const d = raiseHere("120101");
    expect(d.state).toEqual(
      expect.objectContaining({
        origin: "LOCAL",
        assigneeJurisdictionCode: "120000",
        originJurisdictionCode: "120101",
        originConsultationId: "",
        consultationId: "",
        seriesId: "",
      }),
    );
    expect(d.events.map((e) => [e.descriptor, e.to])).toEqual([[liaisonEvents.actionItemRaised, [{ node: "120000" }]]]);
    expect(d.events[0]!.data).toEqual(
      expect.objectContaining({
        consultationId: "",
        consultationTitle: "",
        title: "协调市级部门",
        audit: expect.objectContaining({ reason: "区级无法协调" }),
      }),
    );
  });

  it("when it arrives at the city without a consultation id, then the city holds it; a malformed id is still refused", () => {
    const held = decideRaised(
      undefined,
      { actionItemId: ID, raisingJurisdictionCode: "120101", title: "协调市级部门", dueTime: later, consultationId: "" },
      fromDistrict,
    )!.state;
    expect(held).toEqual(expect.objectContaining({ origin: "RAISED_BY_DISTRICT", originConsultationId: "", consultationId: "" }));
    expect(
      fieldsOf(() =>
        decideRaised(
          undefined,
          { actionItemId: ID, raisingJurisdictionCode: "120101", title: "t", dueTime: later, consultationId: "x" },
          fromDistrict,
        ),
      ),
    ).toEqual(["consultation_id"]);
  });

  it("when decided at the municipal node, then FAILED_PRECONDITION DISTRICT_NODE_ONLY", () => {
    expect(preconditionOf(() => raiseHere("120000"))).toBe("DISTRICT_NODE_ONLY");
  });

  it("when title, due date or reason is missing, or the due date passed, then each is named", () => {
    expect(fieldsOf(() => validateDirectRaise({ title: " ", dueTime: undefined, reason: "" }, NOW))).toEqual([
      "title",
      "due_time",
      "reason",
    ]);
    expect(fieldsOf(() => validateDirectRaise({ title: "t", dueTime: NOW, reason: "r" }, NOW))).toEqual(["due_time"]);
  });
});
