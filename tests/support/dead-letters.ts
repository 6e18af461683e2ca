import type { Kafka } from "kafkajs";
import { uniqueNamespace, waitFor } from "../harness/kafka";

export interface DeadLetter {
  /** jinlian_dlq_reason: MALFORMED, REFUSED or HANDLER_FAILED. */
  reason: string;
  /** jinlian_dlq_error: why the consumer gave up on the message. */
  error: string;
  /** The original Kafka key. */
  key: string;
}

/** Reads a dead-letter topic from the beginning until at least `expected` letters are there. */
export async function readDeadLetters(kafka: Kafka, topic: string, expected: number): Promise<DeadLetter[]> {
  const consumer = kafka.consumer({ groupId: uniqueNamespace("dlq-reader"), allowAutoTopicCreation: false });
  const out: DeadLetter[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      out.push({
        reason: String(message.headers?.jinlian_dlq_reason),
        error: String(message.headers?.jinlian_dlq_error),
        key: String(message.key),
      });
    },
  });
  try {
    return await waitFor(async () => out.length >= expected && out, {
      timeoutMs: 30_000,
      intervalMs: 200,
      what: `${expected} dead letters on ${topic}`,
    });
  } finally {
    await consumer.disconnect();
  }
}
