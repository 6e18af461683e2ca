import { isDistrictCode } from "@jinlian/kernel";
import {
  actorOf,
  implement,
  MECHANISM,
  own,
  ownOrCity,
  textField,
  Violations,
  type AccessRules,
  type RegisteredService,
} from "@jinlian/chassis";
import { liaisonV1 } from "@jinlian/proto";
import type { HandlerOptions as GrpcOptions } from "@jinlian/chassis";
import type { CampaignApp, CampaignView } from "../../app/campaign-app";
import { optionalEnum } from "../../app/codecs";
import type { CampaignListFilter, JurisdictionTotals } from "../../domain/campaign";
import {
  activityMessage as activityToProto,
  audienceKindCodec,
  calendarNodeCodec,
  campaignMessage,
  campaignOriginCodec,
  campaignStatusCodec,
} from "../../domain/campaign-events";

// A Campaign answers as its events carry it (the published language), with the activities known here.
const campaignToProto = (v: CampaignView): liaisonV1.Campaign => campaignMessage(v.campaign, v.activities);

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
  const target = f.targetJurisdictionCode.trim();
  if (target && !isDistrictCode(target))
    v.add("filter.target_jurisdiction_code", `"${target}" is not one of the 16 district codes of Tianjin`);
  const code = textField(v, "filter.calendar_node_code", f.calendarNodeCode, { max: 64 });
  const node = optionalEnum(v, "filter.calendar_node", f.calendarNode, calendarNodeCodec);
  if (node && code && node !== code) v.add("filter.calendar_node_code", "names another calendar node than filter.calendar_node");
  const out: CampaignListFilter = {
    calendarNode: node ?? (code || undefined),
    year: f.year || undefined,
    status: optionalEnum(v, "filter.status", f.status, campaignStatusCodec),
    origin: optionalEnum(v, "filter.origin", f.origin, campaignOriginCodec),
    targetJurisdictionCode: target || undefined,
    topicTag: textField(v, "filter.topic_tag", f.topicTag, { max: 50 }) || undefined,
  };
  for (const k of Object.keys(out) as (keyof CampaignListFilter)[]) if (out[k] === undefined) delete out[k];
  return out;
}

// Campaigns (art. 7-8) are planned, run and reported by the node's two sides; a district's
// activities reach the city as events, not by its calls. Reads and the roll-up are statistics
// without personal data, so the city, which oversees the districts, may read them too.
const access = {
  planCampaign: own(...MECHANISM),
  launchCampaign: own(...MECHANISM),
  closeCampaign: own(...MECHANISM),
  reportCampaignActivity: own(...MECHANISM),
  getCampaign: ownOrCity(...MECHANISM),
  listCampaigns: ownOrCity(...MECHANISM),
  getCampaignRollUp: ownOrCity(...MECHANISM),
  correctCampaignActivity: own(...MECHANISM),
  withdrawCampaignActivity: own(...MECHANISM),
  getCampaignCalendar: ownOrCity(...MECHANISM),
} satisfies AccessRules<typeof liaisonV1.CampaignServiceService>;

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
            calendarNodeCode: req.calendarNodeCode,
            year: req.year,
            title: req.title,
            theme: req.theme,
            targetJurisdictionCodes: req.targetJurisdictionCodes,
            reason: req.reason,
            topicTags: req.topicTags,
            // Unspecified or undefined values become undefined and are refused by the plan rules.
            audienceKinds: req.audienceKinds.map((k) => audienceKindCodec.fromProto(k)),
            coOrganisers: req.coOrganisers,
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
            organiserCreditCode: req.organiserCreditCode,
            reason: req.reason,
          },
          actorOf(call),
        );
        return { activity: activityToProto(activity) };
      },
      async correctCampaignActivity(req, call) {
        const activity = await app.correct(
          req.campaignId,
          {
            activityId: req.activityId,
            expectedRevision: req.expectedRevision,
            title: req.title,
            heldTime: req.heldTime,
            eventsHeld: req.eventsHeld,
            audienceReached: req.audienceReached,
            organiserOrganisationId: req.organiserOrganisationId,
            organiserCreditCode: req.organiserCreditCode,
            reason: req.reason,
          },
          actorOf(call),
        );
        return { activity: activityToProto(activity, true) };
      },
      async withdrawCampaignActivity(req, call) {
        const activity = await app.withdraw(req.campaignId, req, actorOf(call));
        return { activity: activityToProto(activity, true) };
      },
      async getCampaignCalendar(req) {
        return {
          nodes: app.calendarOf(req.year).map((n) => ({
            code: n.code,
            name: n.name,
            calendarNode: calendarNodeCodec.toProto(n.code),
            startTime: n.period.start,
            endTime: n.period.end,
            setForYear: n.setForYear,
          })),
        };
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
    { ...grpc, access },
  );
  return { name: "jinlian.liaison.v1.CampaignService", definition: liaisonV1.CampaignServiceService, implementation };
}
