/**
 * What run.ts prepares before any worker starts, in the run's throwaway database and under the
 * run's topic namespace: migrated schemas, seeded bulletins, topics, and the messages to consume.
 */
import { randomUUID } from "node:crypto";
import { bulletinsModule } from "@jinlian/bulletins";
import { createDatabase, ensureTopics, migrate, toKafkaHeaders, type CloudEvent } from "@jinlian/chassis";
import { Kafka, logLevel, type Admin } from "kafkajs";
import { APPROVER, benchEvent, BODY, CO_ISSUER, ISSUER, kafkaMessage, SAMPLE_TRACEPARENT, TITLE } from "./fixtures";
import type { WorkerConfig } from "./protocol";

export const SEEDED_BULLETINS = 1000;

/**
 * Migrates the bulletins schema and fills it: 90 % published (one version, three recipients each,
 * issued jointly with the federation and approved, 签发), 10 % drafts.
 */
export async function prepareDatabase(url: string, schemas: WorkerConfig["schemas"]): Promise<{ bulletinId: string }> {
  for (const [schema, migrations] of [
    [schemas.bulletins, bulletinsModule.migrations],
    [schemas.outbox, []],
    [schemas.inbox, []],
  ] as const) {
    const db = createDatabase({ url, schema, applicationName: "bench-setup" });
    try {
      await migrate(db, schema, migrations);
    } finally {
      await db.destroy();
    }
  }
  const db = createDatabase({ url, schema: schemas.bulletins, applicationName: "bench-setup" });
  try {
    // The dual-write baseline's table: the outbox's shape, without a relay reading it.
    await db.raw(`create table "${schemas.outbox}".dual_write (like "${schemas.outbox}".outbox including all)`);
    // What the consume variants' handler writes for each event: a projection row per aggregate.
    await db.raw(`create table "${schemas.inbox}".projection (aggregate_id text primary key, events integer not null)`);
    const audience = JSON.stringify({ allDistricts: false, jurisdictionCodes: ["120101", "120102", "120103"], organisations: [] });
    const none = JSON.stringify({ allDistricts: false, jurisdictionCodes: [], organisations: [] });
    const coIssuers = JSON.stringify([CO_ISSUER]);
    // The approval as the bulletins repository stores it (rowOf in persistence/repository.ts).
    const approval = (at: string) =>
      `jsonb_build_object('approverName', '${APPROVER.name}', 'approverPosition', '${APPROVER.position}', 'actor', 'bench',
         'reason', '', 'requestId', 'bench-seed', 'at', ${at}, 'jurisdiction', '120000')`;
    await db.raw(
      `insert into bulletins (bulletin_id, origin, kind, issuer_credit_code, issuer_name, issuer_jurisdiction, issuing_jurisdiction,
         year, number, title, body, main_audience, copy_audience, urgency, classification, ack_window_seconds, ack_due_at, status,
         current_version, revision, created_by, created_at, published_at, updated_at, co_issuers, approval)
       select gen_random_uuid(), 'ISSUED', case when i % 3 = 0 then 'SPECIAL_NOTICE' else 'WORK_BRIEFING' end, ?, ?, '120000', '120000',
         case when i % 10 = 0 then null else 2026 end, case when i % 10 = 0 then null else i end,
         ? || '（' || i || '）', ?, ?::jsonb, ?::jsonb, 'ROUTINE', 'INTERNAL', 259200,
         case when i % 10 = 0 then null else now() - i * interval '1 hour' + interval '3 days' end,
         case when i % 10 = 0 then 'DRAFT' else 'PUBLISHED' end, case when i % 10 = 0 then 0 else 1 end, 2, 'bench',
         now() - i * interval '1 hour', case when i % 10 = 0 then null else now() - i * interval '1 hour' end, now() - i * interval '1 hour',
         ?::jsonb, case when i % 10 = 0 then null else ${approval("to_jsonb(now() - i * interval '1 hour' - interval '10 minutes')")} end
       from generate_series(1, ?) as i`,
      [ISSUER.creditCode, ISSUER.name, TITLE, BODY, audience, none, coIssuers, SEEDED_BULLETINS],
    );
    await db.raw(
      `insert into bulletin_versions (bulletin_id, version, change, title, body, reason, actor, request_id, jurisdiction, occurred_at, ack_due_at)
       select bulletin_id, 1, 'ORIGINAL', title, body, '', 'bench', 'bench-seed', '120000', published_at, ack_due_at
       from bulletins where status = 'PUBLISHED'`,
    );
    await db.raw(
      `insert into bulletin_recipients (bulletin_id, recipient_key, recipient, role, delivery_jurisdiction,
         acknowledged_version, acknowledged_at, acknowledged_by, reader_name)
       select b.bulletin_id, 'node:' || d.code, jsonb_build_object('kind', 'node', 'jurisdictionCode', d.code), 'MAIN', d.code,
         case when d.code = '120101' then 1 else 0 end,
         case when d.code = '120101' then b.published_at + interval '1 hour' end,
         case when d.code = '120101' then 'bench' end,
         case when d.code = '120101' then '张三' end
       from bulletins b cross join (values ('120101'), ('120102'), ('120103')) as d(code)
       where b.status = 'PUBLISHED'`,
    );
    // Each acknowledgement is also its receipt (the view reads each party's latest receipt).
    await db.raw(
      `insert into bulletin_receipts (receipt_id, bulletin_id, recipient_key, version, acknowledged_at, acknowledged_by, reader_name, party)
       select gen_random_uuid(), bulletin_id, recipient_key, acknowledged_version, acknowledged_at, acknowledged_by, reader_name, ''
       from bulletin_recipients where acknowledged_version > 0`,
    );
    // The registry as the bulletins service projects it: the two issuers drafts name (grpc-write).
    await db("known_organisations").insert(
      [
        { ...ISSUER, type: "JUSTICE_BUREAU" },
        { ...CO_ISSUER, type: "FEDERATION" },
      ].map((o) => ({
        organisation_id: randomUUID(),
        credit_code: o.creditCode,
        name: o.name,
        type: o.type,
        jurisdiction_code: o.jurisdictionCode,
        active: true,
        registry_revision: 1,
        updated_at: new Date(),
        held_here: true,
      })),
    );
    await db.raw("analyze");
    const row = await db("bulletins").where({ status: "PUBLISHED" }).orderBy("published_at", "desc").first("bulletin_id");
    return { bulletinId: (row as { bulletin_id: string }).bulletin_id };
  } finally {
    await db.destroy();
  }
}

