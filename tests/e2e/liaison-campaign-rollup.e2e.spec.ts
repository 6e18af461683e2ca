/**
 * A municipal campaign across three nodes on a real broker (art. 7-8): the city plans and launches
 * Constitution Week for two districts, both receive it, Heping reports its activities up, the
 * city's roll-up shows Heping's totals and Hedong as silent; Heping corrects a mistyped audience
 * twice and withdraws a duplicate report, and the city's roll-up follows each step; after the city
 * closes the campaign the districts take no more reports.
 */
import { status } from "@grpc/grpc-js";
import { liaisonV1 } from "@jinlian/proto";
import { uniqueNamespace, waitFor } from "../harness/kafka";
import { startTestNode, statusOf, type TestNode } from "../support/nodes";

const C = liaisonV1;
jest.setTimeout(120_000);

const ns = uniqueNamespace("campaign-rollup");
let city: TestNode;
let heping: TestNode; // 120101, reports
let hedong: TestNode; // 120102, stays silent

beforeAll(async () => {
  [city, heping, hedong] = await Promise.all([
    startTestNode({ jurisdictionCode: "120000", namespace: ns }),
    startTestNode({ jurisdictionCode: "120101", namespace: ns }),
    startTestNode({ jurisdictionCode: "120102", namespace: ns }),
  ]);
});

afterAll(async () => {
  for (const n of [city, heping, hedong]) await n?.stop();
  for (const n of [city, heping, hedong]) await n?.database.drop();
});

/** This year in Tianjin. */
const year = Number(new Intl.DateTimeFormat("en", { timeZone: "Asia/Shanghai", year: "numeric" }).format(new Date()));
/** A time in Tianjin (UTC+8) on a December day of this year's Constitution Week. */
const onDecember = (day: number, hour: number) => new Date(Date.UTC(year, 11, day, hour - 8));

async function campaignAt(node: TestNode, id: string, wanted: liaisonV1.CampaignStatus): Promise<liaisonV1.Campaign | undefined> {
  try {
    const { campaign } = await node.liaison.campaigns.getCampaign({ campaignId: id });
    return campaign!.status === wanted ? campaign : undefined;
  } catch {
    return undefined;
  }
}

