// Reports of one district (120101) with both links healthy, for the status command's unit tests;
// each test patches what it is about.
import { DEFAULT_THRESHOLDS, type ConnectorReport, type LinkReport, type UnjudgedReport } from "./federation-status-report";

export const running = (name = "MirrorSourceConnector", tasks = 1): ConnectorReport => ({
  name,
  state: "RUNNING",
  workerId: "w1",
  tasks: Array.from({ length: tasks }, (_, task) => ({ task, state: "RUNNING", workerId: "w1" })),
});

export function link(direction: "down" | "up", patch: Partial<LinkReport> = {}): LinkReport {
  const [source, target] = direction === "down" ? ["120000", "120101"] : ["120101", "120000"];
  return {
    direction,
    source,
    target,
    sourceAlias: `jinlian-${source}`,
    targetAlias: `jinlian-${target}`,
    mirrorMaker: {
      found: true,
      layout: "dedicated",
      group: `jinlian-${source}-mm2`,
      statusTopic: `mm2-status.jinlian-${source}.internal`,
      sourceConnector: "MirrorSourceConnector",
    },
    connectors: [running()],
    workers: { group: `jinlian-${source}-mm2`, state: "Stable", members: 1 },
    topics: [{ topic: `jinlian.${source}.bulletins.to.${target}`, lagRecords: 0, lagSeconds: 0, partitions: [] }],
    heartbeat: {
      topic: `jinlian.${source}.federation.to.${target}`,
      sent: { state: "seen", at: "2026-11-30T10:00:00.000Z", ageSeconds: 4 },
      arrived: { state: "seen", at: "2026-11-30T10:00:00.000Z", ageSeconds: 5 },
    },
    errors: [],
    ...patch,
  };
}

export function unjudgedReport(
  down: Partial<LinkReport> = {},
  up: Partial<LinkReport> = {},
  extra: Partial<UnjudgedReport> = {},
  unacknowledged?: { bulletins: number; overdue: number },
): UnjudgedReport {
  return {
    namespace: "jinlian",
    at: "2026-11-30T10:00:05.000Z",
    thresholds: DEFAULT_THRESHOLDS,
    clusters: [
      { code: "120000", bootstrapServers: "city:9092", reachable: true },
      { code: "120101", bootstrapServers: "heping:9092", reachable: true },
    ],
    districts: [
      { district: "120101", name: "和平区", links: [link("down", down), link("up", up)], ...(unacknowledged ? { unacknowledged } : {}) },
    ],
    ...extra,
  };
}
