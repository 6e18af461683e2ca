import {
  type Actor,
  assertUuid,
  type AuditMetadata,
  checkExpectedRevision as checkRevision,
  type Decision,
  isUuid,
  NotFoundError,
  pageOf,
  readPageRequest,
  type ServiceKit,
  textField,
  timeCursor,
  uuidField,
  validateExpectedRevision,
  Violations,
} from "@jinlian/chassis";
import type { Knex } from "knex";
import {
  checkAnswer,
  checkFinding,
  checkLinkTarget,
  checkOptionalLink,
  checkOutcomeSummary,
  checkProposal,
  decideConclude,
  decideCorrectFinding,
  decideCorrectOutcome,
  decideInvite,
  decideLinkOutcome,
  decidePropose,
  decideRecordFinding,
  decideRecordOutcome,
  decideRespond,
  decideWithdrawFinding,
  decideWithdrawOutcome,
  type InvitationStatus,
  type JointResearch,
  type Party,
  type ResearchStatus,
  type TransformationKind,
} from "../domain/research";
import { researchRepository as repo, researchStore as store, type ResearchListFilter } from "../persistence/research-repository";
import type { LinkableArtefacts } from "./linkable-artefacts";
import { findOrganisations, resolveOrganisationNames } from "./organisations";
import { REASON_MAX } from "./support";

/** Fields every mutation of a project carries. */
interface Mutation {
  researchId: string;
  expectedRevision: number;
  reason: string;
}

export interface ProposeInput {
  topic: string;
  leadOrganisationId: string;
  /** The lead by credit code ("" when not given; one of the two is required). */
  leadCreditCode?: string;
  description: string;
  reason: string;
}

export interface InviteInput extends Mutation {
  organisationId: string;
  creditCode?: string;
  /** Empty (and no credit code): the lead invites. */
  invitedByOrganisationId: string;
  invitedByCreditCode?: string;
}

/** A correction of a finding's text or an outcome's summary, or (text undefined) a withdrawal. */
export interface RevisionInput extends Mutation {
  itemId: string;
  text?: string;
}

export interface RespondInput extends Mutation {
  invitationId: string;
  answer: InvitationStatus | undefined;
}

export interface FindingInput extends Mutation {
  text: string;
}

export interface OutcomeInput extends Mutation {
  summary: string;
  linkKind: TransformationKind | undefined;
  linkTargetId: string;
}

export interface LinkInput extends Mutation {
  outcomeId: string;
  kind: TransformationKind | undefined;
  targetId: string;
}

export interface ListFilterInput {
  status?: ResearchStatus;
  leadOrganisationId: string;
  leadCreditCode?: string;
  participantOrganisationId?: string;
  participantCreditCode?: string;
  linkedKind?: TransformationKind;
  linkedTargetId: string;
  text: string;
}

/** A decision about an existing project, given it as it stands (undefined: nothing changes). */
type Decide = (
  before: JointResearch,
  by: AuditMetadata,
  trx: Knex.Transaction,
) => Decision<JointResearch> | undefined | Promise<Decision<JointResearch> | undefined>;

/** Collects the fields every project mutation validates the same way. */
function checkMutation(v: Violations, m: Mutation): string {
  uuidField(v, "research_id", m.researchId);
  validateExpectedRevision(v, m.expectedRevision);
  return textField(v, "reason", m.reason, { max: REASON_MAX });
}

/** The registry's answer for each organisation id, in the order given (undefined: not registered). */
async function partiesOf(trx: Knex.Transaction, organisationIds: readonly string[]): Promise<(Party | undefined)[]> {
  // FOR SHARE: a concurrent deactivation waits until the new role is committed (or refused).
  const found = await findOrganisations(trx, organisationIds, true);
  return organisationIds.map((id) => {
    const org = found.get(id);
    return org && { organisationId: org.organisationId, status: org.status };
  });
}

/**
 * Use cases of joint research (art. 4). A project is local to its node; only what its outcomes
 * became is published (research-links stream). Every mutation runs in one transaction, bumps the
 * project's revision and writes an audit entry.
 */
export class ResearchApp {
  constructor(
    private readonly kit: ServiceKit,
    /** What outcomes may link to: drafts, plan items and trainings the node's other services announced. */
    private readonly artefacts: LinkableArtefacts,
  ) {}

