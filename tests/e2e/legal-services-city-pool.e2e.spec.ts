/**
 * The city's pool across nodes on a real broker (legal-services, art. 9-13): district 120101 has no
 * free match for a request, so it goes up to the municipal node with the reason; the city matches
 * it against its own providers and offers it; the city's lawyer accepts and the district sees who
 * holds it; the district completes it and the city's copy closes (the lawyer's place frees up). When
 * the city's pool has nobody either, the answer comes back down and the district's own centre takes
 * it. At every step the request has an event saying where it stands.
 */
import { legalServicesV1 } from "@jinlian/proto";
import { uniqueNamespace, waitFor } from "../harness/kafka";
import { query } from "../support/db";
import { K, L, licence, profile, projected, registerOrg, registerProvider, S, T, type Org } from "../support/legal-services-fixtures";
import { startTestNode, type TestNode } from "../support/nodes";

const R = legalServicesV1.RequestStatus;
const Pool = legalServicesV1.CityPoolOutcome;
jest.setTimeout(150_000);

const ns = uniqueNamespace("city-pool");
let city: TestNode;
let heping: TestNode;
let requester: Org;
let rival: Org;
let hepingCentre: string;
let cityLawyer: legalServicesV1.Provider;
const wait = { timeoutMs: 45_000, intervalMs: 250 };

beforeAll(async () => {
  [city, heping] = await Promise.all([
    startTestNode({ jurisdictionCode: "120000", namespace: ns, target: "liaison,legal-services" }),
    startTestNode({ jurisdictionCode: "120101", namespace: ns, target: "liaison,legal-services" }),
  ]);
  // 和平: the requester, its counterparty and the district's centre; its only firm is full.
  requester = await registerOrg(heping.liaison, {
    type: T.ORGANISATION_TYPE_ENTERPRISE,
    name: "和平某科技有限公司",
    jurisdictionCode: "120101",
  });
  rival = await registerOrg(heping.liaison, { type: T.ORGANISATION_TYPE_ENTERPRISE, name: "某贸易有限公司", jurisdictionCode: "120101" });
  const hepingFirm = await registerOrg(heping.liaison, {
    type: T.ORGANISATION_TYPE_LAW_FIRM,
    name: "和平某律师事务所",
    jurisdictionCode: "120101",
  });
  const centreOrg = await registerOrg(heping.liaison, {
    type: T.ORGANISATION_TYPE_LEGAL_SERVICE_CENTER,
    name: "和平区司法行政服务中心",
    jurisdictionCode: "120101",
  });
  await projected(heping.database.url, [requester, rival, hepingFirm, centreOrg]);
  await registerProvider(heping.legalServices, {
    kind: K.PROVIDER_KIND_LAW_FIRM,
    organisationCreditCode: hepingFirm.creditCode,
    profile: profile({ capacity: 0 }),
  });
  hepingCentre = (
    await registerProvider(heping.legalServices, {
      kind: K.PROVIDER_KIND_LEGAL_SERVICE_CENTER,
      organisationCreditCode: centreOrg.creditCode,
    })
  ).providerId;
  // The city: a firm with one labour lawyer who takes one matter at a time.
  const cityFirm = await registerOrg(city.liaison, {
    type: T.ORGANISATION_TYPE_LAW_FIRM,
    name: "天津某律师事务所",
    jurisdictionCode: "120000",
  });
  await projected(city.database.url, [cityFirm]);
  await registerProvider(city.legalServices, {
    kind: K.PROVIDER_KIND_LAW_FIRM,
    organisationCreditCode: cityFirm.creditCode,
    profile: profile({ capacity: 0 }),
  });
  cityLawyer = await registerProvider(city.legalServices, {
    kind: K.PROVIDER_KIND_LAWYER,
    name: "市劳动律师",
    licenceNumber: licence(),
    lawyerKind: L.LAWYER_KIND_PRACTISING,
    firmCreditCode: cityFirm.creditCode,
    profile: profile({ districtCode: "120000", specialties: [S.SPECIALTY_LABOUR], capacity: 1 }),
  });
});

afterAll(async () => {
  for (const n of [city, heping]) await n?.stop();
  for (const n of [city, heping]) await n?.database.drop();
});

const submit = (summary: string) =>
  heping.legalServices.requests.submitRequest({
    requesterCreditCode: requester.creditCode,
    type: legalServicesV1.RequestType.REQUEST_TYPE_CONSULTATION,
    specialty: S.SPECIALTY_LABOUR,
    districtCode: "120101",
    industrySection: "",
    language: "",
    urgency: legalServicesV1.RequestUrgency.REQUEST_URGENCY_ROUTINE,
    counterparties: [{ creditCode: rival.creditCode, jurisdictionCode: "", name: "" }],
    summary,
    disputeId: "",
    reason: "",
  });

