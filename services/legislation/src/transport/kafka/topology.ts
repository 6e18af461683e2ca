import { channelsOf, topicSpecs, type NodeIdentity, type TopicSpec } from "@jinlian/chassis";
import { SERVICE } from "../../domain/kinds";

/** The legislation topics at a node, from the stream catalogue. */
export function legislationTopics(node: NodeIdentity): TopicSpec[] {
  return topicSpecs(channelsOf(node.topicNamespace, node.jurisdictionCode, SERVICE));
}
