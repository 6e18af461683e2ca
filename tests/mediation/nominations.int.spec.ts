/**
 * Nominations of people's assessors and supervisors (seed art. 19) and arbitrator
 * recommendations (seed art. 18) at a district node with liaison and legal-services, on real
 * PostgreSQL and Kafka: the federation's batch, each eligibility bar with its reason (the
 * 失信被执行人 list kept here; a lawyer and an arbitrator known from legal-services' providers
 * stream), the one-fifth cap, the batch from nominated to selected or rejected; 仲裁法
 * qualifications with a reason per route; refusals that change nothing; nothing leaves the node.
 */
import { status } from "@grpc/grpc-js";
import { uniqueNamespace } from "../harness/kafka";
import { query } from "../support/db";
import { K, L, licence, projected, registerOrg, registerProvider, T, type Org } from "../support/legal-services-fixtures";
import { eligibleDeclarations, idNumber, M, projectedInMediation, providerKnown } from "../support/mediation-fixtures";
import { startTestNode, statusOf, type TestNode } from "../support/nodes";
import { mediationV1 } from "@jinlian/proto";

jest.setTimeout(150_000);

const ns = uniqueNamespace("mediation-nominations");
let node: TestNode;
let federation: Org;
let enterprise: Org;
let chamber: Org;
let firm: Org;
let commission: Org;
const REF = new Date("2026-05-31T16:00:00Z"); // 2026-06-01 in China

const med = () => node.mediation;

const declarations = eligibleDeclarations;
const nominee = (over: Partial<mediationV1.NomineeInput> = {}): mediationV1.NomineeInput => ({
  name: "周某某",
  gender: M.Gender.GENDER_FEMALE,
  identityNumber: idNumber("19800315"),
  education: M.EducationLevel.EDUCATION_LEVEL_BACHELOR,
  educationException: "",
  occupations: [M.Occupation.OCCUPATION_ENTERPRISE_STAFF],
  employerCreditCode: enterprise.creditCode,
  lawyerLicenceNumber: "",
  declarations,
  clearedProviderIds: [],
  phone: "13900000000",
  ...over,
});

async function footprint(): Promise<Record<string, number>> {
  const [row] = await query<Record<string, string>>(
    node.database.url,
    `select (select count(*) from mediation.nomination_batches) as batches,
            (select coalesce(sum(revision), 0) from mediation.nomination_batches) as batch_revisions,
            (select count(*) from mediation.arbitrator_recommendations) as recommendations,
            (select count(*) from mediation.defaulters) as defaulters,
            (select count(*) from mediation.audit_entries) as audit,
            (select count(*) from mediation.outbox) as outbox`,
  );
  return Object.fromEntries(Object.entries(row!).map(([k, v]) => [k, Number(v)]));
}

/** The call starts only after the snapshot, so a change it makes cannot hide in the "before". */
async function refusedWithoutChange(call: () => Promise<unknown>) {
  const before = await footprint();
  const err = await statusOf(call());
  expect(await footprint()).toEqual(before);
  return err;
}

beforeAll(async () => {
  node = await startTestNode({ jurisdictionCode: "120101", namespace: ns, target: "liaison,legal-services,mediation" });
  const reg = (type: number, name: string) => registerOrg(node.liaison, { type, name, jurisdictionCode: "120101" });
  federation = await reg(T.ORGANISATION_TYPE_FEDERATION, "和平区工商业联合会");
  enterprise = await reg(T.ORGANISATION_TYPE_ENTERPRISE, "和平某科技有限公司");
  chamber = await reg(T.ORGANISATION_TYPE_CHAMBER_OF_COMMERCE, "和平区总商会");
  firm = await reg(T.ORGANISATION_TYPE_LAW_FIRM, "乙律师事务所");
  commission = await reg(T.ORGANISATION_TYPE_ARBITRATION_COMMISSION, "天津仲裁委员会");
  await projectedInMediation(node.database.url, [federation, enterprise, chamber, firm, commission]);
  await projected(node.database.url, [firm, commission]);
});

afterAll(async () => {
  await node?.stop();
  await node?.database.drop();
});

