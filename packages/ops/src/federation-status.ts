/**
 * `jinlian-ops federation status`: for every district and both MirrorMaker directions, the
 * connector and task states, the live workers, the lag of every delivery topic in records and in
 * age, the last heartbeat sent and arrived, and (with --city-grpc) the bulletins the city still
 * waits for the district to acknowledge.
 *
 * Everything is read from the clusters themselves, as MirrorMaker 2 leaves it on each flow's target
 * cluster (federation-status-records.ts), so the command needs no Connect REST API (dedicated mode
 * has none to offer, Strimzi's is inside the Kubernetes cluster) and reads Kubernetes' MirrorMakers
 * and the local one alike.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { CITY_JURISDICTION, DISTRICTS, isDistrictCode } from "@jinlian/kernel";
import {
  deliveryTopic,
  federationLinks,
  mirrors,
  type MirrorLink,
  readKafkaSecurity,
  type KafkaSecurity,
  type KafkaSecurityVariables,
} from "@jinlian/subscriber";
import type { Admin, Kafka } from "kafkajs";
import type { FederationCluster } from "./mirror-maker";
import { unacknowledgedByDistrict } from "./federation-status-bulletins";
import {
  mapLimit,
  readRanges,
  statusKafka,
  topicOffsets,
  withTimeout,
  type PartitionOffsets,
  type ReadRange,
  type ReadRecord,
} from "./federation-status-kafka";
import {
  flowNames,
  foldConfig,
  foldOffsets,
  foldStatus,
  MIRROR_MAKER_LAYOUTS,
  partitionLag,
  type CopiedOffsets,
  type FlowConfig,
  type FlowNames,
  type FlowStatus,
  type MirrorMakerLayout,
} from "./federation-status-records";
import {
  DEFAULT_THRESHOLDS,
  judged,
  type ConnectorReport,
  type DistrictReport,
  type HeartbeatSide,
  type LinkReport,
  type StatusReport,
  type Thresholds,
  type TopicLagReport,
  type WorkersReport,
} from "./federation-status-report";
import { renderTable } from "./federation-status-table";

/** The service name heartbeats travel under: `<ns>.<from>.federation.to.<to>`. */
const HEARTBEAT_SERVICE = "federation";
/** Records read back from a heartbeat topic's end: the target's copy ends in transaction markers. */
const HEARTBEAT_TAIL = 20;
/** Topics whose offsets are listed at once per cluster. */
const CONCURRENCY = 8;

export interface FederationStatusOptions {
  namespace: string;
  city: FederationCluster;
  districts: readonly FederationCluster[];
  /** host:port of the city's bulletins service, for unacknowledged bulletins. */
  cityGrpc?: string;
  /** A file holding the bearer token presented to the city's bulletins service (read at each run). */
  cityGrpcTokenFile?: string;
  /** A directory with ca.crt, tls.crt and tls.key (as cert-manager writes them): call the city over mutual TLS. */
  cityGrpcTlsDir?: string;
  thresholds: Thresholds;
  /** Bound of each step against one cluster (connect, list, read). */
  timeoutMs: number;
  /** How MirrorMaker runs; "auto" takes whichever layout's state each target cluster holds. */
  mirrorMaker: MirrorMakerLayout | "auto";
  /** The command's Kafka credentials (KAFKA_TLS_*, KAFKA_SASL_*), the same user on every cluster. */
  security?: KafkaSecurity;
}

const heartbeatTopic = (ns: string, link: MirrorLink) => deliveryTopic(ns, HEARTBEAT_SERVICE, link.source, link.target);

interface InboundFlow {
  names: FlowNames;
  status: FlowStatus;
  config: FlowConfig;
  copied: CopiedOffsets;
  workers: WorkersReport;
}

/** What one cluster told: as the target of flows, and as the source of flows. */
interface ClusterView {
  topics: Set<string>;
  /** Offsets of the topics this cluster is asked about (delivery, heartbeat, internal). */
  offsets: Map<string, PartitionOffsets[]>;
  /** Per flow into this cluster, by source alias: its Connect cluster's state, or where it was looked for. */
  inbound: Map<string, InboundFlow | { lookedFor: string[] }>;
  /** Records read in the second pass: oldest waiting records and heartbeat tails. */
  tails: ReadRecord[];
}

