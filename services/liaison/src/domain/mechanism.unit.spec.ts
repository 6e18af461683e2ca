import { DISTRICT_CODES } from "@jinlian/kernel";
import { FailedPreconditionError, Violations } from "@jinlian/chassis";
import { AbortedError, AlreadyExistsError, liaisonEvents, type Decision } from "@jinlian/chassis";
import { liaisonEventsV1, liaisonV1 } from "@jinlian/proto";
import { rollUpEntryFromReport } from "./mechanism-events";
import {
  assertPartiesActive,
  decideMechanismChange,
  decideParties,
  decideProposal,
  ownRollUpEntry,
  type MechanismContext,
  nextStatus,
  propose,
  reportViolations,
  rollUp,
  rollUpEntryOf,
  supersedes,
  transition,
  validateReason,
  type Mechanism,
  type PartyCandidate,
  type RegisteredOrganisation,
} from "./mechanism";
import { violatedFields as fieldsOf } from "@jinlian/chassis/testing";

const HERE = "120101";
const at = (iso: string) => new Date(iso);

function org(overrides: Partial<RegisteredOrganisation> = {}): RegisteredOrganisation {
  return {
    organisationId: "00000000-0000-4000-8000-000000000001",
    type: "JUSTICE_BUREAU",
    name: "和平区司法局",
    creditCode: "11120101MB0000000X",
    jurisdictionCode: HERE,
    status: "ACTIVE",
    departments: [{ departmentId: "00000000-0000-4000-8000-0000000000d1", name: "法治调研处" }],
    ...overrides,
  };
}

const bureau = org();
const federation = org({
  organisationId: "00000000-0000-4000-8000-000000000002",
  type: "FEDERATION",
  name: "和平区工商联",
  departments: [{ departmentId: "00000000-0000-4000-8000-0000000000d2", name: "法律服务部" }],
});

function candidates(b: Partial<PartyCandidate> = {}, f: Partial<PartyCandidate> = {}): [PartyCandidate, PartyCandidate] {
  return [
    {
      side: "justice_bureau",
      organisationId: bureau.organisationId,
      departmentId: bureau.departments[0]!.departmentId,
      registered: bureau,
      ...b,
    },
    {
      side: "federation",
      organisationId: federation.organisationId,
      departmentId: federation.departments[0]!.departmentId,
      registered: federation,
      ...f,
    },
  ];
}

const who = (iso: string, reason = "") => ({ actor: "operator", reason, requestId: "r", jurisdictionCode: HERE, at: at(iso) });

function proposed(): Mechanism {
  const parties = decideParties(HERE, candidates());
  return propose("00000000-0000-4000-8000-0000000000aa", HERE, parties, who("2026-01-01T00:00:00Z"));
}

describe("given the justice bureau and the federation of this node's jurisdiction", () => {
  it("when the parties are decided, then each side carries snapshots of the organisation and its responsible department", () => {
    const [b, f] = decideParties(HERE, candidates());
    expect(b).toEqual({
      organisationId: bureau.organisationId,
      departmentId: bureau.departments[0]!.departmentId,
      organisation: { creditCode: bureau.creditCode, jurisdictionCode: HERE, name: "和平区司法局" },
      departmentName: "法治调研处",
    });
    expect(f.departmentName).toBe("法律服务部");
  });

  it("when proposed, then the mechanism is PROPOSED at revision 1 since the proposal, never yet established", () => {
    const m = proposed();
    expect(m).toMatchObject({ status: "PROPOSED", revision: 1, statusSince: at("2026-01-01T00:00:00Z"), firstEstablishedAt: null });
    expect(m.history.map((t) => t.status)).toEqual(["PROPOSED"]);
  });
});

