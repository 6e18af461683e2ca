/**
 * The places every service appears (docs/adding-a-service.md): a module registered in the node
 * that is missing from any of them fails here, naming the place. Runs offline. A made-up module
 * that is registered nowhere must fail every place (the negative control).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import * as client from "@jinlian/client";
import { ConfigError, channelsOf, defineServiceModule, env, loadConfig, type ServiceModule } from "@jinlian/chassis";
import { CITY_JURISDICTION, DISTRICT_CODES } from "@jinlian/kernel";
import { nodeConfigShape, SERVICE_MODULES } from "@jinlian/node";
import type { IDeployment } from "kubernetes-models/apps/v1";
import { effectiveEnv, ofKind, overlayNames, renderOverlay, render, REPO_ROOT, K8S_DIR, type K8sObject } from "../k8s/render";

const read = (...parts: string[]): string => readFileSync(path.join(REPO_ROOT, ...parts), "utf8");
const camel = (name: string): string => name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
/** proto packages use underscores where service names use hyphens (jinlian.legal_services.v1). */
const protoDir = (name: string): string => name.replace(/-/g, "_");
const hasProtos = (dir: string): boolean => existsSync(dir) && readdirSync(dir).some((f) => f.endsWith(".proto"));

const rendered = new Map<string, K8sObject[]>();
function objects(dir: string): K8sObject[] {
  if (!rendered.has(dir)) rendered.set(dir, dir === "base" ? render(path.join(K8S_DIR, "base")) : renderOverlay(dir));
  return rendered.get(dir)!;
}

function deploymentOf(all: readonly K8sObject[], service: string) {
  const deployment = ofKind<IDeployment>(all, "Deployment", "apps/v1").find((d) => d.metadata?.name === service);
  const container = deployment?.spec?.template.spec?.containers[0];
  return deployment && container ? { deployment, env: effectiveEnv(container, all) } : undefined;
}