  /** A project with its invitations, findings and outcomes; NOT_FOUND when unknown. */
  async view(id: string, trx?: Knex.Transaction): Promise<JointResearch> {
    assertUuid(id, "research_id");
    // Outside a change, in a snapshot of its own: the project and its parts as one state.
    const research = await (trx ? repo.load(trx, id) : this.kit.snapshot((s) => repo.load(s, id)));
    if (!research) throw new NotFoundError("research", id);
    return research;
  }

  /**
   * Decides and applies a change of an existing project in `trx`: locked, and a stale expected
   * revision is ABORTED before any rule is looked at (as a caller retrying on a stale copy expects).
   */
  private async changeIn(trx: Knex.Transaction, m: Mutation, reason: string, actor: Actor, decide: Decide): Promise<JointResearch> {
    const before = await repo.load(trx, m.researchId, true);
    if (!before) throw new NotFoundError("research", m.researchId);
    checkRevision("research", m.researchId, before.revision, m.expectedRevision);
    const by = { actor, reason };
    const at = this.kit.now();
    const decision = await decide(before, this.kit.auditMetadata(by, at), trx);
    // The project as saved, its parties named as a read names them; as it was when nothing changed.
    return decision ? repo.named(trx, await this.kit.apply(trx, store, before, decision, by, m.expectedRevision, at)) : before;
  }

  /**
   * A change of a project at most once per request id, answered with the project as it saved it
   * (its rows hold the state, parts included; its parties' names read); a repeat with the project
   * as it stands.
   */
  private change(method: string, m: Mutation, reason: string, actor: Actor, decide: Decide): Promise<JointResearch> {
    return this.kit.change(
      `${method}:${m.researchId}`,
      actor,
      m.researchId,
      (trx) => this.changeIn(trx, m, reason, actor, decide),
      (id, trx) => this.view(id, trx),
    );
  }

  async propose(input: ProposeInput, actor: Actor): Promise<JointResearch> {
    const v = new Violations();
    const proposal = checkProposal(v, input);
    const leadCode = input.leadCreditCode ?? "";
    uuidField(v, "lead_organisation_id", input.leadOrganisationId.trim(), leadCode.trim() === "");
    const reason = textField(v, "reason", input.reason, { max: REASON_MAX });
    v.throwIfAny();
    const researchId = this.kit.newId();
    return this.kit.creation(
      "ProposeJointResearch",
      actor,
      researchId,
      async (trx) => {
        const [leadId] = await this.resolve(trx, [["lead_organisation_id", "lead_credit_code", input.leadOrganisationId, leadCode]]);
        const [lead] = await partiesOf(trx, [leadId!]);
        const by = { actor, reason };
        const at = this.kit.now();
        const ctx = { researchId, by: this.kit.auditMetadata(by, at) };
        return repo.named(trx, await this.kit.apply(trx, store, undefined, decidePropose(proposal, leadId!, lead, ctx), by, 0, at));
      },
      (id, trx) => this.view(id, trx),
    );
  }

  async invite(input: InviteInput, actor: Actor): Promise<JointResearch> {
    const v = new Violations();
    const reason = checkMutation(v, input);
    uuidField(v, "organisation_id", input.organisationId.trim(), (input.creditCode ?? "").trim() === "");
    uuidField(v, "invited_by_organisation_id", input.invitedByOrganisationId.trim(), false);
    v.throwIfAny();
    return this.change("InviteToJointResearch", input, reason, actor, async (before, by, trx) => {
      const [organisationId, invitedBy] = await this.resolve(trx, [
        ["organisation_id", "credit_code", input.organisationId, input.creditCode ?? ""],
        ["invited_by_organisation_id", "invited_by_credit_code", input.invitedByOrganisationId, input.invitedByCreditCode ?? ""],
      ]);
      const request = { organisationId: organisationId!, invitedByOrganisationId: invitedBy! };
      const [invitee, inviter] = await partiesOf(trx, [
        request.organisationId,
        request.invitedByOrganisationId || before.leadOrganisationId,
      ]);
      return decideInvite(before, request, invitee, inviter, { invitationId: this.kit.newId(), by });
    });
  }

