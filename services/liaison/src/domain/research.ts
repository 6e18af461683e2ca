/**
 * Joint research (art. 4): a topic studied together under a lead organisation, with mutual
 * invitations, findings, and outcome transformation (成果转化) — an outcome links by id to what it
 * became (a legislation proposal, a training, a bulletin), so the chain is traceable both ways.
 * Pure rules and decisions; persistence and the registry look-ups live in app/.
 */
import {
  AlreadyExistsError,
  FailedPreconditionError,
  InvalidArgumentError,
  isUuid,
  NotFoundError,
  textField,
  type AuditMetadata,
  type Decision,
  type Violations,
} from "@jinlian/chassis";
import { outcomeLinkedEvent, outcomeLinkWithdrawnEvent } from "./research-events";

export type ResearchStatus = "PROPOSED" | "ONGOING" | "CONCLUDED";
export type InvitationStatus = "PENDING" | "ACCEPTED" | "DECLINED";
export type TransformationKind = "LEGISLATION_PROPOSAL" | "TRAINING" | "BULLETIN";

export const RESEARCH_LIMITS = {
  topicChars: 200,
  descriptionChars: 4000,
  findingChars: 4000,
  outcomeSummaryChars: 2000,
} as const;

export interface Invitation {
  invitationId: string;
  organisationId: string;
  invitedByOrganisationId: string;
  status: InvitationStatus;
}

/** What the rules need to know of a project. */
export interface ResearchState {
  researchId: string;
  status: ResearchStatus;
  leadOrganisationId: string;
  invitations: readonly Invitation[];
}

/** What an outcome became: a kind of artefact and its id in the owning service. */
export interface OutcomeLink {
  kind: TransformationKind;
  targetId: string;
}

export interface OutcomeState {
  outcomeId: string;
  link?: OutcomeLink;
  withdrawn?: boolean;
}

/** An organisation as the registry knows it, or undefined when it is not registered. */
export interface Party {
  organisationId: string;
  status: "ACTIVE" | "DEACTIVATED";
}

function subject(state: ResearchState): string {
  return `research/${state.researchId}`;
}

// ---- Input rules (collected as field violations) ----

export interface Proposal {
  topic: string;
  description: string;
}

export function checkProposal(v: Violations, p: Proposal): Proposal {
  return {
    topic: textField(v, "topic", p.topic, { required: true, max: RESEARCH_LIMITS.topicChars }),
    description: textField(v, "description", p.description, { required: false, max: RESEARCH_LIMITS.descriptionChars }),
  };
}

export function checkFinding(v: Violations, text: string): string {
  return textField(v, "text", text, { required: true, max: RESEARCH_LIMITS.findingChars });
}

export function checkOutcomeSummary(v: Violations, summary: string): string {
  return textField(v, "summary", summary, { required: true, max: RESEARCH_LIMITS.outcomeSummaryChars });
}

/** An invitation is answered ACCEPTED or DECLINED; PENDING is not an answer. */
export function checkAnswer(v: Violations, answer: InvitationStatus | undefined): "ACCEPTED" | "DECLINED" | undefined {
  if (answer === "ACCEPTED" || answer === "DECLINED") return answer;
  v.add("answer", "must be INVITATION_STATUS_ACCEPTED or INVITATION_STATUS_DECLINED");
  return undefined;
}

/**
 * Checks the id of what an outcome became: a UUID in every case (a bulletin, a legislation draft
 * or plan item, a training), normalised to lower case as the owning services write them. Whether
 * it exists is checked against what those services announced (app/linkable-artefacts.ts).
 * Returns the normalised id.
 */
export function checkLinkTarget(
  v: Violations,
  kind: TransformationKind | undefined,
  targetId: string,
  fields: { kind: string; targetId: string },
): string {
  const id = targetId.trim();
  if (kind === undefined) v.add(fields.kind, "is required");
  if (id.length === 0) {
    v.add(fields.targetId, "is required");
    return id;
  }
  if (kind !== undefined && !isUuid(id)) v.add(fields.targetId, `must be a UUID (${TARGET_NAMES[kind]}) for TRANSFORMATION_KIND_${kind}`);
  return id.toLowerCase();
}

