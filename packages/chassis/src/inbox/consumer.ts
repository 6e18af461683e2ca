import { SpanKind, SpanStatusCode, trace, context as otelContext } from "@opentelemetry/api";
import type { Knex } from "knex";
import type { Consumer, EachMessagePayload, Kafka, Producer } from "kafkajs";
import { ApplicationError } from "../common/errors";
import type { Logger } from "../logging/logger";
import { fromKafkaMessage, MalformedEventError, type CloudEvent } from "../messaging/cloudevents";
import { meter } from "../telemetry/metrics";
import { extractTraceContext, tracer } from "../telemetry/tracing";

/**
 * Handles one event inside the transaction that also records it in the inbox. Decode the
 * protobuf data with the generated codec; throw MalformedEventError when it cannot be decoded.
 */
export type EventHandler = (event: CloudEvent, trx: Knex.Transaction) => Promise<void>;

export interface EventConsumerOptions {
  kafka: Kafka;
  db: Knex;
  /** Names the consumer in the inbox and in logs, e.g. "deliveries". */
  name: string;
  groupId: string;
  topics: readonly string[];
  /** By CloudEvents type. Events of other types are skipped (forward compatibility). */
  handlers: Readonly<Record<string, EventHandler>>;
  deadLetterTopic: string;
  /** Used for dead-lettering. */
  producer: Producer;
  logger: Logger;
  /** Attempts for an event whose handler fails before it is dead-lettered. */
  maxAttempts?: number;
  retryBackoffMs?: number;
}

const TRANSIENT_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "57P01", "57P03", "53300", "40001", "40P01"]);

/** Infrastructure trouble (database down, serialization conflict): retry, never dead-letter. */
function isTransient(err: unknown): boolean {
  const e = err as { code?: string; name?: string };
  return (e.code !== undefined && (TRANSIENT_CODES.has(e.code) || e.code.startsWith("08"))) || e.name === "KnexTimeoutError";
}

/**
 * An idempotent, ordered consumer: each partition is processed in order; each event is applied
 * at most once through the inbox table (consumer, source, id) in the same transaction as its
 * effects; the offset is committed only after that transaction. A message that cannot be
 * decoded, or whose handler keeps failing, goes to the dead-letter topic with the reason in its
 * headers, and the consumer goes on.
 */
export class EventConsumer {
  private consumer?: Consumer;
  private readonly log: Logger;
  private readonly processed;
  private readonly deadLettered;

  constructor(private readonly options: EventConsumerOptions) {
    this.log = options.logger.child({ component: "consumer", consumer: options.name });
    const m = meter();
    this.processed = m.createCounter("jinlian.consumer.events", { description: "Events consumed, by outcome" });
    this.deadLettered = m.createCounter("jinlian.consumer.dead_lettered", { description: "Messages sent to a dead-letter topic" });
  }

  async start(): Promise<void> {
    const consumer = this.options.kafka.consumer({
      groupId: this.options.groupId,
      allowAutoTopicCreation: false,
      sessionTimeout: 30000,
      heartbeatInterval: 3000,
      retry: { initialRetryTime: 300, retries: 10, maxRetryTime: 5000 },
    });
    this.consumer = consumer;
    await consumer.connect();
    // From the beginning for a new group: a node that joins late replays what it missed.
    await consumer.subscribe({ topics: [...this.options.topics], fromBeginning: true });
    await consumer.run({ autoCommit: true, partitionsConsumedConcurrently: 1, eachMessage: (p) => this.onMessage(p) });
    this.log.info({ topics: this.options.topics.length, groupId: this.options.groupId }, "consumer started");
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
    this.consumer = undefined;
  }

