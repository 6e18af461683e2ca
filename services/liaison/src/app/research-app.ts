import { NotFoundError, pageOf, readPageRequest, textField, Violations } from "@jinlian/chassis";
import type { Knex } from "knex";
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
  type InvitationStatus,
  type OutcomeLink,
  type Party,
  type ResearchStatus,
  type TransformationKind,
} from "../domain/research";
import {
  linkOf,
  researchRepository as repo,
  researchStateOf,
  type LinkAudit,
  type ResearchListFilter,
  type ResearchRecord,
  type ResearchRow,
} from "../persistence/research-repository";
import { findOrganisation } from "./organisations";
import { assertId, checkExpectedRevision, checkId, checkRevision, isUuid, REASON_MAX, type Actor, type LiaisonContext } from "./support";

export type ResearchView = ResearchRecord;

/** Fields every mutation of a project carries. */
interface Mutation {
  researchId: string;
  expectedRevision: number;
  reason: string;
}

export interface ProposeInput {
  topic: string;
  leadOrganisationId: string;
  description: string;
  reason: string;
}

export interface InviteInput extends Mutation {
  organisationId: string;
  /** Empty: the lead invites. */
  invitedByOrganisationId: string;
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
  linkedKind?: TransformationKind;
  linkedTargetId: string;
  text: string;
}

const AGGREGATE = "research" as const;

/** Collects the fields every project mutation validates the same way. */
function checkMutation(v: Violations, m: Mutation): string {
  checkId(v, m.researchId, "research_id");
  checkExpectedRevision(v, m.expectedRevision);
  return textField(v, "reason", m.reason, { max: REASON_MAX });
}

async function partyOf(trx: Knex.Transaction, organisationId: string): Promise<Party | undefined> {
  // FOR SHARE: a concurrent deactivation waits until the new role is committed (or refused).
  const org = await findOrganisation(trx, organisationId, true);
  return org && { organisationId: org.organisationId, status: org.status };
}

/**
 * Use cases of joint research (art. 4). A project is local to its node (no events); every
 * mutation runs in one transaction, bumps the project's revision and writes an audit entry.
 */
export class ResearchApp {
  constructor(private readonly ctx: LiaisonContext) {}

  /** A project with its invitations, findings and outcomes; NOT_FOUND when unknown. */
  async view(id: string, db: Knex | Knex.Transaction = this.ctx.db): Promise<ResearchView> {
    assertId(id, "research_id");
    const row = await repo.find(db, id);
    if (!row) throw new NotFoundError("research", id);
    return (await this.assemble(db, [row]))[0]!;
  }

  private async assemble(db: Knex | Knex.Transaction, rows: ResearchRow[]): Promise<ResearchView[]> {
    const ids = rows.map((r) => r.research_id);
    const [invitations, findings, outcomes] = await Promise.all([
      repo.invitations(db, ids),
      repo.findings(db, ids),
      repo.outcomes(db, ids),
    ]);
    return rows.map((row) => ({
      row,
      invitations: invitations.filter((x) => x.research_id === row.research_id),
      findings: findings.filter((x) => x.research_id === row.research_id),
      outcomes: outcomes.filter((x) => x.research_id === row.research_id),
    }));
  }

  /** Loads a project for a change: locked, revision checked. */
  private async lock(trx: Knex.Transaction, m: Mutation): Promise<ResearchView> {
    const row = await repo.find(trx, m.researchId, true);
    if (!row) throw new NotFoundError("research", m.researchId);
    checkRevision("research", m.researchId, row.revision, m.expectedRevision);
    return (await this.assemble(trx, [row]))[0]!;
  }

  /** Records a change of the project: next revision, optionally a new status, the audit entry. */
  private async changed(
    trx: Knex.Transaction,
    current: ResearchRow,
    action: string,
    actor: Actor,
    reason: string,
    at: Date,
    status: ResearchStatus = current.status,
  ): Promise<void> {
    const revision = current.revision + 1;
    await repo.update(trx, current.research_id, { status, revision, updated_at: at });
    await this.ctx.audit(trx, { aggregateType: AGGREGATE, aggregateId: current.research_id, action, revision, actor, reason, at });
  }

  private linkAudit(actor: Actor, reason: string, at: Date): LinkAudit {
    return { actor: actor.subject, reason, requestId: actor.requestId, jurisdiction: this.ctx.here, at };
  }