  async respond(input: RespondInput, actor: Actor): Promise<JointResearch> {
    const v = new Violations();
    const reason = checkMutation(v, input);
    uuidField(v, "invitation_id", input.invitationId);
    const answer = checkAnswer(v, input.answer);
    v.throwIfAny();
    return this.change("RespondToResearchInvitation", input, reason, actor, async (before, by, trx) => {
      const invitation = before.invitations.find((i) => i.invitationId === input.invitationId);
      const [invitee] = invitation ? await partiesOf(trx, [invitation.organisationId]) : [];
      return decideRespond(before, input.invitationId, answer!, invitee, { by });
    });
  }

  async recordFinding(input: FindingInput, actor: Actor): Promise<JointResearch> {
    const v = new Violations();
    const reason = checkMutation(v, input);
    const text = checkFinding(v, input.text);
    v.throwIfAny();
    return this.change("RecordResearchFinding", input, reason, actor, (before, by) =>
      decideRecordFinding(before, text, { findingId: this.kit.newId(), by }),
    );
  }

  /** Corrects a finding's text (a new version; the earlier one kept as history). The reason is required. */
  async correctFinding(input: RevisionInput, actor: Actor): Promise<JointResearch> {
    const { reason, text } = this.checkRevision(input, "finding_id", (v) => checkFinding(v, input.text ?? ""));
    return this.change("CorrectResearchFinding", input, reason, actor, (before, by) =>
      decideCorrectFinding(before, input.itemId, text!, { by }),
    );
  }

  /** Withdraws a finding (kept on record as withdrawn). The reason is required. */
  async withdrawFinding(input: RevisionInput, actor: Actor): Promise<JointResearch> {
    const { reason } = this.checkRevision(input, "finding_id");
    return this.change("WithdrawResearchFinding", input, reason, actor, (before, by) =>
      decideWithdrawFinding(before, input.itemId, { by }),
    );
  }

  /** Corrects an outcome's summary (a new version; the earlier one kept as history). The reason is required. */
  async correctOutcome(input: RevisionInput, actor: Actor): Promise<JointResearch> {
    const { reason, text } = this.checkRevision(input, "outcome_id", (v) => checkOutcomeSummary(v, input.text ?? ""));
    return this.change("CorrectResearchOutcome", input, reason, actor, (before, by) =>
      decideCorrectOutcome(before, input.itemId, text!, { by }),
    );
  }

  /** Withdraws an outcome (kept on record; its link no longer counts). The reason is required. */
  async withdrawOutcome(input: RevisionInput, actor: Actor): Promise<JointResearch> {
    const { reason } = this.checkRevision(input, "outcome_id");
    return this.change("WithdrawResearchOutcome", input, reason, actor, (before, by) =>
      decideWithdrawOutcome(before, input.itemId, { by }),
    );
  }

  /** The fields of a correction or withdrawal: the item's id, and a reason, which is required. */
  private checkRevision(input: RevisionInput, idField: string, text?: (v: Violations) => string): { reason: string; text?: string } {
    const v = new Violations();
    checkMutation(v, input);
    uuidField(v, idField, input.itemId);
    const checked = text?.(v);
    const reason = input.reason.trim();
    if (reason === "") v.add("reason", "is required: say why the record is corrected or withdrawn");
    v.throwIfAny();
    return { reason, text: checked };
  }

  /** Registry ids of organisations named by id or credit code ([idField, codeField, id, code]); throws the violations. */
  private async resolve(db: Knex | Knex.Transaction, names: readonly [string, string, string, string][]): Promise<string[]> {
    const v = new Violations();
    const ids = await resolveOrganisationNames(
      db,
      v,
      names.map(([idField, creditCodeField, organisationId, creditCode]) => ({ idField, creditCodeField, organisationId, creditCode })),
    );
    v.throwIfAny();
    return ids;
  }

  async conclude(input: Mutation, actor: Actor): Promise<JointResearch> {
    const v = new Violations();
    const reason = checkMutation(v, input);
    v.throwIfAny();
    return this.change("ConcludeJointResearch", input, reason, actor, (before, by) => decideConclude(before, { by }));
  }

