// Writes the reports of a benchmark run's JSON (bench/run.sh calls it at the end), each plotted
// with Vega-Lite, bare kafkajs against the platform, with a .md of the figures, machine and date:
// bench/results/event-path.svg — p99 latency and achieved throughput against the offered rate;
// bench/results/fan-out.svg — time until all districts have a bulletin and until all receipts
// are back, against the number of districts.
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
const VARIANTS = { baseline: "bare kafkajs", jinlian: "Jinlian (outbox, relay, inbox)" } as const;
const config = { font: "sans-serif", background: "white", legend: { labelLimit: 400 } };
const fmt = (n: number) => (n >= 100 ? Math.round(n).toLocaleString("en-US") : n.toFixed(2));
mkdirSync(outDir, { recursive: true });

/** Rows (variant, x, metric, value) of the metrics whose key matches `pattern` (metric, x). */
function rowsOf(metrics: readonly Metric[], pattern: RegExp) {
  const rows: { variant: string; x: number; metric: string; value: number }[] = [];
  for (const m of metrics) {
    const match = pattern.exec(m.key);
    if (!match) continue;
    for (const v of ["baseline", "jinlian"] as const)
      rows.push({ variant: VARIANTS[v], x: Number(match[2]), metric: match[1]!, value: m[v].median });
  }
  return rows;
}

function panel(metric: string, xTitle: string, title: string, scale: "log" | "linear") {
  return {
    transform: [{ filter: `datum.metric === '${metric}'` }],
    mark: { type: "line" as const, point: true },
    encoding: {
      x: { field: "x", type: "quantitative" as const, title: xTitle, scale: { type: "log" as const } },
      y: { field: "value", type: "quantitative" as const, title, scale: { type: scale } },
      color: { field: "variant", type: "nominal" as const, title: null },
    },
    width: 320,
    height: 220,
  };
}

/** Writes <name>.svg from `spec` and <name>.md with the scenario's table. */
async function write(name: string, spec: TopLevelSpec, heading: string, alt: string, metrics: readonly Metric[]): Promise<void> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: "none" });
  writeFileSync(path.join(outDir, `${name}.svg`), await view.toSVG());
  const lines = [
    `# ${heading} — the latest run`,
    "",
    `${run.date}, ${run.machine}. Written by \`node bench/report.mts\` from \`${path.relative(repo, input)}\`;`,
    "how it is measured: docs/performance.md.",
    "",
    `![${alt}](${name}.svg)`,
    "",
    "| metric | bare kafkajs | Jinlian | ratio |",
    "| --- | ---: | ---: | ---: |",
    ...metrics.map((m) => `| ${m.label} | ${fmt(m.baseline.median)} | ${fmt(m.jinlian.median)} | ${m.ratio.toFixed(2)}x |`),
    "",
  ];
  writeFileSync(path.join(outDir, `${name}.md`), lines.join("\n"));
  process.stdout.write(`report: ${path.relative(repo, path.join(outDir, `${name}.svg`))} and ${name}.md\n`);
}

const subtitle = `${run.machine}, ${run.date.slice(0, 10)}`;
const pathRun = run.results.find((r) => r.scenario === "event-path");
if (pathRun)
  await write(
    "event-path",
    {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      title: { text: "Event path: commit → handler at a subscribing node", subtitle },
      data: { values: rowsOf(pathRun.metrics, /^(p99_ms|events_per_s)_(\d+)$/) },
      hconcat: [
        panel("p99_ms", "offered events/s", "p99 latency, ms", "log"),
        panel("events_per_s", "offered events/s", "achieved events/s", "linear"),
      ],
      config,
    },
    "Event path",
    "p99 latency and achieved throughput against the offered rate",
    pathRun.metrics,
  );
const fanRun = run.results.find((r) => r.scenario === "fan-out");
if (fanRun)
  await write(
    "fan-out",
    {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      title: { text: "Fan-out: one bulletin to k districts, receipts back to the city", subtitle },
      data: { values: rowsOf(fanRun.metrics, /^(all_delivered_p99_ms|all_receipts_p99_ms)_(\d+)$/) },
      hconcat: [
        panel("all_delivered_p99_ms", "districts", "p99 ms until all have applied it", "log"),
        panel("all_receipts_p99_ms", "districts", "p99 ms until all receipts are applied", "log"),
      ],
      config,
    },
    "Fan-out",
    "p99 time to all districts and of all receipts back against the number of districts",
    fanRun.metrics,
  );
if (!pathRun && !fanRun)
  process.stderr.write(`report: ${input} has neither event-path nor fan-out results (BENCH_ONLY=event-path,fan-out bash bench/run.sh)\n`);
