import { parseEventSource } from "./cloudevents";
import { parseDeliveryTopic } from "./topics";
import { remembered } from "./remembered";

/**
 * The checks every inbound event passes before any handler sees it. On a delivery topic the
 * topic names the sending node (`<ns>.<from>.<service>.to.<to>`), and only that node's service
 * can write it once topics are authorised per node; an event whose source or payload names
 * someone else is forged or misrouted. Refusals are permanent: dead-lettered at once, never retried.
 */
export const INBOUND_CHECKS = [
  /** ce_source is not "/jinlian/<node>/<service>". */
  "source_unparsable",
  /** ce_source names another node than the delivery topic's sender. */
  "source_not_sender",
  /** ce_source names another service than the delivery topic's. */
  "source_wrong_service",
  /** The payload claims to report for another jurisdiction than the sender. */
  "claims_other_node",
  /** The payload breaks the service's own input rules. */
  "invalid_payload",
] as const;

/** The check that refused an event: the jinlian_dlq_check header and the refused metric's reason. */
export type InboundCheck = (typeof INBOUND_CHECKS)[number];

/** jinlian_dlq_reason of a refusal: FORGED when the event's origin is wrong, REFUSED when its payload is. */
export function reasonOf(check: InboundCheck): "FORGED" | "REFUSED" {
  return check === "invalid_payload" ? "REFUSED" : "FORGED";
}

export interface InboundRefusal {
  readonly check: InboundCheck;
  /** What was wrong, for the dead letter and the log. */
  readonly message: string;
}

/** A field and what is wrong with it; the chassis' FieldViolation has this shape. */
export interface PayloadViolation {
  readonly field: string;
  readonly description: string;
}

/** Per event type rules on the decoded payload, declared with its handler. */
export interface PayloadRules<T> {
  /**
   * The jurisdiction the payload claims to report for (e.g. a progress report's reporting
   * district), or undefined when it names none; on a delivery topic it must be the sender.
   */
  readonly reportsFor?: (data: T) => string | undefined;
  /** The service's own validator of the payload; any violation refuses the event. */
  readonly validate?: (data: T) => readonly PayloadViolation[];
}

/**
 * Checks an event's source against the delivery topic it was read from. Returns the sending node
 * (the topic's `from`; undefined for a topic that is not a delivery topic, which is not checked)
 * or the refusal.
 */
export function checkSource(topic: string, source: string): { sender?: string; refusal?: InboundRefusal } {
  return sourceChecks(topic)(source);
}

const sourceChecks = remembered((topic) => remembered((source) => Object.freeze(sourceCheck(topic, source))));

function sourceCheck(topic: string, source: string): { sender?: string; refusal?: InboundRefusal } {
  const delivery = parseDeliveryTopic(topic);
  if (!delivery) return {};
  const parsed = parseEventSource(source);
  if (!parsed)
    return { refusal: { check: "source_unparsable", message: `source ${JSON.stringify(source)} is not /jinlian/<node>/<service>` } };
  if (parsed.node !== delivery.from)
    return {
      refusal: {
        check: "source_not_sender",
        message: `source ${source} names node ${parsed.node}, but ${topic} is written by node ${delivery.from}`,
      },
    };
  if (parsed.service !== delivery.service)
    return {
      refusal: {
        check: "source_wrong_service",
        message: `source ${source} names service ${parsed.service}, but ${topic} carries ${delivery.service} events`,
      },
    };
  return { sender: delivery.from };
}

/**
 * Checks a decoded payload: what it claims to report for must be the sender (when the topic
 * names one), and the service's validator must find nothing. A rule that throws refuses the
 * payload too: the same bytes would make it throw on every redelivery.
 */
export function checkPayload<T>(rules: PayloadRules<T> | undefined, sender: string | undefined, data: T): InboundRefusal | undefined {
  if (!rules) return undefined;
  try {
    if (sender !== undefined && rules.reportsFor) {
      const claimed = rules.reportsFor(data);
      if (claimed !== undefined && claimed !== sender)
        return {
          check: "claims_other_node",
          message: `the payload reports for ${JSON.stringify(claimed)}, but was sent by node ${sender}`,
        };
    }
    const violations = rules.validate?.(data) ?? [];
    if (violations.length > 0)
      return {
        check: "invalid_payload",
        message: `invalid payload: ${violations.map((v) => (v.field === "" ? v.description : `${v.field}: ${v.description}`)).join("; ")}`,
      };
  } catch (err) {
    return { check: "invalid_payload", message: `invalid payload: ${(err as Error).message}` };
  }
  return undefined;
}
