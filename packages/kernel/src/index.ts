// Domain vocabulary every service shares (../shared/domain.md glossary). No I/O, no dependencies.
export * from "./jurisdictions";
export * from "./organisation-types";
export * from "./credit-code";
