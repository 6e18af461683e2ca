import { judged, type LinkReport, type StatusReport } from "./federation-status-report";
import { running, unjudgedReport } from "./federation-status.fixtures";
import { displayWidth, renderColumns, renderTable } from "./federation-status-table";

/** Both links healthy; the table also shows the heartbeat connector MirrorMaker configures. */
function report(
  down: Partial<LinkReport> = {},
  up: Partial<LinkReport> = {},
  unacknowledged?: { bulletins: number; overdue: number },
): StatusReport {
  const heartbeat = { name: "MirrorHeartbeatConnector", state: "RUNNING", workerId: "w1", tasks: [] };
  const withHeartbeat = (patch: Partial<LinkReport>) => ({ connectors: [running(), heartbeat], ...patch });
  return judged(unjudgedReport(withHeartbeat(down), withHeartbeat(up), {}, unacknowledged));
}

describe("displayWidth", () => {
  it("counts Chinese characters as two columns", () => {
    expect(displayWidth("和平区")).toBe(6);
    expect(displayWidth("120101 和平区")).toBe(13);
    expect(displayWidth("→ ≤ abc")).toBe(7);
  });
});

describe("renderColumns", () => {
  it("aligns columns by display width and trims the ends", () => {
    expect(
      renderColumns(
        ["A", "B", "C"],
        [
          ["和平区", "x", ""],
          ["1", "longer", "z"],
        ],
      ),
    ).toEqual(["A       B       C", "和平区  x", "1       longer  z"]);
  });
});

describe("renderTable", () => {
  it("shows a flow MirrorMaker has never run as NONE", () => {
    const text = renderTable(report({ mirrorMaker: { found: false, lookedFor: ["x"] }, connectors: null, workers: null }));
    expect(
      text
        .split("\n")
        .find((l) => l.includes("down 120000→120101"))!
        .split(/\s{2,}/)
        .slice(1, 5),
    ).toEqual(["down 120000→120101", "NONE", "-", "-"]);
    expect(text).toContain("MirrorMaker has never run this flow");
  });

  it("shows one row per flow, each topic's lag, and that all is well", () => {
    const text = renderTable(report());
    const lines = text.split("\n");
    expect(lines[0]).toBe("Federation status, namespace jinlian, at 2026-11-30T10:00:05.000Z");
    const header = lines.find((l) => l.startsWith("DISTRICT"))!;
    expect(header.split(/\s{2,}/)).toEqual([
      "DISTRICT",
      "FLOW",
      "CONNECTOR",
      "TASKS",
      "WORKERS",
      "LAG",
      "LAG AGE",
      "HEARTBEAT SENT",
      "HEARTBEAT ARRIVED",
    ]);
    const down = lines.find((l) => l.includes("down 120000→120101"))!;
    expect(down.split(/\s{2,}/)).toEqual([
      "120101 和平区",
      "down 120000→120101",
      "RUNNING",
      "0:RUNNING",
      "1",
      "0",
      "0",
      "4 s ago",
      "5 s ago",
    ]);
    // Columns line up under the header, counting the district's name as double width.
    expect(displayWidth(down.slice(0, down.indexOf("down")))).toBe(header.indexOf("FLOW"));
    expect(text).toContain("  120101→120000  jinlian.120101.bulletins.to.120000  0    0");
    expect(text).not.toContain("UNACKNOWLEDGED");
    expect(text.trimEnd().endsWith("OK: every flow running and within thresholds.")).toBe(true);
  });

  it("shows lag, silence, stopped connectors, unknowns and the problems they make", () => {
    const text = renderTable(
      report(
        {
          connectors: [
            { name: "MirrorSourceConnector", state: "UNASSIGNED", workerId: "w", tasks: [{ task: 0, state: "UNASSIGNED", workerId: "w" }] },
            { name: "MirrorHeartbeatConnector", state: "UNASSIGNED", workerId: "w", tasks: [] },
          ],
          workers: { group: "jinlian-120000-mm2", state: "Empty", members: 0 },
          topics: [{ topic: "jinlian.120000.bulletins.to.120101", lagRecords: 7, lagSeconds: 125, partitions: [] }],
          heartbeat: {
            topic: "jinlian.120000.federation.to.120101",
            sent: { state: "seen", at: "x", ageSeconds: 2 },
            arrived: { state: "never" },
          },
        },
        {
          connectors: null,
          workers: null,
          topics: null,
          heartbeat: { topic: "h", sent: { state: "unknown", error: "e" }, arrived: { state: "never" } },
        },
        { bulletins: 3, overdue: 1 },
      ),
    );
    const rows = text.split("\n");
    expect(rows.find((l) => l.startsWith("DISTRICT"))).toMatch(/HEARTBEAT ARRIVED {2}UNACKNOWLEDGED$/);
    expect(rows.find((l) => l.includes("down 120000→120101"))!.split(/\s{2,}/)).toEqual([
      "120101 和平区",
      "down 120000→120101",
      "UNASSIGNED",
      "0:UNASSIGNED",
      "0",
      "7",
      "2 min 5 s",
      "2 s ago",
      "never",
      "3 (1 overdue)",
    ]);
    expect(
      rows
        .find((l) => l.includes("up 120101→120000"))!
        .trim()
        .split(/\s{2,}/),
    ).toEqual(["up 120101→120000", "?", "?", "?", "?", "?", "?", "never"]);
    expect(text).toContain("Other MirrorMaker connectors not running:\n  120000→120101: MirrorHeartbeatConnector UNASSIGNED");
    expect(text).toContain("unknown for 120101→120000 (a cluster out of reach)");
    expect(text).toMatch(/\n\d+ problems:\n {2}- 120000→120101: connector MirrorSourceConnector is UNASSIGNED\n/);
    expect(text).toContain("  - 120000→120101: no live MirrorMaker worker in group jinlian-120000-mm2 on 120101's cluster (Empty)");
    expect(text).toContain("  - 120000→120101: no heartbeat has ever arrived at 120101");
  });
});
