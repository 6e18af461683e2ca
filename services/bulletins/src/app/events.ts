import { bulletinsV1 } from "@jinlian/proto";
import { dataschemaFor, eventSource, type CloudEvent, type EventDescriptor } from "@jinlian/chassis";
export { enumCodec } from "@jinlian/chassis";
import type { Audience, OrganisationRef, Recipient } from "../domain/bulletin";

export const SERVICE = "bulletins";

/** A CloudEvent of this service from this node, for the outbox. */
export function cloudEvent(
  id: string,
  node: string,
  descriptor: EventDescriptor,
  subject: string,
  time: Date,
  data: Uint8Array,
): CloudEvent {
  return {
    id,
    source: eventSource(node, SERVICE),
    type: descriptor.type,
    subject,
    time,
    dataschema: dataschemaFor(descriptor.message),
    data,
  };
}

// Domain <-> contract shapes shared by the gRPC and Kafka sides.

export function orgToProto(o: OrganisationRef) {
  return { creditCode: o.creditCode, jurisdictionCode: o.jurisdictionCode, name: o.name };
}

export function orgFromProto(o: { creditCode: string; jurisdictionCode: string; name: string }): OrganisationRef {
  return { creditCode: o.creditCode.trim(), jurisdictionCode: o.jurisdictionCode.trim(), name: o.name.trim() };
}

export function audienceToProto(a: Audience): bulletinsV1.Audience {
  return { allDistricts: a.allDistricts, jurisdictionCodes: [...a.jurisdictionCodes], organisations: a.organisations.map(orgToProto) };
}

export function audienceFromProto(a: bulletinsV1.Audience | undefined): Audience {
  return {
    allDistricts: a?.allDistricts ?? false,
    jurisdictionCodes: (a?.jurisdictionCodes ?? []).map((c) => c.trim()),
    organisations: (a?.organisations ?? []).map(orgFromProto),
  };
}

export function recipientToProto(r: Recipient): bulletinsV1.Recipient {
  return r.kind === "node"
    ? { recipient: { $case: "jurisdictionCode", value: r.jurisdictionCode } }
    : { recipient: { $case: "organisation", value: orgToProto(r.organisation) } };
}

export function recipientFromProto(r: bulletinsV1.Recipient | undefined): Recipient | undefined {
  switch (r?.recipient?.$case) {
    case "jurisdictionCode":
      return { kind: "node", jurisdictionCode: r.recipient.value.trim() };
    case "organisation":
      return { kind: "organisation", organisation: orgFromProto(r.recipient.value) };
    default:
      return undefined;
  }
}
