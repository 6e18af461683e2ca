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
import type { Admin, Consumer, EachBatchPayload, EachMessagePayload, Kafka, KafkaMessage, Producer } from "kafkajs";
import type { EventDescriptor } from "./catalogue";
import { fromKafkaMessage, MalformedEventError, type CloudEvent } from "./cloudevents";
import { checkPayload, checkSource, reasonOf, type InboundRefusal, type PayloadRules } from "./inbound";

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

/** jinlian_dlq_reason: why a message went to the dead-letter topic. */
export type DeadLetterReason = "MALFORMED" | "FORGED" | "REFUSED" | "HANDLER_FAILED";

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
  /**
   * Keeps what this subscriber cannot apply yet instead of skipping it: an event of a type its
   * contract version does not know (`knows` false; e.g. a producer upgraded first), and every
   * later event of the same aggregate (`isHeld`), so per-aggregate order holds. Without it,
   * unknown types are skipped. Held messages are committed; the hook's owner applies them later
   * (see `dispatchHeld`).
   */
  hold?: MessageHold;
  /** Retries of a failing batch before kafkajs gives up and the consumer is restarted. Default 10. */
  consumerRetries?: number;
  /**
   * Partitions whose messages are dealt with at the same time (each still strictly in order, so
   * per-aggregate order holds). Their database round trips and commits overlap instead of
   * queueing one partition behind another. Default 1.
   */
  concurrentPartitions?: number;
  /** First wait before restarting a crashed consumer (doubling to 30 s). Default 1 s. */
  restartBackoffMs?: number;
  /** Bytes a dead letter may take (key, payload, headers); a larger payload is left out. Default 900 KiB. */
  maxDeadLetterBytes?: number;
  retryBackoffMs?: number;
  /** Failures of the world, not of the message (e.g. database down): retried without limit, never dead-lettered. */
  isTransient?: (err: unknown) => boolean;
  /** Failures that retrying cannot fix: dead-lettered at once. */
  isPermanent?: (err: unknown) => boolean;
  /** New groups start from the earliest offset (default), so a late subscriber replays history. */
  fromBeginning?: boolean;
  /**
   * Applies runs of a partition's events together (e.g. one database transaction with a savepoint
   * per event) instead of one at a time. Only events that pass every check and have a handler go
   * into a run; anything else — and an event the run could not apply — takes the one-at-a-time
   * path with its retries, holds and dead letters, in its place in the partition's order.
   */
  batch?: BatchApplier;
}

/** One event of a run, with `within` setting up its CONSUMER span and trace context around its work. */
export interface BatchItem {
  readonly event: ReceivedEvent<unknown>;
  within<R>(work: () => Promise<R>): Promise<R>;
}

