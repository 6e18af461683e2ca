export * from "./cloudevents";
export * from "./topics";
export * from "./federation-links";
export * from "./kafka-security";
// Topics are named by jurisdiction: subscribers get the codes from the shared kernel.
export {
  CITY_JURISDICTION,
  DISTRICTS,
  DISTRICT_CODES,
  JURISDICTION_CODES,
  isDistrictCode,
  isJurisdictionCode,
  jurisdictionName,
  peersOf,
} from "@jinlian/kernel";
export * from "./catalogue";
export * from "./inbound";
export * from "./subscriber";
export * from "./asyncapi";
