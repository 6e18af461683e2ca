/**
 * Offline checks of the Kubernetes manifests in k8s/: every overlay is rendered with
 * `kubectl kustomize` (no cluster), every built-in object is validated against the Kubernetes
 * OpenAPI schema (kubernetes-models), every Strimzi resource against the schema of the fields
 * we use (./strimzi-schemas), and the properties the node's runtime contract depends on are
 * asserted. Values that exist elsewhere in the repository are read from there (Kafka version
 * from infra/kafka/pom.xml, topic names from the chassis, service names from the node registry
 * and the .proto files), so the manifests cannot drift from them unnoticed.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import {
  CITY_JURISDICTION,
  DISTRICT_CODES,
  deadLetterTopic,
  deliveryTopic,
  STREAMS,
  isDistrictCode,
  isJurisdictionCode,
} from "@jinlian/chassis";
import { SERVICE_MODULES } from "@jinlian/node";
import { Deployment, StatefulSet, type IDeployment } from "kubernetes-models/apps/v1";
import { NetworkPolicy, type INetworkPolicy } from "kubernetes-models/networking.k8s.io/v1";
import { PodDisruptionBudget, type IPodDisruptionBudget } from "kubernetes-models/policy/v1";
import { ConfigMap, Namespace, Secret, Service, ServiceAccount, type ISecret, type IService } from "kubernetes-models/v1";
import type { IContainer } from "kubernetes-models/v1/Container";
import type { IProbe } from "kubernetes-models/v1/Probe";
import {
  byName,
  effectiveEnv,
  grpcServiceNames,
  K8S_DIR,
  kustomizeVersion,
  ofKind,
  overlayNames,
  pomKafkaVersion,
  quantity,
  renderOverlay,
  REPO_ROOT,
  type EffectiveEnv,
  type K8sObject,
} from "./render";
import { STRIMZI_API_VERSION, STRIMZI_VALIDATORS, type Kafka, type KafkaMirrorMaker2, type KafkaNodePool } from "./strimzi-schemas";

/** Built-in kinds the manifests may use, with their kubernetes-models class. */
const BUILT_IN: ReadonlyMap<string, new (data: never) => { validate(): void }> = new Map<string, new (data: never) => { validate(): void }>(
  [
    ["v1/Namespace", Namespace],
    ["v1/ConfigMap", ConfigMap],
    ["v1/Secret", Secret],
    ["v1/Service", Service],
    ["v1/ServiceAccount", ServiceAccount],
    ["apps/v1/Deployment", Deployment],
    ["apps/v1/StatefulSet", StatefulSet],
    ["policy/v1/PodDisruptionBudget", PodDisruptionBudget],
    ["networking.k8s.io/v1/NetworkPolicy", NetworkPolicy],
  ],
);

/** Overlays that must exist; more (e.g. one per district) are checked the same way. */
const REQUIRED_OVERLAYS = ["district", "local", "municipal"];
/** The overlay for development clusters (kind, minikube); every other one is for a real cluster. */
const DEVELOPMENT_OVERLAY = "local";
/** The five services of the mechanism, including those still to come (README). */
const MECHANISM_SERVICES = ["liaison", "legislation", "legal-services", "mediation", "bulletins"];
const DATABASE_SECRET = { name: "jinlian-database", key: "url" };
const GRPC_PORT_DEFAULT = 50051;
const METRICS_PORT_DEFAULT = 9464;
const SHUTDOWN_GRACE_MS_DEFAULT = 10_000;
/** The uid of the distroless `nonroot` user the image runs as. */
const IMAGE_UID = 65532;

const overlays = overlayNames();
const kafkaVersion = pomKafkaVersion();
const knownServices = SERVICE_MODULES.map((m) => m.name);
const deliveryPartitions = Math.min(...STREAMS.filter((s) => s.kind === "delivery").map((s) => s.partitions));

beforeAll(() => {
  // Fails with an explanation when kubectl is missing (it is required here and in CI).
  expect(kustomizeVersion()).toMatch(/^v5\./);
});

