import { CloudEvent as SdkCloudEvent, Kafka } from "cloudevents";
import { eventSource, fromKafkaMessage, MalformedEventError, parseEventSource, toKafkaHeaders, type CloudEvent } from "./cloudevents";
import { JURISDICTION_CODES } from "@jinlian/kernel";

const event: CloudEvent = {
  id: "6c1c2f1e-8a4a-4f43-9d5e-2b1d2d3c4e5f",
  source: "/jinlian/120000/bulletins",
  type: "jinlian.bulletins.bulletin.published.v1",
  time: new Date("2026-11-27T08:00:00.000Z"),
  subject: "b5a1c0de-0000-4000-8000-000000000001",
  dataschema: "urn:jinlian:protobuf:jinlian.bulletins.events.v1.BulletinPublished",
  data: Uint8Array.from([10, 3, 97, 98, 99]),
};

describe("CloudEvents Kafka binary mode", () => {
  it("round-trips through our codec", () => {
    const msg = { key: Buffer.from(event.subject), value: Buffer.from(event.data), headers: toKafkaHeaders(event) };
    const back = fromKafkaMessage(msg);
    expect(back).toEqual({ ...event, data: Buffer.from(event.data) });
  });

  it("is read by the CloudEvents SDK as the same event (conformance)", () => {
    const headers = toKafkaHeaders(event);
    const sdkEvent = Kafka.toEvent({
      key: event.subject,
      value: Buffer.from(event.data),
      headers,
      body: Buffer.from(event.data),
    } as never) as SdkCloudEvent<unknown>;
    expect(sdkEvent.specversion).toBe("1.0");
    expect(sdkEvent.id).toBe(event.id);
    expect(sdkEvent.source).toBe(event.source);
    expect(sdkEvent.type).toBe(event.type);
    expect(sdkEvent.subject).toBe(event.subject);
    expect(sdkEvent.dataschema).toBe(event.dataschema);
    expect(sdkEvent.datacontenttype).toBe("application/protobuf");
    expect(new Date(sdkEvent.time!).toISOString()).toBe(event.time.toISOString());
  });

  it("reads what the CloudEvents SDK writes", () => {
    const sdk = new SdkCloudEvent({
      id: event.id,
      source: event.source,
      type: event.type,
      subject: event.subject,
      time: event.time.toISOString(),
      dataschema: event.dataschema,
      datacontenttype: "application/protobuf",
      data: Buffer.from(event.data),
    });
    const m = Kafka.binary(sdk);
    const back = fromKafkaMessage({
      key: Buffer.from(event.subject),
      value: Buffer.from(event.data),
      headers: m.headers as Record<string, string>,
    });
    expect(back.id).toBe(event.id);
    expect(back.type).toBe(event.type);
    expect(back.time.toISOString()).toBe(event.time.toISOString());
  });

  it.each([
    ["no specversion", { ce_id: "x" }],
    ["no id", { ce_specversion: "1.0", ce_source: "/s", ce_type: "t", "content-type": "application/protobuf" }],
    ["wrong content type", { ce_specversion: "1.0", ce_id: "1", ce_source: "/s", ce_type: "t", "content-type": "application/json" }],
    [
      "bad time",
      { ce_specversion: "1.0", ce_id: "1", ce_source: "/s", ce_type: "t", "content-type": "application/protobuf", ce_time: "yesterday" },
    ],
  ])("refuses a message with %s", (_what, headers) => {
    expect(() => fromKafkaMessage({ key: null, value: Buffer.from([1]), headers })).toThrow(MalformedEventError);
  });
});

describe("event sources", () => {
  // Every node and every service there is (fast-check is not in the workspace, and the real
  // domain is small enough to cover whole).
  const nodes = JURISDICTION_CODES;
  const services = ["bulletins", "liaison", "legislation", "legal-services", "mediation"];

  it("parses every source eventSource writes back into its node and service", () => {
    for (const node of nodes)
      for (const service of services) expect(parseEventSource(eventSource(node, service))).toEqual({ node, service });
  });

  it.each([
    ["/jinlian/120101/liaison", { node: "120101", service: "liaison" }],
    ["/jinlian/120000/legal-services", { node: "120000", service: "legal-services" }],
  ])("reads %s as what eventSource would write again", (source, parsed) => {
    expect(parseEventSource(source)).toEqual(parsed);
    expect(eventSource(parsed.node, parsed.service)).toBe(source);
  });

  it.each([
    "",
    "/jinlian/120101",
    "/jinlian/120101/",
    "/jinlian/120101/liaison/",
    "/jinlian/120101/liaison/extra",
    "jinlian/120101/liaison",
    "//jinlian/120101/liaison",
    "/other/120101/liaison",
    "/jinlian/12010/liaison",
    "/jinlian/1201011/liaison",
    "/jinlian/abcdef/liaison",
    "/jinlian/120101/Liaison",
    "/jinlian/120101/-liaison",
    "/jinlian//liaison",
    "https://example.org/jinlian/120101/liaison",
    " /jinlian/120101/liaison",
    "/jinlian/120101/liaison\n",
  ])("refuses %j, which eventSource never writes", (source) => {
    expect(parseEventSource(source)).toBeUndefined();
  });
});
