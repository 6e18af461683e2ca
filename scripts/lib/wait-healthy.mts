// Waits until a node answers grpc.health.v1.Health/Check for the whole server (service "") with
// SERVING: the node itself says it is ready (migrations, topics, listener, relays and consumers
// up), not a log line that an earlier run may have left behind.
//
//   node scripts/lib/wait-healthy.mts <host:port> [--pid <pid>] [--timeout <seconds>]
//
// --pid: the node's process; if it goes away while we wait, give up at once instead of waiting out
// the deadline. Exit codes: 0 SERVING; 1 not SERVING within the timeout; 3 the process is gone;
// 2 usage. The reason goes to stderr.
import { readFileSync } from "node:fs";
import grpc from "@grpc/grpc-js";
import health from "grpc-health-check";

const EXIT_TIMEOUT = 1;
const EXIT_USAGE = 2;
const EXIT_GONE = 3;
const CALL_DEADLINE_MS = 2_000;
const INTERVAL_MS = 250;

function usage(problem: string): never {
  process.stderr.write(`wait-healthy: ${problem}\nusage: wait-healthy.mts <host:port> [--pid <pid>] [--timeout <seconds>]\n`);
  process.exit(EXIT_USAGE);
}

function parseArgs(argv: string[]): { address: string; pid?: number; timeoutS: number } {
  let address: string | undefined;
  let pid: number | undefined;
  let timeoutS = 120;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--pid" || arg === "--timeout") {
      const value = Number(argv[++i]);
      if (!Number.isInteger(value) || value <= 0) usage(`${arg} needs a positive integer`);
      if (arg === "--pid") pid = value;
      else timeoutS = value;
    } else if (!address && /^[^\s:]+:\d+$/.test(arg)) {
      address = arg;
    } else {
      usage(`unexpected argument "${arg}"`);
    }
  }
  if (!address) usage("missing <host:port>");
  return { address, pid, timeoutS };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: it exists but belongs to someone else; still alive.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
  // An exited child its parent has not reaped yet still answers kill(0): a zombie is gone too.
  try {
    return !/^\d+ \(.*\) Z /s.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return true; // no procfs: kill(0) is all we know
  }
}

type HealthClient = grpc.Client & {
  Check(
    req: { service: string },
    options: grpc.CallOptions,
    cb: (err: grpc.ServiceError | null, res?: { status: string | number }) => void,
  ): void;
};

// grpc-health-check ships the grpc.health.v1 service definition (proto-loader, enums as strings).
const Health = grpc.makeGenericClientConstructor(health.service as unknown as grpc.ServiceDefinition, "Health");

function check(client: HealthClient): Promise<string> {
  return new Promise((resolve) =>
    client.Check({ service: "" }, { deadline: Date.now() + CALL_DEADLINE_MS }, (err, res) =>
      // Not listening yet (UNAVAILABLE) or still starting (NOT_SERVING) are both "not yet".
      resolve(err ? `${grpc.status[err.code] ?? err.code}: ${err.details}` : String(res?.status)),
    ),
  );
}

const { address, pid, timeoutS } = parseArgs(process.argv.slice(2));
const client = new Health(address, grpc.credentials.createInsecure()) as HealthClient;
const started = Date.now();
const deadline = started + timeoutS * 1000;
let last = "no answer yet";
let code = EXIT_TIMEOUT;
for (;;) {
  if (pid !== undefined && !alive(pid)) {
    process.stderr.write(`wait-healthy: process ${pid} serving ${address} is gone (last health answer: ${last})\n`);
    code = EXIT_GONE;
    break;
  }
  last = await check(client);
  if (last === "SERVING") {
    code = 0;
    break;
  }
  if (Date.now() >= deadline) {
    process.stderr.write(`wait-healthy: ${address} not SERVING within ${timeoutS} s (last health answer: ${last})\n`);
    break;
  }
  await new Promise((r) => setTimeout(r, INTERVAL_MS));
}
client.close();
if (code === 0) process.stderr.write(`wait-healthy: ${address} SERVING after ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
process.exit(code);
