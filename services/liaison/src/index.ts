export { liaisonModule } from "./module";
export { liaisonChannels, liaisonTopics, inboundTopics } from "./transport/kafka/topology";