  /** Records an outcome, optionally already linked; answers with the project and the outcome's id. */
  async recordOutcome(input: OutcomeInput, actor: Actor): Promise<{ research: JointResearch; outcomeId: string }> {
    const v = new Violations();
    const reason = checkMutation(v, input);
    const summary = checkOutcomeSummary(v, input.summary);
    const link = checkOptionalLink(v, input.linkKind, input.linkTargetId);
    v.throwIfAny();
    const outcomeId = this.kit.newId();
    return this.kit.change(
      `RecordResearchOutcome:${input.researchId}`,
      actor,
      // Both ids, so that a repeat of the request answers with the same outcome.
      `${input.researchId}/${outcomeId}`,
      async (trx) => {
        const research = await this.changeIn(trx, input, reason, actor, async (before, by) => {
          if (link) await this.artefacts.assertKnown(trx, link, "link_target_id");
          return decideRecordOutcome(before, summary, link, link && (await repo.outcomeLinkedTo(trx, link)), { outcomeId, by });
        });
        return { research, outcomeId };
      },
      async (ids, trx) => {
        const [researchId, outcomeId] = ids.split("/") as [string, string];
        return { research: await this.view(researchId, trx), outcomeId };
      },
    );
  }

  /**
   * Links an outcome to what it became. Linking again to the same artefact is a no-op: no audit
   * entry, revision unchanged (the expected revision is still checked, as for every mutation).
   */
  async linkOutcome(input: LinkInput, actor: Actor): Promise<JointResearch> {
    const v = new Violations();
    const reason = checkMutation(v, input);
    uuidField(v, "outcome_id", input.outcomeId);
    const targetId = checkLinkTarget(v, input.kind, input.targetId, { kind: "kind", targetId: "target_id" });
    v.throwIfAny();
    const link = { kind: input.kind!, targetId };
    return this.change("LinkResearchOutcome", input, reason, actor, async (before, by, trx) => {
      // An unknown outcome is NOT_FOUND (decideLinkOutcome) before its target is looked at.
      if (before.outcomes.some((o) => o.outcomeId === input.outcomeId)) await this.artefacts.assertKnown(trx, link, "target_id");
      return decideLinkOutcome(before, input.outcomeId, link, await repo.outcomeLinkedTo(trx, link), { by });
    });
  }

  /** Projects newest first; `linkedTargetId` finds the project an artefact came from. */
  async list(
    input: ListFilterInput,
    pageSize: number,
    pageToken: string,
  ): Promise<{ items: JointResearch[]; nextPageToken: string; totalSize: number }> {
    const v = new Violations();
    const filter: ResearchListFilter = {};
    if (input.status) filter.status = input.status;
    if (input.linkedKind) filter.linkedKind = input.linkedKind;
    const lead = input.leadOrganisationId.trim();
    uuidField(v, "filter.lead_organisation_id", lead, false);
    const participant = (input.participantOrganisationId ?? "").trim();
    uuidField(v, "filter.participant_organisation_id", participant, false);
    const target = textField(v, "filter.linked_target_id", input.linkedTargetId, { max: 128 });
    // Target ids are stored in lower case; a UUID typed in upper case still finds its project.
    if (target) filter.linkedTargetId = isUuid(target) ? target.toLowerCase() : target;
    const topic = textField(v, "filter.text", input.text, { max: 200 });
    if (topic) filter.text = topic;
    // Either may be named by credit code (an unknown code is INVALID_ARGUMENT, as anywhere else);
    // resolved before paging, so a page token is bound to the organisations the filter names.
    const [leadId, participantId] = await resolveOrganisationNames(this.kit.db, v, [
      {
        idField: "filter.lead_organisation_id",
        creditCodeField: "filter.lead_credit_code",
        organisationId: lead,
        creditCode: input.leadCreditCode ?? "",
      },
      {
        idField: "filter.participant_organisation_id",
        creditCodeField: "filter.participant_credit_code",
        organisationId: participant,
        creditCode: input.participantCreditCode ?? "",
      },
    ]);
    if (leadId) filter.leadOrganisationId = leadId;
    if (participantId) filter.participantOrganisationId = participantId;
    const page = readPageRequest(v, filter, pageSize, pageToken, timeCursor);
    v.throwIfAny();
    const { projects, total } = await this.kit.snapshot((s) => repo.list(s, filter, page.after, page.size + 1));
    const { items, nextPageToken } = pageOf(projects, page, (r) => ({ key: r.createdAt.toISOString(), id: r.researchId }));
    return { items, nextPageToken, totalSize: total };
  }
}
