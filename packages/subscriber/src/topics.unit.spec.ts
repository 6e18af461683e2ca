import { JURISDICTION_CODES, peersOf } from "@jinlian/kernel";
import { deadLetterTopic, deliveryTopic, localTopic, parseDeliveryTopic } from "./topics";

describe("delivery topics", () => {
  const namespaces = ["jinlian", "jinlian-test", "it.ns-1", "a"];
  const services = ["bulletins", "liaison", "legal-services"];

  it("parses every delivery topic deliveryTopic writes back into its parts, with or without the namespace", () => {
    for (const namespace of namespaces)
      for (const service of services)
        for (const from of JURISDICTION_CODES)
          for (const to of peersOf(from)) {
            const topic = deliveryTopic(namespace, service, from, to);
            expect(parseDeliveryTopic(topic)).toEqual({ from, service, to });
            expect(parseDeliveryTopic(topic, namespace)).toEqual({ from, service, to });
          }
  });

  it("reads the parts of a topic as deliveryTopic would write them again", () => {
    const topic = "jinlian.120101.liaison.to.120000";
    const parts = parseDeliveryTopic(topic, "jinlian")!;
    expect(parts).toEqual({ from: "120101", service: "liaison", to: "120000" });
    expect(deliveryTopic("jinlian", parts.service, parts.from, parts.to)).toBe(topic);
  });

  it.each([
    ["a local stream", localTopic("jinlian", "120000", "liaison", "registry")],
    ["a dead-letter topic", deadLetterTopic("jinlian", "120000", "liaison")],
    ["no namespace", "120000.liaison.to.120101"],
    ["an empty namespace", ".120000.liaison.to.120101"],
    ["a node that is not six digits", "jinlian.12000.liaison.to.120101"],
    ["a receiving node that is not six digits", "jinlian.120000.liaison.to.x"],
    ["no service", "jinlian.120000..to.120101"],
    ["an upper-case service", "jinlian.120000.Liaison.to.120101"],
    ["something after the receiving node", "jinlian.120000.liaison.to.120101.x"],
    ["another word than to", "jinlian.120000.liaison.from.120101"],
  ])("is not read from %s", (_, topic) => {
    expect(parseDeliveryTopic(topic)).toBeUndefined();
  });

  it("is not read under another namespace than the one given", () => {
    const topic = deliveryTopic("jinlian", "liaison", "120101", "120000");
    expect(parseDeliveryTopic(topic, "other")).toBeUndefined();
    expect(parseDeliveryTopic(topic, "jin")).toBeUndefined();
    expect(parseDeliveryTopic(`x.${topic}`, "jinlian")).toBeUndefined();
    expect(parseDeliveryTopic(`x.${topic}`, "x.jinlian")).toEqual({ from: "120101", service: "liaison", to: "120000" });
  });
});
