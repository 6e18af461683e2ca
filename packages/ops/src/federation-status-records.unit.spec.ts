import { federationLinks } from "@jinlian/subscriber";
import {
  flowNames,
  isSourceConnector,
  foldConfig,
  foldOffsets,
  foldStatus,
  parseOffsetRecord,
  parseStatusRecord,
  partitionLag,
  type RawRecord,
} from "./federation-status-records";

const rec = (key: string | null, value: unknown): RawRecord => ({
  key: key === null ? null : Buffer.from(key),
  value: value === null ? null : Buffer.from(typeof value === "string" ? value : JSON.stringify(value)),
});
const status = (state: string, extra: Record<string, unknown> = {}) => ({
  state,
  trace: null,
  worker_id: "10.0.0.7:8083",
  generation: 2,
  ...extra,
});
const offsetKey = (cluster: string, topic: string, partition: number, connector = "MirrorSourceConnector") =>
  JSON.stringify([connector, { cluster, partition, topic }]);

describe("flowNames", () => {
  const down = federationLinks("jinlian", "120101").down;
  const up = federationLinks("jinlian", "120101").up;

  it("names a dedicated-mode flow's internal topics and worker group after its source alias", () => {
    expect(flowNames("dedicated", down, "jinlian")).toEqual({
      layout: "dedicated",
      status: "mm2-status.jinlian-120000.internal",
      configs: "mm2-configs.jinlian-120000.internal",
      offsets: "mm2-offsets.jinlian-120000.internal",
      group: "jinlian-120000-mm2",
      sourceConnector: "MirrorSourceConnector",
    });
  });

  it("names a Strimzi flow as the manifests do: one group per district on the city's cluster", () => {
    expect(flowNames("strimzi", down, "jinlian")).toEqual({
      layout: "strimzi",
      status: "jinlian-mm2-down-status",
      configs: "jinlian-mm2-down-config",
      offsets: "jinlian-mm2-down-offsets",
      group: "jinlian-mm2-down",
      sourceConnector: "jinlian-120000->jinlian-120101.MirrorSourceConnector",
    });
    expect(flowNames("strimzi", up, "jinlian")).toMatchObject({
      status: "jinlian-mm2-up-120101-status",
      group: "jinlian-mm2-up-120101",
      sourceConnector: "jinlian-120101->jinlian-120000.MirrorSourceConnector",
    });
  });

  it("recognises MirrorSourceConnector under either name, and nothing else", () => {
    expect(["MirrorSourceConnector", "jinlian-120000->jinlian-120101.MirrorSourceConnector"].map(isSourceConnector)).toEqual([true, true]);
    expect(["MirrorHeartbeatConnector", "a->b.MirrorHeartbeatConnector", "XMirrorSourceConnector"].map(isSourceConnector)).toEqual([
      false,
      false,
      false,
    ]);
  });
});

describe("status records", () => {
  it("reads a connector's and a task's status, keeping the task number apart from a dashed name", () => {
    expect(parseStatusRecord(rec("status-connector-MirrorSourceConnector", status("RUNNING")))).toEqual({
      kind: "connector",
      name: "MirrorSourceConnector",
      state: { state: "RUNNING", workerId: "10.0.0.7:8083", generation: 2 },
    });
    expect(parseStatusRecord(rec("status-task-my-connector-12", status("FAILED", { trace: "java.lang.Boom\n\tat x" })))).toEqual({
      kind: "task",
      connector: "my-connector",
      task: 12,
      state: { state: "FAILED", workerId: "10.0.0.7:8083", trace: "java.lang.Boom\n\tat x", generation: 2 },
    });
  });

  it("reads a tombstone as the status removed, and ignores topic tracking and unreadable records", () => {
    expect(parseStatusRecord(rec("status-task-MirrorSourceConnector-0", null))).toEqual({
      kind: "task",
      connector: "MirrorSourceConnector",
      task: 0,
      state: null,
    });
    expect(parseStatusRecord(rec("status-topic-t:connector-MirrorSourceConnector", { topic: {} }))).toBeUndefined();
    expect(parseStatusRecord(rec("status-connector-X", "not json"))).toBeUndefined();
    expect(parseStatusRecord(rec("status-connector-X", { worker_id: "w" }))).toBeUndefined();
    expect(parseStatusRecord(rec("status-task-X-", status("RUNNING")))).toBeUndefined();
    expect(parseStatusRecord(rec(null, status("RUNNING")))).toBeUndefined();
  });

  it("keeps the latest record of each key, and forgets what a tombstone removed", () => {
    const folded = foldStatus([
      rec("status-connector-MirrorSourceConnector", status("RUNNING")),
      rec("status-task-MirrorSourceConnector-0", status("RUNNING")),
      rec("status-task-MirrorSourceConnector-1", status("RUNNING")),
      rec("status-connector-MirrorSourceConnector", status("UNASSIGNED")),
      rec("status-task-MirrorSourceConnector-1", null),
      rec("status-connector-Gone", status("RUNNING")),
      rec("status-connector-Gone", null),
    ]);
    expect([...folded.connectors.values()].map((c) => [c.name, c.state])).toEqual([["MirrorSourceConnector", "UNASSIGNED"]]);
    expect([...folded.tasks.get("MirrorSourceConnector")!.keys()]).toEqual([0]);
  });
});

