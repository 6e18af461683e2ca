/**
 * CreateBulletinDraft through the bulletins service as a node composes it (lib/jinlian.ts): the
 * request checked, at most once per request id (the claim holds the new draft's id), the issuers
 * and the organisations named looked up in the registry projection in one read, the draft and
 * its audit entry written in one transaction, and the saved state as the answer.
 */
import { bulletinsServer } from "../../lib/jinlian";
import type { ScenarioFactory } from "../../lib/protocol";
import { createDraftOnce, grpcRun, pgSizes } from "../grpc-common";

export const create: ScenarioFactory = async (config) => {
  return grpcRun(await bulletinsServer(config), createDraftOnce, pgSizes(config.sizes));
};
