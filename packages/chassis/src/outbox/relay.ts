import { createHash } from "node:crypto";
import { assertIdentifier } from "../persistence/database";
import { IDEMPOTENCY_RETENTION_MS } from "../persistence/idempotency";
import { context, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import type { Knex } from "knex";
import type { Producer, TopicMessages } from "kafkajs";
import { Client, type QueryResult, type QueryResultRow } from "pg";
import type { Logger } from "../logging/logger";
import { meter } from "../telemetry/metrics";
import { currentTraceHeaders, extractTraceContext, tracer } from "../telemetry/tracing";
import { outboxChannel } from "./outbox";

export interface OutboxRelayOptions {
  db: Knex;
  /** Connection URL for the relay's own session (leadership lock and LISTEN). */
  url: string;
  schema: string;
  producer: Producer;
  logger: Logger;
  batchSize?: number;
  pollIntervalMs?: number;
  /** How often a standby relay tries to take over. */
  leaderRetryMs?: number;
  /** Published rows are kept this long for inspection, then deleted. */
  retainPublishedMs?: number;
}

interface OutboxRow {
  seq: string;
  topic: string;
  message_key: string;
  event_type: string;
  headers: Record<string, string>;
  payload: Buffer;
  created_at: Date;
}

/** A stable 64-bit advisory-lock key for one schema's relay. */
function lockKey(schema: string): string {
  return createHash("sha256").update(`jinlian.outbox.${schema}`).digest().readBigInt64BE(0).toString();
}

/**
 * Publishes outbox rows to Kafka in commit order. One relay per service is active at a time: it
 * holds a session-level advisory lock on its own connection, so per-aggregate order holds; a
 * standby takes over when that session ends. Rows are marked published only after Kafka acks.
 * While Kafka is unreachable the relay backs off and retries the same batch; nothing is skipped.
 */
export class OutboxRelay {
  private session?: Client;
  private running = false;
  private leader = false;
  private wake?: () => void;
  private loop?: Promise<void>;
  private readonly log: Logger;
  private lastHousekeeping = 0;

  constructor(private readonly options: OutboxRelayOptions) {
    assertIdentifier(options.schema, "schema");
    this.log = options.logger.child({ component: "outbox-relay", schema: options.schema });
    const m = meter();
    m.createObservableGauge("jinlian.outbox.pending", { description: "Outbox rows not yet published" }).addCallback(async (r) => {
      if (!this.leader) return;
      const [{ n }] = await this.options.db("outbox").whereNull("published_at").count<{ n: string }[]>({ n: "*" });
      r.observe(Number(n), { schema: options.schema });
    });
    this.published = m.createCounter("jinlian.outbox.published", { description: "Events published from the outbox" });
    this.lag = m.createHistogram("jinlian.outbox.lag", { unit: "ms", description: "Time from commit to Kafka ack" });
  }
  private readonly published;
  private readonly lag;

  get isLeader(): boolean {
    return this.leader;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    await this.releaseSession();
  }

  /** Nudges the relay to look for new rows now (it also polls and listens). */
  poke(): void {
    this.wake?.();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }

  private async releaseSession(): Promise<void> {
    const s = this.session;
    this.session = undefined;
    this.leader = false;
    if (s) await s.end().catch(() => undefined);
  }

  /**
   * A query on the relay's own session. If it fails the session is dropped (and with it any
   * leadership): a broken connection does not always emit "error", and a relay that kept a dead
   * session would neither publish nor take part in elections; the lock itself is released by
   * PostgreSQL when the backend goes away.
   */
  private async onSession<R extends QueryResultRow = QueryResultRow>(sql: string, params: unknown[] = []): Promise<QueryResult<R>> {
    const session = this.session;
    if (!session) throw new Error("relay session lost");
    try {
      return await session.query<R>(sql, params);
    } catch (err) {
      await this.releaseSession();
      throw err;
    }
  }

  private async tryLead(): Promise<boolean> {
    if (!this.session) {
      const s = new Client({ connectionString: this.options.url, application_name: `jinlian-relay-${this.options.schema}` });
      s.on("error", (err) => {
        this.log.warn({ err: err.message }, "relay session lost; leadership released");
        this.leader = false;
        this.session = undefined;
        this.wake?.();
      });
      await s.connect();
      // A mark lost in a crash only re-publishes (consumers deduplicate), so the relay's own
      // session need not wait for its commits to be flushed.
      await s.query("set synchronous_commit = off");
      s.on("notification", () => this.wake?.());
      this.session = s;
    }
    const { rows } = await this.onSession<{ ok: boolean }>("select pg_try_advisory_lock($1::bigint) as ok", [lockKey(this.options.schema)]);
    if (rows[0]?.ok) {
      await this.onSession(`listen "${outboxChannel(this.options.schema)}"`);
      this.log.info("relay is the leader for this schema");
      return true;
    }
    return false;
  }

  private async run(): Promise<void> {
    let backoff = 200;
    while (this.running) {
      try {
        if (!this.leader) {
          this.leader = await this.tryLead();
          if (!this.leader) {
            await this.sleep(this.options.leaderRetryMs ?? 2000);
            continue;
          }
        }
        const sent = await this.publishBatch();
        backoff = 200;
        await this.housekeeping();
        if (sent === 0) await this.sleep(this.options.pollIntervalMs ?? 1000);
      } catch (err) {
        this.log.warn({ err: (err as Error).message, retryInMs: backoff }, "outbox publish failed; will retry");
        if (!this.session) this.leader = false;
        await this.sleep(backoff);
        backoff = Math.min(backoff * 2, 5000);
      }
    }
  }

  /** Sends the oldest unpublished rows in one request; returns how many were published. */
  private async publishBatch(): Promise<number> {
    // Read and mark on the leader's own session: if leadership is lost, this relay stops at once.
    const table = `"${this.options.schema}".outbox`;
    const { rows } = await this.onSession<OutboxRow>(
      `select seq, topic, message_key, event_type, headers, payload, created_at from ${table} where published_at is null order by seq limit $1`,
      [this.options.batchSize ?? 100],
    );
    if (rows.length === 0) return 0;
    const spans = rows.map((row) =>
      tracer().startSpan(
        `${row.topic} publish`,
        {
          kind: SpanKind.PRODUCER,
          attributes: {
            "messaging.system": "kafka",
            "messaging.operation.type": "send",
            "messaging.destination.name": row.topic,
            "messaging.kafka.message.key": row.message_key,
            "cloudevents.event_type": row.event_type,
            "cloudevents.event_id": row.headers.ce_id ?? "",
          },
        },
        extractTraceContext(row.headers),
      ),
    );
    const byTopic = new Map<string, TopicMessages>();
    rows.forEach((row, i) => {
      const { traceparent: _tp, tracestate: _ts, ...ce } = row.headers;
      const headers = { ...ce, ...currentTraceHeaders(trace.setSpan(context.active(), spans[i]!)) };
      const entry = byTopic.get(row.topic) ?? { topic: row.topic, messages: [] };
      entry.messages.push({ key: row.message_key, value: row.payload, headers });
      byTopic.set(row.topic, entry);
    });
    try {
      await this.options.producer.sendBatch({ topicMessages: [...byTopic.values()], acks: -1 });
    } catch (err) {
      for (const s of spans) {
        s.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
        s.end();
      }
      throw err;
    }
    const seqs = rows.map((r) => r.seq);
    await this.onSession(`update ${table} set published_at = now() where seq = any($1::bigint[])`, [seqs]);
    const now = Date.now();
    rows.forEach((row, i) => {
      this.lag.record(now - new Date(row.created_at).getTime(), { topic: row.topic });
      spans[i]!.end();
    });
    this.published.add(rows.length, { schema: this.options.schema });
    return rows.length;
  }

  private async housekeeping(): Promise<void> {
    if (Date.now() - this.lastHousekeeping < 60_000) return;
    this.lastHousekeeping = Date.now();
    const cutoff = new Date(Date.now() - (this.options.retainPublishedMs ?? 7 * 24 * 3600 * 1000));
    await this.options.db("outbox").whereNotNull("published_at").where("published_at", "<", cutoff).delete();
    // The leader also expires idempotency keys of its schema: one cleaner per schema is enough.
    await this.options
      .db("idempotency_keys")
      .where("created_at", "<", new Date(Date.now() - IDEMPOTENCY_RETENTION_MS))
      .delete();
  }
}
