/**
 * Every method of every service refuses what it must, and a refused call changes nothing (issue 10).
 *
 * One node (the city) runs every service; the methods it offers are listed through gRPC server
 * reflection. A district node (liaison and mediation) only asks for the cross-district cooperation
 * the city relays, so the city holds a relay record to refuse answers on; its database is not
 * snapshotted.
 * REFUSALS maps each "<package>.<Service>/<Method>" to at least one refusal: bad input
 * (INVALID_ARGUMENT naming the field), an unknown id (NOT_FOUND), an impossible transition
 * (FAILED_PRECONDITION with its type) and a stale expected_revision (ABORTED) wherever the method
 * has one; read-only methods refuse a bad filter, a bad page token or an unknown id. Each case runs
 * through expectRefusedWithoutChange, which snapshots every table of the node's database before
 * the call starts and after it answers. A method reflection finds without a row fails the
 * coverage test, naming it, and so does a row naming a method that no longer exists.
 */
import { randomUUID } from "node:crypto";
import {
  mediationClient,
  type BulletinsClient,
  type LegalServicesClient,
  type LegislationClient,
  type LiaisonClient,
  type MediationClient,
} from "@jinlian/client";
import { bulletinsV1, legalServicesV1, legislationV1, liaisonV1, mediationV1 } from "@jinlian/proto";
import { uniqueNamespace, waitFor } from "../harness/kafka";
import { establishMechanism } from "../support/consultation-fixtures";
import { draftRequest, MUNICIPAL_JUSTICE_BUREAU } from "../support/fixtures";
import { healthCheck, reflectedMethods } from "../support/grpc-introspection";
import { approveAndPublish, registerIssuers } from "../support/issuers";
import { K, projected, registerOrg, registerProvider, T, type Org } from "../support/legal-services-fixtures";
import { articles, registerDraftRequest } from "../support/legislation-fixtures";
import { creditCodeFor, OrgType, registerMechanismParties, registerParty, type Party } from "../support/liaison-fixtures";
import {
  board,
  eligibleDeclarations,
  idNumber,
  M,
  openCase,
  projectedInMediation,
  registerMediator,
  writtenAgreement,
} from "../support/mediation-fixtures";
import { query } from "../support/db";
import { startTestNode, type TestNode } from "../support/nodes";
import { changedTables, expectRefusedWithoutChange, settled, snapshotSchemas, type ExpectedRefusal } from "../support/refusals";
import { tokenForAddress } from "../support/auth";

jest.setTimeout(180_000);

/** What the cases act on: one node's clients and the aggregates set up once for all cases. */
interface Fixtures {
  bulletins: BulletinsClient;
  liaison: LiaisonClient;
  legislation: LegislationClient;
  legalServices: LegalServicesClient;
  mediation: MediationClient;
  bureau: Party;
  federation: Party;
  /** An active chamber with two departments and a liaison contact. */
  chamber: Party & { revision: number; contactId: string };
  /** A deactivated chamber. */
  retired: Party & { revision: number };
  mechanism: liaisonV1.Mechanism;
  consultation: liaisonV1.Consultation;
  research: liaisonV1.JointResearch;
  campaign: liaisonV1.Campaign;
  draft: bulletinsV1.Bulletin;
  published: bulletinsV1.Bulletin;
  legislativeDraft: legislationV1.Draft;
  plan: legislationV1.Plan;
  /** Mediation at the city: organisations, a committee and its cases, nominations, recommendations. */
  med: MediationFixtures;
  /** legal-services at the city: a commission provider and a referral it received. */
  referral: legalServicesV1.ArbitrationReferral;
  /** A referral the commission accepted. */
  acceptedReferral: legalServicesV1.ArbitrationReferral;
  /** The arbitration commission as legal-services' provider, active. */
  commissionProvider: legalServicesV1.Provider;
}

interface MediationFixtures {
  enterprise: Org;
  rival: Org;
  commission: Org;
  committee: mediationV1.Committee;
  /** A case a party has not consented to yet (AWAITING_CONSENT). */
  pending: mediationV1.Case;
  /** A case every party consented to (IN_MEDIATION), no mediator on it. */
  running: mediationV1.Case;
  /** An active mediator of the committee, on no case. */
  mediator: mediationV1.Mediator;
  /** A retired one (final). */
  retiredMediator: mediationV1.Mediator;
  /** OPEN, no nominee (quota 10: cap 2). */
  emptyBatch: mediationV1.NominationBatch;
  /** OPEN, quota 5 (cap 1), its one nominee added: the cap is reached. */
  fullBatch: mediationV1.NominationBatch;
  /** SUBMITTED with two nominees, the first selected. */
  submittedBatch: mediationV1.NominationBatch;
  /** On the 失信被执行人 list. */
  defaulter: mediationV1.Defaulter;
  /** Taken off the list. */
  removedDefaulter: mediationV1.Defaulter;
  /** Recommended to the commission, awaiting its decision. */
  recommended: mediationV1.ArbitratorRecommendation;
  /** Appointed (聘任) already. */
  appointed: mediationV1.ArbitratorRecommendation;
  /** The city's relay record of a cooperation a district asked for. */
  relay: mediationV1.Cooperation;
}

interface Case {
  /** What is wrong with the request, as the test's name says it. */
  why: string;
  call: (f: Fixtures) => Promise<unknown>;
  expect: ExpectedRefusal;
}

// ---- expectations --------------------------------------------------------------------------------
const invalid = (...fields: string[]): ExpectedRefusal => ({ code: "INVALID_ARGUMENT", fields });
const notFound: ExpectedRefusal = { code: "NOT_FOUND" };
const exists: ExpectedRefusal = { code: "ALREADY_EXISTS" };
const stale: ExpectedRefusal = { code: "ABORTED", reason: "STALE_REVISION" };
const precondition = (type: string): ExpectedRefusal => ({ code: "FAILED_PRECONDITION", precondition: type });

// ---- request parts -------------------------------------------------------------------------------
/** A fresh id nothing has. */
const unknown = () => randomUUID();
/** A revision far ahead of any fixture's: stale for every aggregate. */
const STALE = 77;
/** A page token no service issued. */
const badPage = { pageSize: 0, pageToken: "not-a-page-token" };
/** A period that ends before it starts. */
const backwards = { startTime: new Date("2030-02-01T00:00:00Z"), endTime: new Date("2030-01-01T00:00:00Z") };
const inDays = (days: number) => new Date(Date.now() + days * 24 * 3600 * 1000);
/** A time in Tianjin (UTC+8) on a December day of Constitution Week of the campaign's year. */
const inConstitutionWeek = (year: number) => new Date(Date.UTC(year, 11, 3, 2));
const CAMPAIGN_YEAR = 2031;
const PLAN_YEAR = 2031;
/** The date nominees' ages are counted at (2026-06-01 in China). */
const NOMINATION_REFERENCE = new Date("2026-05-31T16:00:00Z");

const eligible = eligibleDeclarations;
/** An eligible nominee working at the city's enterprise, a different person per order number. */
const nominee = (f: Fixtures, order: string, over: Partial<mediationV1.NomineeInput> = {}): mediationV1.NomineeInput => ({
  name: `候选人${order}`,
  gender: M.Gender.GENDER_FEMALE,
  identityNumber: idNumber("19800315", order),
  education: M.EducationLevel.EDUCATION_LEVEL_BACHELOR,
  educationException: "",
  occupations: [M.Occupation.OCCUPATION_ENTERPRISE_STAFF],
  employerCreditCode: f.med.enterprise.creditCode,
  lawyerLicenceNumber: "",
  declarations: eligible,
  clearedProviderIds: [],
  phone: "",
  ...over,
});
/** A candidate meeting 仲裁法's lawyer route (ten years), fair and upright. */
const candidate = (f: Fixtures, over: Partial<mediationV1.ArbitratorCandidateInput> = {}): mediationV1.ArbitratorCandidateInput => ({
  name: "钱律师",
  gender: M.Gender.GENDER_MALE,
  employerCreditCode: f.med.enterprise.creditCode,
  legalProfessionalQualification: true,
  experiences: [{ kind: M.ExperienceKind.EXPERIENCE_KIND_LAWYER, years: 10 }],
  seniorTitleField: 0,
  seniorTitle: "",
  equivalentProfessionalLevel: false,
  legalKnowledge: true,
  fairAndUpright: true,
  specialties: ["商事合同"],
  phone: "",
  ...over,
});
/** The parties' written arbitration agreement, as a case's referral carries it. */
const arbitrationAgreement: mediationV1.ArbitrationAgreement = {
  form: M.ArbitrationAgreementForm.ARBITRATION_AGREEMENT_FORM_CONTRACT_CLAUSE,
  content: "因本合同引起的争议，提交天津仲裁委员会仲裁",
  concludeTime: new Date("2025-01-10T02:00:00Z"),
};
/** A referral legal-services would take in, but for what the case says. */
const arbitrationReferral = (f: Fixtures, over: Partial<legalServicesV1.SubmitArbitrationReferralRequest> = {}) => ({
  referralId: unknown(),
  disputeId: "D-refusal",
  caseReference: "市商调〔2026〕1号",
  commissionCreditCode: f.med.commission.creditCode,
  parties: [
    { creditCode: f.med.enterprise.creditCode, jurisdictionCode: "", name: f.med.enterprise.name },
    { creditCode: f.med.rival.creditCode, jurisdictionCode: "", name: f.med.rival.name },
  ],
  summary: "调解不成，双方有仲裁协议",
  mediationEndTime: new Date("2026-05-01T02:00:00Z"),
  reason: "",
  ...over,
});

const refusal = (why: string, call: Case["call"], expect: ExpectedRefusal): Case => ({ why, call, expect });