class ClusterSession {
  readonly kafka: Kafka;
  readonly admin: Admin;
  view?: ClusterView;
  error?: string;

  constructor(
    readonly cluster: FederationCluster,
    private readonly timeoutMs: number,
    private readonly layout: MirrorMakerLayout | "auto",
    security?: KafkaSecurity,
  ) {
    this.kafka = statusKafka(cluster.bootstrapServers.split(","), timeoutMs, security);
    this.admin = this.kafka.admin();
  }

  fail(err: unknown): void {
    this.error ??= err instanceof Error ? err.message : String(err);
    this.view = undefined;
  }

  get reachable(): boolean {
    return this.error === undefined;
  }

  /** First pass: topics, offsets, and the internal topics and worker group of every flow into this cluster. */
  async survey(ns: string, inbound: readonly MirrorLink[], outbound: readonly MirrorLink[]): Promise<void> {
    const t = this.timeoutMs;
    await withTimeout(this.admin.connect(), t, `connecting to ${this.cluster.bootstrapServers}`);
    const topics = new Set(await withTimeout(this.admin.listTopics(), t, "listing topics"));
    const wanted = new Set<string>();
    for (const link of outbound) for (const topic of topics) if (mirrors(link, topic)) wanted.add(topic);
    for (const link of [...inbound, ...outbound]) if (topics.has(heartbeatTopic(ns, link))) wanted.add(heartbeatTopic(ns, link));
    // Strimzi's names first: in Kubernetes a dedicated-mode leftover is the odd one.
    const layouts = this.layout === "auto" ? (["strimzi", "dedicated"] as const) : [this.layout];
    const candidates = new Map(inbound.map((l) => [l.sourceAlias, layouts.map((layout) => flowNames(layout, l, ns))]));
    const chosen = new Map(inbound.map((l) => [l.sourceAlias, candidates.get(l.sourceAlias)!.find((n) => topics.has(n.status))]));
    const internal = [...chosen.values()].flatMap((n) => (n ? [n.status, n.configs, n.offsets].filter((x) => topics.has(x)) : []));
    const all = [...wanted, ...internal];
    const listed = await mapLimit(all, CONCURRENCY, async (topic) => [topic, await topicOffsets(this.admin, topic, t)] as const);
    const offsets = new Map(listed);
    const ranges: ReadRange[] = internal.flatMap((topic) =>
      offsets.get(topic)!.map((p) => ({ topic, partition: p.partition, from: p.low, to: p.end })),
    );
    const records = await readRanges(this.kafka, this.admin, ranges, t);
    const of = (topic: string) => records.filter((r) => r.topic === topic);
    const groupIds = [...chosen.values()].flatMap((n) => (n ? [n.group] : []));
    const groups = groupIds.length
      ? (await withTimeout(this.admin.describeGroups(groupIds), t, "describing MirrorMaker's worker groups")).groups
      : [];
    const flows = new Map<string, InboundFlow | { lookedFor: string[] }>(
      inbound.map((l) => {
        const n = chosen.get(l.sourceAlias);
        if (!n) return [l.sourceAlias, { lookedFor: candidates.get(l.sourceAlias)!.map((c) => c.status) }];
        const g = groups.find((x) => x.groupId === n.group);
        return [
          l.sourceAlias,
          {
            names: n,
            status: foldStatus(of(n.status)),
            config: foldConfig(of(n.configs)),
            copied: foldOffsets(of(n.offsets), n.sourceConnector, l.sourceAlias),
            // A group the coordinator does not know has no members: "Dead" in Kafka's words.
            workers: { group: n.group, state: g?.state ?? "Dead", members: g?.members.length ?? 0 },
          },
        ];
      }),
    );
    this.view = { topics, offsets, inbound: flows, tails: [] };
  }

  /** Second pass: the oldest waiting record of every lagging partition, and the heartbeat topics' last records. */
  async readTails(ranges: readonly ReadRange[]): Promise<void> {
    if (!this.view) return;
    this.view.tails = await readRanges(this.kafka, this.admin, ranges, this.timeoutMs);
  }

