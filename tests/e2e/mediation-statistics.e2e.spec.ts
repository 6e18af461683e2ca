/**
 * The municipal node and district 120101 on a real broker: the district's mediation statistics
 * (a committee, a case between a person and an enterprise settled by an oral agreement, one
 * refused) are reported up and rolled up at the city as counts only. Every payload that left the
 * district's mediation service is decoded and carries no party, mediator, actor or reason.
 */
import { randomUUID } from "node:crypto";
import { mediationEventsV1 } from "@jinlian/proto";
import { EVENT_CATALOGUE } from "@jinlian/chassis";
import { uniqueNamespace, waitFor } from "../harness/kafka";
import { query } from "../support/db";
import { registerOrg, T } from "../support/legal-services-fixtures";
import { board, M, projectedInMediation, registerMediator } from "../support/mediation-fixtures";
import { startTestNode, type TestNode } from "../support/nodes";

jest.setTimeout(150_000);

const ns = uniqueNamespace("mediation-e2e");
let city: TestNode;
let heping: TestNode;

beforeAll(async () => {
  [city, heping] = await Promise.all([
    startTestNode({ jurisdictionCode: "120000", namespace: ns, target: "mediation" }),
    startTestNode({ jurisdictionCode: "120101", namespace: ns, target: "liaison,mediation" }),
  ]);
});

afterAll(async () => {
  for (const n of [city, heping]) await n?.stop();
  for (const n of [city, heping]) await n?.database.drop();
});

