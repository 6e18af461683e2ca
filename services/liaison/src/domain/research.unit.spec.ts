import { AlreadyExistsError, FailedPreconditionError, InvalidArgumentError, NotFoundError, Violations } from "@jinlian/chassis";
import {
  assertActiveParty,
  assertCanRecordFinding,
  assertCanRecordOutcome,
  checkAnswer,
  checkFinding,
  checkLinkTarget,
  checkOptionalLink,
  checkOutcomeSummary,
  checkProposal,
  conclude,
  decideInvitation,
  decideLink,
  decideResponse,
  type Invitation,
  type Party,
  type ResearchState,
  type TransformationKind,
} from "./research";

const BUREAU = "00000000-0000-4000-8000-00000000b001";
const FEDERATION = "00000000-0000-4000-8000-00000000f001";
const CHAMBER = "00000000-0000-4000-8000-00000000c001";
const FIRM = "00000000-0000-4000-8000-00000000d001";
const BULLETIN_ID = "2f1e4c7a-9b3d-4e8f-a1b2-c3d4e5f60718";

const active = (organisationId: string): Party => ({ organisationId, status: "ACTIVE" });
const deactivated = (organisationId: string): Party => ({ organisationId, status: "DEACTIVATED" });

function project(overrides: Partial<ResearchState> = {}): ResearchState {
  return { researchId: "r1", status: "PROPOSED", leadOrganisationId: BUREAU, invitations: [], ...overrides };
}

function invitation(organisationId: string, status: Invitation["status"], invitedBy = BUREAU): Invitation {
  return { invitationId: `inv-${organisationId.slice(-4)}`, organisationId, invitedByOrganisationId: invitedBy, status };
}

function fieldsOf(fn: (v: Violations) => unknown): string[] {
  const v = new Violations();
  fn(v);
  return v.all.map((x) => x.field);
}

function refusal(fn: () => unknown): { kind: string; fields?: string[]; type?: string } {
  try {
    fn();
  } catch (e) {
    if (e instanceof InvalidArgumentError) return { kind: e.kind, fields: e.violations.map((v) => v.field) };
    if (e instanceof FailedPreconditionError) return { kind: e.kind, type: e.violations[0]?.type };
    if (e instanceof AlreadyExistsError || e instanceof NotFoundError) return { kind: e.kind };
    throw e;
  }
  throw new Error("expected a refusal");
}

describe("given a proposal", () => {
  it("when topic and description are within limits, then they are accepted trimmed", () => {
    const v = new Violations();
    expect(checkProposal(v, { topic: "  民营企业合规 ", description: "计划" })).toEqual({ topic: "民营企业合规", description: "计划" });
    expect(v.isEmpty).toBe(true);
  });

  it("when the topic is blank or too long and the description too long, then each is named", () => {
    expect(fieldsOf((v) => checkProposal(v, { topic: " ", description: "" }))).toEqual(["topic"]);
    expect(fieldsOf((v) => checkProposal(v, { topic: "题".repeat(201), description: "述".repeat(4001) }))).toEqual([
      "topic",
      "description",
    ]);
    expect(fieldsOf((v) => checkProposal(v, { topic: "题".repeat(200), description: "述".repeat(4000) }))).toEqual([]);
  });
});

describe("given an organisation named for a role", () => {
  it("when it is not registered, then INVALID_ARGUMENT names the field", () => {
    expect(refusal(() => assertActiveParty(undefined, "lead_organisation_id", BUREAU))).toEqual({
      kind: "INVALID_ARGUMENT",
      fields: ["lead_organisation_id"],
    });
  });

  it("when it is deactivated, then FAILED_PRECONDITION", () => {
    expect(refusal(() => assertActiveParty(deactivated(BUREAU), "lead_organisation_id", BUREAU))).toEqual({
      kind: "FAILED_PRECONDITION",
      type: "ORGANISATION_DEACTIVATED",
    });
  });

  it("when it is active, then it is accepted", () => {
    expect(assertActiveParty(active(BUREAU), "lead_organisation_id", BUREAU)).toEqual(active(BUREAU));
  });
});

