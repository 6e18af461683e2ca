/**
 * Reading the internal topics of a MirrorMaker 2 flow: a Kafka Connect cluster whose internal
 * topics live on the flow's target cluster, named one way by MirrorMaker's dedicated mode (local
 * and tests, infra/mirror-maker) and another by Strimzi's KafkaMirrorMaker2 (Kubernetes,
 * k8s/components/mirror-maker):
 *   status   connector and task states
 *   configs  connector configurations and how many tasks each has now
 *   offsets  the source offsets MirrorSourceConnector has copied
 * Connect writes them as schemaless JSON; every topic is compacted, so the latest record of a key
 * is the current value and a null value deletes it. Pure: records in, state out.
 */

/** How MirrorMaker runs, which decides the names of a flow's Connect group, topics and connector. */
export type MirrorMakerLayout = "dedicated" | "strimzi";

export const MIRROR_MAKER_LAYOUTS: readonly MirrorMakerLayout[] = ["dedicated", "strimzi"];

/** A flow as federationLinks() describes it (a MirrorLink). */
export interface FlowLink {
  direction: "down" | "up";
  source: string;
  target: string;
  sourceAlias: string;
  targetAlias: string;
}

export interface FlowNames {
  layout: MirrorMakerLayout;
  status: string;
  configs: string;
  offsets: string;
  /** The Connect worker group of the flow, on the target cluster. */
  group: string;
  /** The name MirrorSourceConnector runs under, which also keys its offsets. */
  sourceConnector: string;
}

/**
 * The names of a flow's Connect cluster.
 * - dedicated: MirrorMaker names everything after the source alias A: `mm2-status.A.internal`
 *   (and configs, offsets), group `A-mm2`, connector `MirrorSourceConnector`.
 * - strimzi: as the manifests set them — group `<ns>-mm2-down` on a district's cluster,
 *   `<ns>-mm2-up-<district>` on the city's (one per district there), topics `<group>-status`
 *   (-config, -offsets); Strimzi names the connector `A->B.MirrorSourceConnector`.
 */
export function flowNames(layout: MirrorMakerLayout, link: FlowLink, namespace: string): FlowNames {
  if (layout === "dedicated")
    return {
      layout,
      status: `mm2-status.${link.sourceAlias}.internal`,
      configs: `mm2-configs.${link.sourceAlias}.internal`,
      offsets: `mm2-offsets.${link.sourceAlias}.internal`,
      group: `${link.sourceAlias}-mm2`,
      sourceConnector: "MirrorSourceConnector",
    };
  const group = link.direction === "down" ? `${namespace}-mm2-down` : `${namespace}-mm2-up-${link.source}`;
  return {
    layout,
    status: `${group}-status`,
    configs: `${group}-config`,
    offsets: `${group}-offsets`,
    group,
    sourceConnector: `${link.sourceAlias}->${link.targetAlias}.MirrorSourceConnector`,
  };
}

/** MirrorSourceConnector under either layout's name. */
export function isSourceConnector(name: string): boolean {
  return /(^|\.)MirrorSourceConnector$/.test(name);
}

/** A record as read from Kafka: key and value bytes (null for a tombstone). */
export interface RawRecord {
  key: Buffer | null;
  value: Buffer | null;
}

