/**
 * No request can stall a node (issue 8). Every method of every service, enumerated from the
 * descriptor set the server also serves reflection from, is sent requests that flood one repeated
 * field (at any depth) with many distinct elements, or one string or bytes field with an over-long
 * value, each within the receive limit, while grpc.health.v1 is polled every ~10 ms. Each call
 * must be refused quickly with INVALID_ARGUMENT, health must keep answering in milliseconds, and
 * no row of the node's database may change. A method added later is covered without editing
 * this test. A request over the receive limit is refused by grpc-js with RESOURCE_EXHAUSTED.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import {
  Client,
  credentials,
  loadPackageDefinition,
  Metadata,
  status,
  type ServiceClientConstructor,
  type ServiceError,
} from "@grpc/grpc-js";
import { loadFileDescriptorSetFromBuffer, loadSync, type MethodDefinition, type PackageDefinition } from "@grpc/proto-loader";
import { descriptorSetPath } from "@jinlian/proto";
import { uniqueNamespace } from "../harness/kafka";
import { rowCounts } from "../support/db";
import { testToken } from "../support/auth";
import { startTestNode, statusOf, type TestNode } from "../support/nodes";

jest.setTimeout(120_000);

/**
 * Issue 8 measured a 47 s stall. Refusals must typically come within a second (the 99th
 * percentile of the sweep), and every one well within the stall bound, for the reason given for
 * health below.
 */
const CALL_P99_BOUND_MS = 1_000;
const CALL_MAX_BOUND_MS = 3_000;
/**
 * Health must keep answering while a hostile request is handled. Decoding a 1 MiB request of
 * ~75,000 elements takes ~100 ms on a 2-core machine, and the node shares this process and that
 * machine with the test, its Kafka and PostgreSQL and other test files. So the typical answer is
 * bounded tightly (the 99th percentile), and the single slowest only loosely: one garbage
 * collection of this process or a busy neighbour can hold one answer for most of a second (a CI
 * run saw 660 ms), which is noise, while a stall like issue 8's lasted 47 s.
 */
const HEALTH_P99_BOUND_MS = 500;
const HEALTH_MAX_BOUND_MS = 3_000;
/** Each flood stays under the node's 1 MiB receive limit. */
const FLOOD_BYTES = 900_000;
/** Longer than any text bound (a bulletin body's is 100,000 characters); 360 KB of UTF-8. */
const LONG_TEXT = "津".repeat(120_000);

interface FieldDescriptor {
  name: string;
  label: string;
  type: string;
  typeName: string;
}
interface MessageDescriptor {
  name: string;
  field: FieldDescriptor[];
}

const definitions: PackageDefinition = loadFileDescriptorSetFromBuffer(readFileSync(descriptorSetPath()), {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: false,
  oneofs: true,
});

const messageOf = (fullName: string): MessageDescriptor | undefined =>
  (definitions[fullName] as { type?: MessageDescriptor } | undefined)?.type;

/** Resolves a type name as protobuf scoping does: innermost enclosing scope first. */
function resolve(typeName: string, scope: string): string {
  if (typeName.startsWith(".")) return typeName.slice(1);
  const parts = scope.split(".");
  for (let i = parts.length; i >= 0; i--) {
    const candidate = [...parts.slice(0, i), typeName].join(".");
    if (messageOf(candidate)) return candidate;
  }
  throw new Error(`cannot resolve ${typeName} from ${scope}`);
}

/**
 * Full name of a method's request type (proto-loader gives the descriptor, not its name); the
 * service's own package first, since packages may define identical messages.
 */
function requestTypeName(method: MethodDefinition<unknown, unknown>): string {
  const type = (method.requestType as unknown as { type: MessageDescriptor }).type;
  const json = JSON.stringify(type);
  const found = Object.keys(definitions).filter((k) => k.endsWith(`.${type.name}`) && JSON.stringify(messageOf(k)) === json);
  const servicePackage = method.path.split("/")[1]!.split(".").slice(0, -1).join(".");
  const chosen = found.find((k) => k === `${servicePackage}.${type.name}`) ?? (found.length === 1 ? found[0] : undefined);
  if (!chosen) throw new Error(`cannot tell the request type ${type.name} of ${method.path}: ${found.join(", ")}`);
  return chosen;
}

