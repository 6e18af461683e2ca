export * from "./mirror-maker";
export { main } from "./cli";
