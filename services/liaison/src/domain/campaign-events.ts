/**
 * The published language of campaigns: the messages the CampaignLaunched, CampaignClosed,
 * CampaignActivityReported, CampaignActivityCorrected and CampaignActivityWithdrawn events carry (the Campaign and CampaignActivity of the contract), built
 * from the domain, with their destinations. gRPC answers reuse the same mapping.
 */
import { emit, enumCodec, liaisonEvents, toNode, type AuditMetadata, type EventToEmit } from "@jinlian/chassis";
import { liaisonV1 } from "@jinlian/proto";
import type { Activity, ActivityVersion, AudienceKind, Campaign, OrganiserRef } from "./campaign";
import { BUILT_IN_CALENDAR_NODES, isBuiltInCalendarNode } from "./campaign-calendar";

// Domain names <-> contract enums. fromProto gives undefined for UNSPECIFIED or unknown numbers.
const builtInCalendarNodeCodec = enumCodec(liaisonV1.CalendarNode, "CALENDAR_NODE_", BUILT_IN_CALENDAR_NODES);
/** The enum names the built-in calendar nodes only; any other node's code is UNSPECIFIED there. */
export const calendarNodeCodec = {
  toProto: (code: string): liaisonV1.CalendarNode => (isBuiltInCalendarNode(code) ? builtInCalendarNodeCodec.toProto(code) : 0),
  fromProto: (n: number): string | undefined => builtInCalendarNodeCodec.fromProto(n),
};
export const audienceKindCodec = enumCodec(liaisonV1.AudienceKind, "AUDIENCE_KIND_", [
  "ENTERPRISES",
  "CHAMBERS_OF_COMMERCE",
  "ENTREPRENEURS",
  "STAFF",
  "GENERAL_PUBLIC",
] as const satisfies readonly AudienceKind[]);
export const campaignStatusCodec = enumCodec(liaisonV1.CampaignStatus, "CAMPAIGN_STATUS_", ["PLANNED", "LAUNCHED", "CLOSED"] as const);
export const campaignOriginCodec = enumCodec(liaisonV1.CampaignOrigin, "CAMPAIGN_ORIGIN_", ["ISSUED", "RECEIVED"] as const);

const refMessage = (o: OrganiserRef) => ({ creditCode: o.creditCode, jurisdictionCode: o.jurisdictionCode, name: o.name });

function versionMessage(v: ActivityVersion): liaisonV1.CampaignActivityVersion {
  return {
    revision: v.revision,
    title: v.title,
    heldTime: v.heldTime,
    eventsHeld: v.eventsHeld,
    audienceReached: String(v.audienceReached),
    organiser: v.organiser && refMessage(v.organiser),
    audit: { ...v.made },
  };
}

/** An activity at its current revision; its history only where asked for (GetCampaign), never in events. */
export function activityMessage(a: Activity, withHistory = false): liaisonV1.CampaignActivity {
  return {
    activityId: a.activityId,
    jurisdictionCode: a.jurisdictionCode,
    title: a.title,
    heldTime: a.heldTime,
    eventsHeld: a.eventsHeld,
    audienceReached: String(a.audienceReached),
    organiser: a.organiser && refMessage(a.organiser),
    audit: { ...a.reported },
    revision: a.revision,
    withdrawn: a.withdrawn,
    revisionAudit: a.revised && { ...a.revised },
    history: withHistory ? a.history.map(versionMessage) : [],
  };
}

/** A campaign with the activities this node knows of (none in events and lists). */
export function campaignMessage(c: Campaign, activities: readonly Activity[] = []): liaisonV1.Campaign {
  return {
    campaignId: c.campaignId,
    calendarNode: calendarNodeCodec.toProto(c.calendarNode),
    year: c.year,
    title: c.title,
    theme: c.theme,
    startTime: c.period.start,
    endTime: c.period.end,
    status: campaignStatusCodec.toProto(c.status),
    origin: campaignOriginCodec.toProto(c.origin),
    issuingJurisdictionCode: c.issuingJurisdictionCode,
    targetJurisdictionCodes: [...c.targets],
    activities: activities.map((a) => activityMessage(a, true)),
    revision: c.revision,
    calendarNodeCode: c.calendarNode,
    calendarNodeName: c.calendarNodeName,
    topicTags: [...c.topicTags],
    audienceKinds: c.audienceKinds.map((k) => audienceKindCodec.toProto(k)),
    coOrganisers: c.coOrganisers.map(refMessage),
  };
}

/** A municipal campaign is pushed to each target district, which holds it as RECEIVED. */
export function campaignLaunched(c: Campaign, audit: AuditMetadata): EventToEmit {
  return emit(
    liaisonEvents.campaignLaunched,
    c.campaignId,
    { campaignId: c.campaignId, campaign: campaignMessage(c), audit },
    c.targets.map(toNode),
  );
}

export function campaignClosed(c: Campaign, audit: AuditMetadata): EventToEmit {
  return emit(liaisonEvents.campaignClosed, c.campaignId, { campaignId: c.campaignId, audit }, c.targets.map(toNode));
}

/** An activity under a campaign received from the city goes up to the city, which keeps the roll-up. */
export function campaignActivityReported(c: Campaign, a: Activity): EventToEmit {
  return emit(liaisonEvents.campaignActivityReported, c.campaignId, { campaignId: c.campaignId, activity: activityMessage(a) }, [
    toNode(c.issuingJurisdictionCode),
  ]);
}

/** A correction of an activity under a campaign received from the city goes up, at its new revision. */
export function campaignActivityCorrected(c: Campaign, a: Activity): EventToEmit {
  return emit(liaisonEvents.campaignActivityCorrected, c.campaignId, { campaignId: c.campaignId, activity: activityMessage(a) }, [
    toNode(c.issuingJurisdictionCode),
  ]);
}

/** A withdrawal of an activity under a campaign received from the city goes up: it leaves the city's roll-up. */
export function campaignActivityWithdrawn(c: Campaign, a: Activity): EventToEmit {
  return emit(liaisonEvents.campaignActivityWithdrawn, c.campaignId, { campaignId: c.campaignId, activity: activityMessage(a) }, [
    toNode(c.issuingJurisdictionCode),
  ]);
}
