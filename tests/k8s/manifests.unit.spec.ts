/**
 * Offline checks of the Kubernetes manifests in k8s/: every overlay and every district of the
 * fleet (rendered from k8s/fleet/district as Flux does) is rendered with `kubectl kustomize` (no
 * cluster), every built-in object is validated against the Kubernetes OpenAPI schema
 * (kubernetes-models), every Strimzi, Prometheus Operator and Flux resource against the schema of
 * the fields we use (./strimzi-schemas, ./crd-schemas), and the properties the node's runtime
 * contract depends on are asserted. Values that exist elsewhere in the repository are read from
 * there (Kafka version from infra/kafka/pom.xml, topic names and MirrorMaker patterns from the
 * subscriber package, ACLs from the stream catalogue, service names from the node registry and
 * the .proto files), so the manifests cannot drift from them unnoticed. A real node's gRPC is
 * mutual TLS with cert-manager certificates (components/grpc-mtls), the development node's plaintext. The fleet as a whole (one
 * district per code, generated files, ACLs between districts) is checked in ./fleet.unit.spec.ts.
 */
import { CITY_JURISDICTION, DISTRICT_CODES, isDistrictCode, isJurisdictionCode } from "@jinlian/kernel";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import {
  channelsOf,
  deadLetterTopic,
  deliveryTopic,
  federationLinks,
  mirrors,
  NODE_PARTS,
  STREAMS,
  type MirrorLink,
} from "@jinlian/chassis";
import { SERVICE_MODULES } from "@jinlian/node";
import { Deployment, StatefulSet, type IDeployment } from "kubernetes-models/apps/v1";
import { NetworkPolicy, type INetworkPolicy } from "kubernetes-models/networking.k8s.io/v1";
import { PodDisruptionBudget, type IPodDisruptionBudget } from "kubernetes-models/policy/v1";
import { ConfigMap, Namespace, Secret, Service, ServiceAccount, type ISecret, type IService } from "kubernetes-models/v1";
import type { IContainer } from "kubernetes-models/v1/Container";
import type { IProbe } from "kubernetes-models/v1/Probe";
import { parse } from "yaml";
import { CRD_VALIDATORS, type CertManagerCertificate, type CertManagerIssuer, type PrometheusRule } from "./crd-schemas";
import {
  connectNames,
  KAFKA_CLUSTER,
  linkAcls,
  linkUserName,
  serviceAcls,
  serviceUserName,
  TOPIC_NAMESPACE,
  type KafkaUserResource,
  type LinkDirection,
} from "./fleet";
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
import { runtimeLayout } from "../image/dockerfile";
import {
  STRIMZI_API_VERSION,
  STRIMZI_VALIDATORS,
  type ClusterConnection,
  type Kafka,
  type KafkaListener,
  type KafkaMirrorMaker2,
  type KafkaNodePool,
} from "./strimzi-schemas";

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

/** Overlays that must exist besides one per district (fleet.unit.spec.ts checks those). */
const REQUIRED_OVERLAYS = ["local", "municipal"];
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
const JURISDICTION_LABEL = "jinlian.tj.gov.cn/jurisdiction";
const KAFKA_TLS_FILES = ["KAFKA_TLS_CERT_FILE", "KAFKA_TLS_KEY_FILE"];
const KAFKA_SASL_VARIABLES = ["KAFKA_SASL_MECHANISM", "KAFKA_SASL_USERNAME", "KAFKA_SASL_PASSWORD_FILE"];
/**
 * gRPC with mutual TLS (components/grpc-mtls): the files the node reads, each the key of the
 * Secret a cert-manager Certificate writes; the plaintext port that serves health alone, for the
 * probes; the Issuer, signing with the SREs' Secret of the same name.
 */
const GRPC_TLS_FILES: Readonly<Record<string, string>> = {
  GRPC_TLS_CERT_FILE: "tls.crt",
  GRPC_TLS_KEY_FILE: "tls.key",
  GRPC_TLS_CLIENT_CA_FILE: "ca.crt",
};
const GRPC_HEALTH_PORT = 8081;
const GRPC_ISSUER = "jinlian-grpc-ca";
const CERT_MANAGER_API_VERSION = "cert-manager.io/v1";
/** Listener types that are reachable from outside the Kubernetes cluster. */
const EXTERNAL_LISTENER_TYPES = ["route", "loadbalancer", "ingress"];

const overlays = overlayNames();
const kafkaVersion = pomKafkaVersion();
const knownServices = SERVICE_MODULES.map((m) => m.name);
/** Partitions of the services' delivery topics (the node's own heartbeats, one partition, aside). */
const deliveryPartitions = Math.min(
  ...STREAMS.filter((s) => s.kind === "delivery" && !NODE_PARTS.includes(s.service)).map((s) => s.partitions),
);

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
  /** GRPC_HEALTH_PORT: the plaintext port serving grpc.health.v1 alone, if any. */
  healthPort: number | undefined;
  metricsPort: number;
  shutdownGraceSeconds: number;
}

