/**
 * `jinlian-ops federation status` against the federation as deployed: the city's and a district's
 * Kafka clusters joined only by MirrorMaker 2 (tests/support/federation.ts). Records and
 * heartbeats are produced with kafkajs directly, as nodes would. With MirrorMaker running the
 * status is all clear (exit 0); stopped, with records waiting, it says so (exit 1); a cluster out
 * of reach is exit 3, within seconds.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { CITY_JURISDICTION } from "@jinlian/kernel";
import { main } from "@jinlian/ops";
import { deliveryTopic } from "@jinlian/subscriber";
import { Kafka, logLevel, Partitioners, type Producer } from "kafkajs";
import { uniqueNamespace, waitFor } from "../harness/kafka";
import { freePortPair } from "../support/dedicated-kafka";
import { startFederation, withAdmin, type Federation } from "../support/federation";
import { describeNeedingJava } from "../support/requirements";

jest.setTimeout(600_000);

const REPO_ROOT = path.resolve(__dirname, "..", "..");
const BIN = path.join(REPO_ROOT, "packages", "ops", "bin", "jinlian-ops.cjs");
const D = "120101";
const CITY = CITY_JURISDICTION;

// Only what the status command reads; the test's own types keep it honest about the JSON.
interface Side {
  state: "seen" | "never" | "unknown";
  at?: string;
  ageSeconds?: number;
}
interface Link {
  direction: "down" | "up";
  mirrorMaker: { found: boolean; layout?: string; group?: string; sourceConnector?: string } | null;
  connectors: { name: string; state: string; tasks: { task: number; state: string }[] }[] | null;
  workers: { group: string; state: string; members: number } | null;
  topics:
    | {
        topic: string;
        lagRecords: number;
        lagSeconds: number;
        partitions: {
          partition: number;
          end: number;
          next: number;
          lagRecords: number;
          oldestWaitingAt: string | null;
          copiedPastEnd: boolean;
        }[];
      }[]
    | null;
  heartbeat: { topic: string; sent: Side; arrived: Side };
}
interface Report {
  clusters: { code: string; reachable: boolean; error?: string }[];
  districts: { district: string; links: Link[] }[];
  problems: { kind: string; direction?: string; message: string }[];
  exitCode: number;
}

/** main() in this process, its standard output captured. */
async function run(args: string[]): Promise<{ code: number; out: string }> {
  const chunks: string[] = [];
  const spy = jest.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    chunks.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
    return true;
  });
  try {
    const code = await main(args);
    return { code, out: chunks.join("") };
  } finally {
    spy.mockRestore();
  }
}

