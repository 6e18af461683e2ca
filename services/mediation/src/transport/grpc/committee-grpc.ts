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
import { mediationV1 } from "@jinlian/proto";
import type { CommitteeApp } from "../../app/committee-app";
import { committeeToProto, genderCodec, mediatorStatusCodec, mediatorToProto, memberRoleCodec, optionalEnum, poolCodec } from "./codecs";

const P = mediationV1;

const members = (ms: mediationV1.CommitteeMember[]) =>
  ms.map((m) => ({ name: m.name, gender: genderCodec.fromProto(m.gender), role: memberRoleCodec.fromProto(m.role) }));

/**
 * Both sides jointly guide the chambers' committees (seed art. 17), which register with the bureau:
 * registration and re-election are theirs. A committee appoints its own mediators (人民调解法 art.
 * 13), so mediators' records are its too, and the sides'. Members and mediators are persons whose
 * details stay at the node: reads are the node's only (the city sees counts in the statistics).
 */
const access = {
  registerCommittee: own(...MECHANISM),
  reelectCommittee: own(...MECHANISM),
  getCommittee: own("MEDIATION_COMMITTEE", ...MECHANISM),
  listCommittees: own("MEDIATION_COMMITTEE", ...MECHANISM),
  registerMediator: own("MEDIATION_COMMITTEE", ...MECHANISM),
  recordMediatorTraining: own("MEDIATION_COMMITTEE", ...MECHANISM),
  changeMediatorStatus: own("MEDIATION_COMMITTEE", ...MECHANISM),
  getMediator: own("MEDIATION_COMMITTEE", ...MECHANISM),
  listMediators: own("MEDIATION_COMMITTEE", ...MECHANISM),
} satisfies AccessRules<typeof P.CommitteeServiceService>;

/** jinlian.mediation.v1.CommitteeService. */
export function committeeGrpcService(app: CommitteeApp, kit: ServiceKit, grpc: HandlerOptions): RegisteredService {
  const committee = (c: Parameters<typeof committeeToProto>[0]) => ({ committee: committeeToProto(c, kit.now()) });
  const implementation = implement(
    P.CommitteeServiceService,
    {
      async registerCommittee(req, call) {
        return committee(
          await app.registerCommittee(
            {
              committeeCreditCode: req.committeeCreditCode,
              justiceBureauCreditCode: req.justiceBureauCreditCode,
              members: members(req.members),
              termStartAt: req.termStartTime,
            },
            req.reason,
            actorOf(call),
          ),
        );
      },
      async reelectCommittee(req, call) {
        return committee(
          await app.reelect(
            req.committeeId.trim().toLowerCase(),
            req.expectedRevision,
            members(req.members),
            req.termStartTime,
            req.reason,
            actorOf(call),
          ),
        );
      },
      async getCommittee(req) {
        return committee(await app.getCommittee(req.committeeId.trim().toLowerCase()));
      },
      async listCommittees(req) {
        const page = await app.listCommittees(
          { chamberCreditCode: req.filter?.chamberCreditCode ?? "", text: req.filter?.text ?? "" },
          req.page?.pageSize ?? 0,
          req.page?.pageToken ?? "",
        );
        const now = kit.now();
        return {
          committees: page.items.map((c) => committeeToProto(c, now)),
          page: { nextPageToken: page.nextPageToken, totalSize: page.totalSize },
        };
      },
      async registerMediator(req, call) {
        const m = await app.registerMediator(
          req.committeeId.trim().toLowerCase(),
          {
            name: req.name,
            gender: genderCodec.fromProto(req.gender),
            licenceNumber: req.licenceNumber,
            qualifications: req.qualifications,
            pool: poolCodec.fromProto(req.pool),
            declaredInterests: req.declaredInterestCreditCodes,
          },
          req.reason,
          actorOf(call),
        );
        return { mediator: mediatorToProto(m) };
      },
      async recordMediatorTraining(req, call) {
        const m = await app.recordTraining(
          req.mediatorId.trim().toLowerCase(),
          req.expectedRevision,
          { title: req.title, hours: req.hours, completeAt: req.completeTime },
          req.reason,
          actorOf(call),
        );
        return { mediator: mediatorToProto(m) };
      },
      async changeMediatorStatus(req, call) {
        const m = await app.changeStatus(
          req.mediatorId.trim().toLowerCase(),
          req.expectedRevision,
          mediatorStatusCodec.fromProto(req.status),
          req.reason,
          actorOf(call),
        );
        return { mediator: mediatorToProto(m) };
      },
      async getMediator(req) {
        return { mediator: mediatorToProto(await app.getMediator(req.mediatorId.trim().toLowerCase())) };
      },
      async listMediators(req) {
        const v = new Violations();
        const status = optionalEnum(v, "filter.status", req.filter?.status ?? 0, mediatorStatusCodec);
        const pool = optionalEnum(v, "filter.pool", req.filter?.pool ?? 0, poolCodec);
        v.throwIfAny();
        const page = await app.listMediators(
          { committeeId: req.filter?.committeeId ?? "", status, pool },
          req.page?.pageSize ?? 0,
          req.page?.pageToken ?? "",
        );
        return { mediators: page.items.map(mediatorToProto), page: { nextPageToken: page.nextPageToken, totalSize: page.totalSize } };
      },
    },
    { ...grpc, access },
  );
  return { name: "jinlian.mediation.v1.CommitteeService", definition: P.CommitteeServiceService, implementation };
}
