import { Subscriber, typesAllowedOn, type EventDescriptor, type PartitionLag, type ReceivedEvent } from "@jinlian/subscriber";
import type { Knex } from "knex";
import type { Kafka, Producer } from "kafkajs";
import { ApplicationError } from "../common/errors";
import type { Logger } from "../logging/logger";

/** A handler applied inside the transaction that also records the event in the inbox. */
export interface InboxBinding {
  readonly descriptor: EventDescriptor<never>;
  readonly handle: (event: ReceivedEvent<never>, trx: Knex.Transaction) => Promise<void>;
}

export function inboxHandler<T>(
  descriptor: EventDescriptor<T>,
  handle: (event: ReceivedEvent<T>, trx: Knex.Transaction) => Promise<void>,
): InboxBinding {
  return { descriptor: descriptor as EventDescriptor<never>, handle: handle as InboxBinding["handle"] };
}

export interface EventConsumerOptions {
  kafka: Kafka;
  db: Knex;
  /** Names the consumer in the inbox, spans, metrics and logs, e.g. "deliveries". */
  name: string;
  groupId: string;
  topics: readonly string[];
  handlers: readonly InboxBinding[];
  deadLetterTopic: string;
  producer: Producer;
  logger: Logger;
  maxAttempts?: number;
  retryBackoffMs?: number;
}

const TRANSIENT_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "57P01", "57P03", "53300", "40001", "40P01"]);

/** Infrastructure trouble (database down, serialization conflict): retry, never dead-letter. */
export function isTransientDatabaseError(err: unknown): boolean {
  const e = err as { code?: string; name?: string };
  return (e.code !== undefined && (TRANSIENT_CODES.has(e.code) || e.code.startsWith("08"))) || e.name === "KnexTimeoutError";
}

/**
 * A service's idempotent consumer: the subscriber SDK (ordered, commit after success, dead
 * letters) with each event applied at most once through the inbox table (consumer, source, id),
 * inserted in the same transaction as the handler's effects. An event the handler refuses with an
 * application error is dead-lettered at once; database outages are retried, never dead-lettered.
 */
export class EventConsumer {
  private readonly subscriber: Subscriber;

  constructor(options: EventConsumerOptions) {
    const log = options.logger.child({ component: "consumer", consumer: options.name });
    this.subscriber = new Subscriber({
      kafka: options.kafka,
      name: options.name,
      groupId: options.groupId,
      topics: options.topics,
      deadLetterTopic: options.deadLetterTopic,
      producer: options.producer,
      logger: log,
      maxAttempts: options.maxAttempts,
      retryBackoffMs: options.retryBackoffMs,
      isTransient: isTransientDatabaseError,
      isPermanent: (err) => err instanceof ApplicationError,
    });
    for (const binding of options.handlers) {
      // Only types the catalogue declares on these topics are handled (a district reads no read
      // receipts, the city no publications); anything else that arrives is skipped.
      if (!options.topics.some((t) => typesAllowedOn(t).includes(binding.descriptor.type))) continue;
      this.subscriber.on(binding.descriptor, (event) =>
        options.db.transaction(async (trx) => {
          const fresh = await trx("inbox")
            .insert({ consumer: options.name, event_source: event.source, event_id: event.id, event_type: event.type })
            .onConflict(["consumer", "event_source", "event_id"])
            .ignore()
            .returning("event_id");
          if (fresh.length === 0) {
            log.debug({ id: event.id, type: event.type }, "duplicate event ignored");
            return;
          }
          await binding.handle(event, trx);
        }),
      );
    }
  }

  start(): Promise<void> {
    return this.subscriber.start();
  }

  stop(): Promise<void> {
    return this.subscriber.stop();
  }

  lag(): Promise<PartitionLag[]> {
    return this.subscriber.lag();
  }
}