describe("given parties that cannot form this node's mechanism", () => {
  it("when an organisation is not registered, then its side's organisation_id is named", () => {
    expect(fieldsOf(() => decideParties(HERE, candidates({}, { registered: undefined })))).toEqual(["federation.organisation_id"]);
  });

  it("when the sides are swapped (wrong types), then both organisation_ids are named", () => {
    const swapped = candidates(
      { registered: federation, organisationId: federation.organisationId, departmentId: federation.departments[0]!.departmentId },
      { registered: bureau, organisationId: bureau.organisationId, departmentId: bureau.departments[0]!.departmentId },
    );
    expect(fieldsOf(() => decideParties(HERE, swapped))).toEqual(["justice_bureau.organisation_id", "federation.organisation_id"]);
  });

  it("when the bureau is of another level (the city), then it is refused as not of this jurisdiction", () => {
    const city = org({ jurisdictionCode: "120000", name: "天津市司法局" });
    expect(() => decideParties(HERE, candidates({ registered: city }))).toThrow(/same level/);
  });

  it("when a department belongs to another organisation, then that side's department_id is named", () => {
    const foreign = candidates({}, { departmentId: bureau.departments[0]!.departmentId });
    expect(fieldsOf(() => decideParties(HERE, foreign))).toEqual(["federation.department_id"]);
  });

  it("when an organisation is deactivated, then it is a failed precondition, not bad input", () => {
    const act = () => decideParties(HERE, candidates({ registered: org({ status: "DEACTIVATED" }) }));
    expect(act).toThrow(FailedPreconditionError);
    expect(act).toThrow(/deactivated/);
  });

  it("when one is deactivated and the other unknown, then the bad input is reported first", () => {
    const act = () => decideParties(HERE, candidates({ registered: org({ status: "DEACTIVATED" }) }, { registered: undefined }));
    expect(fieldsOf(act)).toEqual(["federation.organisation_id"]);
  });
});

describe("given a proposed mechanism", () => {
  it("when established, then it is ESTABLISHED since then, first established then, revision 2", () => {
    const m = transition(proposed(), "establish", who("2026-02-01T00:00:00Z"));
    expect(m).toMatchObject({
      status: "ESTABLISHED",
      statusSince: at("2026-02-01T00:00:00Z"),
      firstEstablishedAt: at("2026-02-01T00:00:00Z"),
      revision: 2,
    });
    expect(m.history.map((t) => t.status)).toEqual(["PROPOSED", "ESTABLISHED"]);
  });

  it("when suspended, then it is refused: only an established mechanism can be suspended", () => {
    expect(() => transition(proposed(), "suspend", who("2026-02-01T00:00:00Z", "x"))).toThrow(FailedPreconditionError);
  });
});

describe("given an established mechanism", () => {
  const established = () => transition(proposed(), "establish", who("2026-02-01T00:00:00Z"));

  it("when established again, then it is refused", () => {
    expect(() => transition(established(), "establish", who("2026-03-01T00:00:00Z"))).toThrow(/already|it is established/);
  });

  it("when suspended and re-established, then the status dates move but the first establishment is kept", () => {
    const suspended = transition(established(), "suspend", who("2026-03-01T00:00:00Z", "换届"));
    expect(suspended).toMatchObject({ status: "SUSPENDED", statusSince: at("2026-03-01T00:00:00Z"), revision: 3 });
    expect(suspended.history[2]!.reason).toBe("换届");
    const again = transition(suspended, "establish", who("2026-04-01T00:00:00Z"));
    expect(again).toMatchObject({
      status: "ESTABLISHED",
      statusSince: at("2026-04-01T00:00:00Z"),
      firstEstablishedAt: at("2026-02-01T00:00:00Z"),
      revision: 4,
    });
  });
});

describe("given a suspended mechanism whose federation has since been deactivated", () => {
  it("when re-established, then it is refused naming the federation; with both active it is allowed", () => {
    const m = proposed();
    const retired = { ...federation, status: "DEACTIVATED" as const };
    try {
      assertPartiesActive(m, [bureau, retired]);
      throw new Error("expected a refusal");
    } catch (e) {
      expect(e).toBeInstanceOf(FailedPreconditionError);
      expect((e as FailedPreconditionError).violations.map((v) => v.subject)).toEqual([`organisation/${federation.organisationId}`]);
    }
    expect(() => assertPartiesActive(m, [bureau, federation])).not.toThrow();
  });
});

