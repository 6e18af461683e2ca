/**
 * The federation as it runs in production, on one machine: the municipal node's Kafka cluster and
 * each district's, every one its own broker, joined only by Apache Kafka MirrorMaker 2 (dedicated
 * mode, jars from Maven Central, infra/mirror-maker/mm2.sh) configured by the same topic patterns
 * as the Kubernetes manifests (jinlian-ops mm2-properties). Tests stop, start and kill
 * MirrorMaker and the brokers at will.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { CITY_JURISDICTION } from "@jinlian/kernel";
import { mirrorMakerProperties } from "@jinlian/ops";
import { Kafka, logLevel, type Admin } from "kafkajs";
import { freePortPair, startDedicatedKafka, type DedicatedKafka } from "./dedicated-kafka";

const run = promisify(execFile);
const REPO_ROOT = path.resolve(__dirname, "..", "..");
const MM2_SH = path.join(REPO_ROOT, "infra", "mirror-maker", "mm2.sh");

export interface MirrorMakerProcess {
  start(): Promise<void>;
  /** SIGTERM: MirrorMaker commits what it copied and leaves. */
  stop(): Promise<void>;
  /** SIGKILL, as a crash or an evicted pod. */
  kill(): Promise<void>;
  running(): Promise<boolean>;
  /** MirrorMaker's log so far, for a failing test's message. */
  log(): string;
}

export interface Federation {
  namespace: string;
  city: DedicatedKafka;
  districts: ReadonlyMap<string, DedicatedKafka>;
  /** The cluster of a node, by jurisdiction code. */
  cluster(code: string): DedicatedKafka;
  mirrorMaker: MirrorMakerProcess;
  destroy(): Promise<void>;
}

/**
 * A federation that grows as nodes join: each new node's cluster is a broker of its own, and
 * MirrorMaker is (re)started with every cluster it now has, as an operator adds a district.
 */
class GrowingFederation implements Federation {
  private readonly clusters = new Map<string, DedicatedKafka>();
  private readonly instanceDir = path.join(REPO_ROOT, ".run", `mm2-${randomBytes(4).toString("hex")}`);
  private readonly config = path.join(this.instanceDir, "federation.properties");
  private restPort: number | undefined;
  private turn: Promise<unknown> = Promise.resolve();
  readonly mirrorMaker: MirrorMakerProcess;

  constructor(readonly namespace: string) {
    mkdirSync(this.instanceDir, { recursive: true });
    const env = { ...process.env, MM2_INSTANCE_DIR: this.instanceDir, MM2_CONFIG: this.config };
    const mm2 = async (verb: string) => {
      await run("bash", [MM2_SH, verb], { env, timeout: 150_000 });
    };
    this.mm2 = mm2;
    this.mirrorMaker = {
      start: () => mm2("start"),
      stop: () => mm2("stop"),
      kill: () => mm2("kill"),
      running: () =>
        mm2("status").then(
          () => true,
          () => false,
        ),
      log: () => {
        try {
          return readFileSync(path.join(this.instanceDir, "mm2.log"), "utf8");
        } catch {
          return "";
        }
      },
    };
  }

  private readonly mm2: (verb: string) => Promise<void>;

  get city(): DedicatedKafka {
    return this.cluster(CITY_JURISDICTION);
  }

  get districts(): ReadonlyMap<string, DedicatedKafka> {
    return new Map([...this.clusters].filter(([code]) => code !== CITY_JURISDICTION));
  }

  cluster(code: string): DedicatedKafka {
    const c = this.clusters.get(code);
    if (!c) throw new Error(`no cluster for ${code} in this federation`);
    return c;
  }

  /** Starts the clusters of the given nodes that have none yet (together), then rewrites MirrorMaker's configuration. */
  async add(codes: readonly string[]): Promise<boolean> {
    const fresh = [...new Set(codes)].filter((c) => !this.clusters.has(c));
    if (fresh.length === 0) return false;
    const started = await Promise.all(fresh.map(async (code) => [code, await startDedicatedKafka()] as const));
    for (const [code, cluster] of started) this.clusters.set(code, cluster);
    this.restPort ??= await freePortPair();
    const city = this.clusters.get(CITY_JURISDICTION);
    const districts = [...this.districts];
    if (city && districts.length > 0)
      writeFileSync(
        this.config,
        mirrorMakerProperties({
          namespace: this.namespace,
          city: { code: CITY_JURISDICTION, bootstrapServers: city.brokers.join(",") },
          districts: districts.map(([code, c]) => ({ code, bootstrapServers: c.brokers.join(",") })),
          internalRestPort: this.restPort,
          // New topics flow within a second or two instead of a minute.
          refreshTopicsSeconds: 1,
        }),
      );
    return city !== undefined && districts.length > 0;
  }

