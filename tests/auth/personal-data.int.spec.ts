/**
 * Parties' personal data (issue 15): identity numbers and phone numbers of a mediation case's
 * party, a nominee and an entry of the 失信被执行人 list are sealed at rest, looked up only by their
 * keyed index, returned to the callers whose rules admit them, and never written to the node's
 * logs (scanned at debug level), its audit trail, its outbox or its idempotency keys.
 */
import type { mediationV1 } from "@jinlian/proto";
import { uniqueNamespace } from "../harness/kafka";
import { query } from "../support/db";
import { registerOrg, T, type Org } from "../support/legal-services-fixtures";
import { board, eligibleDeclarations, idNumber, M, openCase, projectedInMediation } from "../support/mediation-fixtures";
import { startTestNode, type TestNode } from "../support/nodes";

jest.setTimeout(150_000);

const PARTY_ID = idNumber("19750608", "321");
const PARTY_PHONE = "13812345678";
const NOMINEE_ID = idNumber("19800315", "777");
const NOMINEE_PHONE = "13987654321";
const DEFAULTER_ID = idNumber("19700101", "555");
const SEEDED = [PARTY_ID, PARTY_PHONE, NOMINEE_ID, NOMINEE_PHONE, DEFAULTER_ID];

const logLines: string[] = [];
let node: TestNode;
let federation: Org;
let enterprise: Org;
let openedCase: mediationV1.Case;

beforeAll(async () => {
  node = await startTestNode({
    jurisdictionCode: "120101",
    namespace: uniqueNamespace("personal-data"),
    target: "liaison,legal-services,mediation",
    log: { level: "debug", destination: { write: (line: string) => void logLines.push(line) } },
  });
  const reg = (type: number, name: string, extra: { chamberCreditCode?: string } = {}) =>
    registerOrg(node.liaison, { type, name, jurisdictionCode: "120101", ...extra });
  const bureau = await reg(T.ORGANISATION_TYPE_JUSTICE_BUREAU, "和平区司法局");
  federation = await reg(T.ORGANISATION_TYPE_FEDERATION, "和平区工商业联合会");
  const chamber = await reg(T.ORGANISATION_TYPE_CHAMBER_OF_COMMERCE, "和平区总商会");
  const committeeOrg = await reg(T.ORGANISATION_TYPE_MEDIATION_COMMITTEE, "和平区总商会人民调解委员会", {
    chamberCreditCode: chamber.creditCode,
  });
  enterprise = await reg(T.ORGANISATION_TYPE_ENTERPRISE, "和平某科技有限公司");
  await projectedInMediation(node.database.url, [bureau, federation, chamber, committeeOrg, enterprise]);

  const med = node.mediation;
  const { committee } = await med.committees.registerCommittee({
    committeeCreditCode: committeeOrg.creditCode,
    justiceBureauCreditCode: bureau.creditCode,
    members: board,
    termStartTime: undefined,
    reason: "备案",
  });
  openedCase = await openCase(med, committee!.committeeId, enterprise, enterprise, {
    parties: [
      { role: M.PartyRole.PARTY_ROLE_APPLICANT, organisationCreditCode: enterprise.creditCode, person: undefined, consented: true },
      {
        role: M.PartyRole.PARTY_ROLE_RESPONDENT,
        organisationCreditCode: "",
        person: { name: "李某", identityNumber: PARTY_ID, phone: PARTY_PHONE },
        consented: true,
      },
    ],
  });
  await med.nominations.addDefaulter({ identityNumber: DEFAULTER_ID, name: "卫某", source: "中国执行信息公开网", reason: "" });
  const { batch } = await med.nominations.createNominationBatch({
    kind: M.NominationKind.NOMINATION_KIND_PEOPLES_ASSESSOR,
    federationCreditCode: federation.creditCode,
    selectingBody: "天津市和平区人民法院",
    quota: 10,
    referenceTime: new Date("2026-05-31T16:00:00Z"),
    reason: "人民陪审员选任推荐",
  });
  await med.nominations.addNominee({
    batchId: batch!.batchId,
    expectedRevision: batch!.revision,
    reason: "",
    nominee: {
      name: "周某某",
      gender: M.Gender.GENDER_FEMALE,
      identityNumber: NOMINEE_ID,
      education: M.EducationLevel.EDUCATION_LEVEL_BACHELOR,
      educationException: "",
      occupations: [M.Occupation.OCCUPATION_ENTERPRISE_STAFF],
      employerCreditCode: enterprise.creditCode,
      lawyerLicenceNumber: "",
      declarations: eligibleDeclarations,
      clearedProviderIds: [],
      phone: NOMINEE_PHONE,
    },
  });
});

