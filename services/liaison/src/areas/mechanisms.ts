import { inboxHandler, liaisonEvents } from "@jinlian/chassis";
import type { GrpcOptions, LiaisonArea } from "../app/area";
import { MechanismApp } from "../app/mechanism-app";
import type { LiaisonContext } from "../app/support";
import { mechanismGrpcService } from "../transport/grpc/mechanism-grpc";

/** Liaison mechanisms (art. 2-3): MechanismService, and the districts' status reports at the city. */
export function mechanismsArea(ctx: LiaisonContext, grpc: GrpcOptions): LiaisonArea {
  const app = new MechanismApp(ctx);
  return {
    grpcServices: [mechanismGrpcService(app, grpc)],
    deliveries: [inboxHandler(liaisonEvents.mechanismStatusReported, (e, trx) => app.onMechanismStatusReported(e, trx))],
  };
}
