import { jurisdictionName } from "@jinlian/kernel";
import { actorOf, implement, MECHANISM, own, ownOrCity, Violations, type AccessRules, type RegisteredService } from "@jinlian/chassis";
import { liaisonV1 } from "@jinlian/proto";
import type { HandlerOptions as GrpcOptions } from "@jinlian/chassis";
import { optionalEnum } from "../../app/codecs";
import type { MechanismApp } from "../../app/mechanism-app";
import type { PartyRequest, RollUp, RollUpRow } from "../../domain/mechanism";
import { mechanismStatusCodec, mechanismToProto, partyToProto } from "../../domain/mechanism-events";

const P = liaisonV1;

function partyFrom(p: liaisonV1.MechanismParty | undefined): PartyRequest | undefined {
  // The snapshot fields of a request are ignored: the service takes them from its registry.
  return p ? { organisationId: p.organisationId.trim(), departmentId: p.departmentId.trim() } : undefined;
}

function rollUpRowToProto(r: RollUpRow): liaisonV1.JurisdictionMechanismStatus {
  const e = r.entry;
  return {
    jurisdictionCode: r.jurisdictionCode,
    jurisdictionName: jurisdictionName(r.jurisdictionCode),
    status: mechanismStatusCodec.toProto(r.status),
    statusSinceTime: e?.statusSince,
    firstEstablishedTime: e?.firstEstablishedAt ?? undefined,
    mechanismId: e?.mechanismId ?? "",
    justiceBureau: e ? partyToProto(e.justiceBureau) : undefined,
    federation: e ? partyToProto(e.federation) : undefined,
    reportTime: e?.reportedAt,
  };
}

function rollUpToProto(r: RollUp): liaisonV1.GetMechanismRollUpResponse {
  return {
    jurisdictions: r.rows.map(rollUpRowToProto),
    districtsEstablished: r.districtsEstablished,
    districtsWithout: r.districtsWithout,
  };
}

// The mechanism is the two sides' own record: only they change it, at their node. Its state
// carries no personal data, and the city sees which districts have one (art. 2), so reads admit it.
const access = {
  proposeMechanism: own(...MECHANISM),
  establishMechanism: own(...MECHANISM),
  suspendMechanism: own(...MECHANISM),
  getMechanism: ownOrCity(...MECHANISM),
  listMechanisms: ownOrCity(...MECHANISM),
  getMechanismRollUp: ownOrCity(...MECHANISM),
} satisfies AccessRules<typeof liaisonV1.MechanismServiceService>;

/** jinlian.liaison.v1.MechanismService over the mechanism use cases. */
export function mechanismGrpcService(app: MechanismApp, grpc: GrpcOptions): RegisteredService {
  const implementation = implement(
    P.MechanismServiceService,
    {
      async proposeMechanism(req, call) {
        const m = await app.propose(
          { justiceBureau: partyFrom(req.justiceBureau), federation: partyFrom(req.federation), reason: req.reason },
          actorOf(call),
        );
        return { mechanism: mechanismToProto(m) };
      },
      async establishMechanism(req, call) {
        return {
          mechanism: mechanismToProto(await app.establish(req.mechanismId.trim(), req.expectedRevision, req.reason, actorOf(call))),
        };
      },
      async suspendMechanism(req, call) {
        return { mechanism: mechanismToProto(await app.suspend(req.mechanismId.trim(), req.expectedRevision, req.reason, actorOf(call))) };
      },
      async getMechanism(req) {
        return { mechanism: mechanismToProto(await app.get(req.mechanismId.trim())) };
      },
      async listMechanisms(req) {
        const v = new Violations();
        const status = optionalEnum(v, "status", req.status, mechanismStatusCodec);
        // NONE describes a jurisdiction without a mechanism; no mechanism is ever in it.
        if (status === "NONE") v.add("status", "MECHANISM_STATUS_NONE applies to the roll-up only");
        v.throwIfAny();
        const result = await app.list(status === "NONE" ? undefined : status, req.page?.pageSize ?? 0, req.page?.pageToken ?? "");
        return {
          mechanisms: result.items.map(mechanismToProto),
          page: { nextPageToken: result.nextPageToken, totalSize: result.totalSize },
        };
      },
      async getMechanismRollUp(req) {
        const v = new Violations();
        const status = optionalEnum(v, "status", req.status, mechanismStatusCodec);
        v.throwIfAny();
        return rollUpToProto(await app.rollUp(status));
      },
    },
    { ...grpc, access },
  );
  return { name: "jinlian.liaison.v1.MechanismService", definition: P.MechanismServiceService, implementation };
}