const TARGET_NAMES: Record<TransformationKind, string> = {
  LEGISLATION_PROPOSAL: "the id of a legislation draft or plan item",
  TRAINING: "the id of a legal-services training",
  BULLETIN: "the bulletin id",
};

/**
 * The optional link given with a new outcome: both kind and target, or neither. Returns the
 * normalised link, or undefined when none was given.
 */
export function checkOptionalLink(v: Violations, kind: TransformationKind | undefined, targetId: string): OutcomeLink | undefined {
  if (kind === undefined && targetId.trim().length === 0) return undefined;
  if (kind === undefined) {
    v.add("link_kind", "is required with link_target_id");
    return undefined;
  }
  if (targetId.trim().length === 0) {
    v.add("link_target_id", "is required with link_kind");
    return undefined;
  }
  return { kind, targetId: checkLinkTarget(v, kind, targetId, { kind: "link_kind", targetId: "link_target_id" }) };
}

// ---- Parties ----

/**
 * An organisation taking a role in a project must be registered (INVALID_ARGUMENT naming the
 * field otherwise: the caller named something that does not exist) and active (a deactivated
 * one stays on record but takes no new roles: FAILED_PRECONDITION).
 */
export function assertActiveParty(party: Party | undefined, field: string, organisationId: string): Party {
  if (!party) throw new InvalidArgumentError([{ field, description: "is not a registered organisation" }]);
  if (party.status !== "ACTIVE")
    throw new FailedPreconditionError([
      {
        type: "ORGANISATION_DEACTIVATED",
        subject: `organisation/${organisationId}`,
        description: `organisation ${organisationId} is deactivated and can take no new role in joint research`,
      },
    ]);
  return party;
}

/** Organisations that may invite others: the lead and every organisation that accepted. */
export function participants(state: ResearchState): string[] {
  return [state.leadOrganisationId, ...state.invitations.filter((i) => i.status === "ACCEPTED").map((i) => i.organisationId)];
}

// ---- Lifecycle ----

function notInStatus(state: ResearchState, type: string, description: string): FailedPreconditionError {
  return new FailedPreconditionError([{ type, subject: subject(state), description: `${description} (the project is ${state.status})` }]);
}

export interface InvitationRequest {
  organisationId: string;
  /** Empty: the lead invites. */
  invitedByOrganisationId: string;
}

/**
 * Decides an invitation (mutual invitations: the lead invites, and so may any organisation that
 * accepted, e.g. the federation invites a chamber of commerce). The registry's answers for the
 * invitee and the inviter are passed in (undefined = not registered).
 *
 * - the invitee must be registered (INVALID_ARGUMENT organisation_id), not the lead
 *   (INVALID_ARGUMENT organisation_id) and active (FAILED_PRECONDITION);
 * - the inviter must be registered (INVALID_ARGUMENT invited_by_organisation_id), the lead or an
 *   organisation that accepted (FAILED_PRECONDITION: it may become one) and active (FAILED_PRECONDITION);
 * - only while PROPOSED or ONGOING (FAILED_PRECONDITION);
 * - an organisation is invited at most once per project, whatever its answer (ALREADY_EXISTS).
 *
 * Returns the inviting organisation.
 */