describe("nominations of people's assessors (seed art. 19; 人民陪审员法)", () => {
  it("checks every bar with its reason, caps the federation at one fifth, and takes the batch to selected or rejected", async () => {
    const ls = node.legalServices;
    await registerProvider(ls, { kind: K.PROVIDER_KIND_LAW_FIRM, organisationCreditCode: firm.creditCode });
    const lawyer = await registerProvider(ls, {
      kind: K.PROVIDER_KIND_LAWYER,
      name: "陈律师",
      licenceNumber: licence(),
      lawyerKind: L.LAWYER_KIND_PRACTISING,
      firmCreditCode: firm.creditCode,
    });
    await registerProvider(ls, { kind: K.PROVIDER_KIND_ARBITRATION_COMMISSION, organisationCreditCode: commission.creditCode });
    const arbitrator = await registerProvider(ls, {
      kind: K.PROVIDER_KIND_ARBITRATOR,
      name: "褚仲裁",
      commissionCreditCode: commission.creditCode,
      rosterNumber: "TJ-0042",
    });
    await providerKnown(node.database.url, lawyer.providerId);
    await providerKnown(node.database.url, arbitrator.providerId);

    const create = (over: Partial<mediationV1.CreateNominationBatchRequest> = {}) =>
      med().nominations.createNominationBatch({
        kind: M.NominationKind.NOMINATION_KIND_PEOPLES_ASSESSOR,
        federationCreditCode: federation.creditCode,
        selectingBody: "天津市和平区人民法院",
        quota: 10,
        referenceTime: REF,
        reason: "人民陪审员选任推荐",
        ...over,
      });
    const bad = await refusedWithoutChange(() => create({ quota: 0, referenceTime: undefined, kind: 0 }));
    expect(bad.code).toBe(status.INVALID_ARGUMENT);
    expect(bad.fieldViolations.map((v) => v.field)).toEqual(["kind", "quota", "reference_time"]);
    const notFederation = await refusedWithoutChange(() => create({ federationCreditCode: chamber.creditCode }));
    expect(notFederation.fieldViolations).toEqual([
      { field: "federation_credit_code", description: "must be a FEDERATION, not CHAMBER_OF_COMMERCE" },
    ]);
    let batch = (await create()).batch!;
    expect(batch).toMatchObject({ quota: 10, federationCap: 2, status: M.NominationBatchStatus.NOMINATION_BATCH_STATUS_OPEN });
    // A creation answers with what it saved, which is what a read then shows.
    expect(batch).toEqual((await med().nominations.getNominationBatch({ batchId: batch.batchId })).batch);
    expect((await statusOf(create())).code).toBe(status.ALREADY_EXISTS);

    // The 失信被执行人 list, kept by an operator here.
    const defaulterId = idNumber("19790101", "456");
    const entry = (
      await med().nominations.addDefaulter({
        identityNumber: defaulterId,
        name: "卫某",
        source: "中国执行信息公开网 2026-05-01 查询",
        reason: "",
      })
    ).defaulter!;
    expect(entry.identityNumber).toBe(defaulterId);
    expect(entry).toEqual(
      (await med().nominations.listDefaulters({ filter: { identityNumber: defaulterId, includeRemoved: false }, page: undefined }))
        .defaulters[0],
    );
    expect(
      (await statusOf(med().nominations.addDefaulter({ identityNumber: defaulterId, name: "卫某", source: "x", reason: "" }))).code,
    ).toBe(status.ALREADY_EXISTS);

    const check = async (over: Partial<mediationV1.NomineeInput>) =>
      (await med().nominations.checkNomineeEligibility({ batchId: batch.batchId, nominee: nominee(over) })).findings.map((f) => f.bar);
    const B = M.EligibilityBar;
    expect(await check({})).toEqual([]);
    expect(await check({ identityNumber: idNumber("19980602") })).toEqual([B.ELIGIBILITY_BAR_AGE]);
    expect(await check({ education: M.EducationLevel.EDUCATION_LEVEL_JUNIOR_HIGH })).toEqual([B.ELIGIBILITY_BAR_EDUCATION]);
    expect(await check({ declarations: { ...declarations, goodConduct: false } })).toEqual([B.ELIGIBILITY_BAR_CONDUCT]);
    expect(await check({ occupations: [M.Occupation.OCCUPATION_NOTARY] })).toEqual([B.ELIGIBILITY_BAR_OCCUPATION]);
    expect(await check({ occupations: [M.Occupation.OCCUPATION_GRASSROOTS_LEGAL_WORKER] })).toEqual([B.ELIGIBILITY_BAR_OCCUPATION]);
    expect(await check({ declarations: { ...declarations, criminalPunishment: true } })).toEqual([B.ELIGIBILITY_BAR_CRIMINAL_PUNISHMENT]);
    expect(await check({ identityNumber: defaulterId })).toEqual([B.ELIGIBILITY_BAR_DEFAULTER]);
    // legal-services knows the lawyer by licence number and the arbitrator by name.
    expect(await check({ name: "某甲", lawyerLicenceNumber: lawyer.licenceNumber })).toEqual([B.ELIGIBILITY_BAR_KNOWN_TO_LEGAL_SERVICES]);
    const byName = await med().nominations.checkNomineeEligibility({ batchId: batch.batchId, nominee: nominee({ name: "褚仲裁" }) });
    expect(byName.eligible).toBe(false);
    expect(byName.findings[0]!.explanation).toContain("TJ-0042");
    expect(await check({ name: "褚仲裁", clearedProviderIds: [arbitrator.providerId] })).toEqual([]);

    // An ineligible nominee is refused with one violation per bar, and nothing changes.
    const refused = await refusedWithoutChange(() =>
      med().nominations.addNominee({
        batchId: batch.batchId,
        expectedRevision: batch.revision,
        nominee: nominee({ name: "陈律师", identityNumber: defaulterId, occupations: [M.Occupation.OCCUPATION_LAWYER] }),
        reason: "",
      }),
    );
    expect(refused.code).toBe(status.FAILED_PRECONDITION);
    expect(refused.preconditionViolations.map((v) => v.subject)).toEqual([
      "bar/OCCUPATION",
      "bar/KNOWN_TO_LEGAL_SERVICES",
      "bar/DEFAULTER",
    ]);
    const stale = await refusedWithoutChange(() =>
      med().nominations.addNominee({ batchId: batch.batchId, expectedRevision: batch.revision + 3, nominee: nominee(), reason: "" }),
    );
    expect(stale.code).toBe(status.ABORTED);
    const badInput = await refusedWithoutChange(() =>
      med().nominations.addNominee({
        batchId: batch.batchId,
        expectedRevision: 0,
        nominee: nominee({ identityNumber: "1201011980", occupations: [] }),
        reason: "",
      }),
    );
    expect(badInput.fieldViolations.map((v) => v.field)).toEqual(["nominee.identity_number", "nominee.occupations"]);

    // Two eligible nominees fill the federation's fifth of a quota of 10.
    batch = (
      await med().nominations.addNominee({ batchId: batch.batchId, expectedRevision: batch.revision, nominee: nominee(), reason: "推荐" })
    ).batch!;
    batch = (
      await med().nominations.addNominee({
        batchId: batch.batchId,
        expectedRevision: batch.revision,
        nominee: nominee({ name: "褚仲裁", identityNumber: idNumber("19750101"), clearedProviderIds: [arbitrator.providerId] }),
        reason: "同名仲裁员经核实非本人",
      })
    ).batch!;
    // A change answers with the batch as it saved it (nominees' numbers in the clear, as a read
    // opens them), which is what a read then shows.
    expect(batch).toEqual((await med().nominations.getNominationBatch({ batchId: batch.batchId })).batch);
    expect(batch.nominees.map((n) => [n.name, n.ageAtReference, n.status])).toEqual([
      ["周某某", 46, M.NomineeStatus.NOMINEE_STATUS_NOMINATED],
      ["褚仲裁", 51, M.NomineeStatus.NOMINEE_STATUS_NOMINATED],
    ]);
    const capped = await refusedWithoutChange(() =>
      med().nominations.addNominee({
        batchId: batch.batchId,
        expectedRevision: 0,
        nominee: nominee({ name: "蒋某", identityNumber: idNumber("19700101") }),
        reason: "",
      }),
    );
    expect(capped.preconditionViolations.map((v) => v.type)).toEqual(["FEDERATION_CAP_REACHED"]);

    const early = await refusedWithoutChange(() =>
      med().nominations.recordSelectionOutcome({
        batchId: batch.batchId,
        expectedRevision: 0,
        nomineeId: batch.nominees[0]!.nomineeId,
        selected: true,
        outcomeNote: "",
        reason: "",
      }),
    );
    expect(early.code).toBe(status.FAILED_PRECONDITION);
    batch = (
      await med().nominations.submitNominationBatch({ batchId: batch.batchId, expectedRevision: batch.revision, reason: "报送法院" })
    ).batch!;
    const outcome = (nomineeId: string, selected: boolean, outcomeNote = "") =>
      med().nominations.recordSelectionOutcome({
        batchId: batch.batchId,
        expectedRevision: 0,
        nomineeId,
        selected,
        outcomeNote,
        reason: "",
      });
    batch = (await outcome(batch.nominees[0]!.nomineeId, true)).batch!;
    expect(batch.status).toBe(M.NominationBatchStatus.NOMINATION_BATCH_STATUS_SUBMITTED);
    expect((await statusOf(outcome(batch.nominees[1]!.nomineeId, false))).fieldViolations.map((v) => v.field)).toEqual(["outcome_note"]);
    batch = (await outcome(batch.nominees[1]!.nomineeId, false, "随机抽选未中")).batch!;
    expect(batch.status).toBe(M.NominationBatchStatus.NOMINATION_BATCH_STATUS_DECIDED);
    expect(batch.nominees.map((n) => n.status)).toEqual([M.NomineeStatus.NOMINEE_STATUS_SELECTED, M.NomineeStatus.NOMINEE_STATUS_REJECTED]);
    expect(batch).toEqual((await med().nominations.getNominationBatch({ batchId: batch.batchId })).batch);

    const listed = await med().nominations.listNominationBatches({
      filter: {
        kind: M.NominationKind.NOMINATION_KIND_PEOPLES_ASSESSOR,
        status: M.NominationBatchStatus.NOMINATION_BATCH_STATUS_DECIDED,
        createPeriod: undefined,
      },
      page: undefined,
    });
    expect(listed.batches.map((b) => b.batchId)).toEqual([batch.batchId]);

    // Taken off the list, the person is no longer barred by it.
    const removed = (
      await med().nominations.removeDefaulter({ entryId: entry.entryId, expectedRevision: entry.revision, reason: "已从失信名单删除" })
    ).defaulter;
    expect(removed).toEqual(
      (await med().nominations.listDefaulters({ filter: { identityNumber: defaulterId, includeRemoved: true }, page: undefined }))
        .defaulters[0],
    );
    expect(await check({ identityNumber: defaulterId })).toEqual([]);
    expect(
      (await med().nominations.listDefaulters({ filter: { identityNumber: "", includeRemoved: false }, page: undefined })).defaulters,
    ).toEqual([]);

    // Nominees' details stay at the node: nominations publish nothing.
    const audit = await med().audit.listAuditEntries({
      filter: { aggregateType: "nomination_batch", aggregateId: batch.batchId, actor: "", occurPeriod: undefined },
      page: undefined,
    });
    expect(audit.entries.map((e) => e.action)).toEqual([
      "RecordSelectionOutcome",
      "RecordSelectionOutcome",
      "SubmitNominationBatch",
      "AddNominee",
      "AddNominee",
      "CreateNominationBatch",
    ]);
    const published = await query<{ payload: Buffer }>(node.database.url, "select payload from mediation.outbox");
    for (const row of published) expect(row.payload.toString("utf8")).not.toContain(idNumber("19800315"));
  });

  it("a supervisor batch counts 23 years and bars a serving assessor", async () => {
    const batch = (
      await med().nominations.createNominationBatch({
        kind: M.NominationKind.NOMINATION_KIND_PEOPLES_SUPERVISOR,
        federationCreditCode: federation.creditCode,
        selectingBody: "天津市司法局（人民监督员选任）",
        quota: 50,
        referenceTime: REF,
        reason: "",
      })
    ).batch!;
    expect(batch.federationCap).toBe(10);
    const r = await med().nominations.checkNomineeEligibility({
      batchId: batch.batchId,
      nominee: nominee({ identityNumber: idNumber("20020101"), occupations: [M.Occupation.OCCUPATION_PEOPLES_ASSESSOR] }),
    });
    expect(r.ageAtReference).toBe(24);
    expect(r.findings.map((f) => f.bar)).toEqual([M.EligibilityBar.ELIGIBILITY_BAR_OCCUPATION]);
  });
});

