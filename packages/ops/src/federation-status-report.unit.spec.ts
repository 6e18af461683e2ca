import { DEFAULT_THRESHOLDS, exitCodeOf, formatAge, judge, judged, type LinkReport } from "./federation-status-report";
import { running, unjudgedReport } from "./federation-status.fixtures";

const report = unjudgedReport;

describe("judge", () => {
  it("finds nothing wrong when every flow runs, nothing lags and heartbeats arrive", () => {
    expect(judge(report())).toEqual([]);
    expect(judged(report()).exitCode).toBe(0);
  });

  it("names a connector or task that is not RUNNING, with the first line of its trace", () => {
    const problems = judge(
      report({
        connectors: [
          { ...running(), state: "FAILED", trace: "org.apache.kafka.common.errors.TopicAuthorizationException: denied\n\tat …" },
          { ...running("MirrorHeartbeatConnector", 0), state: "PAUSED" },
        ],
      }),
    );
    expect(problems.map((p) => [p.kind, p.direction, p.message])).toEqual([
      [
        "connector",
        "down",
        "120000→120101: connector MirrorSourceConnector is FAILED: org.apache.kafka.common.errors.TopicAuthorizationException: denied",
      ],
      ["connector", "down", "120000→120101: connector MirrorHeartbeatConnector is PAUSED"],
    ]);
    const task = judge(report({}, { connectors: [{ ...running(), tasks: [{ task: 0, state: "UNASSIGNED", workerId: "w1" }] }] }));
    expect(task).toEqual([
      { kind: "task", district: "120101", direction: "up", message: "120101→120000: task MirrorSourceConnector-0 is UNASSIGNED" },
    ]);
    expect(exitCodeOf(task)).toBe(1);
  });

  it("says when a flow has no source connector at all, or no live worker", () => {
    expect(judge(report({ connectors: [] })).map((p) => p.kind)).toEqual(["connector"]);
    const [p] = judge(report({ workers: { group: "jinlian-120000-mm2", state: "Empty", members: 0 } }));
    expect(p!.message).toBe("120000→120101: no live MirrorMaker worker in group jinlian-120000-mm2 on 120101's cluster (Empty)");
  });

  it("says once that MirrorMaker has never run a flow, and knows Strimzi's name for the source connector", () => {
    const never = judge(
      report({
        mirrorMaker: { found: false, lookedFor: ["jinlian-mm2-down-status", "mm2-status.jinlian-120000.internal"] },
        connectors: null,
        workers: null,
      }),
    );
    expect(never).toEqual([
      {
        kind: "connector",
        district: "120101",
        direction: "down",
        message:
          "120000→120101: no MirrorMaker state on 120101's cluster (looked for jinlian-mm2-down-status, mm2-status.jinlian-120000.internal): MirrorMaker has never run this flow",
      },
    ]);
    expect(judge(report({ connectors: [running("jinlian-120000->jinlian-120101.MirrorSourceConnector")] }))).toEqual([]);
  });

  it("passes a lag threshold only above it", () => {
    const topic = (lagRecords: number, lagSeconds: number) => ({ topics: [{ topic: "t", lagRecords, lagSeconds, partitions: [] }] });
    expect(judge(report(topic(100, 300)))).toEqual([]);
    expect(judge(report(topic(101, 0))).map((p) => p.kind)).toEqual(["lag-records"]);
    expect(judge(report(topic(1, 301))).map((p) => [p.kind, p.message])).toEqual([
      ["lag-age", "120000→120101: the oldest record of t waiting to be copied is 5 min 1 s old (limit 300 s)"],
    ]);
    const strict = report(topic(1, 2), {}, { thresholds: { maxLagRecords: 0, maxLagSeconds: 1, maxHeartbeatAgeSeconds: 60 } });
    expect(judge(strict).map((p) => p.kind)).toEqual(["lag-records", "lag-age"]);
  });

  it("warns that MirrorMaker would skip records of a source rebuilt under it", () => {
    const partition = (p: number, copiedPastEnd: boolean) => ({
      partition: p,
      end: 2,
      next: copiedPastEnd ? 41 : 2,
      lagRecords: 0,
      oldestWaitingAt: null,
      copiedPastEnd,
    });
    const problems = judge(
      report(
        {},
        {
          topics: [
            {
              topic: "jinlian.120101.bulletins.to.120000",
              lagRecords: 0,
              lagSeconds: 0,
              partitions: [partition(0, false), partition(1, true)],
            },
          ],
        },
      ),
    );
    expect(problems).toEqual([
      {
        kind: "offsets-past-end",
        district: "120101",
        direction: "up",
        message:
          "120101→120000: MirrorMaker would resume jinlian.120101.bulletins.to.120000[1] at offset 41, past the source's end (2): the source was rebuilt or the topic recreated, and the records before 41 would be skipped; reset the flow's source offsets (docs/runbooks/federation.md)",
      },
    ]);
    expect(exitCodeOf(problems)).toBe(1);
  });

  it("tells a link that does not carry heartbeats from a node that sends none", () => {
    const beat = (sent: LinkReport["heartbeat"]["sent"], arrived: LinkReport["heartbeat"]["arrived"]) => ({
      heartbeat: { topic: "jinlian.120000.federation.to.120101", sent, arrived },
    });
    const seen = (ageSeconds: number) => ({ state: "seen" as const, at: "2026-11-30T10:00:00.000Z", ageSeconds });
    const never = { state: "never" as const };
    expect(judge(report(beat(seen(3), seen(61))))[0]!.message).toBe(
      "120000→120101: the last heartbeat arrived at 120101 1 min 1 s ago (limit 60 s); 120000 sent one 3 s ago: the link is not carrying them",
    );
    expect(judge(report(beat(seen(3), never)))[0]!.message).toBe(
      "120000→120101: no heartbeat has ever arrived at 120101 (jinlian.120000.federation.to.120101); 120000 sent one 3 s ago: the link is not carrying them",
    );
    expect(judge(report(beat(seen(900), seen(905))))[0]!.message).toMatch(
      /120000 last sent one 15 min 0 s ago: its node or its cluster is down$/,
    );
    expect(judge(report(beat(never, never)))[0]!.message).toMatch(/120000 has never sent one/);
    // Out of reach is judged as such, not as a silent link; 0 turns the check off.
    expect(judge(report(beat(seen(3), { state: "unknown", error: "out of reach" })))).toEqual([]);
    expect(judge(report(beat(never, never), {}, { thresholds: { ...DEFAULT_THRESHOLDS, maxHeartbeatAgeSeconds: 0 } }))).toEqual([]);
  });

  it("exits 3 when a cluster is out of reach, whatever else is wrong", () => {
    const r = report(
      { connectors: null, workers: null, topics: null },
      { topics: [{ topic: "t", lagRecords: 500, lagSeconds: 0, partitions: [] }] },
      {
        clusters: [
          { code: "120000", bootstrapServers: "city:9092", reachable: true },
          { code: "120101", bootstrapServers: "heping:9092", reachable: false, error: "Connection error: connect ECONNREFUSED\nmore" },
        ],
      },
    );
    const out = judged(r);
    expect(out.problems.map((p) => p.kind)).toEqual(["unreachable", "lag-records"]);
    expect(out.problems[0]!.message).toBe("cluster of 120101 (heping:9092) cannot be reached: Connection error: connect ECONNREFUSED");
    expect(out.exitCode).toBe(3);
  });

  it("reports what could not be read, and a district whose backlog is unknown", () => {
    const r = judged(report({ errors: ["reading mm2-status.jinlian-120000.internal timed out"] }));
    expect(r.problems.map((p) => p.kind)).toEqual(["unreadable"]);
    expect(r.exitCode).toBe(3);
    const u = report({}, {}, { cityGrpc: { address: "city:50051", reachable: true } });
    u.districts[0]!.unacknowledged = { error: "INTERNAL: boom" };
    expect(judged(u).problems.map((p) => [p.kind, p.district])).toEqual([["unacknowledged-unknown", "120101"]]);
    expect(judged(u).exitCode).toBe(1);
    const down = report({}, {}, { cityGrpc: { address: "city:50051", reachable: false, error: "UNAVAILABLE" } });
    down.districts[0]!.unacknowledged = { error: "UNAVAILABLE" };
    expect(judged(down).problems.map((p) => p.kind)).toEqual(["unreachable"]);
    expect(judged(down).exitCode).toBe(3);
  });
});

describe("formatAge", () => {
  it("is short and whole", () => {
    expect([0, 0.4, 59.6, 61, 3599, 3600, 7500, 86_400 * 3 + 3600 * 4 + 5].map(formatAge)).toEqual([
      "0 s",
      "0 s",
      "1 min 0 s",
      "1 min 1 s",
      "59 min 59 s",
      "1 h 0 min",
      "2 h 5 min",
      "3 d 4 h",
    ]);
  });
});
