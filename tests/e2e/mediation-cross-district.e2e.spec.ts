/**
 * A cross-district case on a real broker with three nodes: the city and districts 120101 (和平,
 * the owner) and 120102 (河东, the partner). The owner's committee asks the partner's committee to
 * cooperate; everything goes through the city (no district-to-district topic): the request down to
 * the partner, its answer and session record back to the owner's case file, the close when the case
 * ends. A request naming a committee the partner does not hold is declined by the partner's node.
 * What left the owner's district is decoded: no person's details, no case summary, no actor.
 */
import { EVENT_CATALOGUE } from "@jinlian/chassis";
import { mediationV1 } from "@jinlian/proto";
import { uniqueNamespace, waitFor } from "../harness/kafka";
import { query } from "../support/db";
import { registerOrg, T, type Org } from "../support/legal-services-fixtures";
import { board, M, projectedInMediation } from "../support/mediation-fixtures";
import { startTestNode, type TestNode } from "../support/nodes";

jest.setTimeout(180_000);

const ns = uniqueNamespace("mediation-coop");
let city: TestNode;
let heping: TestNode;
let hedong: TestNode;

beforeAll(async () => {
  [city, heping, hedong] = await Promise.all([
    startTestNode({ jurisdictionCode: "120000", namespace: ns, target: "mediation" }),
    startTestNode({ jurisdictionCode: "120101", namespace: ns, target: "liaison,mediation" }),
    startTestNode({ jurisdictionCode: "120102", namespace: ns, target: "liaison,mediation" }),
  ]);
});

afterAll(async () => {
  for (const n of [city, heping, hedong]) await n?.stop();
  for (const n of [city, heping, hedong]) await n?.database.drop();
});

async function committeeAt(n: TestNode, district: string, prefix: string): Promise<{ committee: mediationV1.Committee; enterprise: Org }> {
  const reg = (type: number, name: string, chamberCreditCode?: string) =>
    registerOrg(n.liaison, { type, name, jurisdictionCode: district, chamberCreditCode });
  const bureau = await reg(T.ORGANISATION_TYPE_JUSTICE_BUREAU, `${prefix}区司法局`);
  const chamber = await reg(T.ORGANISATION_TYPE_CHAMBER_OF_COMMERCE, `${prefix}区总商会`);
  const committeeOrg = await reg(T.ORGANISATION_TYPE_MEDIATION_COMMITTEE, `${prefix}区总商会人民调解委员会`, chamber.creditCode);
  const enterprise = await reg(T.ORGANISATION_TYPE_ENTERPRISE, `${prefix}某贸易有限公司`);
  await projectedInMediation(n.database.url, [bureau, chamber, committeeOrg, enterprise]);
  const committee = (
    await n.mediation.committees.registerCommittee({
      committeeCreditCode: committeeOrg.creditCode,
      justiceBureauCreditCode: bureau.creditCode,
      members: board,
      termStartTime: undefined,
      reason: "备案",
    })
  ).committee!;
  return { committee, enterprise };
}

const S = M.CooperationStatus;
async function cooperationAt(n: TestNode, id: string, want: mediationV1.CooperationStatus, what: string): Promise<mediationV1.Cooperation> {
  return waitFor(
    async () => {
      const page = await n.mediation.cooperation.listCooperations({ filter: { role: 0, status: 0, caseId: "" }, page: undefined });
      const c = page.cooperations.find((x) => x.cooperationId === id);
      return c?.status === want ? c : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 250, what },
  );
}

