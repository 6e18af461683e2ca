/**
 * Where a draft came from (art. 4): joint-research outcomes of the node's liaison service that
 * became a legislation proposal, linked to a draft or to a plan item, as liaison's research-links
 * stream tells. Pure: what a link event means here.
 */
import { InvalidArgumentError, isUuid } from "@jinlian/chassis";
import type { DraftOrigin } from "./draft";

/** A link as liaison published it (ResearchOutcomeLinked). */
export interface ResearchLink {
  readonly researchId: string;
  readonly outcomeId: string;
  readonly topic: string;
  readonly summary: string;
  /** True when the outcome became a legislation proposal; other kinds are not this service's. */
  readonly legislationProposal: boolean;
  readonly targetId: string;
  readonly linkedAt: Date | undefined;
}

/** What the link's target is at this node. */
export type LinkTarget = { type: "draft"; id: string } | { type: "plan"; id: string; planItemId: string };

/**
 * The origin a link records, or undefined when it is not this service's (a training, a bulletin).
 * A legislation proposal must name a draft or plan item of this node: liaison validated the id
 * against this node's register stream, so anything else is a malformed event (INVALID_ARGUMENT,
 * dead-lettered with the reason).
 */
export function originOf(link: ResearchLink, target: LinkTarget | undefined): (DraftOrigin & { targetId: string }) | undefined {
  if (!link.legislationProposal) return undefined;
  const problems = [];
  if (!isUuid(link.researchId)) problems.push({ field: "data.research_id", description: "must be a UUID" });
  if (!isUuid(link.outcomeId)) problems.push({ field: "data.outcome_id", description: "must be a UUID" });
  if (!link.linkedAt) problems.push({ field: "data.link_time", description: "is required" });
  if (!target) problems.push({ field: "data.target_id", description: `${link.targetId} is not a draft or plan item of this node` });
  if (problems.length > 0) throw new InvalidArgumentError(problems, `research outcome link ${link.outcomeId}`);
  return {
    researchId: link.researchId,
    outcomeId: link.outcomeId,
    summary: link.summary,
    topic: link.topic,
    linkedAt: link.linkedAt!,
    targetId: link.targetId,
  };
}
