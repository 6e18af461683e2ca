import type { EventDescriptor } from "@jinlian/subscriber";

/**
 * Where an event goes: this node's local stream of the service (`{ local: "registry" }`), or the
 * delivery topic from this node to another node (`{ node: "120101" }`).
 */
export type Destination = { readonly local: string } | { readonly node: string };

/** One event a decision emits: its type, its Kafka key (the aggregate id), its payload and destinations. */
export interface EventToEmit<T = unknown> {
  readonly descriptor: EventDescriptor<T>;
  readonly subject: string;
  readonly data: T;
  readonly to: readonly Destination[];
}

export function emit<T>(descriptor: EventDescriptor<T>, subject: string, data: T, to: readonly Destination[]): EventToEmit<T> {
  return { descriptor, subject, data, to };
}

export const toLocal = (stream: string): Destination => ({ local: stream });
export const toNode = (node: string): Destination => ({ node });

/**
 * What a domain decision returns: the aggregate as it stands after the change (the kit bumps its
 * revision), the audit action, and the events with their destinations. Decisions are pure: the
 * same command and state always give the same decision, so they are tested as given/when/then.
 */
export interface Decision<S> {
  readonly state: S;
  /** The method or inbound event recorded in the audit trail, e.g. "SuspendMechanism". */
  readonly action: string;
  readonly events: readonly EventToEmit[];
}

/** A decision that emits its events once the new revision is known (events carry the revision). */
export type DecisionWithRevision<S> = Omit<Decision<S>, "events"> & {
  readonly events: readonly EventToEmit[] | ((after: S) => readonly EventToEmit[]);
};
