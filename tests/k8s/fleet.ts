/**
 * What k8s/ generates from the stream catalogue and the list of districts (DISTRICT_CODES): the
 * Kafka identities of every node (Strimzi KafkaUsers with literal ACLs), the Flux Kustomizations
 * of the fleet (one per district, all from the template k8s/fleet/district) and the namespaces
 * the Strimzi operator watches.
 *
 * k8s/fleet/generate.mts writes the files from this module; tests/k8s compares the committed files
 * with it and evaluates the ACLs. It runs under jest (TypeScript sources of the packages) and under
 * Node's own TypeScript support (built packages), so it imports packages only, never a relative
 * module.
 */
import { CITY_JURISDICTION, DISTRICT_CODES } from "@jinlian/kernel";
import { channelsOf, deliveryTopic, federationLinks, NODE_PARTS, STREAMS } from "@jinlian/subscriber";
import { stringify } from "yaml";

/** JINLIAN_TOPIC_NAMESPACE of k8s/base (tests/k8s checks they agree). */
export const TOPIC_NAMESPACE = "jinlian";
/** The Strimzi Kafka cluster of every node (components/kafka-strimzi). */
export const KAFKA_CLUSTER = "jinlian";
export const STRIMZI_API_VERSION = "kafka.strimzi.io/v1";
export const FLUX_KUSTOMIZE_API_VERSION = "kustomize.toolkit.fluxcd.io/v1";
/** Flux postBuild variables of the district template: the code, and a double quote (see below). */
export const DISTRICT_VARIABLE = "DISTRICT";
export const QUOTE_VARIABLE = "quote";
export const DISTRICT_PLACEHOLDER = "${" + DISTRICT_VARIABLE + "}";
/** Label telling service identities from MirrorMaker's (components/kafka-scram selects by it). */
export const CLIENT_LABEL = "jinlian.tj.gov.cn/kafka-client";
/**
 * Dead letters are replayed through a throw-away consumer group `jinlian-replay-<uuid>`
 * (packages/chassis/src/inbox/replay.ts), which the replay deletes afterwards: a prefix ACL is the
 * only way to allow a random name.
 */
export const REPLAY_GROUP_PREFIX = "jinlian-replay-";
/** The command that rewrites every generated file; printed by the tests when one is stale. */
export const GENERATE_COMMAND = "pnpm --silent build && node k8s/fleet/generate.mts";

export type Operation =
  | "Read"
  | "Write"
  | "Create"
  | "Delete"
  | "Alter"
  | "Describe"
  | "ClusterAction"
  | "AlterConfigs"
  | "DescribeConfigs"
  | "IdempotentWrite"
  | "All";
export type ResourceType = "topic" | "group" | "cluster" | "transactionalId";

/** One rule of a KafkaUser's `spec.authorization.acls` (Strimzi kafka.strimzi.io/v1). */
export interface Acl {
  type?: "allow" | "deny";
  resource: { type: ResourceType; name?: string; patternType?: "literal" | "prefix" };
  operations: Operation[];
  host?: string;
}

export interface KafkaUserResource {
  apiVersion: string;
  kind: "KafkaUser";
  metadata: { name: string; namespace?: string; labels: Record<string, string> };
  spec: {
    authentication: { type: "tls" | "scram-sha-512" };
    authorization: { type: "simple"; acls: Acl[] };
  };
}

export type LinkDirection = "down" | "up";
/** Which cluster of a link: the city's or the district's. */
export type LinkSide = "city" | "district";

/** The KafkaUser (and so the Secret and the principal CN) of a service at its node. */
export function serviceUserName(service: string): string {
  return `${KAFKA_CLUSTER}-${service}`;
}

/**
 * The KafkaUser of one MirrorMaker link on one side. The city's cluster holds the users of every
 * district's links, so there the name carries the district; a district's cluster has one of each.
 */
export function linkUserName(direction: LinkDirection, side: LinkSide, district: string): string {
  return side === "city" ? `mm2-${direction}-${district}` : `mm2-${direction}`;
}

