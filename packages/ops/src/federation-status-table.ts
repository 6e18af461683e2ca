/**
 * The federation status as text for a terminal: one row per link (district and direction), then
 * the lag of every delivery topic, then what is wrong. Pure: a report in, lines out.
 */
import { isSourceConnector } from "./federation-status-records";
import { formatAge, type ConnectorReport, type HeartbeatSide, type LinkReport, type StatusReport } from "./federation-status-report";

/** Columns a string takes in a terminal: CJK and full-width characters take two. */
export function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    const wide =
      (c >= 0x1100 && c <= 0x115f) ||
      (c >= 0x2e80 && c <= 0xa4cf && c !== 0x303f) ||
      (c >= 0xac00 && c <= 0xd7a3) ||
      (c >= 0xf900 && c <= 0xfaff) ||
      (c >= 0xfe30 && c <= 0xfe4f) ||
      (c >= 0xff00 && c <= 0xff60) ||
      (c >= 0xffe0 && c <= 0xffe6) ||
      (c >= 0x20000 && c <= 0x3fffd);
    w += wide ? 2 : 1;
  }
  return w;
}

/** Rows under a header, each column as wide as its widest cell, two spaces apart. */
export function renderColumns(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, i) => Math.max(displayWidth(h), ...rows.map((r) => displayWidth(r[i] ?? ""))));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c + " ".repeat(widths[i]! - displayWidth(c))))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

function connectorCell(link: LinkReport): string {
  if (link.mirrorMaker && !link.mirrorMaker.found) return "NONE";
  const connectors = link.connectors;
  if (!connectors) return "?";
  const source = connectors.find((c) => isSourceConnector(c.name));
  return source ? source.state : "NONE";
}

function tasksCell(link: LinkReport): string {
  if (link.mirrorMaker && !link.mirrorMaker.found) return "-";
  const connectors = link.connectors;
  if (!connectors) return "?";
  const source = connectors.find((c) => isSourceConnector(c.name));
  if (!source) return "-";
  if (source.tasks.length === 0) return "none";
  return source.tasks.map((t) => `${t.task}:${t.state}`).join(" ");
}

/** The other connectors of a flow (heartbeats, checkpoints) only when they are not running. */
function otherConnectors(connectors: ConnectorReport[] | null): string[] {
  return (connectors ?? [])
    .filter((c) => !isSourceConnector(c.name))
    .filter((c) => c.state !== "RUNNING" || c.tasks.some((t) => t.state !== "RUNNING"))
    .map((c) => `${c.name} ${c.state}${c.tasks.map((t) => ` ${t.task}:${t.state}`).join("")}`);
}

function heartbeatCell(side: HeartbeatSide): string {
  if (side.state === "never") return "never";
  if (side.state === "unknown") return "?";
  return `${formatAge(side.ageSeconds)} ago`;
}

function lagTotals(link: LinkReport): { records: string; age: string } {
  if (!link.topics) return { records: "?", age: "?" };
  const records = link.topics.reduce((n, t) => n + t.lagRecords, 0);
  const age = Math.max(0, ...link.topics.map((t) => t.lagSeconds));
  return { records: String(records), age: records === 0 ? "0" : formatAge(age) };
}

export function renderTable(report: StatusReport): string {
  const out: string[] = [];
  const t = report.thresholds;
  out.push(`Federation status, namespace ${report.namespace}, at ${report.at}`);
  out.push(
    `Thresholds: lag ≤ ${t.maxLagRecords} records and ≤ ${t.maxLagSeconds} s per topic; ` +
      (t.maxHeartbeatAgeSeconds > 0 ? `heartbeat arrived ≤ ${t.maxHeartbeatAgeSeconds} s ago` : "heartbeats not checked"),
  );
  const unreachable = report.clusters.filter((c) => !c.reachable);
  for (const c of unreachable) out.push(`Cluster of ${c.code} (${c.bootstrapServers}) OUT OF REACH`);
  out.push("");

  const withUnacked = report.districts.some((d) => d.unacknowledged !== undefined);
  const header = [
    "DISTRICT",
    "FLOW",
    "CONNECTOR",
    "TASKS",
    "WORKERS",
    "LAG",
    "LAG AGE",
    "HEARTBEAT SENT",
    "HEARTBEAT ARRIVED",
    ...(withUnacked ? ["UNACKNOWLEDGED"] : []),
  ];
  const rows: string[][] = [];
  const notes: string[] = [];
  for (const d of report.districts) {
    d.links.forEach((link, i) => {
      const lag = lagTotals(link);
      let unacked = "";
      if (withUnacked && i === 0) {
        const u = d.unacknowledged;
        unacked = !u ? "" : "error" in u ? "?" : `${u.bulletins}${u.overdue > 0 ? ` (${u.overdue} overdue)` : ""}`;
      }
      rows.push([
        i === 0 ? `${d.district} ${d.name}` : "",
        `${link.direction} ${link.source}→${link.target}`,
        connectorCell(link),
        tasksCell(link),
        link.workers ? String(link.workers.members) : link.mirrorMaker && !link.mirrorMaker.found ? "-" : "?",
        lag.records,
        lag.age,
        heartbeatCell(link.heartbeat.sent),
        heartbeatCell(link.heartbeat.arrived),
        ...(withUnacked ? [unacked] : []),
      ]);
      for (const other of otherConnectors(link.connectors)) notes.push(`${link.source}→${link.target}: ${other}`);
    });
  }
  out.push(...renderColumns(header, rows));
  if (notes.length > 0) out.push("", "Other MirrorMaker connectors not running:", ...notes.map((n) => `  ${n}`));

  const topicRows: string[][] = [];
  for (const d of report.districts)
    for (const link of d.links)
      for (const topic of link.topics ?? [])
        topicRows.push([
          `${link.source}→${link.target}`,
          topic.topic,
          String(topic.lagRecords),
          topic.lagRecords === 0 ? "0" : formatAge(topic.lagSeconds),
        ]);
  out.push("", "Lag by delivery topic:");
  if (topicRows.length > 0) out.push(...renderColumns(["FLOW", "TOPIC", "LAG", "LAG AGE"], topicRows).map((l) => `  ${l}`));
  const unknown = report.districts.flatMap((d) => d.links.filter((l) => l.topics === null).map((l) => `${l.source}→${l.target}`));
  if (unknown.length > 0) out.push(`  unknown for ${unknown.join(", ")} (a cluster out of reach)`);
  else if (topicRows.length === 0) out.push("  (no delivery topics on the source clusters yet)");

  out.push("");
  if (report.problems.length === 0) out.push("OK: every flow running and within thresholds.");
  else {
    out.push(`${report.problems.length} problem${report.problems.length === 1 ? "" : "s"}:`);
    for (const p of report.problems) out.push(`  - ${p.message}`);
  }
  return out.join("\n") + "\n";
}