  /** The brokers of a node's cluster, adding the cluster (and restarting MirrorMaker) if the node is new. */
  join(code: string): Promise<string[]> {
    // One join at a time: nodes of a test often start together.
    const next = this.turn.then(async () => {
      if (await this.add([code])) {
        await this.mm2("stop");
        await this.mm2("start");
      }
      return this.cluster(code).brokers;
    });
    this.turn = next.catch(() => undefined);
    return next;
  }

  async destroy(): Promise<void> {
    await this.mm2("stop").catch(() => undefined);
    // MirrorMaker's log outlives the run (the last one only), for a failure's post-mortem.
    const kept = path.join(REPO_ROOT, ".run", "last-federation");
    mkdirSync(kept, { recursive: true });
    writeFileSync(path.join(kept, "mm2.log"), this.mirrorMaker.log());
    await Promise.all([...this.clusters.values()].map((c) => c.destroy()));
    rmSync(this.instanceDir, { recursive: true, force: true });
  }
}

export async function startFederation(options: { namespace: string; districts: readonly string[]; mirror?: boolean }): Promise<Federation> {
  const federation = new GrowingFederation(options.namespace);
  await federation.add([CITY_JURISDICTION, ...options.districts]);
  if (options.mirror ?? true) await federation.mirrorMaker.start();
  return federation;
}

/**
 * The long suite's mode (`pnpm test:federation`, JINLIAN_TEST_FEDERATION=1): every test node gets
 * a cluster of its own, in a federation per test namespace joined by MirrorMaker, so the ordinary
 * cross-node tests run over MirrorMaker as deployed. The test environment destroys the
 * federations when the file is done.
 */
export function federatedTestNodes(): boolean {
  return process.env.JINLIAN_TEST_FEDERATION === "1";
}

const federations = new Map<string, GrowingFederation>();

export function brokersInFederation(namespace: string, code: string): Promise<string[]> {
  let f = federations.get(namespace);
  if (!f) {
    f = new GrowingFederation(namespace);
    federations.set(namespace, f);
    (globalThis as { __jinlianFederations?: { destroy(): Promise<void> }[] }).__jinlianFederations?.push(f);
  }
  return f.join(code);
}

/** An admin client of one cluster, closed after `fn`. */
export async function withAdmin<T>(cluster: DedicatedKafka, fn: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = new Kafka({ brokers: cluster.brokers, clientId: "federation-test", logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect();
  }
}

/**
 * The records of a topic as (partition → CloudEvents ids in offset order), read committed, so a
 * topic's two copies can be compared record for record: transaction markers take offsets on the
 * mirrored side, so end offsets alone would differ.
 */
export async function recordIds(cluster: DedicatedKafka, topic: string): Promise<Map<number, string[]>> {
  const kafka = new Kafka({ brokers: cluster.brokers, clientId: "federation-test", logLevel: logLevel.NOTHING });
  const ends = await withAdmin(cluster, (admin) => admin.fetchTopicOffsets(topic));
  const out = new Map<number, string[]>(ends.map((p) => [p.partition, []]));
  const remaining = new Map(ends.filter((p) => Number(p.high) > Number(p.low)).map((p) => [p.partition, Number(p.high)]));
  if (remaining.size === 0) return out;
  const consumer = kafka.consumer({ groupId: `federation-test-${randomBytes(6).toString("hex")}`, readUncommitted: false });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`reading ${topic} did not reach its end offsets in 30 s`)), 30_000);
      void consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          for (const message of batch.messages)
            out.get(batch.partition)!.push(message.headers?.ce_id?.toString() ?? `offset-${message.offset}`);
          // Lag counts commit markers too (kafkajs keeps them out of `messages`, not out of the offsets).
          if (batch.offsetLag() === "0") remaining.delete(batch.partition);
          if (remaining.size === 0) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return out;
}