export function decideInvitation(
  state: ResearchState,
  request: InvitationRequest,
  invitee: Party | undefined,
  inviter: Party | undefined,
): { invitedByOrganisationId: string } {
  const invitedBy = request.invitedByOrganisationId || state.leadOrganisationId;
  if (!invitee) throw new InvalidArgumentError([{ field: "organisation_id", description: "is not a registered organisation" }]);
  if (request.organisationId === state.leadOrganisationId)
    throw new InvalidArgumentError([{ field: "organisation_id", description: "is the lead organisation of the project" }]);
  if (!inviter) throw new InvalidArgumentError([{ field: "invited_by_organisation_id", description: "is not a registered organisation" }]);
  if (state.status === "CONCLUDED") throw notInStatus(state, "RESEARCH_CONCLUDED", "invitations are only made while PROPOSED or ONGOING");
  if (state.invitations.some((i) => i.organisationId === request.organisationId))
    throw new AlreadyExistsError(
      "research invitation",
      `${state.researchId}/${request.organisationId}`,
      `organisation ${request.organisationId} is already invited to research ${state.researchId}`,
    );
  if (!participants(state).includes(invitedBy))
    throw new FailedPreconditionError([
      {
        type: "INVITER_NOT_PARTICIPANT",
        subject: subject(state),
        description: `organisation ${invitedBy} may not invite: only the lead or an organisation that accepted an invitation may`,
      },
    ]);
  assertActiveParty(inviter, "invited_by_organisation_id", invitedBy);
  assertActiveParty(invitee, "organisation_id", request.organisationId);
  return { invitedByOrganisationId: invitedBy };
}

/**
 * Decides the answer to an invitation: only a PENDING invitation of a project that is not
 * concluded is answered, once; accepting needs the invitee to be still active (it takes a role).
 * The first acceptance starts the research (PROPOSED -> ONGOING).
 */
export function decideResponse(
  state: ResearchState,
  invitationId: string,
  answer: "ACCEPTED" | "DECLINED",
  invitee: Party | undefined,
): { invitation: Invitation; status: ResearchStatus } {
  const invitation = state.invitations.find((i) => i.invitationId === invitationId);
  if (!invitation) throw new NotFoundError("research invitation", `${state.researchId}/${invitationId}`);
  if (state.status === "CONCLUDED") throw notInStatus(state, "RESEARCH_CONCLUDED", "invitations can no longer be answered");
  if (invitation.status !== "PENDING")
    throw new FailedPreconditionError([
      {
        type: "INVITATION_ALREADY_ANSWERED",
        subject: `${subject(state)}/invitations/${invitationId}`,
        description: `the invitation was already answered ${invitation.status}`,
      },
    ]);
  if (answer === "ACCEPTED") assertActiveParty(invitee, "invitation_id", invitation.organisationId);
  const status = answer === "ACCEPTED" && state.status === "PROPOSED" ? "ONGOING" : state.status;
  return { invitation: { ...invitation, status: answer }, status };
}

export function assertCanRecordFinding(state: ResearchState): void {
  if (state.status !== "ONGOING") throw notInStatus(state, "RESEARCH_NOT_ONGOING", "findings are only recorded while ONGOING");
}

/** ONGOING -> CONCLUDED. */
export function conclude(state: ResearchState): ResearchStatus {
  if (state.status !== "ONGOING") throw notInStatus(state, "RESEARCH_NOT_ONGOING", "only an ONGOING project can be concluded");
  return "CONCLUDED";
}

export function assertCanRecordOutcome(state: ResearchState): void {
  if (state.status !== "CONCLUDED") throw notInStatus(state, "RESEARCH_NOT_CONCLUDED", "outcomes are only recorded once CONCLUDED");
}

export function sameLink(a: OutcomeLink, b: OutcomeLink): boolean {
  return a.kind === b.kind && a.targetId === b.targetId;
}

/**
 * Decides linking an outcome to what it became. An outcome becomes one artefact: linking again to
 * the same one changes nothing ("UNCHANGED"), to another is FAILED_PRECONDITION. An artefact comes
 * from one outcome (`linkedFrom` = the outcome already linked to it, if any): ALREADY_EXISTS
 * otherwise, so the chain is traceable both ways.
 */
