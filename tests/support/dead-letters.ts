import type { Kafka } from "kafkajs";
import { uniqueNamespace, waitFor } from "../harness/kafka";

export interface DeadLetter {
  /** jinlian_dlq_reason: MALFORMED, FORGED, REFUSED or HANDLER_FAILED. */
  reason: string;
  /** jinlian_dlq_check: the inbound check that refused the event before any handler ran, if one did. */
  check?: string;
  /** jinlian_dlq_error: why the consumer gave up on the message. */
  error: string;
  /** The original Kafka key. */
  key: string;
  /** ce_id of the original message ("undefined" when it had none). */
  eventId: string;
}

/** Reads a dead-letter topic from the beginning until at least `expected` letters are there. */
export async function readDeadLetters(
  kafka: Kafka,
  topic: string,
  expected: number,
  /** Counts only these (a topic shared with earlier tests holds their letters too); all when absent. */
  pick: (letter: DeadLetter) => boolean = () => true,
): Promise<DeadLetter[]> {
  const consumer = kafka.consumer({ groupId: uniqueNamespace("dlq-reader"), allowAutoTopicCreation: false });
  const out: DeadLetter[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      out.push({
        reason: String(message.headers?.jinlian_dlq_reason),
        error: String(message.headers?.jinlian_dlq_error),
        check: message.headers?.jinlian_dlq_check === undefined ? undefined : String(message.headers.jinlian_dlq_check),
        key: String(message.key),
        eventId: String(message.headers?.ce_id),
      });
    },
  });
  try {
    return await waitFor(async () => out.filter(pick).length >= expected && out.filter(pick), {
      timeoutMs: 30_000,
      intervalMs: 200,
      what: `${expected} dead letters on ${topic}`,
    });
  } finally {
    await consumer.disconnect();
  }
}
