/**
 * jest `globalSetup`: provisions Kafka and PostgreSQL once per run (see ./infra.ts) and hands
 * them to the test workers as `KAFKA_BROKERS` and `DATABASE_URL` (workers inherit the env of
 * the jest process). The stop handle stays on `globalThis` for ./global-teardown.ts, which jest
 * runs in the same process.
 *
 * Safe as a root-level or a per-project globalSetup: jest runs a project's globalSetup only when
 * that project has tests to run, once per project; the second call in the same process reuses
 * the first one's infrastructure (reference-counted, released by the matching teardown).
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { provisionInfrastructure, type ProvisionedInfrastructure } from "./infra";

export const INFRA_HANDLE = Symbol.for("jinlian.tests.infrastructure");

export interface InfraHandle {
  infra: ProvisionedInfrastructure;
  users: number;
  /** The run's temporary files (tests/support/temp-files.ts), removed by the teardown. */
  tempDir: string;
}

export type GlobalWithInfra = typeof globalThis & { [INFRA_HANDLE]?: InfraHandle };

export default async function globalSetup(): Promise<void> {
  const g = globalThis as GlobalWithInfra;
  const existing = g[INFRA_HANDLE];
  if (existing) {
    existing.users++;
    return;
  }

  const started = Date.now();
  const infra = await provisionInfrastructure();
  const tempDir = mkdtempSync(path.join(tmpdir(), "jinlian-tests-"));
  g[INFRA_HANDLE] = { infra, users: 1, tempDir };
  process.env.JINLIAN_TEST_TMP = tempDir;

  process.env.KAFKA_BROKERS = infra.kafkaBrokers;
  process.env.DATABASE_URL = infra.databaseUrl;

  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  process.stderr.write(
    `\n[test infra] kafka: ${infra.sources.kafka} (${infra.kafkaBrokers}); ` +
      `postgres: ${infra.sources.database} (${redactPassword(infra.databaseUrl)}); ready in ${seconds} s\n`,
  );
}

function redactPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "<unparsable url>";
  }
}
