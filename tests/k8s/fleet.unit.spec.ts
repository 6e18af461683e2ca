/**
 * The fleet as a whole (k8s/fleet): one district per code of DISTRICT_CODES, each rendered from
 * the one template exactly as Flux renders it, carrying its own code and no other district's; the
 * generated files up to date with the stream catalogue; no two overlays writing the same object
 * differently; and the ACLs of every principal evaluated against every pair of districts. The
 * per-overlay checks of each district (schemas, probes, Kafka, MirrorMaker) are in
 * ./manifests.unit.spec.ts.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { CITY_JURISDICTION, DISTRICT_CODES } from "@jinlian/kernel";
import { channelsOf, deliveryTopic, federationLinks, mirrors, STREAMS } from "@jinlian/chassis";
import { parseAllDocuments } from "yaml";
import { allowed, group, topic } from "./acl";
import { CRD_VALIDATORS } from "./crd-schemas";
import {
  CITY_SYNC,
  connectNames,
  DISTRICT_TEMPLATE_PATH,
  DISTRICT_VARIABLE,
  GENERATE_COMMAND,
  GENERATED_MARK,
  generatedFiles,
  kafkaServices,
  KAFKA_CLUSTER,
  linkUserName,
  nodeNamespaces,
  QUOTE_VARIABLE,
  serviceUserName,
  TOPIC_NAMESPACE,
  type Acl,
  type KafkaUserResource,
  type Operation,
} from "./fleet";
import {
  fleetMembers,
  fluxEnvsubst,
  fluxObjects,
  K8S_DIR,
  ofKind,
  overlayNames,
  renderComposedObjects,
  renderOverlay,
  REPO_ROOT,
  type K8sObject,
} from "./render";
import { STRIMZI_API_VERSION, type Kafka } from "./strimzi-schemas";

const NS = TOPIC_NAMESPACE;
const CITY = CITY_JURISDICTION;
const districtName = (code: string) => `${KAFKA_CLUSTER}-${code}`;

describe("the fleet", () => {
  test("has exactly one Flux Kustomization per district code, all rendering the one template with that code", () => {
    const districts = fleetMembers().filter((m) => m.path === DISTRICT_TEMPLATE_PATH);
    // The generated fleet and DISTRICT_CODES must agree: a district added to the kernel but not
    // to the fleet (or the reverse) fails here.
    expect(districts.map((m) => m.substitute[DISTRICT_VARIABLE]).sort()).toEqual([...DISTRICT_CODES].sort());
    for (const m of districts) {
      const code = m.substitute[DISTRICT_VARIABLE]!;
      expect({ name: m.name, quote: m.substitute[QUOTE_VARIABLE], dependsOn: m.object.spec }).toEqual({
        name: districtName(code),
        quote: '"',
        dependsOn: expect.objectContaining({ dependsOn: [{ name: CITY_SYNC }] }),
      });
    }
    // Every district is rendered by the tests (manifests.unit.spec.ts iterates overlayNames).
    expect(overlayNames()).toEqual(expect.arrayContaining(DISTRICT_CODES.map(districtName)));
  });

  test("deploys the city from its overlay first, and every Flux object is valid", () => {
    const city = fleetMembers().find((m) => m.name === CITY_SYNC);
    expect(city?.path).toBe("./k8s/overlays/municipal");
    expect(city?.substitute).toEqual({});
    const problems: string[] = [];
    for (const o of fluxObjects()) {
      const validate = CRD_VALIDATORS.get(`${o.apiVersion}/${o.kind}`);
      if (!validate) problems.push(`${o.apiVersion} ${o.kind} ${o.metadata.name}: no schema`);
      else if (!validate(o as unknown))
        for (const e of validate.errors ?? []) problems.push(`${o.metadata.name} ${e.instancePath}: ${e.message}`);
    }
    expect(problems).toEqual([]);
    // k8s/fleet/flux/kustomization.yaml lists every file of the directory.
    const listed = parseAllDocuments(readFileSync(path.join(K8S_DIR, "fleet", "flux", "kustomization.yaml"), "utf8"))[0]!.toJS() as {
      resources: string[];
    };
    expect([...listed.resources].sort()).toEqual(["districts.yaml", "municipal.yaml"]);
  });

  test("the Strimzi operator watches every node's namespace and no other", () => {
    const values = parseAllDocuments(readFileSync(path.join(K8S_DIR, "fleet", "strimzi-values.yaml"), "utf8"))[0]!.toJS() as {
      watchAnyNamespace: boolean;
      watchNamespaces: string[];
    };
    expect(values.watchAnyNamespace).toBe(false);
    const deployed = overlayNames()
      .filter((o) => o !== "local")
      .map((o) => ofKind<K8sObject>(renderOverlay(o), "Namespace", "v1")[0]!.metadata.name);
    expect([...values.watchNamespaces].sort()).toEqual(deployed.sort());
    expect(values.watchNamespaces).toEqual(nodeNamespaces(DISTRICT_CODES));
  });

  test.each(generatedFiles().map((f) => [f.path, f] as const))(
    "%s is what the catalogue and the district codes imply",
    (file, generated) => {
      const text = readFileSync(path.join(REPO_ROOT, file), "utf8");
      const committed = parseAllDocuments(text).map((d) => d.toJS() as unknown);
      const expected = JSON.parse(JSON.stringify(generated.documents())) as unknown[];
      const fresh = text.startsWith(GENERATED_MARK) && JSON.stringify(committed) === JSON.stringify(expected);
      if (!fresh) throw new Error(`${file} is stale or edited by hand; regenerate it: ${GENERATE_COMMAND}`);
      expect(committed).toEqual(expected);
    },
  );
});

/** Every 6-digit jurisdiction code in a rendered object, anywhere in its text. */
function codesIn(objects: readonly K8sObject[]): Set<string> {
  const all = new Set([CITY, ...DISTRICT_CODES]);
  return new Set([...JSON.stringify(objects).matchAll(/(?<![0-9])(12[0-9]{4})(?![0-9])/g)].map((m) => m[1]!).filter((c) => all.has(c)));
}

