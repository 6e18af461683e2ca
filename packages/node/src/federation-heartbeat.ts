/**
 * Heartbeats over each federation link: every interval the node sends one to each peer node
 * (the city to every district, a district to the city) on `<ns>.<from>.federation.to.<to>`, and
 * reads those addressed to it, so each side knows when it last heard from the other. The topics
 * cross clusters through MirrorMaker 2 with the services' deliveries, so a silent link means the
 * peer, its cluster, or the mirror between is down.
 *
 * A heartbeat states liveness, not a fact: it goes straight to the node's producer (no outbox) and
 * is kept one day (catalogue/federation.ts). Knowing of a link is exported as Prometheus gauges and
 * logged when it goes silent (no heartbeat for three of the peer's intervals) and comes back.
 */
import { randomUUID } from "node:crypto";
import {
  channelsOf,
  checkSource,
  createKafka,
  createProducer,
  dataschemaFor,
  ensureTopics,
  eventSource,
  FEDERATION,
  federationEvents,
  fromKafkaMessage,
  meter,
  parseDeliveryTopic,
  peersOf,
  toKafkaHeaders,
  topicSpecs,
  type Channel,
  type Logger,
  type NodeIdentity,
  type TopicSpec,
} from "@jinlian/chassis";
import { federationEventsV1 } from "@jinlian/proto";

type Kafka = ReturnType<typeof createKafka>;
type Producer = ReturnType<typeof createProducer>;
type Consumer = ReturnType<Kafka["consumer"]>;
type KafkaMessageIn = Parameters<typeof fromKafkaMessage>[0];
type HeartbeatSent = federationEventsV1.HeartbeatSent;
type BatchResult = Parameters<Parameters<ReturnType<typeof meter>["addBatchObservableCallback"]>[0]>[0];

const HEARTBEAT = federationEvents.heartbeatSent;

/** Default interval between heartbeats (JINLIAN_FEDERATION_HEARTBEAT_MS). */
export const DEFAULT_HEARTBEAT_MS = 10_000;
/** A link is silent once this many of the peer's intervals pass without a heartbeat. */
export const SILENT_AFTER_INTERVALS = 3;

/** The federation topics of a node: those it writes (one per peer) and those it reads. */
export function federationChannels(identity: NodeIdentity): { sends: Channel[]; reads: Channel[] } {
  const channels = channelsOf(identity.topicNamespace, identity.jurisdictionCode, FEDERATION);
  return { sends: channels.filter((c) => c.role === "publish"), reads: channels.filter((c) => c.role === "subscribe") };
}

/**
 * Every federation topic a node creates at start-up, both ways: the receiving side creates its
 * topics before MirrorMaker copies the first heartbeat, as services do with their deliveries.
 */
export function federationTopics(identity: NodeIdentity): TopicSpec[] {
  const { sends, reads } = federationChannels(identity);
  return topicSpecs([...sends, ...reads]);
}

// ---- reading a heartbeat: who sent it, and to whom ----

/** Why a heartbeat was ignored (the reason label of jinlian_federation_heartbeat_rejected_total). */
export type HeartbeatRejection =
  | "malformed"
  | "wrong_type"
  | "not_addressed_here"
  | "source_unparsable"
  | "source_not_sender"
  | "source_wrong_service"
  | "claims_other_node";

/** A heartbeat accepted from a peer. */
export interface AcceptedHeartbeat {
  readonly peer: string;
  readonly sentAt: Date;
  readonly instanceId: string;
  readonly sequence: number;
  /** The sender's interval; undefined when it sent none. */
  readonly intervalMs?: number;
}

export type HeartbeatVerdict =
  { readonly accepted: AcceptedHeartbeat } | { readonly rejected: HeartbeatRejection; readonly detail: string };

/**
 * Reads a heartbeat from a federation topic addressed to `self`. The topic names the sender (only
 * that node writes `<ns>.<from>.federation.to.<to>` once topics are authorised per node), so the
 * event's source and the payload's `from` must both be that node and the payload's `to` this one;
 * anything else is forged or misrouted and changes nothing.
 */
