import {
  context as otelContext,
  metrics,
  SpanKind,
  SpanStatusCode,
  trace,
  propagation,
  type TextMapGetter,
  type Context,
} from "@opentelemetry/api";
import type { Admin, Consumer, EachMessagePayload, Kafka, Producer } from "kafkajs";
import type { EventDescriptor } from "./catalogue";
import { fromKafkaMessage, MalformedEventError, type CloudEvent } from "./cloudevents";

/** The logging a subscriber does; pino loggers fit. */
export interface SubscriberLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

const silent: SubscriberLogger = { debug() {}, info() {}, warn() {}, error() {} };

/** An event as a handler sees it: CloudEvents attributes, typed data, and where it came from. */
export interface ReceivedEvent<T> {
  readonly type: string;
  readonly id: string;
  readonly source: string;
  readonly subject: string;
  readonly time: Date;
  readonly data: T;
  /** source + "/" + id: the same for every redelivery of this event, unique across events. */
  readonly idempotencyKey: string;
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly cloudEvent: CloudEvent;
}

export type EventHandler<T> = (event: ReceivedEvent<T>) => Promise<void>;

export interface SubscriberOptions {
  kafka: Kafka;
  /** Names the subscriber in spans, metrics, logs and dead-letter headers. */
  name: string;
  groupId: string;
  topics: readonly string[];
  deadLetterTopic: string;
  /** Producer for dead letters; one is created (and closed) by the subscriber if not given. */
  producer?: Producer;
  logger?: SubscriberLogger;
  /** Attempts at a failing handler before its message is dead-lettered. Default 3. */
  maxAttempts?: number;
  retryBackoffMs?: number;
  /** Failures of the world, not of the message (e.g. database down): retried without limit, never dead-lettered. */
  isTransient?: (err: unknown) => boolean;
  /** Failures that retrying cannot fix: dead-lettered at once. */
  isPermanent?: (err: unknown) => boolean;
  /** New groups start from the earliest offset (default), so a late subscriber replays history. */
  fromBeginning?: boolean;
}

export interface PartitionLag {
  topic: string;
  partition: number;
  /** Messages after the group's committed offset. */
  lag: number;
}

const headerGetter: TextMapGetter<Record<string, unknown>> = {
  keys: (c) => Object.keys(c),
  get: (c, k) => {
    const v = c[k];
    if (v === undefined || v === null) return undefined;
    return Buffer.isBuffer(v) ? v.toString("utf8") : String(v);
  },
};

/**
 * Subscribes to Jinlian streams: decodes CloudEvents (Kafka binary mode) and their protobuf data
 * into typed events, calls the handler registered for each type, one message at a time per
 * partition (per-aggregate order), and commits an offset only after its handler succeeded
 * (at-least-once; use idempotencyKey to apply each event once). Messages it cannot decode, and
 * handlers that keep failing, go to the dead-letter topic with the reason; consumption goes on.
 * Types without a handler are skipped, so new event types do not break old subscribers.
 */
export class Subscriber {
  private readonly handlers = new Map<string, { descriptor: EventDescriptor; handler: EventHandler<unknown> }>();
  private consumer?: Consumer;
  private producer?: Producer;
  private ownProducer = false;
  private admin?: Admin;
  private lagTimer?: NodeJS.Timeout;
  private lastLag: PartitionLag[] = [];
  private readonly log: SubscriberLogger;
  private readonly outcomes;
  private readonly deadLettered;

  constructor(private readonly options: SubscriberOptions) {
    this.log = options.logger ?? silent;
    const meter = metrics.getMeter("@jinlian/subscriber");
    this.outcomes = meter.createCounter("jinlian.consumer.events", { description: "Events consumed, by outcome" });
    this.deadLettered = meter.createCounter("jinlian.consumer.dead_lettered", { description: "Messages sent to a dead-letter topic" });
    meter.createObservableGauge("jinlian.consumer.lag", { description: "Messages not yet consumed, per partition" }).addCallback((r) => {
      for (const l of this.lastLag) r.observe(l.lag, { consumer: options.name, topic: l.topic, partition: l.partition });
    });
  }

  /** Registers the handler for one event type of the catalogue. */
  on<T>(descriptor: EventDescriptor<T>, handler: EventHandler<T>): this {
    if (this.handlers.has(descriptor.type)) throw new Error(`a handler for ${descriptor.type} is already registered`);
    this.handlers.set(descriptor.type, { descriptor: descriptor as EventDescriptor, handler: handler as EventHandler<unknown> });
    return this;
  }

  get types(): string[] {
    return [...this.handlers.keys()];
  }

