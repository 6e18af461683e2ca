import { bulletinsEventsV1, bulletinsV1 } from "@jinlian/proto";
import { dataschemaFor, eventSource, MalformedEventError, type CloudEvent } from "@jinlian/chassis";
import type { Audience, OrganisationRef, Recipient } from "../domain/bulletin";

export const SERVICE = "bulletins";

/** CloudEvents types of this service, with their protobuf payloads (see docs/events.md). */
export const EVENT_TYPES = Object.freeze({
  published: "jinlian.bulletins.bulletin.published.v1",
  corrected: "jinlian.bulletins.bulletin.corrected.v1",
  recalled: "jinlian.bulletins.bulletin.recalled.v1",
  acknowledged: "jinlian.bulletins.bulletin.acknowledged.v1",
});

export const EVENT_PAYLOADS: Readonly<Record<string, string>> = Object.freeze({
  [EVENT_TYPES.published]: "jinlian.bulletins.events.v1.BulletinPublished",
  [EVENT_TYPES.corrected]: "jinlian.bulletins.events.v1.BulletinCorrected",
  [EVENT_TYPES.recalled]: "jinlian.bulletins.events.v1.BulletinRecalled",
  [EVENT_TYPES.acknowledged]: "jinlian.bulletins.events.v1.BulletinAcknowledged",
});

export function cloudEvent(id: string, node: string, type: string, subject: string, time: Date, data: Uint8Array): CloudEvent {
  return { id, source: eventSource(node, SERVICE), type, subject, time, dataschema: dataschemaFor(EVENT_PAYLOADS[type]!), data };
}

/** Decodes a payload, turning a wire-format failure into a MalformedEventError (dead-letter). */
export function decodePayload<T>(codec: { decode(input: Uint8Array): T }, event: CloudEvent): T {
  try {
    return codec.decode(event.data);
  } catch (err) {
    throw new MalformedEventError(
      `${event.type} ${event.id}: data is not a valid ${EVENT_PAYLOADS[event.type]}: ${(err as Error).message}`,
    );
  }
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

export { bulletinsEventsV1 };

/** Maps a ts-proto numeric enum to domain names by stripping the enum's prefix. */
export function enumCodec<D extends string>(protoEnum: Record<string, string | number>, prefix: string, values: readonly D[]) {
  return {
    toProto(value: D): number {
      return protoEnum[`${prefix}${value}`] as number;
    },
    /** undefined for UNSPECIFIED or a number the contract does not define. */
    fromProto(value: number): D | undefined {
      const name = protoEnum[value];
      if (typeof name !== "string" || !name.startsWith(prefix)) return undefined;
      const d = name.slice(prefix.length) as D;
      return values.includes(d) ? d : undefined;
    },
  };
}
