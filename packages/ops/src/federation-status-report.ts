import { isSourceConnector, type MirrorMakerLayout } from "./federation-status-records";

/**
 * The federation status report (what `jinlian-ops federation status --json` prints) and its
 * judgement: which thresholds are passed, which connector, task or worker group is not running,
 * and the exit status that follows. Pure, so the rules are tested without Kafka.
 */

export interface Thresholds {
  /** Records a delivery topic may have waiting to be copied. */
  maxLagRecords: number;
  /** Age of the oldest record waiting to be copied, in seconds. */
  maxLagSeconds: number;
  /** Age of the last heartbeat arrived over a link, in seconds; 0 turns the check off. */
  maxHeartbeatAgeSeconds: number;
}

export const DEFAULT_THRESHOLDS: Thresholds = {
  maxLagRecords: 100,
  maxLagSeconds: 300,
  // Six of the nodes' 10 s intervals: a restart of MirrorMaker or a node passes unnoticed.
  maxHeartbeatAgeSeconds: 60,
};

export interface TaskReport {
  task: number;
  state: string;
  workerId: string;
  trace?: string;
}

export interface ConnectorReport {
  name: string;
  /** The connector's state, or "NO_STATUS" when it is configured but has reported none. */
  state: string;
  workerId: string;
  trace?: string;
  /** What an operator asked for (STARTED, PAUSED, STOPPED), from the config topic. */
  targetState?: string;
  tasks: TaskReport[];
}

export interface WorkersReport {
  /** The Connect worker group of the flow, on the target cluster. */
  group: string;
  /** The group's state as the coordinator reports it (Stable, Empty, Dead, …). */
  state: string;
  members: number;
}

export interface PartitionLagReport {
  partition: number;
  /** The source's last stable offset. */
  end: number;
  /** The offset MirrorMaker copies next. */
  next: number;
  lagRecords: number;
  /** Timestamp of the oldest record not yet copied (ISO), null when nothing waits. */
  oldestWaitingAt: string | null;
  /**
   * MirrorMaker's committed offset is past the source's end: the source is not the log it copied
   * from (cluster rebuilt, topic recreated), and it would skip what the new log holds before `next`.
   */
  copiedPastEnd: boolean;
}

export interface TopicLagReport {
  topic: string;
  lagRecords: number;
  /** Now minus the timestamp of the oldest record not yet copied; 0 when none waits. */
  lagSeconds: number;
  partitions: PartitionLagReport[];
}

/** The latest heartbeat record on one side of a link. */
export type HeartbeatSide = { state: "seen"; at: string; ageSeconds: number } | { state: "never" } | { state: "unknown"; error: string };

export interface MirrorMakerFound {
  found: true;
  layout: MirrorMakerLayout;
  group: string;
  statusTopic: string;
  sourceConnector: string;
}

export interface LinkReport {
  direction: "down" | "up";
  source: string;
  target: string;
  sourceAlias: string;
  targetAlias: string;
  /**
   * Where the flow's Connect cluster keeps its state on the target cluster, or where it was
   * looked for in vain (MirrorMaker has never run the flow); null when the target is out of reach.
   */
  mirrorMaker: MirrorMakerFound | { found: false; lookedFor: string[] } | null;
  /** null when they could not be read (the target cluster is out of reach, or no state found). */
  connectors: ConnectorReport[] | null;
  workers: WorkersReport | null;
  topics: TopicLagReport[] | null;
  heartbeat: { topic: string; sent: HeartbeatSide; arrived: HeartbeatSide };
  /** What could not be read for this link, and why. */
  errors: string[];
}

export type UnacknowledgedReport = { bulletins: number; overdue: number } | { error: string };

export interface DistrictReport {
  district: string;
  name: string;
  links: LinkReport[];
  /** Bulletins addressed to the district the city still waits for it to acknowledge (--city-grpc). */
  unacknowledged?: UnacknowledgedReport;
}

export interface ClusterReport {
  code: string;
  bootstrapServers: string;
  reachable: boolean;
  error?: string;
}

export type ProblemKind =
  | "unreachable"
  | "unreadable"
  | "connector"
  | "task"
  | "workers"
  | "lag-records"
  | "lag-age"
  | "offsets-past-end"
  | "heartbeat"
  | "unacknowledged-unknown";

export interface Problem {
  kind: ProblemKind;
  /** The district whose link it concerns; absent for a cluster or the city's gRPC. */
  district?: string;
  direction?: "down" | "up";
  message: string;
}

export interface StatusReport {
  namespace: string;
  /** When the status was taken (ISO). */
  at: string;
  thresholds: Thresholds;
  clusters: ClusterReport[];
  /** The city's gRPC endpoint asked for unacknowledged bulletins, when given. */
  cityGrpc?: { address: string; reachable: boolean; error?: string };
  districts: DistrictReport[];
  problems: Problem[];
  /**
   * 0 all within thresholds; 1 a threshold passed or something not running; 3 a cluster (or the
   * city's gRPC endpoint) out of reach, or part of the status unreadable in time.
   */
  exitCode: 0 | 1 | 3;
}

export type UnjudgedReport = Omit<StatusReport, "problems" | "exitCode">;

function firstLine(s: string | undefined): string {
  return s ? `: ${s.split("\n")[0]!.trim()}` : "";
}

