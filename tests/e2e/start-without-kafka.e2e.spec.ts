/**
 * A node (re)started while its broker is down still serves: it answers health SERVING with
 * `jinlian.node.Kafka` NOT_SERVING, takes writes (their events wait in the outbox), and once the
 * broker is back it creates its topics, publishes the backlog and its consumers catch up.
 */
import { liaisonV1 } from "@jinlian/proto";
import { uniqueNamespace, waitFor } from "../harness/kafka";
import { query } from "../support/db";
import { startDedicatedKafka, type DedicatedKafka } from "../support/dedicated-kafka";
import { describeNeedingJava } from "../support/requirements";
import { healthCheck } from "../support/grpc-introspection";
import { creditCodeFor, OrgType } from "../support/liaison-fixtures";
import { startTestNode, type TestNode } from "../support/nodes";

jest.setTimeout(240_000);

describeNeedingJava("a node started while Kafka is down", () => {
  let broker: DedicatedKafka;
  let city: TestNode | undefined;

  beforeAll(async () => {
    broker = await startDedicatedKafka();
    await broker.stop();
  });

  afterAll(async () => {
    await broker?.start().catch(() => undefined);
    await city?.stop();
    await city?.database.drop();
    await broker?.destroy();
  });

  it("serves calls, reports Kafka in health, and catches up when the broker returns", async () => {
    city = await startTestNode({
      jurisdictionCode: "120000",
      namespace: uniqueNamespace("nokafka"),
      kafkaBrokers: broker.brokers,
      kafkaAttachWaitMs: 1_000,
    });
    expect(await healthCheck(city.address, "")).toBe("SERVING");
    expect(await healthCheck(city.address, "jinlian.node.Kafka")).toBe("NOT_SERVING");
    expect(await healthCheck(city.address, "jinlian.node.Consumers")).toBe("SERVING");

    const { organisation } = await city.liaison.registry.registerOrganisation({
      type: OrgType.ORGANISATION_TYPE_CHAMBER_OF_COMMERCE,
      name: "停机期间登记的商会",
      creditCode: creditCodeFor("120000"),
      jurisdictionCode: "120000",
      departmentNames: [],
      reason: "停机期间",
    } as liaisonV1.RegisterOrganisationRequest);
    const pending = await query<{ n: string }>(city.database.url, "select count(*) as n from liaison.outbox where published_at is null");
    expect(Number(pending[0]!.n)).toBeGreaterThan(0);

    await broker.start();
    await waitFor(async () => (await healthCheck(city!.address, "jinlian.node.Kafka")) === "SERVING", {
      timeoutMs: 90_000,
      intervalMs: 500,
      what: "the node to attach to the returned broker",
    });
    // The registration's event was published and the node's bulletins consumer applied it.
    await waitFor(
      async () => {
        const { organisations } = await city!.bulletins.listKnownOrganisations({ jurisdictionCode: "", text: "停机期间", page: undefined });
        return organisations.some((o) => o.organisationId === organisation!.organisationId);
      },
      { timeoutMs: 60_000, intervalMs: 500, what: "the bulletins projection to see the registration" },
    );
    const left = await query<{ n: string }>(city.database.url, "select count(*) as n from liaison.outbox where published_at is null");
    expect(Number(left[0]!.n)).toBe(0);
  });
});
