import { channelsOf, topicSpecs, type Channel, type NodeIdentity, type TopicSpec } from "@jinlian/chassis";
import { SERVICE } from "../../app/events";

/**
 * The bulletins topics at a node, from the stream catalogue: delivery topics to and from each
 * peer node (the city and each district), this node's dead-letter topic, and the node's liaison
 * registry topic it projects organisations from. A node reads only the delivery topics addressed
 * to it.
 */
export function bulletinsChannels(node: NodeIdentity): Channel[] {
  return channelsOf(node.topicNamespace, node.jurisdictionCode, SERVICE);
}

function deliveryChannels(node: NodeIdentity): Channel[] {
  return bulletinsChannels(node).filter((c) => c.role === "subscribe" && c.stream.kind === "delivery");
}

/** The delivery topics addressed to this node. */
export function inboundTopics(node: NodeIdentity): string[] {
  return deliveryChannels(node).map((c) => c.topic);
}

export function bulletinsDeadLetterTopic(node: NodeIdentity): string {
  return bulletinsChannels(node).find((c) => c.stream.kind === "dead-letter")!.topic;
}

/** The consumer group of the deliveries consumer. */
export function bulletinsConsumerGroup(node: NodeIdentity): string {
  return deliveryChannels(node)[0]!.consumerGroup!;
}

/** The node-local topics of the liaison registry that bulletins projects organisations from. */
function registryChannels(node: NodeIdentity): Channel[] {
  return bulletinsChannels(node).filter((c) => c.role === "subscribe" && c.stream.kind === "local" && c.stream.name === "registry");
}

export function registryTopics(node: NodeIdentity): string[] {
  return registryChannels(node).map((c) => c.topic);
}

/** The consumer group of the organisations consumer (its own, so it replays the registry from the start). */
export function organisationsConsumerGroup(node: NodeIdentity): string {
  return registryChannels(node)[0]!.consumerGroup!;
}

export function bulletinsTopics(node: NodeIdentity): TopicSpec[] {
  return topicSpecs(bulletinsChannels(node));
}
