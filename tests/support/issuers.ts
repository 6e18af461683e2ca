/**
 * Issuers for bulletin tests. A bulletin's issuer must be an active justice bureau or federation
 * of the issuing node in that node's liaison registry (bulletins projects it from the registry's
 * events), and a draft must be approved (签发) before it is published.
 */
import type { BulletinsClient, LiaisonClient } from "@jinlian/client";
import { bulletinsV1, commonV1, liaisonV1 } from "@jinlian/proto";
import { waitFor } from "../harness/kafka";
import { MUNICIPAL_FEDERATION, MUNICIPAL_JUSTICE_BUREAU } from "./fixtures";

type Ref = { creditCode: string; jurisdictionCode: string; name: string };

/** The approver the tests name: a name and a position. */
export const APPROVER = { name: "王五", position: "局长" };

/**
 * Registers organisations in the node's liaison registry (with the given credit codes) and waits
 * until its bulletins service knows them. Defaults: the municipal justice bureau and federation.
 */
export async function registerIssuers(
  node: { liaison: LiaisonClient; bulletins: BulletinsClient },
  parties: { ref: Ref; type: commonV1.OrganisationType }[] = [
    { ref: MUNICIPAL_JUSTICE_BUREAU, type: commonV1.OrganisationType.ORGANISATION_TYPE_JUSTICE_BUREAU },
    { ref: MUNICIPAL_FEDERATION, type: commonV1.OrganisationType.ORGANISATION_TYPE_FEDERATION },
  ],
): Promise<liaisonV1.Organisation[]> {
  const registered: liaisonV1.Organisation[] = [];
  for (const p of parties) {
    const { organisation } = await node.liaison.registry.registerOrganisation(
      liaisonV1.RegisterOrganisationRequest.fromPartial({
        type: p.type,
        name: p.ref.name,
        creditCode: p.ref.creditCode,
        jurisdictionCode: p.ref.jurisdictionCode,
        reason: "test fixture: bulletin issuer",
      }),
    );
    registered.push(organisation!);
  }
  await waitFor(
    async () => {
      const { organisations } = await node.bulletins.listKnownOrganisations({
        jurisdictionCode: "",
        text: "",
        page: { pageSize: 200, pageToken: "" },
      });
      return parties.every((p) => organisations.some((k) => k.organisation?.creditCode === p.ref.creditCode && k.active));
    },
    { timeoutMs: 45_000, intervalMs: 200, what: "the issuers in the bulletins projection" },
  );
  return registered;
}

/** Approves (签发) a draft and publishes it: the two steps an office takes. */
export async function approveAndPublish(
  client: BulletinsClient,
  bulletinId: string,
  reason = "",
  options?: { requestId?: string },
): Promise<bulletinsV1.Bulletin> {
  await client.approveBulletin({ bulletinId, expectedRevision: 0, approver: APPROVER, reason: "" });
  const { bulletin } = await client.publishBulletin({ bulletinId, expectedRevision: 0, reason }, options);
  return bulletin!;
}