test("the required overlays exist", () => {
  expect(overlays).toEqual(expect.arrayContaining(REQUIRED_OVERLAYS));
});

interface Workload {
  deployment: IDeployment;
  container: IContainer;
  env: EffectiveEnv;
  target: string;
  grpcPort: number;
  metricsPort: number;
  shutdownGraceSeconds: number;
}

function namespaceOf(objects: readonly K8sObject[]): { name: string; jurisdiction: string } {
  const namespaces = ofKind<K8sObject>(objects, "Namespace", "v1");
  if (namespaces.length !== 1) throw new Error(`expected one Namespace, got ${namespaces.length}`);
  const name = namespaces[0].metadata.name;
  const jurisdiction = /^jinlian-(\d{6})$/.exec(name)?.[1];
  if (!jurisdiction) throw new Error(`namespace ${name} is not jinlian-<jurisdiction>`);
  return { name, jurisdiction };
}

function intEnv(env: EffectiveEnv, name: string, fallback: number): number {
  const raw = env.values.get(name);
  return raw === undefined ? fallback : Number(raw);
}

function workloads(objects: readonly K8sObject[]): Workload[] {
  return ofKind<IDeployment>(objects, "Deployment", "apps/v1").map((deployment) => {
    const containers = deployment.spec?.template.spec?.containers ?? [];
    if (containers.length !== 1)
      throw new Error(`Deployment ${deployment.metadata?.name}: expected one container, got ${containers.length}`);
    const container = containers[0];
    const env = effectiveEnv(container, objects);
    return {
      deployment,
      container,
      env,
      target: env.values.get("JINLIAN_TARGET") ?? "all",
      grpcPort: intEnv(env, "GRPC_PORT", GRPC_PORT_DEFAULT),
      metricsPort: intEnv(env, "METRICS_PORT", METRICS_PORT_DEFAULT),
      shutdownGraceSeconds: intEnv(env, "SHUTDOWN_GRACE_MS", SHUTDOWN_GRACE_MS_DEFAULT) / 1000,
    };
  });
}

function containerPort(container: IContainer, name: string): number | undefined {
  return container.ports?.find((p) => p.name === name)?.containerPort;
}

