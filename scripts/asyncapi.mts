// Writes the AsyncAPI documents of each kind of node into docs/asyncapi/ from the stream
// catalogue. Run with `pnpm docs:asyncapi` (builds first).
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import subscriber from "@jinlian/subscriber";

const out = path.join(import.meta.dirname, "..", "docs", "asyncapi");
mkdirSync(out, { recursive: true });
for (const kind of subscriber.NODE_KINDS) writeFileSync(path.join(out, `${kind}.yaml`), subscriber.asyncApiYaml(kind));
writeFileSync(path.join(out, "README.md"), subscriber.asyncApiMarkdown());
console.log(`asyncapi: wrote ${subscriber.NODE_KINDS.map((k) => `${k}.yaml`).join(", ")} and README.md into docs/asyncapi/`);