// ==== liaison ======================================================================================
const LIAISON: Record<string, Case[]> = {
  "jinlian.liaison.v1.RegistryService/RegisterOrganisation": [
    refusal(
      "an empty request",
      (f) => f.liaison.registry.registerOrganisation({}),
      invalid("type", "name", "credit_code", "jurisdiction_code"),
    ),
    refusal(
      "a credit code already registered",
      (f) =>
        f.liaison.registry.registerOrganisation({
          type: OrgType.ORGANISATION_TYPE_CHAMBER_OF_COMMERCE,
          name: "重复的商会",
          creditCode: f.chamber.organisation.creditCode,
          jurisdictionCode: "120000",
          reason: "重复",
        }),
      exists,
    ),
  ],
  "jinlian.liaison.v1.RegistryService/GetOrganisation": [
    refusal("a malformed id", (f) => f.liaison.registry.getOrganisation({ organisationId: "org-1" }), invalid("organisation_id")),
    refusal("an unknown id", (f) => f.liaison.registry.getOrganisation({ organisationId: unknown() }), notFound),
  ],
  "jinlian.liaison.v1.RegistryService/ListOrganisations": [
    refusal("a bad page token", (f) => f.liaison.registry.listOrganisations({ page: badPage }), invalid("page.page_token")),
  ],
  "jinlian.liaison.v1.RegistryService/UpdateOrganisation": [
    refusal(
      "a stale revision",
      (f) =>
        f.liaison.registry.updateOrganisation({
          organisationId: f.chamber.organisation.organisationId,
          expectedRevision: STALE,
          name: "新名",
          reason: "更名",
        }),
      stale,
    ),
    refusal(
      "an unknown id",
      (f) => f.liaison.registry.updateOrganisation({ organisationId: unknown(), name: "新名", reason: "更名" }),
      notFound,
    ),
    refusal(
      "a deactivated organisation",
      (f) =>
        f.liaison.registry.updateOrganisation({
          organisationId: f.retired.organisation.organisationId,
          expectedRevision: f.retired.revision,
          name: "新名",
          reason: "更名",
        }),
      precondition("ORGANISATION_DEACTIVATED"),
    ),
  ],
  "jinlian.liaison.v1.RegistryService/AddDepartment": [
    refusal(
      "no name",
      (f) => f.liaison.registry.addDepartment({ organisationId: f.chamber.organisation.organisationId, name: "" }),
      invalid("name"),
    ),
    refusal(
      "a stale revision",
      (f) =>
        f.liaison.registry.addDepartment({
          organisationId: f.chamber.organisation.organisationId,
          expectedRevision: STALE,
          name: "新部门",
        }),
      stale,
    ),
    refusal(
      "a deactivated organisation",
      (f) =>
        f.liaison.registry.addDepartment({
          organisationId: f.retired.organisation.organisationId,
          expectedRevision: f.retired.revision,
          name: "新部门",
        }),
      precondition("ORGANISATION_DEACTIVATED"),
    ),
  ],
  "jinlian.liaison.v1.RegistryService/RemoveDepartment": [
    refusal(
      "a malformed department id",
      (f) =>
        f.liaison.registry.removeDepartment({ organisationId: f.chamber.organisation.organisationId, departmentId: "d-1", reason: "撤销" }),
      invalid("department_id"),
    ),
    refusal(
      "an unknown organisation",
      (f) => f.liaison.registry.removeDepartment({ organisationId: unknown(), departmentId: unknown(), reason: "撤销" }),
      notFound,
    ),
    refusal(
      "a department the organisation does not have",
      (f) =>
        f.liaison.registry.removeDepartment({
          organisationId: f.chamber.organisation.organisationId,
          expectedRevision: f.chamber.revision,
          departmentId: unknown(),
          reason: "撤销",
        }),
      invalid("department_id"),
    ),
    refusal(
      "a stale revision",
      (f) =>
        f.liaison.registry.removeDepartment({
          organisationId: f.chamber.organisation.organisationId,
          expectedRevision: STALE,
          departmentId: f.chamber.department("会员部"),
          reason: "撤销",
        }),
      stale,
    ),
    refusal(
      "a deactivated organisation",
      (f) =>
        f.liaison.registry.removeDepartment({
          organisationId: f.retired.organisation.organisationId,
          expectedRevision: f.retired.revision,
          departmentId: f.retired.department("会员部"),
          reason: "撤销",
        }),
      precondition("ORGANISATION_DEACTIVATED"),
    ),
    refusal(
      "the responsible department of the node's mechanism (art. 3)",
      (f) =>
        f.liaison.registry.removeDepartment({
          organisationId: f.federation.organisation.organisationId,
          expectedRevision: f.federation.organisation.revision,
          departmentId: f.federation.department("法律服务部"),
          reason: "机构调整",
        }),
      precondition("RESPONSIBLE_DEPARTMENT"),
    ),
  ],
  "jinlian.liaison.v1.RegistryService/AddLiaisonContact": [
    refusal(
      "an unknown organisation",
      (f) => f.liaison.registry.addLiaisonContact({ organisationId: unknown(), contact: { name: "李四", phone: "022-23456789" } }),
      notFound,
    ),
    refusal(
      "a stale revision",
      (f) =>
        f.liaison.registry.addLiaisonContact({
          organisationId: f.chamber.organisation.organisationId,
          expectedRevision: STALE,
          contact: { name: "李四", phone: "022-23456789" },
        }),
      stale,
    ),
  ],
  "jinlian.liaison.v1.RegistryService/RemoveLiaisonContact": [
    refusal(
      "a malformed contact id",
      (f) => f.liaison.registry.removeLiaisonContact({ organisationId: f.chamber.organisation.organisationId, contactId: "c-1" }),
      invalid("contact_id"),
    ),
    refusal(
      "an unknown organisation",
      (f) => f.liaison.registry.removeLiaisonContact({ organisationId: unknown(), contactId: unknown() }),
      notFound,
    ),
    refusal(
      "a contact the organisation does not have",
      (f) =>
        f.liaison.registry.removeLiaisonContact({
          organisationId: f.chamber.organisation.organisationId,
          expectedRevision: f.chamber.revision,
          contactId: unknown(),
        }),
      invalid("contact_id"),
    ),
    refusal(
      "a stale revision",
      (f) =>
        f.liaison.registry.removeLiaisonContact({
          organisationId: f.chamber.organisation.organisationId,
          expectedRevision: STALE,
          contactId: f.chamber.contactId,
        }),
      stale,
    ),
  ],
  "jinlian.liaison.v1.RegistryService/DeactivateOrganisation": [
    refusal(
      "no reason",
      (f) => f.liaison.registry.deactivateOrganisation({ organisationId: f.chamber.organisation.organisationId }),
      invalid("reason"),
    ),
    refusal(
      "a stale revision",
      (f) =>
        f.liaison.registry.deactivateOrganisation({
          organisationId: f.chamber.organisation.organisationId,
          expectedRevision: STALE,
          reason: "撤并",
        }),
      stale,
    ),
    refusal(
      "an organisation already deactivated",
      (f) =>
        f.liaison.registry.deactivateOrganisation({
          organisationId: f.retired.organisation.organisationId,
          expectedRevision: f.retired.revision,
          reason: "撤并",
        }),
      precondition("ORGANISATION_DEACTIVATED"),
    ),
  ],
  "jinlian.liaison.v1.RegistryService/CorrectOrganisation": [
    refusal(
      "no reason",
      (f) => f.liaison.registry.correctOrganisation({ organisationId: f.chamber.organisation.organisationId }),
      invalid("reason"),
    ),
    refusal(
      "a stale revision",
      (f) =>
        f.liaison.registry.correctOrganisation({
          organisationId: f.chamber.organisation.organisationId,
          expectedRevision: STALE,
          type: OrgType.ORGANISATION_TYPE_CHAMBER_OF_COMMERCE,
          name: "天津市某商会",
          creditCode: f.chamber.organisation.creditCode,
          jurisdictionCode: "120000",
          reason: "录入错误",
        }),
      stale,
    ),
  ],
  "jinlian.liaison.v1.RegistryService/UpdateLiaisonContact": [
    refusal(
      "a contact the organisation does not have",
      (f) =>
        f.liaison.registry.updateLiaisonContact({
          organisationId: f.chamber.organisation.organisationId,
          expectedRevision: f.chamber.revision,
          contact: { contactId: unknown(), name: "张三", phone: "022-23456789" },
        }),
      invalid("contact.contact_id"),
    ),
    refusal(
      "a stale revision",
      (f) =>
        f.liaison.registry.updateLiaisonContact({
          organisationId: f.chamber.organisation.organisationId,
          expectedRevision: STALE,
          contact: { contactId: f.chamber.contactId, name: "张三", phone: "022-23456789" },
        }),
      stale,
    ),
  ],
  "jinlian.liaison.v1.RegistryService/UpdateAffiliations": [
    refusal(
      "an unknown organisation",
      (f) => f.liaison.registry.updateAffiliations({ organisationId: unknown(), reason: "调整" }),
      notFound,
    ),
    refusal(
      "a stale revision",
      (f) =>
        f.liaison.registry.updateAffiliations({
          organisationId: f.chamber.organisation.organisationId,
          expectedRevision: STALE,
          reason: "调整",
        }),
      stale,
    ),
  ],
  "jinlian.liaison.v1.RegistryService/ReactivateOrganisation": [
    refusal(
      "an organisation that is active",
      (f) =>
        f.liaison.registry.reactivateOrganisation({
          organisationId: f.chamber.organisation.organisationId,
          expectedRevision: f.chamber.revision,
          reason: "恢复",
        }),
      precondition("ORGANISATION_ACTIVE"),
    ),
    refusal(
      "a stale revision",
      (f) =>
        f.liaison.registry.reactivateOrganisation({
          organisationId: f.retired.organisation.organisationId,
          expectedRevision: STALE,
          reason: "恢复",
        }),
      stale,
    ),
  ],
  "jinlian.liaison.v1.RegistryService/MoveOrganisation": [
    refusal(
      "no reason",
      (f) => f.liaison.registry.moveOrganisation({ organisationId: f.chamber.organisation.organisationId }),
      invalid("reason"),
    ),
    refusal(
      "a stale revision",
      (f) =>
        f.liaison.registry.moveOrganisation({
          organisationId: f.chamber.organisation.organisationId,
          expectedRevision: STALE,
          toRegistryJurisdictionCode: "120101",
          jurisdictionCode: "120101",
          reason: "迁移",
        }),
      stale,
    ),
  ],

  "jinlian.liaison.v1.MechanismService/ProposeMechanism": [
    refusal("no parties", (f) => f.liaison.mechanisms.proposeMechanism({}), invalid("justice_bureau", "federation")),
    refusal(
      "a second mechanism for the node",
      (f) =>
        f.liaison.mechanisms.proposeMechanism({
          justiceBureau: { organisationId: f.bureau.organisation.organisationId, departmentId: f.bureau.department("法治调研处") },
          federation: { organisationId: f.federation.organisation.organisationId, departmentId: f.federation.department("法律服务部") },
          reason: "再次提议",
        }),
      exists,
    ),
  ],
  "jinlian.liaison.v1.MechanismService/EstablishMechanism": [
    refusal("a malformed id", (f) => f.liaison.mechanisms.establishMechanism({ mechanismId: "m-1" }), invalid("mechanism_id")),
    refusal("an unknown id", (f) => f.liaison.mechanisms.establishMechanism({ mechanismId: unknown() }), notFound),
    refusal(
      "a stale revision",
      (f) => f.liaison.mechanisms.establishMechanism({ mechanismId: f.mechanism.mechanismId, expectedRevision: STALE }),
      stale,
    ),
    refusal(
      "a mechanism already established",
      (f) => f.liaison.mechanisms.establishMechanism({ mechanismId: f.mechanism.mechanismId, expectedRevision: f.mechanism.revision }),
      precondition("STATE"),
    ),
  ],
  "jinlian.liaison.v1.MechanismService/SuspendMechanism": [
    refusal("no reason", (f) => f.liaison.mechanisms.suspendMechanism({ mechanismId: f.mechanism.mechanismId }), invalid("reason")),
    refusal(
      "a stale revision",
      (f) => f.liaison.mechanisms.suspendMechanism({ mechanismId: f.mechanism.mechanismId, expectedRevision: STALE, reason: "暂停" }),
      stale,
    ),
  ],
  "jinlian.liaison.v1.MechanismService/GetMechanism": [
    refusal("a malformed id", (f) => f.liaison.mechanisms.getMechanism({ mechanismId: "m-1" }), invalid("mechanism_id")),
    refusal("an unknown id", (f) => f.liaison.mechanisms.getMechanism({ mechanismId: unknown() }), notFound),
  ],
  "jinlian.liaison.v1.MechanismService/ListMechanisms": [
    refusal("a bad page token", (f) => f.liaison.mechanisms.listMechanisms({ page: badPage }), invalid("page.page_token")),
    refusal(
      "an unknown status",
      (f) => f.liaison.mechanisms.listMechanisms({ status: 99 as liaisonV1.MechanismStatus }),
      invalid("status"),
    ),
  ],
  "jinlian.liaison.v1.MechanismService/GetMechanismRollUp": [
    refusal(
      "an unknown status",
      (f) => f.liaison.mechanisms.getMechanismRollUp({ status: 99 as liaisonV1.MechanismStatus }),
      invalid("status"),
    ),
  ],

  "jinlian.liaison.v1.ConsultationService/ScheduleConsultation": [
    refusal("an empty request", (f) => f.liaison.consultations.scheduleConsultation({}), invalid("kind", "title", "scheduled_time")),
    refusal(
      "an unknown mechanism",
      (f) =>
        f.liaison.consultations.scheduleConsultation({
          kind: liaisonV1.ConsultationKind.CONSULTATION_KIND_WORKING,
          title: "工作会商",
          mechanismId: unknown(),
          scheduledTime: inDays(10),
          reason: "安排",
        }),
      invalid("mechanism_id"),
    ),
  ],
  "jinlian.liaison.v1.ConsultationService/AddAgendaItem": [
    refusal("no item", (f) => f.liaison.consultations.addAgendaItem({ consultationId: f.consultation.consultationId }), invalid("item")),
    refusal(
      "an unknown consultation",
      (f) => f.liaison.consultations.addAgendaItem({ consultationId: unknown(), item: { topic: "议题", durationMinutes: 20 } }),
      notFound,
    ),
    refusal(
      "a stale revision",
      (f) =>
        f.liaison.consultations.addAgendaItem({
          consultationId: f.consultation.consultationId,
          expectedRevision: STALE,
          item: { topic: "议题", durationMinutes: 20 },
        }),
      stale,
    ),
  ],
  "jinlian.liaison.v1.ConsultationService/RecordAttendees": [
    refusal(
      "no attendees",
      (f) => f.liaison.consultations.recordAttendees({ consultationId: f.consultation.consultationId }),
      invalid("attendees"),
    ),
    refusal(
      "a stale revision",
      (f) =>
        f.liaison.consultations.recordAttendees({
          consultationId: f.consultation.consultationId,
          expectedRevision: STALE,
          attendees: [{ name: "赵六", organisationId: f.bureau.organisation.organisationId }],
        }),
      stale,
    ),
  ],
  "jinlian.liaison.v1.ConsultationService/StartConsultation": [
    refusal("an unknown consultation", (f) => f.liaison.consultations.startConsultation({ consultationId: unknown() }), notFound),
    refusal(
      "a stale revision",
      (f) => f.liaison.consultations.startConsultation({ consultationId: f.consultation.consultationId, expectedRevision: STALE }),
      stale,
    ),
  ],
  "jinlian.liaison.v1.ConsultationService/RecordOutcome": [
    refusal(
      "no type or text",
      (f) => f.liaison.consultations.recordOutcome({ consultationId: f.consultation.consultationId }),
      invalid("type", "text"),
    ),
    refusal(
      "a consultation not yet started",
      (f) =>
        f.liaison.consultations.recordOutcome({
          consultationId: f.consultation.consultationId,
          expectedRevision: f.consultation.revision,
          type: liaisonV1.OutcomeType.OUTCOME_TYPE_INFORMATION,
          text: "通报情况",
          agendaItemId: f.consultation.agenda[0]!.agendaItemId,
        }),
      precondition("STATE"),
    ),
    refusal(
      "a stale revision",
      (f) =>
        f.liaison.consultations.recordOutcome({
          consultationId: f.consultation.consultationId,
          expectedRevision: STALE,
          type: liaisonV1.OutcomeType.OUTCOME_TYPE_INFORMATION,
          text: "通报情况",
          agendaItemId: f.consultation.agenda[0]!.agendaItemId,
        }),
      stale,
    ),
  ],
  "jinlian.liaison.v1.ConsultationService/CloseConsultation": [
    refusal(
      "no minutes",
      (f) => f.liaison.consultations.closeConsultation({ consultationId: f.consultation.consultationId }),
      invalid("minutes"),
    ),
    refusal(
      "a consultation not yet started",
      (f) =>
        f.liaison.consultations.closeConsultation({
          consultationId: f.consultation.consultationId,
          expectedRevision: f.consultation.revision,
          minutes: "会议纪要",
        }),
      precondition("STATE"),
    ),
  ],
  "jinlian.liaison.v1.ConsultationService/CancelConsultation": [
    refusal(
      "no reason",
      (f) => f.liaison.consultations.cancelConsultation({ consultationId: f.consultation.consultationId }),
      invalid("reason"),
    ),
    refusal(
      "a stale revision",
      (f) =>
        f.liaison.consultations.cancelConsultation({
          consultationId: f.consultation.consultationId,
          expectedRevision: STALE,
          reason: "取消",
        }),
      stale,
    ),
  ],
  "jinlian.liaison.v1.ConsultationService/GetConsultation": [
    refusal("a malformed id", (f) => f.liaison.consultations.getConsultation({ consultationId: "c-1" }), invalid("consultation_id")),
    refusal("an unknown id", (f) => f.liaison.consultations.getConsultation({ consultationId: unknown() }), notFound),
  ],
  "jinlian.liaison.v1.ConsultationService/ListConsultations": [
    refusal("a bad page token", (f) => f.liaison.consultations.listConsultations({ page: badPage }), invalid("page.page_token")),
  ],
  "jinlian.liaison.v1.ConsultationService/GetActionItem": [
    refusal("a malformed id", (f) => f.liaison.consultations.getActionItem({ actionItemId: "a-1" }), invalid("action_item_id")),
    refusal("an unknown id", (f) => f.liaison.consultations.getActionItem({ actionItemId: unknown() }), notFound),
  ],
  "jinlian.liaison.v1.ConsultationService/ListActionItems": [
    refusal("a bad page token", (f) => f.liaison.consultations.listActionItems({ page: badPage }), invalid("page.page_token")),
  ],
  "jinlian.liaison.v1.ConsultationService/UpdateActionItemProgress": [
    refusal(
      "no status or note",
      (f) => f.liaison.consultations.updateActionItemProgress({ actionItemId: unknown() }),
      invalid("status", "note"),
    ),
    refusal(
      "an unknown action item",
      (f) =>
        f.liaison.consultations.updateActionItemProgress({
          actionItemId: unknown(),
          status: liaisonV1.ActionItemStatus.ACTION_ITEM_STATUS_IN_PROGRESS,
          note: "推进中",
          reportingOrganisationId: f.bureau.organisation.organisationId,
        }),
      notFound,
    ),
  ],
  "jinlian.liaison.v1.ConsultationService/RescheduleConsultation": [
    refusal(
      "no time or reason",
      (f) => f.liaison.consultations.rescheduleConsultation({ consultationId: f.consultation.consultationId }),
      invalid("scheduled_time", "reason"),
    ),
    refusal(
      "a stale revision",
      (f) =>
        f.liaison.consultations.rescheduleConsultation({
          consultationId: f.consultation.consultationId,
          expectedRevision: STALE,
          scheduledTime: inDays(9),
          reason: "改期",
        }),
      stale,
    ),
  ],
  "jinlian.liaison.v1.ConsultationService/RemoveAgendaItem": [
    refusal(
      "an agenda item the consultation does not have",
      (f) =>
        f.liaison.consultations.removeAgendaItem({
          consultationId: f.consultation.consultationId,
          expectedRevision: f.consultation.revision,
          agendaItemId: unknown(),
          reason: "撤下",
        }),
      invalid("agenda_item_id"),
    ),
    refusal(
      "a stale revision",
      (f) =>
        f.liaison.consultations.removeAgendaItem({
          consultationId: f.consultation.consultationId,
          expectedRevision: STALE,
          agendaItemId: f.consultation.agenda[0]!.agendaItemId,
          reason: "撤下",
        }),
      stale,
    ),
  ],
  "jinlian.liaison.v1.ConsultationService/RemoveAttendee": [
    refusal(
      "an attendee the consultation does not have",
      (f) =>
        f.liaison.consultations.removeAttendee({
          consultationId: f.consultation.consultationId,
          expectedRevision: f.consultation.revision,
          attendeeId: unknown(),
          reason: "不再参加",
        }),
      invalid("attendee_id"),
    ),
    refusal(
      "a stale revision",
      (f) =>
        f.liaison.consultations.removeAttendee({
          consultationId: f.consultation.consultationId,
          expectedRevision: STALE,
          attendeeId: f.consultation.attendees[0]!.attendeeId,
          reason: "不再参加",
        }),
      stale,
    ),
  ],
  "jinlian.liaison.v1.ConsultationService/CorrectOutcome": [
    refusal(
      "no text or reason",
      (f) => f.liaison.consultations.correctOutcome({ consultationId: f.consultation.consultationId, outcomeId: unknown() }),
      invalid("text", "reason"),
    ),
    refusal(
      "a stale revision",
      (f) =>
        f.liaison.consultations.correctOutcome({
          consultationId: f.consultation.consultationId,
          expectedRevision: STALE,
          outcomeId: unknown(),
          text: "更正",
          reason: "笔误",
        }),
      stale,
    ),
  ],
  "jinlian.liaison.v1.ConsultationService/ExtendActionItemDueDate": [
    refusal(
      "no due time or reason",
      (f) => f.liaison.consultations.extendActionItemDueDate({ actionItemId: unknown() }),
      invalid("due_time", "reason"),
    ),
    refusal(
      "an unknown action item",
      (f) => f.liaison.consultations.extendActionItemDueDate({ actionItemId: unknown(), dueTime: inDays(30), reason: "延期" }),
      notFound,
    ),
  ],
  "jinlian.liaison.v1.ConsultationService/RaiseActionItem": [
    refusal("an empty request", (f) => f.liaison.consultations.raiseActionItem({}), invalid("title", "due_time", "reason")),
    refusal(
      "the municipal node (only a district raises an action to the city)",
      (f) => f.liaison.consultations.raiseActionItem({ title: "请市级协调", dueTime: inDays(30), reason: "跨区事项" }),
      precondition("DISTRICT_NODE_ONLY"),
    ),
  ],
  "jinlian.liaison.v1.ConsultationService/GetReceivedAgenda": [
    refusal("a malformed id", (f) => f.liaison.consultations.getReceivedAgenda({ consultationId: "c-1" }), invalid("consultation_id")),
    refusal("an unknown id", (f) => f.liaison.consultations.getReceivedAgenda({ consultationId: unknown() }), notFound),
  ],
  "jinlian.liaison.v1.ConsultationService/ListReceivedAgendas": [
    refusal("a bad page token", (f) => f.liaison.consultations.listReceivedAgendas({ page: badPage }), invalid("page.page_token")),
  ],

  "jinlian.liaison.v1.JointResearchService/ProposeJointResearch": [
    refusal("an empty request", (f) => f.liaison.research.proposeJointResearch({}), invalid("topic", "lead_organisation_id")),
    refusal(
      "an unregistered lead",
      (f) => f.liaison.research.proposeJointResearch({ topic: "课题", leadOrganisationId: unknown() }),
      invalid("lead_organisation_id"),
    ),
  ],
  "jinlian.liaison.v1.JointResearchService/InviteToJointResearch": [
    refusal("an empty request", (f) => f.liaison.research.inviteToJointResearch({}), invalid("research_id", "organisation_id")),
    refusal(
      "an unknown project",
      (f) =>
        f.liaison.research.inviteToJointResearch({
          researchId: unknown(),
          organisationId: f.federation.organisation.organisationId,
          invitedByOrganisationId: f.bureau.organisation.organisationId,
        }),
      notFound,
    ),
    refusal(
      "a stale revision",
      (f) =>
        f.liaison.research.inviteToJointResearch({
          researchId: f.research.researchId,
          expectedRevision: STALE,
          organisationId: f.federation.organisation.organisationId,
          invitedByOrganisationId: f.bureau.organisation.organisationId,
        }),
      stale,
    ),
  ],
  "jinlian.liaison.v1.JointResearchService/RespondToResearchInvitation": [
    refusal(
      "no answer",
      (f) => f.liaison.research.respondToResearchInvitation({ researchId: f.research.researchId, invitationId: unknown() }),
      invalid("answer"),
    ),
    refusal(
      "an invitation the project does not have",
      (f) =>
        f.liaison.research.respondToResearchInvitation({
          researchId: f.research.researchId,
          expectedRevision: f.research.revision,
          invitationId: unknown(),
          answer: liaisonV1.InvitationStatus.INVITATION_STATUS_ACCEPTED,
        }),
      notFound,
    ),
    refusal(
      "a stale revision",
      (f) =>
        f.liaison.research.respondToResearchInvitation({
          researchId: f.research.researchId,
          expectedRevision: STALE,
          invitationId: unknown(),
          answer: liaisonV1.InvitationStatus.INVITATION_STATUS_ACCEPTED,
        }),
      stale,
    ),
  ],
  "jinlian.liaison.v1.JointResearchService/RecordResearchFinding": [
    refusal("no text", (f) => f.liaison.research.recordResearchFinding({ researchId: f.research.researchId }), invalid("text")),
    refusal(
      "a project not yet under way",
      (f) =>
        f.liaison.research.recordResearchFinding({
          researchId: f.research.researchId,
          expectedRevision: f.research.revision,
          text: "发现",
        }),
      precondition("RESEARCH_NOT_ONGOING"),
    ),
    refusal(
      "a stale revision",
      (f) => f.liaison.research.recordResearchFinding({ researchId: f.research.researchId, expectedRevision: STALE, text: "发现" }),
      stale,
    ),
  ],
  "jinlian.liaison.v1.JointResearchService/ConcludeJointResearch": [
    refusal("an unknown project", (f) => f.liaison.research.concludeJointResearch({ researchId: unknown() }), notFound),
    refusal(
      "a project not yet under way",
      (f) => f.liaison.research.concludeJointResearch({ researchId: f.research.researchId, expectedRevision: f.research.revision }),
      precondition("RESEARCH_NOT_ONGOING"),
    ),
    refusal(
      "a stale revision",
      (f) => f.liaison.research.concludeJointResearch({ researchId: f.research.researchId, expectedRevision: STALE }),
      stale,
    ),
  ],
  "jinlian.liaison.v1.JointResearchService/RecordResearchOutcome": [
    refusal("no summary", (f) => f.liaison.research.recordResearchOutcome({ researchId: f.research.researchId }), invalid("summary")),
    refusal(
      "a stale revision",
      (f) => f.liaison.research.recordResearchOutcome({ researchId: f.research.researchId, expectedRevision: STALE, summary: "成果" }),
      stale,
    ),
  ],
  "jinlian.liaison.v1.JointResearchService/LinkResearchOutcome": [
    refusal(
      "no kind",
      (f) => f.liaison.research.linkResearchOutcome({ researchId: f.research.researchId, outcomeId: unknown(), targetId: unknown() }),
      invalid("kind"),
    ),
    refusal(
      "a stale revision",
      (f) =>
        f.liaison.research.linkResearchOutcome({
          researchId: f.research.researchId,
          expectedRevision: STALE,
          outcomeId: unknown(),
          kind: liaisonV1.TransformationKind.TRANSFORMATION_KIND_TRAINING,
          targetId: unknown(),
        }),
      stale,
    ),
  ],
  "jinlian.liaison.v1.JointResearchService/GetJointResearch": [
    refusal("a malformed id", (f) => f.liaison.research.getJointResearch({ researchId: "r-1" }), invalid("research_id")),
    refusal("an unknown id", (f) => f.liaison.research.getJointResearch({ researchId: unknown() }), notFound),
  ],
  "jinlian.liaison.v1.JointResearchService/ListJointResearch": [
    refusal("a bad page token", (f) => f.liaison.research.listJointResearch({ page: badPage }), invalid("page.page_token")),
  ],
  "jinlian.liaison.v1.JointResearchService/CorrectResearchFinding": [
    refusal(
      "an empty request",
      (f) => f.liaison.research.correctResearchFinding({}),
      invalid("research_id", "finding_id", "text", "reason"),
    ),
    refusal(
      "a stale revision",
      (f) =>
        f.liaison.research.correctResearchFinding({
          researchId: f.research.researchId,
          expectedRevision: STALE,
          findingId: unknown(),
          text: "更正",
          reason: "笔误",
        }),
      stale,
    ),
  ],
  "jinlian.liaison.v1.JointResearchService/WithdrawResearchFinding": [
    refusal(
      "no reason",
      (f) => f.liaison.research.withdrawResearchFinding({ researchId: f.research.researchId, findingId: unknown() }),
      invalid("reason"),
    ),
    refusal(
      "a stale revision",
      (f) =>
        f.liaison.research.withdrawResearchFinding({
          researchId: f.research.researchId,
          expectedRevision: STALE,
          findingId: unknown(),
          reason: "撤回",
        }),
      stale,
    ),
  ],
  "jinlian.liaison.v1.JointResearchService/CorrectResearchOutcome": [
    refusal(
      "an empty request",
      (f) => f.liaison.research.correctResearchOutcome({}),
      invalid("research_id", "outcome_id", "summary", "reason"),
    ),
    refusal(
      "a stale revision",
      (f) =>
        f.liaison.research.correctResearchOutcome({
          researchId: f.research.researchId,
          expectedRevision: STALE,
          outcomeId: unknown(),
          summary: "更正",
          reason: "笔误",
        }),
      stale,
    ),
  ],
  "jinlian.liaison.v1.JointResearchService/WithdrawResearchOutcome": [
    refusal(
      "no reason",
      (f) => f.liaison.research.withdrawResearchOutcome({ researchId: f.research.researchId, outcomeId: unknown() }),
      invalid("reason"),
    ),
    refusal(
      "a stale revision",
      (f) =>
        f.liaison.research.withdrawResearchOutcome({
          researchId: f.research.researchId,
          expectedRevision: STALE,
          outcomeId: unknown(),
          reason: "撤回",
        }),
      stale,
    ),
  ],

  "jinlian.liaison.v1.CampaignService/PlanCampaign": [
    refusal("an empty request", (f) => f.liaison.campaigns.planCampaign({}), invalid("calendar_node", "year", "title")),
  ],
  "jinlian.liaison.v1.CampaignService/LaunchCampaign": [
    refusal("no id", (f) => f.liaison.campaigns.launchCampaign({}), invalid("campaign_id")),
    refusal("an unknown campaign", (f) => f.liaison.campaigns.launchCampaign({ campaignId: unknown() }), notFound),
    refusal(
      "a stale revision",
      (f) => f.liaison.campaigns.launchCampaign({ campaignId: f.campaign.campaignId, expectedRevision: STALE }),
      stale,
    ),
  ],
  "jinlian.liaison.v1.CampaignService/CloseCampaign": [
    refusal("an unknown campaign", (f) => f.liaison.campaigns.closeCampaign({ campaignId: unknown() }), notFound),
    refusal(
      "a campaign not yet launched",
      (f) => f.liaison.campaigns.closeCampaign({ campaignId: f.campaign.campaignId, expectedRevision: f.campaign.revision }),
      precondition("CAMPAIGN_NOT_LAUNCHED"),
    ),
    refusal(
      "a stale revision",
      (f) => f.liaison.campaigns.closeCampaign({ campaignId: f.campaign.campaignId, expectedRevision: STALE }),
      stale,
    ),
  ],
  "jinlian.liaison.v1.CampaignService/ReportCampaignActivity": [
    refusal(
      "an empty request",
      (f) => f.liaison.campaigns.reportCampaignActivity({}),
      invalid("campaign_id", "title", "held_time", "events_held"),
    ),
    refusal(
      "a campaign not yet launched",
      (f) =>
        f.liaison.campaigns.reportCampaignActivity({
          campaignId: f.campaign.campaignId,
          title: "宣讲",
          heldTime: inConstitutionWeek(CAMPAIGN_YEAR),
          eventsHeld: 1,
          audienceReached: "10",
        }),
      precondition("CAMPAIGN_NOT_LAUNCHED"),
    ),
  ],
  "jinlian.liaison.v1.CampaignService/GetCampaign": [
    refusal("a malformed id", (f) => f.liaison.campaigns.getCampaign({ campaignId: "c-1" }), invalid("campaign_id")),
    refusal("an unknown id", (f) => f.liaison.campaigns.getCampaign({ campaignId: unknown() }), notFound),
  ],
  "jinlian.liaison.v1.CampaignService/ListCampaigns": [
    refusal("a bad page token", (f) => f.liaison.campaigns.listCampaigns({ page: badPage }), invalid("page.page_token")),
  ],
  "jinlian.liaison.v1.CampaignService/GetCampaignRollUp": [
    refusal("a malformed id", (f) => f.liaison.campaigns.getCampaignRollUp({ campaignId: "c-1" }), invalid("campaign_id")),
    refusal("an unknown id", (f) => f.liaison.campaigns.getCampaignRollUp({ campaignId: unknown() }), notFound),
  ],
  "jinlian.liaison.v1.CampaignService/CorrectCampaignActivity": [
    refusal(
      "an empty request",
      (f) => f.liaison.campaigns.correctCampaignActivity({}),
      invalid("campaign_id", "activity_id", "title", "held_time", "events_held", "reason"),
    ),
    refusal(
      "an activity the campaign does not have",
      (f) =>
        f.liaison.campaigns.correctCampaignActivity({
          campaignId: f.campaign.campaignId,
          activityId: unknown(),
          title: "宣讲",
          heldTime: inConstitutionWeek(CAMPAIGN_YEAR),
          eventsHeld: 1,
          audienceReached: "10",
          reason: "更正",
        }),
      notFound,
    ),
  ],
  "jinlian.liaison.v1.CampaignService/WithdrawCampaignActivity": [
    refusal(
      "no reason",
      (f) => f.liaison.campaigns.withdrawCampaignActivity({ campaignId: f.campaign.campaignId, activityId: unknown() }),
      invalid("reason"),
    ),
    refusal(
      "an activity the campaign does not have",
      (f) => f.liaison.campaigns.withdrawCampaignActivity({ campaignId: f.campaign.campaignId, activityId: unknown(), reason: "撤回" }),
      notFound,
    ),
  ],
  "jinlian.liaison.v1.CampaignService/GetCampaignCalendar": [
    refusal("a year out of range", (f) => f.liaison.campaigns.getCampaignCalendar({ year: 1999 }), invalid("year")),
  ],

  "jinlian.liaison.v1.AuditTrailService/ListAuditEntries": [
    refusal("a bad page token", (f) => f.liaison.audit.listAuditEntries({ page: badPage }), invalid("page.page_token")),
    refusal(
      "a period that ends before it starts",
      (f) => f.liaison.audit.listAuditEntries({ filter: { occurPeriod: backwards } }),
      invalid("filter.occur_period.end_time"),
    ),
  ],
};

