import { inboxHandler, liaisonEvents } from "@jinlian/chassis";
import type { GrpcOptions, LiaisonArea } from "../app/area";
import { CampaignApp } from "../app/campaign-app";
import type { LiaisonContext } from "../app/support";
import { campaignGrpcService } from "../transport/grpc/campaign-grpc";

/**
 * Legal-publicity campaigns (art. 7-8): CampaignService, and the deliveries that carry a
 * municipal campaign down to its districts (launch, close) and their activities back up.
 */
export function campaignsArea(ctx: LiaisonContext, grpc: GrpcOptions): LiaisonArea {
  const app = new CampaignApp(ctx);
  return {
    grpcServices: [campaignGrpcService(app, grpc)],
    deliveries: [
      inboxHandler(liaisonEvents.campaignLaunched, (e, trx) => app.onCampaignLaunched(e, trx)),
      inboxHandler(liaisonEvents.campaignClosed, (e, trx) => app.onCampaignClosed(e, trx)),
      inboxHandler(liaisonEvents.campaignActivityReported, (e, trx) => app.onCampaignActivityReported(e, trx)),
    ],
  };
}
