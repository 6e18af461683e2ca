/**
 * The node image without a container engine: k8s/image/assemble.sh (the step the Dockerfile's
 * build stage runs) fills a temporary directory, and the node is started there with the image's
 * own WORKDIR-relative CMD. Nothing outside that directory may be reached: a workspace package
 * missing from the image shows up as MODULE_NOT_FOUND here instead of in a rollout.
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { SERVICE_MODULES } from "@jinlian/node";
import { adminDatabaseUrl, createTestDatabase, type TestDatabase } from "../harness/database";
import { kafkaBrokers, uniqueNamespace, waitFor } from "../harness/kafka";
import { healthCheck, reflectedServices } from "../support/grpc-introspection";
import { ASSEMBLE_SCRIPT, REPO_ROOT, runtimeLayout } from "./dockerfile";

jest.setTimeout(120_000);

const layout = runtimeLayout();
/** What `pnpm build` produces and the assembly copies; checked first for a clear message. */
const BUILT = ["packages/node/dist/main.js", "packages/chassis/dist/telemetry/bootstrap.js", "proto/gen/jinlian.binpb"];
const MODULE_ERROR = /MODULE_NOT_FOUND|Cannot find module|ERR_PACKAGE_PATH_NOT_EXPORTED/;

let tmp: string;
/** The assembled directory, i.e. the image's `layout.appDir`. */
let app: string;

beforeAll(() => {
  const missing = BUILT.filter((f) => !existsSync(path.join(REPO_ROOT, f)));
  if (missing.length > 0) throw new Error(`build first (pnpm build): ${missing.join(", ")} missing`);
  tmp = mkdtempSync(path.join(os.tmpdir(), "jinlian-image-"));
  app = path.join(tmp, "app");
  const started = Date.now();
  try {
    execFileSync("bash", [ASSEMBLE_SCRIPT, app], { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"], encoding: "utf8" });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`k8s/image/assemble.sh failed: ${e.stderr || e.message}`);
  }
  process.stderr.write(`image runtime assembled in ${Date.now() - started} ms\n`);
});

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** The node as the image runs it: node <CMD> from WORKDIR, with only PATH plus `env`. */
function nodeArgs(): { cwd: string; args: string[] } {
  // WORKDIR is the copied directory itself here; a subdirectory of it would be joined the same way.
  const relative = path.posix.relative(layout.appDir, layout.workdir);
  if (relative.startsWith("..")) throw new Error(`WORKDIR ${layout.workdir} is outside ${layout.appDir}`);
  return { cwd: path.join(app, relative), args: layout.cmd };
}

function packageJson(dir: string): { name: string; dependencies?: Record<string, string> } {
  return JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as { name: string; dependencies?: Record<string, string> };
}

/** Node's lookup of a package directory from `from` (node_modules of each ancestor). */
function packageDirFrom(from: string, name: string): string | undefined {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, "node_modules", name);
    if (existsSync(path.join(candidate, "package.json"))) return realpathSync(candidate);
    if (path.dirname(dir) === dir) return undefined;
  }
}

test("the image's command reaches configuration validation: exit 78 naming each missing variable", () => {
  const { cwd, args } = nodeArgs();
  const run = spawnSync(process.execPath, args, { cwd, env: { PATH: process.env.PATH ?? "" }, encoding: "utf8", timeout: 30_000 });
  expect(run.stderr).not.toMatch(MODULE_ERROR);
  expect(run.status).toBe(78);
  for (const name of ["JINLIAN_JURISDICTION", "DATABASE_URL", "KAFKA_BROKERS"]) {
    expect(run.stderr).toContain(`${name}: is required but not set`);
  }
});

/** Workspace packages packages/node/src/registry.ts imports values from: the services it registers. */
function registryPackages(): string[] {
  const source = readFileSync(path.join(REPO_ROOT, "packages", "node", "src", "registry.ts"), "utf8");
  const names = [...source.matchAll(/^import\s+(?!type\b)[^;]*?from\s+"(@jinlian\/[^"/]+)"/gm)].map((m) => m[1]);
  return [...new Set(names)];
}

test("every service of the node's registry loads from the assembled directory alone", () => {
  const { cwd } = nodeArgs();
  const services = registryPackages();
  expect(services.length).toBeGreaterThanOrEqual(SERVICE_MODULES.length);
  // Resolves each registered service's package from the deployed @jinlian/node, loads the node
  // (and so its registry), and reports what it registers and every file it loaded.
  const probe = `
    const resolved = ${JSON.stringify(services)}.map((name) => require.resolve(name, { paths: [${JSON.stringify(app)}] }));
    const node = require(${JSON.stringify(app)});
    process.stdout.write(JSON.stringify({
      resolved,
      services: node.SERVICE_MODULES.map((m) => m.name),
      files: Object.keys(require.cache),
    }));`;
  const run = spawnSync(process.execPath, ["-e", probe], { cwd, env: { PATH: process.env.PATH ?? "" }, encoding: "utf8", timeout: 30_000 });
  expect(run.stderr).not.toMatch(MODULE_ERROR);
  expect(run.status).toBe(0);
  const loaded = JSON.parse(run.stdout) as { resolved: string[]; services: string[]; files: string[] };
  expect(loaded.services).toEqual(SERVICE_MODULES.map((m) => m.name));
  const root = realpathSync(app) + path.sep;
  expect([...loaded.resolved, ...loaded.files].filter((f) => !realpathSync(f).startsWith(root))).toEqual([]);
});

