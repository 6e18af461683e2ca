import {
  actorOf,
  implement,
  MECHANISM,
  own,
  Violations,
  type AccessRules,
  type HandlerOptions,
  type RegisteredService,
  type ServiceKit,
} from "@jinlian/chassis";
import { legalServicesV1 } from "@jinlian/proto";
import type { HealthCheckApp } from "../../app/health-check-app";
import { campaignStatusCodec, campaignToProto, riskLevelCodec } from "../../domain/health-check";
import { optionalEnum } from "./codecs";

const P = legalServicesV1;

/**
 * A campaign's organiser may be a justice bureau, a federation or a chamber (art. 13), so a
 * chamber runs and reads campaigns as the two sides do. Findings name enterprises and their legal
 * risks: they stay in the district, and the city sees them as counts in the statistics.
 */
const access = {
  createHealthCheckCampaign: own("CHAMBER", ...MECHANISM),
  recordHealthCheckFinding: own("CHAMBER", ...MECHANISM),
  addHealthCheckFollowUp: own("CHAMBER", ...MECHANISM),
  completeHealthCheckFollowUp: own("CHAMBER", ...MECHANISM),
  closeHealthCheckCampaign: own("CHAMBER", ...MECHANISM),
  getHealthCheckCampaign: own("CHAMBER", ...MECHANISM),
  listHealthCheckCampaigns: own("CHAMBER", ...MECHANISM),
} satisfies AccessRules<typeof P.HealthCheckServiceService>;

/** jinlian.legal_services.v1.HealthCheckService. */
export function healthCheckGrpcService(app: HealthCheckApp, kit: ServiceKit, grpc: HandlerOptions): RegisteredService {
  const out = (c: Parameters<typeof campaignToProto>[0]) => campaignToProto(c, kit.now());
  const implementation = implement(
    P.HealthCheckServiceService,
    {
      async createHealthCheckCampaign(req, call) {
        const c = await app.create(
          {
            title: req.title,
            districtCode: req.districtCode,
            organiserCreditCode: req.organiserCreditCode,
            targetCreditCodes: req.targetCreditCodes,
            checklist: req.checklist,
          },
          req.reason,
          actorOf(call),
        );
        return { campaign: out(c) };
      },
      async recordHealthCheckFinding(req, call) {
        const r = await app.recordFinding(
          req.campaignId.trim(),
          req.expectedRevision,
          {
            enterpriseCreditCode: req.enterpriseCreditCode,
            itemId: req.itemId.trim(),
            riskLevel: riskLevelCodec.fromProto(req.riskLevel),
            description: req.description,
          },
          req.reason,
          actorOf(call),
        );
        return { campaign: out(r.campaign), findingId: r.out ?? "" };
      },
      async addHealthCheckFollowUp(req, call) {
        const r = await app.addFollowUp(
          req.campaignId.trim(),
          req.expectedRevision,
          { findingId: req.findingId.trim(), action: req.action, dueAt: req.dueTime },
          req.reason,
          actorOf(call),
        );
        return { campaign: out(r.campaign), followUpId: r.out ?? "" };
      },
      async completeHealthCheckFollowUp(req, call) {
        const r = await app.completeFollowUp(
          req.campaignId.trim(),
          req.expectedRevision,
          req.followUpId.trim(),
          req.note,
          req.reason,
          actorOf(call),
        );
        return { campaign: out(r.campaign) };
      },
      async closeHealthCheckCampaign(req, call) {
        return { campaign: out((await app.close(req.campaignId.trim(), req.expectedRevision, req.reason, actorOf(call))).campaign) };
      },
      async getHealthCheckCampaign(req) {
        return { campaign: out(await app.get(req.campaignId.trim())) };
      },
      async listHealthCheckCampaigns(req) {
        const v = new Violations();
        const status = optionalEnum(v, "filter.status", req.filter?.status ?? 0, campaignStatusCodec);
        v.throwIfAny();
        const page = await app.list(
          { districtCode: req.filter?.districtCode ?? "", status, hasOverdue: req.filter?.hasOverdue ?? false },
          req.page?.pageSize ?? 0,
          req.page?.pageToken ?? "",
        );
        return { campaigns: page.items.map(out), page: { nextPageToken: page.nextPageToken, totalSize: page.totalSize } };
      },
    },
    { ...grpc, access },
  );
  return { name: "jinlian.legal_services.v1.HealthCheckService", definition: P.HealthCheckServiceService, implementation };
}
