import type { LiaisonArea, GrpcOptions } from "../app/area";
import type { LiaisonContext, LiaisonSettings } from "../app/support";
import { auditArea } from "./audit";
import { campaignsArea } from "./campaigns";
import { consultationsArea } from "./consultations";
import { mechanismsArea } from "./mechanisms";
import { registryArea } from "./registry";
import { researchArea } from "./research";

/** Every area of the liaison service, each with its own gRPC service(s) and deliveries. */
export function liaisonAreas(ctx: LiaisonContext, grpc: GrpcOptions, settings: LiaisonSettings): LiaisonArea[] {
  return [
    registryArea(ctx, grpc),
    mechanismsArea(ctx, grpc),
    consultationsArea(ctx, grpc, settings),
    researchArea(ctx, grpc),
    campaignsArea(ctx, grpc),
    auditArea(ctx, grpc),
  ];
}
