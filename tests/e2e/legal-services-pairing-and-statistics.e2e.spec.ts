/**
 * The municipal node and district 120101 on a real broker: a 万所联万会 programme confirmed at the
 * city reaches the district with the pairs of its chambers and firms, and a firm leaving re-pairs
 * them there too; the district's legal-service statistics (a request, a health check with an
 * overdue follow-up, a training) are reported up and rolled up at the city, as counts only — the
 * payload that travelled carries no name, credit code, licence number or actor.
 */
import { legalServicesEventsV1, legalServicesV1 } from "@jinlian/proto";
import { legalServicesModule } from "@jinlian/legal-services";
import { uniqueNamespace, waitFor } from "../harness/kafka";
import { query } from "../support/db";
import { K, L, licence, profile, projected, registerOrg, registerProvider, S, T, type Org } from "../support/legal-services-fixtures";
import { startTestNode, TestClock, type TestNode } from "../support/nodes";

jest.setTimeout(150_000);

const ns = uniqueNamespace("legal-e2e");
const clock = new TestClock();
let city: TestNode;
let heping: TestNode;

beforeAll(async () => {
  [city, heping] = await Promise.all([
    startTestNode({ jurisdictionCode: "120000", namespace: ns, target: "liaison,legal-services" }),
    startTestNode({ jurisdictionCode: "120101", namespace: ns, target: "liaison,legal-services", clock }),
  ]);
});

afterAll(async () => {
  for (const n of [city, heping]) await n?.stop();
  for (const n of [city, heping]) await n?.database.drop();
});

const pairsAt = (node: TestNode, status = 0) =>
  node.legalServices.pairing.listPairs({
    filter: { programmeId: "", districtCode: "", chamberCreditCode: "", firmCreditCode: "", status },
    page: { pageSize: 200, pageToken: "" },
  });

it("sends a confirmed programme's pairs down to the district concerned, and its re-pairing after a firm leaves", async () => {
  const firm = (name: string, district: string) =>
    registerOrg(city.liaison, { type: T.ORGANISATION_TYPE_LAW_FIRM, name, jurisdictionCode: district });
  const chamber = (name: string, district: string) =>
    registerOrg(city.liaison, { type: T.ORGANISATION_TYPE_CHAMBER_OF_COMMERCE, name, jurisdictionCode: district, industry: "C" });
  const [f1, f2, f3] = [await firm("和平甲所", "120101"), await firm("和平乙所", "120101"), await firm("南开丙所", "120104")];
  const [k1, k2, k3] = [await chamber("和平一商会", "120101"), await chamber("和平二商会", "120101"), await chamber("南开商会", "120104")];
  await projected(city.database.url, [f1, f2, f3, k1, k2, k3]);
  for (const f of [f1, f2, f3])
    await registerProvider(city.legalServices, {
      kind: K.PROVIDER_KIND_LAW_FIRM,
      organisationCreditCode: f.creditCode,
      profile: profile({ capacity: 5 }),
    });
  const input = (f: Org, serves: string[]) => ({
    creditCode: f.creditCode,
    capacity: 2,
    serviceDistrictCodes: serves,
    industrySections: ["C"],
  });
  let p = (
    await city.legalServices.pairing.createPairingProgramme({
      name: "2026年度万所联万会",
      year: 2026,
      weights: undefined,
      firms: [input(f1, ["120101"]), input(f2, ["120101"]), input(f3, ["120104"])],
      chambers: [k1, k2, k3].map((k) => ({ creditCode: k.creditCode, preferredFirmCreditCodes: [] })),
      reason: "",
    })
  ).programme!;
  p = (await city.legalServices.pairing.solvePairingProgramme({ programmeId: p.programmeId, expectedRevision: 0, reason: "" })).programme!;
  p = (await city.legalServices.pairing.confirmPairingProgramme({ programmeId: p.programmeId, expectedRevision: 0, reason: "" }))
    .programme!;
  const cityPairs = (await pairsAt(city, legalServicesV1.PairStatus.PAIR_STATUS_ACTIVE)).pairs;
  const hepingPairs = cityPairs.filter((x) => x.chamberDistrictCode === "120101");
  expect(hepingPairs).toHaveLength(2);

  // Only the pairs concerning 和平 reach 和平.
  const received = await waitFor(
    async () => {
      const r = await pairsAt(heping);
      return r.pairs.length === 2 ? r.pairs : undefined;
    },
    { timeoutMs: 45_000, intervalMs: 250, what: "the two 和平 pairs at 120101" },
  );
  expect(received.map((x) => x.pairId).sort()).toEqual(hepingPairs.map((x) => x.pairId).sort());
  expect(received.every((x) => x.status === legalServicesV1.PairStatus.PAIR_STATUS_ACTIVE && x.explanation.length > 0)).toBe(true);

  // A firm of 和平 leaves: its chambers move to the other 和平 firm, at the city and at the district.
  const leaving = hepingPairs[0]!.firm!.creditCode;
  const itsPairs = hepingPairs.filter((x) => x.firm!.creditCode === leaving);
  const others = hepingPairs.filter((x) => x.firm!.creditCode !== leaving);
  const r = await city.legalServices.pairing.withdrawPairingFirm({
    programmeId: p.programmeId,
    expectedRevision: 0,
    firmCreditCode: leaving,
    reason: "律所退出",
  });
  expect(r.newPairs.map((x) => x.chamber!.creditCode).sort()).toEqual(itsPairs.map((x) => x.chamber!.creditCode).sort());
  const after = await waitFor(
    async () => {
      const all = (await pairsAt(heping)).pairs;
      return all.length === 2 + itsPairs.length ? all : undefined;
    },
    { timeoutMs: 45_000, intervalMs: 250, what: "the re-pairing at 120101" },
  );
  for (const x of itsPairs) expect(after.find((y) => y.pairId === x.pairId)!.status).toBe(legalServicesV1.PairStatus.PAIR_STATUS_ENDED);
  for (const x of r.newPairs) expect(after.find((y) => y.pairId === x.pairId)!.firm!.creditCode).not.toBe(leaving);
  for (const x of others) expect(after.find((y) => y.pairId === x.pairId)!.status).toBe(legalServicesV1.PairStatus.PAIR_STATUS_ACTIVE);
});

