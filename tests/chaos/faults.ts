/**
 * Faults a chaos run injects, one at a time at seeded random moments while the workload runs:
 * SIGKILL of a node while its relay has rows to publish (mid-batch) or while its consumers have
 * events to apply (mid-handler), each followed by a restart; a restart of the Kafka broker; a
 * restart of PostgreSQL. Each is recorded with its time, target and what it hit.
 */
import type { Admin } from "kafkajs";
import type { DedicatedKafka } from "../support/dedicated-kafka";
import type { DedicatedPostgres } from "../support/dedicated-postgres";
import { query } from "../support/db";
import type { NodeProcess } from "./processes";
import type { Rng } from "./rng";

export type FaultKind = "kill-relay" | "kill-consumer" | "restart-kafka" | "restart-postgres";
export const FAULT_KINDS: readonly FaultKind[] = ["kill-relay", "kill-consumer", "restart-kafka", "restart-postgres"];

export interface FaultRecord {
  /** Seconds since the run started. */
  at: number;
  kind: FaultKind;
  target: string;
  /** What it hit, e.g. "12 outbox rows unpublished". */
  detail: string;
  /** How long until the target served again. */
  tookMs: number;
  error?: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Unpublished, unparked outbox rows across the node's service schemas (undefined while unreachable). */
export async function pendingOutbox(node: NodeProcess): Promise<number | undefined> {
  try {
    const schemas = await outboxSchemas(node.databaseUrl);
    if (schemas.length === 0) return 0;
    const sql = schemas
      .map((s) => `select count(*)::int as n from "${s}".outbox where published_at is null and parked_at is null`)
      .join(" union all ");
    const rows = await query<{ n: number }>(node.databaseUrl, sql);
    return rows.reduce((a, r) => a + r.n, 0);
  } catch {
    return undefined;
  }
}

const schemaCache = new Map<string, string[]>();
export async function outboxSchemas(url: string): Promise<string[]> {
  const known = schemaCache.get(url);
  if (known) return known;
  const rows = await query<{ s: string }>(
    url,
    "select table_schema as s from information_schema.tables where table_name = 'outbox' order by table_schema",
  );
  const schemas = rows.map((r) => r.s);
  if (schemas.length > 0) schemaCache.set(url, schemas);
  return schemas;
}

/** Messages the node's consumer groups have not committed yet (undefined while the broker does not answer). */
export async function consumerLag(admin: Admin, namespace: string, node: NodeProcess): Promise<number | undefined> {
  try {
    const { groups } = await admin.listGroups();
    let lag = 0;
    for (const g of groups.filter((x) => x.groupId.startsWith(`${namespace}.${node.code}.`))) {
      const committed = await admin.fetchOffsets({ groupId: g.groupId });
      for (const t of committed) {
        const ends = await admin.fetchTopicOffsets(t.topic);
        for (const p of t.partitions) {
          const end = ends.find((e) => e.partition === p.partition);
          if (!end) continue;
          const from = Number(p.offset) >= 0 ? Number(p.offset) : Number(end.low);
          lag += Math.max(0, Number(end.high) - from);
        }
      }
    }
    return lag;
  } catch {
    return undefined;
  }
}

export interface FaultContext {
  rng: Rng;
  nodes: NodeProcess[];
  broker: DedicatedKafka;
  postgres: DedicatedPostgres;
  admin: Admin;
  namespace: string;
  startedAt: number;
  /** Starts work that gives the node's relay ("relay") or consumers ("consumer") something to do now. */
  burst: (node: string, aim: "relay" | "consumer") => void;
  log: (line: string) => void;
}

export class FaultInjector {
  readonly records: FaultRecord[] = [];
  constructor(private readonly ctx: FaultContext) {}

  /** Each kind `perKind` times, in a seeded order, spaced by seeded pauses; ends early only when `done()` and `stopEarly`. */
  async run(perKind: number, pauseMs: [number, number], done: () => boolean): Promise<void> {
    const plan = this.ctx.rng.shuffle(FAULT_KINDS.flatMap((k) => Array.from({ length: perKind }, () => k)));
    for (const kind of plan) {
      // Pauses only while the workload runs; once it is done the rest follow at once, during the drain.
      const pause = this.ctx.rng.between(pauseMs[0], pauseMs[1]);
      const until = Date.now() + pause;
      while (Date.now() < until && !done()) await sleep(200);
      await this.inject(kind);
    }
  }

  private async inject(kind: FaultKind): Promise<void> {
    const { rng, nodes, log } = this.ctx;
    const record: FaultRecord = { at: (Date.now() - this.ctx.startedAt) / 1000, kind, target: "", detail: "", tookMs: 0 };
    const began = Date.now();
    try {
      if (kind === "kill-relay" || kind === "kill-consumer") {
        const node = nodes[rng.int(nodes.length)]!;
        record.target = `node ${node.code}`;
        // Aim: the relay with rows in hand, or a consumer with events to apply (bounded wait).
        this.ctx.burst(node.code, kind === "kill-relay" ? "relay" : "consumer");
        const aimUntil = Date.now() + 8_000;
        let hit: number | undefined;
        while (Date.now() < aimUntil) {
          hit = kind === "kill-relay" ? await pendingOutbox(node) : await consumerLag(this.ctx.admin, this.ctx.namespace, node);
          if ((hit ?? 0) > 0) break;
          await sleep(kind === "kill-relay" ? 5 : 50);
        }
        record.at = (Date.now() - this.ctx.startedAt) / 1000;
        await node.kill();
        record.detail =
          kind === "kill-relay" ? `SIGKILL with ${hit ?? "?"} outbox rows unpublished` : `SIGKILL with consumer lag ${hit ?? "?"}`;
        const restartBegan = Date.now();
        await sleep(rng.between(200, 2_000));
        try {
          await node.start();
          await node.waitReady();
        } catch (err) {
          // A node that cannot start again is a finding; it is still brought back (bounded), so the
          // rest of the run goes on against two nodes.
          record.error = (err as Error).message;
          for (let attempt = 0; attempt < 3 && !node.running; attempt++)
            await node
              .start()
              .then(() => node.waitReady())
              .catch(() => undefined);
        }
        record.tookMs = Date.now() - restartBegan;
      } else if (kind === "restart-kafka") {
        record.target = "kafka broker";
        await this.ctx.broker.stop();
        const down = rng.between(1_000, 5_000);
        record.detail = `stopped, down ${(down / 1000).toFixed(1)} s, started`;
        await sleep(down);
        await this.ctx.broker.start();
        record.tookMs = Date.now() - began;
      } else {
        record.target = "postgresql";
        await this.ctx.postgres.stop();
        const down = rng.between(1_000, 5_000);
        record.detail = `stopped, down ${(down / 1000).toFixed(1)} s, started`;
        await sleep(down);
        await this.ctx.postgres.start();
        record.tookMs = Date.now() - began;
      }
    } catch (err) {
      record.error ??= (err as Error).message;
    }
    this.records.push(record);
    log(`fault: t=${record.at.toFixed(1)}s ${kind} ${record.target}: ${record.detail}${record.error ? ` ERROR ${record.error}` : ""}`);
  }
}
