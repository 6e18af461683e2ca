export { mediationModule } from "./module";
export { mediationChannels, mediationTopics } from "./transport/kafka/topology";
