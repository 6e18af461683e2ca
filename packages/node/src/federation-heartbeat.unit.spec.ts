import { CITY_JURISDICTION, ConfigError, DISTRICT_CODES, deliveryTopic, federationLinks, mirrors, toKafkaHeaders } from "@jinlian/chassis";
import { federationEventsV1 } from "@jinlian/proto";
import { loadNodeConfig } from "./config";
import {
  federationTopics,
  heartbeatMessage,
  LinkBook,
  readHeartbeat,
  SILENT_AFTER_INTERVALS,
  type AcceptedHeartbeat,
} from "./federation-heartbeat";

const NS = "ns";
const CITY = { jurisdictionCode: CITY_JURISDICTION, topicNamespace: NS };
const HEPING = { jurisdictionCode: "120101", topicNamespace: NS };
const T0 = Date.parse("2026-03-02T08:00:00Z");
const beat = { sentAt: new Date(T0), instanceId: "i-1", sequence: 7, intervalMs: 2500, id: "e-1" };

/** A message as the consumer hands it over (headers as Buffers, as kafkajs gives them). */
function incoming(m: { key: string; value: Buffer; headers: Record<string, string> }) {
  return {
    key: Buffer.from(m.key),
    value: m.value,
    headers: Object.fromEntries(Object.entries(m.headers).map(([k, v]) => [k, Buffer.from(v)])),
  };
}

/** A heartbeat with the given payload and source, written on `topic` (what a forger could send). */
function crafted(payload: Partial<federationEventsV1.HeartbeatSent>, source: string) {
  const data = federationEventsV1.HeartbeatSent.encode({
    fromJurisdictionCode: "120101",
    toJurisdictionCode: CITY_JURISDICTION,
    sendTime: new Date(T0),
    instanceId: "x",
    sequence: "1",
    ...payload,
  }).finish();
  const headers = toKafkaHeaders({
    id: "e-2",
    source,
    type: "jinlian.federation.heartbeat.sent.v1",
    time: new Date(T0),
    subject: "120101",
    dataschema: "urn:jinlian:protobuf:jinlian.federation.events.v1.HeartbeatSent",
    data,
  });
  return incoming({ key: "120101", value: Buffer.from(data), headers });
}

describe("a heartbeat on the wire", () => {
  const up = deliveryTopic(NS, "federation", "120101", CITY_JURISDICTION);

  it("is a CloudEvent from the sender's federation part, keyed by the sender, read back as sent", () => {
    const m = heartbeatMessage(HEPING, CITY_JURISDICTION, beat);
    expect(m.key).toBe("120101");
    expect(m.headers).toMatchObject({
      ce_type: "jinlian.federation.heartbeat.sent.v1",
      ce_source: "/jinlian/120101/federation",
      ce_subject: "120101",
      "content-type": "application/protobuf",
    });
    expect(readHeartbeat(up, incoming(m), CITY)).toEqual({
      accepted: { peer: "120101", sentAt: new Date(T0), instanceId: "i-1", sequence: 7, intervalMs: 2500 },
    });
  });

  it("is ignored when the payload names another sender than the topic (forged)", () => {
    const forgedTopic = deliveryTopic(NS, "federation", "120102", CITY_JURISDICTION);
    const verdict = readHeartbeat(forgedTopic, crafted({ fromJurisdictionCode: "120101" }, "/jinlian/120102/federation"), CITY);
    expect(verdict).toMatchObject({ rejected: "claims_other_node" });
    expect("rejected" in verdict && verdict.detail).toContain("written by node 120102");
  });

  it("is ignored when its source is not the topic's sender, or not the federation part", () => {
    expect(readHeartbeat(up, crafted({}, "/jinlian/120102/federation"), CITY)).toMatchObject({ rejected: "source_not_sender" });
    expect(readHeartbeat(up, crafted({}, "/jinlian/120101/liaison"), CITY)).toMatchObject({ rejected: "source_wrong_service" });
    expect(readHeartbeat(up, crafted({}, "somewhere"), CITY)).toMatchObject({ rejected: "source_unparsable" });
  });

  it("is ignored when it is not addressed to this node", () => {
    const message = crafted({}, "/jinlian/120101/federation");
    expect(readHeartbeat(up, message, HEPING)).toMatchObject({ rejected: "not_addressed_here" });
    expect(readHeartbeat(up, message, { ...CITY, topicNamespace: "other" })).toMatchObject({ rejected: "not_addressed_here" });
    expect(readHeartbeat(deliveryTopic(NS, "liaison", "120101", CITY_JURISDICTION), message, CITY)).toMatchObject({
      rejected: "not_addressed_here",
    });
    // Districts do not hear each other: only the city is a district's peer.
    const sideways = deliveryTopic(NS, "federation", "120102", "120101");
    expect(
      readHeartbeat(
        sideways,
        crafted({ fromJurisdictionCode: "120102", toJurisdictionCode: "120101" }, "/jinlian/120102/federation"),
        HEPING,
      ),
    ).toMatchObject({
      rejected: "not_addressed_here",
    });
    expect(readHeartbeat(up, crafted({ toJurisdictionCode: "120102" }, "/jinlian/120101/federation"), CITY)).toMatchObject({
      rejected: "not_addressed_here",
    });
  });

  it("is ignored when it is not a heartbeat or cannot be read", () => {
    const good = crafted({}, "/jinlian/120101/federation");
    const otherType = { ...good, headers: { ...good.headers, ce_type: Buffer.from("jinlian.federation.link.opened.v1") } };
    expect(readHeartbeat(up, otherType, CITY)).toMatchObject({ rejected: "wrong_type" });
    expect(readHeartbeat(up, { key: null, value: Buffer.from("x"), headers: {} }, CITY)).toMatchObject({ rejected: "malformed" });
    expect(readHeartbeat(up, { ...good, value: Buffer.from([0xff, 0xff, 0xff]) }, CITY)).toMatchObject({ rejected: "malformed" });
    expect(readHeartbeat(up, crafted({ sendTime: undefined }, "/jinlian/120101/federation"), CITY)).toMatchObject({
      rejected: "malformed",
    });
  });
});

