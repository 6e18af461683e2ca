export { createServiceParts, startNode, type NodeOptions, type RunningNode, type RunningService, type ServicePartsOptions } from "./node";
export { loadKafkaSecurity, loadNodeConfig, loadServerTls, nodeConfigShape, type NodeConfig } from "./config";
export { federationTopics, type FederationStatus, type LastHeard, type LinkStatus } from "./federation-heartbeat";
export { resolveTargets, SERVICE_MODULES } from "./registry";
export { replayServiceDeadLetters, type ReplayRequest } from "./replay";
export { parseReplayArguments, type ReplayArguments } from "./replay-dead-letters";