// ==== bulletins ====================================================================================
const BULLETINS: Record<string, Case[]> = {
  "jinlian.bulletins.v1.BulletinsService/CreateBulletinDraft": [
    refusal(
      "an empty request",
      (f) => f.bulletins.createBulletinDraft({}),
      invalid("kind", "issuer", "title", "body", "urgency", "classification", "main_audience"),
    ),
    refusal(
      "an issuer the registry does not know",
      (f) =>
        f.bulletins.createBulletinDraft(
          draftRequest({ issuer: { creditCode: creditCodeFor("120000", "11"), jurisdictionCode: "120000", name: "未登记的司法局" } }),
        ),
      invalid("issuer.credit_code"),
    ),
  ],
  "jinlian.bulletins.v1.BulletinsService/UpdateBulletinDraft": [
    refusal("a malformed id", (f) => f.bulletins.updateBulletinDraft({ bulletinId: "b-1" }), invalid("bulletin_id")),
    refusal(
      "an unknown bulletin",
      (f) => f.bulletins.updateBulletinDraft({ ...draftRequest(), bulletinId: unknown(), expectedRevision: 0 }),
      notFound,
    ),
    refusal(
      "a stale revision",
      (f) =>
        f.bulletins.updateBulletinDraft({
          ...draftRequest({ title: "改后的标题" }),
          bulletinId: f.draft.bulletinId,
          expectedRevision: STALE,
        }),
      stale,
    ),
    refusal(
      "a published bulletin",
      (f) =>
        f.bulletins.updateBulletinDraft({
          ...draftRequest({ title: "改后的标题" }),
          bulletinId: f.published.bulletinId,
          expectedRevision: f.published.revision,
        }),
      precondition("BULLETIN_NOT_DRAFT"),
    ),
  ],
  "jinlian.bulletins.v1.BulletinsService/PublishBulletin": [
    refusal("an unknown bulletin", (f) => f.bulletins.publishBulletin({ bulletinId: unknown() }), notFound),
    refusal("a stale revision", (f) => f.bulletins.publishBulletin({ bulletinId: f.draft.bulletinId, expectedRevision: STALE }), stale),
    refusal(
      "a draft not approved (签发)",
      (f) => f.bulletins.publishBulletin({ bulletinId: f.draft.bulletinId, expectedRevision: f.draft.revision }),
      precondition("BULLETIN_NOT_APPROVED"),
    ),
  ],
  "jinlian.bulletins.v1.BulletinsService/CorrectBulletin": [
    refusal(
      "no title, body or reason",
      (f) => f.bulletins.correctBulletin({ bulletinId: f.published.bulletinId }),
      invalid("title", "body", "reason"),
    ),
    refusal(
      "an unknown bulletin",
      (f) => f.bulletins.correctBulletin({ bulletinId: unknown(), title: "更正", body: "更正后的正文", reason: "笔误" }),
      notFound,
    ),
    refusal(
      "a draft (never published)",
      (f) =>
        f.bulletins.correctBulletin({
          bulletinId: f.draft.bulletinId,
          expectedRevision: f.draft.revision,
          title: "更正",
          body: "更正后的正文",
          reason: "笔误",
        }),
      precondition("BULLETIN_NOT_PUBLISHED"),
    ),
    refusal(
      "a stale revision",
      (f) =>
        f.bulletins.correctBulletin({
          bulletinId: f.published.bulletinId,
          expectedRevision: STALE,
          title: "更正",
          body: "更正后的正文",
          reason: "笔误",
        }),
      stale,
    ),
  ],
  "jinlian.bulletins.v1.BulletinsService/RecallBulletin": [
    refusal("no reason", (f) => f.bulletins.recallBulletin({ bulletinId: f.published.bulletinId }), invalid("reason")),
    refusal("an unknown bulletin", (f) => f.bulletins.recallBulletin({ bulletinId: unknown(), reason: "撤回" }), notFound),
    refusal(
      "a draft (never published)",
      (f) => f.bulletins.recallBulletin({ bulletinId: f.draft.bulletinId, expectedRevision: f.draft.revision, reason: "撤回" }),
      precondition("BULLETIN_NOT_PUBLISHED"),
    ),
    refusal(
      "a stale revision",
      (f) => f.bulletins.recallBulletin({ bulletinId: f.published.bulletinId, expectedRevision: STALE, reason: "撤回" }),
      stale,
    ),
  ],
  "jinlian.bulletins.v1.BulletinsService/ApproveBulletin": [
    refusal("a malformed id", (f) => f.bulletins.approveBulletin({ bulletinId: "b-1" }), invalid("bulletin_id")),
    refusal(
      "an unknown bulletin",
      (f) => f.bulletins.approveBulletin({ bulletinId: unknown(), approver: { name: "王五", position: "局长" } }),
      notFound,
    ),
    refusal(
      "a stale revision",
      (f) =>
        f.bulletins.approveBulletin({
          bulletinId: f.draft.bulletinId,
          expectedRevision: STALE,
          approver: { name: "王五", position: "局长" },
        }),
      stale,
    ),
    refusal(
      "a published bulletin",
      (f) =>
        f.bulletins.approveBulletin({
          bulletinId: f.published.bulletinId,
          expectedRevision: f.published.revision,
          approver: { name: "王五", position: "局长" },
        }),
      precondition("BULLETIN_NOT_DRAFT"),
    ),
  ],
  "jinlian.bulletins.v1.BulletinsService/DeleteBulletinDraft": [
    refusal("an unknown bulletin", (f) => f.bulletins.deleteBulletinDraft({ bulletinId: unknown(), reason: "作废" }), notFound),
    refusal(
      "a stale revision",
      (f) => f.bulletins.deleteBulletinDraft({ bulletinId: f.draft.bulletinId, expectedRevision: STALE, reason: "作废" }),
      stale,
    ),
    refusal(
      "a published bulletin",
      (f) =>
        f.bulletins.deleteBulletinDraft({ bulletinId: f.published.bulletinId, expectedRevision: f.published.revision, reason: "作废" }),
      precondition("BULLETIN_NOT_DRAFT"),
    ),
  ],
  "jinlian.bulletins.v1.BulletinsService/GetBulletin": [
    refusal("a malformed id", (f) => f.bulletins.getBulletin({ bulletinId: "b-1" }), invalid("bulletin_id")),
    refusal("an unknown id", (f) => f.bulletins.getBulletin({ bulletinId: unknown() }), notFound),
  ],
  "jinlian.bulletins.v1.BulletinsService/ListBulletins": [
    refusal("a bad page token", (f) => f.bulletins.listBulletins({ page: badPage }), invalid("page.page_token")),
  ],
  "jinlian.bulletins.v1.BulletinsService/AcknowledgeBulletin": [
    refusal(
      "no recipient",
      (f) => f.bulletins.acknowledgeBulletin({ bulletinId: f.published.bulletinId, version: 1 }),
      invalid("recipient"),
    ),
    refusal(
      "an unknown bulletin",
      (f) =>
        f.bulletins.acknowledgeBulletin({
          bulletinId: unknown(),
          recipient: { recipient: { $case: "jurisdictionCode", value: "120101" } },
          version: 1,
          readerName: "张三",
        }),
      notFound,
    ),
  ],
  "jinlian.bulletins.v1.BulletinsService/GetBulletinReadStatus": [
    refusal("a malformed id", (f) => f.bulletins.getBulletinReadStatus({ bulletinId: "b-1" }), invalid("bulletin_id")),
    refusal("an unknown id", (f) => f.bulletins.getBulletinReadStatus({ bulletinId: unknown() }), notFound),
    refusal(
      "a bad page token",
      (f) => f.bulletins.getBulletinReadStatus({ bulletinId: f.published.bulletinId, page: badPage }),
      invalid("page.page_token"),
    ),
  ],
  "jinlian.bulletins.v1.BulletinsService/ForwardBulletin": [
    refusal(
      "no organisations or reason",
      (f) => f.bulletins.forwardBulletin({ bulletinId: f.published.bulletinId }),
      invalid("organisation_ids", "reason"),
    ),
    refusal(
      "an unknown bulletin",
      (f) =>
        f.bulletins.forwardBulletin({ bulletinId: unknown(), organisationIds: [f.federation.organisation.organisationId], reason: "转发" }),
      notFound,
    ),
  ],
  "jinlian.bulletins.v1.BulletinsService/ListUnreadBulletins": [
    refusal("no recipient", (f) => f.bulletins.listUnreadBulletins({}), invalid("filter.recipient")),
    refusal(
      "a bad page token",
      (f) =>
        f.bulletins.listUnreadBulletins({
          filter: { recipient: { recipient: { $case: "jurisdictionCode", value: "120000" } } },
          page: badPage,
        }),
      invalid("page.page_token"),
    ),
  ],
  "jinlian.bulletins.v1.BulletinsService/ListKnownOrganisations": [
    refusal("a bad page token", (f) => f.bulletins.listKnownOrganisations({ page: badPage }), invalid("page.page_token")),
  ],
  "jinlian.bulletins.v1.BulletinsService/ListAuditEntries": [
    refusal("a bad page token", (f) => f.bulletins.listAuditEntries({ page: badPage }), invalid("page.page_token")),
    refusal(
      "a period that ends before it starts",
      (f) => f.bulletins.listAuditEntries({ filter: { occurPeriod: backwards } }),
      invalid("filter.occur_period.end_time"),
    ),
  ],
  "jinlian.bulletins.v1.BulletinsService/CompileBriefingDraft": [
    refusal(
      "no period",
      (f) => f.bulletins.compileBriefingDraft({ issuer: MUNICIPAL_JUSTICE_BUREAU }),
      invalid("period.start_time", "period.end_time"),
    ),
    refusal(
      "a period that ends before it starts",
      (f) => f.bulletins.compileBriefingDraft({ period: backwards, issuer: MUNICIPAL_JUSTICE_BUREAU }),
      invalid("period.end_time"),
    ),
    refusal(
      "an issuer the registry does not know",
      (f) =>
        f.bulletins.compileBriefingDraft({
          period: { startTime: new Date("2030-01-01T00:00:00Z"), endTime: new Date("2030-02-01T00:00:00Z") },
          issuer: { creditCode: creditCodeFor("120000", "11"), jurisdictionCode: "120000", name: "未登记的司法局" },
        }),
      invalid("issuer.credit_code"),
    ),
    refusal(
      "a recipient that is no district",
      (f) =>
        f.bulletins.compileBriefingDraft({
          period: { startTime: new Date("2030-01-01T00:00:00Z"), endTime: new Date("2030-02-01T00:00:00Z") },
          issuer: MUNICIPAL_JUSTICE_BUREAU,
          jurisdictionCodes: ["999999"],
        }),
      invalid("jurisdiction_codes[0]"),
    ),
  ],
};

