// Checks a bench run's JSON (bench/run.sh, BENCH_OUT) for the short variant CI runs
// (bench/smoke.sh): every scenario folder of bench/src/scenarios ran, both variants reported, and
// every metric is a finite number. No figure is judged: these are benchmarks, not timed tests.
//   node bench/check-results.mts <results.json>
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

interface BenchJson {
  results: {
    scenario: string;
    metrics: { key: string; baseline: { median: number }; jinlian: { median: number } }[];
    memory: { baseline: { rssMb: number }; jinlian: { rssMb: number } };
  }[];
}

const file = process.argv[2];
if (!file) throw new Error("usage: node bench/check-results.mts <results.json>");
const json = JSON.parse(readFileSync(file, "utf8")) as BenchJson;
const scenarios = readdirSync(path.join(import.meta.dirname, "src", "scenarios"), { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name)
  .sort();
const problems: string[] = [];
const ran = json.results.map((r) => r.scenario).sort();
for (const s of scenarios) if (!ran.includes(s)) problems.push(`${s}: did not run`);
for (const r of json.results) {
  if (r.metrics.length === 0) problems.push(`${r.scenario}: no metrics`);
  for (const m of r.metrics) {
    for (const [variant, value] of [
      ["baseline", m.baseline.median],
      ["jinlian", m.jinlian.median],
    ] as const) {
      if (!Number.isFinite(value) || value < 0) problems.push(`${r.scenario}/${variant}: ${m.key} is ${value}`);
    }
  }
  for (const variant of ["baseline", "jinlian"] as const) {
    if (!(r.memory[variant].rssMb > 0)) problems.push(`${r.scenario}/${variant}: no memory figure`);
  }
}
if (problems.length > 0) {
  process.stderr.write(`bench check: ${problems.length} problem(s)\n${problems.map((p) => `  ${p}`).join("\n")}\n`);
  process.exit(1);
}
process.stdout.write(`bench check: ${json.results.length} scenarios, every metric of both variants reported\n`);