describe.each(DISTRICT_CODES.map((c) => [c] as const))("district %s", (code) => {
  const objects = () => renderOverlay(districtName(code));

  test("carries its own code, and the city's, and no other district's", () => {
    expect([...codesIn(objects())].sort()).toEqual([CITY, code]);
  });

  test("its namespace, JINLIAN_JURISDICTION, MirrorMaker patterns and KafkaUsers all name it", () => {
    const o = objects();
    const namespace = ofKind<K8sObject>(o, "Namespace", "v1")[0]!;
    expect(namespace.metadata.name).toBe(districtName(code));
    // Strings, not numbers: Flux substitutes in YAML text (the template quotes with ${quote}).
    expect(namespace.metadata.labels?.["jinlian.tj.gov.cn/jurisdiction"]).toBe(code);
    const node = ofKind<{ metadata: { name: string }; data: Record<string, unknown> }>(o, "ConfigMap", "v1").find((c) =>
      c.metadata.name.startsWith("jinlian-node-"),
    );
    expect(node?.data.JINLIAN_JURISDICTION).toBe(code);
    const links = federationLinks(NS, code);
    const patterns = ofKind<{ spec: { mirrors: { topicsPattern: string }[] } }>(o, "KafkaMirrorMaker2", STRIMZI_API_VERSION)
      .flatMap((m) => m.spec.mirrors.map((x) => x.topicsPattern))
      .sort();
    expect(patterns).toEqual([links.down.topicsPattern, links.up.topicsPattern].sort());
    const users = ofKind<KafkaUserResource>(o, "KafkaUser", STRIMZI_API_VERSION);
    // Every topic and group a district's user may touch is its own or addressed to it.
    for (const u of users)
      for (const acl of u.spec.authorization.acls) {
        const name = acl.resource.name ?? "";
        if (acl.resource.patternType === "prefix") continue;
        expect({
          user: u.metadata.name,
          name,
          own: name.includes(`.${code}.`) || name.endsWith(`.${code}`) || name.startsWith(`${NS}-mm2-`),
        }).toEqual({
          user: u.metadata.name,
          name,
          own: true,
        });
      }
  });
});

/** Identity of an object across overlays: what a second `kubectl apply` would overwrite. */
function objectKey(o: K8sObject): string {
  const group = o.apiVersion.includes("/") ? o.apiVersion.slice(0, o.apiVersion.indexOf("/")) : "";
  return `${group}/${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`;
}

/** Objects two deployments would both write, with different content. */
function conflicts(deployments: ReadonlyMap<string, readonly K8sObject[]>): string[] {
  const seen = new Map<string, { by: string; content: string }>();
  const found: string[] = [];
  for (const [name, objects] of deployments)
    for (const o of objects) {
      const key = objectKey(o);
      const content = JSON.stringify(o);
      const before = seen.get(key);
      if (before && before.content !== content) found.push(`${key}: ${before.by} and ${name} differ`);
      else if (!before) seen.set(key, { by: name, content });
    }
  return found;
}