/** One distinct element of a repeated field, and its rough encoded size. */
function element(field: FieldDescriptor, scope: string, i: number): { value: unknown; bytes: number } {
  switch (field.type) {
    case "TYPE_STRING":
      return { value: `部门${i}`, bytes: 14 };
    case "TYPE_BYTES":
      return { value: Buffer.from(String(i)), bytes: 9 };
    case "TYPE_BOOL":
      return { value: i % 2 === 1, bytes: 1 };
    case "TYPE_MESSAGE": {
      // Distinct elements: the first string field of the element type carries the index.
      const inner = messageOf(resolve(field.typeName, scope))!;
      const text = inner.field.find((f) => f.type === "TYPE_STRING" && f.label !== "LABEL_REPEATED");
      return { value: text ? { [text.name]: `e${i}` } : {}, bytes: text ? 12 : 2 };
    }
    default:
      // Numbers and enums (sent as numbers), packed.
      return { value: i, bytes: 3 };
  }
}

function flood(field: FieldDescriptor, scope: string): unknown[] {
  const count = Math.min(150_000, Math.floor(FLOOD_BYTES / element(field, scope, 100_000).bytes));
  return Array.from({ length: count }, (_, i) => element(field, scope, i).value);
}

interface Case {
  method: MethodDefinition<unknown, unknown>;
  /** Proto path of the hostile field, e.g. "main_audience.organisations". */
  field: string;
  what: "flood" | "long";
  request: () => Record<string, unknown>;
}

/** Every repeated, string and bytes field of a message, at any depth, as a hostile request. */
function casesOf(
  method: MethodDefinition<unknown, unknown>,
  typeName: string,
  prefix: string,
  wrap: (inner: Record<string, unknown>) => Record<string, unknown>,
  seen: readonly string[],
): Case[] {
  const message = messageOf(typeName)!;
  const out: Case[] = [];
  for (const f of message.field) {
    const fieldPath = prefix ? `${prefix}.${f.name}` : f.name;
    const repeated = f.label === "LABEL_REPEATED";
    if (repeated) out.push({ method, field: fieldPath, what: "flood", request: () => wrap({ [f.name]: flood(f, typeName) }) });
    else if (f.type === "TYPE_STRING") out.push({ method, field: fieldPath, what: "long", request: () => wrap({ [f.name]: LONG_TEXT }) });
    else if (f.type === "TYPE_BYTES")
      out.push({ method, field: fieldPath, what: "long", request: () => wrap({ [f.name]: Buffer.alloc(200_000, 1) }) });
    if (f.type === "TYPE_MESSAGE") {
      const inner = resolve(f.typeName, typeName);
      // Well-known types (timestamps, durations) hold no text or lists; recursive types stop at their first repeat.
      if (inner.startsWith("google.protobuf.") || seen.includes(inner)) continue;
      const nest = (x: Record<string, unknown>) => wrap({ [f.name]: repeated ? [x] : x });
      out.push(...casesOf(method, inner, fieldPath, nest, [...seen, inner]));
    }
  }
  return out;
}

const services = Object.entries(definitions)
  .filter(([name, d]) => name.startsWith("jinlian.") && !("format" in d))
  .map(([name, d]) => ({ name, methods: Object.values(d as Record<string, MethodDefinition<unknown, unknown>>) }));

const cases: Case[] = services.flatMap((s) =>
  s.methods.flatMap((m) => {
    const type = requestTypeName(m);
    return casesOf(m, type, "", (x) => x, [type]);
  }),
);

/**
 * Polls grpc.health.v1.Health/Check about every 10 ms on one channel and records the slowest
 * answer. The node runs in this process, so the poller is paused while the test itself builds and
 * encodes a hostile request: only the node's handling of it is measured.
 */
