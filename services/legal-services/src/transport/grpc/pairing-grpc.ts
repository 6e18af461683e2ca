import {
  actorOf,
  implement,
  MECHANISM,
  own,
  ownOrCity,
  Violations,
  type AccessRules,
  type HandlerOptions,
  type RegisteredService,
} from "@jinlian/chassis";
import { legalServicesV1 } from "@jinlian/proto";
import type { PairingApp } from "../../app/pairing-app";
import { pairStatusCodec, pairToProto, programmeStatusCodec, programmeToProto, reviewRatingCodec } from "../../domain/pairing-events";
import { optionalEnum } from "./codecs";

const P = legalServicesV1;

/**
 * 万所联万会 is run by the bureau and the federation together (art. 14): they set up, solve and
 * confirm programmes and keep the pairs' records. Pairs name firms and chambers, no party, so the
 * city may read what a district received.
 */
const access = {
  createPairingProgramme: own(...MECHANISM),
  solvePairingProgramme: own(...MECHANISM),
  confirmPairingProgramme: own(...MECHANISM),
  withdrawPairingFirm: own(...MECHANISM),
  recordPairAgreement: own(...MECHANISM),
  recordPairActivity: own(...MECHANISM),
  recordPairReview: own(...MECHANISM),
  getPairingProgramme: ownOrCity(...MECHANISM),
  listPairingProgrammes: ownOrCity(...MECHANISM),
  listPairs: ownOrCity(...MECHANISM),
} satisfies AccessRules<typeof P.PairingServiceService>;

/** jinlian.legal_services.v1.PairingService. */
export function pairingGrpcService(app: PairingApp, grpc: HandlerOptions): RegisteredService {
  const implementation = implement(
    P.PairingServiceService,
    {
      async createPairingProgramme(req, call) {
        const p = await app.create(
          {
            name: req.name,
            year: req.year,
            weights: req.weights,
            firms: req.firms.map((f) => ({
              creditCode: f.creditCode,
              capacity: f.capacity,
              serviceDistricts: f.serviceDistrictCodes,
              industrySections: f.industrySections,
            })),
            chambers: req.chambers.map((c) => ({ creditCode: c.creditCode, preferredFirms: c.preferredFirmCreditCodes })),
          },
          req.reason,
          actorOf(call),
        );
        return { programme: programmeToProto(p) };
      },
      async solvePairingProgramme(req, call) {
        return { programme: programmeToProto(await app.solve(req.programmeId.trim(), req.expectedRevision, req.reason, actorOf(call))) };
      },
      async confirmPairingProgramme(req, call) {
        return { programme: programmeToProto(await app.confirm(req.programmeId.trim(), req.expectedRevision, req.reason, actorOf(call))) };
      },
      async withdrawPairingFirm(req, call) {
        const r = await app.withdrawFirm(req.programmeId.trim(), req.expectedRevision, req.firmCreditCode, req.reason, actorOf(call));
        return { programme: programmeToProto(r.programme), endedPairs: r.ended.map(pairToProto), newPairs: r.made.map(pairToProto) };
      },
      async recordPairAgreement(req, call) {
        const v = new Violations();
        if (!req.signTime) v.add("sign_time", "is required");
        v.throwIfAny();
        const r = await app.record(
          req.programmeId.trim(),
          req.expectedRevision,
          req.pairId.trim(),
          { kind: "agreement", signedAt: req.signTime! },
          req.reason,
          actorOf(call),
        );
        return { pair: pairToProto(r.pair), programmeRevision: r.revision };
      },
      async recordPairActivity(req, call) {
        const a = req.activity;
        const v = new Violations();
        if (!a) v.add("activity", "is required");
        else {
          if (!a.kind.trim() || [...a.kind].length > 50) v.add("activity.kind", "is required, at most 50 characters");
          if (!a.title.trim() || [...a.title].length > 200) v.add("activity.title", "is required, at most 200 characters");
          if (!a.heldTime) v.add("activity.held_time", "is required");
          if (a.enterprisesServed < 0 || a.enterprisesServed > 100000) v.add("activity.enterprises_served", "must be 0-100000");
        }
        v.throwIfAny();
        const r = await app.record(
          req.programmeId.trim(),
          req.expectedRevision,
          req.pairId.trim(),
          {
            kind: "activity",
            activity: { kind: a!.kind.trim(), title: a!.title.trim(), heldAt: a!.heldTime!, enterprisesServed: a!.enterprisesServed },
          },
          req.reason,
          actorOf(call),
        );
        return { pair: pairToProto(r.pair), programmeRevision: r.revision };
      },
      async recordPairReview(req, call) {
        const r0 = req.review;
        const v = new Violations();
        const rating = r0 ? reviewRatingCodec.fromProto(r0.rating) : undefined;
        if (!r0) v.add("review", "is required");
        else {
          if (!Number.isInteger(r0.year) || r0.year < 2000 || r0.year > 2100) v.add("review.year", "must be a year, 2000-2100");
          if (!rating) v.add("review.rating", "is required");
          if ([...r0.comment].length > 2000) v.add("review.comment", "must be at most 2000 characters");
        }
        v.throwIfAny();
        const r = await app.record(
          req.programmeId.trim(),
          req.expectedRevision,
          req.pairId.trim(),
          { kind: "review", review: { year: r0!.year, rating: rating!, comment: r0!.comment.trim() } },
          req.reason,
          actorOf(call),
        );
        return { pair: pairToProto(r.pair), programmeRevision: r.revision };
      },
      async getPairingProgramme(req) {
        return { programme: programmeToProto(await app.get(req.programmeId.trim())) };
      },
      async listPairingProgrammes(req) {
        const v = new Violations();
        const status = optionalEnum(v, "filter.status", req.filter?.status ?? 0, programmeStatusCodec);
        v.throwIfAny();
        const page = await app.list({ year: req.filter?.year ?? 0, status }, req.page?.pageSize ?? 0, req.page?.pageToken ?? "");
        return { programmes: page.items.map(programmeToProto), page: { nextPageToken: page.nextPageToken, totalSize: page.totalSize } };
      },
      async listPairs(req) {
        const f = req.filter;
        const v = new Violations();
        const status = optionalEnum(v, "filter.status", f?.status ?? 0, pairStatusCodec);
        v.throwIfAny();
        const page = await app.listPairs(
          {
            programmeId: f?.programmeId ?? "",
            districtCode: f?.districtCode ?? "",
            chamberCreditCode: f?.chamberCreditCode ?? "",
            firmCreditCode: f?.firmCreditCode ?? "",
            status,
          },
          req.page?.pageSize ?? 0,
          req.page?.pageToken ?? "",
        );
        return { pairs: page.items.map(pairToProto), page: { nextPageToken: page.nextPageToken, totalSize: page.totalSize } };
      },
    },
    // Programmes take up to 5000 firms and chambers.
    { ...grpc, access, limits: { createPairingProgramme: { firms: 5000, chambers: 5000 } } },
  );
  return { name: "jinlian.legal_services.v1.PairingService", definition: P.PairingServiceService, implementation };
}
