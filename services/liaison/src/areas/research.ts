import type { GrpcOptions, LiaisonArea } from "../app/area";
import { ResearchApp } from "../app/research-app";
import type { LiaisonContext } from "../app/support";
import { researchGrpcService } from "../transport/grpc/research-grpc";

/** Joint research (art. 4): local to the node, so gRPC only — no deliveries, no events. */
export function researchArea(ctx: LiaisonContext, grpc: GrpcOptions): LiaisonArea {
  return { grpcServices: [researchGrpcService(new ResearchApp(ctx), grpc)] };
}
