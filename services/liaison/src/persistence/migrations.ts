import type { Migration } from "@jinlian/chassis";
import { auditMigrations } from "./audit-migrations";
import { campaignMigrations } from "./campaign-migrations";
import { consultationMigrations } from "./consultation-migrations";
import { mechanismMigrations } from "./mechanism-migrations";
import { registryMigrations } from "./registry-migrations";
import { researchMigrations } from "./research-migrations";

/**
 * Every liaison migration, applied in name order. Names are 0001_registry, 0002_audit_entries,
 * then 0003_mechanisms, 0004_consultations, 0005_research, 0006_campaigns, and later ones
 * after those; a name once released never changes.
 */
export const liaisonMigrations: readonly Migration[] = [
  ...registryMigrations,
  ...auditMigrations,
  ...mechanismMigrations,
  ...consultationMigrations,
  ...researchMigrations,
  ...campaignMigrations,
].sort((a, b) => a.name.localeCompare(b.name));
