/**
 * CreateBulletinDraft through the bulletins service as a node composes it (lib/jinlian.ts): the
 * request checked, at most once per request id, the issuer looked up in the registry projection,
 * the draft and its audit entry written in one transaction, and the draft read back as the answer.
 */
import { bulletinsServer } from "../../lib/jinlian";
import type { ScenarioFactory } from "../../lib/protocol";
import { createDraftOnce, grpcRun, pgSizes } from "../grpc-common";

export const create: ScenarioFactory = async (config) => {
  return grpcRun(await bulletinsServer(config), createDraftOnce, pgSizes(config.sizes));
};
