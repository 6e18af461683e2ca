/**
 * Bare kafkajs: the city's idempotent producer sends a bulletin to each of its districts in one
 * request; each district (a consumer group and a producer of its own, as a node has) notes the
 * delivery and sends a receipt back at once; the city's consumer notes the receipts.
 */
import { Kafka, logLevel, Partitioners, type Consumer, type Producer } from "kafkajs";
import { bulletinEvent, kafkaMessage, receiptEvent } from "../../lib/fixtures";
import type { ScenarioFactory } from "../../lib/protocol";
import { CONCURRENT_PARTITIONS } from "../consume-common";
import { createFanOutTopics, DISTRICTS, FanOut, fanOutTopics, measureFanOut, warmUpFanOut } from "../fan-out-common";

export const create: ScenarioFactory = async (config) => {
  const kafka = new Kafka({ clientId: "bench-baseline-fan", brokers: config.brokers, logLevel: logLevel.WARN });
  const topics = fanOutTopics(config.namespace, `baseline-${config.runId}`);
  const fan = new FanOut();
  const producer = (): Producer =>
    kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
      allowAutoTopicCreation: false,
    });
  const city = producer();
  const producers: Producer[] = [city];
  const consumers: Consumer[] = [];
  const admin = kafka.admin();
  await admin.connect();
  await createFanOutTopics(admin, topics);
  const consumer = async (group: string, reads: string[], each: (key: string) => Promise<void>) => {
    const groupId = `${config.namespace}.fan-baseline-${group}-${config.runId}`;
    const c = kafka.consumer({ groupId, sessionTimeout: 30000, heartbeatInterval: 3000 });
    consumers.push(c);
    await c.connect();
    await c.subscribe({ topics: reads, fromBeginning: true });
    await c.run({ partitionsConsumedConcurrently: CONCURRENT_PARTITIONS, eachMessage: async ({ message }) => each(String(message.key)) });
  };
  try {
    await city.connect();
    await Promise.all(
      DISTRICTS.map(async (d) => {
        const p = producer();
        producers.push(p);
        await p.connect();
        await consumer(d, [topics.down(d)], async (bulletinId) => {
          fan.delivered(bulletinId);
          await p.send({ topic: topics.up(d), acks: -1, messages: [kafkaMessage(receiptEvent(bulletinId, d))] });
        });
      }),
    );
    await consumer(
      "city",
      DISTRICTS.map((d) => topics.up(d)),
      async (bulletinId) => fan.receipt(bulletinId),
    );
  } catch (err) {
    await admin.disconnect();
    throw err;
  }
  const send = async (bulletinId: string, districts: readonly string[]) => {
    fan.sent(bulletinId, districts.length);
    const message = kafkaMessage(bulletinEvent(bulletinId));
    await city.sendBatch({ acks: -1, topicMessages: districts.map((d) => ({ topic: topics.down(d), messages: [message] })) });
  };
  return {
    warmup: () => warmUpFanOut(fan, send),
    measure: () => measureFanOut(fan, config.sizes, send),
    async teardown() {
      await Promise.all(consumers.map((c) => c.disconnect()));
      await Promise.all(producers.map((p) => p.disconnect()));
      await admin.deleteTopics({ topics: topics.all });
      await admin.disconnect();
    },
  };
};
