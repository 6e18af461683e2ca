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
 * Broker answers after which an idempotent producer's sequence state is lost for good: kafkajs
 * keeps the same producer id and sequence numbers, so every later send to the partition is
 * refused the same way (seen after "not the leader" retries while a just-created topic's leader
 * settles). Only a new producer id recovers.
 */
const PRODUCER_STATE_LOST = new Set([
  "OUT_OF_ORDER_SEQUENCE_NUMBER",
  "UNKNOWN_PRODUCER_ID",
  "INVALID_PRODUCER_EPOCH",
  "INVALID_PRODUCER_ID_MAPPING",
]);

export function producerStateLost(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== "object" || depth > 5) return false;
  const e = err as { type?: unknown; cause?: unknown; originalError?: unknown; errors?: unknown };
  if (typeof e.type === "string" && PRODUCER_STATE_LOST.has(e.type)) return true;
  return [e.cause, e.originalError, ...(Array.isArray(e.errors) ? e.errors : [])].some((inner) => producerStateLost(inner, depth + 1));
}

/**
 * An idempotent producer with one request in flight, so retries cannot reorder messages of a
 * partition; the inbox still deduplicates on the consumer side. When the broker says the
 * producer's sequence state is lost (see PRODUCER_STATE_LOST), the failed send is thrown as
 * usual (callers retry it) and the producer is replaced by a new one, with a new producer id,
 * for the next send: without that, the outbox relay would retry the same refused batch forever.
 */
export function createProducer(kafka: Kafka, logger?: Logger): Producer {
  const make = () =>
    kafka.producer({
      allowAutoTopicCreation: false,
      // Murmur2 like the Java client, so keys land on the same partitions from any language.
      createPartitioner: Partitioners.DefaultPartitioner,
      idempotent: true,
      maxInFlightRequests: 1,
      retry: { initialRetryTime: 300, retries: 3, maxRetryTime: 3000 },
    });
  let current = make();
  let wanted = false; // connect() called and no disconnect() since
  let ready = false; // `current` is connected
  let replacing: Promise<void> | undefined;
  const replace = (cause: unknown): Promise<void> =>
    (replacing ??= (async () => {
      const old = current;
      current = make();
      ready = false;
      logger?.warn(
        { component: "kafka-producer", err: (cause as Error)?.message },
        "the idempotent producer lost its sequence state; replaced by a new producer",
      );
      await old.disconnect().catch(() => undefined);
    })().finally(() => (replacing = undefined)));
  const use = async <R>(call: (p: Producer) => Promise<R>): Promise<R> => {
    if (replacing) await replacing;
    if (wanted && !ready) {
      await current.connect();
      ready = true;
    }
    try {
      return await call(current);
    } catch (err) {
      if (producerStateLost(err)) await replace(err);
      throw err;
    }
  };
  const producer: Partial<Producer> = {
    async connect() {
      wanted = true;
      await current.connect();
      ready = true;
    },
    async disconnect() {
      wanted = false;
      ready = false;
      await current.disconnect();
    },
    send: (record) => use((p) => p.send(record)),
    sendBatch: (batch) => use((p) => p.sendBatch(batch)),
    isIdempotent: () => true,
    events: current.events,
    on: ((event: never, listener: never) => current.on(event, listener)) as Producer["on"],
    transaction: () => current.transaction(),
    logger: () => current.logger(),
  };
  return producer as Producer;
}
