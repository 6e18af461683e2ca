import { withCheckCharacter } from "@jinlian/kernel";
import { bulletinsV1 } from "@jinlian/proto";

/** Organisations with valid unified social credit codes (check character computed). */
export const MUNICIPAL_JUSTICE_BUREAU = {
  creditCode: withCheckCharacter("11120000MB1234567"),
  jurisdictionCode: "120000",
  name: "天津市司法局",
};
export const MUNICIPAL_FEDERATION = {
  creditCode: withCheckCharacter("51120000MJ0123456"),
  jurisdictionCode: "120000",
  name: "天津市工商业联合会",
};
export const HEPING_CHAMBER = { creditCode: withCheckCharacter("51120101MJ7654321"), jurisdictionCode: "120101", name: "和平区总商会" };

export function draftRequest(overrides: Partial<bulletinsV1.CreateBulletinDraftRequest> = {}): bulletinsV1.CreateBulletinDraftRequest {
  return {
    kind: bulletinsV1.BulletinKind.BULLETIN_KIND_WORK_BRIEFING,
    issuer: MUNICIPAL_JUSTICE_BUREAU,
    title: "关于民营企业法治体检工作进展的简报",
    body: "一、工作进展……二、下一步安排……",
    mainAudience: { allDistricts: false, jurisdictionCodes: ["120101"], organisations: [] },
    copyAudience: { allDistricts: false, jurisdictionCodes: [], organisations: [] },
    urgency: bulletinsV1.Urgency.URGENCY_ROUTINE,
    classification: bulletinsV1.Classification.CLASSIFICATION_INTERNAL,
    acknowledgementWindow: { seconds: String(3 * 24 * 3600), nanos: 0 },
    reason: "",
    coIssuers: [],
    ...overrides,
  };
}
