import { DISTRICT_CODES } from "@jinlian/kernel";
import { federationLinks } from "@jinlian/subscriber";
import { mirrorMakerProperties } from "./mirror-maker";

/** A .properties reader for what the generator writes: `key = value`, `\\` for a backslash. */
function parse(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split("\n")) {
    if (line.trim() === "" || line.startsWith("#")) continue;
    const i = line.indexOf("=");
    out.set(
      line.slice(0, i).trim(),
      line
        .slice(i + 1)
        .trim()
        .replace(/\\\\/g, "\\"),
    );
  }
  return out;
}

const city = { code: "120000", bootstrapServers: "city:9092" };

describe("mirrorMakerProperties", () => {
  it("enables exactly the down and up flow of every district, with the manifests' patterns", () => {
    const districts = DISTRICT_CODES.map((code, i) => ({ code, bootstrapServers: `d${i}:9092` }));
    const props = parse(mirrorMakerProperties({ namespace: "jinlian", city, districts, internalRestPort: 29300 }));
    expect(props.get("clusters")!.split(", ")).toHaveLength(17);
    const enabled = [...props].filter(([k, v]) => k.endsWith(".enabled") && k.includes("->") && v === "true").map(([k]) => k);
    expect(enabled).toHaveLength(2 * DISTRICT_CODES.length);
    for (const d of DISTRICT_CODES) {
      const { down, up } = federationLinks("jinlian", d);
      for (const link of [down, up]) {
        const flow = `${link.sourceAlias}->${link.targetAlias}`;
        expect(props.get(`${flow}.enabled`)).toBe("true");
        // Read back through .properties escaping, the regexes are the links' own.
        expect(props.get(`${flow}.topics`)).toBe(link.topicsPattern);
        expect(props.get(`${flow}.topics.exclude`)).toBe(link.topicsExcludePattern);
      }
      expect(props.get(`jinlian-${d}.bootstrap.servers`)).toMatch(/^d\d+:9092$/);
    }
    // Districts never mirror to each other.
    expect(enabled.every((k) => k.startsWith("jinlian-120000->") || k.includes("->jinlian-120000."))).toBe(true);
    expect(props.get("replication.policy.class")).toBe("org.apache.kafka.connect.mirror.IdentityReplicationPolicy");
    expect(props.get("refresh.topics.interval.seconds")).toBe("60");
    expect(props.get("jinlian-120000.exactly.once.source.support")).toBe("enabled");
  });

  it("refuses the city as a district and a cluster named twice", () => {
    expect(() => mirrorMakerProperties({ namespace: "jinlian", city, districts: [city], internalRestPort: 1 })).toThrow(/city/);
    const d = { code: "120101", bootstrapServers: "d:9092" };
    expect(() => mirrorMakerProperties({ namespace: "jinlian", city, districts: [d, d], internalRestPort: 1 })).toThrow(/once/);
  });
});
