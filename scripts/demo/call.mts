// Calls one Jinlian gRPC method with a JSON request (proto3 JSON, as grpcurl takes it), through
// the client SDK. A method name that only one service has picks that service; one that several
// have (ListAuditEntries) is named with its service:
//   node scripts/demo/call.mts 127.0.0.1:50052 ListBulletins '{"filter":{"origin":"ORIGIN_RECEIVED"}}'
//   node scripts/demo/call.mts 127.0.0.1:50051 GetMechanismRollUp
//   node scripts/demo/call.mts 127.0.0.1:50051 AuditTrailService/ListAuditEntries
// Where the nodes authenticate callers (scripts/start.sh), JINLIAN_DEV_AUTH_DIR and JINLIAN_ACT_FOR
// (the node's jurisdiction) give a demo operator's token; JINLIAN_TOKEN gives one outright. With
// JINLIAN_DEV_TLS_DIR (start.sh with JINLIAN_TLS=1) the call goes over mutual TLS.
import client from "@jinlian/client";
import proto from "@jinlian/proto";
import { devTls, devToken } from "../lib/dev-issuer.mts";

type Codec = { fromJSON(o: unknown): unknown; toJSON(m: unknown): unknown };
type Method = (req: unknown) => Promise<unknown>;
const { bulletinsV1, liaisonV1 } = proto;
const [address, qualified, json = "{}"] = process.argv.slice(2);
const [serviceName, method] = qualified?.includes("/") ? qualified.split("/", 2) : [undefined, qualified];
const actor = process.env.JINLIAN_ACTOR ?? "demo-cli";
const { JINLIAN_TOKEN: givenToken, JINLIAN_DEV_AUTH_DIR: authDir, JINLIAN_ACT_FOR: actFor } = process.env;
const token = givenToken ? givenToken : authDir && actFor ? () => devToken(authDir, actFor, actor) : undefined;
const tls = devTls(process.env.JINLIAN_DEV_TLS_DIR);

// Every service: its generated messages, its definition, and the SDK client that serves it.
const services = [
  {
    messages: bulletinsV1,
    definition: bulletinsV1.BulletinsServiceService,
    client: () => client.bulletinsClient({ address: address!, actor, token, tls }),
  },
  ...(["registry", "mechanisms", "consultations", "research", "campaigns", "audit"] as const).map((part) => ({
    messages: liaisonV1,
    definition: {
      registry: liaisonV1.RegistryServiceService,
      mechanisms: liaisonV1.MechanismServiceService,
      consultations: liaisonV1.ConsultationServiceService,
      research: liaisonV1.JointResearchServiceService,
      campaigns: liaisonV1.CampaignServiceService,
      audit: liaisonV1.AuditTrailServiceService,
    }[part],
    client: () => {
      const all = client.liaisonClient({ address: address!, actor, token, tls });
      return Object.assign(all[part], { close: () => all.close() });
    },
  })),
];
const name = (n: string) => n[0]!.toUpperCase() + n.slice(1);
// The definition's paths name the service: "/jinlian.liaison.v1.AuditTrailService/ListAuditEntries".
const serviceOf = (s: (typeof services)[number]) => Object.values(s.definition)[0]!.path.split("/")[1]!.split(".").pop()!;
const candidates = method
  ? services.filter((s) => (!serviceName || serviceOf(s) === serviceName) && Object.keys(s.definition).some((m) => name(m) === method))
  : [];
const service = candidates.length === 1 ? candidates[0] : undefined;
if (!address || !method || !service) {
  const counts = new Map<string, number>();
  for (const s of services) for (const m of Object.keys(s.definition)) counts.set(name(m), (counts.get(name(m)) ?? 0) + 1);
  const names = services.flatMap((s) =>
    Object.keys(s.definition).map((m) => (counts.get(name(m))! > 1 ? `${serviceOf(s)}/${name(m)}` : name(m))),
  );
  if (candidates.length > 1)
    console.error(`${method} is served by several services; name one: ${candidates.map((s) => `${serviceOf(s)}/${method}`).join(", ")}`);
  console.error(`usage: call.mts <host:port> [<Service>/]<method> [json]\nmethods: ${names.join(", ")}`);
  process.exit(2);
}
const messages = service.messages as unknown as Record<string, Codec>;
const request = messages[`${method}Request`]!;
const response = messages[`${method}Response`]!;
const stub = service.client() as unknown as Record<string, Method> & { close(): void };
try {
  console.log(
    JSON.stringify(response.toJSON(await stub[method[0]!.toLowerCase() + method.slice(1)]!(request.fromJSON(JSON.parse(json)))), null, 2),
  );
} catch (err) {
  const e = err as InstanceType<typeof client.JinlianError>;
  console.error(e.message);
  for (const v of e.fieldViolations ?? []) console.error(`  ${v.field}: ${v.description}`);
  process.exitCode = 1;
} finally {
  stub.close();
}