export interface BatchApplier {
  /**
   * Applies `items` in order as one unit. Returns how many were applied (a repeat the inbox turns
   * away counts as applied) before the first that failed, and that failure; the applied ones must
   * stay applied. Throws when the whole unit failed (e.g. the database is out of reach): nothing of
   * it counts, and the partition's batch is retried.
   */
  apply(items: readonly BatchItem[]): Promise<{ applied: number; failure?: unknown }>;
  /** Events per run at most. Default 500. */
  maxEvents?: number;
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
 * Before any handler runs, an event read from a delivery topic must come from the topic's
 * sender, and its payload must pass the rules registered with its handler (inbound.ts); what
 * does not is dead-lettered at once as FORGED or REFUSED.
 */
/** A message kept for later (see SubscriberOptions.hold). */
export interface HeldMessage {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: string;
  readonly type: string;
  readonly id: string;
  readonly source: string;
  readonly headers: Record<string, string>;
  readonly value: Buffer;
  /**
   * UNKNOWN_TYPE: this version does not know the type; BEHIND_HELD: an earlier event of its
   * aggregate is held; GAP: the handler found an earlier event of the aggregate missing.
   */
  readonly reason: "UNKNOWN_TYPE" | "BEHIND_HELD" | "GAP";
}

/**
 * What became of one message: applied by its handler, dead-lettered, held, skipped (no handler),
 * or — for a held message tried again — still waiting for an earlier event of its aggregate.
 */
export type MessageOutcome = "handled" | "dead-lettered" | "held" | "skipped" | "not-yet";

export interface MessageHold {
  /** Whether this subscriber's contract version knows the type on that topic. */
  knows(topic: string, type: string): boolean;
  /** Whether an earlier event of the aggregate (topic, key) is held. */
  isHeld(topic: string, key: string): Promise<boolean>;
  /** Of `keys`, those whose aggregates have held events (one look for a batch, instead of isHeld each). */
  heldKeys?(topic: string, keys: readonly string[]): Promise<Set<string>>;
  hold(message: HeldMessage): Promise<void>;
  /**
   * Whether a handler's error says an earlier event of the aggregate has not arrived yet (a gap
   * in its version sequence): the event is held, not dead-lettered, until the gap is filled.
   */
  isGap?(err: unknown): boolean;
}

export class Subscriber {
  private readonly handlers = new Map<
    string,
    { descriptor: EventDescriptor; handler: EventHandler<unknown>; rules?: PayloadRules<unknown> }
  >();
  private consumer?: Consumer;
  private stopped = false;
  private restarting?: Promise<void>;
  /** A crash reported while a restart was under way (it may be the consumer that restart started). */
  private crashDuringRestart?: { consumer: Consumer; error: Error };
  private isHealthy = true;
  private readonly healthListeners: ((healthy: boolean) => void)[] = [];
  private readonly crashes;
  private producer?: Producer;
  private ownProducer = false;
  private admin?: Admin;
  private lagTimer?: NodeJS.Timeout;
  private lastLag: PartitionLag[] = [];
  private readonly log: SubscriberLogger;
  private readonly outcomes;
  private readonly deadLettered;
  private readonly refused;

  constructor(private readonly options: SubscriberOptions) {
    this.log = options.logger ?? silent;
    const meter = metrics.getMeter("@jinlian/subscriber");
    this.outcomes = meter.createCounter("jinlian.consumer.events", { description: "Events consumed, by outcome" });
    this.deadLettered = meter.createCounter("jinlian.consumer.dead_lettered", { description: "Messages sent to a dead-letter topic" });
    this.crashes = meter.createCounter("jinlian.consumer.crashes", { description: "Consumer crashes (each is restarted)" });
    this.refused = meter.createCounter("jinlian.consumer.refused", {
      description: "Events refused before any handler ran (forged source or claim, invalid payload), by check",
    });
    meter.createObservableGauge("jinlian.consumer.lag", { description: "Messages not yet consumed, per partition" }).addCallback((r) => {
      for (const l of this.lastLag) r.observe(l.lag, { consumer: options.name, topic: l.topic, partition: l.partition });
    });
  }

  /** Registers the handler for one event type of the catalogue, with the rules its payload must meet first. */
  on<T>(descriptor: EventDescriptor<T>, handler: EventHandler<T>, rules?: PayloadRules<T>): this {
    if (this.handlers.has(descriptor.type)) throw new Error(`a handler for ${descriptor.type} is already registered`);
    this.handlers.set(descriptor.type, {
      descriptor: descriptor as EventDescriptor,
      handler: handler as EventHandler<unknown>,
      rules: rules as PayloadRules<unknown> | undefined,
    });
    return this;
  }

  get types(): string[] {
    return [...this.handlers.keys()];
  }