describe("given a PROPOSED project led by the justice bureau", () => {
  const state = project();

  it("when the lead invites the federation (inviter left empty), then the lead is recorded as inviter", () => {
    expect(
      decideInvitation(state, { organisationId: FEDERATION, invitedByOrganisationId: "" }, active(FEDERATION), active(BUREAU)),
    ).toEqual({
      invitedByOrganisationId: BUREAU,
    });
  });

  it("when the lead itself is invited, then INVALID_ARGUMENT names organisation_id", () => {
    expect(
      refusal(() => decideInvitation(state, { organisationId: BUREAU, invitedByOrganisationId: "" }, active(BUREAU), active(BUREAU))),
    ).toEqual({
      kind: "INVALID_ARGUMENT",
      fields: ["organisation_id"],
    });
  });

  it("when an unregistered organisation is invited, or invites, then INVALID_ARGUMENT names the field", () => {
    expect(
      refusal(() => decideInvitation(state, { organisationId: FIRM, invitedByOrganisationId: "" }, undefined, active(BUREAU))),
    ).toEqual({
      kind: "INVALID_ARGUMENT",
      fields: ["organisation_id"],
    });
    expect(
      refusal(() => decideInvitation(state, { organisationId: FIRM, invitedByOrganisationId: CHAMBER }, active(FIRM), undefined)),
    ).toEqual({
      kind: "INVALID_ARGUMENT",
      fields: ["invited_by_organisation_id"],
    });
  });

  it("when a deactivated organisation is invited, then FAILED_PRECONDITION", () => {
    expect(
      refusal(() => decideInvitation(state, { organisationId: FIRM, invitedByOrganisationId: "" }, deactivated(FIRM), active(BUREAU))),
    ).toEqual({
      kind: "FAILED_PRECONDITION",
      type: "ORGANISATION_DEACTIVATED",
    });
  });

  it("when an organisation that is not a participant invites, then FAILED_PRECONDITION", () => {
    expect(
      refusal(() => decideInvitation(state, { organisationId: FIRM, invitedByOrganisationId: CHAMBER }, active(FIRM), active(CHAMBER))),
    ).toEqual({ kind: "FAILED_PRECONDITION", type: "INVITER_NOT_PARTICIPANT" });
  });

  it("when the federation is invited a second time, then ALREADY_EXISTS", () => {
    const invited = project({ invitations: [invitation(FEDERATION, "DECLINED")] });
    expect(
      refusal(() =>
        decideInvitation(invited, { organisationId: FEDERATION, invitedByOrganisationId: "" }, active(FEDERATION), active(BUREAU)),
      ),
    ).toEqual({ kind: "ALREADY_EXISTS" });
  });

  it("when the federation accepts, then the research becomes ONGOING", () => {
    const invited = project({ invitations: [invitation(FEDERATION, "PENDING")] });
    const d = decideResponse(invited, "inv-f001", "ACCEPTED", active(FEDERATION));
    expect(d.status).toBe("ONGOING");
    expect(d.invitation.status).toBe("ACCEPTED");
  });

  it("when the federation declines, then the research stays PROPOSED", () => {
    const invited = project({ invitations: [invitation(FEDERATION, "PENDING")] });
    expect(decideResponse(invited, "inv-f001", "DECLINED", active(FEDERATION)).status).toBe("PROPOSED");
  });

  it("when a deactivated invitee accepts, then FAILED_PRECONDITION; declining is still allowed", () => {
    const invited = project({ invitations: [invitation(FEDERATION, "PENDING")] });
    expect(refusal(() => decideResponse(invited, "inv-f001", "ACCEPTED", deactivated(FEDERATION)))).toEqual({
      kind: "FAILED_PRECONDITION",
      type: "ORGANISATION_DEACTIVATED",
    });
    expect(decideResponse(invited, "inv-f001", "DECLINED", deactivated(FEDERATION)).invitation.status).toBe("DECLINED");
  });

  it("when an unknown invitation is answered, then NOT_FOUND", () => {
    expect(refusal(() => decideResponse(state, "nope", "ACCEPTED", undefined))).toEqual({ kind: "NOT_FOUND" });
  });

  it("when a finding is recorded or the project concluded, then FAILED_PRECONDITION", () => {
    expect(refusal(() => assertCanRecordFinding(state))).toEqual({ kind: "FAILED_PRECONDITION", type: "RESEARCH_NOT_ONGOING" });
    expect(refusal(() => conclude(state))).toEqual({ kind: "FAILED_PRECONDITION", type: "RESEARCH_NOT_ONGOING" });
    expect(refusal(() => assertCanRecordOutcome(state))).toEqual({ kind: "FAILED_PRECONDITION", type: "RESEARCH_NOT_CONCLUDED" });
  });
});

