import { channelsOf, topicSpecs, type Channel, type NodeIdentity, type TopicSpec } from "@jinlian/chassis";
import { SERVICE } from "../../domain/common";

/**
 * The legal-services topics at a node, from the stream catalogue: its local streams (providers,
 * requests, referrals, alerts), the delivery topics to and from each peer node, the dead-letter
 * topic, and the liaison registry topic it projects organisations from.
 */
export function legalServicesChannels(node: NodeIdentity): Channel[] {
  return channelsOf(node.topicNamespace, node.jurisdictionCode, SERVICE);
}

export function legalServicesTopics(node: NodeIdentity): TopicSpec[] {
  return topicSpecs(legalServicesChannels(node));
}
