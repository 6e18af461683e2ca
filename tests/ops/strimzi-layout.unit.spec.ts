/**
 * `jinlian-ops federation status --mirror-maker strimzi` finds a flow's Connect group, internal
 * topics and source connector by names the Kubernetes manifests set (k8s/components/mirror-maker,
 * filled in per district by Flux). Those names live in YAML, so this compares them with
 * flowNames() for the rendered districts: renaming either side without the other fails here.
 */
import { federationLinks } from "@jinlian/subscriber";
import { flowNames } from "../../packages/ops/src/federation-status-records";
import { byName, fleetMembers, ofKind, renderOverlay } from "../k8s/render";

interface Mm2 {
  metadata: { name: string };
  spec: {
    target: { alias: string; groupId: string; configStorageTopic: string; offsetStorageTopic: string; statusStorageTopic: string };
    mirrors: { source: { alias: string } }[];
  };
}

const NAMESPACE = "jinlian";
// Two districts are enough to catch a name that does not follow the district; tests/k8s renders all.
const members = fleetMembers()
  .filter((m) => /^jinlian-\d{6}$/.test(m.name) && m.name !== "jinlian-120000")
  .slice(0, 2);

describe("the Strimzi layout of federation status", () => {
  it("has districts to compare", () => {
    expect(members.length).toBe(2);
  });

  it.each(members.map((m) => [m.name, m] as const))("matches the KafkaMirrorMaker2 resources of %s", (_name, member) => {
    const district = member.name.slice("jinlian-".length);
    const objects = ofKind<Mm2>(renderOverlay(member.name), "KafkaMirrorMaker2");
    const links = federationLinks(NAMESPACE, district);
    for (const [resource, link] of [
      ["federation-down", links.down],
      ["federation-up", links.up],
    ] as const) {
      const mm2 = byName(objects, resource);
      expect(mm2).toBeDefined();
      const names = flowNames("strimzi", link, NAMESPACE);
      const { target, mirrors } = mm2!.spec;
      expect({
        group: target.groupId,
        status: target.statusStorageTopic,
        configs: target.configStorageTopic,
        offsets: target.offsetStorageTopic,
        // Strimzi names the connector <source alias>-><target alias>.MirrorSourceConnector.
        sourceConnector: `${mirrors[0]!.source.alias}->${target.alias}.MirrorSourceConnector`,
      }).toEqual({
        group: names.group,
        status: names.status,
        configs: names.configs,
        offsets: names.offsets,
        sourceConnector: names.sourceConnector,
      });
      expect(mirrors).toHaveLength(1);
    }
  });
});
