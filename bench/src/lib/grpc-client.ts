/** The one client both gRPC variants are called with: generated stub, actor header, deadline. */
import { credentials, Metadata, type ServiceError } from "@grpc/grpc-js";
import { bulletinsV1 } from "@jinlian/proto";

export interface GetBulletinClient {
  get(bulletinId: string): Promise<bulletinsV1.GetBulletinResponse>;
  close(): void;
}

export function getBulletinClient(address: string): GetBulletinClient {
  const raw = new bulletinsV1.BulletinsServiceClient(address, credentials.createInsecure());
  return {
    get: (bulletinId) =>
      new Promise((resolve, reject) => {
        const metadata = new Metadata();
        metadata.set("x-jinlian-actor", "bench");
        raw.getBulletin(
          { bulletinId, readerCreditCode: "" },
          metadata,
          { deadline: Date.now() + 10_000 },
          (err: ServiceError | null, res) => (err ? reject(err) : resolve(res)),
        );
      }),
    close: () => raw.close(),
  };
}