describeNeedingJava("jinlian-ops federation status over MirrorMaker 2", () => {
  const ns = uniqueNamespace("ops-status");
  const down = deliveryTopic(ns, "bulletins", CITY, D);
  const up = deliveryTopic(ns, "bulletins", D, CITY);
  const beatDown = deliveryTopic(ns, "federation", CITY, D);
  const beatUp = deliveryTopic(ns, "federation", D, CITY);
  let federation: Federation;
  const producers = new Map<string, Producer>();
  /** The timestamp of the last heartbeat produced on each heartbeat topic. */
  const lastBeat = new Map<string, number>();
  let ticker: NodeJS.Timeout | undefined;

  const clusterArgs = () => [
    "--city",
    `${CITY}=${federation.city.brokers.join(",")}`,
    "--district",
    `${D}=${federation.cluster(D).brokers.join(",")}`,
    "--namespace",
    ns,
  ];

  async function status(extra: string[] = []): Promise<Report> {
    const { code, out } = await run(["federation", "status", ...clusterArgs(), "--json", ...extra]);
    const report = JSON.parse(out) as Report;
    expect(report.exitCode).toBe(code);
    return report;
  }

  const linkOf = (r: Report, direction: "down" | "up") =>
    r.districts.find((d) => d.district === D)!.links.find((l) => l.direction === direction)!;

  async function produce(code: string, topic: string, messages: { key: string; value: string; timestamp?: number }[]): Promise<void> {
    await producers.get(code)!.send({
      topic,
      messages: messages.map((m) => ({ key: m.key, value: m.value, ...(m.timestamp ? { timestamp: String(m.timestamp) } : {}) })),
    });
  }

  async function beat(): Promise<void> {
    const at = Date.now();
    await produce(CITY, beatDown, [{ key: CITY, value: "heartbeat", timestamp: at }]);
    await produce(D, beatUp, [{ key: D, value: "heartbeat", timestamp: at }]);
    lastBeat.set(beatDown, at);
    lastBeat.set(beatUp, at);
  }

  beforeAll(async () => {
    federation = await startFederation({ namespace: ns, districts: [D], mirror: false });
    // Both sides hold every topic of the link before MirrorMaker copies, as nodes create them.
    for (const code of [CITY, D])
      await withAdmin(federation.cluster(code), (admin) =>
        admin.createTopics({
          waitForLeaders: true,
          topics: [
            { topic: down, numPartitions: 2 },
            { topic: up, numPartitions: 1 },
            { topic: beatDown, numPartitions: 1 },
            { topic: beatUp, numPartitions: 1 },
          ],
        }),
      );
    for (const code of [CITY, D]) {
      const p = new Kafka({ brokers: federation.cluster(code).brokers, clientId: "ops-status-test", logLevel: logLevel.NOTHING }).producer({
        allowAutoTopicCreation: false,
        createPartitioner: Partitioners.DefaultPartitioner,
      });
      await p.connect();
      producers.set(code, p);
    }
    await produce(
      CITY,
      down,
      Array.from({ length: 5 }, (_, i) => ({ key: `bulletin-${i}`, value: `down ${i}` })),
    );
    await produce(
      D,
      up,
      Array.from({ length: 3 }, (_, i) => ({ key: `receipt-${i}`, value: `up ${i}` })),
    );
    await beat();
    // Heartbeats keep coming, as from running nodes, until a test stops them.
    ticker = setInterval(() => void beat().catch(() => undefined), 3000);
    await federation.mirrorMaker.start();
  });

  afterAll(async () => {
    clearInterval(ticker);
    for (const p of producers.values()) await p.disconnect().catch(() => undefined);
    await federation?.destroy();
  });

  /** Polls the status until it exits 0; on a timeout, says what the last status and MirrorMaker said. */
  async function allClear(what: string): Promise<Report> {
    let last: Report | undefined;
    try {
      await waitFor(
        async () => {
          last = await status();
          return last.exitCode === 0;
        },
        { timeoutMs: 180_000, intervalMs: 2000, what },
      );
    } catch (err) {
      throw new Error(
        `${(err as Error).message}\nlast status: ${JSON.stringify(last, null, 2)}\nMirrorMaker log:\n${federation.mirrorMaker.log().slice(-4000)}`,
      );
    }
    return last!;
  }

  it("shows every flow running, nothing waiting and heartbeats arrived, and exits 0", async () => {
    const report = await allClear("an all-clear status");
    expect(report.problems).toEqual([]);
    expect(report.clusters.map((c) => c.reachable)).toEqual([true, true]);
    for (const direction of ["down", "up"] as const) {
      const link = linkOf(report, direction);
      // Found where dedicated mode keeps it, without being told (--mirror-maker auto).
      const sourceAlias = `${ns}-${direction === "down" ? CITY : D}`;
      expect(link.mirrorMaker).toEqual({
        found: true,
        layout: "dedicated",
        group: `${sourceAlias}-mm2`,
        statusTopic: `mm2-status.${sourceAlias}.internal`,
        sourceConnector: "MirrorSourceConnector",
      });
      const source = link.connectors!.find((c) => c.name === "MirrorSourceConnector")!;
      expect(source.state).toBe("RUNNING");
      expect(source.tasks.length).toBeGreaterThan(0);
      for (const t of source.tasks) expect(t.state).toBe("RUNNING");
      expect(link.workers!.members).toBeGreaterThan(0);
      const delivery = link.topics!.find((t) => t.topic === (direction === "down" ? down : up))!;
      expect(delivery.lagRecords).toBe(0);
      expect(delivery.lagSeconds).toBe(0);
      expect(delivery.partitions.reduce((n, p) => n + p.end, 0)).toBe(direction === "down" ? 5 : 3);
      for (const p of delivery.partitions) expect(p.next).toBe(p.end);
      expect(link.heartbeat.arrived.state).toBe("seen");
    }

    // The heartbeat times are the records' own: stop sending, and both sides show the last one sent.
    clearInterval(ticker);
    ticker = undefined;
    await beat();
    const arrivedLast = (r: Report, direction: "down" | "up") => {
      const hb = linkOf(r, direction).heartbeat;
      return hb.arrived.at === new Date(lastBeat.get(hb.topic)!).toISOString();
    };
    const final = await waitFor(
      async () => {
        const r = await status();
        return arrivedLast(r, "down") && arrivedLast(r, "up") ? r : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 1000, what: "the last heartbeat arrived both ways" },
    );
    for (const direction of ["down", "up"] as const) {
      const hb = linkOf(final, direction).heartbeat;
      expect(hb.topic).toBe(direction === "down" ? beatDown : beatUp);
      expect(hb.sent).toEqual({ state: "seen", at: new Date(lastBeat.get(hb.topic)!).toISOString(), ageSeconds: expect.any(Number) });
      expect(hb.sent.ageSeconds).toBeLessThan(60);
    }

    // The last heartbeat went out before the wait above, which may take most of a minute on a
    // loaded machine: by now it can be older than the default limit (60 s), which the unit tests
    // hold to. Here the table must show every flow running and nothing waiting.
    const table = await run(["federation", "status", ...clusterArgs(), "--max-heartbeat-age-seconds", "600"]);
    expect(table.code).toBe(0);
    expect(table.out).toMatch(/^120101 和平区 +down 120000→120101 +RUNNING +0:RUNNING/m);
    expect(table.out).toContain(down);
    expect(table.out).toContain("OK: every flow running and within thresholds.");
  });

  it("shows MirrorMaker stopped, no live worker, and how many records wait and for how long: exit 1", async () => {
    await federation.mirrorMaker.stop();
    // Records written a while ago (their timestamps say so) that MirrorMaker has not copied.
    const written = Date.now() - 90_000;
    await produce(
      CITY,
      down,
      Array.from({ length: 4 }, (_, i) => ({ key: `late-${i}`, value: `late ${i}`, timestamp: written + i })),
    );
    const report = await status(["--max-lag-seconds", "60"]);
    expect(report.exitCode).toBe(1);
    expect(report.clusters.every((c) => c.reachable)).toBe(true);

    const d = linkOf(report, "down");
    const delivery = d.topics!.find((t) => t.topic === down)!;
    expect(delivery.lagRecords).toBe(4);
    expect(delivery.lagSeconds).toBeGreaterThanOrEqual(90);
    expect(delivery.lagSeconds).toBeLessThan(90 + 120);
    // The oldest waiting record of each partition that has one, by its own timestamp.
    const waiting = delivery.partitions.filter((p) => p.lagRecords > 0);
    expect(waiting.reduce((n, p) => n + p.lagRecords, 0)).toBe(4);
    for (const p of waiting) expect(Date.parse(p.oldestWaitingAt!) - written).toBeGreaterThanOrEqual(0);
    expect(Math.min(...waiting.map((p) => Date.parse(p.oldestWaitingAt!)))).toBe(written);
    expect(linkOf(report, "up").topics!.find((t) => t.topic === up)!.lagRecords).toBe(0);

    for (const direction of ["down", "up"] as const) {
      const link = linkOf(report, direction);
      expect(link.workers!.members).toBe(0);
      // A stopped worker leaves its connector and tasks unassigned.
      expect(link.connectors!.find((c) => c.name === "MirrorSourceConnector")!.state).not.toBe("RUNNING");
    }
    const kinds = report.problems.map((p) => `${p.kind} ${p.direction ?? ""}`);
    expect(kinds).toEqual(expect.arrayContaining(["workers down", "workers up", "connector down", "connector up", "lag-age down"]));
    expect(kinds).not.toContain("lag-records down");
    expect(report.problems.find((p) => p.kind === "lag-age")!.message).toContain(down);

    // The records threshold on its own.
    const byCount = await status(["--max-lag-records", "3"]);
    expect(byCount.problems.map((p) => p.kind)).toContain("lag-records");

    const table = await run(["federation", "status", ...clusterArgs()]);
    expect(table.code).toBe(1);
    expect(table.out).toContain("120000→120101: no live MirrorMaker worker in group");
    expect(table.out).toMatch(new RegExp(`120000→120101 +${down.replace(/\./g, "\\.")} +4 +1 min \\d+ s`));
  });

  it("exits with the status from the built command line as well", () => {
    if (!existsSync(path.join(REPO_ROOT, "packages", "ops", "dist", "federation-status.js")))
      throw new Error("packages/ops is not built: run `pnpm --silent build` first");
    const res = spawnSync(process.execPath, [BIN, "federation", "status", ...clusterArgs(), "--json"], {
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(res.status).toBe(1);
    const report = JSON.parse(res.stdout) as Report;
    expect(report.exitCode).toBe(1);
    expect(report.problems.map((p) => p.kind)).toContain("workers");
    const usage = spawnSync(process.execPath, [BIN, "federation", "status", "--city", "nonsense"], { encoding: "utf8", timeout: 60_000 });
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain("--city must be <code>=<host:port>");
  });

  it("exits 3 within seconds when a cluster cannot be reached, still showing the rest", async () => {
    const closed = await freePortPair();
    const started = Date.now();
    const { code, out } = await run([
      "federation",
      "status",
      "--city",
      `${CITY}=${federation.city.brokers.join(",")}`,
      "--district",
      `${D}=127.0.0.1:${closed}`,
      "--namespace",
      ns,
      "--json",
      "--timeout-seconds",
      "3",
    ]);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(code).toBe(3);
    const report = JSON.parse(out) as Report;
    expect(report.clusters).toEqual([
      expect.objectContaining({ code: CITY, reachable: true }),
      expect.objectContaining({ code: D, reachable: false }),
    ]);
    expect(report.problems[0]!.message).toContain(`cluster of ${D} (127.0.0.1:${closed}) cannot be reached`);
    // The city's side is still read: what it has sent, and the flow into it is known to be down.
    const up = linkOf(report, "up");
    expect(up.workers!.members).toBe(0);
    expect(up.topics).toBeNull();
    expect(linkOf(report, "down").heartbeat.sent.state).toBe("seen");
    expect(linkOf(report, "down").heartbeat.arrived.state).toBe("unknown");
  });

  it("sees a rebuilt source behind MirrorMaker's offsets, and a reset of them as the runbook says lets it copy again", async () => {
    // The district's cluster "rebuilt": its upward topic starts again from offset 0, with fewer
    // records than MirrorMaker had copied from the old one (MirrorMaker is still stopped).
    const district = federation.cluster(D);
    await withAdmin(district, (admin) => admin.deleteTopics({ topics: [up], timeout: 30_000 }));
    await waitFor(
      () =>
        withAdmin(district, (admin) => admin.createTopics({ waitForLeaders: true, topics: [{ topic: up, numPartitions: 1 }] })).then(
          () => true,
          () => false,
        ),
      { timeoutMs: 30_000, intervalMs: 500, what: `${up} created again` },
    );
    await produce(D, up, [
      { key: "after-rebuild-0", value: "new 0" },
      { key: "after-rebuild-1", value: "new 1" },
    ]);
    const before = await status();
    const rebuilt = linkOf(before, "up").topics!.find((t) => t.topic === up)!;
    expect(rebuilt.partitions).toEqual([{ partition: 0, end: 2, next: 3, lagRecords: 0, oldestWaitingAt: null, copiedPastEnd: true }]);
    expect(before.problems.filter((p) => p.kind === "offsets-past-end").map((p) => p.direction)).toEqual(["up"]);

    // The runbook's reset for dedicated mode: with MirrorMaker stopped, delete the flow's own
    // offsets topic on its target (the city); only the up flow of this district uses it.
    const offsetsTopic = `mm2-offsets.${ns}-${D}.internal`;
    await withAdmin(federation.city, (admin) => admin.deleteTopics({ topics: [offsetsTopic], timeout: 30_000 }));
    const reset = await status();
    expect(linkOf(reset, "up").topics!.find((t) => t.topic === up)!.partitions).toEqual([
      { partition: 0, end: 2, next: 0, lagRecords: 2, oldestWaitingAt: expect.any(String), copiedPastEnd: false },
    ]);
    expect(reset.problems.map((p) => p.kind)).not.toContain("offsets-past-end");

    // MirrorMaker copies the new log from its beginning; both flows catch up and the status clears.
    ticker = setInterval(() => void beat().catch(() => undefined), 3000);
    const cityEndBefore = await withAdmin(federation.city, (admin) => admin.fetchTopicOffsets(up));
    await federation.mirrorMaker.start();
    await allClear("an all-clear status after the reset");
    const cityEndAfter = await withAdmin(federation.city, (admin) => admin.fetchTopicOffsets(up));
    // Both new records reached the city (its copy keeps the old ones; transaction markers take offsets too).
    expect(Number(cityEndAfter[0]!.high) - Number(cityEndBefore[0]!.high)).toBeGreaterThanOrEqual(2);
  });

  it("leaves no reader groups behind on either cluster", async () => {
    for (const code of [CITY, D]) {
      const { groups } = await withAdmin(federation.cluster(code), (admin) => admin.listGroups());
      expect(groups.map((g) => g.groupId).filter((g) => g.startsWith("jinlian-ops-status-"))).toEqual([]);
    }
  });
});
