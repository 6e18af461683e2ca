/**
 * Overload on a real node: past its bound of calls at once, a process sheds new calls at once
 * with RESOURCE_EXHAUSTED (reason OVERLOADED) instead of queueing them until their deadlines pass,
 * and its health check keeps answering SERVING. The calls it admitted finish once they can.
 */
import { status } from "@grpc/grpc-js";
import { liaisonV1 } from "@jinlian/proto";
import { Client } from "pg";
import { uniqueNamespace } from "../harness/kafka";
import { healthCheck } from "../support/grpc-introspection";
import { creditCodeFor, OrgType } from "../support/liaison-fixtures";
import { startTestNode, statusOf, type TestNode } from "../support/nodes";

jest.setTimeout(60_000);

let city: TestNode;

beforeAll(async () => {
  city = await startTestNode({
    jurisdictionCode: "120000",
    namespace: uniqueNamespace("overload"),
    target: "liaison",
    grpcMaxConcurrentCalls: 2,
  });
});

afterAll(async () => {
  await city?.stop();
  await city?.database.drop();
});

const anyOrganisations = liaisonV1.ListOrganisationsRequest.fromPartial({});

const registration = (name: string) => ({
  type: OrgType.ORGANISATION_TYPE_CHAMBER_OF_COMMERCE,
  name,
  creditCode: creditCodeFor("120101"),
  jurisdictionCode: "120101",
  departmentNames: [],
  reason: "入库",
});

it("sheds calls past its bound with RESOURCE_EXHAUSTED while health answers, and finishes the admitted ones", async () => {
  // Hold the registry's table so that admitted registrations wait inside the node.
  const blocker = new Client({ connectionString: city.database.url });
  await blocker.connect();
  await blocker.query("begin");
  await blocker.query("lock table liaison.organisations in access exclusive mode");
  let slow: Promise<unknown>[] = [];
  try {
    slow = [
      city.liaison.registry.registerOrganisation(registration("甲商会")),
      city.liaison.registry.registerOrganisation(registration("乙商会")),
    ];
    // Both admitted calls are now waiting on the lock.
    const admin = new Client({ connectionString: city.database.url });
    await admin.connect();
    try {
      for (let i = 0; i < 100; i++) {
        const { rows } = await admin.query<{ n: string }>(
          "select count(*) as n from pg_locks where relation = 'liaison.organisations'::regclass and not granted",
        );
        if (Number(rows[0]!.n) >= 2) break;
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      await admin.end();
    }
    const started = Date.now();
    const shed = await statusOf(city.liaison.registry.listOrganisations(anyOrganisations, { deadlineMs: 10_000 }));
    expect(shed.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(shed.reason).toBe("OVERLOADED");
    // Shed at once, not after waiting out the deadline (the SDK's retries of a shed read included).
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await healthCheck(city.address, "")).toBe("SERVING");
  } finally {
    await blocker.query("rollback");
    await blocker.end();
  }
  const done = await Promise.all(slow);
  expect(done).toHaveLength(2);
  // With the slots free again, calls are admitted.
  await expect(city.liaison.registry.listOrganisations(anyOrganisations)).resolves.toBeDefined();
});

it("stops the database work of a call whose deadline passed: the abandoned change is never applied", async () => {
  const blocker = new Client({ connectionString: city.database.url });
  await blocker.connect();
  await blocker.query("begin");
  await blocker.query("lock table liaison.organisations in access exclusive mode");
  const name = "丙商会（已放弃）";
  try {
    const err = await statusOf(city.liaison.registry.registerOrganisation(registration(name), { deadlineMs: 1_000 }));
    expect(err.code).toBe(status.DEADLINE_EXCEEDED);
    // The node's statement was cancelled at the deadline, not left waiting on the lock.
    const waiting = async () => {
      const { rows } = await blocker.query<{ n: string }>(
        "select count(*) as n from pg_locks where relation = 'liaison.organisations'::regclass and not granted",
      );
      return Number(rows[0]!.n);
    };
    for (let i = 0; i < 60 && (await waiting()) > 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(await waiting()).toBe(0);
  } finally {
    await blocker.query("rollback");
    await blocker.end();
  }
  await new Promise((r) => setTimeout(r, 300));
  const { organisations } = await city.liaison.registry.listOrganisations(
    liaisonV1.ListOrganisationsRequest.fromPartial({ filter: { text: "丙商会" } }),
  );
  expect(organisations.map((o) => o.name)).not.toContain(name);
});