export function decideLink(
  state: ResearchState,
  outcome: OutcomeState,
  link: OutcomeLink,
  linkedFrom: string | undefined,
): "LINKED" | "UNCHANGED" {
  if (outcome.withdrawn)
    throw new FailedPreconditionError([
      {
        type: "OUTCOME_WITHDRAWN",
        subject: `${subject(state)}/outcomes/${outcome.outcomeId}`,
        description: "the outcome was withdrawn; record a new one",
      },
    ]);
  if (outcome.link && sameLink(outcome.link, link)) return "UNCHANGED";
  if (outcome.link)
    throw new FailedPreconditionError([
      {
        type: "OUTCOME_ALREADY_LINKED",
        subject: `${subject(state)}/outcomes/${outcome.outcomeId}`,
        description: `the outcome is already linked to ${outcome.link.kind} ${outcome.link.targetId}`,
      },
    ]);
  if (linkedFrom !== undefined && linkedFrom !== outcome.outcomeId)
    throw new AlreadyExistsError(
      "research outcome link",
      `${link.kind}/${link.targetId}`,
      `${link.kind} ${link.targetId} is already linked from research outcome ${linkedFrom}`,
    );
  return "LINKED";
}

// ---- The aggregate and its decisions ----

/** Who changed something, why, when and where (common.v1.AuditMetadata). */
export type Stamp = AuditMetadata;

export interface InvitationRecord extends Invitation {
  invitedAt: Date;
  respondedAt?: Date | undefined;
}

/** An earlier version of a finding's text or an outcome's summary, and who made it. */
export interface TextVersion {
  version: number;
  text: string;
  made: Stamp;
}

/**
 * What findings and outcomes share: corrected (a new version; the earlier one kept as history)
 * or withdrawn (kept on record, final). `revised` is who made the latest correction or withdrawal.
 */
export interface Revisable {
  version: number;
  withdrawn: boolean;
  revised?: Stamp | undefined;
  history: readonly TextVersion[];
}

export interface Finding extends Revisable {
  findingId: string;
  text: string;
  recorded: Stamp;
}

/** What an outcome became, and who linked it. */
export interface RecordedLink extends OutcomeLink {
  linked: Stamp;
}

export interface Outcome extends Revisable {
  outcomeId: string;
  summary: string;
  recorded: Stamp;
  link?: RecordedLink | undefined;
}

/** How the registry names an organisation (common.v1.OrganisationRef). */
export interface PartyName {
  creditCode: string;
  jurisdictionCode: string;
  name: string;
}

/** A joint research project with everything that belongs to it, in the order things were added. */
export interface JointResearch extends ResearchState {
  /** How the registry names the parties, by organisation id (read with the project, for answers). */
  names?: ReadonlyMap<string, PartyName>;
  topic: string;
  description: string;
  revision: number;
  createdAt: Date;
  updatedAt: Date;
  invitations: readonly InvitationRecord[];
  findings: readonly Finding[];
  outcomes: readonly Outcome[];
}

/** What every decision about a project is given besides the command: who acts, why and when. */
export interface ResearchContext {
  by: Stamp;
}

const FIRST_VERSION: Revisable = Object.freeze({ version: 1, withdrawn: false, history: [] });

// A project is local to its node: only what its outcomes became is published (research-events.ts).
function changed(
  state: JointResearch,
  action: string,
  by: Stamp,
  patch: Partial<JointResearch>,
  events: Decision<JointResearch>["events"] = [],
): Decision<JointResearch> {
  return { state: { ...state, ...patch, updatedAt: by.occurTime }, action, events };
}

const linked = (o: Outcome): o is Outcome & { link: RecordedLink } => o.link !== undefined;

/** A new project, PROPOSED, led by an active registered organisation. */
export function decidePropose(
  proposal: Proposal,
  leadOrganisationId: string,
  lead: Party | undefined,
  ctx: ResearchContext & { researchId: string },
): Decision<JointResearch> {
  assertActiveParty(lead, "lead_organisation_id", leadOrganisationId);
  const at = ctx.by.occurTime;
  return {
    state: {
      researchId: ctx.researchId,
      topic: proposal.topic,
      description: proposal.description,
      leadOrganisationId,
      status: "PROPOSED",
      revision: 0,
      createdAt: at,
      updatedAt: at,
      invitations: [],
      findings: [],
      outcomes: [],
    },
    action: "ProposeJointResearch",
    events: [],
  };
}