  async close(): Promise<void> {
    await withTimeout(this.admin.disconnect(), 3000, "disconnecting").catch(() => undefined);
  }
}

function connectorsOf(status: FlowStatus, config: FlowConfig): ConnectorReport[] {
  // Connectors configured now; with no config topic (yet), whatever reported a status.
  const names = config.connectors.size > 0 ? [...config.connectors.keys()] : [...status.connectors.keys()];
  return names.sort().map((name) => {
    const s = status.connectors.get(name);
    const count = config.connectors.get(name)?.tasks;
    const known = status.tasks.get(name) ?? new Map();
    // A status record outlives a task that no longer exists: show the tasks of the current set.
    const ids = count !== undefined ? Array.from({ length: count }, (_, i) => i) : [...known.keys()].sort((a, b) => a - b);
    const targetState = config.connectors.get(name)?.targetState;
    return {
      name,
      state: s?.state ?? "NO_STATUS",
      workerId: s?.workerId ?? "",
      ...(s?.trace ? { trace: s.trace } : {}),
      ...(targetState ? { targetState } : {}),
      tasks: ids.map((task) => {
        const ts = known.get(task);
        return { task, state: ts?.state ?? "NO_STATUS", workerId: ts?.workerId ?? "", ...(ts?.trace ? { trace: ts.trace } : {}) };
      }),
    };
  });
}

function latestTimestamp(view: ClusterView | undefined, topic: string): HeartbeatSide | undefined {
  if (!view) return undefined;
  if (!view.topics.has(topic)) return { state: "never" };
  const times = view.tails.filter((r) => r.topic === topic).map((r) => r.timestamp);
  if (times.length === 0) return { state: "never" };
  return { state: "seen", at: new Date(Math.max(...times)).toISOString(), ageSeconds: 0 };
}

function heartbeatSide(session: ClusterSession, topic: string, now: number): HeartbeatSide {
  const side = latestTimestamp(session.view, topic);
  if (!side) return { state: "unknown", error: `cluster of ${session.cluster.code} out of reach` };
  if (side.state !== "seen") return side;
  return { ...side, ageSeconds: Math.max(0, (now - Date.parse(side.at)) / 1000) };
}

/** The committed source offsets of a flow; none when MirrorMaker has never run it. */
function copiedOf(target: ClusterView, sourceAlias: string): CopiedOffsets {
  const flow = target.inbound.get(sourceAlias);
  return flow && "copied" in flow ? flow.copied : new Map();
}

function lagOf(link: MirrorLink, source: ClusterView, target: ClusterView, now: number): TopicLagReport[] {
  const copied = copiedOf(target, link.sourceAlias);
  const topics = [...source.offsets.keys()].filter((t) => mirrors(link, t)).sort();
  return topics.map((topic) => {
    const partitions = source.offsets.get(topic)!.map((p) => {
      const { next, lag, pastEnd } = partitionLag({ low: p.low, end: p.end, copied: copied.get(topic)?.get(p.partition) });
      const oldest = lag > 0 ? source.tails.find((r) => r.topic === topic && r.partition === p.partition && r.offset >= next) : undefined;
      // Offsets without a record to copy (transaction markers, aborted records) are not lag.
      const lagRecords = lag > 0 && !oldest ? 0 : lag;
      return {
        partition: p.partition,
        end: p.end,
        next,
        lagRecords,
        oldestWaitingAt: oldest ? new Date(oldest.timestamp).toISOString() : null,
        copiedPastEnd: pastEnd,
      };
    });
    const lagRecords = partitions.reduce((n, p) => n + p.lagRecords, 0);
    const oldest = partitions.flatMap((p) => (p.oldestWaitingAt ? [Date.parse(p.oldestWaitingAt)] : []));
    const lagSeconds = oldest.length > 0 ? Math.max(0, (now - Math.min(...oldest)) / 1000) : 0;
    return { topic, lagRecords, lagSeconds, partitions };
  });
}

