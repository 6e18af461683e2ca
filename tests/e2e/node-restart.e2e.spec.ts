/**
 * A district node restarted mid-flow: stopped while the city keeps publishing, and stopped again
 * while a backlog is half applied. Restarted on the same database, it catches up by itself, every
 * bulletin arrives exactly once (one copy, one audit entry), and its read receipts still reach the
 * city. The consumers and relays here are the ones the node builds from the modules' declarations.
 */
import { bulletinsV1 } from "@jinlian/proto";
import { uniqueNamespace, waitFor } from "../harness/kafka";
import { query } from "../support/db";
import { draftRequest } from "../support/fixtures";
import { startTestNode, type TestNode } from "../support/nodes";
import { approveAndPublish, registerIssuers } from "../support/issuers";

jest.setTimeout(180_000);

const ns = uniqueNamespace("restart");
let city: TestNode;
let district: TestNode;

beforeAll(async () => {
  [city, district] = await Promise.all([
    startTestNode({ jurisdictionCode: "120000", namespace: ns }),
    startTestNode({ jurisdictionCode: "120101", namespace: ns }),
  ]);
  await registerIssuers(city);
});

afterAll(async () => {
  for (const n of [city, district]) await n?.stop();
  for (const n of [city, district]) await n?.database.drop();
});

const toHeping = { allDistricts: false, jurisdictionCodes: ["120101"], organisations: [] };

async function publish(title: string): Promise<string> {
  const { bulletin } = await city.bulletins.createBulletinDraft(draftRequest({ title, mainAudience: toHeping }));
  await approveAndPublish(city.bulletins, bulletin!.bulletinId);
  return bulletin!.bulletinId;
}

async function restartDistrict(): Promise<void> {
  await district.stop();
  district = await startTestNode({ jurisdictionCode: "120101", namespace: ns, database: district.database });
}

/** Copies and BulletinReceived audit entries per bulletin at the district, read from its database. */
async function atDistrict(ids: readonly string[]): Promise<{ copies: number; received: number }[]> {
  return Promise.all(
    ids.map(async (id) => {
      const [row] = await query<{ copies: string; received: string }>(
        district.database.url,
        `select (select count(*) from bulletins.bulletins where bulletin_id = $1) as copies,
                (select count(*) from bulletins.audit_entries where aggregate_id = $1 and action = 'BulletinReceived') as received`,
        [id],
      );
      return { copies: Number(row!.copies), received: Number(row!.received) };
    }),
  );
}

it("catches up after being down, and applies a half-consumed backlog exactly once", async () => {
  // Down while the city publishes: the deliveries wait on the topic.
  await district.stop();
  const whileDown = [await publish("停机期间的简报 1"), await publish("停机期间的简报 2")];
  district = await startTestNode({ jurisdictionCode: "120101", namespace: ns, database: district.database });

  // A backlog, and a restart while it is being applied.
  const backlog: string[] = [];
  for (let i = 0; i < 30; i++) backlog.push(await publish(`积压简报 ${i}`));
  await waitFor(async () => (await atDistrict(backlog)).some((c) => c.copies === 1), {
    timeoutMs: 60_000,
    intervalMs: 100,
    what: "the district applying the first of the backlog",
  });
  await restartDistrict();

  const all = [...whileDown, ...backlog];
  const applied = await waitFor(
    async () => {
      const counts = await atDistrict(all);
      return counts.every((c) => c.copies === 1) ? counts : undefined;
    },
    { timeoutMs: 90_000, intervalMs: 200, what: "every bulletin at the restarted district" },
  );
  expect(applied).toEqual(all.map(() => ({ copies: 1, received: 1 })));

  // The restarted node's relay still sends its receipts up.
  const id = backlog[backlog.length - 1]!;
  await district.bulletins.acknowledgeBulletin({
    reason: "",
    bulletinId: id,
    recipient: { recipient: { $case: "jurisdictionCode", value: "120101" } },
    version: 0,
    readerName: "和平区司法局 李四",
    party: 0,
  });
  const state = await waitFor(
    async () => {
      const { recipients } = await city.bulletins.getBulletinReadStatus({ bulletinId: id });
      const r = recipients.find((x) => x.recipient?.recipient?.$case === "jurisdictionCode");
      return r?.state === bulletinsV1.ReadState.READ_STATE_READ ? r.state : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 200, what: "the receipt at the city" },
  );
  expect(state).toBe(bulletinsV1.ReadState.READ_STATE_READ);
  // Nothing was applied twice at the district, before or after the receipt.
  expect(await atDistrict(all)).toEqual(all.map(() => ({ copies: 1, received: 1 })));
});