function selects(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  if (!selector || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

/** `jinlian-kafka-bootstrap:9092` -> this namespace; `…bootstrap.<ns>.svc[…]:9092` -> <ns>. */
function kafkaAddress(bootstrap: string, ownNamespace: string): { cluster: string; namespace: string; port: number } {
  const [host, port] = bootstrap.split(",")[0].split(":");
  const [service, namespace] = host.split(".");
  const cluster = /^(.+)-kafka-bootstrap$/.exec(service)?.[1];
  if (!cluster) throw new Error(`not a Strimzi bootstrap address: ${bootstrap}`);
  return { cluster, namespace: namespace ?? ownNamespace, port: Number(port) };
}

/**
 * kustomize's secretGenerator wraps base64 at 76 columns; the API server's decoder skips the
 * newlines, but the schema's `byte` format does not, so compare without them.
 */
function withoutWrappedBase64(o: K8sObject): K8sObject {
  if (o.kind !== "Secret" || typeof o.data !== "object" || o.data === null) return o;
  const data = Object.fromEntries(Object.entries(o.data as Record<string, string>).map(([k, v]) => [k, v.replace(/\s+/g, "")]));
  return { ...o, data };
}

/** MirrorMaker's `topics` setting: comma-separated Java regexes, each matching whole names. */
function topicMatcher(pattern: string): (topic: string) => boolean {
  const regexes = pattern.split(",").map((p) => new RegExp(`^(?:${p.trim()})$`));
  return (topic) => regexes.some((r) => r.test(topic));
}

describe.each(overlays)("overlay %s", (overlay) => {
  const objects = (): K8sObject[] => renderOverlay(overlay);

  test("renders, and every built-in object is valid against the Kubernetes schema", () => {
    const problems: string[] = [];
    for (const o of objects()) {
      if (o.apiVersion === STRIMZI_API_VERSION || o.apiVersion.startsWith("kafka.strimzi.io/")) continue;
      const Model = BUILT_IN.get(`${o.apiVersion}/${o.kind}`);
      if (!Model) {
        problems.push(`${o.apiVersion} ${o.kind} ${o.metadata.name}: no schema; add the kind to BUILT_IN`);
        continue;
      }
      try {
        new Model(withoutWrappedBase64(o) as never).validate();
      } catch (err) {
        problems.push(`${o.kind} ${o.metadata.name}: ${(err as Error).message}`);
      }
    }
    expect(objects().length).toBeGreaterThan(0);
    expect(problems).toEqual([]);
  });

  test("every Strimzi resource uses kafka.strimzi.io/v1 and only the fields of its schema", () => {
    const problems: string[] = [];
    for (const o of objects().filter((o) => o.apiVersion.startsWith("kafka.strimzi.io/"))) {
      const what = `${o.apiVersion} ${o.kind} ${o.metadata.name}`;
      const validate = STRIMZI_VALIDATORS.get(`${o.apiVersion}/${o.kind}`);
      if (!validate) {
        problems.push(`${what}: not a kafka.strimzi.io/v1 kind with a schema in strimzi-schemas.ts`);
      } else if (!validate(o)) {
        for (const e of validate.errors ?? []) problems.push(`${what} ${e.instancePath}: ${e.message} ${JSON.stringify(e.params)}`);
      }
    }
    expect(problems).toEqual([]);
  });

  test("everything lands in the node's namespace, named after a real jurisdiction", () => {
    const { name, jurisdiction } = namespaceOf(objects());
    expect(isJurisdictionCode(jurisdiction)).toBe(true);
    const elsewhere = objects()
      .filter((o) => o.kind !== "Namespace" && o.metadata.namespace !== name)
      .map((o) => `${o.kind} ${o.metadata.name} in ${o.metadata.namespace}`);
    expect(elsewhere).toEqual([]);
    // Placeholders of components (components/mirror-maker) must all be replaced.
    expect(JSON.stringify(objects())).not.toMatch(/DISTRICT/);
  });

  test("each Deployment runs exactly one known service, for the overlay's jurisdiction", () => {
    const { jurisdiction } = namespaceOf(objects());
    const all = workloads(objects());
    expect(all.length).toBeGreaterThan(0);
    const problems: string[] = [];
    for (const w of all) {
      const name = w.deployment.metadata?.name;
      if (w.env.missing.length > 0) problems.push(`${name}: missing ${w.env.missing.join(", ")}`);
      if (!knownServices.includes(w.target))
        problems.push(`${name}: JINLIAN_TARGET=${w.target} is not one service of ${knownServices.join(", ")}`);
      if (w.target !== name) problems.push(`${name}: the Deployment is named after its service, but JINLIAN_TARGET=${w.target}`);
      const code = w.env.values.get("JINLIAN_JURISDICTION");
      if (code !== jurisdiction) problems.push(`${name}: JINLIAN_JURISDICTION=${code}, namespace says ${jurisdiction}`);
    }
    expect(problems).toEqual([]);
  });

  test("readiness, liveness and startup are native gRPC health probes of the service on the gRPC port", () => {
    const problems: string[] = [];
    for (const w of workloads(objects())) {
      const name = w.deployment.metadata?.name;
      const healthNames = grpcServiceNames(w.target);
      if (healthNames.length === 0) problems.push(`${name}: no gRPC service declared in proto/jinlian/${w.target}/v1`);
      if (containerPort(w.container, "grpc") !== w.grpcPort) problems.push(`${name}: container port "grpc" is not GRPC_PORT=${w.grpcPort}`);
      const probes: [string, IProbe | undefined][] = [
        ["readinessProbe", w.container.readinessProbe],
        ["livenessProbe", w.container.livenessProbe],
        ["startupProbe", w.container.startupProbe],
      ];
      for (const [kind, probe] of probes) {
        if (!probe?.grpc) {
          problems.push(`${name}: ${kind} is not a gRPC probe`);
          continue;
        }
        if (probe.grpc.port !== w.grpcPort) problems.push(`${name}: ${kind} probes port ${probe.grpc.port}, not GRPC_PORT=${w.grpcPort}`);
        if (!healthNames.includes(probe.grpc.service ?? "")) {
          problems.push(`${name}: ${kind} asks for health of "${probe.grpc.service}", expected one of ${healthNames.join(", ")}`);
        }
      }
      // Health is NOT_SERVING while draining: liveness must not restart a pod in that window.
      const live = w.container.livenessProbe;
      const liveWindow = (live?.periodSeconds ?? 10) * (live?.failureThreshold ?? 3);
      if (liveWindow <= w.shutdownGraceSeconds) problems.push(`${name}: liveness gives up after ${liveWindow} s, within a drain`);
    }
    expect(problems).toEqual([]);
  });

  test("pods stop gracefully: preStop sleep, then a grace period longer than the drain", () => {
    const problems: string[] = [];
    for (const w of workloads(objects())) {
      const name = w.deployment.metadata?.name;
      const preStop = w.container.lifecycle?.preStop?.sleep?.seconds;
      if (preStop === undefined || preStop < 1) problems.push(`${name}: no lifecycle.preStop.sleep`);
      if (w.container.lifecycle?.preStop?.exec) problems.push(`${name}: preStop exec needs a shell the distroless image lacks`);
      const grace = w.deployment.spec?.template.spec?.terminationGracePeriodSeconds ?? 30;
      const needed = (preStop ?? 0) + w.shutdownGraceSeconds;
      if (!(grace > w.shutdownGraceSeconds)) problems.push(`${name}: terminationGracePeriodSeconds ${grace} <= SHUTDOWN_GRACE_MS/1000`);
      if (!(grace > needed))
        problems.push(`${name}: terminationGracePeriodSeconds ${grace} <= preStop ${preStop} s + drain ${w.shutdownGraceSeconds} s`);
    }
    expect(problems).toEqual([]);
  });

  test("pods run as non-root with a read-only root, no capabilities and the runtime seccomp profile", () => {
    const problems: string[] = [];
    for (const w of workloads(objects())) {
      const name = w.deployment.metadata?.name;
      const pod = w.deployment.spec?.template.spec;
      const c = w.container.securityContext;
      if (!(pod?.securityContext?.runAsNonRoot ?? c?.runAsNonRoot)) problems.push(`${name}: runAsNonRoot is not true`);
      const uid = c?.runAsUser ?? pod?.securityContext?.runAsUser;
      if (uid !== IMAGE_UID) problems.push(`${name}: runAsUser ${uid}, the image's user is ${IMAGE_UID}`);
      const seccomp = c?.seccompProfile?.type ?? pod?.securityContext?.seccompProfile?.type;
      if (seccomp !== "RuntimeDefault") problems.push(`${name}: seccomp profile ${seccomp}`);
      if (c?.allowPrivilegeEscalation !== false) problems.push(`${name}: allowPrivilegeEscalation is not false`);
      if (c?.readOnlyRootFilesystem !== true) problems.push(`${name}: readOnlyRootFilesystem is not true`);
      if (c?.privileged) problems.push(`${name}: privileged`);
      if (!c?.capabilities?.drop?.includes("ALL")) problems.push(`${name}: capabilities.drop lacks ALL`);
      if ((c?.capabilities?.add ?? []).length > 0) problems.push(`${name}: adds capabilities`);
      if (pod?.automountServiceAccountToken !== false) problems.push(`${name}: mounts a service account token`);
      if (pod?.hostNetwork || pod?.hostPID || pod?.hostIPC) problems.push(`${name}: uses host namespaces`);
    }
    expect(problems).toEqual([]);
  });

  test("containers request and limit CPU and memory", () => {
    const problems: string[] = [];
    for (const w of workloads(objects())) {
      const name = w.deployment.metadata?.name;
      const { requests = {}, limits = {} } = w.container.resources ?? {};
      for (const r of ["cpu", "memory"]) {
        const req = requests[r];
        const lim = limits[r];
        if (req === undefined || lim === undefined) problems.push(`${name}: ${r} request or limit missing`);
        else if (quantity(req) > quantity(lim)) problems.push(`${name}: ${r} request ${req} above limit ${lim}`);
      }
    }
    expect(problems).toEqual([]);
  });

  test("DATABASE_URL comes from the Secret jinlian-database, never from the manifests", () => {
    const secrets = ofKind<ISecret>(objects(), "Secret", "v1");
    const problems: string[] = [];
    for (const w of workloads(objects())) {
      const name = w.deployment.metadata?.name;
      const ref = w.env.secrets.get("DATABASE_URL");
      if (ref?.name !== DATABASE_SECRET.name || ref.key !== DATABASE_SECRET.key) {
        problems.push(`${name}: DATABASE_URL is not secretKeyRef ${DATABASE_SECRET.name}/${DATABASE_SECRET.key}`);
      }
      for (const [k, v] of w.env.values)
        if (/^postgres(ql)?:\/\//.test(v)) problems.push(`${name}: ${k} holds a database URL in plain text`);
      // Rendered only by the local overlay (development credentials); elsewhere it is created per node.
      const secret = byName(secrets, DATABASE_SECRET.name);
      if (secret && secret.data?.[DATABASE_SECRET.key] === undefined && secret.stringData?.[DATABASE_SECRET.key] === undefined) {
        problems.push(`Secret ${DATABASE_SECRET.name} has no key ${DATABASE_SECRET.key}`);
      }
    }
    expect(problems).toEqual([]);
  });

  test("each Deployment has its ServiceAccount, Service (grpc, metrics), PodDisruptionBudget, spread and scrape annotations", () => {
    const services = ofKind<IService>(objects(), "Service", "v1");
    const budgets = ofKind<IPodDisruptionBudget>(objects(), "PodDisruptionBudget", "policy/v1");
    const accounts = ofKind<K8sObject>(objects(), "ServiceAccount", "v1");
    const problems: string[] = [];
    for (const w of workloads(objects())) {
      const name = w.deployment.metadata?.name ?? "";
      const template = w.deployment.spec?.template;
      const labels = template?.metadata?.labels;
      if (!selects(w.deployment.spec?.selector.matchLabels, labels)) problems.push(`${name}: selector does not match the pod labels`);
      const account = template?.spec?.serviceAccountName;
      if (!account || !byName(accounts, account)) problems.push(`${name}: ServiceAccount ${account} is not rendered`);

      const service = services.find((s) => selects(s.spec?.selector, labels));
      const grpc = service?.spec?.ports?.find((p) => p.name === "grpc");
      const metrics = service?.spec?.ports?.find((p) => p.name === "metrics");
      if (!service) problems.push(`${name}: no Service selects its pods`);
      else {
        if (grpc?.port !== GRPC_PORT_DEFAULT || (grpc.targetPort !== "grpc" && grpc.targetPort !== w.grpcPort)) {
          problems.push(`${name}: Service port "grpc" is not ${GRPC_PORT_DEFAULT} -> the container's grpc port`);
        }
        if (metrics?.port !== METRICS_PORT_DEFAULT || (metrics.targetPort !== "metrics" && metrics.targetPort !== w.metricsPort)) {
          problems.push(`${name}: Service port "metrics" is not ${METRICS_PORT_DEFAULT} -> the container's metrics port`);
        }
      }
      if (containerPort(w.container, "metrics") !== w.metricsPort)
        problems.push(`${name}: container port "metrics" is not METRICS_PORT=${w.metricsPort}`);
      const annotations = template?.metadata?.annotations ?? {};
      if (annotations["prometheus.io/scrape"] !== "true" || annotations["prometheus.io/port"] !== String(w.metricsPort)) {
        problems.push(`${name}: prometheus.io/scrape and prometheus.io/port=${w.metricsPort} annotations missing`);
      }
      if (!budgets.some((b) => selects(b.spec?.selector?.matchLabels, labels))) problems.push(`${name}: no PodDisruptionBudget`);
      const spread = template?.spec?.topologySpreadConstraints ?? [];
      if (spread.length === 0 || !spread.every((s) => selects(s.labelSelector?.matchLabels, labels))) {
        problems.push(`${name}: topologySpreadConstraints missing or not selecting its pods`);
      }
    }
    expect(problems).toEqual([]);
  });

  test("replicas stay within the partitions of a delivery topic; the city runs two", () => {
    const { jurisdiction } = namespaceOf(objects());
    for (const w of workloads(objects())) {
      const replicas = w.deployment.spec?.replicas ?? 1;
      // The outbox relay is a single leader (advisory lock), so replicas are safe; consumers
      // beyond the partition count would sit idle.
      expect(replicas).toBeGreaterThanOrEqual(1);
      expect(replicas).toBeLessThanOrEqual(deliveryPartitions);
      if (jurisdiction === CITY_JURISDICTION && overlay !== DEVELOPMENT_OVERLAY) expect(replicas).toBe(2);
    }
  });

  test(`the Kafka cluster runs Kafka ${kafkaVersion} (infra/kafka/pom.xml) in KRaft mode with auto topic creation off`, () => {
    const { name: namespace } = namespaceOf(objects());
    const kafkas = ofKind<Kafka>(objects(), "Kafka", STRIMZI_API_VERSION);
    expect(kafkas).toHaveLength(1);
    const kafka = kafkas[0];
    expect(kafka.spec.kafka.version).toBe(kafkaVersion);
    const [major, minor] = kafkaVersion.split(".");
    expect(kafka.spec.kafka.metadataVersion ?? `${major}.${minor}`).toMatch(new RegExp(`^${major}\\.${minor}(-IV\\d+)?$`));
    const config = kafka.spec.kafka.config ?? {};
    expect(String(config["auto.create.topics.enable"])).toBe("false");

    const pools = ofKind<KafkaNodePool>(objects(), "KafkaNodePool", STRIMZI_API_VERSION).filter(
      (p) => p.metadata.labels["strimzi.io/cluster"] === kafka.metadata.name,
    );
    expect(pools.length).toBe(ofKind<KafkaNodePool>(objects(), "KafkaNodePool").length);
    const roles = new Set(pools.flatMap((p) => p.spec.roles));
    expect([...roles].sort()).toEqual(["broker", "controller"]);
    const brokers = pools.filter((p) => p.spec.roles.includes("broker")).reduce((n, p) => n + p.spec.replicas, 0);
    for (const key of ["default.replication.factor", "offsets.topic.replication.factor", "transaction.state.log.replication.factor"]) {
      expect(Number(config[key] ?? 1)).toBeLessThanOrEqual(brokers);
    }
    expect(Number(config["min.insync.replicas"] ?? 1)).toBeLessThanOrEqual(Number(config["default.replication.factor"] ?? 1));

    // The nodes' KAFKA_BROKERS is this cluster's bootstrap Service on a plain listener (kafkajs
    // is configured without TLS).
    for (const w of workloads(objects())) {
      const brokersEnv = w.env.values.get("KAFKA_BROKERS") ?? "";
      const address = kafkaAddress(brokersEnv, namespace);
      expect({ cluster: address.cluster, namespace: address.namespace }).toEqual({ cluster: kafka.metadata.name, namespace });
      expect(kafka.spec.kafka.listeners.find((l) => l.port === address.port)?.tls).toBe(false);
    }
  });

  test("MirrorMaker 2 mirrors each delivery topic one way only, with identity names", () => {
    const mirrorMakers = ofKind<KafkaMirrorMaker2>(objects(), "KafkaMirrorMaker2", STRIMZI_API_VERSION);
    const { name: namespace, jurisdiction } = namespaceOf(objects());
    if (isDistrictCode(jurisdiction) && overlay !== DEVELOPMENT_OVERLAY) expect(mirrorMakers).toHaveLength(2);
    if (mirrorMakers.length === 0) return;
    expect(isDistrictCode(jurisdiction)).toBe(true);
    const cityNamespace = `jinlian-${CITY_JURISDICTION}`;
    const ns = workloads(objects())[0]?.env.values.get("JINLIAN_TOPIC_NAMESPACE") ?? "jinlian";

    // Every topic name the five services can produce anywhere in the federation.
    const nodes = [CITY_JURISDICTION, ...DISTRICT_CODES];
    const topics = new Set<string>();
    for (const service of new Set([...MECHANISM_SERVICES, ...knownServices])) {
      for (const from of nodes) {
        for (const to of nodes) if (from !== to) topics.add(deliveryTopic(ns, service, from, to));
        topics.add(deadLetterTopic(ns, from, service));
      }
    }
    const flows: { mm2: string; from: string; to: string; matches: (t: string) => boolean }[] = [];
    const problems: string[] = [];
    for (const mm2 of mirrorMakers) {
      const name = mm2.metadata.name;
      expect(mm2.spec.version).toBe(kafkaVersion);
      const target = kafkaAddress(mm2.spec.target.bootstrapServers, namespace);
      if (mm2.spec.target.alias !== target.namespace)
        problems.push(`${name}: target alias ${mm2.spec.target.alias}, cluster of ${target.namespace}`);
      // Connect's internal names must not collide on a cluster shared by several districts.
      for (const internal of [
        mm2.spec.target.groupId,
        mm2.spec.target.configStorageTopic,
        mm2.spec.target.offsetStorageTopic,
        mm2.spec.target.statusStorageTopic,
      ]) {
        topics.add(internal);
        if (target.namespace !== namespace && !internal.includes(jurisdiction))
          problems.push(`${name}: ${internal} on a shared cluster lacks ${jurisdiction}`);
      }
      for (const mirror of mm2.spec.mirrors) {
        const source = kafkaAddress(mirror.source.bootstrapServers, namespace);
        if (mirror.source.alias !== source.namespace)
          problems.push(`${name}: source alias ${mirror.source.alias}, cluster of ${source.namespace}`);
        const config = mirror.sourceConnector?.config ?? {};
        if (config["replication.policy.class"] !== "org.apache.kafka.connect.mirror.IdentityReplicationPolicy") {
          problems.push(`${name}: not IdentityReplicationPolicy (topics would be renamed <alias>.<topic>)`);
        }
        // Nothing is written back to the source cluster; offsets are never translated.
        if (String(config["emit.offset-syncs.enabled"]) !== "false" || mirror.checkpointConnector) {
          problems.push(`${name}: writes offset syncs or checkpoints`);
        }
        flows.push({ mm2: name, from: source.namespace, to: target.namespace, matches: topicMatcher(mirror.topicsPattern) });
      }
    }
    const district = `jinlian-${jurisdiction}`;
    for (const topic of topics) {
      const carriers = flows.filter((f) => f.matches(topic)).map((f) => `${f.mm2} ${f.from} -> ${f.to}`);
      const down = MECHANISM_SERVICES.some((s) => topic === deliveryTopic(ns, s, CITY_JURISDICTION, jurisdiction));
      const up = MECHANISM_SERVICES.some((s) => topic === deliveryTopic(ns, s, jurisdiction, CITY_JURISDICTION));
      const expected = down ? [`${cityNamespace} -> ${district}`] : up ? [`${district} -> ${cityNamespace}`] : [];
      const actual = carriers.map((c) => c.slice(c.indexOf(" ") + 1));
      if (JSON.stringify(actual) !== JSON.stringify(expected))
        problems.push(`${topic}: carried by [${carriers.join("; ")}], expected [${expected.join("; ")}]`);
    }
    expect(problems).toEqual([]);
  });

  test("network policies: gRPC from the namespace, metrics from monitoring, egress to Kafka, PostgreSQL and DNS", () => {
    const policies = ofKind<INetworkPolicy>(objects(), "NetworkPolicy", "networking.k8s.io/v1");
    const labels = workloads(objects())[0]?.deployment.spec?.template.metadata?.labels;
    const mine = policies.filter((p) => selects(p.spec?.podSelector.matchLabels, labels));
    if (overlay !== DEVELOPMENT_OVERLAY) expect(mine.length).toBeGreaterThan(0);
    if (mine.length === 0) return;
    const ingress = mine.flatMap((p) => p.spec?.ingress ?? []);
    const egress = mine.flatMap((p) => p.spec?.egress ?? []);
    const opens = (rules: typeof ingress, port: number) => rules.filter((r) => (r.ports ?? []).some((p) => p.port === port));
    // gRPC only from pods of this namespace (a podSelector alone, no namespaceSelector/ipBlock).
    const grpc = opens(ingress, GRPC_PORT_DEFAULT);
    expect(grpc.length).toBeGreaterThan(0);
    for (const rule of grpc) {
      expect(rule.from?.length).toBeGreaterThan(0);
      for (const peer of rule.from ?? []) expect(peer).toEqual({ podSelector: expect.any(Object) });
    }
    const metrics = opens(ingress, METRICS_PORT_DEFAULT);
    expect(metrics.length).toBeGreaterThan(0);
    for (const rule of metrics) {
      for (const peer of rule.from ?? [])
        expect(peer.namespaceSelector?.matchLabels).toEqual({ "kubernetes.io/metadata.name": "monitoring" });
    }
    // No ingress rule without a port or without peers (it would open everything).
    for (const rule of ingress) {
      expect(rule.ports?.length).toBeGreaterThan(0);
      expect(rule.from?.length).toBeGreaterThan(0);
    }
    const egressPorts = new Set(egress.flatMap((r) => (r.ports ?? []).map((p) => `${p.protocol ?? "TCP"}/${p.port}`)));
    for (const needed of ["TCP/9092", "TCP/5432", "UDP/53", "TCP/53"]) expect(egressPorts).toContain(needed);
    for (const rule of egress) expect(rule.ports?.length).toBeGreaterThan(0);
  });
});

describe("image", () => {
  const dockerfile = readFileSync(path.join(K8S_DIR, "image", "Dockerfile"), "utf8");
  const rootPackage = JSON.parse(readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as {
    packageManager: string;
    engines: { node: string };
  };

  test("builds with the workspace's pnpm and Node major version", () => {
    const pnpmVersion = rootPackage.packageManager.replace(/^pnpm@/, "");
    expect(dockerfile).toContain(`pnpm@${pnpmVersion}`);
    const nodeMajor = /(\d+)/.exec(rootPackage.engines.node)?.[1];
    const bases = [...dockerfile.matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1]);
    expect(bases).toEqual([`node:${nodeMajor}-bookworm-slim`, `gcr.io/distroless/nodejs${nodeMajor}-debian12:nonroot`]);
  });

  test("runs the node with the telemetry bootstrap, as the user the Deployments expect", () => {
    const cmd = /^CMD\s+(\[.*\])\s*$/m.exec(dockerfile)?.[1];
    expect(JSON.parse(cmd ?? "null")).toEqual([
      "--require",
      "./packages/chassis/dist/telemetry/bootstrap.js",
      "packages/node/dist/main.js",
    ]);
    // Those are the compiled forms of these sources.
    expect(() => readFileSync(path.join(REPO_ROOT, "packages/chassis/src/telemetry/bootstrap.ts"))).not.toThrow();
    expect(() => readFileSync(path.join(REPO_ROOT, "packages/node/src/main.ts"))).not.toThrow();
    expect(dockerfile).toMatch(new RegExp(`^USER ${IMAGE_UID}:${IMAGE_UID}$`, "m"));
  });
});
