import {
  actorOf,
  enumCodec,
  implement,
  MECHANISM,
  own,
  Violations,
  type AccessRule,
  type AccessRules,
  type HandlerOptions,
  type RegisteredService,
} from "@jinlian/chassis";
import { mediationV1 } from "@jinlian/proto";
import type { NominationApp } from "../../app/nomination-app";
import { orgToProto } from "../../domain/common";
import {
  EDUCATION_LEVELS,
  ELIGIBILITY_BARS,
  federationCap,
  OCCUPATIONS,
  type Defaulter,
  type Finding,
  type NominationBatch,
  type NominationPolicy,
  type NomineeInput,
} from "../../domain/nomination";
import { genderCodec, optionalEnum } from "./codecs";

const P = mediationV1;

export const nominationKindCodec = enumCodec(P.NominationKind, "NOMINATION_KIND_", ["PEOPLES_ASSESSOR", "PEOPLES_SUPERVISOR"] as const);
export const educationCodec = enumCodec(P.EducationLevel, "EDUCATION_LEVEL_", EDUCATION_LEVELS);
export const occupationCodec = enumCodec(P.Occupation, "OCCUPATION_", OCCUPATIONS);
export const barCodec = enumCodec(P.EligibilityBar, "ELIGIBILITY_BAR_", ELIGIBILITY_BARS);
export const batchStatusCodec = enumCodec(P.NominationBatchStatus, "NOMINATION_BATCH_STATUS_", ["OPEN", "SUBMITTED", "DECIDED"] as const);
export const nomineeStatusCodec = enumCodec(P.NomineeStatus, "NOMINEE_STATUS_", ["NOMINATED", "SELECTED", "REJECTED"] as const);

export function nomineeInputOf(n: mediationV1.NomineeInput | undefined): NomineeInput {
  return {
    name: n?.name ?? "",
    gender: genderCodec.fromProto(n?.gender ?? 0),
    identityNumber: n?.identityNumber ?? "",
    education: educationCodec.fromProto(n?.education ?? 0),
    educationException: n?.educationException ?? "",
    occupations: (n?.occupations ?? []).map((o) => occupationCodec.fromProto(o)),
    employerCreditCode: n?.employerCreditCode ?? "",
    lawyerLicenceNumber: n?.lawyerLicenceNumber ?? "",
    declarations: n?.declarations,
    clearedProviderIds: n?.clearedProviderIds ?? [],
    phone: n?.phone ?? "",
  };
}

export function batchToProto(b: NominationBatch, policy: NominationPolicy): mediationV1.NominationBatch {
  return {
    batchId: b.batchId,
    kind: nominationKindCodec.toProto(b.kind),
    federation: orgToProto(b.federation),
    selectingBody: b.selectingBody,
    quota: b.quota,
    federationCap: federationCap(b.quota, policy),
    referenceTime: b.referenceAt,
    status: batchStatusCodec.toProto(b.status),
    nominees: b.nominees.map((n) => ({
      nomineeId: n.nomineeId,
      name: n.name,
      gender: genderCodec.toProto(n.gender),
      identityNumber: n.identityNumber,
      birthDate: n.birthDate,
      ageAtReference: n.ageAtReference,
      education: educationCodec.toProto(n.education),
      educationException: n.educationException,
      occupations: n.occupations.map((o) => occupationCodec.toProto(o)),
      employer: orgToProto(n.employer),
      lawyerLicenceNumber: n.lawyerLicenceNumber,
      declarations: n.declarations,
      clearedProviderIds: n.clearedProviderIds,
      phone: n.phone,
      status: nomineeStatusCodec.toProto(n.status),
      outcomeNote: n.outcomeNote,
      nominateTime: n.nominatedAt,
      decideTime: n.decidedAt ?? undefined,
    })),
    createTime: b.createdAt,
    submitTime: b.submittedAt ?? undefined,
    decideTime: b.decidedAt ?? undefined,
    revision: b.revision,
  };
}

const findingToProto = (f: Finding): mediationV1.EligibilityFinding => ({
  bar: barCodec.toProto(f.bar),
  basis: f.basis,
  explanation: f.explanation,
});

export const defaulterToProto = (d: Defaulter): mediationV1.Defaulter => ({
  entryId: d.entryId,
  identityNumber: d.identityNumber,
  name: d.name,
  source: d.source,
  active: d.active,
  addTime: d.addedAt,
  removeTime: d.removedAt ?? undefined,
  removeReason: d.removeReason,
  revision: d.revision,
});

