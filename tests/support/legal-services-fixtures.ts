/**
 * Parties for legal-services tests: organisations registered in liaison's registry (with industry
 * and a mediation committee's chamber), waited for in legal-services' projection, and providers.
 */
import { randomInt } from "node:crypto";
import type { LegalServicesClient, LiaisonClient } from "@jinlian/client";
import { commonV1, legalServicesV1 } from "@jinlian/proto";
import { waitFor } from "../harness/kafka";
import { query } from "./db";
import { creditCodeFor } from "./liaison-fixtures";

export const T = commonV1.OrganisationType;
export const K = legalServicesV1.ProviderKind;
export const L = legalServicesV1.LawyerKind;
export const S = legalServicesV1.Specialty;

export interface Org {
  creditCode: string;
  name: string;
  jurisdictionCode: string;
}

/** Registers an organisation in the node's liaison registry; returns its credit code, name and jurisdiction. */
export async function registerOrg(
  liaison: LiaisonClient,
  o: { type: commonV1.OrganisationType; name: string; jurisdictionCode: string; industry?: string; chamberCreditCode?: string },
): Promise<Org> {
  const creditCode = creditCodeFor(o.jurisdictionCode, o.type === T.ORGANISATION_TYPE_ENTERPRISE ? "91" : "51");
  await liaison.registry.registerOrganisation({
    type: o.type,
    name: o.name,
    creditCode,
    jurisdictionCode: o.jurisdictionCode,
    departmentNames: [],
    reason: "test fixture",
    affiliations: o.industry ? { industry: { section: o.industry, description: "" }, memberOf: [] } : undefined,
    chamber: o.chamberCreditCode ? { organisationId: "", creditCode: o.chamberCreditCode } : undefined,
  });
  return { creditCode, name: o.name, jurisdictionCode: o.jurisdictionCode };
}

/** Waits until legal-services' projection of the registry holds every one of these organisations. */
export async function projected(databaseUrl: string, orgs: readonly Org[]): Promise<void> {
  const codes = orgs.map((o) => o.creditCode);
  await waitFor(
    async () => {
      const rows = await query<{ n: string }>(
        databaseUrl,
        "select count(distinct credit_code) as n from legal_services.known_organisations where credit_code = any($1)",
        [codes],
      );
      return Number(rows[0]!.n) === new Set(codes).size;
    },
    { timeoutMs: 30_000, intervalMs: 100, what: `${codes.length} organisations projected into legal-services` },
  );
}

/** A 17-digit lawyer's licence number, different per call. */
export function licence(): string {
  return `1120${String(randomInt(10 ** 12)).padStart(12, "0")}${randomInt(10)}`;
}

export function profile(p: Partial<legalServicesV1.ProviderProfile> = {}): legalServicesV1.ProviderProfile {
  return { specialties: [S.SPECIALTY_LABOUR], languages: ["zh"], districtCode: "", capacity: 5, rating: 4, clientCreditCodes: [], ...p };
}

const EMPTY: legalServicesV1.RegisterProviderRequest = {
  kind: 0,
  name: "",
  organisationCreditCode: "",
  licenceNumber: "",
  lawyerKind: 0,
  firmCreditCode: "",
  employerCreditCode: "",
  commissionCreditCode: "",
  rosterNumber: "",
  chamberCreditCode: "",
  profile: undefined,
  reason: "test fixture",
};

/** Registers a provider; fields not given are empty. */
export async function registerProvider(
  client: LegalServicesClient,
  r: Partial<legalServicesV1.RegisterProviderRequest>,
): Promise<legalServicesV1.Provider> {
  return (await client.providers.registerProvider({ ...EMPTY, ...r })).provider!;
}

export const registration = (r: Partial<legalServicesV1.RegisterProviderRequest>): legalServicesV1.RegisterProviderRequest => ({
  ...EMPTY,
  ...r,
});