// ==== legislation ==================================================================================
const LEGISLATION: Record<string, Case[]> = {
  "jinlian.legislation.v1.LegislativePlanService/CreatePlan": [
    refusal("no year", (f) => f.legislation.plan.createPlan({}), invalid("year")),
    refusal("a year that has a plan", (f) => f.legislation.plan.createPlan({ year: PLAN_YEAR, reason: "再建" }), exists),
  ],
  "jinlian.legislation.v1.LegislativePlanService/AddPlanItem": [
    refusal("an empty request", (f) => f.legislation.plan.addPlanItem({}), invalid("plan_id", "title", "kind", "drafting_unit")),
    refusal(
      "an unknown plan",
      (f) =>
        f.legislation.plan.addPlanItem({
          planId: unknown(),
          title: "某条例",
          kind: legislationV1.DraftKind.DRAFT_KIND_GOVERNMENT_RULE,
          draftingUnit: "市发改委",
        }),
      notFound,
    ),
    refusal(
      "a stale revision",
      (f) =>
        f.legislation.plan.addPlanItem({
          planId: f.plan.planId,
          expectedRevision: STALE,
          title: "某条例",
          kind: legislationV1.DraftKind.DRAFT_KIND_GOVERNMENT_RULE,
          draftingUnit: "市发改委",
        }),
      stale,
    ),
  ],
  "jinlian.legislation.v1.LegislativePlanService/SubmitProjectSuggestion": [
    refusal(
      "an empty request",
      (f) => f.legislation.plan.submitProjectSuggestion({}),
      invalid("plan_id", "suggested_by_credit_code", "title", "kind", "rationale"),
    ),
    refusal(
      "a stale revision",
      (f) =>
        f.legislation.plan.submitProjectSuggestion({
          planId: f.plan.planId,
          expectedRevision: STALE,
          suggestedByCreditCode: f.federation.organisation.creditCode,
          title: "建议项目",
          kind: legislationV1.DraftKind.DRAFT_KIND_GOVERNMENT_RULE,
          rationale: "理由",
        }),
      stale,
    ),
  ],
  "jinlian.legislation.v1.LegislativePlanService/AnswerProjectSuggestion": [
    refusal(
      "no outcome",
      (f) => f.legislation.plan.answerProjectSuggestion({ planId: f.plan.planId, suggestionId: unknown() }),
      invalid("outcome"),
    ),
    refusal(
      "a suggestion the plan does not have",
      (f) =>
        f.legislation.plan.answerProjectSuggestion({
          planId: f.plan.planId,
          expectedRevision: f.plan.revision,
          suggestionId: unknown(),
          outcome: legislationV1.SuggestionOutcome.SUGGESTION_OUTCOME_NOT_ACCEPTED,
          explanation: "不予采纳",
        }),
      invalid("suggestion_id"),
    ),
    refusal(
      "a stale revision",
      (f) =>
        f.legislation.plan.answerProjectSuggestion({
          planId: f.plan.planId,
          expectedRevision: STALE,
          suggestionId: unknown(),
          outcome: legislationV1.SuggestionOutcome.SUGGESTION_OUTCOME_NOT_ACCEPTED,
          explanation: "不予采纳",
        }),
      stale,
    ),
  ],
  "jinlian.legislation.v1.LegislativePlanService/FixPlan": [
    refusal("no id", (f) => f.legislation.plan.fixPlan({}), invalid("plan_id")),
    refusal("an unknown plan", (f) => f.legislation.plan.fixPlan({ planId: unknown() }), notFound),
    refusal("a stale revision", (f) => f.legislation.plan.fixPlan({ planId: f.plan.planId, expectedRevision: STALE }), stale),
  ],
  "jinlian.legislation.v1.LegislativePlanService/GetPlan": [
    refusal("no id", (f) => f.legislation.plan.getPlan({}), invalid("plan_id")),
    refusal("an unknown id", (f) => f.legislation.plan.getPlan({ planId: unknown() }), notFound),
  ],
  "jinlian.legislation.v1.LegislativePlanService/ListPlans": [
    refusal("a bad page token", (f) => f.legislation.plan.listPlans({ page: badPage }), invalid("page.page_token")),
  ],

  "jinlian.legislation.v1.DraftService/RegisterDraft": [
    refusal("an empty request", (f) => f.legislation.drafts.registerDraft({}), invalid("kind", "title", "drafting_unit", "articles")),
    refusal(
      "an unknown plan item",
      (f) => f.legislation.drafts.registerDraft(registerDraftRequest({ planItemId: unknown() })),
      invalid("plan_item_id"),
    ),
  ],
  "jinlian.legislation.v1.DraftService/AddDraftVersion": [
    refusal(
      "no articles or changelog",
      (f) => f.legislation.drafts.addDraftVersion({ draftId: f.legislativeDraft.draftId }),
      invalid("articles", "changelog"),
    ),
    refusal(
      "an unknown draft",
      (f) => f.legislation.drafts.addDraftVersion({ draftId: unknown(), articles: articles(3, "v2"), changelog: "修改" }),
      notFound,
    ),
    refusal(
      "a stale revision",
      (f) =>
        f.legislation.drafts.addDraftVersion({
          draftId: f.legislativeDraft.draftId,
          expectedRevision: STALE,
          articles: articles(3, "v2"),
          changelog: "修改",
        }),
      stale,
    ),
  ],
  "jinlian.legislation.v1.DraftService/SetDraftFlags": [
    refusal("no id", (f) => f.legislation.drafts.setDraftFlags({}), invalid("draft_id")),
    refusal("an unknown draft", (f) => f.legislation.drafts.setDraftFlags({ draftId: unknown() }), notFound),
    refusal(
      "a stale revision",
      (f) =>
        f.legislation.drafts.setDraftFlags({ draftId: f.legislativeDraft.draftId, expectedRevision: STALE, concernsPrivateEconomy: false }),
      stale,
    ),
  ],
  "jinlian.legislation.v1.DraftService/MoveDraftToReview": [
    refusal("no id", (f) => f.legislation.drafts.moveDraftToReview({}), invalid("draft_id")),
    refusal("an unknown draft", (f) => f.legislation.drafts.moveDraftToReview({ draftId: unknown() }), notFound),
    refusal(
      "a stale revision",
      (f) => f.legislation.drafts.moveDraftToReview({ draftId: f.legislativeDraft.draftId, expectedRevision: STALE }),
      stale,
    ),
    refusal(
      "a draft concerning private economy never consulted",
      (f) => f.legislation.drafts.moveDraftToReview({ draftId: f.legislativeDraft.draftId, expectedRevision: f.legislativeDraft.revision }),
      precondition("CONSULTATION_NOT_HELD"),
    ),
  ],
  "jinlian.legislation.v1.DraftService/GetDraft": [
    refusal("no id", (f) => f.legislation.drafts.getDraft({}), invalid("draft_id")),
    refusal("an unknown id", (f) => f.legislation.drafts.getDraft({ draftId: unknown() }), notFound),
  ],
  "jinlian.legislation.v1.DraftService/ListDrafts": [
    refusal("a bad page token", (f) => f.legislation.drafts.listDrafts({ page: badPage }), invalid("page.page_token")),
  ],
  "jinlian.legislation.v1.DraftService/DiffDraftVersions": [
    refusal(
      "no versions",
      (f) => f.legislation.drafts.diffDraftVersions({ draftId: f.legislativeDraft.draftId }),
      invalid("from_version", "to_version"),
    ),
    refusal(
      "an unknown draft",
      (f) => f.legislation.drafts.diffDraftVersions({ draftId: unknown(), fromVersion: 1, toVersion: 2 }),
      notFound,
    ),
    refusal(
      "a version the draft does not have",
      (f) => f.legislation.drafts.diffDraftVersions({ draftId: f.legislativeDraft.draftId, fromVersion: 1, toVersion: 9 }),
      invalid("to_version"),
    ),
  ],

  "jinlian.legislation.v1.ConsultationService/OpenRound": [
    refusal("no draft or addressees", (f) => f.legislation.consultations.openRound({}), invalid("draft_id", "organisation_credit_codes")),
    refusal(
      "an unknown draft",
      (f) =>
        f.legislation.consultations.openRound({
          draftId: unknown(),
          organisationCreditCodes: [f.federation.organisation.creditCode],
          reason: "征求意见",
        }),
      notFound,
    ),
    refusal(
      "a stale revision",
      (f) =>
        f.legislation.consultations.openRound({
          draftId: f.legislativeDraft.draftId,
          expectedRevision: STALE,
          organisationCreditCodes: [f.federation.organisation.creditCode],
          reason: "征求意见",
        }),
      stale,
    ),
  ],
  "jinlian.legislation.v1.ConsultationService/ExtendRound": [
    refusal(
      "no window or reason",
      (f) => f.legislation.consultations.extendRound({ roundId: unknown() }),
      invalid("window_length", "reason"),
    ),
    refusal(
      "an unknown round",
      (f) => f.legislation.consultations.extendRound({ roundId: unknown(), windowLength: 5, reason: "延长" }),
      notFound,
    ),
  ],
  "jinlian.legislation.v1.ConsultationService/ReopenRound": [
    refusal(
      "no window or reason",
      (f) => f.legislation.consultations.reopenRound({ roundId: unknown() }),
      invalid("window_length", "reason"),
    ),
    refusal(
      "an unknown round",
      (f) => f.legislation.consultations.reopenRound({ roundId: unknown(), windowLength: 5, reason: "重开" }),
      notFound,
    ),
  ],
  "jinlian.legislation.v1.ConsultationService/SubmitOpinion": [
    refusal(
      "no organisation, text or citations",
      (f) => f.legislation.consultations.submitOpinion({ roundId: unknown() }),
      invalid("organisation_credit_code", "text", "citations"),
    ),
    refusal(
      "an unknown round",
      (f) =>
        f.legislation.consultations.submitOpinion({
          roundId: unknown(),
          organisationCreditCode: f.federation.organisation.creditCode,
          citations: [{ article: 1 }],
          text: "意见",
        }),
      notFound,
    ),
  ],
  "jinlian.legislation.v1.ConsultationService/SendDistrictReply": [
    refusal("no round", (f) => f.legislation.consultations.sendDistrictReply({}), invalid("round_id")),
    refusal("an unknown round", (f) => f.legislation.consultations.sendDistrictReply({ roundId: unknown(), noOpinion: true }), notFound),
  ],
  "jinlian.legislation.v1.ConsultationService/GetRound": [
    refusal("no id", (f) => f.legislation.consultations.getRound({}), invalid("round_id")),
    refusal("an unknown id", (f) => f.legislation.consultations.getRound({ roundId: unknown() }), notFound),
  ],
  "jinlian.legislation.v1.ConsultationService/ListRounds": [
    refusal("a bad page token", (f) => f.legislation.consultations.listRounds({ page: badPage }), invalid("page.page_token")),
  ],
  "jinlian.legislation.v1.ConsultationService/ListGroupingProposals": [
    refusal("no round", (f) => f.legislation.consultations.listGroupingProposals({}), invalid("round_id")),
    refusal("an unknown round", (f) => f.legislation.consultations.listGroupingProposals({ roundId: unknown() }), notFound),
  ],
  "jinlian.legislation.v1.ConsultationService/MergePositions": [
    refusal("no round", (f) => f.legislation.consultations.mergePositions({}), invalid("round_id")),
    refusal(
      "an unknown round",
      (f) => f.legislation.consultations.mergePositions({ roundId: unknown(), positionIds: [unknown(), unknown()], reason: "合并" }),
      notFound,
    ),
  ],
  "jinlian.legislation.v1.ConsultationService/SplitPosition": [
    refusal("no round or position", (f) => f.legislation.consultations.splitPosition({}), invalid("round_id", "position_id")),
    refusal(
      "an unknown round",
      (f) =>
        f.legislation.consultations.splitPosition({ roundId: unknown(), positionId: unknown(), opinionIds: [unknown()], reason: "拆分" }),
      notFound,
    ),
  ],
  "jinlian.legislation.v1.ConsultationService/AnswerPosition": [
    refusal(
      "no outcome",
      (f) => f.legislation.consultations.answerPosition({ roundId: unknown(), positionId: unknown() }),
      invalid("outcome"),
    ),
    refusal(
      "an unknown round",
      (f) =>
        f.legislation.consultations.answerPosition({
          roundId: unknown(),
          positionId: unknown(),
          outcome: legislationV1.AdoptionOutcome.ADOPTION_OUTCOME_ADOPTED,
          explanation: "采纳",
        }),
      notFound,
    ),
  ],
  "jinlian.legislation.v1.ConsultationService/PublishFeedback": [
    refusal("no round", (f) => f.legislation.consultations.publishFeedback({}), invalid("round_id")),
    refusal("an unknown round", (f) => f.legislation.consultations.publishFeedback({ roundId: unknown() }), notFound),
  ],

  // Symposia and surveys (art. 6): what needs no fixture; tests/legislation/studies.int.spec.ts refuses the rest.
  "jinlian.legislation.v1.StudyService/PlanStudy": [
    refusal("an empty request", (f) => f.legislation.studies.planStudy({}), invalid("draft_id", "title")),
    refusal(
      "an unknown draft",
      (f) => f.legislation.studies.planStudy({ draftId: unknown(), title: "座谈会", kind: 1, mode: 1, schedule: { startTime: inDays(3) } }),
      notFound,
    ),
  ],
  "jinlian.legislation.v1.StudyService/RecordStudyFinding": [
    refusal("an empty request", (f) => f.legislation.studies.recordStudyFinding({}), invalid("study_id", "text")),
    refusal("an unknown study", (f) => f.legislation.studies.recordStudyFinding({ studyId: unknown(), text: "意见" }), notFound),
  ],
  "jinlian.legislation.v1.StudyService/ConcludeStudy": [
    refusal("an empty request", (f) => f.legislation.studies.concludeStudy({}), invalid("study_id", "summary")),
    refusal("an unknown study", (f) => f.legislation.studies.concludeStudy({ studyId: unknown(), summary: "纪要" }), notFound),
  ],
  "jinlian.legislation.v1.StudyService/CancelStudy": [
    refusal("an empty request", (f) => f.legislation.studies.cancelStudy({}), invalid("study_id", "reason")),
    refusal("an unknown study", (f) => f.legislation.studies.cancelStudy({ studyId: unknown(), reason: "取消" }), notFound),
  ],
  "jinlian.legislation.v1.StudyService/AnswerStudyFinding": [
    refusal("an empty request", (f) => f.legislation.studies.answerStudyFinding({}), invalid("study_id", "finding_id", "outcome")),
    refusal(
      "an unknown study",
      (f) =>
        f.legislation.studies.answerStudyFinding({
          studyId: unknown(),
          findingId: unknown(),
          outcome: legislationV1.AdoptionOutcome.ADOPTION_OUTCOME_ADOPTED,
        }),
      notFound,
    ),
  ],
  "jinlian.legislation.v1.StudyService/PublishStudyFeedback": [
    refusal("no study", (f) => f.legislation.studies.publishStudyFeedback({}), invalid("study_id")),
    refusal("an unknown study", (f) => f.legislation.studies.publishStudyFeedback({ studyId: unknown() }), notFound),
  ],
  "jinlian.legislation.v1.StudyService/GetStudy": [
    refusal("no id", (f) => f.legislation.studies.getStudy({}), invalid("study_id")),
    refusal("an unknown study", (f) => f.legislation.studies.getStudy({ studyId: unknown() }), notFound),
  ],
  "jinlian.legislation.v1.StudyService/ListStudies": [
    refusal("a bad page token", (f) => f.legislation.studies.listStudies({ page: badPage }), invalid("page.page_token")),
  ],

  "jinlian.legislation.v1.AuditTrailService/ListAuditEntries": [
    refusal("a bad page token", (f) => f.legislation.audit.listAuditEntries({ page: badPage }), invalid("page.page_token")),
    refusal(
      "a period that ends before it starts",
      (f) => f.legislation.audit.listAuditEntries({ filter: { occurPeriod: backwards } }),
      invalid("filter.occur_period.end_time"),
    ),
  ],
};

