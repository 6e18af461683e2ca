import { channelsOf, topicSpecs, type Channel, type NodeIdentity, type TopicSpec } from "@jinlian/chassis";
import { SERVICE } from "../../domain/common";

/**
 * The mediation topics at a node, from the stream catalogue: its local streams (cases, alerts),
 * the delivery topics to and from each peer node, the dead-letter topic, and the local streams it
 * reads (the liaison registry; legal-services' providers and referrals).
 */
export function mediationChannels(node: NodeIdentity): Channel[] {
  return channelsOf(node.topicNamespace, node.jurisdictionCode, SERVICE);
}

export function mediationTopics(node: NodeIdentity): TopicSpec[] {
  return topicSpecs(mediationChannels(node));
}
