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
import type { TrainingApp } from "../../app/training-app";
import { audienceCodec, trainingKindCodec, trainingStatusCodec, trainingToProto } from "../../domain/training";
import { optionalEnum, requiredEnum } from "./codecs";

const P = legalServicesV1;

/**
 * Trainings and conferences are the two sides' joint work (art. 8, 9, 11, 16). Attendance is
 * counted per organisation, no person, so the city may read them too.
 */
const access = {
  planTraining: own(...MECHANISM),
  recordTrainingAttendance: own(...MECHANISM),
  markTrainingHeld: own(...MECHANISM),
  cancelTraining: own(...MECHANISM),
  getTraining: ownOrCity(...MECHANISM),
  listTrainings: ownOrCity(...MECHANISM),
} satisfies AccessRules<typeof P.TrainingServiceService>;

/** jinlian.legal_services.v1.TrainingService. */
export function trainingGrpcService(app: TrainingApp, grpc: HandlerOptions): RegisteredService {
  const implementation = implement(
    P.TrainingServiceService,
    {
      async planTraining(req, call) {
        const t = await app.plan(
          {
            kind: requiredEnum(req.kind, trainingKindCodec),
            title: req.title,
            organiserCreditCodes: req.organiserCreditCodes,
            audiences: req.audiences.map((a) => audienceCodec.fromProto(a)),
            startAt: req.startTime,
            venue: req.venue,
            districtCode: req.districtCode,
          },
          req.reason,
          actorOf(call),
        );
        return { training: trainingToProto(t) };
      },
      async recordTrainingAttendance(req, call) {
        const t = await app.recordAttendance(
          req.trainingId.trim(),
          req.expectedRevision,
          req.attendance.map((a) => ({ creditCode: a.creditCode, attendees: a.attendees })),
          req.reason,
          actorOf(call),
        );
        return { training: trainingToProto(t) };
      },
      async markTrainingHeld(req, call) {
        return {
          training: trainingToProto(
            await app.markHeld(req.trainingId.trim(), req.expectedRevision, req.heldTime, req.reason, actorOf(call)),
          ),
        };
      },
      async cancelTraining(req, call) {
        return { training: trainingToProto(await app.cancel(req.trainingId.trim(), req.expectedRevision, req.reason, actorOf(call))) };
      },
      async getTraining(req) {
        return { training: trainingToProto(await app.get(req.trainingId.trim())) };
      },
      async listTrainings(req) {
        const v = new Violations();
        const kind = optionalEnum(v, "filter.kind", req.filter?.kind ?? 0, trainingKindCodec);
        const status = optionalEnum(v, "filter.status", req.filter?.status ?? 0, trainingStatusCodec);
        v.throwIfAny();
        const page = await app.list(
          { kind, status, startPeriod: req.filter?.startPeriod },
          req.page?.pageSize ?? 0,
          req.page?.pageToken ?? "",
        );
        return { trainings: page.items.map(trainingToProto), page: { nextPageToken: page.nextPageToken, totalSize: page.totalSize } };
      },
    },
    { ...grpc, access },
  );
  return { name: "jinlian.legal_services.v1.TrainingService", definition: P.TrainingServiceService, implementation };
}