export function readHeartbeat(topic: string, message: KafkaMessageIn, self: NodeIdentity): HeartbeatVerdict {
  const delivery = parseDeliveryTopic(topic, self.topicNamespace);
  if (
    !delivery ||
    delivery.service !== FEDERATION ||
    delivery.to !== self.jurisdictionCode ||
    !peersOf(self.jurisdictionCode).includes(delivery.from)
  )
    return { rejected: "not_addressed_here", detail: `${topic} is not a federation topic from a peer to ${self.jurisdictionCode}` };
  let event;
  try {
    event = fromKafkaMessage(message);
  } catch (err) {
    return { rejected: "malformed", detail: (err as Error).message };
  }
  if (event.type !== HEARTBEAT.type) return { rejected: "wrong_type", detail: `${event.type} is not ${HEARTBEAT.type}` };
  const { refusal } = checkSource(topic, event.source);
  if (refusal) return { rejected: refusal.check as HeartbeatRejection, detail: refusal.message };
  let data: HeartbeatSent;
  try {
    data = HEARTBEAT.codec.decode(event.data);
  } catch (err) {
    return { rejected: "malformed", detail: `data is not a valid ${HEARTBEAT.message}: ${(err as Error).message}` };
  }
  if (data.fromJurisdictionCode !== delivery.from)
    return {
      rejected: "claims_other_node",
      detail: `the heartbeat says it is from ${JSON.stringify(data.fromJurisdictionCode)}, but ${topic} is written by node ${delivery.from}`,
    };
  if (data.toJurisdictionCode !== self.jurisdictionCode)
    return { rejected: "not_addressed_here", detail: `the heartbeat is addressed to ${JSON.stringify(data.toJurisdictionCode)}` };
  if (!data.sendTime || Number.isNaN(data.sendTime.getTime())) return { rejected: "malformed", detail: "the heartbeat has no send_time" };
  const intervalMs = data.interval ? Number(data.interval.seconds) * 1000 + Math.round(data.interval.nanos / 1e6) : undefined;
  return {
    accepted: {
      peer: delivery.from,
      sentAt: data.sendTime,
      instanceId: data.instanceId,
      sequence: Number(data.sequence),
      intervalMs: intervalMs && intervalMs > 0 ? intervalMs : undefined,
    },
  };
}

/** The Kafka message of one heartbeat (CloudEvents binary mode, keyed by the sender). */
export function heartbeatMessage(
  self: NodeIdentity,
  peer: string,
  beat: { sentAt: Date; instanceId: string; sequence: number; intervalMs: number; id: string },
): { key: string; value: Buffer; headers: Record<string, string> } {
  const data = HEARTBEAT.codec
    .encode({
      fromJurisdictionCode: self.jurisdictionCode,
      toJurisdictionCode: peer,
      sendTime: beat.sentAt,
      instanceId: beat.instanceId,
      sequence: String(beat.sequence),
      interval: { seconds: String(Math.floor(beat.intervalMs / 1000)), nanos: (beat.intervalMs % 1000) * 1e6 },
    })
    .finish();
  const headers = toKafkaHeaders({
    id: beat.id,
    source: eventSource(self.jurisdictionCode, FEDERATION),
    type: HEARTBEAT.type,
    time: beat.sentAt,
    subject: self.jurisdictionCode,
    dataschema: dataschemaFor(HEARTBEAT.message),
    data,
  });
  return { key: self.jurisdictionCode, value: Buffer.from(data), headers };
}

// ---- what the node knows of each link ----

/** The last heartbeat heard from a peer. */
export interface LastHeard {
  /** When this node received it (its own clock). */
  readonly receivedAt: Date;
  /** When the peer sent it (the peer's clock). */
  readonly sentAt: Date;
  readonly instanceId: string;
  readonly sequence: number;
  readonly intervalMs?: number;
}

