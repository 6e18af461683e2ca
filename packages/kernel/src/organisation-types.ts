/**
 * Party types of the glossary (../shared/domain.md "Parties and places"), as the contract's
 * jinlian.common.v1.OrganisationType names them without its prefix. The liaison registry assigns
 * them; other services read them from its events.
 */
export const ORGANISATION_TYPES = [
  "JUSTICE_BUREAU",
  "FEDERATION",
  "CHAMBER_OF_COMMERCE",
  "ENTERPRISE",
  "LAW_FIRM",
  "NOTARY_OFFICE",
  "ARBITRATION_COMMISSION",
  "MEDIATION_COMMITTEE",
  "LEGAL_SERVICE_CENTER",
] as const;
export type OrganisationType = (typeof ORGANISATION_TYPES)[number];
