import { inboxHandler, liaisonEvents } from "@jinlian/chassis";
import { ActionItemApp } from "../app/action-item-app";
import type { GrpcOptions, LiaisonArea } from "../app/area";
import { ConsultationApp } from "../app/consultation-app";
import { OverdueScanner } from "../app/overdue-scanner";
import type { LiaisonContext, LiaisonSettings } from "../app/support";
import { consultationGrpcService } from "../transport/grpc/consultation-grpc";

/**
 * Consultations (art. 1) and action items: the ConsultationService, the cross-level deliveries
 * (a district receives actions the city assigned it, the city receives progress on them), and
 * the overdue scanner raising alerts on the node's alerts stream.
 */
export function consultationsArea(ctx: LiaisonContext, grpc: GrpcOptions, settings: LiaisonSettings): LiaisonArea {
  const actionItems = new ActionItemApp(ctx);
  const consultations = new ConsultationApp(ctx, actionItems);
  const scanner = new OverdueScanner(ctx, settings.overdueScanIntervalMs);
  return {
    grpcServices: [consultationGrpcService(consultations, actionItems, grpc)],
    deliveries: [
      inboxHandler(liaisonEvents.actionItemAssigned, (e, trx) => actionItems.onAssigned(e, trx)),
      inboxHandler(liaisonEvents.actionItemProgressReported, (e, trx) => actionItems.onProgressReported(e, trx)),
      inboxHandler(liaisonEvents.actionItemCancelled, (e, trx) => actionItems.onCancelled(e, trx)),
    ],
    start: () => scanner.start(),
    stop: () => scanner.stop(),
  };
}