function healthPoller(address: string) {
  const dir = path.join(path.dirname(require.resolve("grpc-health-check/package.json")), "proto", "health", "v1");
  const pkg = loadPackageDefinition(loadSync(path.join(dir, "health.proto"), { includeDirs: [dir], enums: String })) as unknown as {
    grpc: { health: { v1: { Health: ServiceClientConstructor } } };
  };
  const client = new pkg.grpc.health.v1.Health(address, credentials.createInsecure());
  let running = true;
  let paused = false;
  let resumed: () => void = () => {};
  let idle: () => void = () => {};
  let slowest = 0;
  let slowestSinceResume = 0;
  const latencies: number[] = [];
  let answered = 0;
  const failures: string[] = [];
  const check = () =>
    new Promise<void>((done) => {
      const started = performance.now();
      client.Check({ service: "" }, { deadline: Date.now() + 5_000 }, (err: ServiceError | null, res: { status: string }) => {
        if (err) failures.push(err.message);
        else if (res.status !== "SERVING") failures.push(`status ${res.status}`);
        else answered++;
        const ms = performance.now() - started;
        latencies.push(ms);
        slowest = Math.max(slowest, ms);
        slowestSinceResume = Math.max(slowestSinceResume, ms);
        done();
      });
    });
  const loop = (async () => {
    while (running) {
      if (paused) {
        idle();
        await new Promise<void>((r) => (resumed = r));
        continue;
      }
      await check();
      await new Promise((r) => setTimeout(r, 10));
    }
    idle();
  })();
  return {
    /** Resolves once no check is in flight. */
    pause: () => new Promise<void>((r) => ((idle = r), (paused = true))),
    resume() {
      slowestSinceResume = 0;
      paused = false;
      resumed();
    },
    /** Answers seen so far, to wait for a few during a call. */
    get answered() {
      return answered;
    },
    /** Checks that failed so far (error or not SERVING), to explain a wait that ran out. */
    get failures(): readonly string[] {
      return failures;
    },
    /** The slowest answer since the last resume. */
    get slowestSinceResume() {
      return slowestSinceResume;
    },
    async stop() {
      running = false;
      this.resume();
      await loop;
      client.close();
      const sorted = [...latencies].sort((a, b) => a - b);
      const p99 = sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] ?? 0;
      return { slowest, p99, answered, failures };
    },
  };
}

let node: TestNode;
let client: Client;
/** A test operator's token: the hostile requests come from a caller allowed to call every method. */
let token: string;

/** Sends an already encoded request, so the call's time is the node's. */
function call(method: MethodDefinition<unknown, unknown>, encoded: Buffer): Promise<{ code: status; details: string; ms: number }> {
  const metadata = new Metadata();
  metadata.set("authorization", `Bearer ${token}`);
  const started = performance.now();
  return new Promise((resolve) =>
    client.makeUnaryRequest(
      method.path,
      (b: Buffer) => b,
      method.responseDeserialize,
      encoded,
      metadata,
      { deadline: Date.now() + 10_000 },
      (err: ServiceError | null) =>
        resolve({ code: err ? err.code : status.OK, details: err?.details ?? "", ms: performance.now() - started }),
    ),
  );
}

/** Longest wait for a few health answers: two checks at their 5 s deadline, and then some. */
const ANSWERS_DEADLINE_MS = 15_000;

/** Waits for n more health answers; throws, saying what went wrong, if they do not come in time. */
async function answers(health: { answered: number; failures: readonly string[] }, n: number, during: string): Promise<void> {
  const target = health.answered + n;
  const deadline = performance.now() + ANSWERS_DEADLINE_MS;
  while (health.answered < target) {
    if (performance.now() > deadline)
      throw new Error(
        `${during}: health answered ${n - (target - health.answered)} of ${n} checks within ${ANSWERS_DEADLINE_MS} ms` +
          (health.failures.length > 0
            ? `; last failures: ${health.failures.slice(-3).join(" | ")}`
            : "; no check failed (one is still in flight)"),
      );
    await new Promise((r) => setTimeout(r, 5));
  }
}

beforeAll(async () => {
  node = await startTestNode({ jurisdictionCode: "120000", namespace: uniqueNamespace("bounds") });
  client = new Client(node.address, credentials.createInsecure());
  token = await testToken("120000");
});
afterAll(async () => {
  client?.close();
  await node?.stop();
  await node?.database.drop();
});