export interface LinkStatus {
  readonly peer: string;
  readonly lastHeard?: LastHeard;
  /** The last heartbeat this node sent the peer. */
  readonly lastSent?: { readonly sentAt: Date; readonly sequence: number };
  /**
   * Whether this process reads the peer's heartbeats (its consumer holds that topic's partition):
   * only then can it tell a silent link. With several processes per node, one of them does.
   */
  readonly watched: boolean;
  readonly silent: boolean;
}

export type LinkChange =
  | { readonly peer: string; readonly change: "silent"; readonly quietMs: number; readonly lastHeard?: LastHeard }
  | { readonly peer: string; readonly change: "heard-again"; readonly quietMs: number };

interface LinkState {
  lastHeard?: LastHeard;
  lastSent?: { sentAt: Date; sequence: number };
  /** Since when this process reads the peer's topic; undefined when it does not. */
  watchedSince?: number;
  silent: boolean;
}

/**
 * Per-peer state of the links, and silence detection: pure, every time passed in (ms since the
 * epoch), so the rules are tested without timers or Kafka.
 */
export class LinkBook {
  private readonly links = new Map<string, LinkState>();

  constructor(
    peers: readonly string[],
    /** This node's interval: the silence threshold for a peer that has not said its own. */
    private readonly intervalMs: number,
  ) {
    for (const p of peers) this.links.set(p, { silent: false });
  }

  private link(peer: string): LinkState {
    const l = this.links.get(peer);
    if (!l) throw new Error(`${peer} is not a peer of this node`);
    return l;
  }

  /** How long a peer may be quiet before its link is silent. */
  silenceAfterMs(peer: string): number {
    return SILENT_AFTER_INTERVALS * (this.link(peer).lastHeard?.intervalMs ?? this.intervalMs);
  }

  /** The peers whose topics this process reads now (from the consumer's assignment). */
  watch(peers: Iterable<string>, now: number): void {
    const watched = new Set(peers);
    for (const [peer, l] of this.links) {
      if (watched.has(peer)) l.watchedSince ??= now;
      else {
        // Not read here any more: another process judges it; start afresh if it comes back.
        l.watchedSince = undefined;
        l.silent = false;
      }
    }
  }

  sent(peer: string, sentAt: Date, sequence: number): void {
    this.link(peer).lastSent = { sentAt, sequence };
  }

  /**
   * Records an accepted heartbeat; returns the change when the link was silent. One older than the
   * last heard (another process of the peer with a clock behind) shows the link is alive but does
   * not replace what was heard.
   */
  heard(beat: AcceptedHeartbeat, now: number): LinkChange | undefined {
    const l = this.link(beat.peer);
    const heard: LastHeard = {
      receivedAt: new Date(now),
      sentAt: beat.sentAt,
      instanceId: beat.instanceId,
      sequence: beat.sequence,
      intervalMs: beat.intervalMs,
    };
    const quietSince = l.lastHeard?.receivedAt.getTime() ?? l.watchedSince ?? now;
    if (!l.lastHeard || beat.sentAt.getTime() >= l.lastHeard.sentAt.getTime()) l.lastHeard = heard;
    else l.lastHeard = { ...l.lastHeard, receivedAt: heard.receivedAt };
    if (!l.silent) return undefined;
    l.silent = false;
    return { peer: beat.peer, change: "heard-again", quietMs: now - quietSince };
  }

  /**
   * Links read here that have gone silent since the last check: nothing received for three of the
   * peer's intervals (counted from when this process began to read the link, if never heard).
   * Receive times are this node's own, so clock skew between nodes cannot make a link silent.
   */
  check(now: number): LinkChange[] {
    const changes: LinkChange[] = [];
    for (const [peer, l] of this.links) {
      if (l.watchedSince === undefined || l.silent) continue;
      const quietSince = l.lastHeard ? Math.max(l.lastHeard.receivedAt.getTime(), l.watchedSince) : l.watchedSince;
      const quietMs = now - quietSince;
      if (quietMs < this.silenceAfterMs(peer)) continue;
      l.silent = true;
      changes.push({ peer, change: "silent", quietMs, lastHeard: l.lastHeard });
    }
    return changes;
  }

