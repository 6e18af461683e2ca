/**
 * `pnpm chaos`: the full chaos suite (see README, "Chaos suite"). Settings (environment):
 *   CHAOS_SEED            the run's seed (random when unset; printed either way)
 *   CHAOS_SHORT=1         the short variant CI runs
 *   CHAOS_DOWN_BULLETINS, CHAOS_UP_BULLETINS, CHAOS_ACTIVITIES, CHAOS_CONCURRENCY,
 *   CHAOS_SPAN_SECONDS, CHAOS_FAULTS_PER_KIND, CHAOS_MAX_MINUTES   the workload, how long
 *                        its scripts' starts are spread over, faults per kind, the run's bound
 *   CHAOS_KEEP=1          keep the run directory, broker and databases
 * Exit status: 0 when every check passed, 1 on any loss, duplicate, order break or stuck event,
 * 2 when the run itself failed.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { formatReport, FULL, runChaos, SHORT, type ChaosOptions } from "./driver";
import { REPO_ROOT } from "./processes";

function int(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) {
    process.stderr.write(`chaos: ${name} must be a non-negative integer (got "${raw}")\n`);
    process.exit(2);
  }
  return n;
}

async function main(): Promise<void> {
  const base = process.env.CHAOS_SHORT === "1" ? SHORT : FULL;
  const options: ChaosOptions = {
    ...base,
    seed: int("CHAOS_SEED", Math.floor(Math.random() * 2 ** 31)),
    downBulletins: int("CHAOS_DOWN_BULLETINS", base.downBulletins),
    upBulletins: int("CHAOS_UP_BULLETINS", base.upBulletins),
    activities: int("CHAOS_ACTIVITIES", base.activities),
    concurrency: Math.max(1, int("CHAOS_CONCURRENCY", base.concurrency)),
    spanMs: int("CHAOS_SPAN_SECONDS", base.spanMs / 1000) * 1000,
    faultsPerKind: int("CHAOS_FAULTS_PER_KIND", base.faultsPerKind),
    maxRunMs: int("CHAOS_MAX_MINUTES", base.maxRunMs / 60_000) * 60_000,
    keep: process.env.CHAOS_KEEP === "1",
    log: (line) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`),
  };
  const report = await runChaos(options);
  const text = formatReport(report);
  process.stdout.write(`${text}\n`);
  writeFileSync(path.join(REPO_ROOT, ".run", "chaos-last-report.txt"), `${text}\n`);
  process.exit(report.ok ? 0 : 1);
}

main().catch((err: Error) => {
  process.stderr.write(`chaos: the run failed: ${err.stack ?? err.message}\n`);
  process.exit(2);
});
