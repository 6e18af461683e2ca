/**
 * RegistryProjection.recordsRead: the registry records of the credit codes a request names, read
 * with the transaction's BEGIN (values written into the SQL as literals), against a real
 * PostgreSQL. It must answer as a parameterised read would, for any text a request can carry:
 * quotes, backslashes, Chinese, control characters, repeats, codes not held (NUL, which no text
 * column holds, among them).
 */
import { createDatabase, createLogger, migrate, systemClock, transactionReading } from "@jinlian/chassis";
import { knownOrganisations, RegistryProjection, registryProjectionMigrations, type KnownOrganisation } from "@jinlian/registry-projection";
import fc from "fast-check";
import type { Knex } from "knex";
import { adminDatabaseUrl, createTestDatabase, type TestDatabase } from "../harness/database";
import { roundTripsOf } from "../support/db";

jest.setTimeout(120_000);

const SCHEMA = "records_read";
const AT = new Date("2026-12-03T08:00:00Z");
let database: TestDatabase;
let db: Knex;
let projection: RegistryProjection;

const organisation = (n: number, creditCode: string): KnownOrganisation => ({
  organisationId: `0b6f1c1e-7c1a-4c1e-9a43-1f7e0d6f0a${String(n).padStart(2, "0")}`,
  registryRevision: 1,
  name: `商会${n}`,
  active: n % 2 === 0,
  heldHere: n % 3 !== 0,
  memberOf: n % 2 === 0 ? ["91120000MA05L9XJ3K"] : [],
  creditCode,
  type: "CHAMBER_OF_COMMERCE",
  jurisdictionCode: "120101",
  industry: n % 2 === 0 ? { section: "F", description: "批发和零售业" } : undefined,
  chamberCreditCode: "",
});

// Codes held: well-formed ones and text no credit code would be, which a request may still carry.
const HELD = ["91120000MA05L9XJ3K", "91120101MA05L9XJ3X", "it's", "back\\slash\\", "中文'; drop table known_organisations; --", "E'\\x27'"];

beforeAll(async () => {
  database = await createTestDatabase(adminDatabaseUrl(), "recordsread");
  db = createDatabase({ url: database.url, schema: SCHEMA });
  await migrate(db, SCHEMA, registryProjectionMigrations);
  await db.transaction(async (trx) => {
    for (const [n, code] of HELD.entries()) await knownOrganisations.upsertIfNewer(trx, organisation(n, code), AT);
  });
  projection = new RegistryProjection({
    db,
    node: { jurisdictionCode: "120101", topicNamespace: "jinlian" },
    clock: systemClock,
    logger: createLogger({ level: "silent" }),
  });
});

afterAll(async () => {
  await db?.destroy();
  await database?.drop();
});

const readWithBegin = (codes: readonly string[]) => {
  return transactionReading(db, projection.recordsRead(codes), async (_trx, records) => records);
};
const byCode = (records: readonly KnownOrganisation[]) => [...records].sort((a, b) => a.creditCode.localeCompare(b.creditCode));

it("answers with the records held of the codes named, once each, in the round trip that begins the transaction", async () => {
  let records: KnownOrganisation[] = [];
  const trips = await roundTripsOf(async () => {
    records = await readWithBegin([HELD[0]!, "it's", HELD[0]!, "91120000000000000X", "back\\slash\\", "it's\0"]);
  });
  expect(trips).toBe(2); // BEGIN with the read, COMMIT
  expect(byCode(records)).toEqual(byCode([organisation(0, HELD[0]!), organisation(2, "it's"), organisation(3, "back\\slash\\")]));
  expect(await readWithBegin([])).toEqual([]);
});

it("answers as a parameterised read does, for any codes", async () => {
  const code = fc.oneof(
    fc.constantFrom(...HELD),
    fc.string({ maxLength: 24 }),
    fc.string({ unit: "grapheme", maxLength: 8 }),
    fc.string({ unit: "binary", maxLength: 6 }),
    fc.constantFrom("\0", `${HELD[0]}\0`),
  );
  await fc.assert(
    fc.asyncProperty(fc.array(code, { maxLength: 8 }), async (codes) => {
      const literal = await readWithBegin(codes);
      const parameterised = await db("known_organisations")
        .whereIn(
          "credit_code",
          codes.filter((c) => !c.includes("\0")),
        )
        .pluck("credit_code");
      expect(literal.map((r) => r.creditCode).sort()).toEqual(parameterised.sort());
    }),
    { numRuns: 100 },
  );
  expect(await db("known_organisations").count({ n: "*" }).first()).toEqual({ n: String(HELD.length) });
});