afterAll(async () => {
  await node?.stop();
  await node?.database.drop();
});

/** Every text of every row of every table of the mediation schema, as one string per table. */
async function storedText(): Promise<Record<string, string>> {
  const tables = await query<{ t: string }>(
    node.database.url,
    "select table_name as t from information_schema.tables where table_schema = 'mediation' and table_type = 'BASE TABLE'",
  );
  const out: Record<string, string> = {};
  for (const { t } of tables) {
    const [row] = await query<{ text: string | null }>(
      node.database.url,
      `select string_agg(x::text, '\n') as text from mediation."${t}" x`,
    );
    out[t] = row?.text ?? "";
  }
  return out;
}

describe("given a case party, a nominee and a defaulter with identity and phone numbers", () => {
  it("then no table of the service holds any of them in the clear: documents, audit trail, outbox, idempotency keys", async () => {
    const stored = await storedText();
    const found = Object.entries(stored).flatMap(([table, text]) => SEEDED.filter((v) => text.includes(v)).map((v) => `${table}: ${v}`));
    expect(found).toEqual([]);
    // They are there, sealed (the test would pass on an empty database otherwise).
    expect(stored.cases).toMatch(/pd1:/);
    expect(stored.nomination_batches).toMatch(/pd1:/);
    expect(stored.defaulters).toMatch(/pd1:/);
  });

  it("then the officers whose rules admit it read them back, and the defaulter list is searched by identity number", async () => {
    const { cases } = await node.mediation.cases.listCases({ filter: undefined, page: undefined });
    const person = cases.flatMap((c) => c.parties).find((p) => p.person)?.person;
    expect(person).toMatchObject({ identityNumber: PARTY_ID, phone: PARTY_PHONE });
    const { batches } = await node.mediation.nominations.listNominationBatches({ filter: undefined, page: undefined });
    expect(batches[0]!.nominees[0]).toMatchObject({ identityNumber: NOMINEE_ID, phone: NOMINEE_PHONE });
    const { defaulters } = await node.mediation.nominations.listDefaulters({
      filter: { identityNumber: DEFAULTER_ID, includeRemoved: false },
    });
    expect(defaulters.map((d) => d.identityNumber)).toEqual([DEFAULTER_ID]);
    const none = await node.mediation.nominations.listDefaulters({ filter: { identityNumber: NOMINEE_ID, includeRemoved: false } });
    expect(none.defaulters).toEqual([]);
  });

  it("then the node's logs, at debug level, name none of them", () => {
    expect(logLines.length).toBeGreaterThan(20);
    const leaks = logLines.flatMap((line) => SEEDED.filter((v) => line.includes(v)).map((v) => `${v} in ${line.slice(0, 200)}`));
    expect(leaks).toEqual([]);
  });
});

describe("given a change of the case whose party has personal data", () => {
  it("then its opening had answered with the party's numbers as a read of the case shows them", async () => {
    expect(openedCase.parties.find((p) => p.person)!.person).toMatchObject({ identityNumber: PARTY_ID, phone: PARTY_PHONE });
    expect(openedCase).toEqual((await node.mediation.cases.getCase({ caseId: openedCase.caseId })).case);
  });

  it("then its answer holds the party's numbers as a read of the case does, and the case's document stays sealed", async () => {
    const { cases } = await node.mediation.cases.listCases({ filter: undefined, page: undefined });
    const before = cases.find((c) => c.parties.some((p) => p.person))!;
    const applicant = before.parties.find((p) => !p.person)!;
    const { case: ended } = await node.mediation.cases.endMediationByParty({
      caseId: before.caseId,
      expectedRevision: before.revision,
      partyId: applicant.partyId,
      reason: "双方自行和解",
    });
    expect(ended!.revision).toBe(before.revision + 1);
    expect(ended!.parties.find((p) => p.person)!.person).toMatchObject({ identityNumber: PARTY_ID, phone: PARTY_PHONE });
    expect(ended).toEqual((await node.mediation.cases.getCase({ caseId: before.caseId })).case);
    const stored = await storedText();
    expect(stored.cases).not.toContain(PARTY_ID);
    expect(stored.cases).not.toContain(PARTY_PHONE);
  });
});