/** Adds a PENDING invitation (rules: decideInvitation). */
export function decideInvite(
  state: JointResearch,
  request: InvitationRequest,
  invitee: Party | undefined,
  inviter: Party | undefined,
  ctx: ResearchContext & { invitationId: string },
): Decision<JointResearch> {
  const { invitedByOrganisationId } = decideInvitation(state, request, invitee, inviter);
  const invitation: InvitationRecord = {
    invitationId: ctx.invitationId,
    organisationId: request.organisationId,
    invitedByOrganisationId,
    status: "PENDING",
    invitedAt: ctx.by.occurTime,
  };
  return changed(state, "InviteToJointResearch", ctx.by, { invitations: [...state.invitations, invitation] });
}

/** Answers an invitation; the first acceptance starts the research (rules: decideResponse). */
export function decideRespond(
  state: JointResearch,
  invitationId: string,
  answer: "ACCEPTED" | "DECLINED",
  invitee: Party | undefined,
  ctx: ResearchContext,
): Decision<JointResearch> {
  const { status } = decideResponse(state, invitationId, answer, invitee);
  const invitations = state.invitations.map((i) =>
    i.invitationId === invitationId ? { ...i, status: answer, respondedAt: ctx.by.occurTime } : i,
  );
  return changed(state, "RespondToResearchInvitation", ctx.by, { status, invitations });
}

export function decideRecordFinding(
  state: JointResearch,
  text: string,
  ctx: ResearchContext & { findingId: string },
): Decision<JointResearch> {
  assertCanRecordFinding(state);
  const finding: Finding = { findingId: ctx.findingId, text, recorded: ctx.by, ...FIRST_VERSION };
  return changed(state, "RecordResearchFinding", ctx.by, { findings: [...state.findings, finding] });
}

export function decideConclude(state: JointResearch, ctx: ResearchContext): Decision<JointResearch> {
  return changed(state, "ConcludeJointResearch", ctx.by, { status: conclude(state) });
}

/**
 * Records an outcome of a concluded project, optionally already linked; `linkedFrom` is the
 * outcome (of any project here) already linked to that artefact, if any.
 */
export function decideRecordOutcome(
  state: JointResearch,
  summary: string,
  link: OutcomeLink | undefined,
  linkedFrom: string | undefined,
  ctx: ResearchContext & { outcomeId: string },
): Decision<JointResearch> {
  assertCanRecordOutcome(state);
  if (link) decideLink(state, { outcomeId: ctx.outcomeId }, link, linkedFrom);
  const outcome: Outcome = {
    outcomeId: ctx.outcomeId,
    summary,
    recorded: ctx.by,
    link: link && { ...link, linked: ctx.by },
    ...FIRST_VERSION,
  };
  const after = { ...state, outcomes: [...state.outcomes, outcome] };
  return changed(state, "RecordResearchOutcome", ctx.by, after, linked(outcome) ? [outcomeLinkedEvent(after, outcome, ctx.by)] : []);
}

/**
 * Links an outcome to what it became (rules: decideLink). Undefined when it is already linked to
 * that very artefact: nothing changes, no audit entry, no new revision.
 */
export function decideLinkOutcome(
  state: JointResearch,
  outcomeId: string,
  link: OutcomeLink,
  linkedFrom: string | undefined,
  ctx: ResearchContext,
): Decision<JointResearch> | undefined {
  const outcome = state.outcomes.find((o) => o.outcomeId === outcomeId);
  if (!outcome) throw new NotFoundError("research outcome", `${state.researchId}/${outcomeId}`);
  if (decideLink(state, outcome, link, linkedFrom) === "UNCHANGED") return undefined;
  const next = { ...outcome, link: { ...link, linked: ctx.by } };
  const outcomes = state.outcomes.map((o) => (o.outcomeId === outcomeId ? next : o));
  return changed(state, "LinkResearchOutcome", ctx.by, { outcomes }, [outcomeLinkedEvent({ ...state, outcomes }, next, ctx.by)]);
}

// ---- Corrections (a finding or outcome is corrected or withdrawn with a reason; history kept) ----

