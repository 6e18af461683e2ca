/**
 * The mediation service at a district node with liaison and legal-services, on real PostgreSQL
 * and Kafka: committee composition and registration; consent refused and withdrawn; a mediator
 * chosen by the parties and a lawyer excluded for a conflict legal-services knows of (and the
 * mediator-of-dispute fact reaching legal-services); time-limit warnings; agreement completeness,
 * oral agreements and the 30-day confirmation window counted from the effective date; a dispute
 * referred by legal-services opened as a case, failed, referred to arbitration through
 * legal-services and answered back; bad input and impossible transitions refused with nothing
 * changed.
 */
import { randomUUID } from "node:crypto";
import { status } from "@grpc/grpc-js";
import { mediationModule } from "@jinlian/mediation";
import { legalServicesV1, mediationEventsV1 } from "@jinlian/proto";
import { uniqueNamespace, waitFor } from "../harness/kafka";
import { query } from "../support/db";
import { K, L, licence, profile, registerOrg, registerProvider, T, type Org } from "../support/legal-services-fixtures";
import { board, M, openCase, projectedInMediation, providerKnown, registerMediator, writtenAgreement } from "../support/mediation-fixtures";
import { startTestNode, statusOf, TestClock, type TestNode } from "../support/nodes";
import { testToken } from "../support/auth";
import { mediationClient, type MediationClient } from "@jinlian/client";

jest.setTimeout(150_000);

const ns = uniqueNamespace("mediation-cases");
const clock = new TestClock();
const DAY = 24 * 3600_000;
let node: TestNode;
let bureau: Org;
let chamber: Org;
let committeeOrg: Org;
let a: Org;
let b: Org;
let firm: Org;
let commissionOrg: Org;
let committeeId: string;

const med = () => node.mediation;