/** The overlay's one Namespace, and the jurisdiction its label names (a string, as Flux must leave it). */
function namespaceOf(objects: readonly K8sObject[]): { name: string; jurisdiction: string } {
  const namespaces = ofKind<K8sObject>(objects, "Namespace", "v1");
  if (namespaces.length !== 1) throw new Error(`expected one Namespace, got ${namespaces.length}`);
  const name = namespaces[0].metadata.name;
  const jurisdiction: unknown = namespaces[0].metadata.labels?.[JURISDICTION_LABEL];
  if (typeof jurisdiction !== "string")
    throw new Error(`namespace ${name}: label ${JURISDICTION_LABEL} is not a string: ${String(jurisdiction)}`);
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
      healthPort: env.values.has("GRPC_HEALTH_PORT") ? Number(env.values.get("GRPC_HEALTH_PORT")) : undefined,
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

/** `host:port` of the first bootstrap server. */
function hostPort(bootstrap: string): { host: string; port: number } {
  const [host, port] = bootstrap.split(",")[0].split(":");
  return { host, port: Number(port) };
}

/** The node's own Kafka cluster and the listener a bootstrap address inside the namespace reaches. */
function localListener(bootstrap: string, kafka: Kafka): KafkaListener | undefined {
  const { host, port } = hostPort(bootstrap);
  if (host !== `${kafka.metadata.name}-kafka-bootstrap`) return undefined;
  return kafka.spec.kafka.listeners.find((l) => l.port === port && l.type === "internal");
}

/** Where a file a container reads comes from: the Secret and key projected to that path. */
function fileSource(deployment: IDeployment, container: IContainer, file: string): { secret: string; key: string } | undefined {
  for (const mount of container.volumeMounts ?? []) {
    const prefix = mount.mountPath.endsWith("/") ? mount.mountPath : `${mount.mountPath}/`;
    if (!file.startsWith(prefix)) continue;
    const relative = file.slice(prefix.length);
    const volume = deployment.spec?.template.spec?.volumes?.find((v) => v.name === mount.name);
    const secrets = [
      ...(volume?.secret ? [{ name: volume.secret.secretName ?? "", items: volume.secret.items }] : []),
      ...(volume?.projected?.sources ?? []).flatMap((s) => (s.secret ? [{ name: s.secret.name ?? "", items: s.secret.items }] : [])),
    ];
    for (const s of secrets) {
      const item = s.items?.find((i) => i.path === relative);
      if (item) return { secret: s.name, key: item.key };
    }
  }
  return undefined;
}

interface KafkaClient {
  mode: "tls" | "scram";
  /** The KafkaUser whose Secret the credentials come from. */
  user: string;
  problems: string[];
}

/**
 * How a service Deployment authenticates to its node's Kafka: the KAFKA_TLS_* or KAFKA_SASL_*
 * variables the node's client reads (never both), each file mounted from the right Secret key.
 */
function kafkaClientOf(w: Workload, kafka: Kafka): KafkaClient {
  const name = w.deployment.metadata?.name;
  const v = w.env.values;
  const problems: string[] = [];
  const tls = KAFKA_TLS_FILES.filter((k) => v.has(k));
  const sasl = KAFKA_SASL_VARIABLES.filter((k) => v.has(k) || w.env.secrets.has(k));
  if (tls.length > 0 && sasl.length > 0) problems.push(`${name}: sets both ${tls.join(", ")} and ${sasl.join(", ")}`);
  const from = (variable: string) => {
    const file = v.get(variable);
    if (file === undefined) return undefined;
    const source = fileSource(w.deployment, w.container, file);
    if (!source) problems.push(`${name}: ${variable}=${file} is not a mounted Secret key`);
    return source;
  };
  const ca = from("KAFKA_TLS_CA_FILE");
  const caSecret = `${kafka.metadata.name}-cluster-ca-cert`;
  if (ca?.secret !== caSecret || ca.key !== "ca.crt") problems.push(`${name}: KAFKA_TLS_CA_FILE is not ${caSecret}/ca.crt`);
  let mode: KafkaClient["mode"] = "tls";
  let user = "";
  if (sasl.length > 0) {
    mode = "scram";
    if (sasl.length !== KAFKA_SASL_VARIABLES.length) problems.push(`${name}: only ${sasl.join(", ")} of the SASL settings`);
    if (v.get("KAFKA_SASL_MECHANISM") !== "scram-sha-512") problems.push(`${name}: KAFKA_SASL_MECHANISM is not scram-sha-512`);
    user = v.get("KAFKA_SASL_USERNAME") ?? "";
    const password = from("KAFKA_SASL_PASSWORD_FILE");
    if (password?.secret !== user || password.key !== "password") problems.push(`${name}: the password file is not ${user}/password`);
  } else {
    const cert = from("KAFKA_TLS_CERT_FILE");
    const key = from("KAFKA_TLS_KEY_FILE");
    user = cert?.secret ?? "";
    if (cert?.key !== "user.crt" || key?.key !== "user.key" || key.secret !== user)
      problems.push(`${name}: certificate and key are not user.crt and user.key of one KafkaUser's Secret`);
  }
  const mount = w.container.volumeMounts?.find((m) => (v.get("KAFKA_TLS_CA_FILE") ?? "").startsWith(m.mountPath));
  if (mount && mount.readOnly !== true) problems.push(`${name}: the credentials are mounted writable`);
  return { mode, user, problems };
}

/** The Kafka listener type that authenticates a client of this mode. */
const AUTHENTICATION_OF = { tls: "tls", scram: "scram-sha-512" } as const;

/** Jurisdiction code of a MirrorMaker cluster alias (`<ns>-<code>`, as federation-links names them). */
function aliasCode(alias: string): string {
  return alias.slice(alias.lastIndexOf("-") + 1);
}

/** Every topic name the five services can have anywhere in the federation. */
function everyTopic(ns: string): Set<string> {
  const nodes = [CITY_JURISDICTION, ...DISTRICT_CODES];
  const topics = new Set<string>();
  for (const service of new Set([...MECHANISM_SERVICES, ...knownServices])) {
    for (const from of nodes) {
      for (const to of nodes) if (from !== to) topics.add(deliveryTopic(ns, service, from, to));
      topics.add(deadLetterTopic(ns, from, service));
    }
  }
  for (const node of nodes) for (const service of knownServices) for (const c of channelsOf(ns, node, service)) topics.add(c.topic);
  return topics;
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

/** A Go duration as cert-manager reads it (2160h, 1h30m), in seconds. */
function goDurationSeconds(value: string): number {
  const units: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 1e-3 };
  let seconds = 0;
  for (const m of value.matchAll(/([0-9.]+)(ms|h|m|s)/g)) seconds += Number(m[1]) * units[m[2]];
  return seconds;
}

/**
 * What is wrong with a node's gRPC transport. A real node: every service Deployment reads its
 * certificate, key and CA (GRPC_TLS_*) from one read-only Secret volume (no subPath, which would
 * never see a renewal) whose Secret a Certificate of the node's Issuer jinlian-grpc-ca writes, for
 * server AND client auth (the node calls its peers with it), naming the Service its callers dial;
 * every peer a service dials by Service name (*_ADDRESS) has such a certificate; the probes use the
 * plaintext health port, which the container declares; no Service calls the TLS port h2c. The
 * development node: none of it, probes on the gRPC port.
 */
function grpcTlsProblems(objects: readonly K8sObject[], development: boolean): string[] {
  const certificates = ofKind<CertManagerCertificate>(objects, "Certificate", CERT_MANAGER_API_VERSION);
  const issuers = ofKind<CertManagerIssuer>(objects, "Issuer", CERT_MANAGER_API_VERSION);
  const services = ofKind<IService>(objects, "Service", "v1").filter((s) => s.spec?.ports?.some((p) => p.name === "grpc"));
  const problems: string[] = [];
  const probePorts = (w: Workload) =>
    [w.container.startupProbe, w.container.readinessProbe, w.container.livenessProbe].map((p) => p?.grpc?.port);

  if (development) {
    for (const w of workloads(objects)) {
      const name = w.deployment.metadata?.name;
      const set = [...Object.keys(GRPC_TLS_FILES), "GRPC_HEALTH_PORT"].filter((k) => w.env.values.has(k) || w.env.secrets.has(k));
      if (set.length > 0) problems.push(`${name}: the development node sets ${set.join(", ")}`);
      if (probePorts(w).some((p) => p !== w.grpcPort))
        problems.push(`${name}: probes ${probePorts(w).join(", ")}, not GRPC_PORT=${w.grpcPort}`);
    }
    if (certificates.length + issuers.length > 0) problems.push("the development node has cert-manager resources");
    return problems;
  }

  const issuer = byName(issuers, GRPC_ISSUER);
  if (issuer?.spec.ca.secretName !== GRPC_ISSUER)
    problems.push(`no Issuer ${GRPC_ISSUER} of type ca signing with the Secret ${GRPC_ISSUER}`);
  /** The certificate the pods behind a Service present, checked once per Deployment below. */
  const certificateOf = new Map<string, CertManagerCertificate>();

  for (const w of workloads(objects)) {
    const name = w.deployment.metadata?.name ?? "";
    const secrets = new Set<string>();
    for (const [variable, key] of Object.entries(GRPC_TLS_FILES)) {
      const file = w.env.values.get(variable);
      const source = file === undefined ? undefined : fileSource(w.deployment, w.container, file);
      if (file === undefined) problems.push(`${name}: ${variable} is not set`);
      else if (!source) problems.push(`${name}: ${variable}=${file} is not a key of a mounted Secret`);
      else if (source.key !== key) problems.push(`${name}: ${variable} is key ${source.key} of Secret ${source.secret}, not ${key}`);
      if (source) secrets.add(source.secret);
    }
    const cert = w.env.values.get("GRPC_TLS_CERT_FILE") ?? "";
    const mount = w.container.volumeMounts?.find((m) => cert.startsWith(`${m.mountPath}/`));
    if (mount && (mount.readOnly !== true || mount.subPath))
      problems.push(`${name}: the gRPC certificate is mounted writable or by subPath (renewals never reach a subPath)`);
    if (secrets.size > 1) problems.push(`${name}: certificate, key and CA come from different Secrets: ${[...secrets].join(", ")}`);

    const [secret] = [...secrets];
    const certificate = certificates.find((c) => c.spec.secretName === secret);
    const service = services.find((s) => selects(s.spec?.selector, w.deployment.spec?.template.metadata?.labels));
    if (secret !== undefined && !certificate) problems.push(`${name}: no Certificate writes the Secret ${secret}`);
    if (certificate) {
      const what = `${name}: Certificate ${certificate.metadata.name}`;
      const usages = certificate.spec.usages ?? [];
      for (const usage of ["server auth", "client auth"]) if (!usages.includes(usage)) problems.push(`${what} lacks the usage ${usage}`);
      const ref = certificate.spec.issuerRef;
      if ((ref.kind ?? "Issuer") !== "Issuer" || ref.name !== GRPC_ISSUER)
        problems.push(`${what} is not issued by the Issuer ${GRPC_ISSUER}`);
      const serviceName = service?.metadata?.name ?? "(no Service)";
      if (!(certificate.spec.dnsNames ?? []).includes(serviceName)) problems.push(`${what} does not name the Service ${serviceName}`);
      // cert-manager refuses a renewal window as long as the certificate.
      const { duration = "2160h", renewBefore } = certificate.spec;
      if (renewBefore !== undefined && goDurationSeconds(renewBefore) >= goDurationSeconds(duration))
        problems.push(`${what}: renewBefore ${renewBefore} is not shorter than duration ${duration}`);
      if (service?.metadata?.name) certificateOf.set(service.metadata.name, certificate);
    }

    if (w.healthPort !== GRPC_HEALTH_PORT) problems.push(`${name}: GRPC_HEALTH_PORT is ${w.healthPort}, not ${GRPC_HEALTH_PORT}`);
    if (!w.container.ports?.some((p) => p.containerPort === GRPC_HEALTH_PORT))
      problems.push(`${name}: no container port ${GRPC_HEALTH_PORT}`);
    if (probePorts(w).some((p) => p !== GRPC_HEALTH_PORT))
      problems.push(`${name}: probes ${probePorts(w).join(", ")}, not the health port ${GRPC_HEALTH_PORT}`);
  }

  // A peer's address (mediation -> legal-services:50051) is a Service whose certificate names it:
  // the caller verifies the server's certificate against that host name.
  for (const w of workloads(objects))
    for (const [variable, value] of w.env.values) {
      const host = /_ADDRESS$/.test(variable) ? /^([a-z0-9-]+):[0-9]+$/.exec(value)?.[1] : undefined;
      if (host === undefined) continue;
      const certificate = certificateOf.get(host);
      if (!certificate || !(certificate.spec.dnsNames ?? []).includes(host))
        problems.push(`${w.deployment.metadata?.name}: ${variable}=${value}, but no certificate of the Service ${host} names ${host}`);
    }

  for (const s of services) {
    const grpc = s.spec?.ports?.find((p) => p.name === "grpc");
    if (grpc?.appProtocol === "kubernetes.io/h2c")
      problems.push(`Service ${s.metadata?.name}: the TLS port is declared plaintext HTTP/2 (h2c)`);
  }
  return problems;
}

describe.each(overlays)("overlay %s", (overlay) => {
  const objects = (): K8sObject[] => renderOverlay(overlay);
  const isDevelopment = overlay === DEVELOPMENT_OVERLAY;

  test("renders, and every built-in object is valid against the Kubernetes schema", () => {
    const problems: string[] = [];
    for (const o of objects()) {
      if (o.apiVersion.startsWith("kafka.strimzi.io/") || CRD_VALIDATORS.has(`${o.apiVersion}/${o.kind}`)) continue;
      const Model = BUILT_IN.get(`${o.apiVersion}/${o.kind}`);
      if (!Model) {
        problems.push(`${o.apiVersion} ${o.kind} ${o.metadata.name}: no schema; add the kind to BUILT_IN or CRD_VALIDATORS`);
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

  test("every Strimzi resource uses kafka.strimzi.io/v1 and only the fields of its schema; other custom resources too", () => {
    const problems: string[] = [];
    for (const o of objects()) {
      const what = `${o.apiVersion} ${o.kind} ${o.metadata.name}`;
      const validate = STRIMZI_VALIDATORS.get(`${o.apiVersion}/${o.kind}`) ?? CRD_VALIDATORS.get(`${o.apiVersion}/${o.kind}`);
      if (!validate) {
        if (o.apiVersion.startsWith("kafka.strimzi.io/"))
          problems.push(`${what}: not a kafka.strimzi.io/v1 kind with a schema in strimzi-schemas.ts`);
      } else if (!validate(o)) {
        for (const e of validate.errors ?? []) problems.push(`${what} ${e.instancePath}: ${e.message} ${JSON.stringify(e.params)}`);
      }
    }
    expect(problems).toEqual([]);
  });

  test("everything lands in the node's namespace; a real node's is named after its jurisdiction, the development one after none", () => {
    const { name, jurisdiction } = namespaceOf(objects());
    expect(isJurisdictionCode(jurisdiction)).toBe(true);
    if (isDevelopment) {
      // A development cluster must never write into a namespace a real node uses.
      expect([CITY_JURISDICTION, ...DISTRICT_CODES].map((c) => `${KAFKA_CLUSTER}-${c}`)).not.toContain(name);
    } else {
      expect(name).toBe(`${KAFKA_CLUSTER}-${jurisdiction}`);
    }
    const elsewhere = objects()
      .filter((o) => o.kind !== "Namespace" && o.metadata.namespace !== name)
      .map((o) => `${o.kind} ${o.metadata.name} in ${o.metadata.namespace}`);
    expect(elsewhere).toEqual([]);
    // Placeholders of the fleet template (k8s/fleet/district) must all be filled in.
    expect(JSON.stringify(objects())).not.toMatch(/\$\{|DISTRICT/);
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

  test("readiness, liveness and startup are native gRPC health probes of the service, on the health port if there is one", () => {
    const problems: string[] = [];
    for (const w of workloads(objects())) {
      const name = w.deployment.metadata?.name;
      const healthNames = grpcServiceNames(w.target);
      if (healthNames.length === 0) problems.push(`${name}: no gRPC service declared in proto/jinlian/${w.target}/v1`);
      if (containerPort(w.container, "grpc") !== w.grpcPort) problems.push(`${name}: container port "grpc" is not GRPC_PORT=${w.grpcPort}`);
      // Kubelet's gRPC probes speak plaintext: with TLS on the gRPC port they need the health port.
      const tls = Object.keys(GRPC_TLS_FILES).some((k) => w.env.values.has(k));
      if (tls && w.healthPort === undefined) problems.push(`${name}: gRPC is TLS but there is no GRPC_HEALTH_PORT for the probes`);
      if (w.healthPort !== undefined && !w.container.ports?.some((p) => p.containerPort === w.healthPort))
        problems.push(`${name}: no container port for GRPC_HEALTH_PORT=${w.healthPort}`);
      const probePort = w.healthPort ?? w.grpcPort;
      const portName = w.healthPort === undefined ? "GRPC_PORT" : "GRPC_HEALTH_PORT";
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
        if (probe.grpc.port !== probePort) problems.push(`${name}: ${kind} probes port ${probe.grpc.port}, not ${portName}=${probePort}`);
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

  test("callers authenticate with signed tokens and every access rule is enforced; only the development overlay believes headers", () => {
    const problems: string[] = [];
    for (const w of workloads(objects())) {
      const name = w.deployment.metadata?.name;
      const mode = w.env.values.get("JINLIAN_AUTH");
      if (isDevelopment) {
        if (mode !== "development") problems.push(`${name}: the development overlay runs JINLIAN_AUTH=${mode}`);
        continue;
      }
      if (mode !== "jwt") problems.push(`${name}: JINLIAN_AUTH=${mode ?? "(unset, development)"}, not jwt`);
      if (!w.env.values.get("JINLIAN_AUTH_ISSUER")) problems.push(`${name}: no JINLIAN_AUTH_ISSUER`);
      const jwks = w.env.values.get("JINLIAN_AUTH_JWKS_FILE") ?? "";
      const mount = w.container.volumeMounts?.find((m) => jwks.startsWith(`${m.mountPath}/`));
      const volume = w.deployment.spec?.template.spec?.volumes?.find((v) => v.name === mount?.name);
      if (!mount || volume?.configMap?.name !== "jinlian-auth-keys")
        problems.push(`${name}: JINLIAN_AUTH_JWKS_FILE=${jwks} is not a file of the ConfigMap jinlian-auth-keys`);
      else if (!volume.configMap.items?.some((i) => `${mount.mountPath}/${i.path}` === jwks))
        problems.push(`${name}: the ConfigMap jinlian-auth-keys does not project ${jwks}`);
    }
    expect(problems).toEqual([]);
  });

  test("parties' personal data is sealed with the node's keyring, mounted from the Secret jinlian-personal-data-keys", () => {
    const problems: string[] = [];
    for (const w of workloads(objects())) {
      const name = w.deployment.metadata?.name;
      const file = w.env.values.get("JINLIAN_PERSONAL_DATA_KEYS_FILE") ?? "";
      const mount = w.container.volumeMounts?.find((m) => file.startsWith(`${m.mountPath}/`));
      const volume = w.deployment.spec?.template.spec?.volumes?.find((v) => v.name === mount?.name);
      // In the development overlay kustomize generates it, with its content hash in the name.
      if (!mount || !/^jinlian-personal-data-keys(-[a-z0-9]{10})?$/.test(volume?.secret?.secretName ?? ""))
        problems.push(
          `${name}: JINLIAN_PERSONAL_DATA_KEYS_FILE=${file || "(unset)"} is not a file of the Secret jinlian-personal-data-keys`,
        );
      else if (!volume!.secret!.items?.some((i) => `${mount.mountPath}/${i.path}` === file))
        problems.push(`${name}: the Secret jinlian-personal-data-keys does not project ${file}`);
    }
    // Only the development overlay may carry a keyring in the manifests; a real node's is its own Secret.
    const inManifests = ofKind<ISecret>(objects(), "Secret", "v1").filter((x) =>
      x.metadata?.name?.startsWith("jinlian-personal-data-keys"),
    );
    if (!isDevelopment && inManifests.length > 0) problems.push("a personal-data keyring is in the manifests");
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
    const kafkas = ofKind<Kafka>(objects(), "Kafka", STRIMZI_API_VERSION);
    expect(kafkas).toHaveLength(1);
    const kafka = kafkas[0];
    expect(kafka.metadata.name).toBe(KAFKA_CLUSTER);
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
  });

  test("Kafka authenticates every listener, authorizes by ACL, and lets only the node's own pods reach its internal listeners", () => {
    const kafka = ofKind<Kafka>(objects(), "Kafka", STRIMZI_API_VERSION)[0];
    expect(kafka.spec.kafka.authorization?.type).toBe("simple");
    expect(kafka.spec.kafka.authorization?.superUsers ?? []).toEqual([]);
    // KafkaUsers are turned into certificates and ACLs by the User Operator.
    expect(kafka.spec.entityOperator?.userOperator).toBeDefined();
    const serviceLabels = workloads(objects())[0]?.deployment.spec?.template.metadata?.labels;
    const problems: string[] = [];
    for (const l of kafka.spec.kafka.listeners) {
      if (!l.tls) problems.push(`${l.name}: not TLS`);
      if (!l.authentication) problems.push(`${l.name}: no authentication`);
      if (l.type === "internal") {
        const peers = l.networkPolicyPeers ?? [];
        if (peers.length === 0) problems.push(`${l.name}: internal listener open to every namespace (no networkPolicyPeers)`);
        if (peers.some((p) => p.namespaceSelector)) problems.push(`${l.name}: peers outside the namespace`);
        if (!peers.some((p) => selects(p.podSelector?.matchLabels, serviceLabels)))
          problems.push(`${l.name}: the service pods are not peers`);
      }
    }
    expect(problems).toEqual([]);
  });

  test("each service connects with its own KafkaUser, over TLS, by certificate or by SCRAM but never both, with the ACLs the catalogue implies", () => {
    const { jurisdiction } = namespaceOf(objects());
    const kafka = ofKind<Kafka>(objects(), "Kafka", STRIMZI_API_VERSION)[0];
    const users = ofKind<KafkaUserResource>(objects(), "KafkaUser", STRIMZI_API_VERSION);
    const problems: string[] = [];
    for (const w of workloads(objects())) {
      const name = w.deployment.metadata?.name;
      const client = kafkaClientOf(w, kafka);
      problems.push(...client.problems);
      if (client.user !== serviceUserName(w.target))
        problems.push(`${name}: authenticates as ${client.user}, not ${serviceUserName(w.target)}`);
      const user = byName(users, client.user);
      if (!user) problems.push(`${name}: no KafkaUser ${client.user}`);
      else {
        if (user.metadata.labels["strimzi.io/cluster"] !== kafka.metadata.name)
          problems.push(`${name}: ${client.user} is not a user of ${kafka.metadata.name}`);
        if (user.spec.authentication.type !== AUTHENTICATION_OF[client.mode])
          problems.push(
            `${name}: KafkaUser ${client.user} authenticates by ${user.spec.authentication.type}, the Deployment by ${client.mode}`,
          );
        expect({ user: client.user, acls: user.spec.authorization.acls }).toEqual({
          user: client.user,
          acls: serviceAcls(w.env.values.get("JINLIAN_TOPIC_NAMESPACE") ?? "", jurisdiction, w.target),
        });
      }
      const listener = localListener(w.env.values.get("KAFKA_BROKERS") ?? "", kafka);
      if (!listener) problems.push(`${name}: KAFKA_BROKERS is not an internal listener of ${kafka.metadata.name}`);
      else if (!listener.tls || listener.authentication?.type !== AUTHENTICATION_OF[client.mode])
        problems.push(`${name}: listener ${listener.name} does not take ${client.mode} clients over TLS`);
    }
    expect(problems).toEqual([]);
  });

  test("every KafkaUser belongs to this cluster and is one the fleet expects here", () => {
    const { jurisdiction } = namespaceOf(objects());
    const users = ofKind<KafkaUserResource>(objects(), "KafkaUser", STRIMZI_API_VERSION);
    const expected = new Set(knownServices.map(serviceUserName));
    if (isDistrictCode(jurisdiction)) for (const d of ["down", "up"] as const) expected.add(linkUserName(d, "district", jurisdiction));
    if (jurisdiction === CITY_JURISDICTION && !isDevelopment)
      for (const code of DISTRICT_CODES) for (const d of ["down", "up"] as const) expected.add(linkUserName(d, "city", code));
    expect(users.map((u) => u.metadata.name).sort()).toEqual([...expected].sort());
    for (const u of users) expect(u.metadata.labels["strimzi.io/cluster"]).toBe(KAFKA_CLUSTER);
  });

  test("MirrorMaker 2 runs both links of a district with federation-links' patterns, each delivery topic one way only", () => {
    const mirrorMakers = ofKind<KafkaMirrorMaker2>(objects(), "KafkaMirrorMaker2", STRIMZI_API_VERSION);
    const { jurisdiction } = namespaceOf(objects());
    if (!isDistrictCode(jurisdiction)) {
      expect(mirrorMakers).toEqual([]);
      return;
    }
    expect(mirrorMakers.map((m) => m.metadata.name).sort()).toEqual(["federation-down", "federation-up"]);
    const ns = workloads(objects())[0]?.env.values.get("JINLIAN_TOPIC_NAMESPACE") ?? "";
    expect(ns).toBe(TOPIC_NAMESPACE);
    const links = federationLinks(ns, jurisdiction);
    const carried: { mm2: string; link: MirrorLink }[] = [];
    for (const direction of ["down", "up"] as const) {
      const mm2 = byName(mirrorMakers, `federation-${direction}`)!;
      const expected = links[direction];
      expect(mm2.spec.version).toBe(kafkaVersion);
      expect(mm2.spec.mirrors).toHaveLength(1);
      const mirror = mm2.spec.mirrors[0];
      // The one source of truth, shared with the local MirrorMaker (infra/mirror-maker).
      expect({
        source: mirror.source.alias,
        target: mm2.spec.target.alias,
        topics: mirror.topicsPattern,
        exclude: mirror.topicsExcludePattern,
      }).toEqual({
        source: expected.sourceAlias,
        target: expected.targetAlias,
        topics: expected.topicsPattern,
        exclude: expected.topicsExcludePattern,
      });
      const config = mirror.sourceConnector?.config ?? {};
      expect(config["replication.policy.class"]).toBe("org.apache.kafka.connect.mirror.IdentityReplicationPolicy");
      // Nothing is written back to the source cluster; offsets are never translated.
      expect(String(config["emit.offset-syncs.enabled"])).toBe("false");
      expect(mirror.checkpointConnector).toBeUndefined();
      carried.push({
        mm2: mm2.metadata.name,
        link: { ...expected, topicsPattern: mirror.topicsPattern, topicsExcludePattern: mirror.topicsExcludePattern ?? "" },
      });
    }
    const problems: string[] = [];
    for (const topic of everyTopic(ns)) {
      const by = carried.filter((c) => mirrors(c.link, topic)).map((c) => c.mm2);
      const down = MECHANISM_SERVICES.some((s) => topic === deliveryTopic(ns, s, CITY_JURISDICTION, jurisdiction));
      const up = MECHANISM_SERVICES.some((s) => topic === deliveryTopic(ns, s, jurisdiction, CITY_JURISDICTION));
      const expected = down ? ["federation-down"] : up ? ["federation-up"] : [];
      if (JSON.stringify(by) !== JSON.stringify(expected))
        problems.push(`${topic}: carried by [${by.join(", ")}], expected [${expected.join(", ")}]`);
    }
    expect(problems).toEqual([]);
  });

  test("MirrorMaker 2 in production: auto-restart, metrics, TLS and a certificate to both clusters, the city through its external listener", () => {
    const mirrorMakers = ofKind<KafkaMirrorMaker2>(objects(), "KafkaMirrorMaker2", STRIMZI_API_VERSION);
    if (mirrorMakers.length === 0) return;
    const { jurisdiction } = namespaceOf(objects());
    const kafka = ofKind<Kafka>(objects(), "Kafka", STRIMZI_API_VERSION)[0];
    const users = ofKind<KafkaUserResource>(objects(), "KafkaUser", STRIMZI_API_VERSION);
    const configMaps = ofKind<{ metadata: { name: string }; data?: Record<string, string> }>(objects(), "ConfigMap", "v1");
    const city = renderOverlay("municipal");
    const cityKafka = ofKind<Kafka>(city, "Kafka", STRIMZI_API_VERSION)[0];
    const cityUsers = ofKind<KafkaUserResource>(city, "KafkaUser", STRIMZI_API_VERSION);
    const external = cityKafka.spec.kafka.listeners.filter((l) => EXTERNAL_LISTENER_TYPES.includes(l.type));
    const problems: string[] = [];

    const checkCluster = (what: string, c: ClusterConnection, direction: LinkDirection) => {
      const code = aliasCode(c.alias);
      const trusted = c.tls?.trustedCertificates ?? [];
      const auth = c.authentication;
      if (auth?.type !== "tls") {
        problems.push(`${what}: not authenticated with a certificate`);
        return;
      }
      const { host, port } = hostPort(c.bootstrapServers);
      if (code === jurisdiction) {
        const listener = localListener(c.bootstrapServers, kafka);
        if (!listener?.tls || listener.authentication?.type !== "tls")
          problems.push(`${what}: ${c.bootstrapServers} is not the TLS listener of ${kafka.metadata.name}`);
        if (!trusted.some((t) => t.secretName === `${kafka.metadata.name}-cluster-ca-cert`))
          problems.push(`${what}: does not trust the cluster CA`);
        const name = linkUserName(direction, "district", jurisdiction);
        const user = byName(users, auth.certificateAndKey.secretName);
        if (auth.certificateAndKey.secretName !== name || !user) problems.push(`${what}: not the KafkaUser ${name} of this cluster`);
        else
          expect({ user: name, acls: user.spec.authorization.acls }).toEqual({
            user: name,
            acls: linkAcls(TOPIC_NAMESPACE, jurisdiction, direction, "district"),
          });
      } else if (code === CITY_JURISDICTION) {
        // The cross-cluster path: the city's external TLS listener, never an in-cluster name.
        if (/\.svc(\.|$)/.test(host) || host.endsWith("-kafka-bootstrap")) problems.push(`${what}: ${host} is an in-cluster name`);
        const listener = external.find((l) => l.port === port && (l.configuration?.bootstrap?.alternativeNames ?? []).includes(host));
        if (!listener) problems.push(`${what}: ${c.bootstrapServers} is not the bootstrap name of an external listener of the city`);
        else if (!listener.tls || listener.authentication?.type !== "tls")
          problems.push(`${what}: the city's listener ${listener.name} is not TLS with certificates`);
        if (!trusted.some((t) => t.secretName === `${KAFKA_CLUSTER}-${CITY_JURISDICTION}-cluster-ca-cert`))
          problems.push(`${what}: does not trust the city's cluster CA`);
        // The credentials are the city-side KafkaUser's, copied into this namespace under its name.
        const name = linkUserName(direction, "city", jurisdiction);
        const user = byName(cityUsers, name);
        if (auth.certificateAndKey.secretName !== name || !user) problems.push(`${what}: not the city's KafkaUser ${name}`);
        else
          expect({ user: name, acls: user.spec.authorization.acls }).toEqual({
            user: name,
            acls: linkAcls(TOPIC_NAMESPACE, jurisdiction, direction, "city"),
          });
      } else problems.push(`${what}: alias ${c.alias} is neither this district nor the city`);
    };

    for (const mm2 of mirrorMakers) {
      const direction = mm2.metadata.name.replace(/^federation-/, "") as LinkDirection;
      const name = mm2.metadata.name;
      checkCluster(`${name} target`, mm2.spec.target, direction);
      for (const mirror of mm2.spec.mirrors) {
        checkCluster(`${name} source`, mirror.source, direction);
        if (mirror.sourceConnector?.autoRestart?.enabled !== true) problems.push(`${name}: source connector without autoRestart`);
      }
      const { groupId, configStorageTopic, offsetStorageTopic, statusStorageTopic } = mm2.spec.target;
      expect({ groupId, configStorageTopic, offsetStorageTopic, statusStorageTopic }).toEqual(connectNames(direction, jurisdiction));
      const ref = mm2.spec.metricsConfig?.valueFrom.configMapKeyRef;
      const rules = ref ? byName(configMaps, ref.name)?.data?.[ref.key] : undefined;
      if (mm2.spec.metricsConfig?.type !== "jmxPrometheusExporter" || rules === undefined) problems.push(`${name}: no JMX exporter rules`);
      else {
        const parsed = parse(rules) as { rules?: { pattern: string; name: string }[] };
        const names = (parsed.rules ?? []).map((r) => r.name).join(" ");
        for (const wanted of ["kafka_connect_mirror_source_connector_", "kafka_connect_connector_status", "kafka_connect_task_status"])
          if (!names.includes(wanted)) problems.push(`${name}: metrics rules lack ${wanted}`);
      }
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
    const kafkaPort = hostPort(workloads(objects())[0]?.env.values.get("KAFKA_BROKERS") ?? "").port;
    for (const needed of [`TCP/${kafkaPort}`, "TCP/5432", "UDP/53", "TCP/53"]) expect(egressPorts).toContain(needed);
    for (const rule of egress) expect(rule.ports?.length).toBeGreaterThan(0);
  });

  test("a real node's gRPC is mutual TLS with a cert-manager certificate per service, probed on the plaintext health port; the development node's is plaintext", () => {
    expect(grpcTlsProblems(objects(), isDevelopment)).toEqual([]);
  });

  test("a real node ships the volume-usage alert for its own namespace: over 80 % for 15 minutes", () => {
    const rules = ofKind<PrometheusRule>(objects(), "PrometheusRule", "monitoring.coreos.com/v1");
    if (isDevelopment) return;
    const { name: namespace } = namespaceOf(objects());
    const alerts = rules
      .flatMap((r) => r.spec.groups.flatMap((g) => g.rules))
      .filter((r) => r.expr.includes("kubelet_volume_stats_used_bytes"));
    expect(alerts).toHaveLength(1);
    const [alert] = alerts;
    const expr = alert.expr.replace(/\s+/g, " ");
    expect(expr).toContain("kubelet_volume_stats_capacity_bytes");
    // Only this node's claims, so one Prometheus can watch all 17 nodes without duplicates.
    expect([...expr.matchAll(/namespace="([^"]*)"/g)].map((m) => m[1])).toEqual([namespace]);
    expect(Number(/>\s*([0-9.]+)\s*$/.exec(expr)?.[1])).toBe(0.8);
    expect(alert.for).toBe("15m");
  });
});

describe("the gRPC mutual TLS check", () => {
  // Negative controls: the check sees a plaintext node, and a certificate a caller cannot use.
  test("finds a node without components/grpc-mtls", () => {
    expect(grpcTlsProblems(renderOverlay(DEVELOPMENT_OVERLAY), false).length).toBeGreaterThan(0);
  });

  test("finds a certificate without client auth, and one that does not name its Service", () => {
    const broken = renderOverlay("municipal").map((o) => {
      if (o.kind !== "Certificate") return o;
      const c = o as unknown as CertManagerCertificate;
      if (c.metadata.name === "mediation-grpc-tls") return { ...o, spec: { ...c.spec, usages: ["server auth"] } };
      if (c.metadata.name === "legal-services-grpc-tls") return { ...o, spec: { ...c.spec, dnsNames: ["legal-services.example"] } };
      return o;
    });
    const problems = grpcTlsProblems(broken, false);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^mediation: .* lacks the usage client auth$/),
        expect.stringMatching(/^legal-services: .* does not name the Service legal-services$/),
        expect.stringMatching(/^mediation: MEDIATION_LEGAL_SERVICES_ADDRESS=legal-services:50051/),
      ]),
    );
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
    const { cmd } = runtimeLayout(dockerfile);
    expect(cmd).toEqual(["--require", "@jinlian/chassis/telemetry-bootstrap", "dist/main.js"]);
    // From WORKDIR, the deployed @jinlian/node: those are the compiled forms of these sources.
    const exportsOf = (dir: string) =>
      (JSON.parse(readFileSync(path.join(REPO_ROOT, dir, "package.json"), "utf8")) as { exports: Record<string, Record<string, string>> })
        .exports;
    expect(exportsOf("packages/chassis")["./telemetry-bootstrap"]).toMatchObject({
      "jinlian-source": "./src/telemetry/bootstrap.ts",
      default: "./dist/telemetry/bootstrap.js",
    });
    expect(exportsOf("packages/node")["./main"]).toMatchObject({ "jinlian-source": "./src/main.ts", default: `./${cmd[2]}` });
    expect(() => readFileSync(path.join(REPO_ROOT, "packages/chassis/src/telemetry/bootstrap.ts"))).not.toThrow();
    expect(() => readFileSync(path.join(REPO_ROOT, "packages/node/src/main.ts"))).not.toThrow();
    expect(dockerfile).toMatch(new RegExp(`^USER ${IMAGE_UID}:${IMAGE_UID}$`, "m"));
  });

  test("bounds the young generation, and scripts/start.sh runs local nodes with the image's NODE_OPTIONS", () => {
    // docs/performance.md, "Footprint": V8's default young generation (up to 2 x 32 MiB) was a
    // third of an idle node's memory.
    const imageOptions = /^ENV NODE_OPTIONS="(.*)"$/m.exec(dockerfile)?.[1];
    expect(imageOptions).toMatch(/^--max-semi-space-size=\d+$/);
    // start.sh reads the value from the Dockerfile: evaluate its line as the script does.
    const start = readFileSync(path.join(REPO_ROOT, "scripts", "start.sh"), "utf8");
    const line = /^NODE_RUNTIME_OPTIONS=.*$/m.exec(start)?.[0];
    expect(line).toBeDefined();
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== "NODE_OPTIONS"));
    const read = execFileSync("bash", ["-c", `REPO="$1"; ${line}; printf %s "$NODE_RUNTIME_OPTIONS"`, "bash", REPO_ROOT], { env });
    expect(read.toString()).toBe(imageOptions);
    expect(start).toContain('NODE_OPTIONS="$NODE_RUNTIME_OPTIONS" setsid');
  });

  test("the runtime stage copies the assembled node and nothing else, so no package can be left out", () => {
    const layout = runtimeLayout(dockerfile);
    expect(layout.runtimeCopies).toHaveLength(1);
    expect(layout.workdir).toBe(layout.appDir);
    expect(dockerfile).not.toMatch(/^COPY\b.*(@jinlian|packages\/|services\/|proto\/)/m);
  });
});