test("the whole production dependency closure resolves inside the assembled directory", () => {
  const root = realpathSync(app);
  const problems: string[] = [];
  const seen = new Set<string>();
  const queue = [root];
  while (queue.length > 0) {
    const dir = queue.shift() as string;
    if (seen.has(dir)) continue;
    seen.add(dir);
    const pkg = packageJson(dir);
    for (const dep of Object.keys(pkg.dependencies ?? {})) {
      const found = packageDirFrom(dir, dep);
      if (!found) problems.push(`${pkg.name} -> ${dep}: not found`);
      else if (!found.startsWith(root + path.sep)) problems.push(`${pkg.name} -> ${dep}: resolves outside, to ${found}`);
      else queue.push(found);
    }
  }
  expect(problems).toEqual([]);
  // Every registered service's package is part of it (the registry imports them).
  const workspacePackages = [...seen].map((d) => packageJson(d).name).filter((n) => n.startsWith("@jinlian/"));
  expect(workspacePackages.length).toBeGreaterThan(SERVICE_MODULES.length);

  // No link leads out of the directory (the image holds nothing else).
  const outward: string[] = [];
  for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
    const file = path.join(entry.parentPath, entry.name);
    if (!entry.isSymbolicLink()) continue;
    const target = path.resolve(path.dirname(file), readlinkSync(file));
    if (!target.startsWith(root + path.sep)) outward.push(`${path.relative(root, file)} -> ${target}`);
  }
  expect(outward).toEqual([]);
});

test('workspace packages ship their compiled output only (package.json "files")', () => {
  const root = realpathSync(app);
  const sources: string[] = [];
  const store = path.join(root, "node_modules", ".pnpm");
  for (const entry of readdirSync(store).filter((e) => e.startsWith("@jinlian+"))) {
    const dir = path.join(store, entry, "node_modules", ...entry.split("@file")[0].split("+"));
    if (!lstatSync(dir).isDirectory()) continue;
    if (existsSync(path.join(dir, "src")) || existsSync(path.join(dir, "tsconfig.json"))) sources.push(path.relative(root, dir));
  }
  if (existsSync(path.join(root, "src"))) sources.push(".");
  expect(sources).toEqual([]);
  expect(existsSync(path.join(root, "node_modules", "@jinlian", "proto", "gen", "jinlian.binpb"))).toBe(true);
});

describe("with Kafka and PostgreSQL", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(adminDatabaseUrl(), "image");
  });
  afterAll(async () => {
    await db?.drop();
  });

  function freePort(): Promise<number> {
    return new Promise((resolve) => {
      const s = net.createServer().listen(0, "127.0.0.1", () => {
        const { port } = s.address() as net.AddressInfo;
        s.close(() => resolve(port));
      });
    });
  }

  it("serves health and reflection of every registered service, and drains on SIGTERM", async () => {
    const { cwd, args } = nodeArgs();
    const grpcPort = await freePort();
    const child = spawn(process.execPath, args, {
      cwd,
      env: {
        PATH: process.env.PATH ?? "",
        NODE_ENV: "production",
        JINLIAN_JURISDICTION: "120000",
        JINLIAN_TOPIC_NAMESPACE: uniqueNamespace("image"),
        DATABASE_URL: db.url,
        KAFKA_BROKERS: kafkaBrokers().join(","),
        GRPC_HOST: "127.0.0.1",
        GRPC_PORT: String(grpcPort),
        METRICS_PORT: "0",
        SHUTDOWN_GRACE_MS: "3000",
      },
    });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    try {
      const ready = await waitFor(async () => (output.includes('"msg":"node ready"') ? "ready" : child.exitCode !== null && "exited"), {
        timeoutMs: 60_000,
        intervalMs: 200,
        what: "node ready",
      }).catch((err: Error) => err.message);
      if (ready !== "ready") throw new Error(`the assembled node did not become ready (${ready}):\n${output}`);
      const address = `127.0.0.1:${grpcPort}`;
      expect(await healthCheck(address, "")).toBe("SERVING");
      // Reflection reads proto/gen/jinlian.binpb, which only "files" of @jinlian/proto brings along.
      const reflected = await reflectedServices(address);
      for (const m of SERVICE_MODULES) {
        expect(reflected.filter((s) => s.startsWith(`jinlian.${m.name.replace(/-/g, "_")}.v1.`)).length).toBeGreaterThan(0);
      }
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
    } finally {
      child.kill("SIGKILL");
    }
  });
});