// ==== legal-services ===============================================================================
// Most rows refuse what needs no fixture (bad input, unknown ids, bad page tokens); the
// commission's provider and two referrals (legalServicesFixtures) carry stale and state cases.
const LEGAL_SERVICES: Record<string, Case[]> = {
  "jinlian.legal_services.v1.ProviderService/RegisterProvider": [
    refusal("no kind", (f) => f.legalServices.providers.registerProvider({}), invalid("kind")),
  ],
  "jinlian.legal_services.v1.ProviderService/UpdateProvider": [
    refusal("no id or profile", (f) => f.legalServices.providers.updateProvider({}), invalid("provider_id", "profile")),
    refusal(
      "an unknown provider",
      (f) => f.legalServices.providers.updateProvider({ providerId: unknown(), profile: { capacity: 5, rating: 4 } }),
      notFound,
    ),
    refusal(
      "a stale revision",
      (f) =>
        f.legalServices.providers.updateProvider({
          providerId: f.commissionProvider.providerId,
          expectedRevision: STALE,
          profile: { capacity: 5, rating: 4 },
        }),
      stale,
    ),
  ],
  "jinlian.legal_services.v1.ProviderService/ChangeProviderStatus": [
    refusal(
      "no id, status or reason",
      (f) => f.legalServices.providers.changeProviderStatus({}),
      invalid("provider_id", "status", "reason"),
    ),
    refusal(
      "a stale revision",
      (f) =>
        f.legalServices.providers.changeProviderStatus({
          providerId: f.commissionProvider.providerId,
          expectedRevision: STALE,
          status: legalServicesV1.ProviderStatus.PROVIDER_STATUS_SUSPENDED,
          reason: "暂停",
        }),
      stale,
    ),
    refusal(
      "reactivating an active provider",
      (f) =>
        f.legalServices.providers.changeProviderStatus({
          providerId: f.commissionProvider.providerId,
          expectedRevision: f.commissionProvider.revision,
          status: legalServicesV1.ProviderStatus.PROVIDER_STATUS_ACTIVE,
          reason: "恢复",
        }),
      precondition("STATE"),
    ),
  ],
  "jinlian.legal_services.v1.ProviderService/AppointAdviser": [
    refusal(
      "an empty request",
      (f) => f.legalServices.providers.appointAdviser({}),
      invalid("provider_id", "chamber_credit_code", "start_time", "end_time"),
    ),
    refusal(
      "a stale revision",
      (f) =>
        f.legalServices.providers.appointAdviser({
          providerId: f.commissionProvider.providerId,
          expectedRevision: STALE,
          chamberCreditCode: f.chamber.organisation.creditCode,
          startTime: inDays(1),
          endTime: inDays(366),
        }),
      stale,
    ),
    refusal(
      "a provider that is no lawyer or law firm (the commission)",
      (f) =>
        f.legalServices.providers.appointAdviser({
          providerId: f.commissionProvider.providerId,
          expectedRevision: f.commissionProvider.revision,
          chamberCreditCode: f.chamber.organisation.creditCode,
          startTime: inDays(1),
          endTime: inDays(366),
        }),
      precondition("NOT_AN_ADVISER"),
    ),
  ],
  "jinlian.legal_services.v1.ProviderService/EndAdviserAppointment": [
    refusal(
      "an empty request",
      (f) => f.legalServices.providers.endAdviserAppointment({}),
      invalid("provider_id", "appointment_id", "reason"),
    ),
  ],
  "jinlian.legal_services.v1.ProviderService/GetProvider": [
    refusal("a malformed id", (f) => f.legalServices.providers.getProvider({ providerId: "p-1" }), invalid("provider_id")),
    refusal("an unknown id", (f) => f.legalServices.providers.getProvider({ providerId: unknown() }), notFound),
  ],
  "jinlian.legal_services.v1.ProviderService/ListProviders": [
    refusal("a bad page token", (f) => f.legalServices.providers.listProviders({ page: badPage }), invalid("page.page_token")),
  ],

  "jinlian.legal_services.v1.RequestService/SubmitRequest": [
    refusal(
      "an empty request",
      (f) => f.legalServices.requests.submitRequest({}),
      invalid("requester_credit_code", "type", "district_code", "summary"),
    ),
  ],
  "jinlian.legal_services.v1.RequestService/GetShortlist": [
    refusal("a malformed id", (f) => f.legalServices.requests.getShortlist({ requestId: "r-1" }), invalid("request_id")),
    refusal("an unknown id", (f) => f.legalServices.requests.getShortlist({ requestId: unknown() }), notFound),
  ],
  "jinlian.legal_services.v1.RequestService/AnswerOffer": [
    refusal("an empty request", (f) => f.legalServices.requests.answerOffer({}), invalid("request_id", "provider_id")),
  ],
  "jinlian.legal_services.v1.RequestService/AssignRequest": [
    refusal("an empty request", (f) => f.legalServices.requests.assignRequest({}), invalid("request_id", "provider_id", "reason")),
  ],
  "jinlian.legal_services.v1.RequestService/CompleteRequest": [
    refusal("an empty request", (f) => f.legalServices.requests.completeRequest({}), invalid("request_id", "outcome_note")),
  ],
  "jinlian.legal_services.v1.RequestService/WithdrawRequest": [
    refusal("an empty request", (f) => f.legalServices.requests.withdrawRequest({}), invalid("request_id", "reason")),
  ],
  "jinlian.legal_services.v1.RequestService/ReferRequestToMediation": [
    refusal(
      "an empty request",
      (f) => f.legalServices.requests.referRequestToMediation({}),
      invalid("request_id", "committee_credit_code"),
    ),
  ],
  "jinlian.legal_services.v1.RequestService/GetRequest": [
    refusal("a malformed id", (f) => f.legalServices.requests.getRequest({ requestId: "r-1" }), invalid("request_id")),
    refusal("an unknown id", (f) => f.legalServices.requests.getRequest({ requestId: unknown() }), notFound),
  ],
  "jinlian.legal_services.v1.RequestService/ListRequests": [
    refusal("a bad page token", (f) => f.legalServices.requests.listRequests({ page: badPage }), invalid("page.page_token")),
  ],

  "jinlian.legal_services.v1.PairingService/CreatePairingProgramme": [
    refusal("an empty request", (f) => f.legalServices.pairing.createPairingProgramme({}), invalid("name", "year", "firms", "chambers")),
  ],
  "jinlian.legal_services.v1.PairingService/SolvePairingProgramme": [
    refusal("no id", (f) => f.legalServices.pairing.solvePairingProgramme({}), invalid("programme_id")),
    refusal("an unknown programme", (f) => f.legalServices.pairing.solvePairingProgramme({ programmeId: unknown() }), notFound),
  ],
  "jinlian.legal_services.v1.PairingService/ConfirmPairingProgramme": [
    refusal("no id", (f) => f.legalServices.pairing.confirmPairingProgramme({}), invalid("programme_id")),
    refusal("an unknown programme", (f) => f.legalServices.pairing.confirmPairingProgramme({ programmeId: unknown() }), notFound),
  ],
  "jinlian.legal_services.v1.PairingService/WithdrawPairingFirm": [
    refusal("no firm", (f) => f.legalServices.pairing.withdrawPairingFirm({ programmeId: unknown() }), invalid("firm_credit_code")),
  ],
  "jinlian.legal_services.v1.PairingService/RecordPairAgreement": [
    refusal(
      "no signing time",
      (f) => f.legalServices.pairing.recordPairAgreement({ programmeId: unknown(), pairId: unknown() }),
      invalid("sign_time"),
    ),
  ],
  "jinlian.legal_services.v1.PairingService/RecordPairActivity": [
    refusal(
      "no activity",
      (f) => f.legalServices.pairing.recordPairActivity({ programmeId: unknown(), pairId: unknown() }),
      invalid("activity"),
    ),
  ],
  "jinlian.legal_services.v1.PairingService/RecordPairReview": [
    refusal("no review", (f) => f.legalServices.pairing.recordPairReview({ programmeId: unknown(), pairId: unknown() }), invalid("review")),
  ],
  "jinlian.legal_services.v1.PairingService/GetPairingProgramme": [
    refusal("a malformed id", (f) => f.legalServices.pairing.getPairingProgramme({ programmeId: "p-1" }), invalid("programme_id")),
    refusal("an unknown id", (f) => f.legalServices.pairing.getPairingProgramme({ programmeId: unknown() }), notFound),
  ],
  "jinlian.legal_services.v1.PairingService/ListPairingProgrammes": [
    refusal("a bad page token", (f) => f.legalServices.pairing.listPairingProgrammes({ page: badPage }), invalid("page.page_token")),
  ],
  "jinlian.legal_services.v1.PairingService/ListPairs": [
    refusal("a bad page token", (f) => f.legalServices.pairing.listPairs({ page: badPage }), invalid("page.page_token")),
  ],

  "jinlian.legal_services.v1.HealthCheckService/CreateHealthCheckCampaign": [
    refusal(
      "an empty request",
      (f) => f.legalServices.healthChecks.createHealthCheckCampaign({}),
      invalid("title", "district_code", "organiser_credit_code", "target_credit_codes", "checklist"),
    ),
  ],
  "jinlian.legal_services.v1.HealthCheckService/RecordHealthCheckFinding": [
    refusal("no campaign", (f) => f.legalServices.healthChecks.recordHealthCheckFinding({}), invalid("campaign_id")),
    refusal(
      "an unknown campaign",
      (f) => f.legalServices.healthChecks.recordHealthCheckFinding({ campaignId: unknown(), itemId: unknown() }),
      notFound,
    ),
  ],
  "jinlian.legal_services.v1.HealthCheckService/AddHealthCheckFollowUp": [
    refusal("no campaign", (f) => f.legalServices.healthChecks.addHealthCheckFollowUp({}), invalid("campaign_id")),
    refusal(
      "an unknown campaign",
      (f) => f.legalServices.healthChecks.addHealthCheckFollowUp({ campaignId: unknown(), findingId: unknown() }),
      notFound,
    ),
  ],
  "jinlian.legal_services.v1.HealthCheckService/CompleteHealthCheckFollowUp": [
    refusal("no campaign", (f) => f.legalServices.healthChecks.completeHealthCheckFollowUp({}), invalid("campaign_id")),
    refusal(
      "an unknown campaign",
      (f) => f.legalServices.healthChecks.completeHealthCheckFollowUp({ campaignId: unknown(), followUpId: unknown() }),
      notFound,
    ),
  ],
  "jinlian.legal_services.v1.HealthCheckService/CloseHealthCheckCampaign": [
    refusal("no campaign", (f) => f.legalServices.healthChecks.closeHealthCheckCampaign({}), invalid("campaign_id")),
    refusal("an unknown campaign", (f) => f.legalServices.healthChecks.closeHealthCheckCampaign({ campaignId: unknown() }), notFound),
  ],
  "jinlian.legal_services.v1.HealthCheckService/GetHealthCheckCampaign": [
    refusal("a malformed id", (f) => f.legalServices.healthChecks.getHealthCheckCampaign({ campaignId: "h-1" }), invalid("campaign_id")),
    refusal("an unknown id", (f) => f.legalServices.healthChecks.getHealthCheckCampaign({ campaignId: unknown() }), notFound),
  ],
  "jinlian.legal_services.v1.HealthCheckService/ListHealthCheckCampaigns": [
    refusal(
      "a bad page token",
      (f) => f.legalServices.healthChecks.listHealthCheckCampaigns({ page: badPage }),
      invalid("page.page_token"),
    ),
  ],

  "jinlian.legal_services.v1.TrainingService/PlanTraining": [
    refusal(
      "an empty request",
      (f) => f.legalServices.trainings.planTraining({}),
      invalid("kind", "title", "organiser_credit_codes", "audiences", "start_time", "district_code"),
    ),
  ],
  "jinlian.legal_services.v1.TrainingService/RecordTrainingAttendance": [
    refusal("no training", (f) => f.legalServices.trainings.recordTrainingAttendance({}), invalid("training_id")),
    refusal("an unknown training", (f) => f.legalServices.trainings.recordTrainingAttendance({ trainingId: unknown() }), notFound),
  ],
  "jinlian.legal_services.v1.TrainingService/MarkTrainingHeld": [
    refusal("no training", (f) => f.legalServices.trainings.markTrainingHeld({}), invalid("training_id")),
    refusal("an unknown training", (f) => f.legalServices.trainings.markTrainingHeld({ trainingId: unknown() }), notFound),
  ],
  "jinlian.legal_services.v1.TrainingService/CancelTraining": [
    refusal("an empty request", (f) => f.legalServices.trainings.cancelTraining({}), invalid("training_id", "reason")),
  ],
  "jinlian.legal_services.v1.TrainingService/GetTraining": [
    refusal("a malformed id", (f) => f.legalServices.trainings.getTraining({ trainingId: "t-1" }), invalid("training_id")),
    refusal("an unknown id", (f) => f.legalServices.trainings.getTraining({ trainingId: unknown() }), notFound),
  ],
  "jinlian.legal_services.v1.TrainingService/ListTrainings": [
    refusal("a bad page token", (f) => f.legalServices.trainings.listTrainings({ page: badPage }), invalid("page.page_token")),
  ],

  "jinlian.legal_services.v1.ArbitrationReferralService/SubmitArbitrationReferral": [
    refusal(
      "an empty request",
      (f) => f.legalServices.referrals.submitArbitrationReferral({}),
      invalid("referral_id", "dispute_id", "commission_credit_code", "parties", "summary"),
    ),
    refusal(
      "an arbitration agreement given without its form or content",
      (f) =>
        f.legalServices.referrals.submitArbitrationReferral(
          arbitrationReferral(f, { arbitrationAgreement: { form: 0, content: " ", concludeTime: undefined } }),
        ),
      invalid("arbitration_agreement.form", "arbitration_agreement.content"),
    ),
    refusal(
      "a commission that is no registered commission provider (a chamber)",
      (f) =>
        f.legalServices.referrals.submitArbitrationReferral(
          arbitrationReferral(f, { commissionCreditCode: f.chamber.organisation.creditCode }),
        ),
      invalid("commission_credit_code"),
    ),
    refusal(
      "a referral id received already with other content",
      (f) =>
        f.legalServices.referrals.submitArbitrationReferral(
          arbitrationReferral(f, { referralId: f.referral.referralId, summary: "另一案件的摘要" }),
        ),
      exists,
    ),
  ],
  "jinlian.legal_services.v1.ArbitrationReferralService/AnswerArbitrationReferral": [
    refusal("a malformed id", (f) => f.legalServices.referrals.answerArbitrationReferral({ referralId: "r-1" }), invalid("referral_id")),
    refusal("an unknown referral", (f) => f.legalServices.referrals.answerArbitrationReferral({ referralId: unknown() }), notFound),
    refusal(
      "a decline without its reason",
      (f) =>
        f.legalServices.referrals.answerArbitrationReferral({
          referralId: f.referral.referralId,
          expectedRevision: f.referral.revision,
          accept: false,
          answerNote: "",
        }),
      invalid("answer_note"),
    ),
    refusal(
      "a stale revision",
      (f) =>
        f.legalServices.referrals.answerArbitrationReferral({ referralId: f.referral.referralId, expectedRevision: STALE, accept: true }),
      stale,
    ),
    refusal(
      "a referral answered already",
      (f) =>
        f.legalServices.referrals.answerArbitrationReferral({
          referralId: f.acceptedReferral.referralId,
          expectedRevision: f.acceptedReferral.revision,
          accept: false,
          answerNote: "改为不受理",
        }),
      precondition("STATE"),
    ),
  ],
  "jinlian.legal_services.v1.ArbitrationReferralService/GetArbitrationReferral": [
    refusal("a malformed id", (f) => f.legalServices.referrals.getArbitrationReferral({ referralId: "r-1" }), invalid("referral_id")),
    refusal("an unknown id", (f) => f.legalServices.referrals.getArbitrationReferral({ referralId: unknown() }), notFound),
  ],
  "jinlian.legal_services.v1.ArbitrationReferralService/ListArbitrationReferrals": [
    refusal("a bad page token", (f) => f.legalServices.referrals.listArbitrationReferrals({ page: badPage }), invalid("page.page_token")),
  ],

  "jinlian.legal_services.v1.StatisticsService/GetStatistics": [
    refusal("no period", (f) => f.legalServices.statistics.getStatistics({}), invalid("period.start_time", "period.end_time")),
  ],
  "jinlian.legal_services.v1.StatisticsService/ReportStatistics": [
    refusal("no period", (f) => f.legalServices.statistics.reportStatistics({}), invalid("period.start_time", "period.end_time")),
  ],
  "jinlian.legal_services.v1.StatisticsService/GetStatisticsRollUp": [
    refusal("no period", (f) => f.legalServices.statistics.getStatisticsRollUp({}), invalid("period.start_time", "period.end_time")),
  ],

  "jinlian.legal_services.v1.AuditTrailService/ListAuditEntries": [
    refusal("a bad page token", (f) => f.legalServices.audit.listAuditEntries({ page: badPage }), invalid("page.page_token")),
  ],
};

