// Calls one BulletinsService method with a JSON request (proto3 JSON, as grpcurl takes it):
//   node scripts/demo/call.mts 127.0.0.1:50052 ListBulletins '{"filter":{"origin":"ORIGIN_RECEIVED"}}'
import { credentials, Metadata, type ServiceError } from "@grpc/grpc-js";
import proto from "@jinlian/proto";

const { bulletinsV1 } = proto;
const [address, method, json = "{}"] = process.argv.slice(2);
type Codec = { fromJSON(o: unknown): unknown; toJSON(m: unknown): unknown };
const messages = bulletinsV1 as unknown as Record<string, Codec>;
const request = messages[`${method}Request`];
const response = messages[`${method}Response`];
if (!address || !method || !request || !response) {
  const names = Object.keys(bulletinsV1.BulletinsServiceService).map((n) => n[0]!.toUpperCase() + n.slice(1));
  console.error(`usage: call.mts <host:port> <method> [json]\nmethods: ${names.join(", ")}`);
  process.exit(2);
}
const client = new bulletinsV1.BulletinsServiceClient(address, credentials.createInsecure());
const md = new Metadata();
md.set("x-jinlian-actor", process.env.JINLIAN_ACTOR ?? "demo-cli");
const fn = (client as unknown as Record<string, Function>)[method[0]!.toLowerCase() + method.slice(1)]!;
fn.call(client, request.fromJSON(JSON.parse(json)), md, { deadline: Date.now() + 10_000 }, (err: ServiceError | null, res: unknown) => {
  if (err) {
    console.error(`${err.code} ${err.details}`);
    process.exitCode = 1;
  } else console.log(JSON.stringify(response.toJSON(res), null, 2));
  client.close();
});
