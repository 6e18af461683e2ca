/** Programmes and pairs as the contract shows them, and the pairs delivered down to districts. */
import { emit, enumCodec, legalServicesEvents, toNode, type AuditMetadata, type EventToEmit } from "@jinlian/chassis";
import { legalServicesV1 } from "@jinlian/proto";
import { orgToProto } from "./common";
import type { Pair, PairingProgramme } from "./pairing";

const P = legalServicesV1;
export const programmeStatusCodec = enumCodec(P.PairingProgrammeStatus, "PAIRING_PROGRAMME_STATUS_", [
  "DRAFT",
  "PROPOSED",
  "INFEASIBLE",
  "ACTIVE",
] as const);
export const pairStatusCodec = enumCodec(P.PairStatus, "PAIR_STATUS_", ["PROPOSED", "ACTIVE", "ENDED"] as const);
export const reviewRatingCodec = enumCodec(P.PairReviewRating, "PAIR_REVIEW_RATING_", [
  "EXCELLENT",
  "SATISFACTORY",
  "NEEDS_IMPROVEMENT",
] as const);

export function pairToProto(x: Pair): legalServicesV1.Pair {
  return {
    pairId: x.pairId,
    programmeId: x.programmeId,
    chamber: orgToProto(x.chamber),
    firm: orgToProto(x.firm),
    chamberDistrictCode: x.chamberDistrict,
    firmDistrictCode: x.firmDistrict,
    cost: x.cost,
    components: x.components.map((c) => ({ factor: c.factor, cost: c.cost, explanation: c.explanation })),
    explanation: x.explanation,
    status: pairStatusCodec.toProto(x.status),
    round: x.round,
    agreementSignTime: x.agreementSignedAt ?? undefined,
    activities: x.activities.map((a) => ({
      activityId: a.activityId,
      kind: a.kind,
      title: a.title,
      heldTime: a.heldAt,
      enterprisesServed: a.enterprisesServed,
    })),
    reviews: x.reviews.map((r) => ({
      year: r.year,
      rating: reviewRatingCodec.toProto(r.rating),
      comment: r.comment,
      reviewTime: r.reviewedAt,
    })),
    startTime: x.startAt ?? undefined,
    endTime: x.endAt ?? undefined,
    endReason: x.endReason,
  };
}

export function programmeToProto(p: PairingProgramme): legalServicesV1.PairingProgramme {
  const r = p.result;
  return {
    programmeId: p.programmeId,
    name: p.name,
    year: p.year,
    weights: { ...p.weights },
    firms: p.firms.map((f) => ({
      firm: orgToProto(f.firm),
      providerId: f.providerId,
      districtCode: f.districtCode,
      capacity: f.capacity,
      serviceDistrictCodes: f.serviceDistricts,
      industrySections: f.industrySections,
      withdrawn: f.withdrawn,
    })),
    chambers: p.chambers.map((c) => ({
      chamber: orgToProto(c.chamber),
      districtCode: c.districtCode,
      industrySection: c.industrySection,
      preferredFirmCreditCodes: c.preferredFirms,
    })),
    status: programmeStatusCodec.toProto(p.status),
    result: r
      ? {
          round: r.round,
          totalCost: String(r.totalCost),
          pairs: r.pairs,
          changedPairs: r.changedPairs,
          unservedChambers: r.unserved.map((o) => orgToProto(o)!),
          shortfalls: r.shortfalls.map((s) => ({
            chambers: s.chambers.map((o) => orgToProto(o)!),
            firms: s.firms.map((o) => orgToProto(o)!),
            capacity: s.capacity,
            explanation: s.explanation,
          })),
          solveTime: r.solvedAt,
          solveMilliseconds: String(r.solveMillis),
          objective: r.objective,
        }
      : undefined,
    revision: p.revision,
    createTime: p.createdAt,
    updateTime: p.updatedAt,
  };
}

/** The changed pairs of a programme that concern one district, delivered to that district's node. */
export function pairsAssigned(
  p: PairingProgramme,
  district: string,
  round: number,
  pairs: readonly Pair[],
  audit: AuditMetadata,
): EventToEmit {
  return emit(
    legalServicesEvents.pairsAssigned,
    p.programmeId,
    {
      programmeId: p.programmeId,
      programmeName: p.name,
      year: p.year,
      round,
      districtCode: district,
      pairs: pairs.map(pairToProto),
      audit,
    },
    [toNode(district)],
  );
}

/** A delivered pair read back; undefined when it lacks what a pair needs. */
export function pairFromProto(x: legalServicesV1.Pair): Pair | undefined {
  const status = pairStatusCodec.fromProto(x.status);
  if (!x.pairId || !x.programmeId || !x.chamber?.creditCode || !x.firm?.creditCode || !status) return undefined;
  const ref = (o: { creditCode: string; jurisdictionCode: string; name: string }) => ({
    creditCode: o.creditCode,
    jurisdictionCode: o.jurisdictionCode,
    name: o.name,
  });
  return {
    pairId: x.pairId,
    programmeId: x.programmeId,
    chamber: ref(x.chamber),
    firm: ref(x.firm),
    chamberDistrict: x.chamberDistrictCode,
    firmDistrict: x.firmDistrictCode,
    cost: x.cost,
    components: x.components.map((c) => ({
      factor: c.factor as "district" | "industry" | "preference",
      cost: c.cost,
      explanation: c.explanation,
    })),
    explanation: x.explanation,
    status,
    round: x.round,
    agreementSignedAt: x.agreementSignTime ?? null,
    activities: x.activities.map((a) => ({
      activityId: a.activityId,
      kind: a.kind,
      title: a.title,
      heldAt: a.heldTime ?? new Date(0),
      enterprisesServed: a.enterprisesServed,
    })),
    reviews: x.reviews.map((r) => ({
      year: r.year,
      rating: reviewRatingCodec.fromProto(r.rating) ?? "SATISFACTORY",
      comment: r.comment,
      reviewedAt: r.reviewTime ?? new Date(0),
    })),
    startAt: x.startTime ?? null,
    endAt: x.endTime ?? null,
    endReason: x.endReason,
  };
}