function json(value: Buffer): unknown {
  try {
    return JSON.parse(value.toString("utf8"));
  } catch {
    return undefined;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

// ---- status ----

/** Connect's states (AbstractStatus.State); anything else is kept as read. */
export type ConnectState = "RUNNING" | "PAUSED" | "FAILED" | "UNASSIGNED" | "RESTARTING" | "STOPPED" | "DESTROYED" | string;

export interface WorkerState {
  state: ConnectState;
  workerId: string;
  /** The stack trace of a FAILED connector or task. */
  trace?: string;
  generation?: number;
}

export interface ConnectorState extends WorkerState {
  name: string;
}

export interface TaskState extends WorkerState {
  connector: string;
  task: number;
}

export type StatusRecord =
  | { kind: "connector"; name: string; state: WorkerState | null }
  | { kind: "task"; connector: string; task: number; state: WorkerState | null };

/**
 * One record of the status topic: `status-connector-<name>` or `status-task-<name>-<n>` with
 * `{"state","trace","worker_id","generation"}`. Undefined for other keys (Connect also tracks the
 * topics a connector uses, `status-topic-…`) and for values it cannot read.
 */
export function parseStatusRecord(r: RawRecord): StatusRecord | undefined {
  const key = r.key?.toString("utf8");
  if (!key) return undefined;
  let target: { kind: "connector"; name: string } | { kind: "task"; connector: string; task: number };
  if (key.startsWith("status-connector-")) target = { kind: "connector", name: key.slice("status-connector-".length) };
  else if (key.startsWith("status-task-")) {
    // The connector's name may hold dashes; the task number follows the last one.
    const m = /^(.+)-(\d+)$/.exec(key.slice("status-task-".length));
    if (!m) return undefined;
    target = { kind: "task", connector: m[1]!, task: Number(m[2]) };
  } else return undefined;
  if (r.value === null) return { ...target, state: null };
  const v = json(r.value);
  if (!isObject(v) || typeof v.state !== "string") return undefined;
  const state: WorkerState = {
    state: v.state,
    workerId: typeof v.worker_id === "string" ? v.worker_id : "",
    ...(typeof v.trace === "string" && v.trace !== "" ? { trace: v.trace } : {}),
    ...(typeof v.generation === "number" ? { generation: v.generation } : {}),
  };
  return { ...target, state };
}

export interface FlowStatus {
  connectors: Map<string, ConnectorState>;
  /** Per connector, its tasks by number. */
  tasks: Map<string, Map<number, TaskState>>;
}

/** The current states from the status topic's records, in offset order (latest per key wins). */
export function foldStatus(records: Iterable<RawRecord>): FlowStatus {
  const connectors = new Map<string, ConnectorState>();
  const tasks = new Map<string, Map<number, TaskState>>();
  for (const raw of records) {
    const r = parseStatusRecord(raw);
    if (!r) continue;
    if (r.kind === "connector") {
      if (r.state) connectors.set(r.name, { name: r.name, ...r.state });
      else connectors.delete(r.name);
    } else {
      const of = tasks.get(r.connector) ?? new Map<number, TaskState>();
      if (r.state) of.set(r.task, { connector: r.connector, task: r.task, ...r.state });
      else of.delete(r.task);
      tasks.set(r.connector, of);
    }
  }
  return { connectors, tasks };
}

// ---- configs ----

export interface FlowConfig {
  /** Connectors configured now, with the number of tasks of their latest committed task set. */
  connectors: Map<string, { tasks?: number; targetState?: string }>;
}

/**
 * The config topic's records, in offset order: `connector-<name>` (a configuration; null deletes
 * the connector), `commit-<name>` (`{"tasks":n}`: the task set now in force) and
 * `target-state-<name>` (`{"state":"STARTED"|"PAUSED"|"STOPPED"}`). The task count tells which
 * task statuses are current: a status record outlives a task that no longer exists.
 */
export function foldConfig(records: Iterable<RawRecord>): FlowConfig {
  const connectors = new Map<string, { tasks?: number; targetState?: string }>();
  const entry = (name: string) => {
    const e = connectors.get(name) ?? {};
    connectors.set(name, e);
    return e;
  };
  for (const r of records) {
    const key = r.key?.toString("utf8");
    if (!key) continue;
    const v = r.value === null ? null : json(r.value);
    if (key.startsWith("connector-")) {
      const name = key.slice("connector-".length);
      if (v === null) connectors.delete(name);
      else entry(name);
    } else if (key.startsWith("commit-")) {
      const name = key.slice("commit-".length);
      if (isObject(v) && typeof v.tasks === "number" && connectors.has(name)) entry(name).tasks = v.tasks;
    } else if (key.startsWith("target-state-")) {
      const name = key.slice("target-state-".length);
      // v2 holds STOPPED, which v1 readers cannot express (KIP-875).
      const state = isObject(v) ? (v["state.v2"] ?? v.state) : undefined;
      if (typeof state === "string" && connectors.has(name)) entry(name).targetState = state;
    }
  }
  return { connectors };
}

// ---- offsets ----

/** Where a source connector stands in one source partition. */
export interface SourceOffset {
  connector: string;
  /** The source cluster's alias. */
  cluster: string;
  topic: string;
  partition: number;
  /** The offset of the last record copied; null when the offset was reset (a tombstone). */
  offset: number | null;
}

/**
 * One record of the offsets topic: key `["<connector>",{"cluster","partition","topic"}]`, value
 * `{"offset":n}` with n the source offset of the last record copied (MirrorMaker resumes at
 * n + 1). Undefined for records it cannot read.
 */
export function parseOffsetRecord(r: RawRecord): SourceOffset | undefined {
  if (!r.key) return undefined;
  const k = json(r.key);
  if (!Array.isArray(k) || k.length !== 2 || typeof k[0] !== "string" || !isObject(k[1])) return undefined;
  const connector = k[0];
  const { cluster, topic, partition } = k[1];
  if (typeof cluster !== "string" || typeof topic !== "string" || typeof partition !== "number") return undefined;
  if (r.value === null) return { connector, cluster, topic, partition, offset: null };
  const v = json(r.value);
  if (!isObject(v) || typeof v.offset !== "number" || !Number.isInteger(v.offset)) return undefined;
  return { connector, cluster, topic, partition, offset: v.offset };
}

/** Offsets of the last copied record, per `topic` then partition, for one source cluster. */
export type CopiedOffsets = Map<string, Map<number, number>>;

/** The committed source offsets of `connector` reading `sourceAlias`, from the offsets topic's records in offset order. */
export function foldOffsets(records: Iterable<RawRecord>, connector: string, sourceAlias: string): CopiedOffsets {
  const out: CopiedOffsets = new Map();
  for (const raw of records) {
    const r = parseOffsetRecord(raw);
    if (!r || r.connector !== connector || r.cluster !== sourceAlias) continue;
    const of = out.get(r.topic) ?? new Map<number, number>();
    if (r.offset === null) of.delete(r.partition);
    else of.set(r.partition, r.offset);
    out.set(r.topic, of);
  }
  return out;
}

/**
 * Where MirrorMaker will read next in a source partition, and how many records it has yet to
 * copy there. With no committed offset it starts at the beginning (MirrorMaker's consumers reset
 * to earliest); records already deleted by retention cannot be copied and are not counted.
 * `end` is the source's last stable offset, so only records a read-committed reader can see.
 */
export function partitionLag(p: { low: number; end: number; copied?: number }): { next: number; lag: number; pastEnd: boolean } {
  const next = Math.max(p.copied === undefined ? p.low : p.copied + 1, p.low);
  // Copied beyond what the source holds: the source topic is not the one MirrorMaker copied from
  // (its cluster rebuilt, the topic recreated). MirrorMaker would resume at `next` and skip the
  // new records before it.
  return { next, lag: Math.max(0, p.end - next), pastEnd: p.copied !== undefined && p.copied + 1 > p.end };
}