/**
 * What may be revised: a finding or outcome not withdrawn (final), of a project that has started
 * (findings exist only once ONGOING, outcomes once CONCLUDED; both stay correctable afterwards).
 */
function assertRevisable(state: JointResearch, item: Revisable, path: string): void {
  if (item.withdrawn)
    throw new FailedPreconditionError([
      { type: "RESEARCH_ITEM_WITHDRAWN", subject: `${subject(state)}/${path}`, description: "it was withdrawn; that is final" },
    ]);
}

/** The item at its next version: the current one goes to history. */
function revised<T extends Revisable>(item: T, currentText: string, by: Stamp, patch: Partial<T>, recorded: Stamp): T {
  return {
    ...item,
    ...patch,
    version: item.version + 1,
    revised: by,
    history: [...item.history, { version: item.version, text: currentText, made: item.revised ?? recorded }],
  };
}

function findingOf(state: JointResearch, findingId: string): Finding {
  const f = state.findings.find((x) => x.findingId === findingId);
  if (!f) throw new NotFoundError("research finding", `${state.researchId}/${findingId}`);
  assertRevisable(state, f, `findings/${findingId}`);
  return f;
}

function outcomeOf(state: JointResearch, outcomeId: string): Outcome {
  const o = state.outcomes.find((x) => x.outcomeId === outcomeId);
  if (!o) throw new NotFoundError("research outcome", `${state.researchId}/${outcomeId}`);
  assertRevisable(state, o, `outcomes/${outcomeId}`);
  return o;
}

/** Corrects a finding's text: a new version, the earlier one kept as history. */
export function decideCorrectFinding(state: JointResearch, findingId: string, text: string, ctx: ResearchContext): Decision<JointResearch> {
  const f = findingOf(state, findingId);
  const next = revised(f, f.text, ctx.by, { text }, f.recorded);
  return changed(state, "CorrectResearchFinding", ctx.by, { findings: state.findings.map((x) => (x.findingId === findingId ? next : x)) });
}

/** Withdraws a finding: kept on record as withdrawn. */
export function decideWithdrawFinding(state: JointResearch, findingId: string, ctx: ResearchContext): Decision<JointResearch> {
  const f = findingOf(state, findingId);
  const next = revised(f, f.text, ctx.by, { withdrawn: true }, f.recorded);
  return changed(state, "WithdrawResearchFinding", ctx.by, { findings: state.findings.map((x) => (x.findingId === findingId ? next : x)) });
}

/** Corrects an outcome's summary: a new version, the earlier one kept as history; its link stays. */
export function decideCorrectOutcome(
  state: JointResearch,
  outcomeId: string,
  summary: string,
  ctx: ResearchContext,
): Decision<JointResearch> {
  const o = outcomeOf(state, outcomeId);
  const next = revised(o, o.summary, ctx.by, { summary }, o.recorded);
  const outcomes = state.outcomes.map((x) => (x.outcomeId === outcomeId ? next : x));
  // The artefact's service shows the corrected summary.
  return changed(
    state,
    "CorrectResearchOutcome",
    ctx.by,
    { outcomes },
    linked(next) ? [outcomeLinkedEvent({ ...state, outcomes }, next, ctx.by)] : [],
  );
}

/**
 * Withdraws an outcome: kept on record as withdrawn, with its link shown; the link no longer
 * counts, so the artefact may be linked from another outcome and lists no longer find the project by it.
 */
export function decideWithdrawOutcome(state: JointResearch, outcomeId: string, ctx: ResearchContext): Decision<JointResearch> {
  const o = outcomeOf(state, outcomeId);
  const next = revised(o, o.summary, ctx.by, { withdrawn: true }, o.recorded);
  const outcomes = state.outcomes.map((x) => (x.outcomeId === outcomeId ? next : x));
  return changed(
    state,
    "WithdrawResearchOutcome",
    ctx.by,
    { outcomes },
    linked(next) ? [outcomeLinkWithdrawnEvent({ ...state, outcomes }, next, ctx.by)] : [],
  );
}
