export * from "./known-organisation";
export {
  registryProjectionMigration,
  registryProjectionAffiliationsMigration,
  registryProjectionMigrations,
  createKnownOrganisationsTable,
  addKnownOrganisationAffiliations,
  knownOrganisations,
} from "./store";
export { RegistryProjection, type RegistryProjectionDeps, type RegistryEvent, type KnownOrganisationFilter } from "./projection";