  async start(): Promise<void> {
    if (this.options.producer) this.producer = this.options.producer;
    else {
      this.producer = this.options.kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
      this.ownProducer = true;
      await this.producer.connect();
    }
    const consumer = this.options.kafka.consumer({
      groupId: this.options.groupId,
      allowAutoTopicCreation: false,
      sessionTimeout: 30000,
      heartbeatInterval: 3000,
      retry: { initialRetryTime: 300, retries: 10, maxRetryTime: 5000 },
    });
    this.consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topics: [...this.options.topics], fromBeginning: this.options.fromBeginning ?? true });
    // eachMessage resolves an offset only after the handler returned; autoCommit then commits it.
    await consumer.run({ autoCommit: true, partitionsConsumedConcurrently: 1, eachMessage: (p) => this.onMessage(p) });
    this.admin = this.options.kafka.admin();
    await this.admin.connect();
    const refresh = () =>
      this.lag().then(
        (l) => (this.lastLag = l),
        () => undefined,
      );
    this.lagTimer = setInterval(refresh, 15_000);
    this.lagTimer.unref();
    this.log.info({ groupId: this.options.groupId, topics: this.options.topics.length, types: this.types }, "subscriber started");
  }

  async stop(): Promise<void> {
    clearInterval(this.lagTimer);
    await this.consumer?.disconnect();
    this.consumer = undefined;
    await this.admin?.disconnect();
    this.admin = undefined;
    if (this.ownProducer) await this.producer?.disconnect();
    this.producer = undefined;
  }

  /** Current lag of the group on each partition of its topics. */
  async lag(): Promise<PartitionLag[]> {
    const admin = this.admin ?? this.options.kafka.admin();
    if (!this.admin) await admin.connect();
    try {
      const committed = await admin.fetchOffsets({ groupId: this.options.groupId, topics: [...this.options.topics] });
      const out: PartitionLag[] = [];
      for (const t of committed) {
        const ends = await admin.fetchTopicOffsets(t.topic);
        for (const p of t.partitions) {
          const end = ends.find((e) => e.partition === p.partition);
          if (!end) continue;
          const from = Number(p.offset) >= 0 ? Number(p.offset) : Number(end.low);
          out.push({ topic: t.topic, partition: p.partition, lag: Math.max(0, Number(end.high) - from) });
        }
      }
      return out;
    } finally {
      if (!this.admin) await admin.disconnect();
    }
  }

  private async onMessage({ topic, partition, message, heartbeat }: EachMessagePayload): Promise<void> {
    let cloudEvent: CloudEvent;
    try {
      cloudEvent = fromKafkaMessage(message);
    } catch (err) {
      await this.deadLetter(topic, partition, message, err as Error, "MALFORMED", 0);
      return;
    }
    const registered = this.handlers.get(cloudEvent.type);
    if (!registered) {
      this.log.debug({ type: cloudEvent.type, id: cloudEvent.id }, "no handler for event type; skipped");
      this.outcomes.add(1, { consumer: this.options.name, outcome: "skipped" });
      return;
    }
    let data: unknown;
    try {
      data = registered.descriptor.codec.decode(cloudEvent.data);
    } catch (err) {
      await this.deadLetter(
        topic,
        partition,
        message,
        new MalformedEventError(`data is not a valid ${registered.descriptor.message}: ${(err as Error).message}`),
        "MALFORMED",
        0,
      );
      return;
    }
    const event: ReceivedEvent<unknown> = {
      type: cloudEvent.type,
      id: cloudEvent.id,
      source: cloudEvent.source,
      subject: cloudEvent.subject,
      time: cloudEvent.time,
      data,
      idempotencyKey: `${cloudEvent.source}/${cloudEvent.id}`,
      topic,
      partition,
      offset: message.offset,
      cloudEvent,
    };
    const parent: Context = propagation.extract(otelContext.active(), (message.headers ?? {}) as Record<string, unknown>, headerGetter);
    const span = trace.getTracer("@jinlian/subscriber").startSpan(
      `${topic} process`,
      {
        kind: SpanKind.CONSUMER,
        attributes: {
          "messaging.system": "kafka",
          "messaging.operation.type": "process",
          "messaging.destination.name": topic,
          "messaging.destination.partition.id": String(partition),
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
      await otelContext.with(trace.setSpan(parent, span), () => this.handle(registered.handler, event, message, heartbeat));
    } catch (err) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
      throw err;
    } finally {
      span.end();
    }
  }

  private async handle(
    handler: EventHandler<unknown>,
    event: ReceivedEvent<unknown>,
    message: EachMessagePayload["message"],
    heartbeat: () => Promise<void>,
  ): Promise<void> {
    const maxAttempts = this.options.maxAttempts ?? 3;
    for (let attempt = 1; ; attempt++) {
      try {
        await handler(event);
        this.outcomes.add(1, { consumer: this.options.name, outcome: "handled" });
        return;
      } catch (err) {
        if (this.options.isTransient?.(err)) {
          // Rethrown: kafkajs retries the message without committing; an outage never dead-letters.
          this.log.warn({ err: (err as Error).message, id: event.id }, "transient failure; will retry");
          throw err;
        }
        const permanent = err instanceof MalformedEventError || this.options.isPermanent?.(err) === true;
        if (permanent || attempt >= maxAttempts) {
          await this.deadLetter(
            event.topic,
            event.partition,
            message,
            err as Error,
            err instanceof MalformedEventError ? "MALFORMED" : permanent ? "REFUSED" : "HANDLER_FAILED",
            attempt,
          );
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
    reason: "MALFORMED" | "REFUSED" | "HANDLER_FAILED",
    attempts: number,
  ): Promise<void> {
    this.log.error({ topic, partition, offset: message.offset, reason, err: err.message, attempts }, "message dead-lettered");
    // If this send fails the error propagates and the message is retried: never dropped.
    await this.producer!.send({
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
