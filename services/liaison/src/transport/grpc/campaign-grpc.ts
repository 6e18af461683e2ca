import { implement, Violations, type RegisteredService } from "@jinlian/chassis";
import { liaisonV1 } from "@jinlian/proto";
import type { GrpcOptions } from "../../app/area";
import { activityToProto, campaignToProto, type CampaignApp } from "../../app/campaign-app";
import { calendarNodeCodec, campaignOriginCodec, campaignStatusCodec, optionalEnum } from "../../app/codecs";
import { actorOf } from "../../app/support";
import type { JurisdictionTotals } from "../../domain/campaign";
import type { CampaignListFilter } from "../../persistence/campaign-repository";

function totalsToProto(t: JurisdictionTotals): liaisonV1.JurisdictionCampaignTotals {
  return {
    jurisdictionCode: t.jurisdictionCode,
    jurisdictionName: t.jurisdictionName,
    activities: t.activities,
    eventsHeld: t.eventsHeld,
    audienceReached: t.audienceReached.toString(),
    lastReportTime: t.lastReportTime,
  };
}

/** Filter enums must be ones the contract defines (or unspecified); 0 means "any". */
function filterFrom(v: Violations, f: liaisonV1.CampaignFilter | undefined): CampaignListFilter {
  if (!f) return {};
  const out: CampaignListFilter = {
    calendarNode: optionalEnum(v, "filter.calendar_node", f.calendarNode, calendarNodeCodec),
    year: f.year || undefined,
    status: optionalEnum(v, "filter.status", f.status, campaignStatusCodec),
    origin: optionalEnum(v, "filter.origin", f.origin, campaignOriginCodec),
  };
  for (const k of Object.keys(out) as (keyof CampaignListFilter)[]) if (out[k] === undefined) delete out[k];
  return out;
}

/** jinlian.liaison.v1.CampaignService over the campaign use cases. */
export function campaignGrpcService(app: CampaignApp, grpc: GrpcOptions): RegisteredService {
  const implementation = implement(
    liaisonV1.CampaignServiceService,
    {
      async planCampaign(req, call) {
        const view = await app.plan(
          {
            // Unspecified or undefined enum values become undefined and are refused by the plan rules.
            calendarNode: calendarNodeCodec.fromProto(req.calendarNode),
            year: req.year,
            title: req.title,
            theme: req.theme,
            targetJurisdictionCodes: req.targetJurisdictionCodes,
            reason: req.reason,
          },
          actorOf(call),
        );
        return { campaign: campaignToProto(view) };
      },
      async launchCampaign(req, call) {
        return { campaign: campaignToProto(await app.launch(req.campaignId, req.expectedRevision, req.reason, actorOf(call))) };
      },
      async closeCampaign(req, call) {
        return { campaign: campaignToProto(await app.close(req.campaignId, req.expectedRevision, req.reason, actorOf(call))) };
      },
      async reportCampaignActivity(req, call) {
        const activity = await app.report(
          req.campaignId,
          {
            title: req.title,
            heldTime: req.heldTime,
            eventsHeld: req.eventsHeld,
            audienceReached: req.audienceReached,
            organiserOrganisationId: req.organiserOrganisationId,
            reason: req.reason,
          },
          actorOf(call),
        );
        return { activity: activityToProto(activity) };
      },
      async getCampaign(req) {
        return { campaign: campaignToProto(await app.view(req.campaignId)) };
      },
      async listCampaigns(req) {
        const v = new Violations();
        const filter = filterFrom(v, req.filter);
        const page = await app.list(filter, req.page?.pageSize ?? 0, req.page?.pageToken ?? "", v);
        return { campaigns: page.items.map(campaignToProto), page: { nextPageToken: page.nextPageToken, totalSize: page.totalSize } };
      },
      async getCampaignRollUp(req) {
        const r = await app.rollUp(req.campaignId);
        return {
          campaignId: r.campaignId,
          jurisdictions: r.jurisdictions.map(totalsToProto),
          total: totalsToProto(r.total),
          silentJurisdictionCodes: r.silentJurisdictionCodes,
        };
      },
    },
    grpc,
  );
  return { name: "jinlian.liaison.v1.CampaignService", definition: liaisonV1.CampaignServiceService, implementation };
}