/** Reads the whole federation's status and judges it. Never throws for a cluster out of reach. */
export async function federationStatus(o: FederationStatusOptions): Promise<StatusReport> {
  const ns = o.namespace;
  const links = o.districts.map((d) => ({ district: d.code, ...federationLinks(ns, d.code) }));
  const flows = links.flatMap((l) => [l.down, l.up]);
  const sessions = new Map([o.city, ...o.districts].map((c) => [c.code, new ClusterSession(c, o.timeoutMs, o.mirrorMaker, o.security)]));
  const session = (code: string) => sessions.get(code)!;
  const unacked = o.cityGrpc
    ? unacknowledgedByDistrict(
        o.cityGrpc,
        o.districts.map((d) => d.code),
        o.timeoutMs * 2,
        o.cityGrpcTokenFile ? async () => (await readFile(o.cityGrpcTokenFile!, "utf8")).trim() : undefined,
        o.cityGrpcTlsDir
          ? {
              files: {
                rootCerts: path.join(o.cityGrpcTlsDir, "ca.crt"),
                certChain: path.join(o.cityGrpcTlsDir, "tls.crt"),
                privateKey: path.join(o.cityGrpcTlsDir, "tls.key"),
              },
            }
          : undefined,
      )
    : undefined;
  try {
    await Promise.all(
      [...sessions.values()].map((s) =>
        s
          .survey(
            ns,
            flows.filter((f) => f.target === s.cluster.code),
            flows.filter((f) => f.source === s.cluster.code),
          )
          .catch((err) => s.fail(err)),
      ),
    );

    // Second pass, once every flow's copied offsets are known: where each source must be read.
    const tails = new Map<string, ReadRange[]>();
    const add = (code: string, r: ReadRange) => tails.set(code, [...(tails.get(code) ?? []), r]);
    for (const f of flows) {
      const source = session(f.source).view;
      const target = session(f.target).view;
      if (source && target)
        for (const [topic, partitions] of source.offsets) {
          if (!mirrors(f, topic)) continue;
          for (const p of partitions) {
            const copied = copiedOf(target, f.sourceAlias).get(topic)?.get(p.partition);
            const { next, lag } = partitionLag({ low: p.low, end: p.end, copied });
            if (lag > 0) add(f.source, { topic, partition: p.partition, from: next, to: p.end, firstOnly: true });
          }
        }
      for (const code of [f.source, f.target]) {
        const topic = heartbeatTopic(ns, f);
        for (const p of session(code).view?.offsets.get(topic) ?? [])
          add(code, { topic, partition: p.partition, from: Math.max(p.low, p.end - HEARTBEAT_TAIL), to: p.end });
      }
    }
    await Promise.all(
      [...sessions.values()].map((s) => (s.view ? s.readTails(tails.get(s.cluster.code) ?? []).catch((err) => s.fail(err)) : undefined)),
    );

    const now = Date.now();
    const districts: DistrictReport[] = links.map((l) => ({
      district: l.district,
      name: DISTRICTS[l.district]?.zh ?? l.district,
      links: [l.down, l.up].map((f): LinkReport => {
        const source = session(f.source);
        const target = session(f.target);
        const inbound = target.view?.inbound.get(f.sourceAlias);
        const found = inbound && "names" in inbound ? inbound : undefined;
        return {
          direction: f.direction,
          source: f.source,
          target: f.target,
          sourceAlias: f.sourceAlias,
          targetAlias: f.targetAlias,
          mirrorMaker: !inbound
            ? null
            : found
              ? {
                  found: true,
                  layout: found.names.layout,
                  group: found.names.group,
                  statusTopic: found.names.status,
                  sourceConnector: found.names.sourceConnector,
                }
              : { found: false, lookedFor: (inbound as { lookedFor: string[] }).lookedFor },
          connectors: found ? connectorsOf(found.status, found.config) : null,
          workers: found?.workers ?? null,
          topics: source.view && target.view ? lagOf(f, source.view, target.view, now) : null,
          heartbeat: {
            topic: heartbeatTopic(ns, f),
            sent: heartbeatSide(source, heartbeatTopic(ns, f), now),
            arrived: heartbeatSide(target, heartbeatTopic(ns, f), now),
          },
          // An unreachable cluster is reported once, as such.
          errors: [],
        };
      }),
    }));

    let cityGrpc: StatusReport["cityGrpc"];
    if (unacked && o.cityGrpc) {
      const u = await unacked;
      cityGrpc = { address: o.cityGrpc, reachable: u.reachable, ...(u.error ? { error: u.error } : {}) };
      for (const d of districts) d.unacknowledged = u.byDistrict.get(d.district);
    }
    return judged({
      namespace: ns,
      at: new Date(now).toISOString(),
      thresholds: o.thresholds,
      clusters: [...sessions.values()].map((s) => ({
        code: s.cluster.code,
        bootstrapServers: s.cluster.bootstrapServers,
        reachable: s.reachable,
        ...(s.error ? { error: s.error } : {}),
      })),
      ...(cityGrpc ? { cityGrpc } : {}),
      districts,
    });
  } finally {
    await unacked?.catch(() => undefined);
    await Promise.all([...sessions.values()].map((s) => s.close()));
  }
}

