export { bulletinsModule } from "./module";
export { bulletinsChannels, bulletinsTopics } from "./transport/kafka/topology";
