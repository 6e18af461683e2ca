import type { Admin, ITopicConfig } from "kafkajs";

/**
 * Topic names carry the jurisdiction of the node that writes them, so clusters can later be
 * mirrored (MirrorMaker 2, identity replication) without renaming:
 *   <namespace>.<from>.<service>.to.<to>   deliveries from one node to another
 *   <namespace>.<node>.<service>.dlq        messages a node's consumers could not handle
 * The namespace ("jinlian" by default) keeps environments apart on a shared broker.
 */
export function deliveryTopic(namespace: string, service: string, from: string, to: string): string {
  return `${namespace}.${from}.${service}.to.${to}`;
}

export function deadLetterTopic(namespace: string, node: string, service: string): string {
  return `${namespace}.${node}.${service}.dlq`;
}

export function consumerGroupId(namespace: string, node: string, service: string, consumer: string): string {
  return `${namespace}.${node}.${service}.${consumer}`;
}

export interface TopicSpec {
  topic: string;
  partitions: number;
  /** e.g. { "retention.ms": "-1" }. */
  configs?: Record<string, string>;
}

/** Deliveries are kept so a node that joins late can replay them; the volume is small. */
export function deliveryTopicSpec(topic: string): TopicSpec {
  return { topic, partitions: 3, configs: { "retention.ms": "-1", "cleanup.policy": "delete" } };
}

export function deadLetterTopicSpec(topic: string): TopicSpec {
  return { topic, partitions: 1, configs: { "retention.ms": String(30 * 24 * 3600 * 1000) } };
}

/** Creates the topics that do not exist yet (topics are never auto-created). */
export async function ensureTopics(admin: Admin, specs: readonly TopicSpec[]): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const missing = specs.filter((s) => !existing.has(s.topic));
  if (missing.length === 0) return;
  const topics: ITopicConfig[] = missing.map((s) => ({
    topic: s.topic,
    numPartitions: s.partitions,
    configEntries: Object.entries(s.configs ?? {}).map(([name, value]) => ({ name, value })),
  }));
  try {
    await admin.createTopics({ topics, waitForLeaders: true });
  } catch (err) {
    // Another node may have created some of them meanwhile; that is fine.
    if ((err as { type?: string }).type !== "TOPIC_ALREADY_EXISTS") throw err;
  }
}
