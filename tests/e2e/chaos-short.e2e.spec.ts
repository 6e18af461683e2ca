/**
 * The chaos suite's short variant (the full one is `pnpm chaos`): a city and a district node as
 * processes on their own broker and PostgreSQL, a few hundred events both ways, and one fault of
 * each kind at seeded moments — a node SIGKILLed while its relay has rows in hand, one while its
 * consumers have events to apply, the broker restarted, PostgreSQL restarted. Every intended
 * effect must then be present exactly once at every node it was meant for, versions gapless and in
 * order, nothing parked, held or dead-lettered. The seed is printed; CHAOS_SEED repeats a run.
 */
import { formatReport, runChaos, SHORT } from "../chaos/driver";
import { describeNeedingJava } from "../support/requirements";

// Provisioning, four faults (a SIGKILLed node waits out its consumer group's session before it
// serves again), the drain and the checks: about three minutes on two cores.
jest.setTimeout(480_000);

describeNeedingJava("the chaos suite, short", () => {
  it("loses nothing and duplicates nothing while nodes are killed and the broker and PostgreSQL restart", async () => {
    const seed = Number(process.env.CHAOS_SEED ?? Math.floor(Math.random() * 2 ** 31));
    const lines: string[] = [];
    const report = await runChaos({ ...SHORT, seed, log: (l) => lines.push(l) });
    const text = formatReport(report);
    process.stderr.write(`${text}\n`);
    // Each kind of fault happened, and hit what it aimed at.
    expect(report.faults.map((f) => f.kind).sort()).toEqual(["kill-consumer", "kill-relay", "restart-kafka", "restart-postgres"]);
    expect(report.faults.filter((f) => f.error)).toEqual([]);
    // A workload of a few hundred cross-node events, every script run to its end.
    expect(report.counts.sent["120000"]!.delivery + report.counts.sent["120101"]!.delivery).toBeGreaterThan(200);
    expect(report.workload.incomplete).toBe(0);
    expect(report.quiescent).toBe(true);
    expect({ seed, findings: report.findings }).toEqual({ seed, findings: [] });
  });
});
