/**
 * PostgreSQL restarts under a running node: calls made while it is down are answered UNAVAILABLE
 * (which the SDK retries), never INTERNAL; events consumed while it is down are retried, never
 * dead-lettered, and applied once it is back; the node needs no restart.
 */
import { randomUUID } from "node:crypto";
import { status } from "@grpc/grpc-js";
import { toKafkaHeaders } from "@jinlian/chassis";
import { commonV1, liaisonEventsV1, liaisonV1 } from "@jinlian/proto";
import { Kafka, logLevel } from "kafkajs";
import { createTestDatabase, type TestDatabase } from "../harness/database";
import { kafkaBrokers, uniqueNamespace, waitFor } from "../harness/kafka";
import { query } from "../support/db";
import { startDedicatedPostgres, type DedicatedPostgres } from "../support/dedicated-postgres";
import { creditCodeFor, OrgType } from "../support/liaison-fixtures";
import { startTestNode, statusOf, type TestNode } from "../support/nodes";

jest.setTimeout(300_000);

const ns = uniqueNamespace("pgout");
const kafka = new Kafka({ brokers: kafkaBrokers(), clientId: "pg-outage-test", logLevel: logLevel.NOTHING });
let pg: DedicatedPostgres;
let database: TestDatabase;
let city: TestNode;

beforeAll(async () => {
  pg = await startDedicatedPostgres();
  database = await createTestDatabase(pg.adminUrl, "pgout");
  city = await startTestNode({ jurisdictionCode: "120000", namespace: ns, database });
});

afterAll(async () => {
  await pg?.start().catch(() => undefined);
  await city?.stop();
  await database?.drop().catch(() => undefined);
  await pg?.destroy();
});

const registration = (name: string) =>
  liaisonV1.RegisterOrganisationRequest.fromPartial({
    type: OrgType.ORGANISATION_TYPE_CHAMBER_OF_COMMERCE,
    name,
    creditCode: creditCodeFor("120000"),
    jurisdictionCode: "120000",
    reason: "入库",
  });

function registered(organisationId: string, name: string) {
  const organisation = liaisonV1.Organisation.fromPartial({
    organisationId,
    type: commonV1.OrganisationType.ORGANISATION_TYPE_ENTERPRISE,
    name,
    creditCode: creditCodeFor("120000", "91"),
    jurisdictionCode: "120000",
    status: liaisonV1.OrganisationStatus.ORGANISATION_STATUS_ACTIVE,
    revision: 1,
    registryJurisdictionCode: "120000",
  });
  const data = liaisonEventsV1.OrganisationRegistered.encode(
    liaisonEventsV1.OrganisationRegistered.fromPartial({
      organisationId,
      organisation,
      audit: { actor: "registrar", reason: "", requestId: "r", occurTime: new Date(), jurisdictionCode: "120000" },
    }),
  ).finish();
  return {
    key: organisationId,
    value: Buffer.from(data),
    headers: toKafkaHeaders({
      id: randomUUID(),
      source: "/jinlian/120000/liaison",
      type: "jinlian.liaison.organisation.registered.v1",
      time: new Date(),
      subject: organisationId,
      dataschema: "urn:jinlian:protobuf:jinlian.liaison.events.v1.OrganisationRegistered",
      data,
    }),
  };
}

it("answers UNAVAILABLE while the database is down and serves again when it is back", async () => {
  await city.liaison.registry.registerOrganisation(registration("停机前登记"));
  await pg.stop();
  try {
    // deadlineMs bounds the SDK's own retries of UNAVAILABLE.
    const write = await statusOf(city.liaison.registry.registerOrganisation(registration("停机中登记"), { deadlineMs: 3_000 }));
    expect([status.UNAVAILABLE, status.DEADLINE_EXCEEDED]).toContain(write.code);
    if (write.code === status.UNAVAILABLE) expect(write.reason).toBe("DEPENDENCY_UNAVAILABLE");
    const read = await statusOf(
      city.liaison.registry.listOrganisations(liaisonV1.ListOrganisationsRequest.fromPartial({}), { deadlineMs: 3_000 }),
    );
    expect([status.UNAVAILABLE, status.DEADLINE_EXCEEDED]).toContain(read.code);
    expect([write.code, read.code]).not.toContain(status.INTERNAL);
  } finally {
    await pg.start();
  }
  await waitFor(
    async () => {
      await city.liaison.registry.registerOrganisation(registration("恢复后登记"));
      return true;
    },
    { timeoutMs: 60_000, intervalMs: 1_000, what: "calls to succeed again" },
  );
});

it("retries events consumed while the database is down, never dead-letters them, and applies them when it is back", async () => {
  const ids = Array.from({ length: 5 }, () => randomUUID());
  await pg.stop();
  try {
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: `${ns}.120000.liaison.registry`,
      acks: -1,
      messages: ids.map((id, i) => registered(id, `停机中企业${i}`)),
    });
    await producer.disconnect();
    // Long enough for the bulletins consumer to meet the outage on these events.
    await new Promise((r) => setTimeout(r, 8_000));
  } finally {
    await pg.start();
  }
  await waitFor(
    async () => {
      const rows = await query(database.url, "select 1 from bulletins.known_organisations where organisation_id = any($1::uuid[])", [ids]);
      return rows.length === ids.length;
    },
    { timeoutMs: 120_000, intervalMs: 1_000, what: "the projection to apply every event after the outage" },
  );
  const admin = kafka.admin();
  await admin.connect();
  try {
    const dlq = await admin.fetchTopicOffsets(`${ns}.120000.bulletins.dlq`);
    expect(dlq.every((p) => Number(p.high) === 0)).toBe(true);
  } finally {
    await admin.disconnect();
  }
});