// ==== mediation ====================================================================================
// The node is the city; its committee, cases, mediators, batches, the 失信被执行人 list and the
// recommendations are set up in every state a refusal needs (mediationFixtures).
const MEDIATION: Record<string, Case[]> = {
  "jinlian.mediation.v1.CommitteeService/RegisterCommittee": [
    refusal(
      "an empty request",
      (f) => f.mediation.committees.registerCommittee({}),
      invalid("committee_credit_code", "justice_bureau_credit_code", "members"),
    ),
    refusal(
      "a committee registered already",
      (f) =>
        f.mediation.committees.registerCommittee({
          committeeCreditCode: f.med.committee.committee!.creditCode,
          justiceBureauCreditCode: f.bureau.organisation.creditCode,
          members: board,
        }),
      exists,
    ),
  ],
  "jinlian.mediation.v1.CommitteeService/ReelectCommittee": [
    refusal("a malformed id", (f) => f.mediation.committees.reelectCommittee({ committeeId: "c-1" }), invalid("committee_id")),
    refusal("an unknown committee", (f) => f.mediation.committees.reelectCommittee({ committeeId: unknown() }), notFound),
    refusal(
      "a board of two",
      (f) =>
        f.mediation.committees.reelectCommittee({
          committeeId: f.med.committee.committeeId,
          expectedRevision: f.med.committee.revision,
          members: board.slice(0, 2),
          reason: "换届",
        }),
      invalid("members"),
    ),
    refusal(
      "a stale revision",
      (f) =>
        f.mediation.committees.reelectCommittee({
          committeeId: f.med.committee.committeeId,
          expectedRevision: STALE,
          members: board,
          reason: "换届",
        }),
      stale,
    ),
  ],
  "jinlian.mediation.v1.CommitteeService/GetCommittee": [
    refusal("a malformed id", (f) => f.mediation.committees.getCommittee({ committeeId: "c-1" }), invalid("committee_id")),
    refusal("an unknown id", (f) => f.mediation.committees.getCommittee({ committeeId: unknown() }), notFound),
  ],
  "jinlian.mediation.v1.CommitteeService/ListCommittees": [
    refusal("a bad page token", (f) => f.mediation.committees.listCommittees({ page: badPage }), invalid("page.page_token")),
  ],
  "jinlian.mediation.v1.CommitteeService/RegisterMediator": [
    refusal("a malformed committee id", (f) => f.mediation.committees.registerMediator({ committeeId: "c-1" }), invalid("committee_id")),
    refusal("an unknown committee", (f) => f.mediation.committees.registerMediator({ committeeId: unknown() }), notFound),
    refusal(
      "no name, gender or pool",
      (f) => f.mediation.committees.registerMediator({ committeeId: f.med.committee.committeeId }),
      invalid("name", "gender", "pool"),
    ),
  ],
  "jinlian.mediation.v1.CommitteeService/RecordMediatorTraining": [
    refusal("a malformed id", (f) => f.mediation.committees.recordMediatorTraining({ mediatorId: "m-1" }), invalid("mediator_id")),
    refusal("an unknown mediator", (f) => f.mediation.committees.recordMediatorTraining({ mediatorId: unknown() }), notFound),
    refusal(
      "no title, hours or time",
      (f) => f.mediation.committees.recordMediatorTraining({ mediatorId: f.med.mediator.mediatorId }),
      invalid("title", "hours", "complete_time"),
    ),
    refusal(
      "a stale revision",
      (f) =>
        f.mediation.committees.recordMediatorTraining({
          mediatorId: f.med.mediator.mediatorId,
          expectedRevision: STALE,
          title: "人民调解业务培训",
          hours: 8,
          completeTime: new Date(Date.now() - 24 * 3600_000),
        }),
      stale,
    ),
    refusal(
      "a retired mediator",
      (f) =>
        f.mediation.committees.recordMediatorTraining({
          mediatorId: f.med.retiredMediator.mediatorId,
          expectedRevision: f.med.retiredMediator.revision,
          title: "人民调解业务培训",
          hours: 8,
          completeTime: new Date(Date.now() - 24 * 3600_000),
        }),
      precondition("MEDIATOR_RETIRED"),
    ),
  ],
  "jinlian.mediation.v1.CommitteeService/ChangeMediatorStatus": [
    refusal("a malformed id", (f) => f.mediation.committees.changeMediatorStatus({ mediatorId: "m-1" }), invalid("mediator_id")),
    refusal("an unknown mediator", (f) => f.mediation.committees.changeMediatorStatus({ mediatorId: unknown() }), notFound),
    refusal(
      "no status or reason",
      (f) => f.mediation.committees.changeMediatorStatus({ mediatorId: f.med.mediator.mediatorId }),
      invalid("status", "reason"),
    ),
    refusal(
      "a stale revision",
      (f) =>
        f.mediation.committees.changeMediatorStatus({
          mediatorId: f.med.mediator.mediatorId,
          expectedRevision: STALE,
          status: M.MediatorStatus.MEDIATOR_STATUS_SUSPENDED,
          reason: "停职",
        }),
      stale,
    ),
    refusal(
      "the status it has",
      (f) =>
        f.mediation.committees.changeMediatorStatus({
          mediatorId: f.med.mediator.mediatorId,
          expectedRevision: f.med.mediator.revision,
          status: M.MediatorStatus.MEDIATOR_STATUS_ACTIVE,
          reason: "复职",
        }),
      precondition("STATE"),
    ),
    refusal(
      "a retired mediator (final)",
      (f) =>
        f.mediation.committees.changeMediatorStatus({
          mediatorId: f.med.retiredMediator.mediatorId,
          expectedRevision: f.med.retiredMediator.revision,
          status: M.MediatorStatus.MEDIATOR_STATUS_ACTIVE,
          reason: "复职",
        }),
      precondition("MEDIATOR_RETIRED"),
    ),
  ],
  "jinlian.mediation.v1.CommitteeService/GetMediator": [
    refusal("a malformed id", (f) => f.mediation.committees.getMediator({ mediatorId: "m-1" }), invalid("mediator_id")),
    refusal("an unknown id", (f) => f.mediation.committees.getMediator({ mediatorId: unknown() }), notFound),
  ],
  "jinlian.mediation.v1.CommitteeService/ListMediators": [
    refusal("a bad page token", (f) => f.mediation.committees.listMediators({ page: badPage }), invalid("page.page_token")),
  ],

  "jinlian.mediation.v1.CaseService/OpenCase": [
    refusal("a malformed committee id", (f) => f.mediation.cases.openCase({ committeeId: "c-1" }), invalid("committee_id")),
    refusal("an unknown committee", (f) => f.mediation.cases.openCase({ committeeId: unknown() }), notFound),
    refusal(
      "one party and no summary",
      (f) =>
        f.mediation.cases.openCase({
          committeeId: f.med.committee.committeeId,
          kind: M.CaseKind.CASE_KIND_PEOPLES,
          parties: [{ role: M.PartyRole.PARTY_ROLE_APPLICANT, organisationCreditCode: f.med.enterprise.creditCode, consented: true }],
        }),
      invalid("parties", "summary"),
    ),
  ],
  "jinlian.mediation.v1.CaseService/GetCase": [
    refusal("a malformed id", (f) => f.mediation.cases.getCase({ caseId: "c-1" }), invalid("case_id")),
    refusal("an unknown id", (f) => f.mediation.cases.getCase({ caseId: unknown() }), notFound),
  ],
  "jinlian.mediation.v1.CaseService/ListCases": [
    refusal("a bad page token", (f) => f.mediation.cases.listCases({ page: badPage }), invalid("page.page_token")),
  ],
  "jinlian.mediation.v1.CaseService/DesignateMediator": [
    refusal(
      "a malformed mediator id",
      (f) => f.mediation.cases.designateMediator({ caseId: unknown(), mediatorId: "m-1" }),
      invalid("mediator_id"),
    ),
    refusal("an unknown case", (f) => f.mediation.cases.designateMediator({ caseId: unknown(), mediatorId: unknown() }), notFound),
    refusal(
      "a stale revision",
      (f) =>
        f.mediation.cases.designateMediator({
          caseId: f.med.running.caseId,
          expectedRevision: STALE,
          mediatorId: f.med.mediator.mediatorId,
          designatedBy: M.DesignatedBy.DESIGNATED_BY_COMMITTEE,
        }),
      stale,
    ),
    refusal(
      "a case awaiting consent",
      (f) =>
        f.mediation.cases.designateMediator({
          caseId: f.med.pending.caseId,
          expectedRevision: f.med.pending.revision,
          mediatorId: f.med.mediator.mediatorId,
          designatedBy: M.DesignatedBy.DESIGNATED_BY_COMMITTEE,
        }),
      precondition("CASE_STATE"),
    ),
    refusal(
      "no designation",
      (f) =>
        f.mediation.cases.designateMediator({
          caseId: f.med.running.caseId,
          expectedRevision: f.med.running.revision,
          mediatorId: f.med.mediator.mediatorId,
        }),
      invalid("designated_by"),
    ),
  ],
  "jinlian.mediation.v1.CaseService/RecordConsent": [
    refusal("no case", (f) => f.mediation.cases.recordConsent({}), invalid("case_id")),
    refusal("an unknown case", (f) => f.mediation.cases.recordConsent({ caseId: unknown(), partyId: unknown() }), notFound),
    refusal(
      "a stale revision",
      (f) =>
        f.mediation.cases.recordConsent({
          caseId: f.med.running.caseId,
          expectedRevision: STALE,
          partyId: f.med.running.parties[0]!.partyId,
          consent: true,
        }),
      stale,
    ),
    refusal(
      "a case in mediation (every consent recorded)",
      (f) =>
        f.mediation.cases.recordConsent({
          caseId: f.med.running.caseId,
          expectedRevision: f.med.running.revision,
          partyId: f.med.running.parties[0]!.partyId,
          consent: true,
        }),
      precondition("CASE_STATE"),
    ),
  ],
  "jinlian.mediation.v1.CaseService/ObjectToMediator": [
    refusal("no case", (f) => f.mediation.cases.objectToMediator({}), invalid("case_id")),
    refusal(
      "an unknown case",
      (f) => f.mediation.cases.objectToMediator({ caseId: unknown(), mediatorId: unknown(), partyId: unknown() }),
      notFound,
    ),
    refusal(
      "a stale revision",
      (f) =>
        f.mediation.cases.objectToMediator({
          caseId: f.med.running.caseId,
          expectedRevision: STALE,
          mediatorId: f.med.mediator.mediatorId,
          partyId: f.med.running.parties[0]!.partyId,
          objection: "有利害关系",
        }),
      stale,
    ),
    refusal(
      "a case awaiting consent",
      (f) =>
        f.mediation.cases.objectToMediator({
          caseId: f.med.pending.caseId,
          expectedRevision: f.med.pending.revision,
          mediatorId: f.med.mediator.mediatorId,
          partyId: f.med.pending.parties[0]!.partyId,
          objection: "有利害关系",
        }),
      precondition("CASE_STATE"),
    ),
    refusal(
      "a mediator not on the case",
      (f) =>
        f.mediation.cases.objectToMediator({
          caseId: f.med.running.caseId,
          expectedRevision: f.med.running.revision,
          mediatorId: f.med.mediator.mediatorId,
          partyId: f.med.running.parties[0]!.partyId,
          objection: "有利害关系",
        }),
      invalid("mediator_id"),
    ),
  ],
  "jinlian.mediation.v1.CaseService/RecordSession": [
    refusal("no case", (f) => f.mediation.cases.recordSession({}), invalid("case_id")),
    refusal("an unknown case", (f) => f.mediation.cases.recordSession({ caseId: unknown() }), notFound),
    refusal(
      "a stale revision",
      (f) => f.mediation.cases.recordSession({ caseId: f.med.running.caseId, expectedRevision: STALE, record: "第一次调解" }),
      stale,
    ),
    refusal(
      "a case without a mediator",
      (f) =>
        f.mediation.cases.recordSession({ caseId: f.med.running.caseId, expectedRevision: f.med.running.revision, record: "第一次调解" }),
      precondition("NO_MEDIATOR"),
    ),
    refusal(
      "no record",
      (f) => f.mediation.cases.recordSession({ caseId: f.med.running.caseId, expectedRevision: f.med.running.revision, record: "" }),
      invalid("record"),
    ),
  ],
  "jinlian.mediation.v1.CaseService/PauseTimeLimit": [
    refusal("no case", (f) => f.mediation.cases.pauseTimeLimit({}), invalid("case_id")),
    refusal("an unknown case", (f) => f.mediation.cases.pauseTimeLimit({ caseId: unknown() }), notFound),
    refusal(
      "a stale revision",
      (f) => f.mediation.cases.pauseTimeLimit({ caseId: f.med.running.caseId, expectedRevision: STALE, reason: "等待鉴定" }),
      stale,
    ),
    refusal(
      "a case awaiting consent (no clock runs)",
      (f) =>
        f.mediation.cases.pauseTimeLimit({ caseId: f.med.pending.caseId, expectedRevision: f.med.pending.revision, reason: "等待鉴定" }),
      precondition("CASE_STATE"),
    ),
    refusal(
      "no reason",
      (f) => f.mediation.cases.pauseTimeLimit({ caseId: f.med.running.caseId, expectedRevision: f.med.running.revision, reason: "" }),
      invalid("reason"),
    ),
  ],
  "jinlian.mediation.v1.CaseService/ResumeTimeLimit": [
    refusal("no case", (f) => f.mediation.cases.resumeTimeLimit({}), invalid("case_id")),
    refusal("an unknown case", (f) => f.mediation.cases.resumeTimeLimit({ caseId: unknown() }), notFound),
    refusal(
      "a stale revision",
      (f) => f.mediation.cases.resumeTimeLimit({ caseId: f.med.running.caseId, expectedRevision: STALE, reason: "" }),
      stale,
    ),
    refusal(
      "a case not paused",
      (f) => f.mediation.cases.resumeTimeLimit({ caseId: f.med.running.caseId, expectedRevision: f.med.running.revision, reason: "" }),
      precondition("CASE_STATE"),
    ),
  ],
  "jinlian.mediation.v1.CaseService/EndMediationByParty": [
    refusal("no case", (f) => f.mediation.cases.endMediationByParty({}), invalid("case_id")),
    refusal("an unknown case", (f) => f.mediation.cases.endMediationByParty({ caseId: unknown(), partyId: unknown() }), notFound),
    refusal(
      "a stale revision",
      (f) =>
        f.mediation.cases.endMediationByParty({
          caseId: f.med.running.caseId,
          expectedRevision: STALE,
          partyId: f.med.running.parties[0]!.partyId,
          reason: "不愿继续",
        }),
      stale,
    ),
    refusal(
      "a case awaiting consent",
      (f) =>
        f.mediation.cases.endMediationByParty({
          caseId: f.med.pending.caseId,
          expectedRevision: f.med.pending.revision,
          partyId: f.med.pending.parties[0]!.partyId,
          reason: "不愿继续",
        }),
      precondition("CASE_STATE"),
    ),
    refusal(
      "a party of another case",
      (f) =>
        f.mediation.cases.endMediationByParty({
          caseId: f.med.running.caseId,
          expectedRevision: f.med.running.revision,
          partyId: f.med.pending.parties[0]!.partyId,
          reason: "不愿继续",
        }),
      invalid("party_id"),
    ),
  ],
  "jinlian.mediation.v1.CaseService/RecordAgreement": [
    refusal("no case", (f) => f.mediation.cases.recordAgreement({}), invalid("case_id")),
    refusal("an unknown case", (f) => f.mediation.cases.recordAgreement({ caseId: unknown() }), notFound),
    refusal(
      "a stale revision",
      (f) => f.mediation.cases.recordAgreement({ caseId: f.med.running.caseId, expectedRevision: STALE, agreement: writtenAgreement() }),
      stale,
    ),
    refusal(
      "a case without a mediator",
      (f) =>
        f.mediation.cases.recordAgreement({
          caseId: f.med.running.caseId,
          expectedRevision: f.med.running.revision,
          agreement: writtenAgreement(),
        }),
      precondition("NO_MEDIATOR"),
    ),
    refusal(
      "a written agreement without the terms (art. 29(3))",
      (f) =>
        f.mediation.cases.recordAgreement({
          caseId: f.med.running.caseId,
          expectedRevision: f.med.running.revision,
          agreement: writtenAgreement({ terms: "", performanceManner: "", performanceDeadlineTime: undefined }),
        }),
      invalid("agreement.terms"),
    ),
  ],
  "jinlian.mediation.v1.CaseService/SignAgreement": [
    refusal("no case", (f) => f.mediation.cases.signAgreement({}), invalid("case_id")),
    refusal(
      "an unknown case",
      (f) => f.mediation.cases.signAgreement({ caseId: unknown(), partyId: unknown(), mediatorId: unknown() }),
      notFound,
    ),
    refusal(
      "a stale revision",
      (f) =>
        f.mediation.cases.signAgreement({
          caseId: f.med.running.caseId,
          expectedRevision: STALE,
          kind: M.SignatureKind.SIGNATURE_KIND_PARTY_SIGNATURE,
          partyId: f.med.running.parties[0]!.partyId,
        }),
      stale,
    ),
    refusal(
      "a case with no agreement to sign",
      (f) =>
        f.mediation.cases.signAgreement({
          caseId: f.med.running.caseId,
          expectedRevision: f.med.running.revision,
          kind: M.SignatureKind.SIGNATURE_KIND_PARTY_SIGNATURE,
          partyId: f.med.running.parties[0]!.partyId,
        }),
      precondition("CASE_STATE"),
    ),
  ],
  "jinlian.mediation.v1.CaseService/RecordJudicialConfirmation": [
    refusal("no case", (f) => f.mediation.cases.recordJudicialConfirmation({}), invalid("case_id")),
    refusal("an unknown case", (f) => f.mediation.cases.recordJudicialConfirmation({ caseId: unknown() }), notFound),
    refusal(
      "a stale revision",
      (f) =>
        f.mediation.cases.recordJudicialConfirmation({
          caseId: f.med.running.caseId,
          expectedRevision: STALE,
          court: "天津市和平区人民法院",
        }),
      stale,
    ),
    refusal(
      "a case without an agreement in effect",
      (f) =>
        f.mediation.cases.recordJudicialConfirmation({
          caseId: f.med.running.caseId,
          expectedRevision: f.med.running.revision,
          court: "天津市和平区人民法院",
        }),
      precondition("CASE_STATE"),
    ),
    refusal(
      "no court",
      (f) =>
        f.mediation.cases.recordJudicialConfirmation({ caseId: f.med.running.caseId, expectedRevision: f.med.running.revision, court: "" }),
      invalid("court"),
    ),
  ],
  "jinlian.mediation.v1.CaseService/RecordPerformance": [
    refusal("no case", (f) => f.mediation.cases.recordPerformance({}), invalid("case_id")),
    refusal("an unknown case", (f) => f.mediation.cases.recordPerformance({ caseId: unknown() }), notFound),
    refusal(
      "a stale revision",
      (f) =>
        f.mediation.cases.recordPerformance({
          caseId: f.med.running.caseId,
          expectedRevision: STALE,
          status: M.PerformanceStatus.PERFORMANCE_STATUS_PERFORMED,
        }),
      stale,
    ),
    refusal(
      "a case without an agreement in effect",
      (f) =>
        f.mediation.cases.recordPerformance({
          caseId: f.med.running.caseId,
          expectedRevision: f.med.running.revision,
          status: M.PerformanceStatus.PERFORMANCE_STATUS_PERFORMED,
        }),
      precondition("CASE_STATE"),
    ),
    refusal(
      "no status",
      (f) =>
        f.mediation.cases.recordPerformance({ caseId: f.med.running.caseId, expectedRevision: f.med.running.revision, note: "已履行" }),
      invalid("status"),
    ),
  ],
  "jinlian.mediation.v1.CaseService/FailMediation": [
    refusal("no case", (f) => f.mediation.cases.failMediation({}), invalid("case_id")),
    refusal("an unknown case", (f) => f.mediation.cases.failMediation({ caseId: unknown() }), notFound),
    refusal(
      "a stale revision",
      (f) => f.mediation.cases.failMediation({ caseId: f.med.running.caseId, expectedRevision: STALE, routes: [M.Route.ROUTE_JUDICIAL] }),
      stale,
    ),
    refusal(
      "a case awaiting consent",
      (f) =>
        f.mediation.cases.failMediation({
          caseId: f.med.pending.caseId,
          expectedRevision: f.med.pending.revision,
          routes: [M.Route.ROUTE_JUDICIAL],
        }),
      precondition("CASE_STATE"),
    ),
    refusal(
      "no route",
      (f) => f.mediation.cases.failMediation({ caseId: f.med.running.caseId, expectedRevision: f.med.running.revision, routes: [] }),
      invalid("routes"),
    ),
  ],
  "jinlian.mediation.v1.CaseService/ReferToArbitration": [
    refusal("no case", (f) => f.mediation.cases.referToArbitration({}), invalid("case_id")),
    refusal("an unknown case", (f) => f.mediation.cases.referToArbitration({ caseId: unknown() }), notFound),
    refusal(
      "a stale revision",
      (f) =>
        f.mediation.cases.referToArbitration({
          caseId: f.med.running.caseId,
          expectedRevision: STALE,
          commissionCreditCode: f.med.commission.creditCode,
          agreement: arbitrationAgreement,
          summary: "调解不成",
        }),
      stale,
    ),
    refusal(
      "a case not failed",
      (f) =>
        f.mediation.cases.referToArbitration({
          caseId: f.med.running.caseId,
          expectedRevision: f.med.running.revision,
          commissionCreditCode: f.med.commission.creditCode,
          agreement: arbitrationAgreement,
          summary: "调解不成",
        }),
      precondition("CASE_STATE"),
    ),
    refusal(
      "no arbitration agreement",
      (f) =>
        f.mediation.cases.referToArbitration({
          caseId: f.med.running.caseId,
          expectedRevision: f.med.running.revision,
          commissionCreditCode: f.med.commission.creditCode,
          summary: "调解不成",
        }),
      invalid("agreement"),
    ),
  ],

  "jinlian.mediation.v1.StatisticsService/GetStatistics": [
    refusal("no period", (f) => f.mediation.statistics.getStatistics({}), invalid("period.start_time", "period.end_time")),
  ],
  "jinlian.mediation.v1.StatisticsService/ReportStatistics": [
    refusal("no period", (f) => f.mediation.statistics.reportStatistics({}), invalid("period.start_time", "period.end_time")),
  ],
  "jinlian.mediation.v1.StatisticsService/GetStatisticsRollUp": [
    refusal("no period", (f) => f.mediation.statistics.getStatisticsRollUp({}), invalid("period.start_time", "period.end_time")),
  ],

  "jinlian.mediation.v1.AuditTrailService/ListAuditEntries": [
    refusal("a bad page token", (f) => f.mediation.audit.listAuditEntries({ page: badPage }), invalid("page.page_token")),
  ],

  "jinlian.mediation.v1.NominationService/CreateNominationBatch": [
    refusal(
      "an empty request",
      (f) => f.mediation.nominations.createNominationBatch({}),
      invalid("kind", "federation_credit_code", "selecting_body", "quota", "reference_time"),
    ),
    refusal(
      "a recommender that is not a federation (the justice bureau)",
      (f) =>
        f.mediation.nominations.createNominationBatch({
          kind: M.NominationKind.NOMINATION_KIND_PEOPLES_ASSESSOR,
          federationCreditCode: f.bureau.organisation.creditCode,
          selectingBody: "天津市和平区人民法院",
          quota: 10,
          referenceTime: NOMINATION_REFERENCE,
        }),
      invalid("federation_credit_code"),
    ),
    refusal(
      "a second batch for the same body, kind and reference date",
      (f) =>
        f.mediation.nominations.createNominationBatch({
          kind: f.med.emptyBatch.kind,
          federationCreditCode: f.federation.organisation.creditCode,
          selectingBody: f.med.emptyBatch.selectingBody,
          quota: 20,
          referenceTime: f.med.emptyBatch.referenceTime,
        }),
      exists,
    ),
  ],
  "jinlian.mediation.v1.NominationService/CheckNomineeEligibility": [
    refusal(
      "no nominee's details",
      (f) => f.mediation.nominations.checkNomineeEligibility({ batchId: f.med.emptyBatch.batchId, nominee: {} }),
      invalid("nominee.name", "nominee.gender", "nominee.identity_number", "nominee.education", "nominee.occupations"),
    ),
    refusal(
      "a malformed batch id",
      (f) => f.mediation.nominations.checkNomineeEligibility({ batchId: "b-1", nominee: nominee(f, "301") }),
      invalid("batch_id"),
    ),
    refusal(
      "an unknown batch",
      (f) => f.mediation.nominations.checkNomineeEligibility({ batchId: unknown(), nominee: nominee(f, "301") }),
      notFound,
    ),
    refusal(
      "an employer deactivated in the registry",
      (f) =>
        f.mediation.nominations.checkNomineeEligibility({
          batchId: f.med.emptyBatch.batchId,
          nominee: nominee(f, "301", { employerCreditCode: f.retired.organisation.creditCode }),
        }),
      precondition("ORGANISATION_DEACTIVATED"),
    ),
  ],
  "jinlian.mediation.v1.NominationService/AddNominee": [
    refusal(
      "an identity number too short",
      (f) =>
        f.mediation.nominations.addNominee({
          batchId: f.med.emptyBatch.batchId,
          expectedRevision: f.med.emptyBatch.revision,
          nominee: nominee(f, "302", { identityNumber: "12010119800315" }),
        }),
      invalid("nominee.identity_number"),
    ),
    refusal("an unknown batch", (f) => f.mediation.nominations.addNominee({ batchId: unknown(), nominee: nominee(f, "302") }), notFound),
    refusal(
      "a stale revision",
      (f) => f.mediation.nominations.addNominee({ batchId: f.med.emptyBatch.batchId, expectedRevision: STALE, nominee: nominee(f, "302") }),
      stale,
    ),
    refusal(
      "a person with a bar (support for the Constitution not declared)",
      (f) =>
        f.mediation.nominations.addNominee({
          batchId: f.med.emptyBatch.batchId,
          expectedRevision: f.med.emptyBatch.revision,
          nominee: nominee(f, "302", { declarations: { ...eligible, supportsConstitution: false } }),
        }),
      precondition("NOMINEE_INELIGIBLE"),
    ),
    refusal(
      "a nominee beyond the federation's one-fifth cap",
      (f) =>
        f.mediation.nominations.addNominee({
          batchId: f.med.fullBatch.batchId,
          expectedRevision: f.med.fullBatch.revision,
          nominee: nominee(f, "302"),
        }),
      precondition("FEDERATION_CAP_REACHED"),
    ),
    refusal(
      "a person nominated in the batch already",
      (f) =>
        f.mediation.nominations.addNominee({
          batchId: f.med.fullBatch.batchId,
          expectedRevision: f.med.fullBatch.revision,
          nominee: nominee(f, "101"),
        }),
      exists,
    ),
    refusal(
      "a submitted batch",
      (f) =>
        f.mediation.nominations.addNominee({
          batchId: f.med.submittedBatch.batchId,
          expectedRevision: f.med.submittedBatch.revision,
          nominee: nominee(f, "302"),
        }),
      precondition("BATCH_STATE"),
    ),
  ],
  "jinlian.mediation.v1.NominationService/SubmitNominationBatch": [
    refusal("a malformed id", (f) => f.mediation.nominations.submitNominationBatch({ batchId: "b-1" }), invalid("batch_id")),
    refusal("an unknown batch", (f) => f.mediation.nominations.submitNominationBatch({ batchId: unknown() }), notFound),
    refusal(
      "a stale revision",
      (f) => f.mediation.nominations.submitNominationBatch({ batchId: f.med.fullBatch.batchId, expectedRevision: STALE }),
      stale,
    ),
    refusal(
      "a batch without nominees",
      (f) =>
        f.mediation.nominations.submitNominationBatch({ batchId: f.med.emptyBatch.batchId, expectedRevision: f.med.emptyBatch.revision }),
      precondition("BATCH_EMPTY"),
    ),
    refusal(
      "a batch submitted already",
      (f) =>
        f.mediation.nominations.submitNominationBatch({
          batchId: f.med.submittedBatch.batchId,
          expectedRevision: f.med.submittedBatch.revision,
        }),
      precondition("BATCH_STATE"),
    ),
  ],
  "jinlian.mediation.v1.NominationService/RecordSelectionOutcome": [
    refusal(
      "a rejection without the body's reason",
      (f) =>
        f.mediation.nominations.recordSelectionOutcome({
          batchId: f.med.submittedBatch.batchId,
          expectedRevision: f.med.submittedBatch.revision,
          nomineeId: f.med.submittedBatch.nominees[1]!.nomineeId,
          selected: false,
          outcomeNote: "",
        }),
      invalid("outcome_note"),
    ),
    refusal(
      "a nominee of another batch",
      (f) =>
        f.mediation.nominations.recordSelectionOutcome({
          batchId: f.med.submittedBatch.batchId,
          expectedRevision: f.med.submittedBatch.revision,
          nomineeId: f.med.fullBatch.nominees[0]!.nomineeId,
          selected: true,
        }),
      invalid("nominee_id"),
    ),
    refusal(
      "an unknown batch",
      (f) => f.mediation.nominations.recordSelectionOutcome({ batchId: unknown(), nomineeId: unknown(), selected: true }),
      notFound,
    ),
    refusal(
      "a stale revision",
      (f) =>
        f.mediation.nominations.recordSelectionOutcome({
          batchId: f.med.submittedBatch.batchId,
          expectedRevision: STALE,
          nomineeId: f.med.submittedBatch.nominees[1]!.nomineeId,
          selected: true,
        }),
      stale,
    ),
    refusal(
      "a batch still open",
      (f) =>
        f.mediation.nominations.recordSelectionOutcome({
          batchId: f.med.fullBatch.batchId,
          expectedRevision: f.med.fullBatch.revision,
          nomineeId: f.med.fullBatch.nominees[0]!.nomineeId,
          selected: true,
        }),
      precondition("BATCH_STATE"),
    ),
    refusal(
      "a nominee decided already",
      (f) =>
        f.mediation.nominations.recordSelectionOutcome({
          batchId: f.med.submittedBatch.batchId,
          expectedRevision: f.med.submittedBatch.revision,
          nomineeId: f.med.submittedBatch.nominees[0]!.nomineeId,
          selected: false,
          outcomeNote: "改为未选任",
        }),
      precondition("OUTCOME_RECORDED"),
    ),
  ],
  "jinlian.mediation.v1.NominationService/GetNominationBatch": [
    refusal("a malformed id", (f) => f.mediation.nominations.getNominationBatch({ batchId: "b-1" }), invalid("batch_id")),
    refusal("an unknown id", (f) => f.mediation.nominations.getNominationBatch({ batchId: unknown() }), notFound),
  ],
  "jinlian.mediation.v1.NominationService/ListNominationBatches": [
    refusal("a bad page token", (f) => f.mediation.nominations.listNominationBatches({ page: badPage }), invalid("page.page_token")),
    refusal(
      "a period that ends before it starts",
      (f) => f.mediation.nominations.listNominationBatches({ filter: { createPeriod: backwards } }),
      invalid("filter.create_period.end_time"),
    ),
  ],
  "jinlian.mediation.v1.NominationService/AddDefaulter": [
    refusal("an empty request", (f) => f.mediation.nominations.addDefaulter({}), invalid("identity_number", "name", "source")),
    refusal(
      "an identity number on the list already",
      (f) =>
        f.mediation.nominations.addDefaulter({
          identityNumber: f.med.defaulter.identityNumber,
          name: f.med.defaulter.name,
          source: "中国执行信息公开网 再次查询",
        }),
      exists,
    ),
  ],
  "jinlian.mediation.v1.NominationService/RemoveDefaulter": [
    refusal("a malformed id", (f) => f.mediation.nominations.removeDefaulter({ entryId: "e-1", reason: "误录" }), invalid("entry_id")),
    refusal("an unknown entry", (f) => f.mediation.nominations.removeDefaulter({ entryId: unknown(), reason: "误录" }), notFound),
    refusal(
      "no reason",
      (f) =>
        f.mediation.nominations.removeDefaulter({
          entryId: f.med.defaulter.entryId,
          expectedRevision: f.med.defaulter.revision,
          reason: "",
        }),
      invalid("reason"),
    ),
    refusal(
      "a stale revision",
      (f) => f.mediation.nominations.removeDefaulter({ entryId: f.med.defaulter.entryId, expectedRevision: STALE, reason: "已移出名单" }),
      stale,
    ),
    refusal(
      "an entry removed already",
      (f) =>
        f.mediation.nominations.removeDefaulter({
          entryId: f.med.removedDefaulter.entryId,
          expectedRevision: f.med.removedDefaulter.revision,
          reason: "已移出名单",
        }),
      precondition("DEFAULTER_REMOVED"),
    ),
  ],
  "jinlian.mediation.v1.NominationService/ListDefaulters": [
    refusal("a bad page token", (f) => f.mediation.nominations.listDefaulters({ page: badPage }), invalid("page.page_token")),
    refusal(
      "an identity number longer than any",
      (f) => f.mediation.nominations.listDefaulters({ filter: { identityNumber: "1".repeat(19) } }),
      invalid("filter.identity_number"),
    ),
  ],

  "jinlian.mediation.v1.ArbitratorRecommendationService/RecommendArbitrator": [
    refusal(
      "an empty request",
      (f) => f.mediation.arbitrators.recommendArbitrator({}),
      invalid("federation_credit_code", "commission_credit_code", "candidate"),
    ),
    refusal(
      "a candidate without a name or gender",
      (f) =>
        f.mediation.arbitrators.recommendArbitrator({
          federationCreditCode: f.federation.organisation.creditCode,
          commissionCreditCode: f.med.commission.creditCode,
          candidate: candidate(f, { name: "", gender: 0 }),
        }),
      invalid("candidate.name", "candidate.gender"),
    ),
    refusal(
      "a commission that is not an arbitration commission",
      (f) =>
        f.mediation.arbitrators.recommendArbitrator({
          federationCreditCode: f.federation.organisation.creditCode,
          commissionCreditCode: f.chamber.organisation.creditCode,
          candidate: candidate(f, { name: "孙律师" }),
        }),
      invalid("commission_credit_code"),
    ),
    refusal(
      "a candidate meeting no route of 仲裁法",
      (f) =>
        f.mediation.arbitrators.recommendArbitrator({
          federationCreditCode: f.federation.organisation.creditCode,
          commissionCreditCode: f.med.commission.creditCode,
          candidate: candidate(f, { name: "孙律师", experiences: [{ kind: M.ExperienceKind.EXPERIENCE_KIND_LAWYER, years: 3 }] }),
        }),
      precondition("ARBITRATOR_UNQUALIFIED"),
    ),
    refusal(
      "an employer deactivated in the registry",
      (f) =>
        f.mediation.arbitrators.recommendArbitrator({
          federationCreditCode: f.federation.organisation.creditCode,
          commissionCreditCode: f.med.commission.creditCode,
          candidate: candidate(f, { name: "孙律师", employerCreditCode: f.retired.organisation.creditCode }),
        }),
      precondition("ORGANISATION_DEACTIVATED"),
    ),
    refusal(
      "a candidate recommended to the commission and awaiting its decision",
      (f) =>
        f.mediation.arbitrators.recommendArbitrator({
          federationCreditCode: f.federation.organisation.creditCode,
          commissionCreditCode: f.med.commission.creditCode,
          candidate: candidate(f, { name: f.med.recommended.candidate!.name }),
        }),
      exists,
    ),
  ],
  "jinlian.mediation.v1.ArbitratorRecommendationService/RecordAppointmentOutcome": [
    refusal(
      "a malformed id",
      (f) => f.mediation.arbitrators.recordAppointmentOutcome({ recommendationId: "r-1", appointed: true }),
      invalid("recommendation_id"),
    ),
    refusal(
      "an unknown recommendation",
      (f) => f.mediation.arbitrators.recordAppointmentOutcome({ recommendationId: unknown(), appointed: true }),
      notFound,
    ),
    refusal(
      "not appointed without the commission's reason",
      (f) =>
        f.mediation.arbitrators.recordAppointmentOutcome({
          recommendationId: f.med.recommended.recommendationId,
          expectedRevision: f.med.recommended.revision,
          appointed: false,
          outcomeNote: "",
        }),
      invalid("outcome_note"),
    ),
    refusal(
      "a stale revision",
      (f) =>
        f.mediation.arbitrators.recordAppointmentOutcome({
          recommendationId: f.med.recommended.recommendationId,
          expectedRevision: STALE,
          appointed: true,
        }),
      stale,
    ),
    refusal(
      "a decision recorded already",
      (f) =>
        f.mediation.arbitrators.recordAppointmentOutcome({
          recommendationId: f.med.appointed.recommendationId,
          expectedRevision: f.med.appointed.revision,
          appointed: false,
          outcomeNote: "改为不聘任",
        }),
      precondition("OUTCOME_RECORDED"),
    ),
  ],
  "jinlian.mediation.v1.ArbitratorRecommendationService/GetArbitratorRecommendation": [
    refusal(
      "a malformed id",
      (f) => f.mediation.arbitrators.getArbitratorRecommendation({ recommendationId: "r-1" }),
      invalid("recommendation_id"),
    ),
    refusal("an unknown id", (f) => f.mediation.arbitrators.getArbitratorRecommendation({ recommendationId: unknown() }), notFound),
  ],
  "jinlian.mediation.v1.ArbitratorRecommendationService/ListArbitratorRecommendations": [
    refusal(
      "a bad page token",
      (f) => f.mediation.arbitrators.listArbitratorRecommendations({ page: badPage }),
      invalid("page.page_token"),
    ),
    refusal(
      "a malformed commission credit code",
      (f) => f.mediation.arbitrators.listArbitratorRecommendations({ filter: { commissionCreditCode: "not-a-code" } }),
      invalid("filter.commission_credit_code"),
    ),
  ],

  // The node is the city: it cannot ask for cooperation (districts only), and it holds a relay
  // record of the cooperation a district asked for, which only the partner's node may answer.
  "jinlian.mediation.v1.CooperationService/RequestCooperation": [
    refusal("a malformed case id", (f) => f.mediation.cooperation.requestCooperation({ caseId: "c-1" }), invalid("case_id")),
    refusal(
      "this node's own code as the partner's, no committee, no summary",
      (f) =>
        f.mediation.cooperation.requestCooperation({
          caseId: f.med.running.caseId,
          expectedRevision: f.med.running.revision,
          partnerJurisdictionCode: "120000",
        }),
      invalid("partner_jurisdiction_code", "partner_committee_credit_code", "shared_summary"),
    ),
    refusal(
      "an unknown case",
      (f) =>
        f.mediation.cooperation.requestCooperation({
          caseId: unknown(),
          partnerJurisdictionCode: "120102",
          partnerCommitteeCreditCode: creditCodeFor("120102"),
          sharedSummary: "请协助调解",
        }),
      notFound,
    ),
    refusal(
      "a stale revision of the case",
      (f) =>
        f.mediation.cooperation.requestCooperation({
          caseId: f.med.running.caseId,
          expectedRevision: STALE,
          partnerJurisdictionCode: "120102",
          partnerCommitteeCreditCode: creditCodeFor("120102"),
          sharedSummary: "请协助调解",
        }),
      stale,
    ),
    refusal(
      "a case at the city (cooperation is between districts)",
      (f) =>
        f.mediation.cooperation.requestCooperation({
          caseId: f.med.running.caseId,
          expectedRevision: f.med.running.revision,
          partnerJurisdictionCode: "120102",
          partnerCommitteeCreditCode: creditCodeFor("120102"),
          sharedSummary: "请协助调解",
        }),
      precondition("DISTRICTS_ONLY"),
    ),
  ],
  "jinlian.mediation.v1.CooperationService/AnswerCooperation": [
    refusal(
      "a malformed id",
      (f) => f.mediation.cooperation.answerCooperation({ cooperationId: "c-1", accept: true }),
      invalid("cooperation_id"),
    ),
    refusal(
      "an unknown cooperation",
      (f) => f.mediation.cooperation.answerCooperation({ cooperationId: unknown(), accept: true }),
      notFound,
    ),
    refusal(
      "a decline without its note",
      (f) =>
        f.mediation.cooperation.answerCooperation({
          cooperationId: f.med.relay.cooperationId,
          expectedRevision: f.med.relay.revision,
          accept: false,
          answerNote: "",
        }),
      invalid("answer_note"),
    ),
    refusal(
      "a stale revision",
      (f) => f.mediation.cooperation.answerCooperation({ cooperationId: f.med.relay.cooperationId, expectedRevision: STALE, accept: true }),
      stale,
    ),
    refusal(
      "the city's relay record (only the partner's node answers)",
      (f) =>
        f.mediation.cooperation.answerCooperation({
          cooperationId: f.med.relay.cooperationId,
          expectedRevision: f.med.relay.revision,
          accept: true,
        }),
      precondition("COOPERATION_ROLE"),
    ),
  ],
  "jinlian.mediation.v1.CooperationService/ReportCooperationSession": [
    refusal(
      "a malformed id",
      (f) => f.mediation.cooperation.reportCooperationSession({ cooperationId: "c-1", record: "调解记录" }),
      invalid("cooperation_id"),
    ),
    refusal(
      "an unknown cooperation",
      (f) => f.mediation.cooperation.reportCooperationSession({ cooperationId: unknown(), record: "调解记录" }),
      notFound,
    ),
    refusal(
      "no record, a session in the future",
      (f) =>
        f.mediation.cooperation.reportCooperationSession({
          cooperationId: f.med.relay.cooperationId,
          expectedRevision: f.med.relay.revision,
          heldTime: inDays(3),
          record: "",
        }),
      invalid("record", "held_time"),
    ),
    refusal(
      "a stale revision",
      (f) =>
        f.mediation.cooperation.reportCooperationSession({
          cooperationId: f.med.relay.cooperationId,
          expectedRevision: STALE,
          record: "调解记录",
        }),
      stale,
    ),
    refusal(
      "the city's relay record (only the partner's node reports sessions)",
      (f) =>
        f.mediation.cooperation.reportCooperationSession({
          cooperationId: f.med.relay.cooperationId,
          expectedRevision: f.med.relay.revision,
          record: "调解记录",
        }),
      precondition("COOPERATION_ROLE"),
    ),
  ],
  "jinlian.mediation.v1.CooperationService/GetCooperation": [
    refusal("a malformed id", (f) => f.mediation.cooperation.getCooperation({ cooperationId: "c-1" }), invalid("cooperation_id")),
    refusal("an unknown id", (f) => f.mediation.cooperation.getCooperation({ cooperationId: unknown() }), notFound),
  ],
  "jinlian.mediation.v1.CooperationService/ListCooperations": [
    refusal("a bad page token", (f) => f.mediation.cooperation.listCooperations({ page: badPage }), invalid("page.page_token")),
    refusal(
      "a malformed case id",
      (f) => f.mediation.cooperation.listCooperations({ filter: { caseId: "c-1" } }),
      invalid("filter.case_id"),
    ),
  ],
};