  async start(): Promise<void> {
    this.stopped = false;
    if (this.options.producer) this.producer = this.options.producer;
    else {
      this.producer = this.options.kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
      this.ownProducer = true;
      await this.producer.connect();
    }
    await this.startConsumer();
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

  /** False from a crash of the consumer until it has been restarted. */
  get healthy(): boolean {
    return this.isHealthy;
  }

  /** Called with the new state each time the consumer crashes or comes back. */
  onHealthChange(listener: (healthy: boolean) => void): this {
    this.healthListeners.push(listener);
    return this;
  }

  private setHealthy(healthy: boolean): void {
    if (this.isHealthy === healthy) return;
    this.isHealthy = healthy;
    for (const l of this.healthListeners) l(healthy);
  }

  private async startConsumer(): Promise<void> {
    const consumer = this.options.kafka.consumer({
      groupId: this.options.groupId,
      allowAutoTopicCreation: false,
      sessionTimeout: 30000,
      heartbeatInterval: 3000,
      // A fetch waits at most this long for data; disconnecting waits for the fetch in flight, so
      // the default 5 s made every consumer's stop take 5 s.
      maxWaitTimeInMs: 1000,
      // kafkajs retries a failing batch, then crashes the consumer; it is restarted here, not by
      // kafkajs, so that every crash is logged, counted and seen in health until it is back.
      retry: {
        initialRetryTime: 300,
        retries: this.options.consumerRetries ?? 10,
        maxRetryTime: 5000,
        restartOnFailure: async () => false,
      },
    });
    consumer.on(consumer.events.CRASH, (e) => this.superviseCrash(consumer, e.payload.error));
    this.consumer = consumer;
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [...this.options.topics], fromBeginning: this.options.fromBeginning ?? true });
      // An offset is resolved only after its message was dealt with; autoCommit then commits it.
      if (this.options.batch)
        await consumer.run({
          autoCommit: true,
          partitionsConsumedConcurrently: this.options.concurrentPartitions ?? 1,
          eachBatchAutoResolve: false,
          eachBatch: (p) => this.onBatch(p),
        });
      else
        await consumer.run({
          autoCommit: true,
          partitionsConsumedConcurrently: this.options.concurrentPartitions ?? 1,
          eachMessage: async (p) => void (await this.onMessage(p)),
        });
    } catch (err) {
      // A half-started consumer is not left behind when start is tried again.
      this.consumer = undefined;
      await consumer.disconnect().catch(() => undefined);
      throw err;
    }
  }

  /** A crashed consumer is restarted with backoff until it runs again or the subscriber stops. */
  private superviseCrash(crashed: Consumer, error: Error): void {
    if (this.stopped || this.consumer !== crashed) return;
    if (this.restarting) {
      // Not dropped: the consumer a restart has just started can crash before that restart is
      // over (a coordinator still loading after a broker start), and would then stay dead.
      this.crashDuringRestart = { consumer: crashed, error };
      return;
    }
    this.setHealthy(false);
    this.crashes.add(1, { consumer: this.options.name });
    this.log.error({ err: error?.message, groupId: this.options.groupId }, "consumer crashed; restarting it");
    this.restarting = (async () => {
      let backoff = this.options.restartBackoffMs ?? 1000;
      while (!this.stopped) {
        try {
          await crashed.disconnect().catch(() => undefined);
          if (this.stopped) return;
          await this.startConsumer();
          this.setHealthy(true);
          this.log.info({ groupId: this.options.groupId }, "consumer restarted after a crash");
          return;
        } catch (err) {
          this.log.warn({ err: (err as Error).message, retryInMs: backoff }, "consumer restart failed; will retry");
          await new Promise((r) => setTimeout(r, backoff).unref());
          backoff = Math.min(backoff * 2, 30_000);
        }
      }
    })().finally(() => {
      this.restarting = undefined;
      const pending = this.crashDuringRestart;
      this.crashDuringRestart = undefined;
      // Still the current consumer: restart it too. A crash of the consumer replaced meanwhile is stale.
      if (pending) this.superviseCrash(pending.consumer, pending.error);
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.restarting;
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

  /**
   * Applies a message held earlier (see `hold`) through the same checks, handler, retries and
   * dead letters as a live one. A transient failure is thrown (the caller keeps it held).
   */
  async dispatchHeld(held: HeldMessage): Promise<MessageOutcome> {
    this.producer ??= this.options.producer;
    if (!this.producer) throw new Error("dispatchHeld needs the subscriber's producer (options.producer) or a started subscriber");
    const message = {
      key: Buffer.from(held.key),
      value: held.value,
      headers: held.headers,
      offset: held.offset,
      timestamp: String(Date.now()),
      attributes: 0,
    } as EachMessagePayload["message"];
    return this.onMessage({ topic: held.topic, partition: held.partition, message, heartbeat: async () => undefined } as never, true);
  }

  /**
   * A partition's batch, in order: runs of plain events (checked, with a handler, their aggregate
   * not held) go to the batch applier together; every other message, and an event its run could
   * not apply, goes through onMessage alone. Offsets are resolved as messages are dealt with.
   */
  private async onBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const applier = this.options.batch!;
    const max = applier.maxEvents ?? 500;
    const { topic, partition, messages } = batch;
    const hold = this.options.hold;
    const decoded = messages.map((m) => {
      try {
        return fromKafkaMessage(m);
      } catch {
        return undefined; // onMessage dead-letters it
      }
    });
    // Without a hold nothing is held; a hold that cannot look a batch up sends each message alone.
    const held =
      hold === undefined
        ? new Set<string>()
        : hold.heldKeys
          ? await hold.heldKeys(topic, [...new Set(decoded.flatMap((e) => (e ? [e.subject] : [])))])
          : undefined;
    let i = 0;
    while (i < messages.length) {
      if (!isRunning() || isStale()) return;
      const run: { item: BatchItem; message: KafkaMessage }[] = [];
      for (let j = i; j < messages.length && run.length < max; j++) {
        const item = held ? this.plainEvent(topic, partition, messages[j]!, decoded[j], held) : undefined;
        if (!item) break;
        run.push({ item, message: messages[j]! });
      }
      if (run.length > 0) {
        const { applied, failure } = await applier.apply(run.map((r) => r.item));
        for (const r of run.slice(0, applied)) resolveOffset(r.message.offset);
        this.outcomes.add(applied, { consumer: this.options.name, outcome: "handled" });
        i += applied;
        await heartbeat();
        if (applied < run.length)
          this.log.debug(
            { err: (failure as Error)?.message, id: run[applied]!.item.event.id },
            "event not applied in its run; applying it alone",
          );
        else continue;
      }
      const message = messages[i]!;
      const outcome = await this.onMessage({ topic, partition, message, heartbeat, pause: () => () => undefined });
      // Later events of its aggregate must not overtake it (onMessage looks the hold up for them).
      if (outcome === "held" && decoded[i]) held?.add(decoded[i]!.subject);
      resolveOffset(message.offset);
      i++;
      await heartbeat();
    }
  }

  /** The event of a message that needs nothing but its handler, as an item of a run; otherwise undefined. */
  private plainEvent(
    topic: string,
    partition: number,
    message: KafkaMessage,
    cloudEvent: CloudEvent | undefined,
    held: Set<string>,
  ): BatchItem | undefined {
    if (!cloudEvent) return undefined;
    const { sender, refusal } = checkSource(topic, cloudEvent.source);
    if (refusal) return undefined;
    const hold = this.options.hold;
    if (hold && (!hold.knows(topic, cloudEvent.type) || held.has(cloudEvent.subject))) return undefined;
    const registered = this.handlers.get(cloudEvent.type);
    if (!registered) return undefined;
    let data: unknown;
    try {
      data = registered.descriptor.codec.decode(cloudEvent.data);
    } catch {
      return undefined;
    }
    if (checkPayload(registered.rules, sender, data)) return undefined;
    const event = this.receivedEvent(cloudEvent, data, topic, partition, message);
    return { event, within: (work) => this.inSpan(event, message, work) };
  }

  private receivedEvent(
    cloudEvent: CloudEvent,
    data: unknown,
    topic: string,
    partition: number,
    message: KafkaMessage,
  ): ReceivedEvent<unknown> {
    return {
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
  }

  /** Runs `work` in the event's CONSUMER span, continuing the producer's trace. */
  private async inSpan<R>(event: ReceivedEvent<unknown>, message: KafkaMessage, work: () => Promise<R>): Promise<R> {
    const parent: Context = propagation.extract(otelContext.active(), (message.headers ?? {}) as Record<string, unknown>, headerGetter);
    const span = trace.getTracer("@jinlian/subscriber").startSpan(
      `${event.topic} process`,
      {
        kind: SpanKind.CONSUMER,
        attributes: {
          "messaging.system": "kafka",
          "messaging.operation.type": "process",
          "messaging.destination.name": event.topic,
          "messaging.destination.partition.id": String(event.partition),
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
      return await otelContext.with(trace.setSpan(parent, span), work);
    } catch (err) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
      throw err;
    } finally {
      span.end();
    }
  }

  private async onMessage({ topic, partition, message, heartbeat }: EachMessagePayload, replaying = false): Promise<MessageOutcome> {
    let cloudEvent: CloudEvent;
    try {
      cloudEvent = fromKafkaMessage(message);
    } catch (err) {
      await this.deadLetter(topic, partition, message, err as Error, "MALFORMED", 0);
      return "dead-lettered";
    }
    // Who sent it is checked before what it is: a forged event is dead-lettered even when this
    // subscriber has no handler for its type.
    const { sender, refusal } = checkSource(topic, cloudEvent.source);
    if (refusal) {
      await this.refuse(topic, partition, message, cloudEvent, refusal);
      return "dead-lettered";
    }
    const hold = this.options.hold;
    if (hold && !replaying) {
      const key = cloudEvent.subject;
      const reason = !hold.knows(topic, cloudEvent.type) ? "UNKNOWN_TYPE" : (await hold.isHeld(topic, key)) ? "BEHIND_HELD" : undefined;
      if (reason) {
        await hold.hold({
          topic,
          partition,
          offset: message.offset,
          key,
          type: cloudEvent.type,
          id: cloudEvent.id,
          source: cloudEvent.source,
          headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)])),
          value: message.value ?? Buffer.alloc(0),
          reason,
        });
        this.log.warn({ type: cloudEvent.type, id: cloudEvent.id, key, reason }, "event held until this consumer can apply it");
        this.outcomes.add(1, { consumer: this.options.name, outcome: "held" });
        return "held";
      }
    }
    const registered = this.handlers.get(cloudEvent.type);
    if (!registered) {
      this.log.debug({ type: cloudEvent.type, id: cloudEvent.id }, "no handler for event type; skipped");
      this.outcomes.add(1, { consumer: this.options.name, outcome: "skipped" });
      return "skipped";
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
      return "dead-lettered";
    }
    const payloadRefusal = checkPayload(registered.rules, sender, data);
    if (payloadRefusal) {
      await this.refuse(topic, partition, message, cloudEvent, payloadRefusal);
      return "dead-lettered";
    }
    const event = this.receivedEvent(cloudEvent, data, topic, partition, message);
    return this.inSpan(event, message, () => this.handle(registered.handler, event, message, heartbeat, replaying));
  }

  private async handle(
    handler: EventHandler<unknown>,
    event: ReceivedEvent<unknown>,
    message: EachMessagePayload["message"],
    heartbeat: () => Promise<void>,
    replaying = false,
  ): Promise<MessageOutcome> {
    const maxAttempts = this.options.maxAttempts ?? 3;
    for (let attempt = 1; ; attempt++) {
      try {
        await handler(event);
        this.outcomes.add(1, { consumer: this.options.name, outcome: "handled" });
        return "handled";
      } catch (err) {
        if (this.options.isTransient?.(err)) {
          // Rethrown: kafkajs retries the message without committing; an outage never dead-letters.
          this.log.warn({ err: (err as Error).message, id: event.id }, "transient failure; will retry");
          throw err;
        }
        const hold = this.options.hold;
        if (hold?.isGap?.(err)) {
          // A message tried again from the hold stays where it is; a live one joins it.
          if (replaying) return "not-yet";
          await hold.hold(heldOf(event, message, "GAP"));
          this.log.warn(
            { err: (err as Error).message, id: event.id, key: event.subject },
            "event held: an earlier event of its aggregate is missing",
          );
          this.outcomes.add(1, { consumer: this.options.name, outcome: "held" });
          return "held";
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
          return "dead-lettered";
        }
        this.log.warn({ err: (err as Error).message, id: event.id, attempt }, "handler failed; retrying");
        await new Promise((r) => setTimeout(r, (this.options.retryBackoffMs ?? 200) * attempt));
        await heartbeat();
      }
    }
  }

  /** Dead-letters an event that failed an inbound check; permanent, so no attempt is made. */
  private async refuse(
    topic: string,
    partition: number,
    message: EachMessagePayload["message"],
    event: CloudEvent,
    refusal: InboundRefusal,
  ): Promise<void> {
    this.log.warn(
      { topic, type: event.type, id: event.id, source: event.source, check: refusal.check, err: refusal.message },
      "inbound event refused",
    );
    await this.deadLetter(topic, partition, message, new Error(refusal.message), reasonOf(refusal.check), 0, refusal.check);
    this.refused.add(1, { consumer: this.options.name, reason: refusal.check });
  }

  private async deadLetter(
    topic: string,
    partition: number,
    message: EachMessagePayload["message"],
    err: Error,
    reason: DeadLetterReason,
    attempts: number,
    check?: string,
  ): Promise<void> {
    this.log.error({ topic, partition, offset: message.offset, reason, check, err: err.message, attempts }, "message dead-lettered");
    const headers: Record<string, string | Buffer> = {
      ...(message.headers as Record<string, string | Buffer>),
      jinlian_dlq_reason: reason,
      jinlian_dlq_error: err.message.slice(0, 1000),
      jinlian_dlq_topic: topic,
      jinlian_dlq_partition: String(partition),
      jinlian_dlq_offset: message.offset,
      jinlian_dlq_consumer: this.options.name,
      jinlian_dlq_attempts: String(attempts),
      jinlian_dlq_time: new Date().toISOString(),
      // Which inbound check refused the event (refusals before any handler ran only).
      ...(check === undefined ? {} : { jinlian_dlq_check: check }),
    };
    // A dead letter must always fit the broker's limit, or the send would fail and the partition
    // would stop on this message for good. A payload that would not fit with the dead-letter
    // headers is left out; the headers still point at the original (topic, partition, offset).
    const limit = this.options.maxDeadLetterBytes ?? DEFAULT_MAX_DEAD_LETTER_BYTES;
    const send = (value: Buffer | null, extra: Record<string, string>) =>
      this.producer!.send({
        topic: this.options.deadLetterTopic,
        acks: -1,
        messages: [{ key: message.key, value, headers: { ...headers, ...extra } }],
      });
    const omitted = (why: string) => ({ jinlian_dlq_payload_omitted: `${message.value?.length ?? 0} bytes: ${why}` });
    // If this send fails for any other reason the error propagates and the message is retried: never dropped.
    if (messageBytes(message.key, message.value, headers) > limit) await send(null, omitted("over the dead-letter size limit"));
    else
      await send(message.value, {}).catch(async (sendErr: unknown) => {
        if (!isTooLarge(sendErr)) throw sendErr;
        await send(null, omitted("the broker refused it as too large"));
      });
    this.deadLettered.add(1, { consumer: this.options.name, reason });
  }
}

