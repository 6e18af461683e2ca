// Calls one BulletinsService method with a JSON request (proto3 JSON, as grpcurl takes it):
//   node scripts/demo/call.mts 127.0.0.1:50052 ListBulletins '{"filter":{"origin":"ORIGIN_RECEIVED"}}'
import client from "@jinlian/client";
import proto from "@jinlian/proto";

const { bulletinsV1 } = proto;
const [address, method, json = "{}"] = process.argv.slice(2);
type Codec = { fromJSON(o: unknown): unknown; toJSON(m: unknown): unknown };
const messages = bulletinsV1 as unknown as Record<string, Codec>;
const request = method ? messages[`${method}Request`] : undefined;
const response = method ? messages[`${method}Response`] : undefined;
if (!address || !method || !request || !response) {
  const names = Object.keys(bulletinsV1.BulletinsServiceService).map((n) => n[0]!.toUpperCase() + n.slice(1));
  console.error(`usage: call.mts <host:port> <method> [json]\nmethods: ${names.join(", ")}`);
  process.exit(2);
}
const bulletins = client.bulletinsClient({ address, actor: process.env.JINLIAN_ACTOR ?? "demo-cli" });
const fn = (bulletins as unknown as Record<string, (req: unknown) => Promise<unknown>>)[method[0]!.toLowerCase() + method.slice(1)]!;
try {
  console.log(JSON.stringify(response.toJSON(await fn(request.fromJSON(JSON.parse(json)))), null, 2));
} catch (err) {
  const e = err as InstanceType<typeof client.JinlianError>;
  console.error(e.message);
  for (const v of e.fieldViolations ?? []) console.error(`  ${v.field}: ${v.description}`);
  process.exitCode = 1;
} finally {
  bulletins.close();
}