  private async onMessage({ topic, partition, message, heartbeat }: EachMessagePayload): Promise<void> {
    let event: CloudEvent;
    try {
      event = fromKafkaMessage(message);
    } catch (err) {
      await this.deadLetter(topic, partition, message, err as Error, 0);
      return;
    }
    const parent = extractTraceContext((message.headers ?? {}) as Record<string, unknown>);
    const span = tracer().startSpan(
      `${topic} process`,
      {
        kind: SpanKind.CONSUMER,
        attributes: {
          "messaging.system": "kafka",
          "messaging.operation.type": "process",
          "messaging.destination.name": topic,
          "messaging.consumer.group.name": this.options.groupId,
          "messaging.kafka.offset": Number(message.offset),
          "cloudevents.event_type": event.type,
          "cloudevents.event_id": event.id,
          "cloudevents.event_source": event.source,
        },
      },
      parent,
    );
    try {
      await otelContext.with(trace.setSpan(parent, span), () => this.handleWithRetries(topic, partition, message, event, heartbeat));
    } catch (err) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
      throw err;
    } finally {
      span.end();
    }
  }

  private async handleWithRetries(
    topic: string,
    partition: number,
    message: EachMessagePayload["message"],
    event: CloudEvent,
    heartbeat: () => Promise<void>,
  ): Promise<void> {
    const handler = this.options.handlers[event.type];
    if (!handler) {
      this.log.debug({ type: event.type, id: event.id }, "no handler for event type; skipped");
      this.processed.add(1, { consumer: this.options.name, outcome: "skipped" });
      return;
    }
    const maxAttempts = this.options.maxAttempts ?? 3;
    for (let attempt = 1; ; attempt++) {
      try {
        const fresh = await this.options.db.transaction(async (trx) => {
          const inserted = await trx("inbox")
            .insert({ consumer: this.options.name, event_source: event.source, event_id: event.id, event_type: event.type })
            .onConflict(["consumer", "event_source", "event_id"])
            .ignore()
            .returning("event_id");
          if (inserted.length === 0) return false;
          await handler(event, trx);
          return true;
        });
        this.processed.add(1, { consumer: this.options.name, outcome: fresh ? "applied" : "duplicate" });
        if (!fresh) this.log.debug({ id: event.id, type: event.type }, "duplicate event ignored");
        return;
      } catch (err) {
        if (isTransient(err)) {
          // Rethrow: kafkajs retries without committing; nothing is dead-lettered for an outage.
          this.log.warn({ err: (err as Error).message, id: event.id }, "transient failure; will retry");
          throw err;
        }
        // Bad data or a refused event will not get better by retrying.
        if (err instanceof MalformedEventError || err instanceof ApplicationError || attempt >= maxAttempts) {
          await this.deadLetter(topic, partition, message, err as Error, attempt);
          return;
        }
        this.log.warn({ err: (err as Error).message, id: event.id, attempt }, "handler failed; retrying");
        await new Promise((r) => setTimeout(r, (this.options.retryBackoffMs ?? 200) * attempt));
        await heartbeat();
      }
    }
  }

  private async deadLetter(
    topic: string,
    partition: number,
    message: EachMessagePayload["message"],
    err: Error,
    attempts: number,
  ): Promise<void> {
    const reason = err instanceof MalformedEventError ? "MALFORMED" : err instanceof ApplicationError ? "REFUSED" : "HANDLER_FAILED";
    this.log.error({ topic, partition, offset: message.offset, reason, err: err.message, attempts }, "message dead-lettered");
    // If this send fails, the error propagates and the message is retried: never dropped.
    await this.options.producer.send({
      topic: this.options.deadLetterTopic,
      acks: -1,
      messages: [
        {
          key: message.key,
          value: message.value,
          headers: {
            ...message.headers,
            jinlian_dlq_reason: reason,
            jinlian_dlq_error: err.message.slice(0, 1000),
            jinlian_dlq_topic: topic,
            jinlian_dlq_partition: String(partition),
            jinlian_dlq_offset: message.offset,
            jinlian_dlq_consumer: this.options.name,
            jinlian_dlq_attempts: String(attempts),
            jinlian_dlq_time: new Date().toISOString(),
          },
        },
      ],
    });
    this.deadLettered.add(1, { consumer: this.options.name, reason });
  }
}
