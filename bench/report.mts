// Writes the event path's report from a benchmark run's JSON (bench/run.sh calls it at the end):
// bench/results/event-path.svg — p99 latency and achieved throughput against the offered rate,
// bare kafkajs against the platform, plotted with Vega-Lite — and bench/results/event-path.md
// with the figures, the machine and the date.
//   node bench/report.mts [<results.json>] [<out dir>]
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";

interface Metric {
  key: string;
  label: string;
  baseline: { median: number };
  jinlian: { median: number };
  ratio: number;
}
interface Results {
  date: string;
  machine: string;
  results: { scenario: string; metrics: Metric[] }[];
}

const repo = path.resolve(import.meta.dirname, "..");
const input = process.argv[2] ?? path.join(repo, ".run", "bench", "latest.json");
const outDir = process.argv[3] ?? path.join(repo, "bench", "results");
const run = JSON.parse(readFileSync(input, "utf8")) as Results;
const pathRun = run.results.find((r) => r.scenario === "event-path");
if (!pathRun) {
  process.stderr.write(`report: ${input} has no event-path results (run it: BENCH_ONLY=event-path bash bench/run.sh)\n`);
  process.exit(0);
}
const VARIANTS = { baseline: "bare kafkajs", jinlian: "Jinlian (outbox, relay, inbox)" } as const;
const rows: { variant: string; rate: number; metric: string; value: number }[] = [];
for (const m of pathRun.metrics) {
  const match = /^(p50_ms|p99_ms|events_per_s)_(\d+)$/.exec(m.key);
  if (!match) continue;
  for (const v of ["baseline", "jinlian"] as const)
    rows.push({ variant: VARIANTS[v], rate: Number(match[2]), metric: match[1]!, value: m[v].median });
}

const panel = (metric: string, title: string, scale: "log" | "linear") => ({
  transform: [{ filter: `datum.metric === '${metric}'` }],
  mark: { type: "line" as const, point: true },
  encoding: {
    x: { field: "rate", type: "quantitative" as const, title: "offered events/s", scale: { type: "log" as const } },
    y: { field: "value", type: "quantitative" as const, title, scale: { type: scale } },
    color: { field: "variant", type: "nominal" as const, title: null },
  },
  width: 320,
  height: 220,
});
const spec: TopLevelSpec = {
  $schema: "https://vega.github.io/schema/vega-lite/v6.json",
  title: { text: "Event path: commit → handler at a subscribing node", subtitle: `${run.machine}, ${run.date.slice(0, 10)}` },
  data: { values: rows },
  hconcat: [panel("p99_ms", "p99 latency, ms", "log"), panel("events_per_s", "achieved events/s", "linear")],
  config: { font: "sans-serif", background: "white", legend: { labelLimit: 400 } },
};
const view = new vega.View(vega.parse(compile(spec).spec), { renderer: "none" });
const svg = await view.toSVG();
mkdirSync(outDir, { recursive: true });
writeFileSync(path.join(outDir, "event-path.svg"), svg);

const fmt = (n: number) => (n >= 100 ? Math.round(n).toLocaleString("en-US") : n.toFixed(2));
const lines = [
  "# Event path — the latest run",
  "",
  `${run.date}, ${run.machine}. Written by \`node bench/report.mts\` from \`${path.relative(repo, input)}\`;`,
  "how it is measured: docs/performance.md.",
  "",
  "![p99 latency and achieved throughput against the offered rate](event-path.svg)",
  "",
  "| metric | bare kafkajs | Jinlian | ratio |",
  "| --- | ---: | ---: | ---: |",
  ...pathRun.metrics.map((m) => `| ${m.label} | ${fmt(m.baseline.median)} | ${fmt(m.jinlian.median)} | ${m.ratio.toFixed(2)}x |`),
  "",
];
writeFileSync(path.join(outDir, "event-path.md"), lines.join("\n"));
process.stdout.write(`report: ${path.relative(repo, path.join(outDir, "event-path.svg"))} and event-path.md\n`);
