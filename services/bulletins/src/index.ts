export { bulletinsModule, createBulletinsService } from "./module";
export { BulletinsApp } from "./app/bulletins-app";
export { OrganisationProjection } from "./app/organisation-projection";
export * as bulletinsDomain from "./domain/bulletin";
export {
  bulletinsChannels,
  bulletinsTopics,
  inboundTopics,
  bulletinsDeadLetterTopic,
  registryTopics,
  organisationsConsumerGroup,
} from "./transport/kafka/topology";
