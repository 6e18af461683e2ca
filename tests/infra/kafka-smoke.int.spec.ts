/**
 * Smoke test of the provisioned broker with kafkajs 2.2.4 (the client the services use):
 * explicit topic creation, keyed produce with headers, consumer-group read-back in per-key
 * order, and no auto-creation of topics.
 */
import { Kafka, Partitioners, logLevel, type Admin, type Consumer, type IHeaders, type Producer } from "kafkajs";
import { createTopicsAndWait, kafkaBrokers, uniqueNamespace, waitFor } from "../harness/kafka";

jest.setTimeout(60_000);

interface Received {
  key: string;
  value: string;
  partition: number;
  offset: string;
  headers: Record<string, string>;
}

function headersToStrings(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    out[name] = Array.isArray(value) ? value.map(String).join(",") : value.toString();
  }
  return out;
}

describe("Kafka smoke (kafkajs against the provisioned broker)", () => {
  const ns = uniqueNamespace("smoke");
  const kafka = new Kafka({
    clientId: ns,
    brokers: kafkaBrokers(),
    logLevel: logLevel.WARN,
    retry: { retries: 5, initialRetryTime: 100 },
  });
  let admin: Admin;
  let producer: Producer;
  const consumers: Consumer[] = [];

  beforeAll(async () => {
    admin = kafka.admin();
    await admin.connect();
    // Idempotent, as the relay's: a send retried after a partition's leader moved (a new topic's
    // leadership can settle after its metadata names a leader) then writes nothing twice. A
    // plain producer re-sent the partitions already written (one CI run read 32 of 30).
    producer = kafka.producer({
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();
  });

  afterAll(async () => {
    for (const consumer of consumers) await consumer.disconnect();
    await producer?.disconnect();
    await admin?.disconnect();
  });

  it("creates a topic explicitly and reads keyed messages back in per-key order, headers intact", async () => {
    const topic = `${ns}.events`;
    await createTopicsAndWait(admin, [{ topic, numPartitions: 3, replicationFactor: 1 }]);
    expect(await admin.listTopics()).toContain(topic);
    const [metadata] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
    expect(metadata?.partitions).toHaveLength(3);

    const keys = ["case-1", "case-2", "case-3", "case-4", "case-5", "case-6"];
    const perKey = 5;
    // Interleave keys across sends so per-key order is not an artefact of batching.
    for (let seq = 0; seq < perKey; seq++) {
      await producer.send({
        topic,
        messages: keys.map((key) => ({
          key,
          value: JSON.stringify({ key, seq }),
          headers: {
            seq: String(seq),
            "content-type": "application/json",
            "x-trace": `t-${key}-${seq}`,
          },
        })),
      });
    }

    const received: Received[] = [];
    const consumer = kafka.consumer({ groupId: `${ns}-group`, retry: { retries: 5 } });
    consumers.push(consumer);
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message, partition }) => {
        received.push({
          key: message.key?.toString() ?? "",
          value: message.value?.toString() ?? "",
          partition,
          offset: message.offset,
          headers: headersToStrings(message.headers),
        });
      },
    });

    const total = keys.length * perKey;
    await waitFor(async () => received.length >= total && received, {
      timeoutMs: 45_000,
      intervalMs: 100,
      what: `${total} messages on ${topic} (got ${received.length})`,
    });
    expect(received).toHaveLength(total);

    const partitionsUsed = new Set<number>();
    for (const key of keys) {
      const forKey = received.filter((r) => r.key === key);
      // Per-key order and headers.
      expect(forKey.map((r) => (JSON.parse(r.value) as { seq: number }).seq)).toEqual([0, 1, 2, 3, 4]);
      forKey.forEach((r, seq) => {
        expect(r.headers).toEqual({
          seq: String(seq),
          "content-type": "application/json",
          "x-trace": `t-${key}-${seq}`,
        });
      });
      // One key, one partition (DefaultPartitioner: murmur2 of the key, like the Java client).
      expect(new Set(forKey.map((r) => r.partition)).size).toBe(1);
      partitionsUsed.add(forKey[0]!.partition);
    }
    // Six keys over three partitions land on more than one of them.
    expect(partitionsUsed.size).toBeGreaterThan(1);

    // The group committed its progress.
    await consumer.stop();
    const committed = await waitFor(
      async () => {
        const offsets = await admin.fetchOffsets({ groupId: `${ns}-group`, topics: [topic] });
        const sum = offsets[0]!.partitions.reduce((acc, p) => acc + Math.max(0, Number(p.offset)), 0);
        return sum === total ? sum : undefined;
      },
      {
        timeoutMs: 10_000,
        intervalMs: 200,
        what: `committed offsets of ${ns}-group to reach ${total}`,
      },
    );
    expect(committed).toBe(total);
  });

  it("refuses to produce to a topic that does not exist (auto-creation is off)", async () => {
    const missing = `${ns}.missing`;
    // A client of its own with logging off: kafkajs logs the broker's expected
    // UNKNOWN_TOPIC_OR_PARTITION answers at ERROR level on each retry.
    const quietKafka = new Kafka({
      clientId: `${ns}-strict`,
      brokers: kafkaBrokers(),
      logLevel: logLevel.NOTHING,
    });
    const strictProducer = quietKafka.producer({
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
      retry: { retries: 1, initialRetryTime: 100, maxRetryTime: 500 },
    });
    await strictProducer.connect();
    try {
      await expect(strictProducer.send({ topic: missing, messages: [{ key: "k", value: "v" }] })).rejects.toThrow(
        /does not host this topic-partition|UNKNOWN_TOPIC_OR_PARTITION|not found/i,
      );
    } finally {
      await strictProducer.disconnect();
    }
    const topics = await admin.listTopics();
    expect(topics).not.toContain(missing);
  });
});