describe("the federation topics of a node", () => {
  it("are one per peer each way, one partition, kept a day", () => {
    const city = federationTopics(CITY);
    expect(city).toHaveLength(2 * DISTRICT_CODES.length);
    expect(new Set(city.map((t) => t.partitions))).toEqual(new Set([1]));
    expect(federationTopics(HEPING).map((t) => t.topic)).toEqual(["ns.120101.federation.to.120000", "ns.120000.federation.to.120101"]);
    expect(federationTopics(HEPING)[0]!.configs).toEqual({ "retention.ms": "86400000", "cleanup.policy": "delete" });
  });

  it("are carried by MirrorMaker's links, each one way", () => {
    const links = federationLinks(NS, "120101");
    expect(mirrors(links.up, "ns.120101.federation.to.120000")).toBe(true);
    expect(mirrors(links.down, "ns.120101.federation.to.120000")).toBe(false);
    expect(mirrors(links.down, "ns.120000.federation.to.120101")).toBe(true);
    expect(mirrors(links.up, "ns.120000.federation.to.120101")).toBe(false);
  });
});

describe("the links' book", () => {
  const INTERVAL = 1000;
  const SILENT = SILENT_AFTER_INTERVALS * INTERVAL;
  const heard = (peer: string, at: number, more: Partial<AcceptedHeartbeat> = {}): AcceptedHeartbeat => ({
    peer,
    sentAt: new Date(at),
    instanceId: "i",
    sequence: 1,
    ...more,
  });

  it("judges only the links this process reads, from when it began to read them", () => {
    const book = new LinkBook(["120101", "120102"], INTERVAL);
    expect(book.check(T0 + 10 * SILENT)).toEqual([]);
    book.watch(["120101"], T0);
    expect(book.check(T0 + SILENT - 1)).toEqual([]);
    expect(book.check(T0 + SILENT)).toEqual([{ peer: "120101", change: "silent", quietMs: SILENT, lastHeard: undefined }]);
    expect(book.status().get("120102")).toMatchObject({ watched: false, silent: false });
  });

  it("says a link is silent once, three intervals after the last heartbeat received, and when it is heard again", () => {
    const book = new LinkBook(["120101"], INTERVAL);
    book.watch(["120101"], T0);
    expect(book.heard(heard("120101", T0 + 400), T0 + 500)).toBeUndefined();
    expect(book.check(T0 + 500 + SILENT - 1)).toEqual([]);
    const [silent] = book.check(T0 + 500 + SILENT);
    expect(silent).toMatchObject({ peer: "120101", change: "silent", quietMs: SILENT });
    expect(book.check(T0 + 500 + 5 * SILENT)).toEqual([]);
    expect(book.status().get("120101")?.silent).toBe(true);
    expect(book.heard(heard("120101", T0 + 20_000), T0 + 20_500)).toEqual({ peer: "120101", change: "heard-again", quietMs: 20_000 });
    expect(book.status().get("120101")?.silent).toBe(false);
  });

  it("waits three of the peer's own intervals once the peer has said it", () => {
    const book = new LinkBook(["120101"], INTERVAL);
    book.watch(["120101"], T0);
    book.heard(heard("120101", T0, { intervalMs: 10_000 }), T0);
    expect(book.check(T0 + 29_999)).toEqual([]);
    expect(book.check(T0 + 30_000)).toHaveLength(1);
  });

  it("counts by its own receive times, not the peer's clock", () => {
    const book = new LinkBook(["120101"], INTERVAL);
    book.watch(["120101"], T0);
    // The peer's clock is an hour behind: its heartbeats still keep the link alive.
    book.heard(heard("120101", T0 - 3_600_000), T0 + 100);
    expect(book.check(T0 + 100 + SILENT - 1)).toEqual([]);
  });

  it("keeps the newest heartbeat when an older one arrives later, but counts the arrival", () => {
    const book = new LinkBook(["120101"], INTERVAL);
    book.watch(["120101"], T0);
    book.heard(heard("120101", T0 + 2000, { instanceId: "b", sequence: 9 }), T0 + 2000);
    book.heard(heard("120101", T0 + 1000, { instanceId: "a", sequence: 3 }), T0 + 2500);
    expect(book.status().get("120101")?.lastHeard).toEqual({
      receivedAt: new Date(T0 + 2500),
      sentAt: new Date(T0 + 2000),
      instanceId: "b",
      sequence: 9,
      intervalMs: undefined,
    });
  });

  it("stops judging a link another process took over, and starts afresh when it comes back", () => {
    const book = new LinkBook(["120101"], INTERVAL);
    book.watch(["120101"], T0);
    expect(book.check(T0 + SILENT)).toHaveLength(1);
    book.watch([], T0 + SILENT);
    expect(book.status().get("120101")).toMatchObject({ watched: false, silent: false });
    expect(book.check(T0 + 10 * SILENT)).toEqual([]);
    book.watch(["120101"], T0 + 10 * SILENT);
    expect(book.check(T0 + 11 * SILENT - 1)).toEqual([]);
    expect(book.check(T0 + 11 * SILENT)).toHaveLength(1);
  });

  it("records what was sent, and refuses a node that is no peer", () => {
    const book = new LinkBook(["120101"], INTERVAL);
    book.sent("120101", new Date(T0), 4);
    expect(book.status().get("120101")?.lastSent).toEqual({ sentAt: new Date(T0), sequence: 4 });
    expect(() => book.sent("120102", new Date(T0), 1)).toThrow("120102 is not a peer of this node");
  });
});

describe("the heartbeat interval (JINLIAN_FEDERATION_HEARTBEAT_MS)", () => {
  const BASE = { JINLIAN_JURISDICTION: "120101", DATABASE_URL: "postgres://u@h/db", KAFKA_BROKERS: "k:9093" };

  it("is ten seconds unless set", () => {
    expect(loadNodeConfig(BASE).JINLIAN_FEDERATION_HEARTBEAT_MS).toBe(10_000);
    expect(loadNodeConfig({ ...BASE, JINLIAN_FEDERATION_HEARTBEAT_MS: "500" }).JINLIAN_FEDERATION_HEARTBEAT_MS).toBe(500);
  });

  it.each(["0", "50", "1.5", "soon"])("refuses %s at start", (value) => {
    expect(() => loadNodeConfig({ ...BASE, JINLIAN_FEDERATION_HEARTBEAT_MS: value })).toThrow(ConfigError);
    expect(() => loadNodeConfig({ ...BASE, JINLIAN_FEDERATION_HEARTBEAT_MS: value })).toThrow(/JINLIAN_FEDERATION_HEARTBEAT_MS/);
  });
});
