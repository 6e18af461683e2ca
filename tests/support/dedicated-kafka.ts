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

async function freePortPair(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = 20000 + 2 * Math.floor(Math.random() * 4000);
    if ((await isFree(port)) && (await isFree(port + 1))) return port;
  }
  throw new Error("no free port pair for a dedicated Kafka broker");
}

export interface DedicatedKafka {
  brokers: string[];
  /** Stops the broker process; its data stays, so start() brings the same topics back. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it and deletes its data. */
  destroy(): Promise<void>;
}

export async function startDedicatedKafka(): Promise<DedicatedKafka> {
  const port = await freePortPair();
  const instanceDir = path.join(REPO_ROOT, ".run", `kafka-dedicated-${randomBytes(4).toString("hex")}`);
  const env = {
    ...process.env,
    KAFKA_INSTANCE_DIR: instanceDir,
    KAFKA_PORT: String(port),
    KAFKA_CONTROLLER_PORT: String(port + 1),
    KAFKA_LEASE_PID: "",
  };
  const cmd = async (verb: string) => {
    await run("bash", [KAFKA_SH, verb], { env, timeout: 120_000 });
  };
  await cmd("start");
  return {
    brokers: [`127.0.0.1:${port}`],
    stop: () => cmd("stop"),
    start: () => cmd("start"),
    async destroy() {
      await cmd("stop").catch(() => undefined);
      rmSync(instanceDir, { recursive: true, force: true });
    },
  };
}
