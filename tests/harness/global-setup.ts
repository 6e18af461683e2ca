/**
 * jest `globalSetup`: provisions Kafka and PostgreSQL once per run (see ./infra.ts) and hands
 * them to the test workers as `KAFKA_BROKERS` and `DATABASE_URL` (workers inherit the env of
 * the jest process). The stop handle stays on `globalThis` for ./global-teardown.ts, which jest
 * runs in the same process.
 */
import { provisionInfrastructure, type ProvisionedInfrastructure } from "./infra";

export const INFRA_HANDLE = Symbol.for("jinlian.tests.infrastructure");

type GlobalWithInfra = typeof globalThis & { [INFRA_HANDLE]?: ProvisionedInfrastructure };

export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  const infra = await provisionInfrastructure();
  (globalThis as GlobalWithInfra)[INFRA_HANDLE] = infra;

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
