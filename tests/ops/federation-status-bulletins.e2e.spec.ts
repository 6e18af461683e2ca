/**
 * The "unacknowledged" column of `jinlian-ops federation status --city-grpc`: the city's bulletins
 * service, asked through the SDK, for the bulletins each district has not acknowledged. Two nodes
 * on the run's shared broker (deliveries cross without MirrorMaker here; the link itself is
 * federation-status.e2e.spec.ts's concern), so a receipt really comes up from the district.
 */
import { CITY_JURISDICTION } from "@jinlian/kernel";
import { main } from "@jinlian/ops";
import { bulletinsV1 } from "@jinlian/proto";
import { unacknowledgedByDistrict } from "../../packages/ops/src/federation-status-bulletins";
import { kafkaBrokers, uniqueNamespace, waitFor } from "../harness/kafka";
import { freePortPair } from "../support/dedicated-kafka";
import { draftRequest } from "../support/fixtures";
import { approveAndPublish, registerIssuers } from "../support/issuers";
import { testToken, testTokenFile } from "../support/auth";
import { startTestNode, TestClock, type TestNode } from "../support/nodes";

jest.setTimeout(240_000);

const ns = uniqueNamespace("ops-unacked");
/** The city authenticates callers; the counts are read as one of its officers. */
const cityOfficer = () => testToken(CITY_JURISDICTION, "sre-on-call", ["JUSTICE_BUREAU"]);
const cityClock = new TestClock();
let city: TestNode;
let heping: TestNode;

async function run(args: string[]): Promise<{ code: number; out: string }> {
  const chunks: string[] = [];
  const spy = jest.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    chunks.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
    return true;
  });
  try {
    return { code: await main(args), out: chunks.join("") };
  } finally {
    spy.mockRestore();
  }
}

async function publish(title: string, districts: string[]): Promise<string> {
  const { bulletin } = await city.bulletins.createBulletinDraft(
    draftRequest({ title, mainAudience: { allDistricts: false, jurisdictionCodes: districts, organisations: [] } }),
  );
  return (await approveAndPublish(city.bulletins, bulletin!.bulletinId))!.bulletinId;
}

beforeAll(async () => {
  [city, heping] = await Promise.all([
    startTestNode({ jurisdictionCode: CITY_JURISDICTION, namespace: ns, clock: cityClock }),
    startTestNode({ jurisdictionCode: "120101", namespace: ns }),
  ]);
  await registerIssuers(city);
});

afterAll(async () => {
  for (const n of [city, heping]) await n?.stop().catch(() => undefined);
  for (const n of [city, heping]) await n?.database.drop().catch(() => undefined);
});

it("counts per district what the city still waits for it to acknowledge, and which of it is overdue", async () => {
  await publish("运维状态测试简报（两区）", ["120101", "120102"]);
  const hepingOnly = await publish("运维状态测试简报（和平）", ["120101"]);
  await waitFor(
    async () => {
      const { bulletin } = await heping.bulletins
        .getBulletin({ bulletinId: hepingOnly, readerCreditCode: "" })
        .catch(() => ({ bulletin: undefined }));
      return bulletin !== undefined;
    },
    { timeoutMs: 60_000, intervalMs: 250, what: "the bulletin at 120101" },
  );
  await heping.bulletins.acknowledgeBulletin({
    bulletinId: hepingOnly,
    recipient: { recipient: { $case: "jurisdictionCode", value: "120101" } },
    version: 0,
    readerName: "和平区司法局 张三",
    party: bulletinsV1.Party.PARTY_UNSPECIFIED,
    reason: "",
  });
  // The receipt comes up to the city, which then no longer counts that bulletin.
  await waitFor(
    async () => {
      const r = await unacknowledgedByDistrict(city.address, ["120101"], 10_000, cityOfficer);
      const u = r.byDistrict.get("120101");
      return u && "bulletins" in u && u.bulletins === 1;
    },
    { timeoutMs: 60_000, intervalMs: 500, what: "the receipt from 120101 at the city" },
  );

  const before = await unacknowledgedByDistrict(city.address, ["120101", "120102", "120103"], 10_000, cityOfficer);
  expect(before.reachable).toBe(true);
  expect(Object.fromEntries(before.byDistrict)).toEqual({
    "120101": { bulletins: 1, overdue: 0 },
    "120102": { bulletins: 1, overdue: 0 },
    "120103": { bulletins: 0, overdue: 0 },
  });

  // Past the three-day acknowledgement window, what is still unread is overdue.
  cityClock.advance(4 * 86_400_000);
  const after = await unacknowledgedByDistrict(city.address, ["120101", "120102"], 10_000, cityOfficer);
  expect(Object.fromEntries(after.byDistrict)).toEqual({
    "120101": { bulletins: 1, overdue: 1 },
    "120102": { bulletins: 1, overdue: 1 },
  });

  // In the command: a column in the table and a field in the JSON, next to the links.
  const clusters = [
    "--city",
    `${CITY_JURISDICTION}=${kafkaBrokers().join(",")}`,
    "--district",
    `120101=${kafkaBrokers().join(",")}`,
    "--namespace",
    ns,
  ];
  // The city authenticates callers: the command presents a city officer's token from a file.
  const tokenFile = await testTokenFile(CITY_JURISDICTION, "sre-on-call", ["JUSTICE_BUREAU"]);
  const withToken = ["--city-grpc", city.address, "--city-grpc-token-file", tokenFile];
  const anonymous = await run(["federation", "status", ...clusters, "--city-grpc", city.address, "--json"]);
  const refused = JSON.parse(anonymous.out) as { districts: { unacknowledged: { error?: string } }[] };
  expect(refused.districts[0]!.unacknowledged.error).toMatch(/UNAUTHENTICATED|bearer token/);
  const json = await run(["federation", "status", ...clusters, ...withToken, "--json"]);
  const report = JSON.parse(json.out) as { cityGrpc: { reachable: boolean }; districts: { district: string; unacknowledged: unknown }[] };
  expect(report.cityGrpc).toEqual({ address: city.address, reachable: true });
  expect(report.districts[0]).toMatchObject({ district: "120101", unacknowledged: { bulletins: 1, overdue: 1 } });
  const table = await run(["federation", "status", ...clusters, ...withToken]);
  expect(table.out).toMatch(/HEARTBEAT ARRIVED {2}UNACKNOWLEDGED\n/);
  expect(table.out).toMatch(/^120101 和平区 .* 1 \(1 overdue\)$/m);

  // The city's service out of reach: said once, exit 3.
  const closed = await freePortPair();
  const unreachable = await run([
    "federation",
    "status",
    ...clusters,
    "--city-grpc",
    `127.0.0.1:${closed}`,
    "--json",
    "--timeout-seconds",
    "2",
  ]);
  expect(unreachable.code).toBe(3);
  const down = JSON.parse(unreachable.out) as { cityGrpc: { reachable: boolean }; problems: { kind: string; message: string }[] };
  expect(down.cityGrpc.reachable).toBe(false);
  expect(down.problems.filter((p) => p.kind === "unreachable").map((p) => p.message)).toEqual([
    expect.stringContaining(`the city's bulletins service (127.0.0.1:${closed}) cannot be reached`),
  ]);
});