const REFUSALS: Record<string, Case[]> = { ...LIAISON, ...BULLETINS, ...LEGISLATION, ...LEGAL_SERVICES, ...MEDIATION };

// ---- the node and its fixtures, set up once ------------------------------------------------------
let node: TestNode;
/** District 120101 (liaison and mediation): it asks for the cooperation the city relays. */
let district: TestNode;
const f = {} as Fixtures;

beforeAll(async () => {
  const namespace = uniqueNamespace("refusals");
  [node, district] = await Promise.all([
    startTestNode({ jurisdictionCode: "120000", namespace }),
    startTestNode({ jurisdictionCode: "120101", namespace, target: "liaison,mediation" }),
  ]);
  Object.assign(f, {
    bulletins: node.bulletins,
    liaison: node.liaison,
    legislation: node.legislation,
    legalServices: node.legalServices,
    mediation: mediationClient({ address: node.address, actor: "test-operator", deadlineMs: 15_000, token: tokenForAddress(node.address) }),
  });

  // Liaison: the city's mechanism, a chamber with departments and a contact, a deactivated chamber,
  // a consultation scheduled, a research project proposed, a campaign planned.
  await registerIssuers(node);
  const parties = await registerMechanismParties(node.liaison, "120000");
  f.bureau = parties.bureau;
  f.federation = parties.federation;
  f.mechanism = await establishMechanism(node.liaison, f.bureau, f.federation);
  const chamber = await registerParty(node.liaison, {
    type: OrgType.ORGANISATION_TYPE_CHAMBER_OF_COMMERCE,
    name: "天津市某商会",
    jurisdictionCode: "120000",
    departments: ["法律服务部", "会员部"],
  });
  const { organisation: withContact } = await node.liaison.registry.addLiaisonContact({
    organisationId: chamber.organisation.organisationId,
    expectedRevision: chamber.organisation.revision,
    contact: { name: "张三", title: "副部长", departmentId: chamber.department("法律服务部"), phone: "022-23456789" },
    reason: "联络员",
  });
  f.chamber = { ...chamber, revision: withContact!.revision, contactId: withContact!.contacts[0]!.contactId };
  const retired = await registerParty(node.liaison, {
    type: OrgType.ORGANISATION_TYPE_CHAMBER_OF_COMMERCE,
    name: "天津市已撤并商会",
    jurisdictionCode: "120000",
    departments: ["会员部"],
  });
  const { organisation: deactivated } = await node.liaison.registry.deactivateOrganisation({
    organisationId: retired.organisation.organisationId,
    expectedRevision: retired.organisation.revision,
    reason: "已撤并",
  });
  f.retired = { ...retired, revision: deactivated!.revision };
  f.consultation = (
    await node.liaison.consultations.scheduleConsultation({
      kind: liaisonV1.ConsultationKind.CONSULTATION_KIND_WORKING,
      title: "工作会商",
      mechanismId: f.mechanism.mechanismId,
      scheduledTime: inDays(14),
      location: "市司法局会议室",
      agenda: [{ topic: "法治体检安排", presenterOrganisationId: f.bureau.organisation.organisationId, durationMinutes: 30 }],
      attendees: [
        { name: "李明", organisationId: f.bureau.organisation.organisationId, title: "副局长" },
        { name: "王芳", organisationId: f.federation.organisation.organisationId, title: "副主席" },
      ],
      reason: "年度会商计划",
    })
  ).consultation!;
  f.research = (
    await node.liaison.research.proposeJointResearch({
      topic: "民营企业合规调研",
      leadOrganisationId: f.bureau.organisation.organisationId,
      description: "调研计划",
      reason: "年度计划",
    })
  ).research!;
  f.campaign = (
    await node.liaison.campaigns.planCampaign({
      calendarNode: liaisonV1.CalendarNode.CALENDAR_NODE_CONSTITUTION_WEEK,
      year: CAMPAIGN_YEAR,
      title: "宪法宣传周：宪法进商会",
      theme: "弘扬宪法精神",
      reason: "年度普法计划",
    })
  ).campaign!;

  // Bulletins: a draft, and a bulletin approved and published (it has an issue number).
  f.draft = (await node.bulletins.createBulletinDraft(draftRequest())).bulletin!;
  const toPublish = (await node.bulletins.createBulletinDraft(draftRequest({ title: "已发布的简报" }))).bulletin!;
  f.published = await approveAndPublish(node.bulletins, toPublish.bulletinId);

  // Legislation: a plan and a draft concerning the private economy.
  f.plan = (await node.legislation.plan.createPlan({ year: PLAN_YEAR, reason: "年度立法计划" })).plan!;
  f.legislativeDraft = (await node.legislation.drafts.registerDraft(registerDraftRequest())).draft!;

  // Mediation and legal-services at the city; a district's cooperation relayed by the city.
  f.med = await mediationFixtures(node, f);
  await legalServicesFixtures(node, f);

  // Nothing may still be moving (events consumed, outbox relayed) when the first snapshot is taken.
  await settled(district);
  await settled(node);
});

