export { startNode, type NodeOptions, type RunningNode } from "./node";
export { loadNodeConfig, loadServerTls, nodeConfigShape, type NodeConfig } from "./config";
export { resolveTargets, SERVICE_MODULES } from "./registry";