/**
 * The federation nominates (seed art. 19; 人民陪审员法 art. 11); the selecting body decides: a court
 * for assessors, the justice administration for supervisors. Nominees and the 失信被执行人 list
 * are personal data (identity numbers, phones): the node's only. The list is the node's own
 * record, kept by the sides.
 */
const nominate: AccessRule = own("FEDERATION");
const batchRead: AccessRule = own(...MECHANISM, "COURT");
const defaulterList: AccessRule = own(...MECHANISM);
const access = {
  createNominationBatch: nominate,
  checkNomineeEligibility: nominate,
  addNominee: nominate,
  submitNominationBatch: nominate,
  // One rule for both kinds: the bureau is the supervisors' selecting body.
  recordSelectionOutcome: own("COURT", "JUSTICE_BUREAU"),
  getNominationBatch: batchRead,
  listNominationBatches: batchRead,
  addDefaulter: defaulterList,
  removeDefaulter: defaulterList,
  listDefaulters: defaulterList,
} satisfies AccessRules<typeof P.NominationServiceService>;

/** jinlian.mediation.v1.NominationService. */
export function nominationGrpcService(app: NominationApp, grpc: HandlerOptions): RegisteredService {
  const batch = (b: NominationBatch) => ({ batch: batchToProto(b, app.policy) });
  const implementation = implement(
    P.NominationServiceService,
    {
      async createNominationBatch(req, call) {
        return batch(
          await app.createBatch(
            {
              kind: nominationKindCodec.fromProto(req.kind),
              federationCreditCode: req.federationCreditCode,
              selectingBody: req.selectingBody,
              quota: req.quota,
              referenceAt: req.referenceTime,
            },
            req.reason,
            actorOf(call),
          ),
        );
      },
      async checkNomineeEligibility(req) {
        const r = await app.checkEligibility(req.batchId, nomineeInputOf(req.nominee));
        return { eligible: r.findings.length === 0, findings: r.findings.map(findingToProto), ageAtReference: r.age };
      },
      async addNominee(req, call) {
        return batch(await app.addNominee(req.batchId, req.expectedRevision, nomineeInputOf(req.nominee), req.reason, actorOf(call)));
      },
      async submitNominationBatch(req, call) {
        return batch(await app.submit(req.batchId, req.expectedRevision, req.reason, actorOf(call)));
      },
      async recordSelectionOutcome(req, call) {
        return batch(
          await app.recordOutcome(
            req.batchId,
            req.expectedRevision,
            { nomineeId: req.nomineeId, selected: req.selected, outcomeNote: req.outcomeNote },
            req.reason,
            actorOf(call),
          ),
        );
      },
      async getNominationBatch(req) {
        return batch(await app.get(req.batchId));
      },
      async listNominationBatches(req) {
        const v = new Violations();
        const kind = optionalEnum(v, "filter.kind", req.filter?.kind ?? 0, nominationKindCodec);
        const status = optionalEnum(v, "filter.status", req.filter?.status ?? 0, batchStatusCodec);
        v.throwIfAny();
        const page = await app.list(
          { kind, status, createPeriod: req.filter?.createPeriod },
          req.page?.pageSize ?? 0,
          req.page?.pageToken ?? "",
        );
        return {
          batches: page.items.map((b) => batchToProto(b, app.policy)),
          page: { nextPageToken: page.nextPageToken, totalSize: page.totalSize },
        };
      },
      async addDefaulter(req, call) {
        const d = await app.addDefaulter(
          { identityNumber: req.identityNumber, name: req.name, source: req.source },
          req.reason,
          actorOf(call),
        );
        return { defaulter: defaulterToProto(d) };
      },
      async removeDefaulter(req, call) {
        return { defaulter: defaulterToProto(await app.removeDefaulter(req.entryId, req.expectedRevision, req.reason, actorOf(call))) };
      },
      async listDefaulters(req) {
        const page = await app.listDefaulters(
          { identityNumber: req.filter?.identityNumber ?? "", includeRemoved: req.filter?.includeRemoved ?? false },
          req.page?.pageSize ?? 0,
          req.page?.pageToken ?? "",
        );
        return { defaulters: page.items.map(defaulterToProto), page: { nextPageToken: page.nextPageToken, totalSize: page.totalSize } };
      },
    },
    { ...grpc, access },
  );
  return { name: "jinlian.mediation.v1.NominationService", definition: P.NominationServiceService, implementation };
}
