/**
 * Provisions Kafka and PostgreSQL for integration tests, each independently, choosing in order:
 *
 *  (a) `KAFKA_BROKERS` / `DATABASE_URL` from the environment, when set;
 *  (b) testcontainers, when a container engine answers (`getContainerRuntimeClient()`):
 *      `confluentinc/cp-kafka` in KRaft mode (the image family @testcontainers/kafka drives) and
 *      `postgres:15-alpine`;
 *  (c) local processes: `infra/kafka/kafka.sh start` on a test-only instance
 *      (`<repo>/.run/kafka-test`, 127.0.0.1:19092) and `infra/postgres.sh ensure`.
 *
 * `JINLIAN_TEST_INFRA=local` skips (b) (no container-engine probe); `=containers` requires it.
 * `stop()` stops only what this call started: containers it started; a local test broker or
 * private PostgreSQL cluster only when a test run started it and no other live run uses it
 * (leases, see infra/lib/leases.sh); a server started by hand is reused and left running.
 */
import { spawn } from "node:child_process";
import * as path from "node:path";
import { waitFor } from "./kafka";

export type InfraSource = "env" | "testcontainers" | "local";

export interface ProvisionedInfrastructure {
  /** Comma-separated bootstrap list, e.g. `127.0.0.1:19092`. */
  kafkaBrokers: string;
  /** Admin URL: a database where `CREATE DATABASE` works (see `createTestDatabase`). */
  databaseUrl: string;
  /** Where each came from. */
  sources: { kafka: InfraSource; database: InfraSource };
  /** Stops only what was started by `provisionInfrastructure`; safe to call twice. */
  stop(): Promise<void>;
}

export const REPO_ROOT = path.resolve(__dirname, "..", "..");
const KAFKA_SH = path.join(REPO_ROOT, "infra", "kafka", "kafka.sh");
const POSTGRES_SH = path.join(REPO_ROOT, "infra", "postgres.sh");

/** The local test broker: separate from a developer's broker on 9092. */
export const LOCAL_TEST_KAFKA = {
  instanceDir: path.join(REPO_ROOT, ".run", "kafka-test"),
  port: 19092,
} as const;
/** infra/postgres.sh's private cluster (PG_PRIVATE_PORT default). */
const LOCAL_PRIVATE_POSTGRES_PORT = Number(process.env.PG_PRIVATE_PORT ?? 55432);

const TEST_KAFKA_IMAGE = process.env.JINLIAN_TEST_KAFKA_IMAGE ?? "confluentinc/cp-kafka:8.1.0";
const TEST_POSTGRES_IMAGE = process.env.JINLIAN_TEST_POSTGRES_IMAGE ?? "postgres:15-alpine";
const RUNTIME_PROBE_TIMEOUT_MS = 5_000;

type Stopper = () => Promise<void>;

