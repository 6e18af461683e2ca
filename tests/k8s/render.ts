/**
 * Renders the kustomize overlays of k8s/ offline (`kubectl kustomize`, no API server) and gives
 * the tests typed access to the result. The districts are not overlays of their own: they are the
 * Flux Kustomizations of k8s/fleet/flux, each rendering the template k8s/fleet/district, and they
 * are rendered here as Flux would (kustomize build, then its post-build substitution).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { IContainer } from "kubernetes-models/v1/Container";
import { parseAllDocuments, parse } from "yaml";

export const REPO_ROOT = path.resolve(__dirname, "..", "..");
export const K8S_DIR = path.join(REPO_ROOT, "k8s");
export const OVERLAYS_DIR = path.join(K8S_DIR, "overlays");
export const FLUX_DIR = path.join(K8S_DIR, "fleet", "flux");

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

/** A Flux Kustomization of k8s/fleet/flux: what it renders and with which variables. */
export interface FleetMember {
  name: string;
  /** Directory from the repository root, as Flux's spec.path. */
  path: string;
  substitute: Record<string, string>;
  object: K8sObject & { spec: { path: string; postBuild?: { substitute?: Record<string, string> } } };
}

/** Every object of the YAML files in k8s/fleet/flux. */
export function fluxObjects(): K8sObject[] {
  return readdirSync(FLUX_DIR)
    .filter((f) => /\.ya?ml$/.test(f) && f !== "kustomization.yaml")
    .sort()
    .flatMap((f) => parseYamlStream(readFileSync(path.join(FLUX_DIR, f), "utf8"), `k8s/fleet/flux/${f}`));
}

/** The Flux Kustomizations of the fleet, by name. */
export function fleetMembers(): FleetMember[] {
  return fluxObjects()
    .filter((o) => o.kind === "Kustomization" && o.apiVersion.startsWith("kustomize.toolkit.fluxcd.io/"))
    .map((o) => {
      const object = o as FleetMember["object"];
      return { name: o.metadata.name, path: object.spec.path, substitute: object.spec.postBuild?.substitute ?? {}, object };
    });
}

function overlayDirs(): string[] {
  return readdirSync(OVERLAYS_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(path.join(OVERLAYS_DIR, d.name, "kustomization.yaml")))
    .map((d) => d.name);
}

/** The fleet's members that render something other than an overlay directory: the districts. */
function templateMembers(): FleetMember[] {
  const overlays = new Set(overlayDirs().map((d) => path.join(OVERLAYS_DIR, d)));
  return fleetMembers().filter((m) => !overlays.has(path.join(REPO_ROOT, m.path)));
}

/**
 * Everything that is deployed, sorted: the overlay directories (municipal, local) and one entry
 * per district of the fleet, named after its Flux Kustomization (jinlian-<code>).
 */
