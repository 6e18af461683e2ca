import {
  consumerGroupId,
  deadLetterTopic,
  deadLetterTopicSpec,
  deliveryTopic,
  deliveryTopicSpec,
  peersOf,
  type NodeIdentity,
  type TopicSpec,
} from "@jinlian/chassis";
import { SERVICE } from "../../app/events";

/**
 * Bulletins travel on delivery topics between peer nodes (the city and each district):
 * a bulletin addressed to district D is written by the city to <ns>.120000.bulletins.to.D, and D's
 * read receipts come back on <ns>.D.bulletins.to.120000. A node reads only topics addressed to it.
 */
export function outboundTopics(node: NodeIdentity): string[] {
  return peersOf(node.jurisdictionCode).map((peer) => deliveryTopic(node.topicNamespace, SERVICE, node.jurisdictionCode, peer));
}

export function inboundTopics(node: NodeIdentity): string[] {
  return peersOf(node.jurisdictionCode).map((peer) => deliveryTopic(node.topicNamespace, SERVICE, peer, node.jurisdictionCode));
}

export function bulletinsDeadLetterTopic(node: NodeIdentity): string {
  return deadLetterTopic(node.topicNamespace, node.jurisdictionCode, SERVICE);
}

export function bulletinsConsumerGroup(node: NodeIdentity): string {
  return consumerGroupId(node.topicNamespace, node.jurisdictionCode, SERVICE, "deliveries");
}

export function bulletinsTopics(node: NodeIdentity): TopicSpec[] {
  return [
    ...outboundTopics(node).map(deliveryTopicSpec),
    ...inboundTopics(node).map(deliveryTopicSpec),
    deadLetterTopicSpec(bulletinsDeadLetterTopic(node)),
  ];
}
