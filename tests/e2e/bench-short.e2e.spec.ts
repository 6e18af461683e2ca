/**
 * The benchmarks' short variant (the full run is `pnpm bench`, docs/benchmarks.md): every scenario
 * of bench/ at a twentieth of its size, one repetition of each variant, on the shared broker and
 * PostgreSQL. No figure is judged here — these are benchmarks, not timed tests. What must hold is
 * that every scenario still runs its baseline and its jinlian variant to the end (each worker
 * checks every response it gets) and reports every metric as a number.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";

// Compiling the bench, then sixteen worker processes (about two minutes on two cores, alone).
jest.setTimeout(600_000);

const REPO = path.resolve(__dirname, "..", "..");

interface BenchJson {
  results: {
    scenario: string;
    metrics: { key: string; baseline: { median: number }; jinlian: { median: number } }[];
    memory: { baseline: { rssMb: number }; jinlian: { rssMb: number } };
  }[];
}

describe("the benchmarks, short", () => {
  it("runs every scenario's baseline and jinlian variant to the end and reports every metric", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "jinlian-bench-"));
    const out = path.join(dir, "bench.json");
    try {
      const output = await new Promise<string>((resolve, reject) => {
        execFile(
          "bash",
          ["bench/run.sh"],
          {
            cwd: REPO,
            // The harness's broker and PostgreSQL (KAFKA_BROKERS, DATABASE_URL); bench/results untouched.
            env: { ...process.env, BENCH_SCALE: "0.05", BENCH_REPS: "1", BENCH_OUT: out, BENCH_REPORT: "0" },
            maxBuffer: 64 * 1024 * 1024,
          },
          (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr.slice(-4000)}`)) : resolve(stdout)),
        );
      });
      const json = JSON.parse(readFileSync(out, "utf8")) as BenchJson;
      // Every scenario folder of bench/src/scenarios ran (none skipped or renamed away).
      const scenarios = readdirSync(path.join(REPO, "bench", "src", "scenarios"), { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .map((e) => e.name)
        .sort();
      expect(json.results.map((r) => r.scenario).sort()).toEqual(scenarios);
      for (const r of json.results) {
        expect(r.metrics.length).toBeGreaterThan(0);
        for (const m of r.metrics) {
          for (const value of [m.baseline.median, m.jinlian.median]) {
            expect({ scenario: r.scenario, metric: m.key, finite: Number.isFinite(value) && value >= 0 }).toEqual({
              scenario: r.scenario,
              metric: m.key,
              finite: true,
            });
          }
        }
        expect(r.memory.jinlian.rssMb).toBeGreaterThan(0);
      }
      // The printed table names every scenario too.
      expect(output).toContain("jinlian/baseline");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
