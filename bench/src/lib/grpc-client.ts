/** The one client every gRPC variant is called with: generated stub, actor header, deadline. */
import { randomUUID } from "node:crypto";
import { credentials, Metadata, type ServiceError } from "@grpc/grpc-js";
import { bulletinsV1 } from "@jinlian/proto";

export interface BulletinsBenchClient {
  get(bulletinId: string): Promise<bulletinsV1.GetBulletinResponse>;
  /** With a fresh x-request-id, as a caller retrying safely sends one per intended change. */
  createDraft(request: bulletinsV1.CreateBulletinDraftRequest): Promise<bulletinsV1.CreateBulletinDraftResponse>;
  close(): void;
}

function metadata(requestId?: string): Metadata {
  const m = new Metadata();
  m.set("x-jinlian-actor", "bench");
  if (requestId) m.set("x-request-id", requestId);
  return m;
}

export function bulletinsClient(address: string): BulletinsBenchClient {
  const raw = new bulletinsV1.BulletinsServiceClient(address, credentials.createInsecure());
  const deadline = () => ({ deadline: Date.now() + 10_000 });
  return {
    get: (bulletinId) =>
      new Promise((resolve, reject) => {
        raw.getBulletin({ bulletinId, readerCreditCode: "" }, metadata(), deadline(), (err: ServiceError | null, res) =>
          err ? reject(err) : resolve(res),
        );
      }),
    createDraft: (request) =>
      new Promise((resolve, reject) => {
        raw.createBulletinDraft(request, metadata(randomUUID()), deadline(), (err: ServiceError | null, res) =>
          err ? reject(err) : resolve(res),
        );
      }),
    close: () => raw.close(),
  };
}
