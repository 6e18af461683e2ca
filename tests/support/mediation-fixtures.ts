/**
 * Parties for mediation tests: organisations in the liaison registry waited for in mediation's
 * projection, a registered committee, and mediators.
 */
import type { MediationClient } from "@jinlian/client";
import { mediationV1 } from "@jinlian/proto";
import { waitFor } from "../harness/kafka";
import { query } from "./db";
import type { Org } from "./legal-services-fixtures";

export const M = mediationV1;

/** Waits until mediation's projection of the registry holds every one of these organisations. */
export async function projectedInMediation(databaseUrl: string, orgs: readonly Org[]): Promise<void> {
  const codes = orgs.map((o) => o.creditCode);
  await waitFor(
    async () => {
      const rows = await query<{ n: string }>(
        databaseUrl,
        "select count(distinct credit_code) as n from mediation.known_organisations where credit_code = any($1)",
        [codes],
      );
      return Number(rows[0]!.n) === new Set(codes).size;
    },
    { timeoutMs: 30_000, intervalMs: 100, what: `${codes.length} organisations projected into mediation` },
  );
}

/** Waits until mediation knows legal-services' provider at this revision or later. */
export async function providerKnown(databaseUrl: string, providerId: string, revision = 1): Promise<void> {
  await waitFor(
    async () => {
      const rows = await query<{ n: string }>(
        databaseUrl,
        "select count(*) as n from mediation.legal_providers where provider_id = $1 and provider_revision >= $2",
        [providerId, revision],
      );
      return Number(rows[0]!.n) === 1;
    },
    { timeoutMs: 30_000, intervalMs: 100, what: `provider ${providerId} in mediation` },
  );
}

export const board: mediationV1.CommitteeMember[] = [
  { name: "赵主任", gender: M.Gender.GENDER_MALE, role: M.MemberRole.MEMBER_ROLE_CHAIR },
  { name: "钱委员", gender: M.Gender.GENDER_FEMALE, role: M.MemberRole.MEMBER_ROLE_MEMBER },
  { name: "孙委员", gender: M.Gender.GENDER_MALE, role: M.MemberRole.MEMBER_ROLE_MEMBER },
];

export async function registerMediator(
  client: MediationClient,
  committeeId: string,
  over: Partial<mediationV1.RegisterMediatorRequest> = {},
): Promise<mediationV1.Mediator> {
  return (
    await client.committees.registerMediator({
      committeeId,
      name: "王调解",
      gender: M.Gender.GENDER_FEMALE,
      licenceNumber: "",
      qualifications: ["法律职业资格"],
      pool: M.MediatorPool.MEDIATOR_POOL_PEOPLES,
      declaredInterestCreditCodes: [],
      reason: "",
      ...over,
    })
  ).mediator!;
}

/** A case between two organisations, every party consenting unless told. */
export async function openCase(
  client: MediationClient,
  committeeId: string,
  a: Org,
  b: Org,
  over: Partial<mediationV1.OpenCaseRequest> & { consented?: boolean } = {},
): Promise<mediationV1.Case> {
  const consented = over.consented ?? true;
  return (
    await client.cases.openCase({
      committeeId,
      kind: M.CaseKind.CASE_KIND_PEOPLES,
      parties: [
        { role: M.PartyRole.PARTY_ROLE_APPLICANT, organisationCreditCode: a.creditCode, person: undefined, consented },
        { role: M.PartyRole.PARTY_ROLE_RESPONDENT, organisationCreditCode: b.creditCode, person: undefined, consented },
      ],
      summary: "买卖合同货款纠纷",
      commercial: undefined,
      reason: "",
      ...over,
    })
  ).case!;
}

export const writtenAgreement = (over: Partial<mediationV1.AgreementContent> = {}): mediationV1.AgreementContent => ({
  form: M.AgreementForm.AGREEMENT_FORM_WRITTEN,
  partyDetails: "申请人：和平某公司；被申请人：河东某公司",
  facts: "申请人向被申请人供货，被申请人欠付货款",
  issuesInDispute: "欠款数额与支付期限",
  responsibilities: "被申请人承担付款责任",
  terms: "被申请人支付货款十万元",
  performanceManner: "银行转账",
  performanceDeadlineTime: new Date(Date.now() + 200 * 24 * 3600_000),
  oralRecord: "",
  ...over,
});

/** A 居民身份证号码 of a person born on `birth` (YYYYMMDD) in 和平区, with its GB 11643 check character. */
export function idNumber(birth: string, order = "123"): string {
  const body = `120101${birth}${order}`;
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  return body + "10X98765432"[w.reduce((acc, x, i) => acc + x * Number(body[i]), 0) % 11];
}

/** A nominee's declarations that bar nothing (人民陪审员法 art. 5-7). */
export const eligibleDeclarations: mediationV1.NomineeDeclarations = {
  supportsConstitution: true,
  goodConduct: true,
  fitForDuty: true,
  criminalPunishment: false,
  dismissedFromPublicOffice: false,
  licenceRevoked: false,
  removedAsAssessor: false,
  seriousViolation: false,
};