describe("the state machine", () => {
  it.each([
    ["PROPOSED", "establish", "ESTABLISHED"],
    ["SUSPENDED", "establish", "ESTABLISHED"],
    ["ESTABLISHED", "suspend", "SUSPENDED"],
  ] as const)("given %s, when %s, then %s", (from, action, to) => {
    expect(nextStatus("m", from, action)).toBe(to);
  });

  it.each([
    ["ESTABLISHED", "establish"],
    ["PROPOSED", "suspend"],
    ["SUSPENDED", "suspend"],
  ] as const)("given %s, when %s, then FAILED_PRECONDITION naming the mechanism", (from, action) => {
    try {
      nextStatus("m1", from, action);
      throw new Error("expected a refusal");
    } catch (e) {
      expect(e).toBeInstanceOf(FailedPreconditionError);
      expect((e as FailedPreconditionError).violations[0]).toMatchObject({ type: "STATE", subject: "mechanism/m1" });
    }
  });
});

describe("given a reason", () => {
  it("when suspending without one, then reason is required; proposing and establishing need none", () => {
    const v = new Violations();
    validateReason(v, "  ", "suspend", 500);
    validateReason(v, "", "establish", 500);
    validateReason(v, "", "propose", 500);
    expect(v.all.map((x) => x.field)).toEqual(["reason"]);
  });

  it("when it is too long, then it is refused", () => {
    const v = new Violations();
    validateReason(v, "因".repeat(501), "establish", 500);
    expect(v.all).toHaveLength(1);
  });
});

describe("the roll-up", () => {
  const entry = (code: string, status: "PROPOSED" | "ESTABLISHED" | "SUSPENDED") => ({
    ...rollUpEntryOf({ ...proposed(), jurisdictionCode: code, status }, at("2026-05-01T00:00:00Z")),
  });

  it("given reports from two districts, when the city rolls up, then the city comes first, then 16 districts in code order, NONE where silent", () => {
    const r = rollUp("120000", [entry("120102", "PROPOSED"), entry("120101", "ESTABLISHED")]);
    expect(r.rows.map((x) => x.jurisdictionCode)).toEqual(["120000", ...DISTRICT_CODES]);
    expect(r.rows.slice(0, 4).map((x) => x.status)).toEqual(["NONE", "ESTABLISHED", "PROPOSED", "NONE"]);
    expect(r.districtsEstablished).toBe(1);
    expect(r.districtsWithout).toBe(15);
  });

  it("given the city's own established mechanism, when rolled up, then it does not count as a district", () => {
    const r = rollUp("120000", [entry("120000", "ESTABLISHED")]);
    expect(r.rows[0]!.status).toBe("ESTABLISHED");
    expect(r.districtsEstablished).toBe(0);
    expect(r.districtsWithout).toBe(16);
  });

  it("given a status filter, when rolled up, then only those rows remain but the counts cover all districts", () => {
    const r = rollUp("120000", [entry("120101", "ESTABLISHED"), entry("120102", "SUSPENDED")], "NONE");
    expect(r.rows).toHaveLength(15);
    expect(r.rows.every((x) => x.status === "NONE")).toBe(true);
    expect([r.districtsEstablished, r.districtsWithout]).toEqual([1, 15]);
  });

  it("given a district node, when rolled up, then it answers for itself only, without counts", () => {
    expect(rollUp("120101", [])).toEqual({
      rows: [{ jurisdictionCode: "120101", status: "NONE" }],
      districtsEstablished: 0,
      districtsWithout: 0,
    });
  });
});

describe("a district's report at the city", () => {
  const report = { jurisdictionCode: "120101", mechanismJurisdictionCode: "120101" };

  it("given a district's report of its own mechanism, when checked, then it is accepted", () => {
    expect(reportViolations("120000", report)).toEqual([]);
  });

  it("given a mechanism of another jurisdiction than the report's, when checked, then it is refused", () => {
    const mixed = { ...report, mechanismJurisdictionCode: "120102" };
    expect(reportViolations("120000", mixed).map((v) => v.field)).toEqual(["data.mechanism.jurisdiction_code"]);
  });

  it("given a report for the city, when checked, then it is refused: only districts report", () => {
    const city = { jurisdictionCode: "120000", mechanismJurisdictionCode: "120000" };
    expect(reportViolations("120000", city).map((v) => v.field)).toEqual(["data.jurisdiction_code"]);
  });

  it("given a report arriving at a district node, when checked, then it is refused", () => {
    expect(reportViolations("120102", report).map((v) => v.field)).toEqual(["source"]);
  });

  it("given the held revision, when a repeat, an older or a newer report arrives, then only the newer supersedes", () => {
    expect(supersedes(undefined, 1)).toBe(true);
    expect(supersedes({ revision: 2 }, 2)).toBe(false);
    expect(supersedes({ revision: 2 }, 1)).toBe(false);
    expect(supersedes({ revision: 2 }, 3)).toBe(true);
  });
});

