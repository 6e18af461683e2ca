/** The bulletins service as a node composes it (lib/jinlian.ts). GetBulletin never touches the bus. */
import { bulletinsServer } from "../../lib/jinlian";
import type { ScenarioFactory } from "../../lib/protocol";
import { getOnce, grpcRun, pgSizes } from "../grpc-common";

export const create: ScenarioFactory = async (config) => {
  return grpcRun(await bulletinsServer(config), getOnce(config.bulletinId), pgSizes(config.sizes));
};
