export { legalServicesModule } from "./module";
export { legalServicesChannels, legalServicesTopics } from "./transport/kafka/topology";
export { solvePairing, greedyPairing, bruteForcePairing, type PairingInstance, type PairingSolution } from "./domain/pairing-solver";
export { matchRequest, DEFAULT_WEIGHTS, type MatchFacts, type MatchSubject } from "./domain/matching";
export type { Provider } from "./domain/provider";