/** Default bound of a dead letter: under Kafka's 1 MiB message.max.bytes with room for overhead. */
export const DEFAULT_MAX_DEAD_LETTER_BYTES = 900 * 1024;

function messageBytes(key: Buffer | string | null | undefined, value: Buffer | null | undefined, headers: Record<string, unknown>): number {
  let n = (key?.length ?? 0) + (value?.length ?? 0) + 64;
  for (const [k, v] of Object.entries(headers))
    n += Buffer.byteLength(k) + (Buffer.isBuffer(v) ? v.length : Buffer.byteLength(String(v ?? ""))) + 8;
  return n;
}

function isTooLarge(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== "object" || depth > 5) return false;
  const e = err as { type?: unknown; cause?: unknown; originalError?: unknown; errors?: unknown };
  if (e.type === "MESSAGE_TOO_LARGE" || e.type === "RECORD_LIST_TOO_LARGE") return true;
  return [e.cause, e.originalError, ...(Array.isArray(e.errors) ? e.errors : [])].some((inner) => isTooLarge(inner, depth + 1));
}

function heldOf(event: ReceivedEvent<unknown>, message: EachMessagePayload["message"], reason: HeldMessage["reason"]): HeldMessage {
  return {
    topic: event.topic,
    partition: event.partition,
    offset: message.offset,
    key: event.subject,
    type: event.type,
    id: event.id,
    source: event.source,
    headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)])),
    value: message.value ?? Buffer.alloc(0),
    reason,
  };
}
