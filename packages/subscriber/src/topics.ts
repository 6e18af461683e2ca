import type { Admin, ITopicConfig } from "kafkajs";

/**
 * Topic names carry the jurisdiction of the node that writes them, so clusters can later be
 * mirrored (MirrorMaker 2, identity replication) without renaming:
 *   <namespace>.<from>.<service>.to.<to>   deliveries from one node to another
 *   <namespace>.<node>.<service>.dlq        messages a node's consumers could not handle
 *   <namespace>.<node>.<service>.<stream>   a node's local stream, e.g. the liaison registry
 * The namespace ("jinlian" by default) keeps environments apart on a shared broker.
 */
export function deliveryTopic(namespace: string, service: string, from: string, to: string): string {
  return `${namespace}.${from}.${service}.to.${to}`;
}

const DELIVERY = /^(\d{6})\.([a-z][a-z0-9-]*)\.to\.(\d{6})$/;

/**
 * The parts of a delivery topic: the inverse of deliveryTopic. Without a namespace, whatever comes
 * before the last four parts is taken as one. Undefined for local, dead-letter and foreign topics.
 */
export function parseDeliveryTopic(topic: string, namespace?: string): { from: string; service: string; to: string } | undefined {
  let rest: string;
  if (namespace !== undefined) {
    if (!topic.startsWith(`${namespace}.`)) return undefined;
    rest = topic.slice(namespace.length + 1);
  } else {
    const parts = topic.split(".");
    if (parts.length < 5 || parts.slice(0, -4).join(".") === "") return undefined;
    rest = parts.slice(-4).join(".");
  }
  const m = DELIVERY.exec(rest);
  return m ? { from: m[1]!, service: m[2]!, to: m[3]! } : undefined;
}

/** A node's own stream of a service, read by other services of the same node; never mirrored. */
export function localTopic(namespace: string, node: string, service: string, stream: string): string {
  return `${namespace}.${node}.${service}.${stream}`;
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

/**
 * Creates the topics that do not exist yet (topics are never auto-created) and waits until every
 * partition of every wanted topic has a leader: on KRaft a just-created topic can be briefly
 * unknown to the broker, which kafkajs does not retry (tulios/kafkajs#1563).
 */
export async function ensureTopics(admin: Admin, wanted: readonly TopicSpec[], timeoutMs = 30_000): Promise<void> {
  // A node-local stream is listed by the service writing it and by each service reading it.
  const specs = [...new Map(wanted.map((s) => [s.topic, s])).values()];
  const existing = new Set(await admin.listTopics());
  const missing = specs.filter((s) => !existing.has(s.topic));
  if (missing.length > 0) await createTopics(admin, missing);
  const names = specs.map((s) => s.topic);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: names });
      const ready = specs.every((s) => {
        const t = topics.find((m) => m.name === s.topic);
        return t !== undefined && t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0);
      });
      if (ready) return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
    }
    if (Date.now() > deadline) throw new Error(`topics without leaders after ${timeoutMs} ms: ${names.join(", ")}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function createTopics(admin: Admin, missing: readonly TopicSpec[]): Promise<void> {
  const topics: ITopicConfig[] = missing.map((s) => ({
    topic: s.topic,
    numPartitions: s.partitions,
    configEntries: Object.entries(s.configs ?? {}).map(([name, value]) => ({ name, value })),
  }));
  try {
    await admin.createTopics({ topics, waitForLeaders: false });
  } catch (err) {
    // Another node may have created some of them meanwhile; that is fine.
    if ((err as { type?: string }).type !== "TOPIC_ALREADY_EXISTS") throw err;
  }
}
