/**
 * Drafts (草案): kind, drafting unit, the private-economy flags, numbered articles in versions
 * with a changelog, where they came from (art. 4), and the art. 5 review gate. Pure.
 */
import {
  emit,
  FailedPreconditionError,
  InvalidArgumentError,
  legislationEvents,
  toLocal,
  type Decision,
  type PreconditionViolation,
} from "@jinlian/chassis";
import type { Article } from "./articles";
import { draftKindCodec } from "./codecs";
import { at, type DecisionContext, type Stamp } from "./context";
import type { DraftKind } from "./kinds";
import type { StudyForGate } from "./study";

export type DraftStatus = "DRAFTING" | "UNDER_REVIEW";

export interface DraftVersion {
  readonly version: number;
  readonly articles: readonly Article[];
  readonly changelog: string;
  readonly stamp: Stamp;
}

/**
 * A research outcome of the liaison service that became this draft or its plan item (art. 4), as
 * liaison's events told (domain/origins.ts); read with the draft, not part of its document.
 */
export interface DraftOrigin {
  readonly researchId: string;
  readonly outcomeId: string;
  readonly summary: string;
  readonly linkedAt: Date;
  /** The research project's topic. */
  readonly topic?: string;
  /** What liaison linked: the draft itself, or the plan item it implements. */
  readonly targetId?: string;
}

export interface Draft {
  readonly draftId: string;
  readonly kind: DraftKind;
  readonly title: string;
  readonly draftingUnit: string;
  readonly concernsPrivateEconomy: boolean;
  readonly closelyConcernsMarketEntities: boolean;
  readonly planItemId: string;
  readonly status: DraftStatus;
  readonly versions: readonly DraftVersion[];
  readonly consultationOpened: boolean;
  readonly origins: readonly DraftOrigin[];
  readonly jurisdictionCode: string;
  readonly revision: number;
  readonly createdAt: Date;
}

export const latestVersion = (d: Draft): DraftVersion => d.versions[d.versions.length - 1]!;

export interface NewDraft {
  readonly kind: DraftKind;
  readonly title: string;
  readonly draftingUnit: string;
  readonly concernsPrivateEconomy: boolean;
  readonly closelyConcernsMarketEntities: boolean;
  readonly planItemId: string;
  readonly articles: readonly Article[];
}

function assertDrafting(d: Draft, what: string): void {
  if (d.status !== "DRAFTING")
    throw new FailedPreconditionError([
      { type: "DRAFT_UNDER_REVIEW", subject: `draft/${d.draftId}`, description: `the draft is under review: ${what}` },
    ]);
}

export function decideRegisterDraft(draftId: string, input: NewDraft, ctx: DecisionContext): Decision<Draft> {
  const { articles, ...rest } = input;
  const draft: Draft = {
    draftId,
    ...rest,
    status: "DRAFTING",
    versions: [{ version: 1, articles, changelog: "", stamp: ctx.stamp }],
    consultationOpened: false,
    origins: [],
    jurisdictionCode: ctx.here,
    revision: 0,
    createdAt: at(ctx),
  };
  return {
    state: draft,
    action: "RegisterDraft",
    // Other services of the node learn that this id exists (liaison validates research links with it).
    events: [
      emit(
        legislationEvents.draftRegistered,
        draftId,
        {
          draftId,
          kind: draftKindCodec.toProto(input.kind),
          title: input.title,
          planItemId: input.planItemId,
          jurisdictionCode: ctx.here,
          audit: ctx.stamp,
        },
        [toLocal("register")],
      ),
    ],
  };
}

/**
 * A new version. Allowed during an open round: the round keeps consulting the version it opened
 * on (opinions cite that version's articles); the new version is consulted in a later round.
 */
export function decideAddVersion(d: Draft, articles: readonly Article[], changelog: string, ctx: DecisionContext): Decision<Draft> {
  assertDrafting(d, "no new versions");
  const version: DraftVersion = { version: latestVersion(d).version + 1, articles, changelog, stamp: ctx.stamp };
  return { state: { ...d, versions: [...d.versions, version] }, action: "AddDraftVersion", events: [] };
}

export function decideSetFlags(
  d: Draft,
  flags: { concernsPrivateEconomy: boolean; closelyConcernsMarketEntities: boolean },
  reason: string,
): Decision<Draft> {
  assertDrafting(d, "its flags are settled");
  // Clearing the flag after consultation opened would lift the art. 5 gate: only with a recorded reason.
  if (d.concernsPrivateEconomy && !flags.concernsPrivateEconomy && d.consultationOpened && reason.length === 0)
    throw new InvalidArgumentError([
      { field: "reason", description: "is required to clear concerns_private_economy after a consultation round was opened" },
    ]);
  return { state: { ...d, ...flags }, action: "SetDraftFlags", events: [] };
}

/** Marks the draft consulted when a round opens on it (the round is the other aggregate of that change). */
export function decideMarkConsulted(d: Draft): Decision<Draft> {
  assertDrafting(d, "no new consultation rounds");
  return { state: { ...d, consultationOpened: true }, action: "OpenRound", events: [] };
}

/** What the review gate needs to know of each round held on the draft at this node. */
export interface RoundForGate {
  readonly roundId: string;
  readonly open: boolean;
  /** Positions (an opinion or a group of them) without a published answer. */
  readonly unanswered: readonly { positionId: string; opinions: number; firstOpinionId: string }[];
}

/**
 * The art. 5 gate: a draft that concerns the private economy moves to review (审核) only after a
 * round was held (and closed) and every opinion and group, and every finding of its symposia and
 * surveys (art. 6), has a published answer. Any draft waits for an open round to close and a
 * planned study to conclude. The refusal lists one violation per unanswered item.
 */
export function decideMoveToReview(d: Draft, rounds: readonly RoundForGate[], studies: readonly StudyForGate[] = []): Decision<Draft> {
  assertDrafting(d, "it already moved");
  const violations: PreconditionViolation[] = [];
  for (const r of rounds.filter((x) => x.open))
    violations.push({ type: "ROUND_OPEN", subject: `round/${r.roundId}`, description: `consultation round ${r.roundId} is still open` });
  for (const s of studies.filter((x) => x.open))
    violations.push({
      type: "STUDY_OPEN",
      subject: `study/${s.studyId}`,
      description: `symposium or survey ${s.studyId} has not concluded`,
    });
  if (d.concernsPrivateEconomy) {
    if (rounds.length === 0)
      violations.push({
        type: "CONSULTATION_NOT_HELD",
        subject: `draft/${d.draftId}`,
        description: "the draft concerns the private economy: an opinion solicitation round must be held first (art. 5)",
      });
    for (const r of rounds)
      for (const p of r.unanswered)
        violations.push({
          type: "OPINION_UNANSWERED",
          subject: p.opinions === 1 ? `round/${r.roundId}/opinion/${p.firstOpinionId}` : `round/${r.roundId}/position/${p.positionId}`,
          description:
            p.opinions === 1
              ? `opinion ${p.firstOpinionId} has no published answer`
              : `the group of ${p.opinions} opinions ${p.positionId} has no published answer`,
        });
    for (const s of studies)
      for (const findingId of s.unanswered)
        violations.push({
          type: "FINDING_UNANSWERED",
          subject: `study/${s.studyId}/finding/${findingId}`,
          description: `finding ${findingId} of symposium or survey ${s.studyId} has no published answer`,
        });
  }
  if (violations.length > 0) throw new FailedPreconditionError(violations);
  return { state: { ...d, status: "UNDER_REVIEW" }, action: "MoveDraftToReview", events: [] };
}