  status(): Map<string, LinkStatus> {
    return new Map(
      [...this.links].map(([peer, l]) => [
        peer,
        { peer, lastHeard: l.lastHeard, lastSent: l.lastSent, watched: l.watchedSince !== undefined, silent: l.silent },
      ]),
    );
  }
}

// ---- the running heartbeat ----

/** What a running node tells of its federation links (RunningNode.federation). */
export interface FederationStatus {
  /** The interval this node sends at (ms). */
  readonly intervalMs: number;
  /** The last heartbeat heard from each peer this process has heard from since it started. */
  lastHeard(): Map<string, LastHeard>;
  /** Every link of the node: last heard, last sent, whether read here and silent. */
  links(): Map<string, LinkStatus>;
  /** Heartbeats ignored since start, by reason. */
  rejected(): Map<HeartbeatRejection, number>;
}

export interface FederationHeartbeatOptions {
  readonly identity: NodeIdentity;
  readonly kafka: Kafka;
  /** The node's producer, connected before start() is called. */
  readonly producer: Producer;
  readonly logger: Logger;
  readonly intervalMs: number;
  /** First wait between attempts to attach (topics, consumer), doubling to 30 s. Default 1 s. */
  readonly backoffMs?: number;
}

/**
 * Sends and reads the node's heartbeats. start() is called once the node's producer is connected
 * and returns at once: topics and the consumer are attached in the background, retried until they
 * succeed, so a broker refusing the federation topics (e.g. no ACL yet) leaves the services alone.
 */
export class FederationHeartbeat implements FederationStatus {
  readonly intervalMs: number;
  private readonly log: Logger;
  private readonly book: LinkBook;
  private readonly sends: Channel[];
  private readonly reads: Channel[];
  private readonly instanceId = randomUUID();
  private readonly sequences = new Map<string, number>();
  private readonly rejections = new Map<HeartbeatRejection, number>();
  private started = false;
  private stopped = false;
  private consumer?: Consumer;
  private loops: Promise<void>[] = [];
  private checkTimer?: NodeJS.Timeout;
  private readonly sleepers = new Set<() => void>();
  private readonly meter = meter();
  private readonly rejectedCounter;
  private readonly gauges;
  private readonly observe;

  constructor(private readonly options: FederationHeartbeatOptions) {
    this.intervalMs = options.intervalMs;
    this.log = options.logger.child({ component: "federation-heartbeat" });
    const { sends, reads } = federationChannels(options.identity);
    this.sends = sends;
    this.reads = reads;
    this.book = new LinkBook(
      sends.map((c) => c.to!),
      options.intervalMs,
    );
    const m = this.meter;
    this.rejectedCounter = m.createCounter("jinlian.federation.heartbeat.rejected", {
      description: "Heartbeats ignored: forged, misrouted or malformed, by reason",
    });
    this.gauges = {
      age: m.createObservableGauge("jinlian.federation.heartbeat.age_seconds", {
        unit: "s",
        description: "Now minus the send time of the last heartbeat heard from the peer (includes transit and clock skew)",
      }),
      received: m.createObservableGauge("jinlian.federation.heartbeat.last_received_timestamp_seconds", {
        unit: "s",
        description: "When this node last received a heartbeat from the peer (Unix time, this node's clock)",
      }),
      sent: m.createObservableGauge("jinlian.federation.heartbeat.last_sent_timestamp_seconds", {
        unit: "s",
        description: "When this node last sent the peer a heartbeat (Unix time)",
      }),
      silent: m.createObservableGauge("jinlian.federation.link.silent", {
        description: "1 while no heartbeat came from the peer for three of its intervals; only from the process reading the link",
      }),
    };
    this.observe = (r: BatchResult) => {
      const now = Date.now();
      for (const [peer, l] of this.book.status()) {
        if (l.lastSent) r.observe(this.gauges.sent, l.lastSent.sentAt.getTime() / 1000, { peer });
        // Only the process reading a link speaks for it: another's view would be stale.
        if (!l.watched) continue;
        r.observe(this.gauges.silent, l.silent ? 1 : 0, { peer });
        if (!l.lastHeard) continue;
        r.observe(this.gauges.age, (now - l.lastHeard.sentAt.getTime()) / 1000, { peer });
        r.observe(this.gauges.received, l.lastHeard.receivedAt.getTime() / 1000, { peer });
      }
    };
    m.addBatchObservableCallback(this.observe, Object.values(this.gauges));
  }

