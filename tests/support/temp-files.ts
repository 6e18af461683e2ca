import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

/**
 * A file holding `content` in a directory of its own, inside the run's temporary directory
 * (JINLIAN_TEST_TMP, made by tests/harness/global-setup.ts and removed by its teardown), so a run
 * of the suite leaves none behind.
 */
export function tempFile(prefix: string, name: string, content: string, mode = 0o600): string {
  const dir = mkdtempSync(path.join(process.env.JINLIAN_TEST_TMP ?? tmpdir(), prefix));
  const file = path.join(dir, name);
  writeFileSync(file, content, { mode });
  return file;
}
