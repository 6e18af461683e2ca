/**
 * A private Kafka broker for tests that stop and restart the broker (outage tests), so they do
 * not disturb other test files sharing the run's broker. It uses the local provisioning script
 * (infra/kafka/kafka.sh), which needs Java 17+; where Java is missing, `available()` is false.
 */
import { execFile, execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const REPO_ROOT = path.resolve(__dirname, "..", "..");
const KAFKA_SH = path.join(REPO_ROOT, "infra", "kafka", "kafka.sh");

export function dedicatedKafkaAvailable(): boolean {
  try {
    execFileSync("java", ["-version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

async function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once("error", () => resolve(false));
    s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
  });
}

/** A port p with p + 1 also free (a broker and its controller; MirrorMaker uses one). */
export async function freePortPair(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = 20000 + 2 * Math.floor(Math.random() * 4000);
    if ((await isFree(port)) && (await isFree(port + 1))) return port;
  }
  throw new Error("no free port pair for a dedicated Kafka broker");
}

export interface DedicatedKafka {
  brokers: string[];
  /** The broker's log (with SASL users, the authorizer's denials are there too). */
  logFile: string;
  /** Stops the broker process; its data stays, so start() brings the same topics back. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it and deletes its data. */
  destroy(): Promise<void>;
}

export interface DedicatedKafkaOptions {
  /**
   * SCRAM-SHA-512 users by name, with passwords (KAFKA_SASL_USERS of infra/kafka/kafka.sh): the
   * client port then requires SASL and ACLs are enforced. Must hold `admin`, the super user.
   * A plain, open broker when absent.
   */
  saslUsers?: Readonly<Record<string, string>>;
}

export async function startDedicatedKafka(options: DedicatedKafkaOptions = {}): Promise<DedicatedKafka> {
  const port = await freePortPair();
  const instanceDir = path.join(REPO_ROOT, ".run", `kafka-dedicated-${randomBytes(4).toString("hex")}`);
  const env = {
    ...process.env,
    KAFKA_INSTANCE_DIR: instanceDir,
    KAFKA_PORT: String(port),
    KAFKA_CONTROLLER_PORT: String(port + 1),
    KAFKA_LEASE_PID: "",
    // Set either way, so a value in the caller's environment never turns a plain broker into a SASL one.
    KAFKA_SASL_USERS: Object.entries(options.saslUsers ?? {})
      .map(([name, password]) => `${name}:${password}`)
      .join(","),
  };
  const cmd = async (verb: string) => {
    await run("bash", [KAFKA_SH, verb], { env, timeout: 120_000 });
  };
  await cmd("start");
  return {
    brokers: [`127.0.0.1:${port}`],
    logFile: path.join(instanceDir, "kafka.log"),
    stop: () => cmd("stop"),
    start: () => cmd("start"),
    async destroy() {
      await cmd("stop").catch(() => undefined);
      rmSync(instanceDir, { recursive: true, force: true });
    },
  };
}