/**
 * The Kafka Connect group and internal topics of a link, on its target cluster. Down links write
 * into a district's own cluster; up links into the city's, which holds one set per district.
 */
export function connectNames(
  direction: LinkDirection,
  district: string,
): { groupId: string; configStorageTopic: string; offsetStorageTopic: string; statusStorageTopic: string } {
  const base = direction === "down" ? `${KAFKA_CLUSTER}-mm2-down` : `${KAFKA_CLUSTER}-mm2-up-${district}`;
  return {
    groupId: base,
    configStorageTopic: `${base}-config`,
    offsetStorageTopic: `${base}-offsets`,
    statusStorageTopic: `${base}-status`,
  };
}

/**
 * Service modules that use Kafka (every part of the catalogue but the node's own parts, such as
 * the federation heartbeats), sorted: each runs as its own Deployment with its own KafkaUser.
 */
export function kafkaServices(): string[] {
  return [...new Set(STREAMS.map((s) => s.service))].filter((s) => !NODE_PARTS.includes(s)).sort();
}

/** Services whose deliveries travel between nodes, sorted. */
export function deliveryServices(): string[] {
  return [...new Set(STREAMS.filter((s) => s.kind === "delivery").map((s) => s.service))].sort();
}

/** Collects operations per resource, then emits one sorted rule per resource. */
class AclBuilder {
  private readonly rules = new Map<string, { resource: Acl["resource"]; operations: Set<Operation> }>();

  add(type: ResourceType, name: string, operations: readonly Operation[], patternType: "literal" | "prefix" = "literal"): this {
    const key = `${type}\u0000${patternType}\u0000${name}`;
    const rule = this.rules.get(key) ?? { resource: { type, name, patternType }, operations: new Set<Operation>() };
    for (const op of operations) rule.operations.add(op);
    this.rules.set(key, rule);
    return this;
  }

  build(): Acl[] {
    return [...this.rules.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, r]) => ({ resource: r.resource, operations: [...r.operations].sort() }));
  }
}

/**
 * A service's rights on its own node's cluster, from the catalogue's channels of that service (and
 * of the node's own parts) at that node: create and write what it publishes (its deliveries, local streams, dead letters),
 * create and read what it consumes in its own consumer groups, and read its dead letters back
 * (replay). Topic names put the destination last, so every topic is named literally: a prefix
 * would reach other nodes' topics.
 */
export function serviceAcls(namespace: string, node: string, service: string): Acl[] {
  const acls = new AclBuilder();
  // The node's own parts (NODE_PARTS: heartbeats) are sent and read by whichever services it runs.
  const channels = [service, ...NODE_PARTS].flatMap((part) => channelsOf(namespace, node, part));
  for (const channel of channels) {
    // Create: the node creates every topic it uses at start-up (ensureTopics), before MirrorMaker
    // may have copied the first record.
    acls.add("topic", channel.topic, ["Create", channel.role === "publish" ? "Write" : "Read"]);
    if (channel.stream.kind === "dead-letter") acls.add("topic", channel.topic, ["Read"]);
    if (channel.role === "subscribe" && channel.consumerGroup) acls.add("group", channel.consumerGroup, ["Read"]);
  }
  acls.add("group", REPLAY_GROUP_PREFIX, ["Read", "Delete"], "prefix");
  return acls.build();
}

/**
 * A MirrorMaker link's rights on one side. The source side only reads the link's delivery topics
 * (and their configs, which MirrorMaker copies). The target side is also the link's Kafka Connect
 * cluster: it creates the mirrored topics, writes them, keeps their partitions and configs in
 * step, and owns the link's Connect group and internal topics. Offset syncs and checkpoints are
 * off, so nothing is written to the source.
 */