it("rolls a district's mediation statistics up to the city, with no personal data in what left the district", async () => {
  const reg = (type: number, name: string, chamberCreditCode?: string) =>
    registerOrg(heping.liaison, { type, name, jurisdictionCode: "120101", chamberCreditCode });
  const bureau = await reg(T.ORGANISATION_TYPE_JUSTICE_BUREAU, "和平区司法局");
  const chamber = await reg(T.ORGANISATION_TYPE_CHAMBER_OF_COMMERCE, "和平区餐饮商会");
  const committeeOrg = await reg(T.ORGANISATION_TYPE_MEDIATION_COMMITTEE, "和平区餐饮商会人民调解委员会", chamber.creditCode);
  const shop = await reg(T.ORGANISATION_TYPE_ENTERPRISE, "和平某餐饮有限公司");
  await projectedInMediation(heping.database.url, [bureau, chamber, committeeOrg, shop]);
  const med = heping.mediation;
  const committee = (
    await med.committees.registerCommittee({
      committeeCreditCode: committeeOrg.creditCode,
      justiceBureauCreditCode: bureau.creditCode,
      members: board,
      termStartTime: undefined,
      reason: "备案登记",
    })
  ).committee!;
  const mediator = await registerMediator(med, committee.committeeId, { name: "韩调解员" });
  const person = { name: "刘某某", identityNumber: "11010519491231002X", phone: "13800000000" };
  const open = (consented: boolean) =>
    med.cases.openCase({
      committeeId: committee.committeeId,
      kind: M.CaseKind.CASE_KIND_PEOPLES,
      parties: [
        { role: M.PartyRole.PARTY_ROLE_APPLICANT, organisationCreditCode: "", person, consented },
        { role: M.PartyRole.PARTY_ROLE_RESPONDENT, organisationCreditCode: shop.creditCode, person: undefined, consented },
      ],
      summary: "就餐时受伤的赔偿纠纷",
      commercial: undefined,
      reason: "当事人申请",
    });
  const start = new Date(Date.now() - 3600_000);
  const settled = (await open(true)).case!;
  expect(settled.parties[0]!.person).toMatchObject(person);
  await med.cases.designateMediator({
    caseId: settled.caseId,
    expectedRevision: 0,
    mediatorId: mediator.mediatorId,
    designatedBy: M.DesignatedBy.DESIGNATED_BY_COMMITTEE,
    reason: "指定调解员",
  });
  await med.cases.recordAgreement({
    caseId: settled.caseId,
    expectedRevision: 0,
    agreement: {
      form: M.AgreementForm.AGREEMENT_FORM_ORAL,
      partyDetails: "",
      facts: "",
      issuesInDispute: "",
      responsibilities: "",
      terms: "",
      performanceManner: "",
      performanceDeadlineTime: undefined,
      oralRecord: "被申请人当场赔偿刘某某医疗费二千元",
    },
    reason: "口头协议",
  });
  const refused = (await open(false)).case!;
  await med.cases.recordConsent({
    caseId: refused.caseId,
    expectedRevision: 0,
    partyId: refused.parties[1]!.partyId,
    consent: false,
    reason: "不同意",
  });

  const period = { startTime: start, endTime: new Date(Date.now() + 3600_000) };
  const requestId = randomUUID();
  const reported = (await med.statistics.reportStatistics({ period, reason: "月度报送" }, { requestId })).statistics!;
  expect(reported).toMatchObject({
    jurisdictionCode: "120101",
    committees: 1,
    committeeMembers: 3,
    womenMembers: 1,
    mediatorsActive: 1,
    casesOpened: 2,
    casesRefused: 1,
    agreementsOral: 1,
  });

  const rolled = await waitFor(
    async () => {
      const r = await city.mediation.statistics.getStatisticsRollUp({ period });
      return r.districts.length === 1 ? r : undefined;
    },
    { timeoutMs: 45_000, intervalMs: 250, what: "the district's report at the city" },
  );
  expect(rolled.totals).toMatchObject({ casesOpened: 2, casesRefused: 1, agreementsOral: 1, committees: 1 });
  expect(rolled.districtsMissing).not.toContain("120101");
  expect(rolled.districtsMissing).toHaveLength(15);

  // A retried call reports nothing again and answers with the figures; a later report of the
  // same period is numbered after the first, and the city keeps it.
  const outboxRows = async () =>
    Number((await query<{ n: string }>(heping.database.url, "select count(*) as n from mediation.outbox"))[0]!.n);
  const rowsBefore = await outboxRows();
  const repeated = (await med.statistics.reportStatistics({ period, reason: "月度报送" }, { requestId })).statistics!;
  expect({ ...repeated, computeTime: undefined }).toEqual({ ...reported, computeTime: undefined });
  expect(await outboxRows()).toBe(rowsBefore);
  await med.statistics.reportStatistics({ period, reason: "更正报送" });
  const seqs = async (url: string) =>
    (
      await query<{ report_seq: number }>(url, "select report_seq from mediation.statistics_reports where jurisdiction_code = '120101'")
    ).map((r) => r.report_seq);
  expect(await seqs(heping.database.url)).toEqual([2]);
  await waitFor(async () => (await seqs(city.database.url))[0] === 2, {
    timeoutMs: 45_000,
    intervalMs: 250,
    what: "the city to keep the second report",
  });

  // Everything the district's mediation service sent to another node, decoded.
  const all = await query<{ event_type: string; topic: string; payload: Buffer }>(
    heping.database.url,
    "select event_type, topic, payload from mediation.outbox order by seq",
  );
  // Node-local streams (the mediator-of-dispute fact) stay at the node; delivery topics leave it.
  const left = all.filter((r) => r.topic.includes(".mediation.to."));
  expect(all.filter((r) => r.topic === `${ns}.120101.mediation.cases`)).toHaveLength(1);
  expect(left.length).toBeGreaterThan(0);
  for (const row of left) {
    expect(row.topic).toBe(`${ns}.120101.mediation.to.120000`);
    const descriptor = EVENT_CATALOGUE.get(row.event_type)!;
    const text = JSON.stringify(descriptor.codec.toJSON(descriptor.codec.decode(row.payload)));
    for (const secret of [
      person.name,
      person.identityNumber,
      person.phone,
      shop.creditCode,
      shop.name,
      mediator.name,
      "test-operator",
      "月度报送",
      "更正报送",
      "赔偿",
    ])
      expect(text).not.toContain(secret);
  }
  const report = mediationEventsV1.StatisticsReported.decode(left.at(-1)!.payload);
  expect(Object.keys(mediationEventsV1.StatisticsReported.toJSON(report) as object).sort()).toEqual([
    "jurisdictionCode",
    "reportSeq",
    "reportTime",
    "statistics",
  ]);
});
