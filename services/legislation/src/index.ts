export { legislationModule } from "./module";
export { legislationTopics } from "./transport/kafka/topology";