export async function provisionInfrastructure(): Promise<ProvisionedInfrastructure> {
  const stoppers: Stopper[] = [];
  const stopAll = async (): Promise<void> => {
    // Reverse order of start; each at most once.
    const errors: unknown[] = [];
    for (const stopOne of stoppers.splice(0).reverse()) {
      try {
        await stopOne();
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length > 0) {
      throw new AggregateError(errors, "stopping test infrastructure failed");
    }
  };

  try {
    const envBrokers = nonEmpty(process.env.KAFKA_BROKERS);
    const envDatabase = nonEmpty(process.env.DATABASE_URL);

    let kafka: { brokers: string; source: InfraSource } | undefined = envBrokers ? { brokers: envBrokers, source: "env" } : undefined;
    let database: { url: string; source: InfraSource } | undefined = envDatabase ? { url: envDatabase, source: "env" } : undefined;

    const mode = process.env.JINLIAN_TEST_INFRA;
    if ((!kafka || !database) && mode !== "local" && (await containerRuntimeAvailable(mode === "containers"))) {
      if (!kafka) {
        const started = await startKafkaContainer();
        stoppers.push(started.stop);
        kafka = { brokers: started.brokers, source: "testcontainers" };
      }
      if (!database) {
        const started = await startPostgresContainer();
        stoppers.push(started.stop);
        database = { url: started.url, source: "testcontainers" };
      }
    }

    if (!kafka) {
      const started = await startLocalKafka(stoppers);
      kafka = { brokers: started.brokers, source: "local" };
    }
    if (!database) {
      const started = await ensureLocalPostgres(stoppers);
      database = { url: started.url, source: "local" };
    }

    await warmUpGroupCoordinator(kafka.brokers);

    return {
      kafkaBrokers: kafka.brokers,
      databaseUrl: database.url,
      sources: { kafka: kafka.source, database: database.source },
      stop: stopAll,
    };
  } catch (err) {
    await stopAll().catch(() => undefined);
    throw err;
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

/**
 * A fresh broker creates `__consumer_offsets` on the first FindCoordinator and then loads it:
 * until then kafkajs consumers log "group coordinator is not available", crash with "The
 * coordinator is loading" and restart. Asking for a group once, before any test, gets that
 * over with (about a second on a new broker, one round trip otherwise).
 */
async function warmUpGroupCoordinator(brokers: string): Promise<void> {
  const { Kafka, logLevel } = await import("kafkajs");
  const admin = new Kafka({
    clientId: "jinlian-test-harness",
    brokers: brokers.split(",").map((b) => b.trim()),
    logLevel: logLevel.NOTHING,
  }).admin();
  try {
    await waitFor(
      async () => {
        await admin.connect();
        await admin.describeGroups(["jinlian-test-harness-warmup"]);
        return true;
      },
      { timeoutMs: 60_000, intervalMs: 250, what: `the group coordinator of ${brokers}` },
    );
  } finally {
    await admin.disconnect();
  }
}

// ---------------------------------------------------------------------------------------------
// (b) testcontainers

async function containerRuntimeAvailable(required: boolean): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const { getContainerRuntimeClient } = await import("testcontainers");
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${RUNTIME_PROBE_TIMEOUT_MS} ms`)), RUNTIME_PROBE_TIMEOUT_MS);
      timer.unref();
    });
    await Promise.race([getContainerRuntimeClient(), timeout]);
    return true;
  } catch (err) {
    if (required) {
      throw new Error(`JINLIAN_TEST_INFRA=containers but no container engine is reachable: ${errorMessage(err)}`);
    }
    return false;
  } finally {
    if (timer) clearTimeout(timer);
  }
}

async function startKafkaContainer(): Promise<{ brokers: string; stop: Stopper }> {
  const { KafkaContainer } = await import("@testcontainers/kafka");
  // @testcontainers/kafka drives Confluent images (it runs /etc/confluent/docker/run); CP 8.x
  // is Kafka 4.x and KRaft-only. Its PLAINTEXT listener for clients is container port 9093.
  const container = await new KafkaContainer(TEST_KAFKA_IMAGE)
    .withKraft()
    .withEnvironment({
      KAFKA_AUTO_CREATE_TOPICS_ENABLE: "false",
      KAFKA_NUM_PARTITIONS: "3",
      KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: "1",
      KAFKA_TRANSACTION_STATE_LOG_NUM_PARTITIONS: "1",
      KAFKA_HEAP_OPTS: "-Xms256m -Xmx512m",
    })
    .start();
  return {
    brokers: `${container.getHost()}:${container.getMappedPort(9093)}`,
    stop: async () => {
      await container.stop();
    },
  };
}

async function startPostgresContainer(): Promise<{ url: string; stop: Stopper }> {
  const { PostgreSqlContainer } = await import("@testcontainers/postgresql");
  // The image's POSTGRES_USER is a superuser: its database is a valid admin URL.
  const container = await new PostgreSqlContainer(TEST_POSTGRES_IMAGE)
    .withDatabase("postgres")
    .withUsername("postgres")
    .withPassword("postgres")
    .start();
  return {
    url: container.getConnectionUri(),
    stop: async () => {
      await container.stop();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// (c) local processes

const localKafkaEnv = (): NodeJS.ProcessEnv => ({
  ...process.env,
  KAFKA_INSTANCE_DIR: LOCAL_TEST_KAFKA.instanceDir,
  KAFKA_PORT: String(LOCAL_TEST_KAFKA.port),
  KAFKA_CONTROLLER_PORT: String(LOCAL_TEST_KAFKA.port + 1),
  // Each run that starts the test broker starts it empty: test topics do not pile up.
  KAFKA_EPHEMERAL: "1",
});

/**
 * The local servers are shared by concurrent test runs through leases (infra/lib/leases.sh):
 * `start`/`ensure` record this process as a user; `stop` releases that and stops the server only
 * if a test run started it and no other live run still uses it. A server started by hand (or a
 * developer's own broker on 9092) is never stopped from here.
 */
async function startLocalKafka(stoppers: Stopper[]): Promise<{ brokers: string }> {
  const env = { ...localKafkaEnv(), KAFKA_LEASE_PID: String(process.pid) };
  // Registered first: a failed start still releases its lease.
  stoppers.push(async () => {
    await run("bash", [KAFKA_SH, "stop"], { env });
  });
  await run("bash", [KAFKA_SH, "start"], { env });
  return { brokers: `127.0.0.1:${LOCAL_TEST_KAFKA.port}` };
}

async function ensureLocalPostgres(stoppers: Stopper[]): Promise<{ url: string }> {
  const env = { ...process.env, PG_LEASE_PID: String(process.pid) };
  const result = await run("bash", [POSTGRES_SH, "ensure"], { env });
  const url = result.stdout.trim().split("\n").pop() ?? "";
  if (!/^postgres(ql)?:\/\//.test(url)) {
    throw new Error(`infra/postgres.sh ensure printed no URL (stdout: ${JSON.stringify(result.stdout)})`);
  }
  // Only the private cluster (never the machine's own server) is stopped, and only when a test
  // run started it.
  if (new URL(url).port === String(LOCAL_PRIVATE_POSTGRES_PORT)) {
    stoppers.push(async () => {
      await run("bash", [POSTGRES_SH, "stop"], { env });
    });
  }
  return { url };
}

interface RunResult {
  code: number;
  stdout: string;
}

/** Runs a script; its stderr (progress) goes to ours, its stdout is captured. */
function run(command: string, args: string[], opts: { env?: NodeJS.ProcessEnv }): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: REPO_ROOT,
      env: opts.env ?? process.env,
      stdio: ["ignore", "pipe", "inherit"],
    });
    let stdout = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.on("error", reject);
    child.on("close", (code, signal) => {
      const exit = code ?? 128;
      if (exit !== 0) {
        reject(
          new Error(
            `${path.relative(REPO_ROOT, args[0] ?? command)} ${args.slice(1).join(" ")} failed ` +
              `(${signal ? `signal ${signal}` : `exit ${exit}`}); see its output above`,
          ),
        );
        return;
      }
      resolve({ code: exit, stdout });
    });
  });
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
