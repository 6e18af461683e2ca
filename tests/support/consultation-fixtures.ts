/**
 * Consultations for liaison tests: a node's mechanism established between its justice bureau and
 * federation (consultations are held under an established mechanism, with both sides attending),
 * and attendees standing for each side.
 */
import type { LiaisonClient } from "@jinlian/client";
import type { liaisonV1 } from "@jinlian/proto";
import { registerMechanismParties, type Party } from "./liaison-fixtures";

/** Proposes and establishes the node's mechanism between `bureau` and `federation`; returns it. */
export async function establishMechanism(client: LiaisonClient, bureau: Party, federation: Party): Promise<liaisonV1.Mechanism> {
  const side = (p: Party, department: string) => ({
    organisationId: p.organisation.organisationId,
    departmentId: p.department(department),
    organisation: undefined,
    departmentName: "",
  });
  const { mechanism } = await client.mechanisms.proposeMechanism({
    justiceBureau: side(bureau, "法治调研处"),
    federation: side(federation, "法律服务部"),
    reason: "test fixture",
  });
  const { mechanism: established } = await client.mechanisms.establishMechanism({
    mechanismId: mechanism!.mechanismId,
    expectedRevision: 0,
    reason: "test fixture",
  });
  return established!;
}

/** Registers the two parties of a jurisdiction and establishes their mechanism. */
export async function mechanismOf(client: LiaisonClient, jurisdictionCode: string) {
  const parties = await registerMechanismParties(client, jurisdictionCode);
  const mechanism = await establishMechanism(client, parties.bureau, parties.federation);
  return { ...parties, mechanism };
}

/** One attendee for each side of the mechanism (both sides attend). */
export function bothSides(bureau: Party, federation: Party): liaisonV1.Attendee[] {
  return [attendee("李明", bureau, "副局长"), attendee("王芳", federation, "副主席")];
}

/** An attendee for an organisation, by registry id. */
export function attendee(name: string, p: Party, title = ""): liaisonV1.Attendee {
  return { name, organisationId: p.organisation.organisationId, title, attendeeId: "", creditCode: "", organisation: undefined };
}
