/** Kafka messages as the city's bulletins relay writes them, for tests that feed a consumer directly. */
import { randomUUID } from "node:crypto";
import { toKafkaHeaders, type EventDescriptor } from "@jinlian/chassis";

/**
 * One event of `descriptor` about bulletin `key` from the city (CloudEvents binary mode, key =
 * subject = the bulletin), its payload the given fields over an issuing jurisdiction of 120000.
 */
export function bulletinMessage(descriptor: EventDescriptor<unknown>, key: string, fields: Record<string, unknown>, id = randomUUID()) {
  const codec = descriptor.codec as { encode(m: unknown): { finish(): Uint8Array }; fromPartial?: (m: object) => unknown };
  const payload = { bulletinId: key, issuingJurisdictionCode: "120000", ...fields };
  const data = codec.encode((codec.fromPartial ?? ((m: object) => m))(payload)).finish();
  return {
    key,
    value: Buffer.from(data),
    headers: toKafkaHeaders({
      id,
      source: "/jinlian/120000/bulletins",
      type: descriptor.type,
      time: new Date(),
      subject: key,
      dataschema: `urn:jinlian:protobuf:${descriptor.message}`,
      data,
    }),
  };
}