// ---- the command ----

export const FEDERATION_USAGE = `  federation status   show every district's MirrorMaker flows, lag and heartbeats; exit 1 past a threshold
      --city <code=host:port>          the municipal cluster, e.g. 120000=kafka.jinlian-120000:9092
      --district <code=host:port>      a district's cluster (repeat for each district)
      --namespace <name>               topic namespace (default jinlian)
      --city-grpc <host:port>          the city's bulletins service: count unacknowledged bulletins per district
      --city-grpc-token-file <path>    where the city runs JINLIAN_AUTH=jwt: a file with a city officer's token
      --city-grpc-tls-dir <dir>        where the city serves mutual TLS: ca.crt, tls.crt, tls.key of a certificate of its CA
                                       (JUSTICE_BUREAU or FEDERATION of 120000; docs/security.md)
      --json                           print one JSON document instead of the table
      --max-lag-records <n>            records a delivery topic may have waiting (default ${DEFAULT_THRESHOLDS.maxLagRecords})
      --max-lag-seconds <s>            age the oldest waiting record may reach (default ${DEFAULT_THRESHOLDS.maxLagSeconds})
      --max-heartbeat-age-seconds <s>  age the last arrived heartbeat may reach; 0 skips the check (default ${DEFAULT_THRESHOLDS.maxHeartbeatAgeSeconds})
      --timeout-seconds <s>            bound of each step against one cluster (default 5)
      --mirror-maker <layout>          strimzi (Kubernetes), dedicated (infra/mirror-maker) or auto (default):
                                       where each flow's Connect group and internal topics are found
    credentials: KAFKA_TLS_CA_FILE, KAFKA_TLS_CERT_FILE, KAFKA_TLS_KEY_FILE (mutual TLS) or KAFKA_SASL_MECHANISM,
      KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD_FILE (SCRAM), as for a node; one user for every cluster
    exit status: 0 all within thresholds; 1 a threshold passed, a connector or task not RUNNING,
    or a flow without a live worker; 2 usage error; 3 a cluster or the city's gRPC out of reach
`;

export class UsageError extends Error {}

function clusterArg(spec: string, what: string): FederationCluster {
  const m = /^(\d{6})=([^=\s]+:\d+(?:,[^=\s]+:\d+)*)$/.exec(spec);
  if (!m) throw new UsageError(`${what} must be <code>=<host:port>[,<host:port>…], got ${spec}`);
  return { code: m[1]!, bootstrapServers: m[2]! };
}

function count(value: string | undefined, fallback: number, what: string, min: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === "" || !Number.isInteger(n) || n < min) throw new UsageError(`${what} must be an integer ≥ ${min}, got ${value}`);
  return n;
}

export interface FederationStatusArgs {
  options: FederationStatusOptions;
  json: boolean;
}