describe("config records", () => {
  it("gives each configured connector its committed task count and target state", () => {
    const folded = foldConfig([
      rec("connector-MirrorSourceConnector", { properties: { "connector.class": "MirrorSourceConnector" } }),
      rec("task-MirrorSourceConnector-0", { properties: {} }),
      rec("commit-MirrorSourceConnector", { tasks: 1 }),
      rec("target-state-MirrorSourceConnector", { state: "PAUSED", "state.v2": "STOPPED" }),
      rec("connector-MirrorHeartbeatConnector", { properties: {} }),
      rec("commit-MirrorHeartbeatConnector", { tasks: 1 }),
      rec("commit-MirrorHeartbeatConnector", { tasks: 0 }),
      rec("connector-Removed", { properties: {} }),
      rec("connector-Removed", null),
      rec("commit-Unknown", { tasks: 3 }),
    ]);
    expect(Object.fromEntries(folded.connectors)).toEqual({
      MirrorSourceConnector: { tasks: 1, targetState: "STOPPED" },
      MirrorHeartbeatConnector: { tasks: 0 },
    });
  });
});

describe("offset records", () => {
  it("reads a source connector's offset of the last copied record", () => {
    expect(parseOffsetRecord(rec(offsetKey("jinlian-120000", "jinlian.120000.bulletins.to.120101", 2), { offset: 41 }))).toEqual({
      connector: "MirrorSourceConnector",
      cluster: "jinlian-120000",
      topic: "jinlian.120000.bulletins.to.120101",
      partition: 2,
      offset: 41,
    });
    expect(parseOffsetRecord(rec(offsetKey("a", "t", 0, "a->b.MirrorSourceConnector"), null))).toEqual({
      connector: "a->b.MirrorSourceConnector",
      cluster: "a",
      topic: "t",
      partition: 0,
      offset: null,
    });
  });

  it("ignores records it cannot read", () => {
    expect(parseOffsetRecord(rec(JSON.stringify(["MirrorSourceConnector", { cluster: "a", topic: "t" }]), { offset: 1 }))).toBeUndefined();
    expect(parseOffsetRecord(rec(JSON.stringify([{ cluster: "a", topic: "t", partition: 0 }]), { offset: 1 }))).toBeUndefined();
    expect(parseOffsetRecord(rec(offsetKey("a", "t", 0), { offset: "1" }))).toBeUndefined();
    expect(parseOffsetRecord(rec("{not json", { offset: 1 }))).toBeUndefined();
    expect(parseOffsetRecord(rec(null, { offset: 1 }))).toBeUndefined();
  });

  it("keeps the latest offset per partition of the flow's own connector and source, and drops reset ones", () => {
    const folded = foldOffsets(
      [
        rec(offsetKey("jinlian-120000", "t", 0), { offset: 3 }),
        rec(offsetKey("jinlian-120000", "t", 0), { offset: 9 }),
        rec(offsetKey("jinlian-120000", "t", 1), { offset: 4 }),
        rec(offsetKey("jinlian-120000", "t", 1), null),
        rec(offsetKey("jinlian-120101", "t", 0), { offset: 100 }),
        rec(offsetKey("jinlian-120000", "t", 0, "MirrorCheckpointConnector"), { offset: 200 }),
      ],
      "MirrorSourceConnector",
      "jinlian-120000",
    );
    expect(Object.fromEntries([...folded].map(([t, p]) => [t, Object.fromEntries(p)]))).toEqual({ t: { 0: 9 } });
  });
});

describe("partitionLag", () => {
  it("resumes after the last copied record", () => {
    expect(partitionLag({ low: 0, end: 10, copied: 9 })).toEqual({ next: 10, lag: 0, pastEnd: false });
    expect(partitionLag({ low: 0, end: 10, copied: 6 })).toEqual({ next: 7, lag: 3, pastEnd: false });
  });

  it("starts at the beginning when nothing was copied, and does not count what retention deleted", () => {
    expect(partitionLag({ low: 0, end: 5 })).toEqual({ next: 0, lag: 5, pastEnd: false });
    expect(partitionLag({ low: 20, end: 25, copied: 3 })).toEqual({ next: 20, lag: 5, pastEnd: false });
    expect(partitionLag({ low: 0, end: 0 })).toEqual({ next: 0, lag: 0, pastEnd: false });
  });

  it("says when what was copied lies past the source's end: the log is not the one copied from", () => {
    expect(partitionLag({ low: 0, end: 2, copied: 40 })).toEqual({ next: 41, lag: 0, pastEnd: true });
    expect(partitionLag({ low: 0, end: 0, copied: 0 })).toEqual({ next: 1, lag: 0, pastEnd: true });
  });
});
