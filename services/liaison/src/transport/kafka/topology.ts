import { channelsOf, topicSpecs, type Channel, type NodeIdentity, type TopicSpec } from "@jinlian/chassis";
import { SERVICE } from "../../app/support";

/**
 * The liaison topics at a node, from the stream catalogue: delivery topics to and from each peer
 * node, the node's local registry and alerts streams, and its dead-letter topic.
 */
export function liaisonChannels(node: NodeIdentity): Channel[] {
  return channelsOf(node.topicNamespace, node.jurisdictionCode, SERVICE);
}

/** The delivery topics addressed to this node. */
export function inboundTopics(node: NodeIdentity): string[] {
  return liaisonChannels(node)
    .filter((c) => c.role === "subscribe" && c.stream.kind === "delivery")
    .map((c) => c.topic);
}

export function liaisonDeadLetterTopic(node: NodeIdentity): string {
  return liaisonChannels(node).find((c) => c.stream.kind === "dead-letter")!.topic;
}

export function liaisonConsumerGroup(node: NodeIdentity): string {
  return liaisonChannels(node).find((c) => c.role === "subscribe" && c.stream.kind === "delivery")!.consumerGroup!;
}

export function liaisonTopics(node: NodeIdentity): TopicSpec[] {
  return topicSpecs(liaisonChannels(node));
}
