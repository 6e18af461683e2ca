import { channelsOf, topicSpecs, type Channel, type NodeIdentity, type TopicSpec } from "@jinlian/chassis";
import { SERVICE } from "../../domain/bulletin-events";

/**
 * The bulletins topics at a node, from the stream catalogue: delivery topics to and from each
 * peer node (the city and each district), this node's dead-letter topic, and the node's liaison
 * registry topic it projects organisations from. A node reads only the delivery topics addressed
 * to it.
 */
export function bulletinsChannels(node: NodeIdentity): Channel[] {
  return channelsOf(node.topicNamespace, node.jurisdictionCode, SERVICE);
}

export function bulletinsTopics(node: NodeIdentity): TopicSpec[] {
  return topicSpecs(bulletinsChannels(node));
}