it("rolls a district's statistics up to the city as counts only, with no personal data in what travelled", async () => {
  const ls = heping.legalServices;
  const reg = (type: number, name: string) => registerOrg(heping.liaison, { type, name, jurisdictionCode: "120101" });
  const enterprise = await reg(T.ORGANISATION_TYPE_ENTERPRISE, "和平某制造有限公司");
  const rival = await reg(T.ORGANISATION_TYPE_ENTERPRISE, "和平某供应商");
  const firm = await reg(T.ORGANISATION_TYPE_LAW_FIRM, "和平丁律师事务所");
  const bureau = await reg(T.ORGANISATION_TYPE_JUSTICE_BUREAU, "和平区司法局");
  await projected(heping.database.url, [enterprise, rival, firm, bureau]);
  await registerProvider(ls, {
    kind: K.PROVIDER_KIND_LAW_FIRM,
    organisationCreditCode: firm.creditCode,
    profile: profile({ capacity: 0 }),
  });
  const lawyerLicence = licence();
  const lawyer = await registerProvider(ls, {
    kind: K.PROVIDER_KIND_LAWYER,
    name: "吴律师",
    licenceNumber: lawyerLicence,
    lawyerKind: L.LAWYER_KIND_PRACTISING,
    firmCreditCode: firm.creditCode,
    profile: profile({ capacity: 3 }),
  });
  const start = new Date(clock.now().getTime() - 3600_000);
  const { request } = await ls.requests.submitRequest({
    requesterCreditCode: enterprise.creditCode,
    type: legalServicesV1.RequestType.REQUEST_TYPE_HEALTH_CHECK,
    specialty: S.SPECIALTY_LABOUR,
    districtCode: "120101",
    industrySection: "",
    language: "",
    urgency: 0,
    counterparties: [{ creditCode: rival.creditCode, jurisdictionCode: "", name: "" }],
    summary: "法治体检",
    disputeId: "",
    reason: "",
  });
  expect(request!.freeOfCharge).toBe(true);
  clock.advance(30 * 60_000);
  await ls.requests.answerOffer({
    requestId: request!.requestId,
    expectedRevision: 0,
    providerId: lawyer.providerId,
    accept: true,
    declineReason: "",
    reason: "",
  });

  const campaign = (
    await ls.healthChecks.createHealthCheckCampaign({
      title: "2026年法治体检",
      districtCode: "120101",
      organiserCreditCode: bureau.creditCode,
      targetCreditCodes: [enterprise.creditCode],
      checklist: ["劳动用工", "合同管理"],
      reason: "",
    })
  ).campaign!;
  // A creation and a change answer with the campaign as they saved it, which is what a read then shows.
  const campaignNow = async () => (await ls.healthChecks.getHealthCheckCampaign({ campaignId: campaign.campaignId })).campaign;
  expect(campaign).toEqual(await campaignNow());
  const finding = await ls.healthChecks.recordHealthCheckFinding({
    campaignId: campaign.campaignId,
    expectedRevision: 0,
    enterpriseCreditCode: enterprise.creditCode,
    itemId: campaign.checklist[0]!.itemId,
    riskLevel: legalServicesV1.RiskLevel.RISK_LEVEL_HIGH,
    description: "未签订书面劳动合同",
    reason: "",
  });
  expect(finding.campaign!.freeOfCharge).toBe(true);
  expect(finding.campaign).toEqual(await campaignNow());
  const followedUp = await ls.healthChecks.addHealthCheckFollowUp({
    campaignId: campaign.campaignId,
    expectedRevision: 0,
    findingId: finding.findingId,
    action: "补签劳动合同",
    dueTime: new Date(clock.now().getTime() + 3600_000),
    reason: "",
  });
  expect(followedUp.campaign).toEqual(await campaignNow());
  clock.advance(2 * 3600_000);
  const scanned = await heping.node.seams(legalServicesModule).scanner().scan();
  expect(scanned.alerted).toBe(1);
  expect((await heping.node.seams(legalServicesModule).scanner().scan()).alerted).toBe(0); // once per due date

  const training = (
    await ls.trainings.planTraining({
      kind: legalServicesV1.TrainingKind.TRAINING_KIND_NON_PUBLIC_LEGAL_TRAINING,
      title: "非公有制经济组织法律培训",
      organiserCreditCodes: [bureau.creditCode],
      audiences: [legalServicesV1.TrainingAudience.TRAINING_AUDIENCE_ENTREPRENEURS],
      startTime: new Date(clock.now().getTime() - 60_000),
      venue: "和平区会议中心",
      districtCode: "120101",
      reason: "",
    })
  ).training!;
  const trainingNow = async () => (await ls.trainings.getTraining({ trainingId: training.trainingId })).training;
  expect(training).toEqual(await trainingNow());
  const attended = await ls.trainings.recordTrainingAttendance({
    trainingId: training.trainingId,
    expectedRevision: 0,
    attendance: [{ creditCode: enterprise.creditCode, attendees: 7 }],
    reason: "",
  });
  expect(attended.training).toEqual(await trainingNow());
  const held = await ls.trainings.markTrainingHeld({
    trainingId: training.trainingId,
    expectedRevision: 0,
    heldTime: undefined,
    reason: "",
  });
  expect(held.training).toEqual(await trainingNow());

  const period = { startTime: start, endTime: new Date(clock.now().getTime() + 3600_000) };
  const reported = (await ls.statistics.reportStatistics({ period, reason: "月度报送" })).statistics!;
  expect(reported).toMatchObject({
    jurisdictionCode: "120101",
    requestsSubmitted: 1,
    requestsAssigned: 1,
    medianResponseSeconds: "1800",
    healthCheckCampaigns: 1,
    enterprisesChecked: 1,
    findingsHighRisk: 1,
    followUpsOverdue: 1,
    trainingsHeld: 1,
    trainingAttendees: 7,
  });

  // What travelled up: counts only.
  const [row] = await query<{ payload: Buffer; topic: string }>(
    heping.database.url,
    "select payload, topic from legal_services.outbox where event_type = 'jinlian.legal-services.statistics.reported.v1'",
  );
  expect(row!.topic).toBe(`${ns}.120101.legal-services.to.120000`);
  const decoded = legalServicesEventsV1.StatisticsReported.decode(row!.payload);
  const text = JSON.stringify(legalServicesEventsV1.StatisticsReported.toJSON(decoded));
  for (const secret of [
    enterprise.creditCode,
    rival.creditCode,
    firm.creditCode,
    enterprise.name,
    "吴律师",
    lawyerLicence,
    "test-operator",
    "月度报送",
  ])
    expect(text).not.toContain(secret);
  expect(Object.keys(decoded)).toEqual(["jurisdictionCode", "statistics", "reportSeq", "reportTime"]);

  const rollUp = await waitFor(
    async () => {
      const r = await city.legalServices.statistics.getStatisticsRollUp({ period });
      return r.districts.length === 1 ? r : undefined;
    },
    { timeoutMs: 45_000, intervalMs: 250, what: "120101's statistics at the city" },
  );
  expect(rollUp.districts[0]).toMatchObject({ jurisdictionCode: "120101", requestsSubmitted: 1, trainingAttendees: 7 });
  expect(rollUp.totals).toMatchObject({ jurisdictionCode: "120000", requestsSubmitted: 1, findingsHighRisk: 1 });
  expect(rollUp.districtsMissing).toHaveLength(15);
});
