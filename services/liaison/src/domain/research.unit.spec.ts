import {
  AlreadyExistsError,
  FailedPreconditionError,
  InvalidArgumentError,
  liaisonEvents,
  NotFoundError,
  Violations,
} from "@jinlian/chassis";
import { liaisonV1 } from "@jinlian/proto";
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
  decideConclude,
  decideInvitation,
  decideInvite,
  decideLink,
  decideLinkOutcome,
  decidePropose,
  decideRecordFinding,
  decideRecordOutcome,
  decideCorrectFinding,
  decideCorrectOutcome,
  decideRespond,
  decideResponse,
  decideWithdrawFinding,
  decideWithdrawOutcome,
  type Invitation,
  type JointResearch,
  type Stamp,
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

  it("when a legislation proposal or training is named, then only a UUID is accepted (the draft, plan item or training id), in lower case", () => {
    expect(check("LEGISLATION_PROPOSAL", BULLETIN_ID.toUpperCase())).toEqual({ normalised: BULLETIN_ID, fields: [] });
    expect(check("TRAINING", BULLETIN_ID).fields).toEqual([]);
    expect(check("LEGISLATION_PROPOSAL", "legislation:LP-2026/001").fields).toEqual(["target_id"]);
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
    expect(checkOptionalLink(new Violations(), "TRAINING", ` ${BULLETIN_ID} `)).toEqual({ kind: "TRAINING", targetId: BULLETIN_ID });
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

// ---- decisions: given a project, when a command, then the project after it (events: none, it stays local) ----

const AT = new Date("2026-03-02T08:00:00Z");
const by = (reason = "联席会议决定"): Stamp => ({
  actor: "user:li",
  reason,
  requestId: "req-1",
  occurTime: AT,
  jurisdictionCode: "120000",
});
const CREATED = new Date("2026-03-01T08:00:00Z");

function joint(overrides: Partial<JointResearch> = {}): JointResearch {
  return {
    researchId: "r1",
    topic: "民营企业合规",
    description: "",
    leadOrganisationId: BUREAU,
    status: "PROPOSED",
    revision: 3,
    createdAt: CREATED,
    updatedAt: CREATED,
    invitations: [],
    findings: [],
    outcomes: [],
    ...overrides,
  };
}

const accepted = { ...invitation(FEDERATION, "ACCEPTED"), invitedAt: CREATED, respondedAt: CREATED };
const pending = { ...invitation(CHAMBER, "PENDING", FEDERATION), invitedAt: CREATED };

describe("decisions on joint research", () => {
  it("given an active lead, when a project is proposed, then it is PROPOSED with nothing in it, audited ProposeJointResearch", () => {
    const d = decidePropose({ topic: "民营企业合规", description: "计划" }, BUREAU, active(BUREAU), { researchId: "r9", by: by() });
    expect(d.action).toBe("ProposeJointResearch");
    expect(d.events).toEqual([]);
    expect(d.state).toMatchObject({ researchId: "r9", status: "PROPOSED", leadOrganisationId: BUREAU, createdAt: AT, updatedAt: AT });
    expect(d.state.invitations).toEqual([]);
  });

  it("given a deactivated or unknown lead, when a project is proposed, then it is refused", () => {
    const propose = (lead: Party | undefined) => () =>
      decidePropose({ topic: "t", description: "" }, BUREAU, lead, { researchId: "r9", by: by() });
    expect(refusal(propose(undefined))).toEqual({ kind: "INVALID_ARGUMENT", fields: ["lead_organisation_id"] });
    expect(refusal(propose(deactivated(BUREAU)))).toEqual({ kind: "FAILED_PRECONDITION", type: "ORGANISATION_DEACTIVATED" });
  });

  it("given a PROPOSED project, when the lead invites the federation, then a PENDING invitation is added after the others", () => {
    const d = decideInvite(
      joint({ invitations: [pending] }),
      { organisationId: FEDERATION, invitedByOrganisationId: "" },
      active(FEDERATION),
      active(BUREAU),
      {
        invitationId: "inv-new",
        by: by(),
      },
    );
    expect(d.action).toBe("InviteToJointResearch");
    expect(d.events).toEqual([]);
    expect(d.state.invitations.map((i) => [i.invitationId, i.status, i.invitedByOrganisationId])).toEqual([
      [pending.invitationId, "PENDING", FEDERATION],
      ["inv-new", "PENDING", BUREAU],
    ]);
    expect(d.state.invitations[1]!.invitedAt).toBe(AT);
    expect(d.state.updatedAt).toBe(AT);
  });

  it("given a CONCLUDED project, when anyone is invited, then FAILED_PRECONDITION and nothing is decided", () => {
    const invite = () =>
      decideInvite(
        joint({ status: "CONCLUDED" }),
        { organisationId: FEDERATION, invitedByOrganisationId: "" },
        active(FEDERATION),
        active(BUREAU),
        {
          invitationId: "x",
          by: by(),
        },
      );
    expect(refusal(invite)).toEqual({ kind: "FAILED_PRECONDITION", type: "RESEARCH_CONCLUDED" });
  });

  it("given a pending invitation of a PROPOSED project, when it is accepted, then it is answered and the project ONGOING", () => {
    const project = joint({ invitations: [{ ...invitation(FEDERATION, "PENDING"), invitedAt: CREATED }] });
    const d = decideRespond(project, "inv-f001", "ACCEPTED", active(FEDERATION), { by: by() });
    expect(d.action).toBe("RespondToResearchInvitation");
    expect(d.state.status).toBe("ONGOING");
    expect(d.state.invitations[0]).toMatchObject({ status: "ACCEPTED", respondedAt: AT });
  });

  it("given a pending invitation, when it is declined, then the project stays PROPOSED", () => {
    const project = joint({ invitations: [{ ...invitation(FEDERATION, "PENDING"), invitedAt: CREATED }] });
    const d = decideRespond(project, "inv-f001", "DECLINED", deactivated(FEDERATION), { by: by() });
    expect(d.state.status).toBe("PROPOSED");
    expect(d.state.invitations[0]!.status).toBe("DECLINED");
  });

  it("given an ONGOING project, when a finding is recorded, then it is added with who recorded it", () => {
    const d = decideRecordFinding(joint({ status: "ONGOING", invitations: [accepted] }), "发现一", { findingId: "f1", by: by("调研") });
    expect(d.action).toBe("RecordResearchFinding");
    expect(d.state.findings).toEqual([
      { findingId: "f1", text: "发现一", recorded: by("调研"), version: 1, withdrawn: false, history: [] },
    ]);
  });

  it("given a PROPOSED project, when a finding is recorded or it is concluded, then FAILED_PRECONDITION", () => {
    expect(refusal(() => decideRecordFinding(joint(), "x", { findingId: "f1", by: by() }))).toEqual({
      kind: "FAILED_PRECONDITION",
      type: "RESEARCH_NOT_ONGOING",
    });
    expect(refusal(() => decideConclude(joint(), { by: by() }))).toEqual({ kind: "FAILED_PRECONDITION", type: "RESEARCH_NOT_ONGOING" });
  });

  it("given an ONGOING project, when it is concluded, then it is CONCLUDED, audited ConcludeJointResearch", () => {
    const d = decideConclude(joint({ status: "ONGOING" }), { by: by() });
    expect(d).toMatchObject({ action: "ConcludeJointResearch", events: [], state: { status: "CONCLUDED", updatedAt: AT } });
  });

  it("given a CONCLUDED project, when an outcome is recorded with a link, then it is added linked, both stamped", () => {
    const link = { kind: "BULLETIN" as const, targetId: BULLETIN_ID };
    const d = decideRecordOutcome(joint({ status: "CONCLUDED" }), "成果", link, undefined, { outcomeId: "o1", by: by() });
    expect(d.action).toBe("RecordResearchOutcome");
    expect(d.state.outcomes).toEqual([
      { outcomeId: "o1", summary: "成果", recorded: by(), link: { ...link, linked: by() }, version: 1, withdrawn: false, history: [] },
    ]);
  });

  it("given an artefact already linked from another outcome, when a new outcome links it, then ALREADY_EXISTS", () => {
    const link = { kind: "TRAINING" as const, targetId: "training-7" };
    expect(
      refusal(() => decideRecordOutcome(joint({ status: "CONCLUDED" }), "成果", link, "o-other", { outcomeId: "o1", by: by() })),
    ).toEqual({ kind: "ALREADY_EXISTS" });
    expect(
      refusal(() => decideRecordOutcome(joint({ status: "ONGOING" }), "成果", undefined, undefined, { outcomeId: "o1", by: by() })),
    ).toEqual({
      kind: "FAILED_PRECONDITION",
      type: "RESEARCH_NOT_CONCLUDED",
    });
  });

  describe("given a CONCLUDED project with an unlinked outcome", () => {
    const project = joint({
      status: "CONCLUDED",
      outcomes: [{ outcomeId: "o1", summary: "成果", recorded: by("记录"), version: 1, withdrawn: false, history: [] }],
    });
    const link = { kind: "LEGISLATION_PROPOSAL" as const, targetId: "3c2b1a09-8f7e-4d6c-9b5a-4e3d2c1b0a9f" };

    it("when it is linked, then the link is stamped, audited LinkResearchOutcome", () => {
      const d = decideLinkOutcome(project, "o1", link, undefined, { by: by() });
      expect(d?.action).toBe("LinkResearchOutcome");
      expect(d?.state.outcomes[0]).toMatchObject({
        outcomeId: "o1",
        summary: "成果",
        recorded: by("记录"),
        link: { ...link, linked: by() },
      });
    });

    it("when it is linked, then ResearchOutcomeLinked goes to the node's research-links stream with the summary and the target", () => {
      const d = decideLinkOutcome(project, "o1", link, undefined, { by: by() })!;
      expect(d.events.map((e) => [e.descriptor, e.to])).toEqual([[liaisonEvents.researchOutcomeLinked, [{ local: "research-links" }]]]);
      expect(d.events[0]!.data).toEqual(
        expect.objectContaining({
          outcomeId: "o1",
          summary: "成果",
          kind: liaisonV1.TransformationKind.TRANSFORMATION_KIND_LEGISLATION_PROPOSAL,
          targetId: link.targetId,
          linkTime: AT,
        }),
      );
    });

    it("when it is linked again to the same artefact, then nothing is decided (no audit entry, no revision)", () => {
      const linked = decideLinkOutcome(project, "o1", link, undefined, { by: by() })!.state;
      expect(decideLinkOutcome(linked, "o1", link, "o1", { by: by() })).toBeUndefined();
    });

    it("when an unknown outcome is linked, then NOT_FOUND", () => {
      expect(refusal(() => decideLinkOutcome(project, "o2", link, undefined, { by: by() }))).toEqual({ kind: "NOT_FOUND" });
    });
  });
});

describe("corrections of research findings and outcomes", () => {
  const LATER = new Date("2026-06-02T08:00:00Z");
  const fix = (reason: string): Stamp => ({ ...by(reason), occurTime: LATER, actor: "user:wang" });
  const finding = { findingId: "f1", text: "发现：三成企业未设合规岗", recorded: by("调研"), version: 1, withdrawn: false, history: [] };
  const outcome = {
    outcomeId: "o1",
    summary: "建议出台合规指引",
    recorded: by("记录"),
    link: { kind: "TRAINING" as const, targetId: "training-7", linked: by("记录") },
    version: 1,
    withdrawn: false,
    history: [],
  };
  const concluded = joint({ status: "CONCLUDED", findings: [finding], outcomes: [outcome] });

  it("given a finding, when its text is corrected, then version 2 holds the new text and version 1 is history, stamped by who made it", () => {
    const d = decideCorrectFinding(concluded, "f1", "发现：四成企业未设合规岗", { by: fix("数字录错") });
    expect(d.action).toBe("CorrectResearchFinding");
    expect(d.events).toEqual([]);
    expect(d.state.findings[0]).toEqual({
      ...finding,
      text: "发现：四成企业未设合规岗",
      version: 2,
      revised: fix("数字录错"),
      history: [{ version: 1, text: "发现：三成企业未设合规岗", made: by("调研") }],
    });
  });

  it("given a corrected finding, when it is corrected again, then the history keeps both earlier versions with their makers", () => {
    const once = decideCorrectFinding(concluded, "f1", "二", { by: fix("一改") }).state;
    const twice = decideCorrectFinding(once, "f1", "三", { by: fix("再改") }).state.findings[0]!;
    expect(twice).toMatchObject({ text: "三", version: 3, revised: fix("再改") });
    expect(twice.history).toEqual([
      { version: 1, text: "发现：三成企业未设合规岗", made: by("调研") },
      { version: 2, text: "二", made: fix("一改") },
    ]);
  });

  it("given a finding, when it is withdrawn, then it stays on record withdrawn; a further correction or withdrawal is refused", () => {
    const d = decideWithdrawFinding(concluded, "f1", { by: fix("重复记录") });
    expect(d.action).toBe("WithdrawResearchFinding");
    expect(d.state.findings[0]).toMatchObject({ text: finding.text, withdrawn: true, version: 2, revised: fix("重复记录") });
    expect(refusal(() => decideCorrectFinding(d.state, "f1", "x", { by: fix("x") }))).toEqual({
      kind: "FAILED_PRECONDITION",
      type: "RESEARCH_ITEM_WITHDRAWN",
    });
    expect(refusal(() => decideWithdrawFinding(d.state, "f1", { by: fix("x") }))).toEqual({
      kind: "FAILED_PRECONDITION",
      type: "RESEARCH_ITEM_WITHDRAWN",
    });
  });

  it("given an outcome, when its summary is corrected, then the link stays and the earlier summary is history", () => {
    const d = decideCorrectOutcome(concluded, "o1", "建议出台民营企业合规指引", { by: fix("措辞") });
    expect(d.action).toBe("CorrectResearchOutcome");
    expect(d.state.outcomes[0]).toMatchObject({
      summary: "建议出台民营企业合规指引",
      version: 2,
      link: outcome.link,
      history: [{ version: 1, text: "建议出台合规指引", made: by("记录") }],
    });
    // The artefact's service learns the corrected summary.
    expect(d.events.map((e) => e.descriptor)).toEqual([liaisonEvents.researchOutcomeLinked]);
    expect(d.events[0]!.data).toEqual(expect.objectContaining({ summary: "建议出台民营企业合规指引", audit: fix("措辞") }));
  });

  it("given a linked outcome, when it is withdrawn, then ResearchOutcomeLinkWithdrawn names what it had become", () => {
    const d = decideWithdrawOutcome(concluded, "o1", { by: fix("成果不成立") });
    expect(d.events.map((e) => [e.descriptor, e.to])).toEqual([
      [liaisonEvents.researchOutcomeLinkWithdrawn, [{ local: "research-links" }]],
    ]);
    expect(d.events[0]!.data).toEqual(expect.objectContaining({ outcomeId: "o1", targetId: "training-7" }));
  });

  it("given an unlinked outcome, when corrected or withdrawn, then nothing is published", () => {
    const unlinked = joint({ status: "CONCLUDED", outcomes: [{ ...outcome, link: undefined }] });
    expect(decideCorrectOutcome(unlinked, "o1", "x", { by: fix("x") }).events).toEqual([]);
    expect(decideWithdrawOutcome(unlinked, "o1", { by: fix("x") }).events).toEqual([]);
  });

  it("given an outcome, when it is withdrawn, then it can no longer be linked or corrected", () => {
    const d = decideWithdrawOutcome(concluded, "o1", { by: fix("成果不成立") });
    expect(d.action).toBe("WithdrawResearchOutcome");
    expect(d.state.outcomes[0]).toMatchObject({ withdrawn: true, version: 2 });
    expect(
      refusal(() => decideLinkOutcome(d.state, "o1", { kind: "BULLETIN", targetId: BULLETIN_ID }, undefined, { by: fix("x") })),
    ).toEqual({ kind: "FAILED_PRECONDITION", type: "OUTCOME_WITHDRAWN" });
    expect(refusal(() => decideCorrectOutcome(d.state, "o1", "x", { by: fix("x") }))).toEqual({
      kind: "FAILED_PRECONDITION",
      type: "RESEARCH_ITEM_WITHDRAWN",
    });
  });

  it("given unknown ids, when a finding or outcome is corrected or withdrawn, then NOT_FOUND", () => {
    expect(refusal(() => decideCorrectFinding(concluded, "f9", "x", { by: fix("x") }))).toEqual({ kind: "NOT_FOUND" });
    expect(refusal(() => decideWithdrawOutcome(concluded, "o9", { by: fix("x") }))).toEqual({ kind: "NOT_FOUND" });
  });
});