async function footprint(): Promise<Record<string, number>> {
  const [row] = await query<Record<string, string>>(
    node.database.url,
    `select (select count(*) from mediation.cases) as cases,
            (select coalesce(sum(revision), 0) from mediation.cases) as case_revisions,
            (select count(*) from mediation.committees) as committees,
            (select coalesce(sum(revision), 0) from mediation.committees) as committee_revisions,
            (select count(*) from mediation.mediators) as mediators,
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
  node = await startTestNode({ jurisdictionCode: "120101", namespace: ns, target: "liaison,legal-services,mediation", clock });
  const reg = (type: number, name: string, extra: { chamberCreditCode?: string } = {}) =>
    registerOrg(node.liaison, { type, name, jurisdictionCode: "120101", ...extra });
  bureau = await reg(T.ORGANISATION_TYPE_JUSTICE_BUREAU, "和平区司法局");
  chamber = await reg(T.ORGANISATION_TYPE_CHAMBER_OF_COMMERCE, "和平区总商会");
  committeeOrg = await reg(T.ORGANISATION_TYPE_MEDIATION_COMMITTEE, "和平区总商会人民调解委员会", {
    chamberCreditCode: chamber.creditCode,
  });
  a = await reg(T.ORGANISATION_TYPE_ENTERPRISE, "和平某科技有限公司");
  b = await reg(T.ORGANISATION_TYPE_ENTERPRISE, "某贸易有限公司");
  firm = await reg(T.ORGANISATION_TYPE_LAW_FIRM, "甲律师事务所");
  commissionOrg = await reg(T.ORGANISATION_TYPE_ARBITRATION_COMMISSION, "天津仲裁委员会");
  await projectedInMediation(node.database.url, [bureau, chamber, committeeOrg, a, b, firm, commissionOrg]);
});

afterAll(async () => {
  await node?.stop();
  await node?.database.drop();
});

describe("committees (人民调解法 art. 8-9)", () => {
  it("refuses a composition that breaks the rules, and registers a valid one with its chamber for three years", async () => {
    const register = (members = board, bureauCode = bureau.creditCode) =>
      med().committees.registerCommittee({
        committeeCreditCode: committeeOrg.creditCode,
        justiceBureauCreditCode: bureauCode,
        members,
        termStartTime: undefined,
        reason: "备案",
      });
    const tooFew = await refusedWithoutChange(() => register(board.slice(0, 2)));
    expect(tooFew.code).toBe(status.INVALID_ARGUMENT);
    expect(tooFew.fieldViolations.map((v) => v.field)).toEqual(["members"]);
    const noWoman = await refusedWithoutChange(() => register(board.map((m) => ({ ...m, gender: M.Gender.GENDER_MALE }))));
    expect(noWoman.fieldViolations[0]!.description).toMatch(/woman/);
    const twoChairs = await refusedWithoutChange(() => register(board.map((m) => ({ ...m, role: M.MemberRole.MEMBER_ROLE_CHAIR }))));
    expect(twoChairs.fieldViolations[0]!.description).toMatch(/exactly one chair/);
    const notBureau = await refusedWithoutChange(() => register(board, chamber.creditCode));
    expect(notBureau.fieldViolations.map((v) => v.field)).toEqual(["justice_bureau_credit_code"]);

    const c = (await register()).committee!;
    committeeId = c.committeeId;
    expect(c.chamber!.creditCode).toBe(chamber.creditCode);
    expect(c.justiceBureau!.creditCode).toBe(bureau.creditCode);
    expect(c.termEndTime!.getTime() - c.termStartTime!.getTime()).toBeGreaterThan(3 * 365 * DAY);
    expect((await statusOf(register())).code).toBe(status.ALREADY_EXISTS);
  });
});

describe("cases", () => {
  it("a refusal stops the case (art. 17); a party ends it mid-case (art. 23)", async () => {
    const pending = await openCase(med(), committeeId, a, b, { consented: false });
    expect(pending.status).toBe(M.CaseStatus.CASE_STATUS_AWAITING_CONSENT);
    // An opening answers with the case as it saved it, which is what a read then shows.
    expect(pending).toEqual((await med().cases.getCase({ caseId: pending.caseId })).case);
    expect(pending.timeLimit!.startTime).toBeUndefined();
    const m = await registerMediator(med(), committeeId);
    const early = await refusedWithoutChange(() =>
      med().cases.designateMediator({
        caseId: pending.caseId,
        expectedRevision: 0,
        mediatorId: m.mediatorId,
        designatedBy: M.DesignatedBy.DESIGNATED_BY_COMMITTEE,
        reason: "",
      }),
    );
    expect(early.code).toBe(status.FAILED_PRECONDITION);
    const refused = (
      await med().cases.recordConsent({
        caseId: pending.caseId,
        expectedRevision: pending.revision,
        partyId: pending.parties[1]!.partyId,
        consent: false,
        reason: "不同意调解",
      })
    ).case!;
    expect(refused.status).toBe(M.CaseStatus.CASE_STATUS_REFUSED);
    expect(refused.closeTime).toBeDefined();
    // A change answers with the case as it saved it, which is what a read then shows.
    expect(refused).toEqual((await med().cases.getCase({ caseId: pending.caseId })).case);

    const running = await openCase(med(), committeeId, a, b);
    expect(running.status).toBe(M.CaseStatus.CASE_STATUS_IN_MEDIATION);
    expect(running.timeLimit!.dueTime!.getTime() - running.timeLimit!.startTime!.getTime()).toBe(30 * DAY);
    const ended = (
      await med().cases.endMediationByParty({
        caseId: running.caseId,
        expectedRevision: running.revision,
        partyId: running.parties[0]!.partyId,
        reason: "决定起诉",
      })
    ).case!;
    expect(ended).toMatchObject({ status: M.CaseStatus.CASE_STATUS_ENDED_BY_PARTY, endingPartyId: running.parties[0]!.partyId });
    expect(ended).toEqual((await med().cases.getCase({ caseId: running.caseId })).case);
    const again = await refusedWithoutChange(() =>
      med().cases.endMediationByParty({ caseId: running.caseId, expectedRevision: 0, partyId: running.parties[1]!.partyId, reason: "x" }),
    );
    expect(again.code).toBe(status.FAILED_PRECONDITION);
  });

  it("a mediator chosen by the parties is announced to legal-services; a lawyer acting for a party is excluded", async () => {
    const ls = node.legalServices;
    await registerProvider(ls, { kind: K.PROVIDER_KIND_LAW_FIRM, organisationCreditCode: firm.creditCode, profile: profile() });
    const conflicted = await registerProvider(ls, {
      kind: K.PROVIDER_KIND_LAWYER,
      name: "李律师",
      licenceNumber: licence(),
      lawyerKind: L.LAWYER_KIND_PRACTISING,
      firmCreditCode: firm.creditCode,
      profile: profile({ clientCreditCodes: [b.creditCode] }),
    });
    const chosen = await registerProvider(ls, {
      kind: K.PROVIDER_KIND_LAWYER,
      name: "周律师",
      licenceNumber: licence(),
      lawyerKind: L.LAWYER_KIND_PRACTISING,
      firmCreditCode: firm.creditCode,
      profile: profile(),
    });
    await providerKnown(node.database.url, conflicted.providerId);
    await providerKnown(node.database.url, chosen.providerId);

    const c = await openCase(med(), committeeId, a, b);
    const li = await registerMediator(med(), committeeId, {
      name: "李律师",
      gender: M.Gender.GENDER_MALE,
      licenceNumber: conflicted.licenceNumber,
    });
    const zhou = await registerMediator(med(), committeeId, { name: "周律师", licenceNumber: chosen.licenceNumber });
    const excluded = await refusedWithoutChange(() =>
      med().cases.designateMediator({
        caseId: c.caseId,
        expectedRevision: c.revision,
        mediatorId: li.mediatorId,
        designatedBy: M.DesignatedBy.DESIGNATED_BY_COMMITTEE,
        reason: "",
      }),
    );
    expect(excluded.code).toBe(status.FAILED_PRECONDITION);
    expect(excluded.preconditionViolations).toEqual([
      expect.objectContaining({ type: "CONFLICT_OF_INTEREST", description: expect.stringContaining(`ACTS_FOR_PARTY`) }),
    ]);

    const withZhou = (
      await med().cases.designateMediator({
        caseId: c.caseId,
        expectedRevision: c.revision,
        mediatorId: zhou.mediatorId,
        designatedBy: M.DesignatedBy.DESIGNATED_BY_PARTIES,
        reason: "双方选定",
      })
    ).case!;
    expect(withZhou.mediators).toEqual([
      expect.objectContaining({ mediatorId: zhou.mediatorId, designatedBy: M.DesignatedBy.DESIGNATED_BY_PARTIES, active: true }),
    ]);
    // legal-services records that this lawyer mediated the dispute (its matching excludes him from it).
    await waitFor(
      async () => {
        const rows = await query<{ licence_number: string }>(
          node.database.url,
          "select licence_number from legal_services.mediated_by where dispute_id = $1",
          [c.disputeId],
        );
        return rows.length === 1 && rows[0]!.licence_number === chosen.licenceNumber;
      },
      { timeoutMs: 30_000, intervalMs: 200, what: "the mediated-by fact at legal-services" },
    );

    // A party objects: he leaves the case; another is designated.
    const objected = (
      await med().cases.objectToMediator({
        caseId: c.caseId,
        expectedRevision: 0,
        mediatorId: zhou.mediatorId,
        partyId: c.parties[1]!.partyId,
        objection: "曾为申请人提供咨询",
        reason: "",
      })
    ).case!;
    expect(objected.mediators[0]).toMatchObject({ active: false, objectingPartyId: c.parties[1]!.partyId });
    const other = await registerMediator(med(), committeeId, { name: "吴调解" });
    const replaced = (
      await med().cases.designateMediator({
        caseId: c.caseId,
        expectedRevision: 0,
        mediatorId: other.mediatorId,
        designatedBy: M.DesignatedBy.DESIGNATED_BY_COMMITTEE,
        reason: "",
      })
    ).case!;
    expect(replaced.mediators.filter((x) => x.active).map((x) => x.mediatorId)).toEqual([other.mediatorId]);
  });

  it("written agreements state the three parts; effect drives the 30-day confirmation window; oral ones take effect at once", async () => {
    const m = await registerMediator(med(), committeeId, { name: "郑调解" });
    let c = await openCase(med(), committeeId, a, b);
    c = (
      await med().cases.designateMediator({
        caseId: c.caseId,
        expectedRevision: 0,
        mediatorId: m.mediatorId,
        designatedBy: M.DesignatedBy.DESIGNATED_BY_COMMITTEE,
        reason: "",
      })
    ).case!;
    c = (
      await med().cases.recordSession({
        caseId: c.caseId,
        expectedRevision: 0,
        heldTime: undefined,
        place: "商会调解室",
        record: "双方陈述意见",
        attendingPartyIds: c.parties.map((p) => p.partyId),
        reason: "",
      })
    ).case!;
    expect(c.sessions).toHaveLength(1);

    const incomplete = await refusedWithoutChange(() =>
      med().cases.recordAgreement({
        caseId: c.caseId,
        expectedRevision: 0,
        agreement: writtenAgreement({ partyDetails: "", issuesInDispute: "", performanceManner: "" }),
        reason: "",
      }),
    );
    expect(incomplete.code).toBe(status.INVALID_ARGUMENT);
    expect(incomplete.fieldViolations.map((v) => v.field)).toEqual([
      "agreement.party_details",
      "agreement.issues_in_dispute",
      "agreement.performance_manner",
    ]);

    c = (await med().cases.recordAgreement({ caseId: c.caseId, expectedRevision: 0, agreement: writtenAgreement(), reason: "" })).case!;
    expect(c.status).toBe(M.CaseStatus.CASE_STATUS_AGREEMENT_SIGNING);
    const sign = (kind: number, over: { partyId?: string; mediatorId?: string; signTime?: Date } = {}) =>
      med().cases.signAgreement({
        caseId: c.caseId,
        expectedRevision: 0,
        kind,
        partyId: over.partyId ?? "",
        mediatorId: over.mediatorId ?? "",
        signTime: over.signTime,
        reason: "",
      });
    await sign(M.SignatureKind.SIGNATURE_KIND_PARTY_SIGNATURE, { partyId: c.parties[0]!.partyId });
    await sign(M.SignatureKind.SIGNATURE_KIND_MEDIATOR, { mediatorId: m.mediatorId });
    await sign(M.SignatureKind.SIGNATURE_KIND_COMMITTEE_SEAL);
    const dup = await refusedWithoutChange(() => sign(M.SignatureKind.SIGNATURE_KIND_COMMITTEE_SEAL));
    expect(dup.code).toBe(status.FAILED_PRECONDITION);
    const lastAt = clock.now();
    c = (await sign(M.SignatureKind.SIGNATURE_KIND_PARTY_SEAL, { partyId: c.parties[1]!.partyId, signTime: lastAt })).case!;
    expect(c.status).toBe(M.CaseStatus.CASE_STATUS_AGREED);
    expect(c.agreement!.effectiveTime).toEqual(lastAt);
    expect(c.agreement!.confirmationDeadlineTime!.getTime() - lastAt.getTime()).toBe(30 * DAY);

    const oralCase = await openCase(med(), committeeId, a, b);
    await med().cases.designateMediator({
      caseId: oralCase.caseId,
      expectedRevision: 0,
      mediatorId: m.mediatorId,
      designatedBy: M.DesignatedBy.DESIGNATED_BY_COMMITTEE,
      reason: "",
    });
    const oral = (
      await med().cases.recordAgreement({
        caseId: oralCase.caseId,
        expectedRevision: 0,
        agreement: {
          ...writtenAgreement(),
          form: M.AgreementForm.AGREEMENT_FORM_ORAL,
          oralRecord: "被申请人当场支付五千元，双方无其他争议",
        },
        reason: "",
      })
    ).case!;
    expect(oral.status).toBe(M.CaseStatus.CASE_STATUS_AGREED);
    expect(oral.agreement!.effectiveTime).toBeDefined();

    // The window: reminders 7 days and 1 day before it closes; an application after it is refused.
    clock.advance(24 * DAY);
    const scanner = node.node.seams(mediationModule).scanner();
    expect((await scanner.scan()).alerted).toBeGreaterThanOrEqual(2);
    const alerts = await query<{ payload: Buffer }>(
      node.database.url,
      "select payload from mediation.outbox where event_type = 'jinlian.mediation.agreement.confirmation-window-closing.v1'",
    );
    const reminded = alerts.map((r) => mediationEventsV1.ConfirmationWindowClosing.decode(r.payload));
    expect(reminded.find((e) => e.caseId === c.caseId)!.remindedBeforeSeconds).toBe(String(7 * 24 * 3600));
    expect((await scanner.scan()).alerted).toBe(0);
    clock.advance(7 * DAY);
    const late = await refusedWithoutChange(() =>
      med().cases.recordJudicialConfirmation({
        caseId: c.caseId,
        expectedRevision: 0,
        applyTime: undefined,
        court: "和平区人民法院",
        reason: "",
      }),
    );
    expect(late.preconditionViolations[0]!.type).toBe("CONFIRMATION_WINDOW_CLOSED");
    const inTime = (
      await med().cases.recordJudicialConfirmation({
        caseId: oral.caseId,
        expectedRevision: 0,
        applyTime: new Date(clock.now().getTime() - 2 * DAY),
        court: "和平区人民法院",
        reason: "",
      })
    ).case!;
    expect(inTime.agreement!.confirmationCourt).toBe("和平区人民法院");
  });

  it("warns before the time limit runs out, once per offset, and raises its expiry", async () => {
    const m = await registerMediator(med(), committeeId, { name: "冯调解" });
    const c = await openCase(med(), committeeId, a, b);
    await med().cases.designateMediator({
      caseId: c.caseId,
      expectedRevision: 0,
      mediatorId: m.mediatorId,
      designatedBy: M.DesignatedBy.DESIGNATED_BY_COMMITTEE,
      reason: "",
    });
    const scanner = node.node.seams(mediationModule).scanner();
    const alertsOf = async () =>
      (
        await query<{ payload: Buffer; event_type: string }>(
          node.database.url,
          "select payload, event_type from mediation.outbox where event_type like 'jinlian.mediation.case.time-limit-%' order by seq",
        )
      )
        .map((r) => ({ type: r.event_type, e: mediationEventsV1.CaseTimeLimitApproaching.decode(r.payload) }))
        .filter((x) => x.e.caseId === c.caseId);
    clock.advance(23.5 * DAY);
    await scanner.scan();
    clock.advance(4 * DAY);
    await scanner.scan();
    await scanner.scan();
    const warned = await alertsOf();
    expect(warned.map((w) => w.e.warnedBeforeSeconds)).toEqual([String(7 * 24 * 3600), String(3 * 24 * 3600)]);
    clock.advance(3 * DAY);
    await scanner.scan();
    expect((await alertsOf()).map((w) => w.type).at(-1)).toBe("jinlian.mediation.case.time-limit-expired.v1");
    expect((await med().cases.getCase({ caseId: c.caseId })).case!.timeLimit!.expired).toBe(true);
  });

  it("a dispute referred by legal-services becomes a case; failed, it goes to arbitration through legal-services and the answer comes back", async () => {
    const ls = node.legalServices;
    const commission = await registerProvider(ls, {
      kind: K.PROVIDER_KIND_ARBITRATION_COMMISSION,
      organisationCreditCode: commissionOrg.creditCode,
    });
    expect(commission.providerId).toBeTruthy();
    const { request } = await ls.requests.submitRequest({
      requesterCreditCode: a.creditCode,
      type: legalServicesV1.RequestType.REQUEST_TYPE_CONSULTATION,
      specialty: legalServicesV1.Specialty.SPECIALTY_CONTRACT,
      districtCode: "120101",
      industrySection: "",
      language: "",
      urgency: legalServicesV1.RequestUrgency.REQUEST_URGENCY_ROUTINE,
      counterparties: [{ creditCode: b.creditCode, jurisdictionCode: "", name: "" }],
      summary: "货款纠纷",
      disputeId: "",
      reason: "",
    });
    const consent = (o: Org) => ({
      creditCode: o.creditCode,
      consentTime: new Date(clock.now().getTime() - 60_000),
      form: legalServicesV1.ConsentForm.CONSENT_FORM_WRITTEN,
    });
    const referred = (
      await ls.requests.referRequestToMediation({
        requestId: request!.requestId,
        expectedRevision: 0,
        committeeCreditCode: committeeOrg.creditCode,
        consents: [consent(a), consent(b)],
        reason: "双方同意调解",
      })
    ).request!;
    const disputeId = referred.mediationReferral!.disputeId;
    const opened = await waitFor(
      async () =>
        (
          await med().cases.listCases({
            filter: { committeeId: "", status: 0, kind: 0, openPeriod: undefined, disputeId },
            page: undefined,
          })
        ).cases[0],
      { timeoutMs: 30_000, intervalMs: 200, what: "the referred dispute as a case" },
    );
    expect(opened).toMatchObject({
      status: M.CaseStatus.CASE_STATUS_IN_MEDIATION,
      sourceReferralId: referred.mediationReferral!.referralId,
    });
    expect(opened.parties.map((p) => p.organisation!.creditCode)).toEqual([a.creditCode, b.creditCode]);

    const m = await registerMediator(med(), committeeId, { name: "陈调解" });
    await med().cases.designateMediator({
      caseId: opened.caseId,
      expectedRevision: 0,
      mediatorId: m.mediatorId,
      designatedBy: M.DesignatedBy.DESIGNATED_BY_COMMITTEE,
      reason: "",
    });
    const tooEarly = await refusedWithoutChange(() =>
      med().cases.referToArbitration({
        caseId: opened.caseId,
        expectedRevision: 0,
        commissionCreditCode: commissionOrg.creditCode,
        agreement: undefined,
        summary: "x",
        reason: "",
      }),
    );
    expect(tooEarly.code).toBe(status.INVALID_ARGUMENT); // no arbitration agreement
    const failed = (
      await med().cases.failMediation({
        caseId: opened.caseId,
        expectedRevision: 0,
        routes: [M.Route.ROUTE_ARBITRATION, M.Route.ROUTE_JUDICIAL],
        note: "分歧较大",
        reason: "",
      })
    ).case!;
    expect(failed.failure!.routes).toEqual([M.Route.ROUTE_ARBITRATION, M.Route.ROUTE_JUDICIAL]);
    const pending = (
      await med().cases.referToArbitration({
        caseId: opened.caseId,
        expectedRevision: failed.revision,
        commissionCreditCode: commissionOrg.creditCode,
        agreement: {
          form: M.ArbitrationAgreementForm.ARBITRATION_AGREEMENT_FORM_CONTRACT_CLAUSE,
          content: "因本合同发生的争议，提交天津仲裁委员会仲裁",
          concludeTime: undefined,
        },
        summary: "货款纠纷，调解不成",
        reason: "",
      })
    ).case!;
    expect(pending.arbitrationReferral!.status).toBe(M.ReferralStatus.REFERRAL_STATUS_PENDING);

    // The sender calls legal-services' intake over gRPC (this node's address).
    expect(await node.node.seams(mediationModule).sendReferrals(node.address)).toBe(1);
    const referralId = pending.arbitrationReferral!.referralId;
    const held = (await ls.referrals.getArbitrationReferral({ referralId })).referral!;
    expect(held).toMatchObject({ disputeId, caseReference: opened.caseId, commission: { creditCode: commissionOrg.creditCode } });
    // The arbitration agreement travels in its own field of legal-services' contract, not the summary.
    expect(held.summary).toBe("货款纠纷，调解不成");
    expect(held.arbitrationAgreement).toEqual({
      form: legalServicesV1.ArbitrationAgreementForm.ARBITRATION_AGREEMENT_FORM_CONTRACT_CLAUSE,
      content: "因本合同发生的争议，提交天津仲裁委员会仲裁",
      concludeTime: undefined,
    });
    expect((await med().cases.getCase({ caseId: opened.caseId })).case!.arbitrationReferral!.status).toBe(
      M.ReferralStatus.REFERRAL_STATUS_RECEIVED,
    );

    await ls.referrals.answerArbitrationReferral({ referralId, expectedRevision: 0, accept: true, answerNote: "已受理", reason: "" });
    const answered = await waitFor(
      async () => {
        const k = (await med().cases.getCase({ caseId: opened.caseId })).case!;
        return k.arbitrationReferral!.status === M.ReferralStatus.REFERRAL_STATUS_ACCEPTED ? k : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200, what: "the commission's answer at mediation" },
    );
    expect(answered.arbitrationReferral).toMatchObject({ answerNote: "已受理", commission: { name: "天津仲裁委员会" } });
  });

  it("refuses bad input and impossible transitions with the right status, changing nothing", async () => {
    const bad = await refusedWithoutChange(() =>
      med().cases.openCase({
        committeeId,
        kind: 0,
        parties: [{ role: 0, organisationCreditCode: "not-a-code", person: undefined, consented: true }],
        summary: "",
        commercial: undefined,
        reason: "",
      }),
    );
    expect(bad.code).toBe(status.INVALID_ARGUMENT);
    expect(bad.fieldViolations.map((v) => v.field)).toEqual(
      expect.arrayContaining(["kind", "parties", "parties[0].role", "parties[0].organisation_credit_code", "summary"]),
    );
    expect((await refusedWithoutChange(() => med().cases.getCase({ caseId: "nope" }))).code).toBe(status.INVALID_ARGUMENT);
    expect((await refusedWithoutChange(() => med().cases.getCase({ caseId: "00000000-0000-4000-8000-000000000000" }))).code).toBe(
      status.NOT_FOUND,
    );
    const c = await openCase(med(), committeeId, a, b);
    const stale = await refusedWithoutChange(() =>
      med().cases.pauseTimeLimit({ caseId: c.caseId, expectedRevision: c.revision + 5, reason: "x" }),
    );
    expect(stale.code).toBe(status.ABORTED);
    const noMediator = await refusedWithoutChange(() =>
      med().cases.recordAgreement({ caseId: c.caseId, expectedRevision: 0, agreement: writtenAgreement(), reason: "" }),
    );
    expect(noMediator.preconditionViolations[0]!.type).toBe("NO_MEDIATOR");
    const notPaused = await refusedWithoutChange(() => med().cases.resumeTimeLimit({ caseId: c.caseId, expectedRevision: 0, reason: "" }));
    expect(notPaused.code).toBe(status.FAILED_PRECONDITION);
    const fee = await refusedWithoutChange(() => openCase(med(), committeeId, a, b, { commercial: { feeFen: "100", feeNote: "" } }));
    expect(fee.fieldViolations.map((v) => v.field)).toEqual(["commercial"]);
  });
});

describe("who keeps a case", () => {
  it("a committee acts only on its own cases: staff whose token names another committee are refused and change nothing", async () => {
    const c = await openCase(med(), committeeId, a, b);
    const staffOf = (organisation: string) =>
      mediationClient({
        address: node.address,
        actor: "committee-staff",
        token: () => testToken("120101", "committee-staff", ["MEDIATION_COMMITTEE"], organisation),
      });
    const others = staffOf(chamber.creditCode);
    const own = staffOf(committeeOrg.creditCode);
    try {
      const pause = (client: MediationClient) =>
        client.cases.pauseTimeLimit({ caseId: c.caseId, expectedRevision: 0, reason: "当事人申请鉴定" });
      const refused = await refusedWithoutChange(() => pause(others));
      expect(refused.code).toBe(status.PERMISSION_DENIED);
      expect(refused.message).toMatch(`is kept by committee ${committeeOrg.creditCode}`);
      const opening = await refusedWithoutChange(() => openCase(others, committeeId, a, b));
      expect(opening.code).toBe(status.PERMISSION_DENIED);
      const { case: paused } = await pause(own);
      expect(paused!.caseId).toBe(c.caseId);
    } finally {
      others.close();
      own.close();
    }
  });
});

describe("answers of committee and mediator registrations and changes", () => {
  it("answers the registrations, a re-election, a training and a status change with what GetCommittee and GetMediator show after, and a repeat with it as it stands", async () => {
    // A committee of its own, so the term and the mediators of the cases above stay as they are.
    const own = await registerOrg(node.liaison, {
      type: T.ORGANISATION_TYPE_MEDIATION_COMMITTEE,
      name: "和平区工商联第二人民调解委员会",
      jurisdictionCode: "120101",
      chamberCreditCode: chamber.creditCode,
    });
    await projectedInMediation(node.database.url, [own]);
    const { committee } = await med().committees.registerCommittee({
      committeeCreditCode: own.creditCode,
      justiceBureauCreditCode: bureau.creditCode,
      members: board,
      termStartTime: undefined,
      reason: "备案",
    });
    const getCommittee = async () => (await med().committees.getCommittee({ committeeId: committee!.committeeId })).committee;
    expect(committee).toEqual(await getCommittee());
    const requestId = randomUUID();
    const reelection = {
      committeeId: committee!.committeeId,
      expectedRevision: committee!.revision,
      members: [...board, { name: "李委员", gender: M.Gender.GENDER_FEMALE, role: M.MemberRole.MEMBER_ROLE_MEMBER }],
      termStartTime: undefined,
      reason: "换届",
    };
    const reelected = (await med().committees.reelectCommittee(reelection, { requestId })).committee;
    expect(reelected!.members).toHaveLength(4);
    expect(reelected).toEqual(await getCommittee());
    expect((await med().committees.reelectCommittee(reelection, { requestId })).committee).toEqual(reelected);

    const mediator = await registerMediator(med(), committee!.committeeId, { name: "周调解" });
    const getMediator = async () => (await med().committees.getMediator({ mediatorId: mediator.mediatorId })).mediator;
    expect(mediator).toEqual(await getMediator());
    const trained = (
      await med().committees.recordMediatorTraining({
        mediatorId: mediator.mediatorId,
        expectedRevision: mediator.revision,
        title: "人民调解业务培训",
        hours: 16,
        completeTime: new Date(clock.now().getTime() - DAY),
        reason: "",
      })
    ).mediator;
    expect(trained!.trainings).toHaveLength(1);
    expect(trained).toEqual(await getMediator());
    const statusRequest = randomUUID();
    const suspension = {
      mediatorId: mediator.mediatorId,
      expectedRevision: trained!.revision,
      status: M.MediatorStatus.MEDIATOR_STATUS_SUSPENDED,
      reason: "暂停一个月",
    };
    const suspended = (await med().committees.changeMediatorStatus(suspension, { requestId: statusRequest })).mediator;
    expect(suspended!.status).toBe(M.MediatorStatus.MEDIATOR_STATUS_SUSPENDED);
    expect(suspended).toEqual(await getMediator());
    expect((await med().committees.changeMediatorStatus(suspension, { requestId: statusRequest })).mediator).toEqual(suspended);
  });
});
