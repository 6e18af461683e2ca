import type { Authenticator, Authorizer, InboxBinding, Logger, RegisteredService } from "@jinlian/chassis";

export interface GrpcOptions {
  logger: Logger;
  authenticator?: Authenticator;
  authorizer?: Authorizer;
}

/**
 * One part of the liaison service (registry, mechanisms, consultations, research, campaigns,
 * audit): its gRPC services, the inbound deliveries it applies, and any background work.
 */
export interface LiaisonArea {
  readonly grpcServices: readonly RegisteredService[];
  /** Handlers for events on the liaison delivery topics addressed to this node. */
  readonly deliveries?: readonly InboxBinding[];
  start?(): void;
  stop?(): Promise<void>;
}
