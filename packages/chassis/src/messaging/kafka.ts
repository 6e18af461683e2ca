import { Kafka, logLevel, Partitioners, type LogEntry, type Producer } from "kafkajs";
import { kafkaClientSecurity, type KafkaSecurity } from "@jinlian/subscriber";
import type { Logger } from "../logging/logger";

export interface KafkaOptions {
  brokers: readonly string[];
  clientId: string;
  logger: Logger;
  security?: KafkaSecurity;
}

const LEVELS: Record<number, "error" | "warn" | "info" | "debug"> = {
  [logLevel.ERROR]: "error",
  [logLevel.WARN]: "warn",
  [logLevel.INFO]: "info",
  [logLevel.DEBUG]: "debug",
};

/** A kafkajs client whose logs go to the structured logger. */
export function createKafka(options: KafkaOptions): Kafka {
  const log = options.logger.child({ component: "kafkajs" });
  return new Kafka({
    clientId: options.clientId,
    brokers: [...options.brokers],
    ...kafkaClientSecurity(options.security),
    connectionTimeout: 3000,
    requestTimeout: 10000,
    retry: { initialRetryTime: 300, retries: 5, maxRetryTime: 5000 },
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log: entry }: LogEntry) => {
        const { message, ...rest } = entry;
        log[LEVELS[level] ?? "info"]({ ...rest, namespace: undefined }, message);
      },
  });
}

/**
 * An idempotent producer with one request in flight, so retries cannot reorder messages of a
 * partition; the inbox still deduplicates on the consumer side.
 */
export function createProducer(kafka: Kafka): Producer {
  return kafka.producer({
    allowAutoTopicCreation: false,
    // Murmur2 like the Java client, so keys land on the same partitions from any language.
    createPartitioner: Partitioners.DefaultPartitioner,
    idempotent: true,
    maxInFlightRequests: 1,
    retry: { initialRetryTime: 300, retries: 3, maxRetryTime: 3000 },
  });
}