describe("given an ONGOING project the federation joined (mutual invitations)", () => {
  const state = project({ status: "ONGOING", invitations: [invitation(FEDERATION, "ACCEPTED"), invitation(FIRM, "PENDING")] });

  it("when the federation invites a chamber of commerce, then the federation is recorded as inviter", () => {
    expect(
      decideInvitation(state, { organisationId: CHAMBER, invitedByOrganisationId: FEDERATION }, active(CHAMBER), active(FEDERATION)),
    ).toEqual({ invitedByOrganisationId: FEDERATION });
  });

  it("when an organisation that has not accepted yet invites, then FAILED_PRECONDITION", () => {
    expect(
      refusal(() => decideInvitation(state, { organisationId: CHAMBER, invitedByOrganisationId: FIRM }, active(CHAMBER), active(FIRM))),
    ).toEqual({ kind: "FAILED_PRECONDITION", type: "INVITER_NOT_PARTICIPANT" });
  });

  it("when a participant that was deactivated invites, then FAILED_PRECONDITION", () => {
    expect(
      refusal(() =>
        decideInvitation(state, { organisationId: CHAMBER, invitedByOrganisationId: FEDERATION }, active(CHAMBER), deactivated(FEDERATION)),
      ),
    ).toEqual({ kind: "FAILED_PRECONDITION", type: "ORGANISATION_DEACTIVATED" });
  });

  it("when a pending invitation is accepted, then the status stays ONGOING", () => {
    expect(decideResponse(state, "inv-d001", "ACCEPTED", active(FIRM)).status).toBe("ONGOING");
  });

  it("when an answered invitation is answered again, then FAILED_PRECONDITION", () => {
    expect(refusal(() => decideResponse(state, "inv-f001", "DECLINED", active(FEDERATION)))).toEqual({
      kind: "FAILED_PRECONDITION",
      type: "INVITATION_ALREADY_ANSWERED",
    });
  });

  it("when a finding is recorded, then it is allowed; an outcome is not yet", () => {
    expect(() => assertCanRecordFinding(state)).not.toThrow();
    expect(refusal(() => assertCanRecordOutcome(state))).toEqual({ kind: "FAILED_PRECONDITION", type: "RESEARCH_NOT_CONCLUDED" });
  });

  it("when it is concluded, then it becomes CONCLUDED", () => {
    expect(conclude(state)).toBe("CONCLUDED");
  });
});

describe("given a CONCLUDED project", () => {
  const state = project({ status: "CONCLUDED", invitations: [invitation(FEDERATION, "ACCEPTED"), invitation(FIRM, "PENDING")] });

  it("when an outcome is recorded, then it is allowed", () => {
    expect(() => assertCanRecordOutcome(state)).not.toThrow();
  });

  it("when anyone is invited, a finding recorded, or it is concluded again, then FAILED_PRECONDITION", () => {
    expect(
      refusal(() => decideInvitation(state, { organisationId: CHAMBER, invitedByOrganisationId: "" }, active(CHAMBER), active(BUREAU))),
    ).toEqual({ kind: "FAILED_PRECONDITION", type: "RESEARCH_CONCLUDED" });
    expect(refusal(() => assertCanRecordFinding(state))).toEqual({ kind: "FAILED_PRECONDITION", type: "RESEARCH_NOT_ONGOING" });
    expect(refusal(() => conclude(state))).toEqual({ kind: "FAILED_PRECONDITION", type: "RESEARCH_NOT_ONGOING" });
  });

  it("when a pending invitation is answered, then FAILED_PRECONDITION", () => {
    expect(refusal(() => decideResponse(state, "inv-d001", "ACCEPTED", active(FIRM)))).toEqual({
      kind: "FAILED_PRECONDITION",
      type: "RESEARCH_CONCLUDED",
    });
  });
});

describe("given an answer to an invitation", () => {
  it("when it is ACCEPTED or DECLINED, then it is taken; PENDING or nothing is named as answer", () => {
    expect(checkAnswer(new Violations(), "ACCEPTED")).toBe("ACCEPTED");
    expect(checkAnswer(new Violations(), "DECLINED")).toBe("DECLINED");
    expect(fieldsOf((v) => checkAnswer(v, "PENDING"))).toEqual(["answer"]);
    expect(fieldsOf((v) => checkAnswer(v, undefined))).toEqual(["answer"]);
  });
});