describe("given a node running every service", () => {
  it("then the descriptor set yields hostile requests for every service with repeated or text fields", () => {
    const covered = new Set(cases.map((c) => c.method.path.split("/")[1]));
    expect([...covered].sort()).toEqual(services.map((s) => s.name).sort());
    expect(cases.map((c) => `${c.method.path}:${c.field}`)).toEqual(
      expect.arrayContaining([
        "/jinlian.liaison.v1.RegistryService/RegisterOrganisation:department_names",
        "/jinlian.bulletins.v1.BulletinsService/CreateBulletinDraft:main_audience.organisations",
        "/jinlian.bulletins.v1.BulletinsService/CreateBulletinDraft:body",
      ]),
    );
  });

  it("when every method is sent a flooded repeated field or an over-long string, then each is refused quickly, health keeps answering and nothing changes", async () => {
    const before = await rowCounts(node.database.url);
    const health = healthPoller(node.address);
    const results: { method: string; field: string; code: string; ms: number; healthMs: number; details: string }[] = [];
    for (const c of cases) {
      await health.pause();
      const encoded = c.method.requestSerialize(c.request());
      health.resume();
      // A few health answers before and after each call, so every call is measured against live checks.
      await answers(health, 2, `before ${c.method.path} (${c.field})`);
      const r = await call(c.method, encoded);
      await answers(health, 2, `after ${c.method.path} (${c.field})`);
      results.push({
        method: c.method.path,
        field: c.field,
        code: status[r.code],
        ms: Math.round(r.ms),
        healthMs: Math.round(health.slowestSinceResume),
        details: r.details,
      });
    }
    const polled = await health.stop();
    if (process.env.BOUNDS_REPORT)
      console.log({ cases: results.length, polled, slowest: [...results].sort((a, b) => b.healthMs - a.healthMs).slice(0, 8) });

    const wrong = results.filter((r) => r.code !== "INVALID_ARGUMENT" || r.ms >= CALL_MAX_BOUND_MS);
    expect(wrong).toEqual([]);
    const callMs = results.map((r) => r.ms).sort((a, b) => a - b);
    expect(callMs[Math.min(callMs.length - 1, Math.floor(callMs.length * 0.99))]).toBeLessThan(CALL_P99_BOUND_MS);
    expect(polled.failures).toEqual([]);
    expect(polled.answered).toBeGreaterThan(cases.length);
    expect(polled.p99).toBeLessThan(HEALTH_P99_BOUND_MS);
    expect(polled.slowest).toBeLessThan(HEALTH_MAX_BOUND_MS);
    expect(await rowCounts(node.database.url)).toEqual(before);
    // The whole walk grows with the number of methods and fields (several hundred cases, each
    // between live health answers); each call and each health answer has its own bound above.
  }, 300_000);

  it("when RegisterOrganisation lists tens of thousands of distinct departments, then department_names is named at once with a bounded answer", async () => {
    const names = Array.from({ length: 60_000 }, (_, i) => `部门${i}`);
    const started = performance.now();
    const err = await statusOf(
      node.liaison.registry.registerOrganisation({
        type: 3,
        name: "天津市某商会",
        creditCode: "",
        jurisdictionCode: "120000",
        departmentNames: names,
        reason: "issue 8",
      }),
    );
    expect(performance.now() - started).toBeLessThan(CALL_MAX_BOUND_MS);
    expect(err.code).toBe(status.INVALID_ARGUMENT);
    expect(err.fieldViolations).toEqual([{ field: "department_names", description: "must have at most 50 elements (has 60000)" }]);
  });

  it("when a request is larger than the receive limit (the issue's 150,000 departments), then grpc-js refuses it with RESOURCE_EXHAUSTED", async () => {
    const before = await rowCounts(node.database.url);
    const health = healthPoller(node.address);
    await health.pause();
    const register = services.flatMap((s) => s.methods).find((m) => m.path.endsWith("/RegisterOrganisation"))!;
    const departmentNames = Array.from({ length: 150_000 }, (_, i) => `部门${i}`);
    const encoded = register.requestSerialize({
      type: 3,
      name: "天津市某商会",
      jurisdiction_code: "120000",
      department_names: departmentNames,
    });
    expect(encoded.length).toBeGreaterThan(1024 * 1024);
    health.resume();
    await answers(health, 2, "before the oversized RegisterOrganisation");
    const r = await call(register, encoded);
    await answers(health, 2, "after the oversized RegisterOrganisation");
    const polled = await health.stop();
    expect(status[r.code]).toBe("RESOURCE_EXHAUSTED");
    expect(r.ms).toBeLessThan(CALL_MAX_BOUND_MS);
    // A handful of checks: no percentile to speak of, only the stall bound.
    expect(polled.slowest).toBeLessThan(HEALTH_MAX_BOUND_MS);
    expect(await rowCounts(node.database.url)).toEqual(before);
  });
});