it("two districts' committees cooperate on one case through the city; only the partner's fields cross", async () => {
  const [owner, partner] = await Promise.all([committeeAt(heping, "120101", "和平"), committeeAt(hedong, "120102", "河东")]);
  const person = { name: "刘某某", identityNumber: "11010519491231002X", phone: "13800000000" };
  const opened = (
    await heping.mediation.cases.openCase({
      committeeId: owner.committee.committeeId,
      kind: M.CaseKind.CASE_KIND_PEOPLES,
      parties: [
        { role: M.PartyRole.PARTY_ROLE_APPLICANT, organisationCreditCode: "", person, consented: true },
        {
          role: M.PartyRole.PARTY_ROLE_RESPONDENT,
          organisationCreditCode: partner.enterprise.creditCode,
          person: undefined,
          consented: true,
        },
      ],
      summary: "内部摘要：刘某某与河东企业的装修款纠纷",
      commercial: undefined,
      reason: "当事人申请",
    })
  ).case!;

  const requested = (
    await heping.mediation.cooperation.requestCooperation({
      caseId: opened.caseId,
      expectedRevision: opened.revision,
      partnerJurisdictionCode: "120102",
      partnerCommitteeCreditCode: partner.committee.committee!.creditCode,
      sharedSummary: "被申请人住所地在河东区，请协助联系被申请人并参与调解",
      requestNote: "联合调解",
      reason: "跨区联合调解",
    })
  ).cooperation!;
  expect(requested).toMatchObject({
    role: M.CooperationRole.COOPERATION_ROLE_OWNER,
    status: S.COOPERATION_STATUS_REQUESTED,
    personParties: 1,
  });
  // A request answers with the cooperation as it saved it, which is what a read then shows.
  expect(requested).toEqual((await heping.mediation.cooperation.getCooperation({ cooperationId: requested.cooperationId })).cooperation);

  // The partner's node gets the request through the city, addressed to its committee.
  const atPartner = await cooperationAt(hedong, requested.cooperationId, S.COOPERATION_STATUS_REQUESTED, "the request at the partner");
  expect(atPartner).toMatchObject({
    role: M.CooperationRole.COOPERATION_ROLE_PARTNER,
    caseId: opened.caseId,
    ownerJurisdictionCode: "120101",
    ownerCommittee: { name: "和平区总商会人民调解委员会" },
    partnerCommittee: { name: "河东区总商会人民调解委员会" },
    sharedSummary: "被申请人住所地在河东区，请协助联系被申请人并参与调解",
    personParties: 1,
  });
  expect(atPartner.parties).toEqual([
    {
      role: M.PartyRole.PARTY_ROLE_RESPONDENT,
      organisation: { creditCode: partner.enterprise.creditCode, jurisdictionCode: "", name: "" },
    },
  ]);
  const relayed = await cooperationAt(city, requested.cooperationId, S.COOPERATION_STATUS_REQUESTED, "the relay at the city");
  expect(relayed).toMatchObject({ role: M.CooperationRole.COOPERATION_ROLE_RELAY, sharedSummary: "" });

  // The partner accepts and reports a session; both reach the owner's node.
  const accepted = (
    await hedong.mediation.cooperation.answerCooperation({
      cooperationId: atPartner.cooperationId,
      expectedRevision: atPartner.revision,
      accept: true,
      answerNote: "同意协助",
      reason: "",
    })
  ).cooperation!;
  // A change answers with the cooperation as it saved it, which is what a read then shows.
  const atPartnerNow = async () =>
    (await hedong.mediation.cooperation.getCooperation({ cooperationId: atPartner.cooperationId })).cooperation;
  expect(accepted).toEqual(await atPartnerNow());
  const ownerSide = await cooperationAt(heping, requested.cooperationId, S.COOPERATION_STATUS_ACCEPTED, "the answer at the owner");
  expect(ownerSide.partnerCommittee!.name).toBe("河东区总商会人民调解委员会");
  const reported = await hedong.mediation.cooperation.reportCooperationSession({
    cooperationId: accepted.cooperationId,
    expectedRevision: accepted.revision,
    heldTime: undefined,
    place: "河东区总商会调解室",
    record: "向被申请人释明调解程序，被申请人同意参加联合调解",
    reason: "",
  });
  expect(reported.cooperation).toEqual(await atPartnerNow());
  const withSession = await waitFor(
    async () => {
      const k = (await heping.mediation.cases.getCase({ caseId: opened.caseId })).case!;
      return k.sessions.length === 1 ? k : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 250, what: "the partner's session in the owner's case file" },
  );
  expect(withSession.sessions[0]).toMatchObject({
    partnerJurisdictionCode: "120102",
    place: "河东区总商会调解室",
    record: expect.stringContaining("联合调解"),
  });

  // The owner's case ends: the cooperation closes everywhere.
  await heping.mediation.cases.endMediationByParty({
    caseId: opened.caseId,
    expectedRevision: 0,
    partyId: opened.parties[0]!.partyId,
    reason: "申请人撤回",
  });
  expect((await cooperationAt(heping, requested.cooperationId, S.COOPERATION_STATUS_CLOSED, "closed at the owner")).caseOutcome).toBe(
    M.CaseStatus.CASE_STATUS_ENDED_BY_PARTY,
  );
  expect((await cooperationAt(hedong, requested.cooperationId, S.COOPERATION_STATUS_CLOSED, "closed at the partner")).caseOutcome).toBe(
    M.CaseStatus.CASE_STATUS_ENDED_BY_PARTY,
  );
  await cooperationAt(city, requested.cooperationId, S.COOPERATION_STATUS_CLOSED, "closed at the city");

  // A committee the partner's node does not hold: its node declines, and the owner sees why.
  const second = (
    await heping.mediation.cases.openCase({
      committeeId: owner.committee.committeeId,
      kind: M.CaseKind.CASE_KIND_PEOPLES,
      parties: [
        { role: M.PartyRole.PARTY_ROLE_APPLICANT, organisationCreditCode: owner.enterprise.creditCode, person: undefined, consented: true },
        {
          role: M.PartyRole.PARTY_ROLE_RESPONDENT,
          organisationCreditCode: partner.enterprise.creditCode,
          person: undefined,
          consented: true,
        },
      ],
      summary: "货款纠纷",
      commercial: undefined,
      reason: "",
    })
  ).case!;
  const wrong = (
    await heping.mediation.cooperation.requestCooperation({
      caseId: second.caseId,
      expectedRevision: 0,
      partnerJurisdictionCode: "120102",
      partnerCommitteeCreditCode: owner.committee.committee!.creditCode,
      sharedSummary: "请协助",
      requestNote: "",
      reason: "",
    })
  ).cooperation!;
  const declined = await cooperationAt(
    heping,
    wrong.cooperationId,
    S.COOPERATION_STATUS_DECLINED,
    "the partner node's refusal at the owner",
  );
  expect(declined.answerNote).toContain("not a committee registered with mediation at 120102");

  // What left the owner's district: up to the city only, and no person, case summary or actor.
  const rows = await query<{ event_type: string; topic: string; payload: Buffer }>(
    heping.database.url,
    "select event_type, topic, payload from mediation.outbox where topic like '%.mediation.to.%' order by seq",
  );
  expect(new Set(rows.map((r) => r.topic))).toEqual(new Set([`${ns}.120101.mediation.to.120000`]));
  expect(rows.map((r) => r.event_type)).toEqual(
    expect.arrayContaining(["jinlian.mediation.cooperation.requested.v1", "jinlian.mediation.cooperation.closed.v1"]),
  );
  for (const row of rows) {
    const d = EVENT_CATALOGUE.get(row.event_type)!;
    const text = JSON.stringify(d.codec.toJSON(d.codec.decode(row.payload)));
    for (const secret of [
      person.name,
      person.identityNumber,
      person.phone,
      "内部摘要",
      "装修款",
      "test-operator",
      "跨区联合调解",
      "申请人撤回",
    ])
      expect(text).not.toContain(secret);
  }
  // The city passed each message on to the other district only.
  const passed = await query<{ topic: string; event_type: string }>(
    city.database.url,
    "select topic, event_type from mediation.outbox order by seq",
  );
  expect(passed.map((r) => [r.event_type.split(".")[3], r.topic.split(".").at(-1)])).toEqual([
    ["requested", "120102"],
    ["answered", "120101"],
    ["session-reported", "120101"],
    ["closed", "120102"],
    ["requested", "120102"],
    ["answered", "120101"],
  ]);
});
