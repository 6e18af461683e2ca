/**
 * The registry projection applies a run of registry events in one statement
 * (`knownOrganisations.upsertAllIfNewer`). Against a real PostgreSQL, for any sequence of states
 * (several per organisation, revisions in any order, repeats, equal revisions with different
 * content) and any state already held, it must leave the table as applying each state alone, in
 * order (`upsertIfNewer`), does.
 */
import { createDatabase, migrate } from "@jinlian/chassis";
import { knownOrganisations, registryProjectionMigrations, type KnownOrganisation } from "@jinlian/registry-projection";
import fc from "fast-check";
import type { Knex } from "knex";
import { adminDatabaseUrl, createTestDatabase, type TestDatabase } from "../harness/database";

jest.setTimeout(120_000);

const IDS = ["0b6f1c1e-7c1a-4c1e-9a43-1f7e0d6f0a01", "0b6f1c1e-7c1a-4c1e-9a43-1f7e0d6f0a02", "0b6f1c1e-7c1a-4c1e-9a43-1f7e0d6f0a03"];
const AT = new Date("2026-12-03T08:00:00Z");
let database: TestDatabase;
let one: Knex;
let all: Knex;

const state = fc.record({
  organisationId: fc.constantFrom(...IDS),
  registryRevision: fc.integer({ min: 1, max: 6 }),
  name: fc.constantFrom("甲", "乙", "丙"),
  active: fc.boolean(),
  heldHere: fc.boolean(),
  memberOf: fc.constantFrom<string[]>([], ["91120000MA05L9XJ3K"]),
});

function sample(s: {
  organisationId: string;
  registryRevision: number;
  name: string;
  active: boolean;
  heldHere: boolean;
  memberOf: string[];
}): KnownOrganisation {
  return {
    ...s,
    creditCode: "91120000MA05L9XJ3K",
    type: "ENTERPRISE",
    jurisdictionCode: "120000",
    industry: s.name === "丙" ? { section: "F", description: "批发和零售业" } : undefined,
    chamberCreditCode: "",
  };
}

const table = (db: Knex) => db("known_organisations").orderBy("organisation_id").select("*");

beforeAll(async () => {
  database = await createTestDatabase(adminDatabaseUrl(), "upsertall");
  one = createDatabase({ url: database.url, schema: "one_by_one" });
  all = createDatabase({ url: database.url, schema: "together" });
  await migrate(one, "one_by_one", registryProjectionMigrations);
  await migrate(all, "together", registryProjectionMigrations);
});

afterAll(async () => {
  await one?.destroy();
  await all?.destroy();
  await database?.drop();
});

it("leaves the projection as applying each state alone, in order, would", async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(state, { maxLength: 4 }), fc.array(state, { minLength: 1, maxLength: 12 }), async (held, run) => {
      for (const db of [one, all]) {
        await db("known_organisations").delete();
        await db.transaction(async (trx) => {
          for (const s of held) await knownOrganisations.upsertIfNewer(trx, sample(s), AT);
        });
      }
      let writtenOne = 0;
      await one.transaction(async (trx) => {
        for (const s of run) if (await knownOrganisations.upsertIfNewer(trx, sample(s), AT)) writtenOne++;
      });
      const writtenAll = await all.transaction((trx) =>
        knownOrganisations.upsertAllIfNewer(
          trx,
          run.map((s) => sample(s)),
          AT,
        ),
      );
      expect(await table(all)).toEqual(await table(one));
      // Rows written: one per organisation whose state moved, however many of its states the run held.
      expect(writtenAll).toBeLessThanOrEqual(writtenOne);
      expect(writtenAll > 0).toBe(writtenOne > 0);
    }),
    { numRuns: 60 },
  );
});
