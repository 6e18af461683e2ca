export { bulletinsModule, createBulletinsService } from "./module";
export { BulletinsApp } from "./app/bulletins-app";
export * as bulletinsDomain from "./domain/bulletin";
export { bulletinsChannels, bulletinsTopics, inboundTopics, bulletinsDeadLetterTopic } from "./transport/kafka/topology";