export function linkAcls(namespace: string, district: string, direction: LinkDirection, side: LinkSide): Acl[] {
  const link = federationLinks(namespace, district)[direction];
  const topics = deliveryServices().map((service) => deliveryTopic(namespace, service, link.source, link.target));
  const sourceSide: LinkSide = link.source === CITY_JURISDICTION ? "city" : "district";
  const acls = new AclBuilder();
  if (side === sourceSide) {
    for (const topic of topics) acls.add("topic", topic, ["Read", "DescribeConfigs"]);
  } else {
    for (const topic of topics) acls.add("topic", topic, ["Create", "Write", "Alter", "AlterConfigs", "DescribeConfigs"]);
    const connect = connectNames(direction, district);
    for (const topic of [connect.configStorageTopic, connect.offsetStorageTopic, connect.statusStorageTopic])
      acls.add("topic", topic, ["Create", "Read", "Write", "DescribeConfigs"]);
    acls.add("group", connect.groupId, ["Read"]);
  }
  return acls.build();
}

function kafkaUser(name: string, client: "service" | "federation", acls: Acl[]): KafkaUserResource {
  return {
    apiVersion: STRIMZI_API_VERSION,
    kind: "KafkaUser",
    metadata: { name, labels: { "strimzi.io/cluster": KAFKA_CLUSTER, [CLIENT_LABEL]: client } },
    spec: { authentication: { type: "tls" }, authorization: { type: "simple", acls } },
  };
}

/** One KafkaUser per service at a node. */
export function serviceUsers(namespace: string, node: string): KafkaUserResource[] {
  return kafkaServices().map((service) => kafkaUser(serviceUserName(service), "service", serviceAcls(namespace, node, service)));
}

/** The city's side of every district's two links. */
export function cityLinkUsers(namespace: string, districts: readonly string[]): KafkaUserResource[] {
  return districts.flatMap((district) =>
    (["down", "up"] as const).map((direction) =>
      kafkaUser(linkUserName(direction, "city", district), "federation", linkAcls(namespace, district, direction, "city")),
    ),
  );
}

/** Everything on a district's own cluster: its services and its side of both links. */
export function districtUsers(namespace: string, district: string): KafkaUserResource[] {
  return [
    ...serviceUsers(namespace, district),
    ...(["down", "up"] as const).map((direction) =>
      kafkaUser(linkUserName(direction, "district", district), "federation", linkAcls(namespace, district, direction, "district")),
    ),
  ];
}

/** Replaces a district code that stands as a whole token (not inside a longer number) everywhere. */
export function templatize<T>(value: T, code: string, placeholder = DISTRICT_PLACEHOLDER): T {
  const token = new RegExp(`(?<![0-9])${code}(?![0-9])`, "g");
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") return v.replace(token, placeholder);
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [walk(k), walk(x)]));
    return v;
  };
  return walk(value) as T;
}

/**
 * The district users as the fleet template carries them: derived for one district, its code
 * replaced by the Flux variable. tests/k8s substitutes every district back and compares with
 * districtUsers of that district, so a rule that is not the same for all districts fails there.
 */
export function districtUsersTemplate(namespace: string): KafkaUserResource[] {
  const sample = DISTRICT_CODES[0]!;
  return templatize(districtUsers(namespace, sample), sample);
}

/** Flux Kustomization of the city node. */
export const CITY_SYNC = `${KAFKA_CLUSTER}-${CITY_JURISDICTION}`;
/** Where the district template lives, as Flux paths are written (from the repository root). */
export const DISTRICT_TEMPLATE_PATH = "./k8s/fleet/district";

export interface FluxKustomization {
  apiVersion: string;
  kind: "Kustomization";
  metadata: { name: string; namespace: string };
  spec: {
    interval: string;
    retryInterval?: string;
    timeout?: string;
    sourceRef: { kind: string; name: string };
    path: string;
    prune: boolean;
    wait?: boolean;
    dependsOn?: { name: string }[];
    postBuild?: { substitute: Record<string, string> };
  };
}