/** The options of `federation status`; throws UsageError on anything it cannot take. */
export function parseStatusArgs(args: readonly string[], env: KafkaSecurityVariables = process.env): FederationStatusArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: {
        city: { type: "string" },
        district: { type: "string", multiple: true },
        namespace: { type: "string", default: "jinlian" },
        "city-grpc": { type: "string" },
        "city-grpc-token-file": { type: "string" },
        "city-grpc-tls-dir": { type: "string" },
        json: { type: "boolean", default: false },
        "max-lag-records": { type: "string" },
        "max-lag-seconds": { type: "string" },
        "max-heartbeat-age-seconds": { type: "string" },
        "timeout-seconds": { type: "string" },
        "mirror-maker": { type: "string", default: "auto" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (!values.city) throw new UsageError("--city is required");
  const city = clusterArg(values.city, "--city");
  if (city.code !== CITY_JURISDICTION) throw new UsageError(`--city must name the city, ${CITY_JURISDICTION}, not ${city.code}`);
  const districts = (values.district ?? []).map((d) => clusterArg(d, "--district"));
  if (districts.length === 0) throw new UsageError("at least one --district is required");
  for (const d of districts) if (!isDistrictCode(d.code)) throw new UsageError(`${d.code} is not a district of Tianjin`);
  if (new Set(districts.map((d) => d.code)).size !== districts.length) throw new UsageError("each district may be given once");
  if (!/^[a-z0-9][a-z0-9-]*$/.test(values.namespace)) throw new UsageError(`--namespace ${values.namespace} is not a topic namespace`);
  const layout = values["mirror-maker"];
  if (layout !== "auto" && !(MIRROR_MAKER_LAYOUTS as readonly string[]).includes(layout))
    throw new UsageError(`--mirror-maker must be auto, ${MIRROR_MAKER_LAYOUTS.join(" or ")}, got ${layout}`);
  const { security, problems } = readKafkaSecurity(env);
  if (problems.length > 0) throw new UsageError(problems.join("; "));
  const grpc = values["city-grpc"];
  if (grpc !== undefined && !/^[^\s:]+:\d+$/.test(grpc)) throw new UsageError(`--city-grpc must be <host:port>, got ${grpc}`);
  const tokenFile = values["city-grpc-token-file"];
  if (tokenFile !== undefined && grpc === undefined) throw new UsageError("--city-grpc-token-file goes with --city-grpc");
  const tlsDir = values["city-grpc-tls-dir"];
  if (tlsDir !== undefined && grpc === undefined) throw new UsageError("--city-grpc-tls-dir goes with --city-grpc");
  return {
    json: values.json,
    options: {
      namespace: values.namespace,
      city,
      districts,
      ...(grpc ? { cityGrpc: grpc } : {}),
      ...(tokenFile ? { cityGrpcTokenFile: tokenFile } : {}),
      ...(tlsDir ? { cityGrpcTlsDir: tlsDir } : {}),
      thresholds: {
        maxLagRecords: count(values["max-lag-records"], DEFAULT_THRESHOLDS.maxLagRecords, "--max-lag-records", 0),
        maxLagSeconds: count(values["max-lag-seconds"], DEFAULT_THRESHOLDS.maxLagSeconds, "--max-lag-seconds", 0),
        maxHeartbeatAgeSeconds: count(
          values["max-heartbeat-age-seconds"],
          DEFAULT_THRESHOLDS.maxHeartbeatAgeSeconds,
          "--max-heartbeat-age-seconds",
          0,
        ),
      },
      timeoutMs: count(values["timeout-seconds"], 5, "--timeout-seconds", 1) * 1000,
      mirrorMaker: layout as MirrorMakerLayout | "auto",
      ...(security ? { security } : {}),
    },
  };
}

/** `jinlian-ops federation <subcommand>`; resolves to the exit status. */
export async function federationCommand(argv: readonly string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== "status") {
    process.stderr.write(
      `jinlian-ops: ${sub === undefined ? "federation needs a subcommand" : `unknown subcommand federation ${sub}`}\n${FEDERATION_USAGE}`,
    );
    return 2;
  }
  let parsed: FederationStatusArgs;
  try {
    parsed = parseStatusArgs(rest);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`jinlian-ops federation status: ${err.message}\n${FEDERATION_USAGE}`);
    return 2;
  }
  const report = await federationStatus(parsed.options);
  process.stdout.write(parsed.json ? JSON.stringify(report, null, 2) + "\n" : renderTable(report));
  return report.exitCode;
}
