/**
 * A mediation database written before personal data was sealed (issue 15): migrating it seals
 * every stored identity and phone number with the node's keyring and keeps defaulters' identity
 * numbers only as their keyed index, so the list is still searched by number.
 */
import { randomUUID } from "node:crypto";
import { createDatabase, migrate, openPersonalData, personalDataKeyring } from "@jinlian/chassis";
import { mediationModule } from "@jinlian/mediation";
import type { Knex } from "knex";
import { adminDatabaseUrl, createTestDatabase, type TestDatabase } from "../harness/database";
import { idNumber } from "../support/mediation-fixtures";

const SCHEMA = "mediation";
const DEFAULTER_ID = idNumber("19700101", "556");
const NOMINEE_ID = idNumber("19800315", "778");
const NOMINEE_PHONE = "13911112222";

let database: TestDatabase;
let db: Knex;

beforeAll(async () => {
  database = await createTestDatabase(adminDatabaseUrl(), "pdmig");
  db = createDatabase({ url: database.url, schema: SCHEMA });
});
afterAll(async () => {
  await db?.destroy();
  await database?.drop();
});

it("given rows with identity and phone numbers in the clear, when the node migrates, then they are sealed and the list is searched by index", async () => {
  const all = mediationModule.migrations;
  const sealing = all.findIndex((m) => m.name === "0300_mediation_personal_data_sealed");
  expect(sealing).toBeGreaterThan(0);
  await migrate(db, SCHEMA, all.slice(0, sealing));

  const entryId = randomUUID();
  const batchId = randomUUID();
  const now = new Date();
  await db("defaulters").insert({
    entry_id: entryId,
    identity_number: DEFAULTER_ID,
    active: true,
    added_at: now,
    revision: 1,
    doc: JSON.stringify({ entryId, identityNumber: DEFAULTER_ID, name: "卫某", source: "x", active: true, addedAt: now }),
  });
  await db("nomination_batches").insert({
    batch_id: batchId,
    kind: "PEOPLES_ASSESSOR",
    selecting_body: "天津市和平区人民法院",
    reference_at: now,
    status: "OPEN",
    created_at: now,
    revision: 1,
    doc: JSON.stringify({ batchId, nominees: [{ name: "周某某", identityNumber: NOMINEE_ID, phone: NOMINEE_PHONE }] }),
  });

  await migrate(db, SCHEMA, all);

  const text = JSON.stringify(await db.raw("select d.*, b.* from defaulters d, nomination_batches b"));
  for (const v of [DEFAULTER_ID, NOMINEE_ID, NOMINEE_PHONE]) expect(text).not.toContain(v);
  const keyring = personalDataKeyring();
  const defaulter = await db("defaulters")
    .where({ identity_number: keyring.index(DEFAULTER_ID) })
    .first("doc");
  expect(openPersonalData(defaulter.doc, new Set(["identityNumber"]))).toMatchObject({ identityNumber: DEFAULTER_ID });
  const batch = await db("nomination_batches").where({ batch_id: batchId }).first("doc");
  expect(openPersonalData(batch.doc, new Set(["identityNumber", "phone"]))).toMatchObject({
    nominees: [{ identityNumber: NOMINEE_ID, phone: NOMINEE_PHONE }],
  });
});
