export { liaisonModule, createLiaisonService } from "./module";
export { LiaisonContext, type LiaisonSettings } from "./app/support";
export { liaisonChannels, liaisonTopics, inboundTopics } from "./transport/kafka/topology";
// Use cases that tests and tools drive directly (e.g. a scan run on demand).
export { ActionItemApp } from "./app/action-item-app";
export { OverdueScanner } from "./app/overdue-scanner";
