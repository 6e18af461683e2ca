/**
 * Node processes of a chaos run: the compiled node (packages/node/dist/main.js with the telemetry
 * bootstrap), as scripts/start.sh runs it, each tied to a pid file under the run's directory.
 * A process is signalled only through the pid this run wrote, never by name.
 */
import { spawn } from "node:child_process";
import { appendFileSync, existsSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { healthCheck } from "../support/grpc-introspection";

export const REPO_ROOT = path.resolve(__dirname, "..", "..");
const MAIN = path.join(REPO_ROOT, "packages", "node", "dist", "main.js");
const BOOTSTRAP = path.join(REPO_ROOT, "packages", "chassis", "dist", "telemetry", "bootstrap.js");

export function assertBuilt(): void {
  if (!existsSync(MAIN) || !existsSync(BOOTSTRAP)) throw new Error(`build first (pnpm build): ${MAIN} is missing`);
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // An exited child not reaped yet still answers kill -0: look at its state.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface NodeProcessOptions {
  jurisdictionCode: string;
  runDir: string;
  namespace: string;
  databaseUrl: string;
  kafkaBrokers: string[];
  /** Extra variables (services' own), e.g. scan intervals. */
  environment?: Record<string, string>;
}

/** One node, started and restarted on the same ports, database and log file. */
export class NodeProcess {
  readonly pidFile: string;
  readonly logFile: string;
  grpcPort = 0;
  metricsPort = 0;
  /** How many times it was started (1 after the first start). */
  incarnation = 0;
  private pid?: number;
  private exited?: Promise<void>;

  constructor(private readonly options: NodeProcessOptions) {
    this.pidFile = path.join(options.runDir, `node-${options.jurisdictionCode}.pid`);
    this.logFile = path.join(options.runDir, `node-${options.jurisdictionCode}.log`);
  }

  get code(): string {
    return this.options.jurisdictionCode;
  }

  get address(): string {
    return `127.0.0.1:${this.grpcPort}`;
  }

  get databaseUrl(): string {
    return this.options.databaseUrl;
  }

  get running(): boolean {
    return this.pid !== undefined && alive(this.pid);
  }

  async start(): Promise<void> {
    if (this.running) throw new Error(`node ${this.code} is already running (pid ${this.pid})`);
    if (this.grpcPort === 0) [this.grpcPort, this.metricsPort] = [await freePort(), await freePort()];
    this.incarnation++;
    appendFileSync(this.logFile, `\n--- chaos: start ${this.incarnation} of node ${this.code} at ${new Date().toISOString()}\n`);
    const fd = openSync(this.logFile, "a");
    try {
      const child = spawn(process.execPath, ["--require", BOOTSTRAP, MAIN], {
        cwd: REPO_ROOT,
        stdio: ["ignore", fd, fd],
        env: {
          PATH: process.env.PATH ?? "",
          JINLIAN_JURISDICTION: this.code,
          JINLIAN_TOPIC_NAMESPACE: this.options.namespace,
          DATABASE_URL: this.options.databaseUrl,
          KAFKA_BROKERS: this.options.kafkaBrokers.join(","),
          GRPC_HOST: "127.0.0.1",
          GRPC_PORT: String(this.grpcPort),
          METRICS_PORT: String(this.metricsPort),
          OTEL_SERVICE_NAME: `jinlian-chaos-${this.code}`,
          LOG_LEVEL: process.env.CHAOS_NODE_LOG_LEVEL ?? "info",
          SHUTDOWN_GRACE_MS: "3000",
          ...this.options.environment,
        },
      });
      if (child.pid === undefined) throw new Error(`node ${this.code} did not start`);
      this.pid = child.pid;
      writeFileSync(this.pidFile, `${child.pid}\n`);
      this.exited = new Promise((resolve) => child.once("exit", () => resolve()));
    } finally {
      closeSync(fd);
    }
  }

  /** Waits until the node's own health answers SERVING (bounded). */
  async waitReady(timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = "";
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`node ${this.code} exited before it was ready; see ${this.logFile}`);
      try {
        last = await healthCheck(this.address, "");
        if (last === "SERVING") return;
      } catch (err) {
        last = (err as Error).message;
      }
      await sleep(250);
    }
    throw new Error(`node ${this.code} not SERVING within ${timeoutMs} ms (last: ${last}); see ${this.logFile}`);
  }

  /** SIGKILL by the pid this run wrote: no drain, no relay or consumer shutdown. */
  async kill(): Promise<void> {
    const pid = this.pidFromFile();
    if (pid === undefined) return;
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
    await this.exited;
    rmSync(this.pidFile, { force: true });
    this.pid = undefined;
  }

  /** SIGTERM (drain), SIGKILL after a bound. */
  async stop(timeoutMs = 20_000): Promise<void> {
    const pid = this.pidFromFile();
    if (pid === undefined) return;
    try {
      process.kill(pid, "SIGTERM");
    } catch {
      // already gone
    }
    // The bound's timer is cleared once the process is gone: left pending, it kept the test
    // worker alive past its file (jest then forced the worker out).
    let bound: NodeJS.Timeout | undefined;
    const done = await Promise.race([
      this.exited!.then(() => true),
      new Promise<boolean>((resolve) => (bound = setTimeout(() => resolve(false), timeoutMs))),
    ]).finally(() => clearTimeout(bound));
    if (!done) await this.kill();
    rmSync(this.pidFile, { force: true });
    this.pid = undefined;
  }

  /** Synchronous last resort on exit of the driver: the pid of the file, only if it is ours. */
  killNow(): void {
    const pid = this.pidFromFile();
    if (pid !== undefined && pid === this.pid && alive(pid)) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // gone
      }
    }
    rmSync(this.pidFile, { force: true });
  }

  private pidFromFile(): number | undefined {
    if (!existsSync(this.pidFile)) return undefined;
    const pid = Number(readFileSync(this.pidFile, "utf8").trim());
    // Only the process this run started: a stale file never makes us signal a stranger.
    return Number.isInteger(pid) && pid > 0 && pid === this.pid ? pid : undefined;
  }

  /** The node's Prometheus text, or undefined while it does not answer. */
  async metrics(): Promise<string | undefined> {
    try {
      const res = await fetch(`http://127.0.0.1:${this.metricsPort}/metrics`, { signal: AbortSignal.timeout(2_000) });
      return res.ok ? await res.text() : undefined;
    } catch {
      return undefined;
    }
  }
}

/** Sum of a counter's samples in Prometheus text, optionally only those whose labels match. */
export function counterSum(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const open = line.indexOf("{");
    const labelText = open >= 0 ? line.slice(open, line.lastIndexOf("}") + 1) : "";
    if (!Object.entries(labels).every(([k, v]) => labelText.includes(`${k}="${v}"`))) continue;
    const value = Number(line.slice(line.lastIndexOf(" ") + 1));
    if (Number.isFinite(value)) sum += value;
  }
  return sum;
}