describe("arbitrator recommendations (seed art. 18; 仲裁法)", () => {
  const candidate = (over: Partial<mediationV1.ArbitratorCandidateInput> = {}): mediationV1.ArbitratorCandidateInput => ({
    name: "沈经理",
    gender: M.Gender.GENDER_MALE,
    employerCreditCode: enterprise.creditCode,
    legalProfessionalQualification: false,
    experiences: [],
    seniorTitleField: M.SeniorTitleField.SENIOR_TITLE_FIELD_ECONOMIC_TRADE,
    seniorTitle: "高级经济师",
    equivalentProfessionalLevel: false,
    legalKnowledge: true,
    fairAndUpright: true,
    specialties: ["国际贸易"],
    phone: "",
    ...over,
  });
  const recommend = (c: mediationV1.ArbitratorCandidateInput, commissionCreditCode = commission.creditCode) =>
    med().arbitrators.recommendArbitrator({
      federationCreditCode: federation.creditCode,
      commissionCreditCode,
      candidate: c,
      reason: "推荐仲裁员",
    });

  it("refuses an unqualified candidate with a reason per route, recommends a qualified one, records the commission's decision", async () => {
    const unqualified = await refusedWithoutChange(() =>
      recommend(
        candidate({ seniorTitle: "", seniorTitleField: 0, experiences: [{ kind: M.ExperienceKind.EXPERIENCE_KIND_LAWYER, years: 6 }] }),
      ),
    );
    expect(unqualified.code).toBe(status.FAILED_PRECONDITION);
    expect(unqualified.preconditionViolations.map((v) => v.subject)).toEqual([
      "route/ARBITRATION_WORK",
      "route/LAWYER",
      "route/JUDGE",
      "route/LEGAL_RESEARCH",
      "route/ECONOMIC_TRADE",
    ]);
    expect(unqualified.preconditionViolations[1]!.description).toContain("6 year(s) as a lawyer, fewer than 8");
    const notCommission = await refusedWithoutChange(() => recommend(candidate(), chamber.creditCode));
    expect(notCommission.fieldViolations.map((v) => v.field)).toEqual(["commission_credit_code"]);
    // 褚仲裁 is on the commission's roster as legal-services knows it.
    const onRoster = await refusedWithoutChange(() => recommend(candidate({ name: "褚仲裁" })));
    expect(onRoster.preconditionViolations.map((v) => v.type)).toEqual(["ALREADY_ON_ROSTER"]);

    const r = (await recommend(candidate())).recommendation!;
    expect(r.status).toBe(M.RecommendationStatus.RECOMMENDATION_STATUS_RECOMMENDED);
    // A recommendation and its outcome answer with what they saved, which is what a read then shows.
    const getRecommendation = async () =>
      (await med().arbitrators.getArbitratorRecommendation({ recommendationId: r.recommendationId })).recommendation;
    expect(r).toEqual(await getRecommendation());
    expect(r.routes.filter((x) => x.met).map((x) => x.route)).toEqual([M.QualificationRoute.QUALIFICATION_ROUTE_ECONOMIC_TRADE]);
    expect(r.employer!.name).toBe("和平某科技有限公司");
    expect((await statusOf(recommend(candidate()))).code).toBe(status.ALREADY_EXISTS);
    const decided = (
      await med().arbitrators.recordAppointmentOutcome({
        recommendationId: r.recommendationId,
        expectedRevision: r.revision,
        appointed: true,
        outcomeNote: "已聘任",
        reason: "",
      })
    ).recommendation!;
    expect(decided.status).toBe(M.RecommendationStatus.RECOMMENDATION_STATUS_APPOINTED);
    expect(decided).toEqual(await getRecommendation());
    const again = await refusedWithoutChange(() =>
      med().arbitrators.recordAppointmentOutcome({
        recommendationId: r.recommendationId,
        expectedRevision: 0,
        appointed: false,
        outcomeNote: "x",
        reason: "",
      }),
    );
    expect(again.preconditionViolations.map((v) => v.type)).toEqual(["OUTCOME_RECORDED"]);
    const listed = await med().arbitrators.listArbitratorRecommendations({
      filter: { commissionCreditCode: commission.creditCode, status: M.RecommendationStatus.RECOMMENDATION_STATUS_APPOINTED },
      page: undefined,
    });
    expect(listed.recommendations.map((x) => x.recommendationId)).toEqual([r.recommendationId]);
  });
});
