/**
 * Parties for liaison tests: organisations registered through the registry's gRPC API, with
 * valid unified social credit codes that differ per call (so tests can share one node).
 */
import { withCheckCharacter } from "@jinlian/kernel";
import { randomInt } from "node:crypto";

import type { LiaisonClient } from "@jinlian/client";
import { commonV1, liaisonV1 } from "@jinlian/proto";

const ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/**
 * A valid unified social credit code for an organisation in a jurisdiction: registration-authority
 * and type characters, the 6-digit division code, a random 9-character body, the check character.
 */
export function creditCodeFor(jurisdictionCode: string, prefix = "51"): string {
  let body = "";
  for (let i = 0; i < 9; i++) body += ALPHABET[randomInt(ALPHABET.length)];
  return withCheckCharacter(`${prefix}${jurisdictionCode}${body}`);
}

export const OrgType = commonV1.OrganisationType;

export interface Party {
  organisation: liaisonV1.Organisation;
  /** Department id by name. */
  department(name: string): string;
}

/** Registers an organisation with departments and returns it with a department lookup. */
export async function registerParty(
  client: LiaisonClient,
  p: { type: commonV1.OrganisationType; name: string; jurisdictionCode: string; departments?: string[] },
): Promise<Party> {
  const { organisation } = await client.registry.registerOrganisation({
    type: p.type,
    name: p.name,
    creditCode: creditCodeFor(p.jurisdictionCode, p.type === OrgType.ORGANISATION_TYPE_JUSTICE_BUREAU ? "11" : "51"),
    jurisdictionCode: p.jurisdictionCode,
    departmentNames: p.departments ?? [],
    reason: "test fixture",
  });
  return {
    organisation: organisation!,
    department(name: string) {
      const d = organisation!.departments.find((x) => x.name === name);
      if (!d) throw new Error(`no department ${name} in ${organisation!.name}`);
      return d.departmentId;
    },
  };
}

/** The two parties of a jurisdiction's liaison mechanism, with their responsible departments (art. 3). */
export async function registerMechanismParties(
  client: LiaisonClient,
  jurisdictionCode: string,
  names?: { bureau: string; federation: string },
) {
  const bureau = await registerParty(client, {
    type: OrgType.ORGANISATION_TYPE_JUSTICE_BUREAU,
    name: names?.bureau ?? `${jurisdictionCode} 司法局`,
    jurisdictionCode,
    departments: ["法治调研处", "办公室"],
  });
  const federation = await registerParty(client, {
    type: OrgType.ORGANISATION_TYPE_FEDERATION,
    name: names?.federation ?? `${jurisdictionCode} 工商业联合会`,
    jurisdictionCode,
    departments: ["法律服务部", "办公室"],
  });
  return { bureau, federation };
}
