/**
 * Events of joint research (art. 4): a project is local to its node, and only what its outcomes
 * became is published, on the node's local research-links stream (compacted by outcome id), for
 * the service owning each artefact (legislation shows a draft's origins).
 */
import { emit, enumCodec, liaisonEvents, toLocal, type AuditMetadata, type EventToEmit } from "@jinlian/chassis";
import { liaisonV1 } from "@jinlian/proto";
import type { JointResearch, Outcome, RecordedLink } from "./research";

export const transformationKindCodec = enumCodec(liaisonV1.TransformationKind, "TRANSFORMATION_KIND_", [
  "LEGISLATION_PROPOSAL",
  "TRAINING",
  "BULLETIN",
] as const);

const LINKS = [toLocal("research-links")];

/** The outcome's link as it stands (made now, or its summary corrected while linked). */
export function outcomeLinkedEvent(state: JointResearch, o: Outcome & { link: RecordedLink }, audit: AuditMetadata): EventToEmit {
  return emit(
    liaisonEvents.researchOutcomeLinked,
    o.outcomeId,
    {
      researchId: state.researchId,
      outcomeId: o.outcomeId,
      topic: state.topic,
      summary: o.summary,
      kind: transformationKindCodec.toProto(o.link.kind),
      targetId: o.link.targetId,
      linkTime: o.link.linked.occurTime,
      audit,
    },
    LINKS,
  );
}

/** A linked outcome was withdrawn: the artefact no longer comes from it. */
export function outcomeLinkWithdrawnEvent(state: JointResearch, o: Outcome & { link: RecordedLink }, audit: AuditMetadata): EventToEmit {
  return emit(
    liaisonEvents.researchOutcomeLinkWithdrawn,
    o.outcomeId,
    {
      researchId: state.researchId,
      outcomeId: o.outcomeId,
      kind: transformationKindCodec.toProto(o.link.kind),
      targetId: o.link.targetId,
      audit,
    },
    LINKS,
  );
}
