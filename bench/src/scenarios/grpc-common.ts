/**
 * Shared by the gRPC scenarios: the bare grpc-js server, the calls and the measurement every
 * variant runs. Same generated service definition, same client (lib/grpc-client.ts), same request.
 */
import { Server, ServerCredentials, type sendUnaryData, type ServerUnaryCall } from "@grpc/grpc-js";
import { bulletinsV1 } from "@jinlian/proto";
import { TITLE, draftRequest } from "../lib/fixtures";
import { bulletinsClient, type BulletinsBenchClient } from "../lib/grpc-client";
import type { RepMetrics, ScenarioRun, Sizes } from "../lib/protocol";
import { runClosedLoop, summarise } from "../lib/stats";

export const DEF = bulletinsV1.BulletinsServiceService;

export interface Served {
  port: number;
  stop(): Promise<void>;
}

/** The methods a bare server answers, each as a plain async function of the request. */
export interface BareHandlers {
  getBulletin?: (req: bulletinsV1.GetBulletinRequest) => Promise<bulletinsV1.GetBulletinResponse>;
  createBulletinDraft?: (req: bulletinsV1.CreateBulletinDraftRequest) => Promise<bulletinsV1.CreateBulletinDraftResponse>;
}

/** A bare grpc-js server: the generated definition and the given handlers (others UNIMPLEMENTED). */
export async function bareServer(handlers: BareHandlers): Promise<Served> {
  const server = new Server();
  const unary =
    <Req, Res>(fn: (req: Req) => Promise<Res>) =>
    (call: ServerUnaryCall<Req, unknown>, callback: sendUnaryData<unknown>) => {
      fn(call.request).then(
        (res) => callback(null, res),
        (err: Error) => callback(err),
      );
    };
  server.addService(DEF, Object.fromEntries(Object.entries(handlers).map(([name, fn]) => [name, unary(fn as never)])));
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (err, bound) => (err ? reject(err) : resolve(bound))),
  );
  return { port, stop: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())) };
}

/** One call of a run; it checks its response. */
export type Call = (client: BulletinsBenchClient) => Promise<void>;

/** GetBulletin of a seeded bulletin. */
export const getOnce =
  (bulletinId: string): Call =>
  async (client) => {
    const res = await client.get(bulletinId);
    if (res.bulletin?.bulletinId !== bulletinId) throw new Error(`unexpected response ${JSON.stringify(res).slice(0, 200)}`);
  };

/** CreateBulletinDraft: a new draft each call (a fresh request id each). */
export const createDraftOnce: Call = async (client) => {
  const res = await client.createDraft(draftRequest());
  const b = res.bulletin;
  if (!b?.bulletinId || b.title !== TITLE || b.status !== bulletinsV1.BulletinStatus.BULLETIN_STATUS_DRAFT)
    throw new Error(`unexpected response ${JSON.stringify(res).slice(0, 200)}`);
};

export interface GrpcSizes {
  latencyCalls: number;
  throughputCalls: number;
  concurrency: number;
  warmupFraction: number;
}

/** The sizes of the scenarios against PostgreSQL (GetBulletin read, CreateBulletinDraft write). */
export function pgSizes(sizes: Sizes): GrpcSizes {
  return {
    latencyCalls: sizes.grpcPgLatencyCalls,
    throughputCalls: sizes.grpcPgThroughputCalls,
    concurrency: sizes.grpcConcurrency,
    warmupFraction: sizes.warmupFraction,
  };
}

/** A bare server and the pool behind it, stopped together. */
export function withPool(served: Served, pool: { end(): Promise<void> }): Served {
  return {
    port: served.port,
    stop: async () => {
      await served.stop();
      await pool.end();
    },
  };
}

/**
 * Per repetition: `latencyCalls` sequential calls (p50/p99 latency), then `throughputCalls` calls
 * with `concurrency` in flight (calls/s). Every response is checked.
 */
export function grpcRun(served: Served, call: Call, sizes: GrpcSizes): ScenarioRun {
  const client = bulletinsClient(`127.0.0.1:${served.port}`);
  const once = () => call(client);
  return {
    async warmup() {
      await runClosedLoop(Math.ceil(sizes.latencyCalls * sizes.warmupFraction), 1, once);
      await runClosedLoop(Math.ceil(sizes.throughputCalls * sizes.warmupFraction), sizes.concurrency, once);
    },
    async measure(): Promise<RepMetrics> {
      const sequential = await runClosedLoop(sizes.latencyCalls, 1, once);
      const { p50, p99 } = summarise(sequential.latencies);
      const loaded = await runClosedLoop(sizes.throughputCalls, sizes.concurrency, once);
      return {
        p50_ms: p50,
        p99_ms: p99,
        calls_per_s: (sizes.throughputCalls / loaded.elapsedMs) * 1000,
        cpu_us: (loaded.cpuMs * 1000) / sizes.throughputCalls,
      };
    },
    async teardown() {
      client.close();
      await served.stop();
    },
  };
}
