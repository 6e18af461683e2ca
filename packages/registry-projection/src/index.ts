export * from "./known-organisation";
export {
  registryProjectionMigration,
  registryProjectionAffiliationsMigration,
  registryProjectionMigrations,
  createKnownOrganisationsTable,
  addKnownOrganisationAffiliations,
} from "./store";
export { RegistryProjection, type RegistryProjectionDeps, type RegistryEvent, type KnownOrganisationFilter } from "./projection";
