import { CITY_JURISDICTION, DISTRICT_CODES } from "@jinlian/kernel";
import { federationLinks, mirrors } from "./federation-links";
import { deadLetterTopic, deliveryTopic, localTopic } from "./topics";

const NS = "jinlian";
const SERVICES = ["liaison", "bulletins", "legal-services", "federation"];

describe("federationLinks", () => {
  it.each(DISTRICT_CODES)("district %s: down copies exactly the city's deliveries to it, up exactly its deliveries to the city", (d) => {
    const { down, up } = federationLinks(NS, d);
    for (const service of SERVICES) {
      expect(mirrors(down, deliveryTopic(NS, service, CITY_JURISDICTION, d))).toBe(true);
      expect(mirrors(up, deliveryTopic(NS, service, d, CITY_JURISDICTION))).toBe(true);
      for (const other of DISTRICT_CODES.filter((o) => o !== d)) {
        // Another district's traffic, in either direction or between districts, is never on this link.
        for (const topic of [
          deliveryTopic(NS, service, CITY_JURISDICTION, other),
          deliveryTopic(NS, service, other, CITY_JURISDICTION),
          deliveryTopic(NS, service, d, other),
          deliveryTopic(NS, service, other, d),
        ]) {
          expect(mirrors(down, topic)).toBe(false);
          expect(mirrors(up, topic)).toBe(false);
        }
      }
      for (const topic of [
        deadLetterTopic(NS, d, service),
        deadLetterTopic(NS, CITY_JURISDICTION, service),
        localTopic(NS, d, service, "registry"),
        localTopic(NS, CITY_JURISDICTION, service, "registry"),
        deliveryTopic("other", service, CITY_JURISDICTION, d),
        deliveryTopic(NS, service, CITY_JURISDICTION, d) + "x",
        "x" + deliveryTopic(NS, service, CITY_JURISDICTION, d),
        "heartbeats",
        "mm2-offset-syncs.jinlian-120000.internal",
        "__consumer_offsets",
      ]) {
        expect(mirrors(down, topic)).toBe(false);
        expect(mirrors(up, topic)).toBe(false);
      }
    }
  });

  it("no topic flows both ways, so nothing loops under identity replication", () => {
    for (const d of DISTRICT_CODES) {
      const { down, up } = federationLinks(NS, d);
      for (const service of SERVICES)
        for (const [from, to] of [
          [CITY_JURISDICTION, d],
          [d, CITY_JURISDICTION],
        ] as const) {
          const topic = deliveryTopic(NS, service, from, to);
          expect(Number(mirrors(down, topic)) + Number(mirrors(up, topic))).toBe(1);
        }
    }
  });

  it("escapes the namespace and names the clusters by alias", () => {
    const { down } = federationLinks("a.b", "120101");
    expect(mirrors(down, "a.b.liaison.to.120101")).toBe(false); // no sending node
    expect(mirrors(down, deliveryTopic("a.b", "liaison", CITY_JURISDICTION, "120101"))).toBe(true);
    expect(mirrors(down, deliveryTopic("aXb", "liaison", CITY_JURISDICTION, "120101"))).toBe(false);
    expect(down.sourceAlias).toBe("a.b-120000");
    expect(down.targetAlias).toBe("a.b-120101");
    expect(() => federationLinks(NS, CITY_JURISDICTION)).toThrow();
  });
});
