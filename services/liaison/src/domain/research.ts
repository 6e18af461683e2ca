/**
 * Joint research (art. 4): a topic studied together under a lead organisation, with mutual
 * invitations, findings, and outcome transformation (成果转化) — an outcome links by id to what it
 * became (a legislation proposal, a training, a bulletin), so the chain is traceable both ways.
 * Pure rules; persistence and the registry look-ups live in app/.
 */
import {
  AlreadyExistsError,
  FailedPreconditionError,
  InvalidArgumentError,
  isUuid,
  NotFoundError,
  textField,
  type Violations,
} from "@jinlian/chassis";

export type ResearchStatus = "PROPOSED" | "ONGOING" | "CONCLUDED";
export type InvitationStatus = "PENDING" | "ACCEPTED" | "DECLINED";
export type TransformationKind = "LEGISLATION_PROPOSAL" | "TRAINING" | "BULLETIN";

export const RESEARCH_LIMITS = {
  topicChars: 200,
  descriptionChars: 4000,
  findingChars: 4000,
  outcomeSummaryChars: 2000,
  /** Ids of artefacts in services that do not mint UUIDs (legislation proposals, trainings). */
  opaqueTargetIdChars: 128,
} as const;

// Opaque ids travel in URLs and logs of other services: a conservative alphabet, no spaces.
const OPAQUE_ID = /^[A-Za-z0-9._:/-]+$/;

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
 * Checks the id of what an outcome became. A bulletin is named by its UUID (normalised to lower
 * case, as the bulletins service writes it); a legislation proposal or a training by an opaque id
 * of 1-128 characters from [A-Za-z0-9._:/-]. Returns the normalised id.
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
  if (kind === "BULLETIN") {
    if (!isUuid(id)) v.add(fields.targetId, "must be a UUID (the bulletin id) for TRANSFORMATION_KIND_BULLETIN");
    return id.toLowerCase();
  }
  if (id.length > RESEARCH_LIMITS.opaqueTargetIdChars)
    v.add(fields.targetId, `must be at most ${RESEARCH_LIMITS.opaqueTargetIdChars} characters`);
  else if (!OPAQUE_ID.test(id)) v.add(fields.targetId, "may only contain letters, digits and . _ : / -");
  return id;
}

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