// ---- decisions: given a mechanism, when a command, then this state and these events ----

function contextAt(here: string, iso: string, reason = ""): MechanismContext {
  let n = 0;
  const now = at(iso);
  return {
    here,
    now,
    newId: () => `00000000-0000-4000-8000-00000000000${++n}`,
    audit: { actor: "operator", reason, requestId: "req-1", occurTime: now, jurisdictionCode: here },
  };
}

/** The report a decision sends up to the city, decoded as the city reads it. */
function reportOf(d: Decision<Mechanism>) {
  expect(d.events).toHaveLength(1);
  const e = d.events[0]!;
  const codec = liaisonEventsV1.MechanismStatusReported;
  return {
    type: e.descriptor.type,
    subject: e.subject,
    to: e.to,
    data: codec.decode(codec.encode(e.data as liaisonEventsV1.MechanismStatusReported).finish()),
  };
}

const thrown = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error("expected a refusal");
};

describe("given a district node without a mechanism", () => {
  it("when the bureau and the federation propose one, then it is PROPOSED and reported up to the city", () => {
    const d = decideProposal(
      "00000000-0000-4000-8000-000000000001",
      candidates(),
      undefined,
      contextAt(HERE, "2026-01-01T00:00:00Z", "kick-off"),
    );
    expect(d.action).toBe("ProposeMechanism");
    expect(d.state).toMatchObject({
      mechanismId: "00000000-0000-4000-8000-000000000001",
      jurisdictionCode: HERE,
      status: "PROPOSED",
      revision: 1,
    });
    expect(d.state.history).toEqual([
      {
        status: "PROPOSED",
        actor: "operator",
        reason: "kick-off",
        requestId: "req-1",
        jurisdictionCode: HERE,
        at: at("2026-01-01T00:00:00Z"),
      },
    ]);
    const r = reportOf(d);
    expect(r.type).toBe(liaisonEvents.mechanismStatusReported.type);
    expect(r.subject).toBe(HERE);
    expect(r.to).toEqual([{ node: "120000" }]);
    expect(r.data.jurisdictionCode).toBe(HERE);
    expect(r.data.mechanism).toMatchObject({
      revision: 1,
      status: liaisonV1.MechanismStatus.MECHANISM_STATUS_PROPOSED,
      jurisdictionCode: HERE,
    });
    expect(r.data.audit).toMatchObject({ actor: "operator", reason: "kick-off", jurisdictionCode: HERE });
  });

  it("when it has one already, then a second proposal already exists (after the parties are checked)", () => {
    expect(
      thrown(() => decideProposal("00000000-0000-4000-8000-000000000001", candidates(), "m-1", contextAt(HERE, "2026-01-01T00:00:00Z"))),
    ).toBeInstanceOf(AlreadyExistsError);
    expect(
      fieldsOf(() =>
        decideProposal(
          "00000000-0000-4000-8000-000000000001",
          candidates({}, { registered: undefined }),
          "m-1",
          contextAt(HERE, "2026-01-01T00:00:00Z"),
        ),
      ),
    ).toEqual(["federation.organisation_id"]);
  });
});

describe("given the city's own mechanism", () => {
  const cityParties = candidates(
    { registered: org({ jurisdictionCode: "120000" }) },
    { registered: { ...federation, jurisdictionCode: "120000" } },
  );

  it("when proposed, then nothing is sent: the city rolls up its own mechanism, reported when it changed", () => {
    const d = decideProposal("00000000-0000-4000-8000-000000000001", cityParties, undefined, contextAt("120000", "2026-01-01T00:00:00Z"));
    expect(d.events).toEqual([]);
    expect(ownRollUpEntry("120000", d.state)).toMatchObject({
      jurisdictionCode: "120000",
      status: "PROPOSED",
      reportedAt: at("2026-01-01T00:00:00Z"),
    });
  });

  it("when a district's mechanism changes, then the district has no roll-up entry of its own", () => {
    expect(ownRollUpEntry(HERE, proposed())).toBeUndefined();
  });
});