/** The fixture's message carries exactly the headers the chassis writes (plus a traceparent). */
export function checkFixtureMatchesChassis(): void {
  const event = benchEvent(0);
  const expected = { ...toKafkaHeaders(event as CloudEvent), traceparent: SAMPLE_TRACEPARENT };
  const actual = kafkaMessage(event).headers;
  if (JSON.stringify(actual) !== JSON.stringify(expected)) {
    throw new Error(`fixture headers differ from the chassis' toKafkaHeaders:\n${JSON.stringify(actual)}\n${JSON.stringify(expected)}`);
  }
}

export function benchKafka(brokers: string[]): Kafka {
  return new Kafka({ clientId: "bench-setup", brokers, logLevel: logLevel.NOTHING });
}

/** Creates the run's topics (waiting for leaders) and makes sure the group coordinator is up. */
export async function prepareTopics(admin: Admin, topics: WorkerConfig["topics"]): Promise<void> {
  await ensureTopics(admin, [
    { topic: topics.publish, partitions: 3 },
    { topic: topics.consume, partitions: 3 },
    { topic: topics.consumeWarmup, partitions: 3 },
    { topic: topics.path, partitions: 3 },
    { topic: topics.deadLetter, partitions: 1 },
  ]);
  // A fresh broker creates __consumer_offsets on the first FindCoordinator; get that over with.
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await admin.describeGroups(["bench-warmup"]);
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/** Fills a topic with n events (what a peer node's relay would have written). */
export async function produceEvents(kafka: Kafka, topic: string, n: number): Promise<void> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await producer.connect();
  try {
    for (let sent = 0; sent < n; sent += 500) {
      const messages = Array.from({ length: Math.min(500, n - sent) }, (_, j) => kafkaMessage(benchEvent(sent + j)));
      await producer.send({ topic, acks: -1, messages });
    }
  } finally {
    await producer.disconnect();
  }
}
