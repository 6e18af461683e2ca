export * from "./cloudevents";
export * from "./topics";
export * from "./jurisdictions";
export * from "./catalogue";
export * from "./subscriber";
export * from "./asyncapi";
