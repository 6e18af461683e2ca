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
import type { ProviderApp, ProviderView } from "../../app/provider-app";
import { lawyerKindCodec, providerKindCodec, providerStatusCodec, specialtyCodec } from "../../domain/common";
import type { ProfileInput } from "../../domain/provider";
import { providerToProto } from "../../domain/provider-events";
import { optionalEnum, requiredEnum } from "./codecs";

const P = legalServicesV1;
const out = (v: ProviderView) => providerToProto(v.provider, v.load);

function profileFrom(p: legalServicesV1.ProviderProfile | undefined): ProfileInput | undefined {
  return p
    ? {
        specialties: p.specialties.map((s) => specialtyCodec.fromProto(s)),
        languages: p.languages,
        districtCode: p.districtCode,
        capacity: p.capacity,
        rating: p.rating,
        clientCreditCodes: p.clientCreditCodes,
      }
    : undefined;
}

/**
 * The node's providers are the mechanism's own records (art. 10-12, 15-16): its two sides keep
 * them. A profile names no party, so the city, which oversees every district, may read it too.
 */
const access = {
  registerProvider: own(...MECHANISM),
  updateProvider: own(...MECHANISM),
  changeProviderStatus: own(...MECHANISM),
  appointAdviser: own(...MECHANISM),
  endAdviserAppointment: own(...MECHANISM),
  getProvider: ownOrCity(...MECHANISM),
  listProviders: ownOrCity(...MECHANISM),
} satisfies AccessRules<typeof P.ProviderServiceService>;

/** jinlian.legal_services.v1.ProviderService. */
export function providerGrpcService(app: ProviderApp, grpc: HandlerOptions): RegisteredService {
  const implementation = implement(
    P.ProviderServiceService,
    {
      async registerProvider(req, call) {
        const view = await app.register(
          {
            kind: requiredEnum(req.kind, providerKindCodec),
            name: req.name,
            organisationCreditCode: req.organisationCreditCode,
            licenceNumber: req.licenceNumber,
            lawyerKind: requiredEnum(req.lawyerKind, lawyerKindCodec),
            firmCreditCode: req.firmCreditCode,
            employerCreditCode: req.employerCreditCode,
            commissionCreditCode: req.commissionCreditCode,
            rosterNumber: req.rosterNumber,
            chamberCreditCode: req.chamberCreditCode,
            profile: profileFrom(req.profile),
          },
          req.reason,
          actorOf(call),
        );
        return { provider: out(view) };
      },
      async updateProvider(req, call) {
        return {
          provider: out(await app.update(req.providerId.trim(), req.expectedRevision, profileFrom(req.profile), req.reason, actorOf(call))),
        };
      },
      async changeProviderStatus(req, call) {
        return {
          provider: out(
            await app.changeStatus(
              req.providerId.trim(),
              req.expectedRevision,
              requiredEnum(req.status, providerStatusCodec),
              req.reason,
              actorOf(call),
            ),
          ),
        };
      },
      async appointAdviser(req, call) {
        const { view, appointmentId } = await app.appoint(
          req.providerId.trim(),
          req.expectedRevision,
          req.chamberCreditCode,
          { startAt: req.startTime, endAt: req.endTime },
          req.reason,
          actorOf(call),
        );
        return { provider: out(view), appointmentId };
      },
      async endAdviserAppointment(req, call) {
        return {
          provider: out(
            await app.endAppointment(req.providerId.trim(), req.expectedRevision, req.appointmentId.trim(), req.reason, actorOf(call)),
          ),
        };
      },
      async getProvider(req) {
        return { provider: out(await app.get(req.providerId.trim())) };
      },
      async listProviders(req) {
        const f = req.filter;
        const v = new Violations();
        const kind = optionalEnum(v, "filter.kind", f?.kind ?? 0, providerKindCodec);
        const specialty = optionalEnum(v, "filter.specialty", f?.specialty ?? 0, specialtyCodec);
        const status = optionalEnum(v, "filter.status", f?.status ?? 0, providerStatusCodec);
        v.throwIfAny();
        const page = await app.list(
          {
            kind,
            specialty,
            status,
            districtCode: f?.districtCode ?? "",
            text: f?.text ?? "",
            licenceNumber: f?.licenceNumber ?? "",
            creditCode: f?.creditCode ?? "",
            language: f?.language ?? "",
          },
          req.page?.pageSize ?? 0,
          req.page?.pageToken ?? "",
        );
        return { providers: page.items.map(out), page: { nextPageToken: page.nextPageToken, totalSize: page.totalSize } };
      },
    },
    { ...grpc, access },
  );
  return { name: "jinlian.legal_services.v1.ProviderService", definition: P.ProviderServiceService, implementation };
}
