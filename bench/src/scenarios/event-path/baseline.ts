/**
 * Bare kafkajs end to end: an idempotent producer (acks -1, one request in flight, murmur2) sends
 * each event on its own as it falls due; a consumer in another group of the same process
 * (eachMessage, autoCommit) "handles" it by noting its arrival. Latency runs from the send call
 * to the arrival. The sustained pass sends 100 events per send, 4 sends at a time.
 */
import { Kafka, logLevel, Partitioners, type Consumer, type Producer } from "kafkajs";
import { benchEvent, kafkaMessage } from "../../lib/fixtures";
import type { ScenarioFactory } from "../../lib/protocol";
import { CONCURRENT_PARTITIONS } from "../consume-common";
import { Arrivals, measurePath, warmUp } from "../path-common";

export const create: ScenarioFactory = async (config) => {
  const kafka = new Kafka({ clientId: "bench-baseline-path", brokers: config.brokers, logLevel: logLevel.WARN });
  const producer: Producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
    allowAutoTopicCreation: false,
  });
  await producer.connect();
  const topic = config.topics.path;
  const arrivals = new Arrivals();
  const consumer: Consumer = kafka.consumer({
    groupId: `${config.namespace}.path-baseline-${config.runId}`,
    sessionTimeout: 30000,
    heartbeatInterval: 3000,
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: false });
  await consumer.run({
    autoCommit: true,
    partitionsConsumedConcurrently: CONCURRENT_PARTITIONS,
    eachMessage: async ({ message }) => arrivals.arrived(String(message.headers?.ce_id)),
  });
  const sendOne = async (i: number) => {
    const event = benchEvent(i);
    arrivals.sending(event.id);
    await producer.send({ topic, acks: -1, messages: [kafkaMessage(event)] });
  };

  return {
    async warmup() {
      await warmUp(arrivals, sendOne);
    },
    measure: () =>
      measurePath(arrivals, config.sizes, sendOne, async (events) => {
        await producer.send({ topic, acks: -1, messages: events.map(kafkaMessage) });
      }),
    async teardown() {
      await consumer.disconnect();
      await producer.disconnect();
    },
  };
};
