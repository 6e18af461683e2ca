/**
 * The AsyncAPI catalogue: valid AsyncAPI 3, identical to what the stream catalogue generates, and
 * in agreement with the topics the services create and the event types they handle.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { Parser } from "@asyncapi/parser";
import {
  asyncApiMarkdown,
  asyncApiYaml,
  EVENT_CATALOGUE,
  expandAddress,
  NODE_KINDS,
  NODE_PARTS,
  nodesOf,
  STREAMS,
} from "@jinlian/subscriber";
import { federationTopics, SERVICE_MODULES } from "@jinlian/node";
import { parse } from "yaml";

const DOCS = path.resolve(__dirname, "..", "..", "docs", "asyncapi");
const REGENERATE = "out of date: run `pnpm docs:asyncapi`";

describe.each(NODE_KINDS)("the %s node's document", (kind) => {
  const file = readFileSync(path.join(DOCS, `${kind}.yaml`), "utf8");
  const doc = parse(file) as {
    channels: Record<string, { address: string; messages: Record<string, { $ref: string }> }>;
    components: { messages: Record<string, { name: string }> };
  };

  it("is valid AsyncAPI 3", async () => {
    const { diagnostics } = await new Parser().parse(file);
    const errors = diagnostics.filter((d) => d.severity === 0).map((d) => `${d.path.join(".")}: ${d.message}`);
    expect(errors).toEqual([]);
  });

  it("is what the stream catalogue generates", () => {
    expect({ file, REGENERATE }).toEqual({ file: asyncApiYaml(kind), REGENERATE });
  });

  it("lists exactly the topics the services, and the node itself (federation heartbeats), create at such nodes", () => {
    const documented = new Set(Object.values(doc.channels).flatMap((c) => expandAddress(c.address)));
    const created = new Set(
      nodesOf(kind).flatMap((node) => {
        const identity = { jurisdictionCode: node, topicNamespace: "jinlian" };
        return [...SERVICE_MODULES.flatMap((m) => m.topics(identity)), ...federationTopics(identity)].map((t) => t.topic);
      }),
    );
    expect([...documented].filter((t) => !created.has(t))).toEqual([]);
    expect([...created].filter((t) => !documented.has(t))).toEqual([]);
  });

  it("carries only catalogued event types", () => {
    const names = Object.values(doc.components.messages)
      .map((m) => m.name)
      .filter((n) => n !== "dead-letter");
    expect(names.filter((n) => !EVENT_CATALOGUE.has(n))).toEqual([]);
  });
});

it("declares streams only for services the node runs and for the node's own parts", () => {
  const owners = new Set([...SERVICE_MODULES.map((m) => m.name), ...NODE_PARTS]);
  expect([...new Set(STREAMS.map((s) => s.service))].filter((s) => !owners.has(s))).toEqual([]);
  expect(NODE_PARTS.filter((p) => SERVICE_MODULES.some((m) => m.name === p))).toEqual([]);
});

it("documents every catalogued event type somewhere", () => {
  const documented = new Set(
    NODE_KINDS.flatMap((kind) =>
      Object.values(
        (parse(readFileSync(path.join(DOCS, `${kind}.yaml`), "utf8")) as { components: { messages: Record<string, { name: string }> } })
          .components.messages,
      ).map((m) => m.name),
    ),
  );
  expect([...EVENT_CATALOGUE.keys()].filter((t) => !documented.has(t))).toEqual([]);
});

/** Markdown without table padding (prettier aligns the committed file's columns). */
function unpadded(markdown: string): string {
  return markdown
    .split("\n")
    .map((line) =>
      line.startsWith("|")
        ? line
            .split("|")
            .map((cell) => cell.trim().replace(/^-+$/, "---"))
            .join("|")
        : line.trimEnd(),
    )
    .join("\n")
    .trim();
}

it("renders the documents into docs/asyncapi/README.md", () => {
  const readme = unpadded(readFileSync(path.join(DOCS, "README.md"), "utf8"));
  expect({ readme, REGENERATE }).toEqual({ readme: unpadded(asyncApiMarkdown()), REGENERATE });
});
