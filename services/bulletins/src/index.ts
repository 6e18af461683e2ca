export { bulletinsModule, createBulletinsService } from "./module";
export { BulletinsApp } from "./app/bulletins-app";
export { EVENT_TYPES, EVENT_PAYLOADS } from "./app/events";
export * as bulletinsDomain from "./domain/bulletin";
export { bulletinsTopics, inboundTopics, outboundTopics, bulletinsDeadLetterTopic } from "./transport/kafka/topology";
