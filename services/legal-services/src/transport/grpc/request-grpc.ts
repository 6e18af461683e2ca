import {
  actorOf,
  implement,
  MECHANISM,
  own,
  Violations,
  type AccessRules,
  type HandlerOptions,
  type RegisteredService,
} from "@jinlian/chassis";
import { legalServicesV1 } from "@jinlian/proto";
import type { RequestApp } from "../../app/request-app";
import { requestStatusCodec, requestTypeCodec, specialtyCodec, urgencyCodec } from "../../domain/common";
import { consentFormCodec, requestToProto, shortlistToProto } from "../../domain/request-events";
import { optionalEnum, requiredEnum } from "./codecs";

const P = legalServicesV1;

/**
 * A request carries its requester's dispute (counterparties, summary, consents), so only the
 * node's own jurisdiction reaches it and the city sees statistics instead. A chamber submits and
 * withdraws requests; enterprises have no role, so the two sides enter theirs for them. Providers
 * have no role either: the sides record their answers and completions, and the legal-service
 * centre, the justice bureau's (art. 9), assigns.
 */
const access = {
  submitRequest: own("CHAMBER", ...MECHANISM),
  getShortlist: own(...MECHANISM),
  answerOffer: own(...MECHANISM),
  assignRequest: own("JUSTICE_BUREAU"),
  completeRequest: own(...MECHANISM),
  withdrawRequest: own("CHAMBER", ...MECHANISM),
  referRequestToMediation: own(...MECHANISM),
  getRequest: own(...MECHANISM),
  listRequests: own(...MECHANISM),
} satisfies AccessRules<typeof P.RequestServiceService>;

/** jinlian.legal_services.v1.RequestService. */
export function requestGrpcService(app: RequestApp, grpc: HandlerOptions): RegisteredService {
  const implementation = implement(
    P.RequestServiceService,
    {
      async submitRequest(req, call) {
        const r = await app.submit(
          {
            requesterCreditCode: req.requesterCreditCode,
            type: requiredEnum(req.type, requestTypeCodec),
            specialty: requiredEnum(req.specialty, specialtyCodec),
            districtCode: req.districtCode,
            industrySection: req.industrySection,
            language: req.language,
            urgency: requiredEnum(req.urgency, urgencyCodec),
            counterparties: req.counterparties.map((c) => ({ creditCode: c.creditCode, name: c.name })),
            summary: req.summary,
            disputeId: req.disputeId,
          },
          req.reason,
          actorOf(call),
        );
        return { request: requestToProto(r) };
      },
      async getShortlist(req) {
        return { shortlist: shortlistToProto(await app.shortlist(req.requestId.trim())) };
      },
      async answerOffer(req, call) {
        const r = await app.answer(
          req.requestId.trim(),
          req.expectedRevision,
          { providerId: req.providerId.trim(), accept: req.accept, declineReason: req.declineReason },
          req.reason,
          actorOf(call),
        );
        return { request: requestToProto(r) };
      },
      async assignRequest(req, call) {
        return {
          request: requestToProto(
            await app.assign(req.requestId.trim(), req.expectedRevision, req.providerId.trim(), req.reason, actorOf(call)),
          ),
        };
      },
      async completeRequest(req, call) {
        return {
          request: requestToProto(
            await app.complete(req.requestId.trim(), req.expectedRevision, req.outcomeNote, req.reason, actorOf(call)),
          ),
        };
      },
      async withdrawRequest(req, call) {
        return { request: requestToProto(await app.withdraw(req.requestId.trim(), req.expectedRevision, req.reason, actorOf(call))) };
      },
      async referRequestToMediation(req, call) {
        const r = await app.referToMediation(
          req.requestId.trim(),
          req.expectedRevision,
          req.committeeCreditCode,
          req.consents.map((c) => ({ creditCode: c.creditCode, consentAt: c.consentTime, form: consentFormCodec.fromProto(c.form) })),
          req.reason,
          actorOf(call),
        );
        return { request: requestToProto(r) };
      },
      async getRequest(req) {
        return { request: requestToProto(await app.get(req.requestId.trim())) };
      },
      async listRequests(req) {
        const f = req.filter;
        const v = new Violations();
        const status = optionalEnum(v, "filter.status", f?.status ?? 0, requestStatusCodec);
        const type = optionalEnum(v, "filter.type", f?.type ?? 0, requestTypeCodec);
        v.throwIfAny();
        const page = await app.list(
          {
            status,
            type,
            districtCode: f?.districtCode ?? "",
            requesterCreditCode: f?.requesterCreditCode ?? "",
            providerId: f?.providerId ?? "",
            submitPeriod: f?.submitPeriod,
          },
          req.page?.pageSize ?? 0,
          req.page?.pageToken ?? "",
        );
        return { requests: page.items.map(requestToProto), page: { nextPageToken: page.nextPageToken, totalSize: page.totalSize } };
      },
    },
    { ...grpc, access },
  );
  return { name: "jinlian.legal_services.v1.RequestService", definition: P.RequestServiceService, implementation };
}
