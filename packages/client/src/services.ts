import { bulletinsV1 } from "@jinlian/proto";
import { createClient, type ClientOptions, type PromiseClient } from "./client";

type BulletinsDefinition = typeof bulletinsV1.BulletinsServiceService;

/**
 * Reads are idempotent; every mutation is made idempotent by the request id (the service records
 * it with the change and answers a repeat with the same result), so all methods may be retried.
 */
export const BULLETINS_IDEMPOTENT: readonly (keyof BulletinsDefinition)[] = Object.keys(
  bulletinsV1.BulletinsServiceService,
) as (keyof BulletinsDefinition)[];

export type BulletinsClient = PromiseClient<BulletinsDefinition>;

/** A client of jinlian.bulletins.v1.BulletinsService. */
export function bulletinsClient(options: ClientOptions): BulletinsClient {
  return createClient(bulletinsV1.BulletinsServiceService, options, { idempotent: BULLETINS_IDEMPOTENT });
}
