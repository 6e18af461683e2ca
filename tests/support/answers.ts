import { bulletinsV1, liaisonV1 } from "@jinlian/proto";
import type { TestNode } from "./nodes";

/**
 * A service client whose every write is checked: the aggregate it answers with (its response's
 * `field`) must equal what `read` of that aggregate returns right after. Writes answer with the
 * state they saved instead of reading it back, so this is what keeps the two in step. Reads (Get…,
 * List…) and refused calls pass through unchecked. Only for sequential writes: a concurrent write
 * to the same aggregate between the answer and the read would be a false alarm.
 */
export function answersCheckedAgainstReads<C extends object, A>(
  client: C,
  field: string,
  read: (answer: A, request: Record<string, unknown>) => Promise<A | undefined>,
): C {
  return new Proxy(client, {
    get(target, name, receiver) {
      const method = Reflect.get(target, name, receiver) as unknown;
      if (typeof method !== "function" || typeof name !== "string" || /^(get|list)/.test(name)) return method;
      return async (...args: unknown[]) => {
        const response = (await (method as (...a: unknown[]) => Promise<Record<string, unknown>>).apply(target, args)) ?? {};
        const answer = response[field] as A | undefined;
        if (answer !== undefined) expect({ [name]: answer }).toEqual({ [name]: await read(answer, args[0] as Record<string, unknown>) });
        return response;
      };
    },
  });
}

/** A node's bulletins service, each write's answer checked against GetBulletin right after. */
export const bulletinsOf = (node: TestNode) =>
  answersCheckedAgainstReads(node.bulletins, "bulletin", async (b: bulletinsV1.Bulletin) => {
    // A restricted bulletin is found by its issuers: read as the lead issuer.
    const restricted = b.classification === bulletinsV1.Classification.CLASSIFICATION_RESTRICTED;
    const readerCreditCode = restricted ? b.issuer!.creditCode : "";
    return (await node.bulletins.getBulletin({ bulletinId: b.bulletinId, readerCreditCode })).bulletin;
  });

/**
 * A node's consultation service, each write's answer checked right after against
 * GetConsultation or GetActionItem.
 */
export const consultationsOf = (node: TestNode) =>
  answersCheckedAgainstReads(
    answersCheckedAgainstReads(node.liaison.consultations, "consultation", async (c: liaisonV1.Consultation) => {
      return (await node.liaison.consultations.getConsultation({ consultationId: c.consultationId })).consultation;
    }),
    "actionItem",
    async (a: liaisonV1.ActionItem) => (await node.liaison.consultations.getActionItem({ actionItemId: a.actionItemId })).actionItem,
  );
