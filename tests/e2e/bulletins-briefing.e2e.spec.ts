/**
 * A 工作简报 compiled from events, on a real broker: district 120101 establishes its liaison
 * mechanism and reports its legal-services and mediation statistics for a period up to the city;
 * the city's bulletins reads them from those services' delivery topics and compiles a normal draft
 * for the period, which an officer then edits. Only the city compiles; a bad period is refused.
 */
import { status } from "@grpc/grpc-js";
import { bulletinsV1 } from "@jinlian/proto";
import { uniqueNamespace, waitFor } from "../harness/kafka";
import { query } from "../support/db";
import { MUNICIPAL_JUSTICE_BUREAU } from "../support/fixtures";
import { registerIssuers } from "../support/issuers";
import { registerOrg, T } from "../support/legal-services-fixtures";
import { registerMechanismParties } from "../support/liaison-fixtures";
import { board, openCase, projectedInMediation } from "../support/mediation-fixtures";
import { startTestNode, statusOf, type TestNode } from "../support/nodes";

jest.setTimeout(180_000);

const ns = uniqueNamespace("briefing");
let city: TestNode;
let heping: TestNode;

beforeAll(async () => {
  [city, heping] = await Promise.all([
    startTestNode({ jurisdictionCode: "120000", namespace: ns, target: "liaison,bulletins,legal-services,mediation" }),
    startTestNode({ jurisdictionCode: "120101", namespace: ns, target: "liaison,bulletins,legal-services,mediation" }),
  ]);
});

afterAll(async () => {
  for (const n of [city, heping]) await n?.stop();
  for (const n of [city, heping]) await n?.database.drop();
});

it("compiles a draft work briefing for a period from the districts' statistics events", async () => {
  const start = new Date(Date.now() - 3600_000);
  const period = { startTime: start, endTime: new Date(Date.now() + 3600_000) };

  // Liaison: the district's mechanism, established (reported up as it changes).
  const { bureau, federation } = await registerMechanismParties(heping.liaison, "120101");
  const proposed = (
    await heping.liaison.mechanisms.proposeMechanism({
      justiceBureau: {
        organisationId: bureau.organisation.organisationId,
        departmentId: bureau.department("法治调研处"),
        departmentName: "",
      },
      federation: {
        organisationId: federation.organisation.organisationId,
        departmentId: federation.department("法律服务部"),
        departmentName: "",
      },
      reason: "",
    })
  ).mechanism!;
  await heping.liaison.mechanisms.establishMechanism({
    mechanismId: proposed.mechanismId,
    expectedRevision: proposed.revision,
    reason: "",
  });

  // Mediation: one case opened in the period; legal-services: its figures; both reported up.
  const reg = (type: number, name: string, chamberCreditCode?: string) =>
    registerOrg(heping.liaison, { type, name, jurisdictionCode: "120101", chamberCreditCode });
  const chamber = await reg(T.ORGANISATION_TYPE_CHAMBER_OF_COMMERCE, "和平区总商会");
  const committeeOrg = await reg(T.ORGANISATION_TYPE_MEDIATION_COMMITTEE, "和平区总商会人民调解委员会", chamber.creditCode);
  const a = await reg(T.ORGANISATION_TYPE_ENTERPRISE, "和平甲公司");
  const b = await reg(T.ORGANISATION_TYPE_ENTERPRISE, "和平乙公司");
  const bureauOrg = { creditCode: bureau.organisation.creditCode, name: bureau.organisation.name, jurisdictionCode: "120101" };
  await projectedInMediation(heping.database.url, [bureauOrg, chamber, committeeOrg, a, b]);
  const committee = (
    await heping.mediation.committees.registerCommittee({
      committeeCreditCode: committeeOrg.creditCode,
      justiceBureauCreditCode: bureauOrg.creditCode,
      members: board,
      termStartTime: undefined,
      reason: "",
    })
  ).committee!;
  await openCase(heping.mediation, committee.committeeId, a, b);
  await heping.mediation.statistics.reportStatistics({ period, reason: "月度报送" });
  await heping.legalServices.statistics.reportStatistics({ period, reason: "月度报送" });

  // The city's bulletins holds the three facts once they arrive.
  await registerIssuers(city);
  await waitFor(
    async () => {
      const rows = await query<{ source: string }>(city.database.url, "select source from bulletins.briefing_facts order by source");
      return rows.map((r) => r.source).join(",") === "legal-services.statistics,liaison.mechanism,mediation.statistics";
    },
    { timeoutMs: 60_000, intervalMs: 250, what: "the district's statistics at the city's bulletins" },
  );

  const bad = await statusOf(
    city.bulletins.compileBriefingDraft({
      period: { startTime: start, endTime: undefined },
      issuer: MUNICIPAL_JUSTICE_BUREAU,
      jurisdictionCodes: [],
      reason: "",
    }),
  );
  expect(bad.code).toBe(status.INVALID_ARGUMENT);
  expect(bad.fieldViolations.map((v) => v.field)).toEqual(["period.end_time"]);

  const compiled = await city.bulletins.compileBriefingDraft({
    period,
    issuer: MUNICIPAL_JUSTICE_BUREAU,
    jurisdictionCodes: [],
    reason: "月度简报",
  });
  const [bulletin, figures] = [compiled.bulletin!, compiled.figures!];
  expect(figures).toMatchObject({
    mechanismsEstablished: 1,
    mediationCasesOpened: 1,
    legalServiceRequests: 0,
    districtsReporting: ["120101"],
  });
  expect(bulletin).toMatchObject({
    kind: bulletinsV1.BulletinKind.BULLETIN_KIND_WORK_BRIEFING,
    status: bulletinsV1.BulletinStatus.BULLETIN_STATUS_DRAFT,
    issuer: { creditCode: MUNICIPAL_JUSTICE_BUREAU.creditCode },
    mainAudience: { allDistricts: true },
  });
  expect(bulletin.title).toMatch(/^工作简报（\d{4}-\d{2}-\d{2}至\d{4}-\d{2}-\d{2}）$/);
  expect(bulletin.body).toContain("已建立司法行政机关与工商联联络机制的区：1个");
  expect(bulletin.body).toContain("新受理调解案件1件");
  expect(bulletin.body).toContain("上报区：和平区");

  // A normal draft: the officer edits it before publishing.
  const edited = (
    await city.bulletins.updateBulletinDraft(
      bulletinsV1.UpdateBulletinDraftRequest.fromPartial({
        bulletinId: bulletin.bulletinId,
        expectedRevision: bulletin.revision,
        title: bulletin.title,
        body: `${bulletin.body}\n\n六、下步工作\n继续推进商会调解组织建设。`,
        mainAudience: bulletin.mainAudience,
        urgency: bulletin.urgency,
        classification: bulletin.classification,
        reason: "补充下步工作",
      }),
    )
  ).bulletin!;
  expect(edited.body).toContain("下步工作");

  // Only the city compiles briefings: the districts' statistics arrive there.
  const notHere = await statusOf(heping.bulletins.compileBriefingDraft({ period, issuer: bureauOrg, jurisdictionCodes: [], reason: "" }));
  expect(notHere.code).toBe(status.FAILED_PRECONDITION);
  expect(notHere.preconditionViolations.map((v) => v.type)).toEqual(["BRIEFINGS_AT_CITY"]);
});
