/** jest `globalTeardown`: stops what ./global-setup.ts started (and nothing else). */
import { rmSync } from "node:fs";
import { INFRA_HANDLE, type GlobalWithInfra } from "./global-setup";

export default async function globalTeardown(): Promise<void> {
  const g = globalThis as GlobalWithInfra;
  const handle = g[INFRA_HANDLE];
  if (!handle) return;
  handle.users--;
  if (handle.users > 0) return;
  delete g[INFRA_HANDLE];
  rmSync(handle.tempDir, { recursive: true, force: true });
  await handle.infra.stop();
}
