/**
 * Kafka stops while bulletins are published: the RPCs still succeed (state and events commit to
 * PostgreSQL through the outbox), nothing is lost, and once the broker is back every event is
 * delivered, each bulletin's events in order.
 */
import { uniqueNamespace, waitFor } from "../harness/kafka";
import { query } from "../support/db";
import { startDedicatedKafka, type DedicatedKafka } from "../support/dedicated-kafka";
import { describeNeedingJava } from "../support/requirements";
import { draftRequest } from "../support/fixtures";
import { startTestNode, type TestNode } from "../support/nodes";
import { approveAndPublish, registerIssuers } from "../support/issuers";

jest.setTimeout(240_000);

describeNeedingJava("a Kafka outage", () => {
  let broker: DedicatedKafka;
  let city: TestNode;
  let heping: TestNode;
  const ns = uniqueNamespace("outage");

  beforeAll(async () => {
    broker = await startDedicatedKafka();
    [city, heping] = await Promise.all([
      startTestNode({ jurisdictionCode: "120000", namespace: ns, kafkaBrokers: broker.brokers }),
      startTestNode({ jurisdictionCode: "120101", namespace: ns, kafkaBrokers: broker.brokers }),
    ]);
    await registerIssuers(city);
  });

  afterAll(async () => {
    await broker?.start().catch(() => undefined); // let clients disconnect cleanly
    for (const n of [city, heping]) await n?.stop();
    for (const n of [city, heping]) await n?.database.drop();
    await broker?.destroy();
  });

  async function publish(title: string): Promise<string> {
    const { bulletin } = await city.bulletins.createBulletinDraft(draftRequest({ title }));
    await approveAndPublish(city.bulletins, bulletin!.bulletinId);
    return bulletin!.bulletinId;
  }

  it("loses nothing and delivers in order once the broker is back", async () => {
    const warmUp = await publish("停机前");
    await waitFor(
      async () => (await query(heping.database.url, "select 1 from bulletins.bulletins where bulletin_id = $1", [warmUp])).length === 1,
      {
        timeoutMs: 30_000,
        intervalMs: 200,
        what: "delivery before the outage",
      },
    );

    await broker.stop();
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push(await publish(`停机期间 ${i}`));
    // Corrections and a recall while the broker is down: each must arrive after its publication.
    await city.bulletins.correctBulletin({ bulletinId: ids[0]!, expectedRevision: 0, title: "更正一次", body: "v2", reason: "更正" });
    await city.bulletins.correctBulletin({ bulletinId: ids[0]!, expectedRevision: 0, title: "更正两次", body: "v3", reason: "再更正" });
    await city.bulletins.recallBulletin({ bulletinId: ids[1]!, expectedRevision: 0, reason: "撤回" });
    const pending = await query<{ n: string }>(city.database.url, "select count(*) as n from bulletins.outbox where published_at is null");
    expect(Number(pending[0]!.n)).toBe(13);

    await broker.start();
    await waitFor(
      async () => {
        const rows = await query<{ n: string }>(
          heping.database.url,
          "select count(*) as n from bulletins.bulletins where bulletin_id = any($1::uuid[])",
          [ids],
        );
        return Number(rows[0]!.n) === ids.length;
      },
      { timeoutMs: 120_000, intervalMs: 500, what: "all ten bulletins at the district after the outage" },
    );
    const corrected = await waitFor(
      async () => {
        const rows = await query<{ current_version: number; title: string }>(
          heping.database.url,
          "select current_version, title from bulletins.bulletins where bulletin_id = $1",
          [ids[0]],
        );
        return rows[0]?.current_version === 3 ? rows[0] : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500, what: "both corrections at the district" },
    );
    expect(corrected.title).toBe("更正两次");
    const versions = await query<{ version: number; change: string }>(
      heping.database.url,
      "select version, change from bulletins.bulletin_versions where bulletin_id = $1 order by version",
      [ids[0]],
    );
    expect(versions).toEqual([
      { version: 1, change: "ORIGINAL" },
      { version: 2, change: "CORRECTION" },
      { version: 3, change: "CORRECTION" },
    ]);
    const recalled = await waitFor(
      async () =>
        (await query<{ status: string }>(heping.database.url, "select status from bulletins.bulletins where bulletin_id = $1", [ids[1]]))[0]
          ?.status === "RECALLED",
      { timeoutMs: 60_000, intervalMs: 500, what: "the recall at the district" },
    );
    expect(recalled).toBe(true);
    const left = await query<{ n: string }>(city.database.url, "select count(*) as n from bulletins.outbox where published_at is null");
    expect(Number(left[0]!.n)).toBe(0);
    // Numbers were given while Kafka was down, with no gap.
    const numbers = await query<{ number: number }>(heping.database.url, "select number from bulletins.bulletins order by number");
    expect(numbers.map((r) => r.number)).toEqual(Array.from({ length: 11 }, (_, i) => i + 1));
  });
});
