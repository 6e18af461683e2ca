// Writes the files k8s/ derives from the stream catalogue and DISTRICT_CODES: KafkaUsers with
// literal ACLs, the fleet's Flux Kustomizations and the Strimzi operator's watched namespaces
// (the list is in tests/k8s/fleet.ts, which tests/k8s also compares the committed files with).
// Node runs the TypeScript itself against the built packages, so build first:
//   pnpm --silent build && node k8s/fleet/generate.mts
import { writeFileSync } from "node:fs";
import path from "node:path";
import * as prettier from "prettier";
import { generatedFiles, generatedText } from "../../tests/k8s/fleet.ts";

const root = path.join(import.meta.dirname, "..", "..");
for (const file of generatedFiles()) {
  const target = path.join(root, file.path);
  // Formatted as `prettier --check .` expects, so the generator and the linter agree.
  const options = (await prettier.resolveConfig(target)) ?? {};
  const text = await prettier.format(generatedText(file), { ...options, filepath: target });
  writeFileSync(target, text);
  console.log(`fleet: wrote ${file.path}`);
}