afterAll(async () => {
  f.mediation?.close();
  await district?.stop();
  await district?.database.drop();
  await node?.stop();
  await node?.database.drop();
});

/**
 * Mediation's aggregates at the city, in every state a refusal needs: a committee with a case
 * awaiting consent and one in mediation; nomination batches open, full and submitted; the
 * 失信被执行人 list with an active and a removed entry; recommendations pending and decided; and
 * the city's relay record of a cooperation district 120101 asked for.
 */
async function mediationFixtures(n: TestNode, fx: Fixtures): Promise<MediationFixtures> {
  const reg = (type: number, name: string, chamberCreditCode?: string) =>
    registerOrg(n.liaison, { type, name, jurisdictionCode: "120000", chamberCreditCode });
  const committeeOrg = await reg(T.ORGANISATION_TYPE_MEDIATION_COMMITTEE, "天津市某商会人民调解委员会", fx.chamber.organisation.creditCode);
  const enterprise = await reg(T.ORGANISATION_TYPE_ENTERPRISE, "天津某科技有限公司");
  const rival = await reg(T.ORGANISATION_TYPE_ENTERPRISE, "天津某贸易有限公司");
  const commission = await reg(T.ORGANISATION_TYPE_ARBITRATION_COMMISSION, "天津仲裁委员会");
  const org = (p: Party): Org => ({
    creditCode: p.organisation.creditCode,
    name: p.organisation.name,
    jurisdictionCode: p.organisation.jurisdictionCode,
  });
  await projectedInMediation(n.database.url, [
    committeeOrg,
    enterprise,
    rival,
    commission,
    org(fx.bureau),
    org(fx.federation),
    org(fx.chamber),
    org(fx.retired),
  ]);
  // The retired chamber is known as deactivated before a refusal relies on it.
  await waitFor(
    async () =>
      (
        await query<{ active: boolean }>(n.database.url, "select active from mediation.known_organisations where credit_code = $1", [
          fx.retired.organisation.creditCode,
        ])
      )[0]?.active === false,
    { timeoutMs: 30_000, intervalMs: 100, what: "the retired chamber deactivated in mediation" },
  );
  const m = n.mediation;
  const committee = (
    await m.committees.registerCommittee({
      committeeCreditCode: committeeOrg.creditCode,
      justiceBureauCreditCode: fx.bureau.organisation.creditCode,
      members: board,
      termStartTime: undefined,
      reason: "备案",
    })
  ).committee!;
  const pending = await openCase(m, committee.committeeId, enterprise, rival, { consented: false });
  const running = await openCase(m, committee.committeeId, enterprise, rival);
  const mediator = await registerMediator(m, committee.committeeId, { name: "周调解" });
  const toRetire = await registerMediator(m, committee.committeeId, { name: "吴调解" });
  const retiredMediator = (
    await m.committees.changeMediatorStatus({
      mediatorId: toRetire.mediatorId,
      expectedRevision: toRetire.revision,
      status: M.MediatorStatus.MEDIATOR_STATUS_RETIRED,
      reason: "退休",
    })
  ).mediator!;

  const withMed = { ...fx, med: { enterprise } as MediationFixtures };
  const batch = async (selectingBody: string, quota: number) =>
    (
      await m.nominations.createNominationBatch({
        kind: M.NominationKind.NOMINATION_KIND_PEOPLES_ASSESSOR,
        federationCreditCode: fx.federation.organisation.creditCode,
        selectingBody,
        quota,
        referenceTime: NOMINATION_REFERENCE,
        reason: "",
      })
    ).batch!;
  const add = async (b: mediationV1.NominationBatch, order: string) =>
    (await m.nominations.addNominee({ batchId: b.batchId, expectedRevision: b.revision, nominee: nominee(withMed, order), reason: "" }))
      .batch!;
  const emptyBatch = await batch("天津市第一中级人民法院", 10);
  const fullBatch = await add(await batch("天津市河西区人民法院", 5), "101");
  let submittedBatch = await add(await add(await batch("天津市和平区人民法院", 10), "201"), "202");
  submittedBatch = (
    await m.nominations.submitNominationBatch({ batchId: submittedBatch.batchId, expectedRevision: submittedBatch.revision, reason: "" })
  ).batch!;
  submittedBatch = (
    await m.nominations.recordSelectionOutcome({
      batchId: submittedBatch.batchId,
      expectedRevision: submittedBatch.revision,
      nomineeId: submittedBatch.nominees[0]!.nomineeId,
      selected: true,
      outcomeNote: "",
      reason: "",
    })
  ).batch!;

  const defaulter = (
    await m.nominations.addDefaulter({
      identityNumber: idNumber("19750101", "401"),
      name: "失信甲",
      source: "中国执行信息公开网 查询",
      reason: "",
    })
  ).defaulter!;
  const removable = (
    await m.nominations.addDefaulter({
      identityNumber: idNumber("19750101", "402"),
      name: "失信乙",
      source: "中国执行信息公开网 查询",
      reason: "",
    })
  ).defaulter!;
  const removedDefaulter = (
    await m.nominations.removeDefaulter({ entryId: removable.entryId, expectedRevision: removable.revision, reason: "已从名单移出" })
  ).defaulter!;

  const recommend = async (name: string) =>
    (
      await m.arbitrators.recommendArbitrator({
        federationCreditCode: fx.federation.organisation.creditCode,
        commissionCreditCode: commission.creditCode,
        candidate: candidate(withMed, { name }),
        reason: "",
      })
    ).recommendation!;
  const recommended = await recommend("钱律师");
  const toAppoint = await recommend("李律师");
  const appointed = (
    await m.arbitrators.recordAppointmentOutcome({
      recommendationId: toAppoint.recommendationId,
      expectedRevision: toAppoint.revision,
      appointed: true,
      outcomeNote: "",
      reason: "",
    })
  ).recommendation!;

  const relay = await cooperationRelayedBy(district, n);
  return {
    enterprise,
    rival,
    commission,
    committee,
    pending,
    running,
    mediator,
    retiredMediator,
    emptyBatch,
    fullBatch,
    submittedBatch,
    defaulter,
    removedDefaulter,
    recommended,
    appointed,
    relay,
  };
}

/**
 * District 120101's committee asks a committee of 120102 to cooperate on a case; the city keeps a
 * relay record of it (and passes the request on to 120102, which has no node here).
 */
async function cooperationRelayedBy(d: TestNode, city: TestNode): Promise<mediationV1.Cooperation> {
  const reg = (type: number, name: string, chamberCreditCode?: string) =>
    registerOrg(d.liaison, { type, name, jurisdictionCode: "120101", chamberCreditCode });
  const bureau = await reg(T.ORGANISATION_TYPE_JUSTICE_BUREAU, "和平区司法局");
  const chamber = await reg(T.ORGANISATION_TYPE_CHAMBER_OF_COMMERCE, "和平区总商会");
  const committeeOrg = await reg(T.ORGANISATION_TYPE_MEDIATION_COMMITTEE, "和平区总商会人民调解委员会", chamber.creditCode);
  const a = await reg(T.ORGANISATION_TYPE_ENTERPRISE, "和平某科技有限公司");
  const b = await reg(T.ORGANISATION_TYPE_ENTERPRISE, "和平某贸易有限公司");
  await projectedInMediation(d.database.url, [bureau, chamber, committeeOrg, a, b]);
  const committee = (
    await d.mediation.committees.registerCommittee({
      committeeCreditCode: committeeOrg.creditCode,
      justiceBureauCreditCode: bureau.creditCode,
      members: board,
      termStartTime: undefined,
      reason: "备案",
    })
  ).committee!;
  const c = await openCase(d.mediation, committee.committeeId, a, b);
  const requested = (
    await d.mediation.cooperation.requestCooperation({
      caseId: c.caseId,
      expectedRevision: c.revision,
      partnerJurisdictionCode: "120102",
      partnerCommitteeCreditCode: creditCodeFor("120102"),
      sharedSummary: "被申请人住所地在河东区，请协助调解",
      requestNote: "",
      reason: "",
    })
  ).cooperation!;
  return waitFor(
    async () => {
      const page = await city.mediation.cooperation.listCooperations({ filter: { caseId: c.caseId }, page: undefined });
      return page.cooperations.find((x) => x.cooperationId === requested.cooperationId);
    },
    { timeoutMs: 60_000, intervalMs: 250, what: "the city's relay record of the cooperation" },
  );
}

/** legal-services at the city: the commission as a provider, a referral received and one accepted. */
async function legalServicesFixtures(n: TestNode, fx: Fixtures): Promise<void> {
  await projected(n.database.url, [fx.med.commission, fx.med.enterprise, fx.med.rival]);
  fx.commissionProvider = await registerProvider(n.legalServices, {
    kind: K.PROVIDER_KIND_ARBITRATION_COMMISSION,
    organisationCreditCode: fx.med.commission.creditCode,
  });
  fx.referral = (await n.legalServices.referrals.submitArbitrationReferral(arbitrationReferral(fx))).referral!;
  const toAccept = (await n.legalServices.referrals.submitArbitrationReferral(arbitrationReferral(fx, { disputeId: "D-accepted" })))
    .referral!;
  fx.acceptedReferral = (
    await n.legalServices.referrals.answerArbitrationReferral({
      referralId: toAccept.referralId,
      expectedRevision: toAccept.revision,
      accept: true,
      answerNote: "已受理",
      reason: "",
    })
  ).referral!;
}

describe("coverage: every method the node offers has a refusal row, and every row names a method it offers", () => {
  it("the reflected methods and the table's rows are the same set", async () => {
    // Reflection describes every contract of the descriptor set, including services this node does
    // not run (a contract published before its service): the node offers those health knows.
    const methods = await reflectedMethods(node.address);
    const services = [...new Set(methods.map((m) => m.split("/")[0]!))];
    const known = new Set<string>();
    for (const service of services) if (await healthKnows(node.address, service)) known.add(service);
    const served = methods.filter((m) => known.has(m.split("/")[0]!));
    const packages = [...new Set(served.map((m) => m.split(".").slice(0, 2).join(".")))].sort();
    expect(packages).toEqual(
      expect.arrayContaining([
        "jinlian.bulletins",
        "jinlian.legal_services",
        "jinlian.legislation",
        "jinlian.liaison",
        "jinlian.mediation",
      ]),
    );
    const reflected = served;
    const rows = Object.keys(REFUSALS);
    expect({
      withoutRefusalRow: reflected.filter((m) => !rows.includes(m)),
      rowsForMissingMethods: rows.filter((m) => !reflected.includes(m)),
    }).toEqual({
      withoutRefusalRow: [],
      rowsForMissingMethods: [],
    });
  });

  it("every row has a case, and every FAILED_PRECONDITION or INVALID_ARGUMENT case names its type or fields", () => {
    const incomplete = Object.entries(REFUSALS).flatMap(([method, cases]) => [
      ...(cases.length === 0 ? [`${method}: no case`] : []),
      ...cases
        .filter(
          (c) =>
            (c.expect.code === "FAILED_PRECONDITION" && !c.expect.precondition) ||
            (c.expect.code === "INVALID_ARGUMENT" && !(c.expect.fields && c.expect.fields.length > 0)),
        )
        .map((c) => `${method}: ${c.why}`),
    ]);
    expect(incomplete).toEqual([]);
  });
});

describe("the snapshot a refusal is compared with", () => {
  it("covers the counters that matter: issue numbers, receipts, inbox, outbox, audit entries, idempotency keys", async () => {
    const snapshot = await snapshotSchemas(node);
    for (const table of [
      "bulletins.issue_number_series",
      "bulletins.bulletin_recipients",
      "bulletins.inbox",
      "bulletins.outbox",
      "bulletins.audit_entries",
      "bulletins.idempotency_keys",
      "liaison.organisations",
      "liaison.inbox",
      "liaison.outbox",
      "liaison.audit_entries",
      "legislation.outbox",
      "legal_services.outbox",
    ])
      expect({ table, present: table in snapshot }).toEqual({ table, present: true });
    // The published bulletin took a number of its series.
    expect(snapshot["bulletins.issue_number_series"]!.rows).toBeGreaterThan(0);
  });

  it("fails a call that succeeds, and a refusal preceded by a change made inside the thunk", async () => {
    const orgId = f.chamber.organisation.organisationId;
    // An accepted read: the helper must not let a success pass for a refusal.
    await expect(
      expectRefusedWithoutChange(node, () => f.liaison.registry.getOrganisation({ organisationId: orgId }), notFound),
    ).rejects.toThrow(/succeeded/);
    // A change made after the "before" snapshot is seen, even though the call ends refused.
    const other = await registerParty(node.liaison, {
      type: OrgType.ORGANISATION_TYPE_CHAMBER_OF_COMMERCE,
      name: "天津市另一商会",
      jurisdictionCode: "120000",
      departments: ["会员部"],
    });
    await settled(node);
    await expect(
      expectRefusedWithoutChange(
        node,
        async () => {
          await f.liaison.registry.addDepartment({
            organisationId: other.organisation.organisationId,
            expectedRevision: other.organisation.revision,
            name: "新部门",
            reason: "",
          });
          return f.liaison.registry.getOrganisation({ organisationId: unknown() });
        },
        notFound,
      ),
    ).rejects.toThrow(/liaison\.organisation/);
    await settled(node);
  });
});

describe.each(Object.entries(REFUSALS))("%s", (method, cases) => {
  it.each(cases.map((c) => [c.why, status(c.expect), c] as const))("refuses %s with %s and changes nothing", async (_why, _status, c) => {
    const err = await expectRefusedWithoutChange(node, () => c.call(f), c.expect);
    expect(err.method).toBe(`/${method}`);
  });
});

describe("RemoveDepartment accepted (issue 10 lists it untested): the department goes, and only that changes", () => {
  it("removes a department of an active organisation", async () => {
    const party = await registerParty(node.liaison, {
      type: OrgType.ORGANISATION_TYPE_CHAMBER_OF_COMMERCE,
      name: "天津市第三商会",
      jurisdictionCode: "120000",
      departments: ["法律服务部", "会员部"],
    });
    await settled(node);
    const before = await snapshotSchemas(node);
    const { organisation } = await node.liaison.registry.removeDepartment({
      organisationId: party.organisation.organisationId,
      expectedRevision: party.organisation.revision,
      departmentId: party.department("会员部"),
      reason: "机构调整",
    });
    expect(organisation!.departments.map((d) => d.name)).toEqual(["法律服务部"]);
    expect(organisation!.revision).toBe(party.organisation.revision + 1);
    const read = (await node.liaison.registry.getOrganisation({ organisationId: party.organisation.organisationId })).organisation!;
    expect(read.departments.map((d) => d.name)).toEqual(["法律服务部"]);
    const changed = changedTables(before, await snapshotSchemas(node));
    expect(Object.keys(changed)).toEqual(expect.arrayContaining(["liaison.audit_entries", "liaison.outbox"]));
  });
});

/** Whether the node registered a service (health answers for it; an unknown name is NOT_FOUND). */
async function healthKnows(address: string, service: string): Promise<boolean> {
  try {
    await healthCheck(address, service);
    return true;
  } catch (err) {
    if ((err as { code?: number }).code === 5) return false;
    throw err;
  }
}

function status(e: ExpectedRefusal): string {
  const what = [e.precondition, e.fields?.join(", "), e.reason].filter(Boolean).join("; ");
  return `${String(e.code)}${what ? ` (${what})` : ""}`;
}
