import { defineEvent, defineServiceCatalogue, type PayloadCodec } from "./model";
import { CITY_JURISDICTION, DISTRICT_CODES } from "@jinlian/kernel";
import { deliveryTopic } from "../topics";
import { channelsOf, EVENT_CATALOGUE, NODE_PARTS, STREAMS, topicSpecs, typesAllowedOn } from "./index";

const codec: PayloadCodec<unknown> = { encode: () => ({ finish: () => new Uint8Array() }), decode: () => ({}), toJSON: () => ({}) };
const event = (type: string, service: string) =>
  defineEvent({ type, service, message: "jinlian.x.events.v1.X", codec, key: "x_id", summary: "test" });

describe("a service's catalogue", () => {
  const opened = event("jinlian.mediation.case.opened.v1", "mediation");
  const stream = {
    name: "deliveries",
    kind: "delivery" as const,
    summary: "s",
    events: { down: [opened], up: [] },
    partitions: 3,
    retentionMs: -1,
  };

  it("gives its streams the service it declares", () => {
    const catalogue = defineServiceCatalogue({ service: "mediation", events: { opened }, streams: [stream] });
    expect(catalogue.streams.map((s) => [s.service, s.name])).toEqual([["mediation", "deliveries"]]);
    expect(catalogue.events).toEqual([opened]);
  });

  it("refuses an event of another service", () => {
    const foreign = event("jinlian.bulletins.bulletin.opened.v1", "bulletins");
    expect(() => defineServiceCatalogue({ service: "mediation", events: { opened, foreign }, streams: [] })).toThrow(
      "event jinlian.bulletins.bulletin.opened.v1 (service bulletins) is declared in the catalogue of mediation",
    );
    const mislabelled = event("jinlian.mediation.case.closed.v1", "bulletins");
    expect(() => defineServiceCatalogue({ service: "mediation", events: { mislabelled }, streams: [] })).toThrow(
      /is declared in the catalogue of mediation/,
    );
  });

  it("refuses a stream carrying an event the service does not declare", () => {
    const closed = event("jinlian.mediation.case.closed.v1", "mediation");
    const carrying = { ...stream, events: { down: [opened], up: [closed] } };
    expect(() => defineServiceCatalogue({ service: "mediation", events: { opened }, streams: [carrying] })).toThrow(
      "mediation stream deliveries carries jinlian.mediation.case.closed.v1, which mediation does not declare",
    );
  });
});

describe("the joined catalogue", () => {
  it("holds every service's streams, each once, in service order", () => {
    expect(STREAMS.map((s) => `${s.service}/${s.name}`)).toEqual([
      "bulletins/deliveries",
      "bulletins/alerts",
      "bulletins/dead-letters",
      "liaison/registry",
      "liaison/research-links",
      "liaison/alerts",
      "liaison/deliveries",
      "liaison/dead-letters",
      "legislation/deliveries",
      "legislation/register",
      "legislation/feedback",
      "legislation/dead-letters",
      "legal-services/providers",
      "legal-services/requests",
      "legal-services/referrals",
      "legal-services/trainings",
      "legal-services/alerts",
      "legal-services/deliveries",
      "legal-services/dead-letters",
      "mediation/cases",
      "mediation/alerts",
      "mediation/deliveries",
      "mediation/dead-letters",
      "federation/heartbeats",
    ]);
  });

  it("knows every event a stream carries, under its own type", () => {
    for (const s of STREAMS)
      for (const e of [...s.events.down, ...s.events.up, ...(s.events.local ?? [])]) expect(EVENT_CATALOGUE.get(e.type)).toBe(e);
  });
});

describe("the node's federation part", () => {
  const HEARTBEAT = "jinlian.federation.heartbeat.sent.v1";
  const heartbeats = () => STREAMS.find((s) => s.service === "federation" && s.name === "heartbeats")!;

  it("is the node's, not a service's", () => {
    expect(NODE_PARTS).toEqual(["federation"]);
  });

  it("declares heartbeats both ways on one partition, kept one day", () => {
    const s = heartbeats();
    expect(s.kind).toBe("delivery");
    expect(s.events.down.map((e) => e.type)).toEqual([HEARTBEAT]);
    expect(s.events.up.map((e) => e.type)).toEqual([HEARTBEAT]);
    expect(s.partitions).toBe(1);
    expect(s.retentionMs).toBe(24 * 3600 * 1000);
    expect(s.cleanupPolicy ?? "delete").toBe("delete");
  });

  it("gives the city a link to every district, and a district one to the city, under the node's heartbeat group", () => {
    const city = channelsOf("ns", CITY_JURISDICTION, "federation");
    expect(city.filter((c) => c.role === "publish").map((c) => c.to)).toEqual(DISTRICT_CODES);
    expect(city.filter((c) => c.role === "subscribe").map((c) => c.from)).toEqual(DISTRICT_CODES);
    expect(new Set(city.filter((c) => c.role === "subscribe").map((c) => c.consumerGroup))).toEqual(
      new Set(["ns.120000.federation.heartbeats"]),
    );
    const district = channelsOf("ns", "120101", "federation");
    expect(district.map((c) => [c.role, c.topic, c.direction])).toEqual([
      ["publish", deliveryTopic("ns", "federation", "120101", CITY_JURISDICTION), "mirrored-up"],
      ["subscribe", deliveryTopic("ns", "federation", CITY_JURISDICTION, "120101"), "mirrored-down"],
    ]);
    expect(district.find((c) => c.role === "subscribe")?.consumerGroup).toBe("ns.120101.federation.heartbeats");
    expect(topicSpecs(district).map((t) => t.configs)).toEqual([
      { "retention.ms": "86400000", "cleanup.policy": "delete" },
      { "retention.ms": "86400000", "cleanup.policy": "delete" },
    ]);
  });

  it("allows heartbeats, and only them, on its topics", () => {
    expect(typesAllowedOn(deliveryTopic("ns", "federation", CITY_JURISDICTION, "120101"))).toEqual([HEARTBEAT]);
    expect(typesAllowedOn(deliveryTopic("ns", "federation", "120101", CITY_JURISDICTION))).toEqual([HEARTBEAT]);
    expect(typesAllowedOn(deliveryTopic("ns", "liaison", "120101", CITY_JURISDICTION))).not.toContain(HEARTBEAT);
  });
});