it("pushes a municipal campaign to its districts, rolls up their reports, and closes it everywhere", async () => {
  const { campaign: planned } = await city.liaison.campaigns.planCampaign({
    calendarNode: C.CalendarNode.CALENDAR_NODE_CONSTITUTION_WEEK,
    year,
    title: `${year}年宪法宣传周`,
    theme: "大力弘扬宪法精神 护航民营经济发展",
    targetJurisdictionCodes: ["120101", "120102"],
    reason: "市司法局、市工商联联合部署",
    calendarNodeCode: "",
    topicTags: ["宪法"],
    audienceKinds: [C.AudienceKind.AUDIENCE_KIND_ENTERPRISES],
    coOrganisers: [],
  });
  const id = planned!.campaignId;
  await city.liaison.campaigns.launchCampaign({ campaignId: id, expectedRevision: planned!.revision, reason: "启动" });

  // Both districts receive it with the same id, as a campaign pushed by the city.
  const wait = { timeoutMs: 30_000, intervalMs: 200 };
  const launched = C.CampaignStatus.CAMPAIGN_STATUS_LAUNCHED;
  const [atHeping, atHedong] = await Promise.all([
    waitFor(() => campaignAt(heping, id, launched), { ...wait, what: "the campaign at 120101" }),
    waitFor(() => campaignAt(hedong, id, launched), { ...wait, what: "the campaign at 120102" }),
  ]);
  for (const copy of [atHeping, atHedong]) {
    expect(copy).toMatchObject({
      campaignId: id,
      origin: C.CampaignOrigin.CAMPAIGN_ORIGIN_RECEIVED,
      issuingJurisdictionCode: "120000",
      targetJurisdictionCodes: ["120101", "120102"],
      title: `${year}年宪法宣传周`,
      year,
    });
    expect(copy.startTime).toEqual(planned!.startTime);
    expect(copy.endTime).toEqual(planned!.endTime);
  }

  // Heping reports two activities; they flow up to the city.
  const report = (title: string, heldTime: Date, eventsHeld: number, audienceReached: string) =>
    heping.liaison.campaigns.reportCampaignActivity({
      campaignId: id,
      title,
      heldTime,
      eventsHeld,
      audienceReached,
      organiserOrganisationId: "",
      organiserCreditCode: "",
      reason: "",
    });
  const { activity: first } = await report("宪法进商会", onDecember(2, 14), 2, "150");
  const { activity: second } = await report("12·4宪法日广场宣传", onDecember(4, 9), 3, "320");
  expect(first!.jurisdictionCode).toBe("120101");

  const roll = await waitFor(
    async () => {
      const r = await city.liaison.campaigns.getCampaignRollUp({ campaignId: id });
      return r.total!.activities === 2 && r;
    },
    { ...wait, what: "two activities of 120101 in the city's roll-up" },
  );
  expect(roll.jurisdictions.map((j) => [j.jurisdictionCode, j.jurisdictionName, j.activities, j.eventsHeld, j.audienceReached])).toEqual([
    ["120000", "天津市", 0, 0, "0"],
    ["120101", "和平区", 2, 5, "470"],
    ["120102", "河东区", 0, 0, "0"],
  ]);
  expect(roll.jurisdictions[1]!.lastReportTime).toEqual(second!.audit!.occurTime);
  expect(roll.total).toMatchObject({ activities: 2, eventsHeld: 5, audienceReached: "470" });
  expect(roll.silentJurisdictionCodes).toEqual(["120102"]);
  const { campaign: atCity } = await city.liaison.campaigns.getCampaign({ campaignId: id });
  expect(atCity!.activities.map((a) => [a.activityId, a.jurisdictionCode, a.title])).toEqual([
    [first!.activityId, "120101", "宪法进商会"],
    [second!.activityId, "120101", "12·4宪法日广场宣传"],
  ]);
  // The roll-up is the issuer's; a district holds only its own activities.
  expect((await statusOf(heping.liaison.campaigns.getCampaignRollUp({ campaignId: id }))).code).toBe(status.FAILED_PRECONDITION);

  // Heping finds the audience of its first activity mistyped: corrected twice, each correction
  // reaches the city and replaces the figure there (no trace of the wrong one in the roll-up).
  const hepingAt = async (audience: string, activities: number) => {
    const r = await city.liaison.campaigns.getCampaignRollUp({ campaignId: id });
    const row = r.jurisdictions[1]!;
    return row.audienceReached === audience && row.activities === activities && r;
  };
  const correct = (expectedRevision: number, audienceReached: string, reason: string) =>
    heping.liaison.campaigns.correctCampaignActivity({
      campaignId: id,
      activityId: first!.activityId,
      expectedRevision,
      title: "宪法进商会",
      heldTime: onDecember(2, 14),
      eventsHeld: 2,
      audienceReached,
      organiserOrganisationId: "",
      organiserCreditCode: "",
      reason,
    });
  await correct(1, "15000", "观众人数更正");
  await waitFor(() => hepingAt("15320", 2), { ...wait, what: "the first correction in the city's roll-up" });
  await correct(2, "1500", "多录了一个零");
  const corrected = await waitFor(() => hepingAt("1820", 2), { ...wait, what: "the second correction in the city's roll-up" });
  expect(corrected.total).toMatchObject({ activities: 2, eventsHeld: 5, audienceReached: "1820" });

  // Heping withdraws the second report (a duplicate): it leaves the city's roll-up.
  await heping.liaison.campaigns.withdrawCampaignActivity({
    campaignId: id,
    activityId: second!.activityId,
    expectedRevision: 1,
    reason: "重复上报",
  });
  const withdrawn = await waitFor(() => hepingAt("1500", 1), { ...wait, what: "the withdrawal in the city's roll-up" });
  expect(withdrawn.total).toMatchObject({ activities: 1, eventsHeld: 2, audienceReached: "1500" });
  const { campaign: afterWithdrawal } = await city.liaison.campaigns.getCampaign({ campaignId: id });
  expect(afterWithdrawal!.activities.map((a) => [a.activityId, a.revision, a.withdrawn, a.audienceReached])).toEqual([
    [first!.activityId, 3, false, "1500"],
    [second!.activityId, 2, true, "320"],
  ]);
  expect(afterWithdrawal!.activities[0]!.history.map((h) => h.audienceReached)).toEqual(["150", "15000"]);

  // The city closes the campaign; both districts see it closed and take no more reports.
  await city.liaison.campaigns.closeCampaign({ campaignId: id, expectedRevision: 0, reason: "宣传周结束" });
  const closed = C.CampaignStatus.CAMPAIGN_STATUS_CLOSED;
  await Promise.all([
    waitFor(() => campaignAt(heping, id, closed), { ...wait, what: "the campaign closed at 120101" }),
    waitFor(() => campaignAt(hedong, id, closed), { ...wait, what: "the campaign closed at 120102" }),
  ]);
  const late = await statusOf(report("迟到的活动", onDecember(5, 10), 1, "10"));
  expect(late.code).toBe(status.FAILED_PRECONDITION);
  expect(late.preconditionViolations[0]!.type).toBe("CAMPAIGN_NOT_LAUNCHED");
  expect((await city.liaison.campaigns.getCampaignRollUp({ campaignId: id })).total!.activities).toBe(1);
});
