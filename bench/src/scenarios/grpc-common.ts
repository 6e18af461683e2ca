/**
 * Shared by the gRPC scenarios: the bare grpc-js server and the measurement both variants run.
 * Same generated service definition, same client (lib/grpc-client.ts), same request.
 */
import { Server, ServerCredentials, type sendUnaryData, type ServerUnaryCall } from "@grpc/grpc-js";
import { bulletinsV1 } from "@jinlian/proto";
import { getBulletinClient } from "../lib/grpc-client";
import type { RepMetrics, ScenarioRun } from "../lib/protocol";
import { runClosedLoop, summarise } from "../lib/stats";

export const DEF = bulletinsV1.BulletinsServiceService;

export interface Served {
  port: number;
  stop(): Promise<void>;
}

/** A bare grpc-js server: the generated definition and one trivial handler (others UNIMPLEMENTED). */
export async function bareServer(handler: (id: string) => Promise<bulletinsV1.GetBulletinResponse>): Promise<Served> {
  const server = new Server();
  server.addService(DEF, {
    getBulletin: (call: ServerUnaryCall<bulletinsV1.GetBulletinRequest, unknown>, callback: sendUnaryData<unknown>) => {
      handler(call.request.bulletinId).then(
        (res) => callback(null, res),
        (err: Error) => callback(err),
      );
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (err, bound) => (err ? reject(err) : resolve(bound))),
  );
  return { port, stop: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())) };
}

export interface GrpcSizes {
  latencyCalls: number;
  throughputCalls: number;
  concurrency: number;
  warmupFraction: number;
}

/**
 * Per repetition: `latencyCalls` sequential calls (p50/p99 latency), then `throughputCalls` calls
 * with `concurrency` in flight (calls/s). Every response is checked.
 */
export function grpcRun(served: Served, bulletinId: string, sizes: GrpcSizes): ScenarioRun {
  const client = getBulletinClient(`127.0.0.1:${served.port}`);
  const once = async () => {
    const res = await client.get(bulletinId);
    if (res.bulletin?.bulletinId !== bulletinId) throw new Error(`unexpected response ${JSON.stringify(res).slice(0, 200)}`);
  };
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
