/**
 * Renders the kustomize overlays of k8s/ offline (`kubectl kustomize`, no API server) and gives
 * the tests typed access to the result.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { IContainer } from "kubernetes-models/v1/Container";
import { parseAllDocuments } from "yaml";

export const REPO_ROOT = path.resolve(__dirname, "..", "..");
export const K8S_DIR = path.join(REPO_ROOT, "k8s");
export const OVERLAYS_DIR = path.join(K8S_DIR, "overlays");

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

/** Overlay directory names (each holds a kustomization.yaml), sorted. */
export function overlayNames(): string[] {
  return readdirSync(OVERLAYS_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(path.join(OVERLAYS_DIR, d.name, "kustomization.yaml")))
    .map((d) => d.name)
    .sort();
}

function kubectl(args: string[]): string {
  try {
    return execFileSync("kubectl", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 * 1024 * 1024 });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === "ENOENT") {
      throw new Error(
        "kubectl is not on PATH. tests/k8s renders k8s/ with `kubectl kustomize` (kubectl >= 1.27 bundles kustomize 5; " +
          "no cluster is needed). Install kubectl and run the tests again.",
      );
    }
    throw new Error(`kubectl ${args.join(" ")} failed:\n${e.stderr || e.message}`);
  }
}

/** The kustomize version bundled with kubectl, e.g. "v5.5.0". */
export function kustomizeVersion(): string {
  const out = kubectl(["version", "--client"]);
  const match = /Kustomize Version:\s*(\S+)/.exec(out);
  if (!match) throw new Error(`cannot find the kustomize version in:\n${out}`);
  return match[1];
}

const cache = new Map<string, K8sObject[]>();

/** Every object of `kubectl kustomize <dir>`, parsed; throws on YAML errors. */
export function render(dir: string): K8sObject[] {
  const cached = cache.get(dir);
  if (cached) return cached;
  const text = kubectl(["kustomize", dir]);
  const objects: K8sObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`${dir}: invalid YAML: ${doc.errors.map((e) => e.message).join("; ")}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    objects.push(value as K8sObject);
  }
  cache.set(dir, objects);
  return objects;
}

export function renderOverlay(name: string): K8sObject[] {
  return render(path.join(OVERLAYS_DIR, name));
}

export function ofKind<T>(objects: readonly K8sObject[], kind: string, apiVersion?: string): T[] {
  return objects.filter((o) => o.kind === kind && (apiVersion === undefined || o.apiVersion === apiVersion)) as unknown as T[];
}

export function byName<T extends { metadata?: { name?: string } }>(items: readonly T[], name: string): T | undefined {
  return items.find((i) => i.metadata?.name === name);
}

/** A container's environment as the kubelet builds it: envFrom ConfigMaps, then env. */
export interface EffectiveEnv {
  /** Literal values (from `value` or a ConfigMap). */
  values: Map<string, string>;
  /** Variables set from a Secret: name -> {secret, key}. */
  secrets: Map<string, { name: string; key: string }>;
  /** References to ConfigMaps that are not in the rendered output. */
  missing: string[];
}

export function effectiveEnv(container: IContainer, objects: readonly K8sObject[]): EffectiveEnv {
  const configMaps = ofKind<{ metadata: { name: string }; data?: Record<string, string> }>(objects, "ConfigMap", "v1");
  const env: EffectiveEnv = { values: new Map(), secrets: new Map(), missing: [] };
  for (const source of container.envFrom ?? []) {
    const ref = source.configMapRef;
    if (!ref?.name) continue;
    const cm = byName(configMaps, ref.name);
    if (!cm) {
      if (!ref.optional) env.missing.push(`ConfigMap ${ref.name}`);
      continue;
    }
    for (const [key, value] of Object.entries(cm.data ?? {})) env.values.set(`${source.prefix ?? ""}${key}`, value);
  }
  for (const variable of container.env ?? []) {
    if (variable.value !== undefined) {
      env.values.set(variable.name, variable.value);
      env.secrets.delete(variable.name);
    } else if (variable.valueFrom?.secretKeyRef) {
      const ref = variable.valueFrom.secretKeyRef;
      env.values.delete(variable.name);
      env.secrets.set(variable.name, { name: ref.name ?? "", key: ref.key });
    } else if (variable.valueFrom?.configMapKeyRef) {
      const ref = variable.valueFrom.configMapKeyRef;
      const value = byName(configMaps, ref.name ?? "")?.data?.[ref.key];
      if (value === undefined) env.missing.push(`ConfigMap ${ref.name} key ${ref.key}`);
      else env.values.set(variable.name, value);
    }
  }
  return env;
}

const UNITS: Record<string, number> = {
  "": 1,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
};

/** A Kubernetes quantity ("250m", "1", "512Mi") as a number (cores or bytes). */
export function quantity(value: string | number): number {
  if (typeof value === "number") return value;
  const match = /^([0-9]+(?:\.[0-9]+)?)(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(value);
  if (!match) throw new Error(`not a quantity: ${value}`);
  return Number(match[1]) * UNITS[match[2] ?? ""];
}

/** `<kafka.version>` of infra/kafka/pom.xml: the Kafka that local infrastructure and CI run. */
export function pomKafkaVersion(): string {
  const pom = readFileSync(path.join(REPO_ROOT, "infra", "kafka", "pom.xml"), "utf8");
  const match = /<kafka\.version>\s*([^<\s]+)\s*<\/kafka\.version>/.exec(pom);
  if (!match) throw new Error("infra/kafka/pom.xml has no <kafka.version> property");
  return match[1];
}

/** The gRPC services (`package.Service`) declared in proto/jinlian/<service>/v1/. */
export function grpcServiceNames(service: string): string[] {
  const dir = path.join(REPO_ROOT, "proto", "jinlian", service.replace(/-/g, "_"), "v1");
  if (!existsSync(dir)) return [];
  const names: string[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".proto"))) {
    const text = readFileSync(path.join(dir, file), "utf8");
    const pkg = /^package\s+([\w.]+)\s*;/m.exec(text)?.[1];
    if (!pkg) continue;
    for (const m of text.matchAll(/^service\s+(\w+)\s*\{/gm)) names.push(`${pkg}.${m[1]}`);
  }
  return names;
}
