/** What the outbox and relay tests start from. */
import { createDatabase, ensureTopics, migrate } from "@jinlian/chassis";
import type { Kafka } from "kafkajs";
import type { Knex } from "knex";
import { adminDatabaseUrl, createTestDatabase, type TestDatabase } from "../harness/database";

/** A throwaway database with the chassis' tables in `schema`, and `topic` created on the broker. */
export async function outboxTestBed(
  prefix: string,
  schema: string,
  kafka: Kafka,
  topic: { topic: string; partitions: number },
): Promise<{ database: TestDatabase; db: Knex }> {
  const database = await createTestDatabase(adminDatabaseUrl(), prefix);
  const db = createDatabase({ url: database.url, schema });
  await migrate(db, schema, []);
  const admin = kafka.admin();
  await admin.connect();
  try {
    await ensureTopics(admin, [topic]);
  } finally {
    await admin.disconnect();
  }
  return { database, db };
}