describe("overlays", () => {
  test("no two write the same object (kind, namespace, name) with different content", () => {
    expect(conflicts(new Map(overlayNames().map((o) => [o, renderOverlay(o)])))).toEqual([]);
  });

  test("the conflict check sees two overlays sharing a namespace (the negative control)", () => {
    const city = renderOverlay("municipal");
    const asLocal = renderOverlay("local").map((o) => ({
      ...o,
      metadata: { ...o.metadata, namespace: o.metadata.namespace && "jinlian-120000" },
    }));
    expect(
      conflicts(
        new Map([
          ["municipal", city],
          ["local in the city's namespace", asLocal],
        ]),
      ).length,
    ).toBeGreaterThan(0);
  });
});

describe("the ACL matcher", () => {
  const acls: Acl[] = [
    { resource: { type: "topic", name: "a.b", patternType: "literal" }, operations: ["Write"] },
    { resource: { type: "topic", name: "p.", patternType: "prefix" }, operations: ["Read"] },
    { resource: { type: "group", name: "*" }, operations: ["Read"] },
    { type: "deny", resource: { type: "topic", name: "p.secret", patternType: "literal" }, operations: ["All"] },
    { resource: { type: "topic", name: "c", patternType: "literal" }, operations: ["AlterConfigs"] },
  ];
  test.each([
    ["Write", "topic", "a.b", true],
    ["Write", "topic", "a.bc", false],
    ["Describe", "topic", "a.b", true],
    ["Read", "topic", "a.b", false],
    ["Read", "topic", "p.x", true],
    ["Read", "topic", "q.p.x", false],
    ["Read", "topic", "p.secret", false],
    ["Read", "group", "anything", true],
    ["DescribeConfigs", "topic", "c", true],
    ["Create", "topic", "c", false],
  ] as const)("%s %s %s -> %s", (operation, type, name, expected) => {
    expect(allowed(acls, { operation: operation as Operation, resource: { type, name } })).toBe(expected);
  });
});

/** KafkaUsers of a rendered deployment, by name. */
function usersOf(objects: readonly K8sObject[]): Map<string, Acl[]> {
  return new Map(
    ofKind<KafkaUserResource>(objects, "KafkaUser", STRIMZI_API_VERSION).map((u) => [u.metadata.name, u.spec.authorization.acls]),
  );
}

/** Every topic of the catalogue at every node, and the Connect internal topics of every link. */
const TOPICS = (() => {
  const topics = new Set<string>();
  for (const node of [CITY, ...DISTRICT_CODES])
    for (const s of kafkaServices()) for (const c of channelsOf(NS, node, s)) topics.add(c.topic);
  for (const d of DISTRICT_CODES)
    for (const dir of ["down", "up"] as const) {
      const n = connectNames(dir, d);
      for (const t of [n.configStorageTopic, n.offsetStorageTopic, n.statusStorageTopic]) topics.add(t);
    }
  return [...topics].sort();
})();

const from = (t: string, code: string) => t.startsWith(`${NS}.${code}.`) || t.startsWith(`${NS}-mm2-up-${code}-`);
const to = (t: string, code: string) => t.endsWith(`.to.${code}`);
/** What changes a topic's records or settings. */
const MODIFY: Operation[] = ["Write", "Delete", "Alter", "AlterConfigs"];
/** ... or brings it into being. */
const WRITES: Operation[] = [...MODIFY, "Create"];