describe("given a proposed mechanism at revision 1", () => {
  const active = [bureau, federation] as const;

  it("when established with both parties active, then it is ESTABLISHED at revision 2 and reported", () => {
    const d = decideMechanismChange(proposed(), { action: "establish", registered: active }, 1, contextAt(HERE, "2026-02-01T00:00:00Z"));
    expect(d.action).toBe("EstablishMechanism");
    expect(d.state).toMatchObject({ status: "ESTABLISHED", revision: 2, firstEstablishedAt: at("2026-02-01T00:00:00Z") });
    expect(reportOf(d).data.mechanism).toMatchObject({ revision: 2, status: liaisonV1.MechanismStatus.MECHANISM_STATUS_ESTABLISHED });
  });

  it("when the change names another revision, then it is aborted before anything else", () => {
    const act = () => decideMechanismChange(proposed(), { action: "suspend" }, 2, contextAt(HERE, "2026-02-01T00:00:00Z"));
    expect(thrown(act)).toBeInstanceOf(AbortedError);
  });

  it("when suspended, then it is a failed precondition: only an established mechanism can be", () => {
    expect(() => decideMechanismChange(proposed(), { action: "suspend" }, 0, contextAt(HERE, "2026-02-01T00:00:00Z"))).toThrow(
      FailedPreconditionError,
    );
  });

  it("when established while the federation is deactivated, then it is refused naming the federation", () => {
    const act = () =>
      decideMechanismChange(
        proposed(),
        { action: "establish", registered: [bureau, { ...federation, status: "DEACTIVATED" }] },
        0,
        contextAt(HERE, "2026-02-01T00:00:00Z"),
      );
    expect(act).toThrow(/和平区工商联 has been deactivated/);
  });

  it("when suspended after establishment, then the suspension is SuspendMechanism, with its reason in the history", () => {
    const established = decideMechanismChange(
      proposed(),
      { action: "establish", registered: active },
      0,
      contextAt(HERE, "2026-02-01T00:00:00Z"),
    ).state;
    const d = decideMechanismChange(established, { action: "suspend" }, 2, contextAt(HERE, "2026-03-01T00:00:00Z", "reorganisation"));
    expect(d.action).toBe("SuspendMechanism");
    expect(d.state).toMatchObject({ status: "SUSPENDED", revision: 3, firstEstablishedAt: at("2026-02-01T00:00:00Z") });
    expect(d.state.history.at(-1)).toMatchObject({ status: "SUSPENDED", reason: "reorganisation" });
  });
});

describe("given a district's report as the city reads it", () => {
  const reportedBy = (m: Mechanism): liaisonEventsV1.MechanismStatusReported =>
    reportOf(
      decideMechanismChange(m, { action: "establish", registered: [bureau, federation] }, 0, contextAt(HERE, "2026-02-01T00:00:00Z")),
    ).data;

  it("when well-formed, then it is the district's roll-up entry, received now", () => {
    const { entry, violations } = rollUpEntryFromReport("120000", reportedBy(proposed()), at("2026-02-02T00:00:00Z"));
    expect(violations).toEqual([]);
    expect(entry).toMatchObject({ jurisdictionCode: HERE, status: "ESTABLISHED", revision: 2, reportedAt: at("2026-02-02T00:00:00Z") });
    expect(entry!.justiceBureau.departmentName).toBe("法治调研处");
  });

  it("when it lacks its mechanism or carries a malformed one, then every problem is named", () => {
    const d = reportedBy(proposed());
    expect(
      rollUpEntryFromReport("120000", { ...d, mechanism: undefined }, at("2026-02-02T00:00:00Z")).violations.map((v) => v.field),
    ).toEqual(["data.mechanism.jurisdiction_code", "data.mechanism"]);
    const bad = { ...d, mechanism: { ...d.mechanism!, revision: 0, mechanismId: "x" } };
    expect(rollUpEntryFromReport("120000", bad, at("2026-02-02T00:00:00Z")).violations.map((v) => v.field)).toEqual([
      "data.mechanism.mechanism_id",
      "data.mechanism.revision",
    ]);
  });

  it("when it arrives at a district, then it is refused", () => {
    expect(rollUpEntryFromReport("120102", reportedBy(proposed()), at("2026-02-02T00:00:00Z")).entry).toBeUndefined();
  });
});