/** "12 s", "4 min 3 s", "2 h 5 min", "3 d 4 h": short, and exact enough for a person. */
export function formatAge(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86_400)} d ${Math.floor((s % 86_400) / 3600)} h`;
}

function heartbeatProblem(link: LinkReport, limit: number): string | undefined {
  const { sent, arrived, topic } = link.heartbeat;
  // Out of reach is reported as such (exit 3); nothing to judge here.
  if (arrived.state === "unknown") return undefined;
  if (arrived.state === "seen" && arrived.ageSeconds <= limit) return undefined;
  const where = `${link.source}→${link.target}`;
  const heard =
    arrived.state === "never"
      ? `no heartbeat has ever arrived at ${link.target} (${topic})`
      : `the last heartbeat arrived at ${link.target} ${formatAge(arrived.ageSeconds)} ago (limit ${limit} s)`;
  let why: string;
  if (sent.state === "unknown") why = `whether ${link.source} sends them is unknown (${sent.error})`;
  else if (sent.state === "never") why = `${link.source} has never sent one: its node is not running, or predates heartbeats`;
  else if (sent.ageSeconds <= limit) why = `${link.source} sent one ${formatAge(sent.ageSeconds)} ago: the link is not carrying them`;
  else why = `${link.source} last sent one ${formatAge(sent.ageSeconds)} ago: its node or its cluster is down`;
  return `${where}: ${heard}; ${why}`;
}

/** What is wrong, link by link, against the thresholds. */
export function judge(report: UnjudgedReport): Problem[] {
  const t = report.thresholds;
  const problems: Problem[] = [];
  for (const c of report.clusters)
    if (!c.reachable)
      problems.push({
        kind: "unreachable",
        message: `cluster of ${c.code} (${c.bootstrapServers}) cannot be reached${firstLine(c.error)}`,
      });
  if (report.cityGrpc && !report.cityGrpc.reachable)
    problems.push({
      kind: "unreachable",
      message: `the city's bulletins service (${report.cityGrpc.address}) cannot be reached${firstLine(report.cityGrpc.error)}`,
    });
  for (const d of report.districts) {
    for (const link of d.links) {
      const at = { district: d.district, direction: link.direction };
      const flow = `${link.source}→${link.target}`;
      for (const error of link.errors) problems.push({ ...at, kind: "unreadable", message: `${flow}: ${error}` });
      if (link.mirrorMaker && !link.mirrorMaker.found)
        problems.push({
          ...at,
          kind: "connector",
          message: `${flow}: no MirrorMaker state on ${link.target}'s cluster (looked for ${link.mirrorMaker.lookedFor.join(", ")}): MirrorMaker has never run this flow`,
        });
      if (link.connectors) {
        if (!link.connectors.some((c) => isSourceConnector(c.name)))
          problems.push({
            ...at,
            kind: "connector",
            message: `${flow}: MirrorSourceConnector is not configured (MirrorMaker has never run this flow)`,
          });
        for (const c of link.connectors) {
          if (c.state !== "RUNNING")
            problems.push({ ...at, kind: "connector", message: `${flow}: connector ${c.name} is ${c.state}${firstLine(c.trace)}` });
          for (const task of c.tasks)
            if (task.state !== "RUNNING")
              problems.push({
                ...at,
                kind: "task",
                message: `${flow}: task ${c.name}-${task.task} is ${task.state}${firstLine(task.trace)}`,
              });
        }
      }
      if (link.workers && link.workers.members === 0)
        problems.push({
          ...at,
          kind: "workers",
          message: `${flow}: no live MirrorMaker worker in group ${link.workers.group} on ${link.target}'s cluster (${link.workers.state})`,
        });
      for (const topic of link.topics ?? []) {
        for (const p of topic.partitions.filter((x) => x.copiedPastEnd))
          problems.push({
            ...at,
            kind: "offsets-past-end",
            message: `${flow}: MirrorMaker would resume ${topic.topic}[${p.partition}] at offset ${p.next}, past the source's end (${p.end}): the source was rebuilt or the topic recreated, and the records before ${p.next} would be skipped; reset the flow's source offsets (docs/runbooks/federation.md)`,
          });
        if (topic.lagRecords > t.maxLagRecords)
          problems.push({
            ...at,
            kind: "lag-records",
            message: `${flow}: ${topic.topic} has ${topic.lagRecords} records waiting to be copied (limit ${t.maxLagRecords})`,
          });
        if (topic.lagSeconds > t.maxLagSeconds)
          problems.push({
            ...at,
            kind: "lag-age",
            message: `${flow}: the oldest record of ${topic.topic} waiting to be copied is ${formatAge(topic.lagSeconds)} old (limit ${t.maxLagSeconds} s)`,
          });
      }
      if (t.maxHeartbeatAgeSeconds > 0) {
        const message = heartbeatProblem(link, t.maxHeartbeatAgeSeconds);
        if (message) problems.push({ ...at, kind: "heartbeat", message });
      }
    }
    if (d.unacknowledged && "error" in d.unacknowledged && report.cityGrpc?.reachable !== false)
      problems.push({
        district: d.district,
        kind: "unacknowledged-unknown",
        message: `unacknowledged bulletins for ${d.district} unknown: ${d.unacknowledged.error}`,
      });
  }
  return problems;
}

/** Something out of reach wins over a threshold: the rest of the picture is incomplete. */
export function exitCodeOf(problems: readonly Problem[]): 0 | 1 | 3 {
  if (problems.some((p) => p.kind === "unreachable" || p.kind === "unreadable")) return 3;
  return problems.length > 0 ? 1 : 0;
}

export function judged(report: UnjudgedReport): StatusReport {
  const problems = judge(report);
  return { ...report, problems, exitCode: exitCodeOf(problems) };
}