/**
 * One Flux Kustomization per district, all rendering the one template with the district's code.
 * `quote` is a double quote: a field that is the code alone is written `${quote}${DISTRICT}${quote}`
 * in the template, because Flux substitutes in YAML text and a bare 120101 would become a number
 * (the workaround the Flux documentation gives for numeric values).
 */
export function districtSyncs(districts: readonly string[]): FluxKustomization[] {
  return districts.map((district) => ({
    apiVersion: FLUX_KUSTOMIZE_API_VERSION,
    kind: "Kustomization",
    metadata: { name: `${KAFKA_CLUSTER}-${district}`, namespace: "flux-system" },
    spec: {
      interval: "10m",
      retryInterval: "2m",
      timeout: "15m",
      sourceRef: { kind: "GitRepository", name: "flux-system" },
      path: DISTRICT_TEMPLATE_PATH,
      prune: true,
      wait: true,
      // The district's MirrorMaker reaches the city's Kafka: the city comes first.
      dependsOn: [{ name: CITY_SYNC }],
      postBuild: { substitute: { [DISTRICT_VARIABLE]: district, [QUOTE_VARIABLE]: '"' } },
    },
  }));
}

/** The node namespaces, city first. */
export function nodeNamespaces(districts: readonly string[]): string[] {
  return [CITY_JURISDICTION, ...districts].map((code) => `${KAFKA_CLUSTER}-${code}`);
}

/** Values for the Strimzi operator's Helm chart: exactly the node namespaces. */
export function strimziOperatorValues(districts: readonly string[]): { watchAnyNamespace: boolean; watchNamespaces: string[] } {
  return { watchAnyNamespace: false, watchNamespaces: nodeNamespaces(districts) };
}

export interface GeneratedFile {
  /** From the repository root. */
  path: string;
  /** What the file is, for its header. */
  summary: string;
  documents(): unknown[];
}

export function generatedFiles(): GeneratedFile[] {
  return [
    {
      path: "k8s/components/kafka-users-city/kafka-users.yaml",
      summary: `the KafkaUser of each service of the city node (${CITY_JURISDICTION}), with its ACLs`,
      documents: () => serviceUsers(TOPIC_NAMESPACE, CITY_JURISDICTION),
    },
    {
      path: "k8s/overlays/municipal/federation-users.yaml",
      summary: "the city's side of every district's MirrorMaker links: a KafkaUser per district and direction",
      documents: () => cityLinkUsers(TOPIC_NAMESPACE, DISTRICT_CODES),
    },
    {
      path: "k8s/fleet/district/kafka-users.yaml",
      summary: `the KafkaUsers on a district's cluster (its services, its side of both links), for Flux to fill in ${DISTRICT_PLACEHOLDER}`,
      documents: () => districtUsersTemplate(TOPIC_NAMESPACE),
    },
    {
      path: "k8s/fleet/flux/districts.yaml",
      summary: "one Flux Kustomization per district: the template k8s/fleet/district with the district's code",
      documents: () => districtSyncs(DISTRICT_CODES),
    },
    {
      path: "k8s/fleet/strimzi-values.yaml",
      summary: "Helm values of the Strimzi operator: the namespaces of the nodes it watches",
      documents: () => [strimziOperatorValues(DISTRICT_CODES)],
    },
  ];
}

/** The first line of every generated file; the tests look for it. */
export const GENERATED_MARK = "# GENERATED by k8s/fleet/generate.mts";

/** A generated file's text before formatting (the generator formats it with prettier). */
export function generatedText(file: GeneratedFile): string {
  const header = [
    `${GENERATED_MARK}: ${file.summary}.`,
    "# Derived from the stream catalogue (packages/subscriber/src/catalogue) and DISTRICT_CODES",
    `# (@jinlian/kernel). Do not edit: change those, then run \`${GENERATE_COMMAND}\`.`,
  ].join("\n");
  const body = file
    .documents()
    .map((d) => stringify(d, { lineWidth: 0 }))
    .join("---\n");
  return `${header}\n${body}`;
}