  async propose(input: ProposeInput, actor: Actor): Promise<ResearchView> {
    const v = new Violations();
    const proposal = checkProposal(v, input);
    checkId(v, input.leadOrganisationId, "lead_organisation_id");
    const reason = textField(v, "reason", input.reason, { max: REASON_MAX });
    v.throwIfAny();
    return this.ctx.mutation(
      "ProposeJointResearch",
      actor,
      async (trx) => {
        assertActiveParty(await partyOf(trx, input.leadOrganisationId), "lead_organisation_id", input.leadOrganisationId);
        const id = this.ctx.newId();
        const now = this.ctx.now();
        await repo.insert(trx, {
          research_id: id,
          topic: proposal.topic,
          lead_organisation_id: input.leadOrganisationId,
          description: proposal.description,
          status: "PROPOSED",
          revision: 1,
          created_at: now,
          updated_at: now,
        });
        await this.ctx.audit(trx, {
          aggregateType: AGGREGATE,
          aggregateId: id,
          action: "ProposeJointResearch",
          revision: 1,
          actor,
          reason,
          at: now,
        });
        return id;
      },
      (id, trx) => this.view(id, trx),
    );
  }

  async invite(input: InviteInput, actor: Actor): Promise<ResearchView> {
    const v = new Violations();
    const reason = checkMutation(v, input);
    checkId(v, input.organisationId, "organisation_id");
    checkId(v, input.invitedByOrganisationId, "invited_by_organisation_id", false);
    v.throwIfAny();
    return this.ctx.mutation(
      `InviteToJointResearch:${input.researchId}`,
      actor,
      async (trx) => {
        const current = await this.lock(trx, input);
        const state = researchStateOf(current);
        const inviterId = input.invitedByOrganisationId || state.leadOrganisationId;
        const invitee = await partyOf(trx, input.organisationId);
        const inviter = await partyOf(trx, inviterId);
        const { invitedByOrganisationId } = decideInvitation(state, input, invitee, inviter);
        const now = this.ctx.now();
        await repo.insertInvitation(trx, {
          invitation_id: this.ctx.newId(),
          research_id: input.researchId,
          organisation_id: input.organisationId,
          invited_by_organisation_id: invitedByOrganisationId,
          status: "PENDING",
          invited_at: now,
          responded_at: null,
        });
        await this.changed(trx, current.row, "InviteToJointResearch", actor, reason, now);
        return input.researchId;
      },
      (id, trx) => this.view(id, trx),
    );
  }

  async respond(input: RespondInput, actor: Actor): Promise<ResearchView> {
    const v = new Violations();
    const reason = checkMutation(v, input);
    checkId(v, input.invitationId, "invitation_id");
    const answer = checkAnswer(v, input.answer);
    v.throwIfAny();
    return this.ctx.mutation(
      `RespondToResearchInvitation:${input.researchId}`,
      actor,
      async (trx) => {
        const current = await this.lock(trx, input);
        const state = researchStateOf(current);
        const invitee = state.invitations.find((i) => i.invitationId === input.invitationId);
        const party = invitee && (await partyOf(trx, invitee.organisationId));
        const decision = decideResponse(state, input.invitationId, answer!, party);
        const now = this.ctx.now();
        await repo.answerInvitation(trx, input.invitationId, decision.invitation.status, now);
        await this.changed(trx, current.row, "RespondToResearchInvitation", actor, reason, now, decision.status);
        return input.researchId;
      },
      (id, trx) => this.view(id, trx),
    );
  }

  async recordFinding(input: FindingInput, actor: Actor): Promise<ResearchView> {
    const v = new Violations();
    const reason = checkMutation(v, input);
    const finding = checkFinding(v, input.text);
    v.throwIfAny();
    return this.ctx.mutation(
      `RecordResearchFinding:${input.researchId}`,
      actor,
      async (trx) => {
        const current = await this.lock(trx, input);
        assertCanRecordFinding(researchStateOf(current));
        const now = this.ctx.now();
        await repo.insertFinding(trx, {
          finding_id: this.ctx.newId(),
          research_id: input.researchId,
          text: finding,
          actor: actor.subject,
          reason,
          request_id: actor.requestId,
          jurisdiction: this.ctx.here,
          recorded_at: now,
        });
        await this.changed(trx, current.row, "RecordResearchFinding", actor, reason, now);
        return input.researchId;
      },
      (id, trx) => this.view(id, trx),
    );
  }