describe("ACLs on the city's cluster", () => {
  const users = usersOf(renderOverlay("municipal"));

  test.each(DISTRICT_CODES.map((a) => [a] as const))(
    "district %s's principals write only its own upward topics and read only what is addressed to it",
    (a) => {
      const problems: string[] = [];
      for (const direction of ["down", "up"] as const) {
        const principal = linkUserName(direction, "city", a);
        const acls = users.get(principal);
        if (!acls) throw new Error(`no KafkaUser ${principal} on the city's cluster`);
        for (const t of TOPICS) {
          const ownUp = from(t, a) && (to(t, CITY) || t.startsWith(`${NS}-mm2-up-${a}-`));
          for (const operation of WRITES)
            if (allowed(acls, { operation, resource: topic(t) }) && !(direction === "up" && ownUp))
              problems.push(`${principal} may ${operation} ${t}`);
          const addressedToA = from(t, CITY) && to(t, a);
          if (allowed(acls, { operation: "Read", resource: topic(t) }) && !(direction === "down" ? addressedToA : ownUp))
            problems.push(`${principal} may read ${t}`);
        }
        for (const b of DISTRICT_CODES.filter((b) => b !== a)) {
          // Another district's Connect group on the shared cluster is not A's either.
          if (allowed(acls, { operation: "Read", resource: group(connectNames("up", b).groupId) }))
            problems.push(`${principal} may join ${b}'s group`);
        }
      }
      // The positive controls: the link can do its job.
      for (const service of kafkaServices().filter((s) => STREAMS.some((x) => x.service === s && x.kind === "delivery"))) {
        const up = deliveryTopic(NS, service, a, CITY);
        const down = deliveryTopic(NS, service, CITY, a);
        if (!allowed(users.get(linkUserName("up", "city", a))!, { operation: "Write", resource: topic(up) }))
          problems.push(`up link cannot write ${up}`);
        if (!allowed(users.get(linkUserName("down", "city", a))!, { operation: "Read", resource: topic(down) }))
          problems.push(`down link cannot read ${down}`);
      }
      expect(problems).toEqual([]);
    },
  );

  test("the city's services never write a district's topics", () => {
    const problems: string[] = [];
    for (const s of kafkaServices()) {
      const acls = users.get(serviceUserName(s))!;
      for (const t of TOPICS.filter((t) => DISTRICT_CODES.some((d) => from(t, d))))
        for (const operation of ["Write", "Alter", "AlterConfigs", "Delete"] as const)
          if (allowed(acls, { operation, resource: topic(t) })) problems.push(`${s} may ${operation} ${t}`);
    }
    expect(problems).toEqual([]);
  });
});

