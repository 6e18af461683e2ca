export * from "./errors";
export * from "./client";
export * from "./services";
export type { DeepPartial } from "./requests";