export function overlayNames(): string[] {
  return [...overlayDirs(), ...templateMembers().map((m) => m.name)].sort();
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

function parseYamlStream(text: string, what: string): K8sObject[] {
  const objects: K8sObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`${what}: invalid YAML: ${doc.errors.map((e) => e.message).join("; ")}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    objects.push(value as K8sObject);
  }
  return objects;
}

const texts = new Map<string, string>();

/** `kubectl kustomize <dir>` as text (cached). */
export function renderText(dir: string): string {
  let text = texts.get(dir);
  if (text === undefined) {
    text = kubectl(["kustomize", dir]);
    texts.set(dir, text);
  }
  return text;
}

const cache = new Map<string, K8sObject[]>();

/** Every object of `kubectl kustomize <dir>`, parsed; throws on YAML errors. */
export function render(dir: string): K8sObject[] {
  const cached = cache.get(dir);
  if (cached) return cached;
  const objects = parseYamlStream(renderText(dir), dir);
  cache.set(dir, objects);
  return objects;
}

/**
 * Flux's post-build substitution of one resource's YAML text, as kustomize-controller does it with
 * drone/envsubst: `${NAME}` becomes the variable, `$$` a literal `$`, and a backslash before `\`
 * or `/` is dropped. Anything else Flux would treat specially (`${NAME:=default}` and the other
 * bash forms) and an unset variable fail here, so the template cannot depend on them unnoticed.
 */
export function fluxEnvsubst(text: string, vars: Readonly<Record<string, string>>): string {
  let out = "";
  for (let i = 0; i < text.length;) {
    const c = text[i]!;
    const next = text[i + 1];
    if (c === "$" && next === "$") {
      out += "$";
      i += 2;
    } else if (c === "\\" && (next === "\\" || next === "/")) {
      out += next;
      i += 2;
    } else if (c === "$" && next === "{") {
      const end = text.indexOf("}", i + 2);
      const name = end < 0 ? "" : text.slice(i + 2, end);
      if (!/^[_A-Za-z][_A-Za-z0-9]*$/.test(name)) throw new Error(`unsupported substitution at: ${text.slice(i, i + 40)}`);
      const value = vars[name];
      if (value === undefined) throw new Error(`variable ${name} is not set (Flux would substitute an empty string)`);
      out += value;
      i = end + 1;
    } else {
      out += c;
      i += 1;
    }
  }
  return out;
}

const SUBSTITUTE_DISABLED = "kustomize.toolkit.fluxcd.io/substitute";

/**
 * What Flux applies for a fleet member: the build of its path, each resource substituted on its
 * own (unless it opts out with the kustomize.toolkit.fluxcd.io/substitute: disabled label or
 * annotation) and parsed again, so a field that becomes a number stays one.
 */
export function renderFleetMember(member: FleetMember): K8sObject[] {
  const key = `fleet:${member.name}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const text = renderText(path.join(REPO_ROOT, member.path));
  const objects: K8sObject[] = [];
  for (const docText of text.split(/^---$/m)) {
    const [original] = parseYamlStream(docText, member.path);
    if (!original) continue;
    const disabled =
      original.metadata.labels?.[SUBSTITUTE_DISABLED] === "disabled" || original.metadata.annotations?.[SUBSTITUTE_DISABLED] === "disabled";
    const substituted = disabled || Object.keys(member.substitute).length === 0 ? docText : fluxEnvsubst(docText, member.substitute);
    objects.push(parse(substituted) as K8sObject);
  }
  cache.set(key, objects);
  return objects;
}

export function renderOverlay(name: string): K8sObject[] {
  if (overlayDirs().includes(name)) return render(path.join(OVERLAYS_DIR, name));
  const member = templateMembers().find((m) => m.name === name);
  if (!member) throw new Error(`no overlay or fleet member ${name}`);
  return renderFleetMember(member);
}

/**
 * Renders a kustomization made on the fly in a temporary directory, e.g. an overlay with an extra
 * component. Paths are from the repository root; kustomize wants them relative.
 */
export function renderComposed(resources: readonly string[], components: readonly string[] = []): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "jinlian-k8s-"));
  try {
    const rel = (p: string) => path.relative(dir, path.join(REPO_ROOT, p));
    const kustomization = [
      "apiVersion: kustomize.config.k8s.io/v1beta1",
      "kind: Kustomization",
      `resources: [${resources.map(rel).join(", ")}]`,
      `components: [${components.map(rel).join(", ")}]`,
    ].join("\n");
    writeFileSync(path.join(dir, "kustomization.yaml"), `${kustomization}\n`);
    return kubectl(["kustomize", dir]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** renderComposed, parsed; with a fleet member's variables substituted as Flux would. */
export function renderComposedObjects(
  resources: readonly string[],
  components: readonly string[],
  substitute: Record<string, string> = {},
): K8sObject[] {
  const text = renderComposed(resources, components);
  return text
    .split(/^---$/m)
    .map((doc) => (Object.keys(substitute).length > 0 ? fluxEnvsubst(doc, substitute) : doc))
    .flatMap((doc) => parseYamlStream(doc, "composed kustomization"));
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