describe("given findings and outcomes", () => {
  it("when the text or summary is blank or too long, then it is named", () => {
    expect(fieldsOf((v) => checkFinding(v, " "))).toEqual(["text"]);
    expect(fieldsOf((v) => checkFinding(v, "发".repeat(4001)))).toEqual(["text"]);
    expect(fieldsOf((v) => checkFinding(v, "发".repeat(4000)))).toEqual([]);
    expect(fieldsOf((v) => checkOutcomeSummary(v, "")).concat(fieldsOf((v) => checkOutcomeSummary(v, "果".repeat(2001))))).toEqual([
      "summary",
      "summary",
    ]);
  });
});

describe("given the id of what an outcome became", () => {
  const fields = { kind: "kind", targetId: "target_id" };
  const check = (kind: TransformationKind | undefined, id: string) => {
    const v = new Violations();
    const normalised = checkLinkTarget(v, kind, id, fields);
    return { normalised, fields: v.all.map((x) => x.field) };
  };

  it("when a bulletin is named by its UUID, then it is accepted in lower case", () => {
    expect(check("BULLETIN", BULLETIN_ID.toUpperCase())).toEqual({ normalised: BULLETIN_ID, fields: [] });
  });

  it("when a bulletin is named by anything but a UUID, then target_id is refused", () => {
    expect(check("BULLETIN", "LP-2026-001").fields).toEqual(["target_id"]);
  });

  it("when a legislation proposal or training is named by an opaque id, then 1-128 characters of [A-Za-z0-9._:/-] are accepted", () => {
    expect(check("LEGISLATION_PROPOSAL", "legislation:LP-2026/001").fields).toEqual([]);
    expect(check("TRAINING", BULLETIN_ID).fields).toEqual([]);
    expect(check("TRAINING", "x".repeat(128)).fields).toEqual([]);
    expect(check("TRAINING", "x".repeat(129)).fields).toEqual(["target_id"]);
    expect(check("TRAINING", "培训 1").fields).toEqual(["target_id"]);
  });

  it("when kind or id is missing, then each is named", () => {
    expect(check(undefined, "").fields).toEqual(["kind", "target_id"]);
  });

  it("when given with a new outcome, then kind and id come together or not at all", () => {
    expect(checkOptionalLink(new Violations(), undefined, "  ")).toBeUndefined();
    expect(fieldsOf((v) => checkOptionalLink(v, "BULLETIN", ""))).toEqual(["link_target_id"]);
    expect(fieldsOf((v) => checkOptionalLink(v, undefined, "LP-1"))).toEqual(["link_kind"]);
    expect(fieldsOf((v) => checkOptionalLink(v, "BULLETIN", "LP-1"))).toEqual(["link_target_id"]);
    expect(checkOptionalLink(new Violations(), "TRAINING", " T-7 ")).toEqual({ kind: "TRAINING", targetId: "T-7" });
  });
});

describe("given an outcome of a concluded project", () => {
  const state = project({ status: "CONCLUDED" });
  const bulletin = { kind: "BULLETIN" as const, targetId: BULLETIN_ID };
  const proposal = { kind: "LEGISLATION_PROPOSAL" as const, targetId: "LP-2026-001" };

  it("when it is linked to a bulletin nobody else came to, then it is linked", () => {
    expect(decideLink(state, { outcomeId: "o1" }, bulletin, undefined)).toBe("LINKED");
  });

  it("when it is linked again to the same bulletin, then nothing changes", () => {
    expect(decideLink(state, { outcomeId: "o1", link: bulletin }, { ...bulletin }, "o1")).toBe("UNCHANGED");
  });

  it("when an outcome already linked is linked elsewhere, then FAILED_PRECONDITION", () => {
    expect(refusal(() => decideLink(state, { outcomeId: "o1", link: bulletin }, proposal, undefined))).toEqual({
      kind: "FAILED_PRECONDITION",
      type: "OUTCOME_ALREADY_LINKED",
    });
    expect(
      refusal(() => decideLink(state, { outcomeId: "o1", link: bulletin }, { kind: "TRAINING", targetId: BULLETIN_ID }, undefined)),
    ).toEqual({
      kind: "FAILED_PRECONDITION",
      type: "OUTCOME_ALREADY_LINKED",
    });
  });

  it("when the artefact already came from another outcome, then ALREADY_EXISTS", () => {
    expect(refusal(() => decideLink(state, { outcomeId: "o2" }, bulletin, "o1"))).toEqual({ kind: "ALREADY_EXISTS" });
  });
});