  async conclude(input: Mutation, actor: Actor): Promise<ResearchView> {
    const v = new Violations();
    const reason = checkMutation(v, input);
    v.throwIfAny();
    return this.ctx.mutation(
      `ConcludeJointResearch:${input.researchId}`,
      actor,
      async (trx) => {
        const current = await this.lock(trx, input);
        const status = conclude(researchStateOf(current));
        await this.changed(trx, current.row, "ConcludeJointResearch", actor, reason, this.ctx.now(), status);
        return input.researchId;
      },
      (id, trx) => this.view(id, trx),
    );
  }

  /** Records an outcome, optionally already linked; answers with the project and the outcome's id. */
  async recordOutcome(input: OutcomeInput, actor: Actor): Promise<{ research: ResearchView; outcomeId: string }> {
    const v = new Violations();
    const reason = checkMutation(v, input);
    const summary = checkOutcomeSummary(v, input.summary);
    const link = checkOptionalLink(v, input.linkKind, input.linkTargetId);
    v.throwIfAny();
    return this.ctx.mutation(
      `RecordResearchOutcome:${input.researchId}`,
      actor,
      async (trx) => {
        const current = await this.lock(trx, input);
        const state = researchStateOf(current);
        assertCanRecordOutcome(state);
        const outcomeId = this.ctx.newId();
        if (link) decideLink(state, { outcomeId }, link, await repo.outcomeLinkedTo(trx, link));
        const now = this.ctx.now();
        await repo.insertOutcome(
          trx,
          { outcome_id: outcomeId, research_id: input.researchId, summary, recorded_at: now },
          link,
          this.linkAudit(actor, reason, now),
        );
        await this.changed(trx, current.row, "RecordResearchOutcome", actor, reason, now);
        // Both ids, so that a repeat of the request answers with the same outcome.
        return `${input.researchId}/${outcomeId}`;
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
  async linkOutcome(input: LinkInput, actor: Actor): Promise<ResearchView> {
    const v = new Violations();
    const reason = checkMutation(v, input);
    checkId(v, input.outcomeId, "outcome_id");
    const targetId = checkLinkTarget(v, input.kind, input.targetId, { kind: "kind", targetId: "target_id" });
    v.throwIfAny();
    const link: OutcomeLink = { kind: input.kind!, targetId };
    return this.ctx.mutation(
      `LinkResearchOutcome:${input.researchId}`,
      actor,
      async (trx) => {
        const current = await this.lock(trx, input);
        const outcome = current.outcomes.find((o) => o.outcome_id === input.outcomeId);
        if (!outcome) throw new NotFoundError("research outcome", `${input.researchId}/${input.outcomeId}`);
        const decision = decideLink(
          researchStateOf(current),
          { outcomeId: outcome.outcome_id, link: linkOf(outcome) },
          link,
          await repo.outcomeLinkedTo(trx, link),
        );
        if (decision === "UNCHANGED") return input.researchId;
        const now = this.ctx.now();
        await repo.linkOutcome(trx, outcome.outcome_id, link, this.linkAudit(actor, reason, now));
        await this.changed(trx, current.row, "LinkResearchOutcome", actor, reason, now);
        return input.researchId;
      },
      (id, trx) => this.view(id, trx),
    );
  }

  /** Projects newest first; `linkedTargetId` finds the project an artefact came from. */
  async list(
    input: ListFilterInput,
    pageSize: number,
    pageToken: string,
  ): Promise<{ items: ResearchView[]; nextPageToken: string; totalSize: number }> {
    const v = new Violations();
    const filter: ResearchListFilter = {};
    if (input.status) filter.status = input.status;
    if (input.linkedKind) filter.linkedKind = input.linkedKind;
    const lead = input.leadOrganisationId.trim();
    checkId(v, lead, "filter.lead_organisation_id", false);
    if (lead) filter.leadOrganisationId = lead;
    const target = textField(v, "filter.linked_target_id", input.linkedTargetId, { max: 128 });
    // Bulletin ids are stored in lower case; a UUID typed in upper case still finds its project.
    if (target) filter.linkedTargetId = isUuid(target) ? target.toLowerCase() : target;
    const topic = textField(v, "filter.text", input.text, { max: 200 });
    if (topic) filter.text = topic;
    const page = readPageRequest(v, filter, pageSize, pageToken);
    if (page.after && (Number.isNaN(Date.parse(page.after.key)) || !isUuid(page.after.id)))
      v.add("page.page_token", "is not a valid page token");
    v.throwIfAny();
    const { rows, total } = await repo.list(this.ctx.db, filter, page);
    const { items, nextPageToken } = pageOf(rows, page, (r) => ({ key: r.created_at.toISOString(), id: r.research_id }));
    return { items: await this.assemble(this.ctx.db, items), nextPageToken, totalSize: total };
  }
}
