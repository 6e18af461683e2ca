/** The provider as the contract shows it, and the provider events (whole state on the providers stream). */
import { emit, legalServicesEvents, toLocal, type AuditMetadata, type EventToEmit } from "@jinlian/chassis";
import type { legalServicesV1 } from "@jinlian/proto";
import { lawyerKindCodec, orgToProto, providerKindCodec, providerStatusCodec, specialtyCodec, type ProviderStatus } from "./common";
import type { Provider } from "./provider";

export function providerToProto(p: Provider, load = 0): legalServicesV1.Provider {
  return {
    providerId: p.providerId,
    kind: providerKindCodec.toProto(p.kind),
    name: p.name,
    organisation: orgToProto(p.organisation),
    licenceNumber: p.licenceNumber,
    lawyerKind: p.lawyerKind ? lawyerKindCodec.toProto(p.lawyerKind) : 0,
    firm: orgToProto(p.firm),
    employer: orgToProto(p.employer),
    commission: orgToProto(p.commission),
    rosterNumber: p.rosterNumber,
    chamber: orgToProto(p.chamber),
    districtCode: p.profile.districtCode,
    specialties: p.profile.specialties.map((s) => specialtyCodec.toProto(s)),
    languages: p.profile.languages,
    capacity: p.profile.capacity,
    load,
    rating: p.profile.rating,
    status: providerStatusCodec.toProto(p.status),
    clientsInOpenMatters: p.profile.clients.map((c) => orgToProto(c)!),
    adviserAppointments: p.appointments.map((a) => ({
      appointmentId: a.appointmentId,
      chamber: orgToProto(a.chamber),
      startTime: a.startAt,
      endTime: a.endAt,
      endedTime: a.endedAt ?? undefined,
      endReason: a.endReason,
    })),
    revision: p.revision,
    createTime: p.createdAt,
    updateTime: p.updatedAt,
  };
}

const PROVIDERS = [toLocal("providers")];

export function providerRegistered(p: Provider, audit: AuditMetadata): EventToEmit {
  return emit(
    legalServicesEvents.providerRegistered,
    p.providerId,
    { providerId: p.providerId, provider: providerToProto(p), audit },
    PROVIDERS,
  );
}

export function providerUpdated(p: Provider, audit: AuditMetadata): EventToEmit {
  return emit(
    legalServicesEvents.providerUpdated,
    p.providerId,
    { providerId: p.providerId, provider: providerToProto(p), audit },
    PROVIDERS,
  );
}

export function providerStatusChanged(p: Provider, previous: ProviderStatus, audit: AuditMetadata): EventToEmit {
  return emit(
    legalServicesEvents.providerStatusChanged,
    p.providerId,
    { providerId: p.providerId, provider: providerToProto(p), previousStatus: providerStatusCodec.toProto(previous), audit },
    PROVIDERS,
  );
}