  lastHeard(): Map<string, LastHeard> {
    const out = new Map<string, LastHeard>();
    for (const [peer, l] of this.book.status()) if (l.lastHeard) out.set(peer, l.lastHeard);
    return out;
  }

  links(): Map<string, LinkStatus> {
    return this.book.status();
  }

  rejected(): Map<HeartbeatRejection, number> {
    return new Map(this.rejections);
  }

  /** Starts in the background; safe to call again (a node's Kafka attach may be retried). */
  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    this.checkTimer = setInterval(() => this.checkSilence(), Math.max(50, Math.floor(this.intervalMs / 2)));
    this.checkTimer.unref();
    this.loops.push(this.run());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.checkTimer);
    for (const wake of this.sleepers) wake();
    // A send in flight is bounded by the producer's retries; the consumer stops within its fetch wait.
    await Promise.all(this.loops);
    await this.consumer?.disconnect().catch(() => undefined);
    this.consumer = undefined;
    this.book.watch([], Date.now());
    this.meter.removeBatchObservableCallback(this.observe, Object.values(this.gauges));
  }

  private async run(): Promise<void> {
    if (!(await this.retrying("federation topics", () => this.ensureTopics()))) return;
    this.loops.push(this.sendLoop());
    await this.retrying("federation consumer", () => this.startConsumer());
  }

  private async ensureTopics(): Promise<void> {
    const admin = this.options.kafka.admin();
    await admin.connect();
    try {
      await ensureTopics(admin, federationTopics(this.options.identity));
    } finally {
      await admin.disconnect();
    }
  }

  /** Runs `attempt` until it succeeds (true) or the heartbeat stops (false), backing off between tries. */
  private async retrying(what: string, attempt: () => Promise<void>): Promise<boolean> {
    let backoff = this.options.backoffMs ?? 1000;
    for (let n = 1; !this.stopped; n++) {
      try {
        await attempt();
        if (n > 1) this.log.info({ attempt: n }, `${what} attached`);
        return !this.stopped;
      } catch (err) {
        if (this.stopped) return false;
        this.log.warn({ err: (err as Error).message, attempt: n, retryInMs: backoff }, `${what} not attached; will retry`);
        await this.sleep(backoff);
        backoff = Math.min(backoff * 2, 30_000);
      }
    }
    return false;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleepers.add(wake);
    });
  }

  private async sendLoop(): Promise<void> {
    let failing = false;
    while (!this.stopped) {
      const started = Date.now();
      try {
        await this.sendAll();
        if (failing) this.log.info({}, "federation heartbeats sent again");
        failing = false;
      } catch (err) {
        // Logged once per outage: the node's Kafka attachment and health already tell the rest.
        if (!failing) this.log.warn({ err: (err as Error).message }, "federation heartbeats not sent; will retry every interval");
        failing = true;
      }
      await this.sleep(Math.max(0, this.intervalMs - (Date.now() - started)));
    }
  }

  private async sendAll(): Promise<void> {
    const sentAt = new Date();
    const beats = this.sends.map((c) => {
      const peer = c.to!;
      const sequence = (this.sequences.get(peer) ?? 0) + 1;
      this.sequences.set(peer, sequence);
      const message = heartbeatMessage(this.options.identity, peer, {
        sentAt,
        instanceId: this.instanceId,
        sequence,
        intervalMs: this.intervalMs,
        id: randomUUID(),
      });
      return { peer, sequence, topic: c.topic, message };
    });
    // One send per link: a link whose topic is failing must not keep the others' heartbeats back.
    const results = await Promise.allSettled(beats.map((b) => this.options.producer.send({ topic: b.topic, messages: [b.message] })));
    const failed: string[] = [];
    results.forEach((r, i) => {
      const b = beats[i]!;
      if (r.status === "fulfilled") this.book.sent(b.peer, sentAt, b.sequence);
      else failed.push(`${b.peer}: ${(r.reason as Error)?.message ?? String(r.reason)}`);
    });
    if (failed.length > 0) throw new Error(`${failed.length} of ${beats.length} heartbeats not sent (${failed.join("; ")})`);
  }

  private async startConsumer(): Promise<void> {
    const group = this.reads[0]?.consumerGroup;
    if (!group) throw new Error("the stream catalogue declares no consumer group for federation heartbeats");
    const consumer = this.options.kafka.consumer({
      groupId: group,
      allowAutoTopicCreation: false,
      // Disconnecting waits for the fetch in flight; keep stop quick.
      maxWaitTimeInMs: 1000,
    });
    const byTopic = new Map(this.reads.map((c) => [c.topic, c.from]));
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      const peers = Object.keys(e.payload.memberAssignment).flatMap((t) => (byTopic.has(t) ? [byTopic.get(t)!] : []));
      this.book.watch(peers, Date.now());
      this.log.debug({ peers }, "federation links read here");
    });
    consumer.on(consumer.events.CRASH, (e) => {
      this.book.watch([], Date.now());
      if (e.payload.restart || this.stopped || this.consumer !== consumer) return;
      // kafkajs gives up on errors it does not retry; attach again rather than stop hearing peers.
      this.log.error({ err: e.payload.error?.message }, "federation heartbeat consumer crashed; attaching it again");
      this.consumer = undefined;
      this.loops.push(
        consumer
          .disconnect()
          .catch(() => undefined)
          .then(() => this.retrying("federation consumer", () => this.startConsumer()))
          .then(() => undefined),
      );
    });
    this.consumer = consumer;
    try {
      await consumer.connect();
      // A new group starts at the latest heartbeat: older ones say nothing about now.
      await consumer.subscribe({ topics: [...byTopic.keys()], fromBeginning: false });
      await consumer.run({ autoCommit: true, eachMessage: async ({ topic, message }) => this.onMessage(topic, message) });
    } catch (err) {
      this.consumer = undefined;
      await consumer.disconnect().catch(() => undefined);
      throw err;
    }
  }

  private onMessage(topic: string, message: KafkaMessageIn): void {
    try {
      this.take(topic, message);
    } catch (err) {
      // A heartbeat is never worth stopping the consumer for: log it and read on.
      this.log.error({ topic, err: (err as Error).message }, "federation heartbeat could not be taken");
    }
  }

  private take(topic: string, message: KafkaMessageIn): void {
    const verdict = readHeartbeat(topic, message, this.options.identity);
    if ("rejected" in verdict) {
      this.rejections.set(verdict.rejected, (this.rejections.get(verdict.rejected) ?? 0) + 1);
      this.rejectedCounter.add(1, { reason: verdict.rejected });
      this.log.warn({ topic, reason: verdict.rejected, detail: verdict.detail }, "federation heartbeat ignored");
      return;
    }
    const change = this.book.heard(verdict.accepted, Date.now());
    if (change) this.logChange(change);
  }

  private checkSilence(): void {
    for (const change of this.book.check(Date.now())) this.logChange(change);
  }

  private logChange(change: LinkChange): void {
    if (change.change === "silent")
      this.log.warn(
        {
          peer: change.peer,
          quietMs: change.quietMs,
          lastHeardAt: change.lastHeard?.receivedAt.toISOString(),
          lastSentAt: change.lastHeard?.sentAt.toISOString(),
        },
        "federation link silent: no heartbeat from the peer",
      );
    else this.log.info({ peer: change.peer, quietMs: change.quietMs }, "federation link heard again");
  }
}
