/** jest `globalTeardown`: stops what ./global-setup.ts started (and nothing else). */
import { INFRA_HANDLE } from "./global-setup";
import type { ProvisionedInfrastructure } from "./infra";

type GlobalWithInfra = typeof globalThis & { [INFRA_HANDLE]?: ProvisionedInfrastructure };

export default async function globalTeardown(): Promise<void> {
  const g = globalThis as GlobalWithInfra;
  const infra = g[INFRA_HANDLE];
  if (!infra) return;
  delete g[INFRA_HANDLE];
  await infra.stop();
}
