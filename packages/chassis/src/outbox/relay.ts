import { createHash } from "node:crypto";
import { hostname } from "node:os";
import { assertIdentifier } from "../persistence/database";
import { IDEMPOTENCY_RETENTION_MS } from "../persistence/idempotency";
import { SpanKind, SpanStatusCode, trace, type Link, type Span } from "@opentelemetry/api";
import type { Knex } from "knex";
import type { Producer, TopicMessages } from "kafkajs";
import { Client, type QueryResult, type QueryResultRow } from "pg";
import type { Logger } from "../logging/logger";
import { meter } from "../telemetry/metrics";
import { extractTraceContext, tracer } from "../telemetry/tracing";
import { outboxChannel, outboxRelayLocks } from "./outbox";

export interface OutboxRelayOptions {
  db: Knex;
  /** Connection URL for the relay's own session (leadership lock and LISTEN). */
  url: string;
  schema: string;
  producer: Producer;
  logger: Logger;
  /** Rows per send at most (default DEFAULT_RELAY_BATCH_SIZE). */
  batchSize?: number;
  /**
   * Bytes (payloads, keys, headers) at most in one send, below the broker's message.max.bytes
   * (1 MiB by default) so a backlog of large events never makes a batch the broker refuses.
   * A single row is always sent alone, whatever its size.
   */
  maxBatchBytes?: number;
  pollIntervalMs?: number;
  /** How often a standby relay tries to take over. */
  leaderRetryMs?: number;
  /**
   * A leader that has not renewed its lease for this long (default 15 s) is presumed cut off:
   * a standby terminates its database session (releasing the lock) and takes over. The leader
   * renews every `leaseMs / 5`.
   */
  leaseMs?: number;
  /**
   * Bound on every query, and on connecting, of the relay's own session (default 10 s): a leader
   * whose packets are silently dropped gives up its session instead of waiting for minutes.
   */
  sessionTimeoutMs?: number;
  /**
   * Parked rows are tried again after this long (default 10 min), so one parked for a cause
   * that went away by itself (a topic created late) does not wait for an operator.
   */
  parkedRetryMs?: number;
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

/** Rows per send by default: batches stay full while a backlog drains (the byte cap still applies). */
export const DEFAULT_RELAY_BATCH_SIZE = 500;

/** Default cap of one send: under Kafka's 1 MiB message.max.bytes with room for batch overhead. */
export const DEFAULT_MAX_BATCH_BYTES = 900 * 1024;

/** What a row weighs in a produce request (near enough: record overhead is small). */
function rowBytes(row: OutboxRow): number {
  let n = row.payload.length + Buffer.byteLength(row.message_key) + 64;
  for (const [k, v] of Object.entries(row.headers)) n += Buffer.byteLength(k) + Buffer.byteLength(v) + 8;
  return n;
}

/**
 * Broker answers that sending the same message again can never change: too large, malformed,
 * refused by policy or authorisation, or a topic that does not exist. Found on the error itself,
 * its cause, or inside kafkajs' retry and aggregate wrappers.
 */
const UNPUBLISHABLE = new Set([
  "MESSAGE_TOO_LARGE",
  "RECORD_LIST_TOO_LARGE",
  "INVALID_RECORD",
  "CORRUPT_MESSAGE",
  "INVALID_TOPIC_EXCEPTION",
  "TOPIC_AUTHORIZATION_FAILED",
  "POLICY_VIOLATION",
  "UNKNOWN_TOPIC_OR_PARTITION",
]);

export function unpublishableReason(err: unknown, depth = 0): string | undefined {
  if (!err || typeof err !== "object" || depth > 5) return undefined;
  const e = err as { type?: unknown; cause?: unknown; originalError?: unknown; errors?: unknown; message?: unknown };
  if (typeof e.type === "string" && UNPUBLISHABLE.has(e.type)) return `${e.type}: ${String(e.message ?? "")}`.trim();
  for (const inner of [e.cause, e.originalError, ...(Array.isArray(e.errors) ? e.errors : [])]) {
    const found = unpublishableReason(inner, depth + 1);
    if (found) return found;
  }
  return undefined;
}

/** A stable 64-bit advisory-lock key for one schema's relay. */
function lockKey(schema: string): bigint {
  return createHash("sha256").update(`jinlian.outbox.${schema}`).digest().readBigInt64BE(0);
}

/** How pg_locks shows a bigint advisory key: high and low 32 bits as oids. */
function lockOids(key: bigint): [string, string] {
  const u = BigInt.asUintN(64, key);
  return [(u >> 32n).toString(), (u & 0xffffffffn).toString()];
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/**
 * Publishes outbox rows to Kafka in commit order. One relay per service is active at a time: it
 * holds a session-level advisory lock on its own connection, so per-aggregate order holds; a
 * standby takes over when that session ends. Rows are marked published only after Kafka acks.
 * While Kafka is unreachable the relay backs off and retries the same batch; nothing is skipped.
 * Batches are capped in bytes. A row the broker can never take (too large, unknown topic…) is
 * parked with its reason instead of blocking the outbox: other aggregates go on, and later rows
 * of the parked row's aggregate (same topic and key) wait behind it, so per-aggregate order holds
 * until an operator requeues it (`requeueParkedOutbox`).
 */
export class OutboxRelay {
  private session?: Client;
  private running = false;
  private leader = false;
  private wake?: () => void;
  private loop?: Promise<void>;
  private readonly log: Logger;
  private lastHousekeeping = 0;
  private renewal?: NodeJS.Timeout;
  private sessionTail: Promise<void> = Promise.resolve();
  private renewing = false;

  constructor(private readonly options: OutboxRelayOptions) {
    assertIdentifier(options.schema, "schema");
    this.log = options.logger.child({ component: "outbox-relay", schema: options.schema });
    const m = meter();
    m.createObservableGauge("jinlian.outbox.pending", {
      description: "Outbox rows waiting to be published (parked rows excluded)",
    }).addCallback(async (r) => {
      if (!this.leader) return;
      const [{ n }] = await this.options.db("outbox").whereNull("published_at").whereNull("parked_at").count<{ n: string }[]>({ n: "*" });
      r.observe(Number(n), { schema: options.schema });
    });
    m.createObservableGauge("jinlian.outbox.parked", {
      description: "Outbox rows parked: the broker can never take them as they are",
    }).addCallback(async (r) => {
      if (!this.leader) return;
      const [{ n }] = await this.options
        .db("outbox")
        .whereNotNull("parked_at")
        .whereNull("published_at")
        .count<{ n: string }[]>({ n: "*" });
      r.observe(Number(n), { schema: options.schema });
    });
    this.published = m.createCounter("jinlian.outbox.published", { description: "Events published from the outbox" });
    this.lag = m.createHistogram("jinlian.outbox.lag", { unit: "ms", description: "Time from commit to Kafka ack" });
  }
  private readonly published;
  private readonly parked = meter().createCounter("jinlian.outbox.parked_rows", { description: "Outbox rows parked since start" });
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

  /**
   * A commit was announced since the last read began. A notification that lands while a batch is
   * in flight has no sleep to end; without this the relay would sleep a whole poll interval after
   * a read (the one made ahead) that began before that commit.
   */
  private notified = false;

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

  /**
   * This relay holds its `awake` lock (outboxRelayLocks): writers' commits are not announced.
   * Taken while it finds rows to send, given up before it sleeps (see rest).
   */
  private awake = false;

  /**
   * Since `awake` was last given up, `writers` was found free: every commit made while it was
   * held has ended, so a read begun after that sees it, and every later commit is announced.
   */
  private writersDone = false;

  /** How long to wait before looking at `writers` again while a transaction still holds it. */
  private writersWaitMs = 1;

  /**
   * Stops the announcements while rows keep coming: each one costs its commit PostgreSQL's
   * notification-queue lock, held through the WAL flush (migration 0011). Taken only once a
   * batch follows another at once: a relay woken for each commit of a quiet outbox would spend
   * more statements on the lock than the announcements cost.
   */
  private async stayAwake(): Promise<void> {
    if (this.awake) return;
    // Writers hold `awake` shared only for an instant inside their trigger; this never waits long.
    await this.onSession("select pg_advisory_lock(hashtextextended($1, 0))", [outboxRelayLocks(this.options.schema).awake]);
    this.awake = true;
    this.writersDone = false;
  }

  /**
   * After a read that found nothing: sleeps until a commit is announced (or the poll interval),
   * but only once no commit can have gone unannounced. Giving up `awake` makes later commits
   * announce themselves; a transaction that looked while it was held holds `writers` until it
   * ends, so `writers` found free means one more read sees all of them. Until then the relay
   * looks again after a short wait, doubling up to the poll interval.
   */
  private async rest(): Promise<void> {
    const pollMs = this.options.pollIntervalMs ?? 1000;
    const locks = outboxRelayLocks(this.options.schema);
    if (this.awake) {
      await this.onSession("select pg_advisory_unlock(hashtextextended($1, 0))", [locks.awake]);
      this.awake = false;
      this.writersDone = false;
      this.writersWaitMs = 1;
    }
    // A commit announced meanwhile (once `awake` is given up) is read at once instead.
    if (this.notified) return;
    if (this.writersDone) return this.sleep(pollMs);
    const { rows } = await this.onSession<{ done: boolean }>(
      `select case when pg_try_advisory_lock(hashtextextended($1, 0)) then pg_advisory_unlock(hashtextextended($1, 0)) else false end as done`,
      [locks.writers],
    );
    if (rows[0]?.done) {
      this.writersDone = true; // the caller reads again before sleeping
      return;
    }
    if (this.notified) return;
    await this.sleep(this.writersWaitMs);
    this.writersWaitMs = Math.min(this.writersWaitMs * 2, pollMs);
  }

  private async releaseSession(): Promise<void> {
    const s = this.session;
    this.forgetSession();
    if (s) await closeClient(s);
  }

  /** Forgets the session and what it held: leadership, `awake`, the lease's renewal. */
  private forgetSession(): void {
    this.session = undefined;
    this.leader = false;
    this.awake = false; // session locks go with the session
    this.writersDone = false;
    this.stopRenewing();
  }

  private get sessionTimeoutMs(): number {
    return this.options.sessionTimeoutMs ?? 10_000;
  }

  private get leaseMs(): number {
    return this.options.leaseMs ?? 15_000;
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
    // One query at a time on the session (the lease renewal runs beside the publishing loop).
    const turn = this.sessionTail.then(() => session.query<R>(sql, params));
    this.sessionTail = turn.then(
      () => undefined,
      () => undefined,
    );
    try {
      return await turn;
    } catch (err) {
      // Only the session the query ran on is dropped; a newer one is left alone.
      if (this.session === session) await this.releaseSession();
      throw err;
    }
  }

  private async tryLead(): Promise<boolean> {
    if (!this.session) {
      const s = new Client({
        connectionString: this.options.url,
        application_name: `jinlian-relay-${this.options.schema}`,
        connectionTimeoutMillis: this.sessionTimeoutMs,
        query_timeout: this.sessionTimeoutMs,
        keepAlive: true,
        keepAliveInitialDelayMillis: 5_000,
      });
      s.on("error", (err) => {
        // A terminated client can report more than once ("terminating connection", then
        // "terminated unexpectedly"). Only this relay's current session may be dropped here: a
        // late error from an old client must not orphan a newer session that holds the lock.
        if (this.session !== s) return;
        this.log.warn({ err: err.message }, "relay session lost; leadership released");
        this.forgetSession();
        void closeClient(s);
        this.wake?.();
      });
      try {
        await s.connect();
      } catch (err) {
        await closeClient(s);
        throw err;
      }
      s.on("notification", () => {
        this.notified = true;
        this.wake?.();
      });
      this.session = s;
      // A mark lost in a crash only re-publishes (consumers deduplicate), so the relay's own
      // session need not wait for its commits to be flushed.
      await this.onSession("set synchronous_commit = off");
      // The relay reads the oldest rows in the unpublished index's order and stops at its limit.
      // A burst committed before autovacuum's analyze leaves the planner believing the table
      // small: it then gathers every unpublished row (and every dead entry) and sorts them, for
      // each batch, so a backlog of n rows drains in O(n²). Only the relay's queries run on this
      // session, and none of them needs a sort or a bitmap scan.
      await this.onSession("set enable_sort = off; set enable_bitmapscan = off");
      // The server drops the session of a peer that went silent (keepalive probes unanswered,
      // data unacknowledged), which releases the lock even if no standby intervenes.
      const seconds = Math.max(1, Math.round(this.sessionTimeoutMs / 1000));
      await this.onSession(
        `set statement_timeout = ${this.sessionTimeoutMs}; set tcp_keepalives_idle = ${seconds}; set tcp_keepalives_interval = ${Math.max(1, Math.round(seconds / 3))}; set tcp_keepalives_count = 3; set tcp_user_timeout = ${this.sessionTimeoutMs * 2}`,
      );
    }
    const key = lockKey(this.options.schema);
    const { rows } = await this.onSession<{ ok: boolean }>("select pg_try_advisory_lock($1::bigint) as ok", [key.toString()]);
    if (rows[0]?.ok) {
      await this.onSession(
        `insert into "${this.options.schema}".outbox_relay_lease (id, holder_pid, holder, heartbeat_at) values (1, pg_backend_pid(), $1, now())
         on conflict (id) do update set holder_pid = excluded.holder_pid, holder = excluded.holder, heartbeat_at = excluded.heartbeat_at`,
        [`${hostname()}:${process.pid}`],
      );
      const current = this.session;
      if (current) this.startRenewing(current);
      await this.onSession(`listen "${outboxChannel(this.options.schema)}"`);
      this.log.info("relay is the leader for this schema");
      return true;
    }
    await this.takeOverFromSilentLeader(key);
    return false;
  }

  /**
   * The leader proves it is alive by renewing its lease on its own session, on a timer of its own
   * so a slow Kafka send does not let the lease lapse. A renewal that fails drops the session
   * (and leadership) like any other failed query on it.
   */
  private startRenewing(session: Client): void {
    this.stopRenewing();
    this.renewal = setInterval(
      () => {
        if (this.session !== session || this.renewing) return;
        this.renewing = true;
        this.onSession(`update "${this.options.schema}".outbox_relay_lease set heartbeat_at = now() where id = 1`)
          .catch((err: Error) => {
            this.log.warn({ err: err.message }, "relay lease renewal failed; leadership released");
            this.wake?.();
          })
          .finally(() => (this.renewing = false));
      },
      Math.max(50, Math.floor(this.leaseMs / 5)),
    );
    this.renewal.unref();
  }

  private stopRenewing(): void {
    if (this.renewal) clearInterval(this.renewal);
    this.renewal = undefined;
  }

  /**
   * A standby that finds the lock held checks the holder's lease. A lease older than `leaseMs`
   * means the leader is cut off (its packets dropped without a reset, so PostgreSQL may hold its
   * session, and the lock, for many minutes): the standby terminates that session — only if it
   * is still the one holding this lock — and tries for the lock on its next round.
   */
  private async takeOverFromSilentLeader(key: bigint): Promise<void> {
    const [classid, objid] = lockOids(key);
    const { rows } = await this.onSession<{ pid: number; silent_ms: number }>(
      `select l.pid, (extract(epoch from now() - lease.heartbeat_at) * 1000)::float8 as silent_ms
         from pg_locks l
         join "${this.options.schema}".outbox_relay_lease lease on lease.holder_pid = l.pid
        where l.locktype = 'advisory' and l.granted and l.objsubid = 1 and l.classid = $1::oid and l.objid = $2::oid
          and l.database = (select oid from pg_database where datname = current_database())`,
      [classid, objid],
    );
    const holder = rows[0];
    if (!holder || holder.silent_ms <= this.leaseMs) return;
    this.log.warn(
      { pid: holder.pid, silentMs: Math.round(holder.silent_ms) },
      "relay leader silent past its lease; terminating its session to take over",
    );
    await this.onSession("select pg_terminate_backend($1)", [holder.pid]);
    this.wake?.(); // try for the lock again soon rather than after a whole retry interval
  }

  private async run(): Promise<void> {
    let backoff = 200;
    let busy = 0; // batches sent in a row
    while (this.running) {
      try {
        if (!this.leader) {
          this.prefetched = undefined; // read on a session of an earlier leadership
          await this.marked().catch(() => undefined);
          this.leader = await this.tryLead();
          if (!this.leader) {
            await this.sleep(this.options.leaderRetryMs ?? 2000);
            continue;
          }
        }
        const sent = await this.publishBatch();
        backoff = 200;
        busy = sent > 0 ? busy + 1 : 0;
        // Rows again right after a send: commits come faster than the broker answers.
        if (busy >= 2) await this.stayAwake();
        await this.housekeeping();
        if (sent === 0 && !this.notified) await this.rest();
      } catch (err) {
        this.log.warn({ err: (err as Error).message, retryInMs: backoff }, "outbox publish failed; will retry");
        this.prefetched = undefined;
        await this.marked().catch(() => undefined); // a failed mark dropped the session: its rows go again
        if (!this.session) this.leader = false;
        await this.sleep(backoff);
        backoff = Math.min(backoff * 2, 5000);
      }
    }
    await this.marked().catch(() => undefined); // rows left unmarked are published again by the next leader
  }

  /**
   * Sends the oldest publishable rows, at most `batchSize` and `maxBatchBytes`, in one request;
   * returns how many rows it settled (published or parked), 0 when there was nothing to send.
   */
  private async publishBatch(): Promise<number> {
    // Rows read while the previous batch was in flight, if that batch went out whole.
    const prefetched = this.prefetched;
    this.prefetched = undefined;
    const rows = prefetched ? await prefetched : await this.fetch([]);
    if (rows.length === 0) {
      await this.marked();
      return 0;
    }
    const cap = this.options.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES;
    const batch: OutboxRow[] = [];
    let bytes = 0;
    for (const row of rows) {
      const size = rowBytes(row);
      if (batch.length > 0 && bytes + size > cap) break;
      batch.push(row);
      bytes += size;
    }
    // The next rows are read while this batch is on its way to the broker (the session is idle
    // meanwhile). They are used only if this batch goes out whole: a parked row may hold back
    // later rows of its aggregate, and a failed send is retried as it was.
    const next = this.fetch(batch.map((r) => r.seq));
    next.catch(() => undefined); // seen, if it matters, when the next batch is read again
    let span: Span;
    try {
      span = await this.sendOnly(batch);
    } catch (err) {
      await next.catch(() => undefined);
      await this.marked();
      if (unpublishableReason(err) === undefined) throw err; // an outage: retry the same batch later
      return this.settleOneByOne(batch);
    }
    this.prefetched = next.then(
      (r) => r,
      () => this.fetch([]),
    );
    // Seen when the next batch awaits it. A relay that stops first (its session lost, as the
    // read again would find) must not leave it rejected and unhandled: that ends the process.
    this.prefetched.catch(() => undefined);
    // The mark goes out while the next batch is sent: it is queued on the session ahead of the
    // next read, so that read sees these rows published. The previous batch's mark is awaited
    // here, so a failed one (the session dropped with it) stops the relay before it goes further.
    const previous = this.marking;
    this.marking = this.markPublished(batch, span);
    this.marking.catch(() => undefined); // seen when awaited
    await previous;
    return batch.length;
  }

  /** The mark of the last batch sent, while it is on its way (see publishBatch). */
  private marking?: Promise<void>;

  /** Waits for the last batch's mark; throws if it failed. */
  private async marked(): Promise<void> {
    const marking = this.marking;
    this.marking = undefined;
    await marking;
  }

  /** Rows read ahead while a batch was in flight (see publishBatch). */
  private prefetched?: Promise<OutboxRow[]>;

  /** The oldest publishable rows but `excluding` (a batch in flight), at most `batchSize`. */
  private async fetch(excluding: readonly string[]): Promise<OutboxRow[]> {
    // Read and mark on the leader's own session: if leadership is lost, this relay stops at once.
    const table = `"${this.options.schema}".outbox`;
    this.notified = false; // this read sees every commit announced so far
    const { rows } = await this.onSession<OutboxRow>(
      `select o.seq, o.topic, o.message_key, o.event_type, o.headers, o.payload, o.created_at from ${table} o
        where o.published_at is null and o.parked_at is null and o.seq <> all($2::bigint[])
          and not exists (select 1 from ${table} p where p.parked_at is not null and p.published_at is null
                            and p.topic = o.topic and p.message_key = o.message_key and p.seq < o.seq)
        order by o.seq limit $1`,
      [this.options.batchSize ?? DEFAULT_RELAY_BATCH_SIZE, excluding],
    );
    return rows;
  }

  /**
   * After the broker refused a batch for good: sends its rows one at a time, in order, parking
   * each it can never take; a row whose aggregate was parked in this pass is left for later
   * (it waits behind the parked row). An outage midway is thrown; what was sent stays marked.
   */
  private async settleOneByOne(batch: readonly OutboxRow[]): Promise<number> {
    const blocked = new Set<string>();
    let settled = 0;
    for (const row of batch) {
      const aggregate = `${row.topic}\u0000${row.message_key}`;
      if (blocked.has(aggregate)) continue;
      try {
        await this.send([row]);
      } catch (err) {
        const reason = unpublishableReason(err);
        if (reason === undefined) throw err;
        await this.park(row, reason);
        blocked.add(aggregate);
      }
      settled++;
    }
    return settled;
  }

  private async park(row: OutboxRow, reason: string): Promise<void> {
    const table = `"${this.options.schema}".outbox`;
    await this.onSession(`update ${table} set parked_at = now(), parked_reason = $2 where seq = $1`, [row.seq, reason.slice(0, 1000)]);
    this.parked.add(1, { schema: this.options.schema, topic: row.topic });
    this.log.error(
      { seq: row.seq, topic: row.topic, key: row.message_key, type: row.event_type, bytes: rowBytes(row), reason },
      "outbox row parked: the broker cannot take it; later events of its aggregate wait until it is requeued",
    );
  }

  /** Sends `rows` in one request and marks them published after Kafka acks. */
  private async send(rows: readonly OutboxRow[]): Promise<void> {
    await this.markPublished(rows, await this.sendOnly(rows));
  }

  /**
   * Sends `rows` in one request, under one PRODUCER span for the batch (ended once the rows are
   * marked). Each message carries the headers stored with its row, so its `traceparent` is the
   * context of the use case that wrote it: the consumer continues that trace, and the batch's span
   * links to it. A span and trace headers per row cost about a fifth of the relay's CPU in a
   * backlog drain, telemetry sampled or not (see docs/performance.md, tenth round).
   */
  private async sendOnly(rows: readonly OutboxRow[]): Promise<Span> {
    const byTopic = new Map<string, TopicMessages>();
    for (const row of rows) {
      let entry = byTopic.get(row.topic);
      if (!entry) byTopic.set(row.topic, (entry = { topic: row.topic, messages: [] }));
      entry.messages.push({ key: row.message_key, value: row.payload, headers: row.headers });
    }
    const topics = [...byTopic.keys()];
    const span = tracer().startSpan(topics.length === 1 ? `${topics[0]} publish` : "outbox publish", {
      kind: SpanKind.PRODUCER,
      root: true,
    });
    if (span.isRecording()) {
      span.setAttributes({
        "messaging.system": "kafka",
        "messaging.operation.type": "send",
        "messaging.batch.message_count": rows.length,
        ...(topics.length === 1 ? { "messaging.destination.name": topics[0] } : {}),
      });
      span.addLinks(messageLinks(rows));
    }
    try {
      await this.options.producer.sendBatch({ topicMessages: [...byTopic.values()], acks: -1 });
    } catch (err) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
      span.end();
      throw err;
    }
    return span;
  }

  private async markPublished(rows: readonly OutboxRow[], span: Span): Promise<void> {
    const table = `"${this.options.schema}".outbox`;
    try {
      await this.onSession(`update ${table} set published_at = now() where seq = any($1::bigint[])`, [rows.map((r) => r.seq)]);
    } finally {
      span.end();
    }
    const now = Date.now();
    for (const row of rows) this.lag.record(now - row.created_at.getTime(), { topic: row.topic });
    this.published.add(rows.length, { schema: this.options.schema });
  }

  private async housekeeping(): Promise<void> {
    if (Date.now() - this.lastHousekeeping < 60_000) return;
    this.lastHousekeeping = Date.now();
    const cutoff = new Date(Date.now() - (this.options.retainPublishedMs ?? 7 * 24 * 3600 * 1000));
    await this.options.db("outbox").whereNotNull("published_at").where("published_at", "<", cutoff).delete();
    const parkedBefore = new Date(Date.now() - (this.options.parkedRetryMs ?? 10 * 60_000));
    const retried = await this.options
      .db("outbox")
      .whereNull("published_at")
      .where("parked_at", "<", parkedBefore)
      .update({ parked_at: null, parked_reason: null });
    if (retried > 0) this.log.info({ rows: retried }, "parked outbox rows back in line for another try");
    // The leader also expires idempotency keys of its schema: one cleaner per schema is enough.
    await this.options
      .db("idempotency_keys")
      .where("created_at", "<", new Date(Date.now() - IDEMPOTENCY_RETENTION_MS))
      .delete();
  }
}

/** Links a batch's span keeps at most: the SDK's default limit (it drops the rest). */
const MAX_LINKS = 128;

/** The distinct trace contexts the rows were written in (one use case often writes several). */
function messageLinks(rows: readonly OutboxRow[]): Link[] {
  const links: Link[] = [];
  const seen = new Set<string>();
  for (const row of rows) {
    const parent = row.headers.traceparent;
    if (!parent || seen.has(parent)) continue;
    seen.add(parent);
    const linked = trace.getSpanContext(extractTraceContext(row.headers));
    if (linked && trace.isSpanContextValid(linked)) links.push({ context: linked });
    if (links.length === MAX_LINKS) break;
  }
  return links;
}

/**
 * Ends a client without waiting on a peer that may never answer: a session whose packets are
 * dropped would keep `end()` pending, so after a second the socket is destroyed.
 */
async function closeClient(client: Client): Promise<void> {
  const ended = client.end().then(
    () => true,
    () => true,
  );
  if (await Promise.race([ended, delay(1000).then(() => false)])) return;
  (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
}
