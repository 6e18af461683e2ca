import { channelsOf, topicSpecs, type Channel, type NodeIdentity, type TopicSpec } from "@jinlian/chassis";
import { SERVICE } from "../../app/events";

/**
 * The bulletins topics at a node, from the stream catalogue: delivery topics to and from each
 * peer node (the city and each district), and this node's dead-letter topic. A node reads only
 * the delivery topics addressed to it.
 */
export function bulletinsChannels(node: NodeIdentity): Channel[] {
  return channelsOf(node.topicNamespace, node.jurisdictionCode, SERVICE);
}

export function inboundTopics(node: NodeIdentity): string[] {
  return bulletinsChannels(node)
    .filter((c) => c.role === "subscribe")
    .map((c) => c.topic);
}

export function bulletinsDeadLetterTopic(node: NodeIdentity): string {
  return bulletinsChannels(node).find((c) => c.stream.kind === "dead-letter")!.topic;
}

export function bulletinsConsumerGroup(node: NodeIdentity): string {
  return bulletinsChannels(node).find((c) => c.role === "subscribe")!.consumerGroup!;
}

export function bulletinsTopics(node: NodeIdentity): TopicSpec[] {
  return topicSpecs(bulletinsChannels(node));
}
