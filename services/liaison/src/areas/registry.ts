import type { GrpcOptions, LiaisonArea } from "../app/area";
import { RegistryApp } from "../app/registry-app";
import type { LiaisonContext } from "../app/support";
import { registryGrpcService } from "../transport/grpc/registry-grpc";

/** The registry of parties: organisations, departments, liaison contacts; events on the registry stream. */
export function registryArea(ctx: LiaisonContext, grpc: GrpcOptions): LiaisonArea {
  const app = new RegistryApp(ctx);
  return { grpcServices: [registryGrpcService(app, ctx.here, grpc)] };
}