describe.each(DISTRICT_CODES.map((a) => [a] as const))("ACLs on district %s's cluster", (a) => {
  const users = () => usersOf(renderOverlay(districtName(a)));

  test("no principal reaches another district's topics; only the down link writes the city's", () => {
    const problems: string[] = [];
    for (const [principal, acls] of users()) {
      for (const t of TOPICS) {
        const other = DISTRICT_CODES.some((b) => b !== a && (from(t, b) || to(t, b)));
        const city = from(t, CITY);
        for (const operation of ["Read", ...WRITES] as Operation[]) {
          if (!allowed(acls, { operation, resource: topic(t) })) continue;
          if (other) problems.push(`${principal} may ${operation} ${t}`);
          // A district service forging a city event locally would be consumed as the city's. (It may
          // create the city's topics addressed to it, which it reads: the node creates its topics at
          // start-up, possibly before MirrorMaker has copied the first record.)
          if (city && MODIFY.includes(operation) && principal !== linkUserName("down", "district", a))
            problems.push(`${principal} may ${operation} ${t}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  test("each service may do what the node does with its topics, and its link users what MirrorMaker does", () => {
    const all = users();
    const problems: string[] = [];
    for (const s of kafkaServices()) {
      const acls = all.get(serviceUserName(s))!;
      for (const c of channelsOf(NS, a, s)) {
        for (const operation of ["Create", c.role === "publish" ? "Write" : "Read"] as Operation[])
          if (!allowed(acls, { operation, resource: topic(c.topic) })) problems.push(`${s} cannot ${operation} ${c.topic}`);
        if (c.role === "subscribe" && c.consumerGroup && !allowed(acls, { operation: "Read", resource: group(c.consumerGroup) }))
          problems.push(`${s} cannot join ${c.consumerGroup}`);
      }
    }
    const links = federationLinks(NS, a);
    const down = all.get(linkUserName("down", "district", a))!;
    const up = all.get(linkUserName("up", "district", a))!;
    // The down link's Connect cluster lives here: its group and internal topics are its own.
    const connect = connectNames("down", a);
    const internal = [connect.configStorageTopic, connect.offsetStorageTopic, connect.statusStorageTopic];
    for (const t of internal)
      for (const operation of ["Create", "Read", "Write", "DescribeConfigs"] as Operation[])
        if (!allowed(down, { operation, resource: topic(t) })) problems.push(`down link cannot ${operation} ${t}`);
    if (!allowed(down, { operation: "Read", resource: group(connect.groupId) })) problems.push(`down link cannot join ${connect.groupId}`);
    for (const t of TOPICS.filter((t) => !internal.includes(t))) {
      // Exactly the topics the link mirrors, no more and no fewer; nothing written to a source.
      if (allowed(down, { operation: "Write", resource: topic(t) }) !== mirrors(links.down, t))
        problems.push(`down link and ${t} disagree`);
      if (allowed(up, { operation: "Read", resource: topic(t) }) !== mirrors(links.up, t)) problems.push(`up link and ${t} disagree`);
      if (WRITES.some((operation) => allowed(up, { operation, resource: topic(t) })))
        problems.push(`up link may change ${t} on its source`);
    }
    expect(problems).toEqual([]);
  });
});

describe("the SCRAM alternative (components/kafka-scram)", () => {
  const variants = [
    ["municipal", () => renderComposedObjects(["k8s/overlays/municipal"], ["k8s/components/kafka-scram"])],
    [
      `district ${DISTRICT_CODES[0]}`,
      () =>
        renderComposedObjects([DISTRICT_TEMPLATE_PATH], ["k8s/components/kafka-scram"], {
          [DISTRICT_VARIABLE]: DISTRICT_CODES[0]!,
          [QUOTE_VARIABLE]: '"',
        }),
    ],
  ] as const;

  test.each(variants)(
    "%s: every service switches to SASL/SCRAM with its own user and password, MirrorMaker keeps its certificates",
    (_name, render) => {
      const objects = render();
      const kafka = ofKind<Kafka>(objects, "Kafka", STRIMZI_API_VERSION)[0]!;
      const scram = kafka.spec.kafka.listeners.find((l) => l.authentication?.type === "scram-sha-512");
      expect(scram).toMatchObject({ type: "internal", tls: true });
      expect(scram?.networkPolicyPeers?.length).toBeGreaterThan(0);
      const client = ofKind<{ metadata: { name: string }; data: Record<string, string> }>(objects, "ConfigMap", "v1").find((c) =>
        c.metadata.name.startsWith("jinlian-kafka-client-"),
      )!;
      expect(Object.keys(client.data).sort()).toEqual(["KAFKA_SASL_MECHANISM", "KAFKA_SASL_PASSWORD_FILE", "KAFKA_TLS_CA_FILE"]);
      const node = ofKind<{ metadata: { name: string }; data: Record<string, string> }>(objects, "ConfigMap", "v1").find((c) =>
        c.metadata.name.startsWith("jinlian-node-"),
      )!;
      expect(node.data.KAFKA_BROKERS).toBe(`${KAFKA_CLUSTER}-kafka-bootstrap:${scram?.port}`);
      const users = ofKind<KafkaUserResource>(objects, "KafkaUser", STRIMZI_API_VERSION);
      const deployments = ofKind<{
        metadata: { name: string };
        spec: {
          template: {
            spec: {
              containers: { env?: { name: string; value?: string }[] }[];
              volumes: { name: string; projected?: { sources: { secret?: { name: string; items: { key: string }[] } }[] } }[];
            };
          };
        };
      }>(objects, "Deployment", "apps/v1");
      expect(deployments.length).toBe(kafkaServices().length);
      for (const d of deployments) {
        const username = d.spec.template.spec.containers[0]!.env?.find((e) => e.name === "KAFKA_SASL_USERNAME")?.value;
        expect(username).toBe(serviceUserName(d.metadata.name));
        const sources = d.spec.template.spec.volumes.find((v) => v.name === "kafka-credentials")?.projected?.sources ?? [];
        expect(sources.map((s) => [s.secret?.name, s.secret?.items.map((i) => i.key)])).toEqual([
          [username, ["password"]],
          [`${KAFKA_CLUSTER}-cluster-ca-cert`, ["ca.crt"]],
        ]);
        expect(users.find((u) => u.metadata.name === username)?.spec.authentication.type).toBe("scram-sha-512");
      }
      for (const u of users.filter((u) => u.metadata.name.startsWith("mm2-"))) expect(u.spec.authentication.type).toBe("tls");
    },
  );
});

describe("Flux's substitution, as the tests emulate it", () => {
  test("replaces ${NAME}, unescapes $$ and backslashes the way Flux does, and refuses what the template must not use", () => {
    expect(fluxEnvsubst("a-${X}.b ${q}${X}${q} $1 $$ \\. \\\\ \\/", { X: "120101", q: '"' })).toBe('a-120101.b "120101" $1 $ \\. \\ /');
    expect(() => fluxEnvsubst("${X:=1}", { X: "1" })).toThrow(/unsupported/);
    expect(() => fluxEnvsubst("${Y}", { X: "1" })).toThrow(/not set/);
  });

  test("a field that is the code alone would turn into a number without the quote variable (why the template quotes)", () => {
    const [doc] = parseAllDocuments(fluxEnvsubst("a: ${X}\nb: ${q}${X}${q}\n", { X: "120101", q: '"' }));
    expect(doc!.toJS()).toEqual({ a: 120101, b: "120101" });
  });
});