/** The configuration a Deployment gives the node, checked as the node checks it at start. */
function configProblems(module: ServiceModule, values: Map<string, string>): string[] {
  const given = Object.fromEntries(values);
  // Secrets are not rendered; a placeholder stands for them.
  given.DATABASE_URL ??= "postgres://secret@db/jinlian";
  try {
    loadConfig({ ...nodeConfigShape, ...(module.config ?? {}) }, given);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
}

/** Each place of the checklist: what is missing there for the module, or nothing. */
const PLACES: Record<string, (module: ServiceModule) => string[]> = {
  contracts(m) {
    const dir = path.join(REPO_ROOT, "proto", "jinlian", protoDir(m.name), "v1");
    const events = path.join(REPO_ROOT, "proto", "jinlian", protoDir(m.name), "events", "v1");
    const publishes = channelsOf("jinlian", CITY_JURISDICTION, m.name).some((c) => c.role === "publish" && c.events.length > 0);
    return [
      ...(hasProtos(dir) ? [] : [`no contracts in proto/jinlian/${protoDir(m.name)}/v1`]),
      ...(publishes && !hasProtos(events) ? [`publishes, but no payloads in proto/jinlian/${protoDir(m.name)}/events/v1`] : []),
    ];
  },
  catalogue(m) {
    const problems: string[] = [];
    for (const node of [CITY_JURISDICTION, ...DISTRICT_CODES]) {
      const channels = channelsOf("jinlian", node, m.name);
      if (!channels.some((c) => c.stream.kind === "dead-letter")) problems.push(`no dead-letter stream in the catalogue at ${node}`);
      const catalogued = new Set(channels.map((c) => c.topic));
      for (const t of m.topics({ jurisdictionCode: node, topicNamespace: "jinlian" }))
        if (!catalogued.has(t.topic)) problems.push(`creates ${t.topic}, which the catalogue does not declare`);
    }
    return problems;
  },
  configuration(m) {
    // The rule the chassis enforces when a module is declared (its variables under <NAME>_).
    try {
      defineServiceModule(m);
      return [];
    } catch (e) {
      return [(e as Error).message];
    }
  },
  "k8s base"(m) {
    const base = read("k8s", "base", "kustomization.yaml");
    return [
      ...(new RegExp(`^\\s*-\\s*${m.name}\\.yaml\\s*$`, "m").test(base) ? [] : [`k8s/base/kustomization.yaml lists no ${m.name}.yaml`]),
      ...(new RegExp(`^\\s*-\\s*name:\\s*${m.name}-config\\s*$`, "m").test(base) ? [] : [`no ${m.name}-config ConfigMap in k8s/base`]),
      ...(deploymentOf(objects("base"), m.name) ? [] : [`no Deployment ${m.name} in k8s/base`]),
    ];
  },
  overlays(m) {
    return overlayNames().flatMap((o) => {
      const found = deploymentOf(objects(o), m.name);
      if (!found) return [`overlay ${o} runs no Deployment ${m.name}`];
      const target = found.env.values.get("JINLIAN_TARGET");
      return [
        ...(target === m.name ? [] : [`overlay ${o}: JINLIAN_TARGET=${target}`]),
        ...configProblems(m, found.env.values).map((p) => `overlay ${o}: ${p}`),
      ];
    });
  },
  "client SDK and test node"(m) {
    const fn = `${camel(m.name)}Client`;
    return [
      ...(typeof (client as Record<string, unknown>)[fn] === "function" ? [] : [`@jinlian/client has no ${fn}`]),
      ...(read("tests", "support", "nodes.ts").includes(`${fn}(`) ? [] : [`tests/support/nodes.ts does not carry ${fn}`]),
    ];
  },
  image(m) {
    const node = JSON.parse(read("packages", "node", "package.json")) as { dependencies: Record<string, string> };
    return node.dependencies[`@jinlian/${m.name}`] === "workspace:*" ? [] : [`packages/node does not depend on @jinlian/${m.name}`];
  },
  "AsyncAPI and event catalogue"(m) {
    return [
      ...["municipal.yaml", "district.yaml"]
        .filter((d) => !read("docs", "asyncapi", d).includes(`.${m.name}.`))
        .map((d) => `docs/asyncapi/${d}`),
      ...(new RegExp(`^## ${m.name}\\b`, "m").test(read("docs", "events.md")) ? [] : [`no "## ${m.name}" section in docs/events.md`]),
    ];
  },
  guide(m) {
    return [
      ...(existsSync(path.join(REPO_ROOT, "docs", `${m.name}.md`)) ? [] : [`no docs/${m.name}.md`]),
      ...(read("README.md").includes(`docs/${m.name}.md`) ? [] : [`README.md does not link docs/${m.name}.md`]),
    ];
  },
};

test("services are registered", () => {
  expect(SERVICE_MODULES.length).toBeGreaterThan(0);
});

describe.each(SERVICE_MODULES.map((m) => [m.name, m] as const))("service %s", (_name, module) => {
  test.each(Object.keys(PLACES))("is in place: %s", (place) => {
    expect(PLACES[place]!(module)).toEqual([]);
  });
});

test("a module registered nowhere is missing from every place", () => {
  // Built by hand: defineServiceModule would already refuse its unprefixed variable.
  const stray: ServiceModule = {
    name: "example",
    schema: "example",
    migrations: [],
    config: { SCAN_INTERVAL_MS: env.positiveInt(1000) },
    topics: (node) => [{ topic: `jinlian.${node.jurisdictionCode}.example.dlq`, partitions: 1 }],
    create: () => ({ grpcServices: [] }),
  };
  expect(() => defineServiceModule(stray)).toThrow(/must start with EXAMPLE_/);
  const missing = Object.entries(PLACES).filter(([, check]) => check(stray).length === 0);
  expect(missing.map(([place]) => place)).toEqual([]);
});