async function requestAt(node: TestNode, requestId: string, until: (r: legalServicesV1.LegalServiceRequest) => boolean, what: string) {
  return waitFor(
    async () => {
      try {
        const { request } = await node.legalServices.requests.getRequest({ requestId });
        return request && until(request) ? request : undefined;
      } catch {
        return undefined;
      }
    },
    { ...wait, what },
  );
}

it("offers a request with no free match in the district to the city's pool; the city's lawyer takes it, and the district completes it", async () => {
  const { request: submitted } = await submit("劳动合同解除纠纷，咨询处理方案");
  const requestId = submitted!.requestId;
  expect(submitted!.status).toBe(R.REQUEST_STATUS_OFFERED_TO_CITY);
  expect(submitted!.cityPool!.reason).toMatch(/^no free match in district 120101/);

  // The city holds it under the same id and offers it to its own lawyer.
  const atCity = await requestAt(city, requestId, (r) => r.status === R.REQUEST_STATUS_OFFERED, "the pool request offered at 120000");
  expect(atCity).toMatchObject({ fromJurisdictionCode: "120101", requester: { creditCode: requester.creditCode }, districtCode: "120101" });
  expect(atCity.offers.map((o) => o.providerId)).toEqual([cityLawyer.providerId]);

  await city.legalServices.requests.answerOffer({
    requestId,
    expectedRevision: atCity.revision,
    providerId: cityLawyer.providerId,
    accept: true,
    declineReason: "",
    reason: "",
  });
  const assigned = await requestAt(heping, requestId, (r) => r.status === R.REQUEST_STATUS_ASSIGNED, "ASSIGNED at 120101");
  expect(assigned).toMatchObject({
    assignedProviderId: cityLawyer.providerId,
    assignedProviderName: "市劳动律师",
    cityPool: { outcome: Pool.CITY_POOL_OUTCOME_ASSIGNED, providerName: "市劳动律师" },
  });
  // Every step has its event on the district's requests stream.
  const steps = await query<{ event_type: string }>(
    heping.database.url,
    "select event_type from legal_services.outbox where message_key = $1 and topic like '%.legal-services.requests' order by seq",
    [requestId],
  );
  expect(steps.map((e) => e.event_type.split(".").slice(2, 4).join("."))).toEqual([
    "request.submitted",
    "request.offered-to-city-pool",
    "request.assigned",
  ]);

  // The district completes it; the city's copy closes, and the lawyer has room again.
  await heping.legalServices.requests.completeRequest({ requestId, expectedRevision: 0, outcomeNote: "已出具法律意见", reason: "" });
  await requestAt(city, requestId, (r) => r.status === R.REQUEST_STATUS_COMPLETED, "the city's copy completed");
  const lawyerNow = (await city.legalServices.providers.getProvider({ providerId: cityLawyer.providerId })).provider!;
  expect(lawyerNow.load).toBe(0);
});

it("when the city's pool has nobody either, the answer comes down and the district's own centre takes it", async () => {
  // The city's only lawyer is busy with another pool request now.
  const { request: first } = await submit("另一劳动纠纷咨询");
  await requestAt(city, first!.requestId, (r) => r.status === R.REQUEST_STATUS_OFFERED, "the first pool request offered at 120000");
  const { request: second } = await submit("第三件劳动纠纷咨询");
  const escalated = await requestAt(heping, second!.requestId, (r) => r.status === R.REQUEST_STATUS_ESCALATED, "ESCALATED at 120101");
  expect(escalated.cityPool!.outcome).toBe(Pool.CITY_POOL_OUTCOME_NO_MATCH);
  expect(escalated.escalation).toMatchObject({
    cause: legalServicesV1.EscalationCause.ESCALATION_CAUSE_CITY_POOL_NO_MATCH,
    legalServiceCenterProviderId: hepingCentre,
    explanation: expect.stringMatching(/no free match in district 120101.*the city's pool: .*at capacity/),
  });
  const atCity = (await city.legalServices.requests.getRequest({ requestId: second!.requestId })).request!;
  expect(atCity.status).toBe(R.REQUEST_STATUS_RETURNED_TO_DISTRICT);
  // The district withdraws the first: the city's copy closes and its offer lapses.
  await heping.legalServices.requests.withdrawRequest({ requestId: first!.requestId, expectedRevision: 0, reason: "企业自行和解" });
  const closed = await requestAt(city, first!.requestId, (r) => r.status === R.REQUEST_STATUS_WITHDRAWN, "the first withdrawn at 120000");
  expect(closed.offers.map((o) => o.outcome)).toEqual([legalServicesV1.OfferOutcome.OFFER_OUTCOME_LAPSED]);
});
